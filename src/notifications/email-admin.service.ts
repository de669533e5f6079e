import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction } from '../core/database/transaction.js';
import { ApiError } from '../core/http/api-error.js';
import { emailView, type EmailView } from './email-admin.dto.js';
import { EmailJobs } from './email-jobs.js';
import type { EmailStatus } from './email-outbox.entity.js';
import { EmailOutboxRepository } from './email-outbox.repository.js';

const NEEDS_ATTENTION: EmailStatus[] = ['failed', 'unknown', 'pending'];

/** What admins do with emails that did not go out by themselves. */
@Injectable()
export class EmailAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: EmailOutboxRepository,
    private readonly jobs: EmailJobs,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async list(status: EmailStatus | undefined, limit: number): Promise<EmailView[]> {
    const rows = await this.outbox.list(status ? [status] : NEEDS_ATTENTION, limit);
    return rows.map((row) => emailView(row, this.config.env.EMAIL_RESEND_GRACE));
  }

  /** failed or unknown → pending, and a new job once that commits. */
  retry(actor: AuthUser, id: string): Promise<EmailView> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const row = await this.outbox.findByIdForUpdate(tx, id);
      if (!row) throw ApiError.notFound('Email');
      if (row.status !== 'failed' && row.status !== 'unknown') {
        throw ApiError.conflict(`The email is ${row.status}; only a failed or unknown email can be retried`);
      }
      await this.outbox.resetToPending(tx, id);
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'email.retried',
        entityType: 'email',
        entityId: id,
        articleId: row.articleId,
        before: { status: row.status, attempts: row.attempts, lastError: row.lastError },
        after: { status: 'pending' },
      });
      ctx.afterCommit(() => this.jobs.enqueueAgain(id));
      return emailView((await this.outbox.findById(id, tx))!, this.config.env.EMAIL_RESEND_GRACE);
    });
  }

  /** unknown → sent, once a person has found the message in the mail server's log or the recipient's inbox. */
  markSent(actor: AuthUser, id: string): Promise<EmailView> {
    return inTransaction(this.dataSource, async (tx) => {
      const row = await this.outbox.findByIdForUpdate(tx, id);
      if (!row) throw ApiError.notFound('Email');
      if (row.status !== 'unknown') {
        throw ApiError.conflict(
          `The email is ${row.status}; only an email whose delivery is unknown can be marked sent`,
        );
      }
      const sentAt = this.clock.now();
      await this.outbox.markSent(id, sentAt, tx);
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'email.marked_sent',
        entityType: 'email',
        entityId: id,
        articleId: row.articleId,
        before: { status: row.status, lastError: row.lastError },
        after: { status: 'sent', sentAt },
      });
      return emailView((await this.outbox.findById(id, tx))!, this.config.env.EMAIL_RESEND_GRACE);
    });
  }
}
