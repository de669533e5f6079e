import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TransactionContext } from '../core/database/transaction.js';
import { EmailJobs } from './email-jobs.js';
import { EmailOutboxRepository } from './email-outbox.repository.js';
import { isEmailTemplate } from './email-templates.js';

export type EmailTemplate =
  | 'review-requested'
  | 'review-declined'
  | 'changes-requested'
  | 'approved'
  | 'review-reminder'
  | 'overdue-escalation'
  | 'digest';

export interface OutgoingEmail {
  /** e.g. `reminder:${articleId}:${signOffId}:P30D:${userId}`; unique forever: a second email with it is dropped. */
  dedupeKey: string;
  template: EmailTemplate;
  to: { address: string; userId?: string | null };
  articleId?: string | null;
  /** The template's context (plain JSON); see EMAIL_TEMPLATE_KEYS for the keys each template needs. */
  context: Record<string, unknown>;
}

const MAX_DEDUPE_KEY_LENGTH = 300;
const MAX_ADDRESS_LENGTH = 254;

/** The one way to send email: an outbox row written with the change that causes it, delivered by a worker. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly outbox: EmailOutboxRepository,
    private readonly jobs: EmailJobs,
  ) {}

  /**
   * Inserts outbox rows in the caller's transaction (a dedupe key already used is skipped) and, once that
   * transaction commits, enqueues one SendEmail job per new row. Returns the number of rows inserted.
   */
  async queue(tx: EntityManager, ctx: TransactionContext, emails: OutgoingEmail[]): Promise<number> {
    if (!emails.length) return 0;
    emails.forEach(assertWellFormed);
    const ids = await this.outbox.insertNew(
      tx,
      emails.map((email) => ({
        dedupeKey: email.dedupeKey,
        template: email.template,
        toAddress: email.to.address,
        toUserId: email.to.userId ?? null,
        articleId: email.articleId ?? null,
        context: email.context,
      })),
    );
    if (ids.length) ctx.afterCommit(() => this.jobs.enqueue(ids));
    return ids.length;
  }
}

/** A malformed email is a bug in the caller: refuse it loudly, inside its transaction. */
function assertWellFormed(email: OutgoingEmail): void {
  const problems: string[] = [];
  if (!email.dedupeKey || email.dedupeKey.length > MAX_DEDUPE_KEY_LENGTH)
    problems.push(`dedupeKey must be 1-${MAX_DEDUPE_KEY_LENGTH} characters`);
  if (!isEmailTemplate(email.template))
    problems.push(`there is no email template "${String(email.template)}"`);
  const address = email.to?.address ?? '';
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(address) || address.length > MAX_ADDRESS_LENGTH)
    problems.push(`"${address}" is not an email address`);
  if (typeof email.context !== 'object' || email.context === null || Array.isArray(email.context))
    problems.push('context must be an object');
  if (problems.length) {
    throw new Error(`Cannot queue email ${email.dedupeKey}: ${problems.join('; ')}`);
  }
}
