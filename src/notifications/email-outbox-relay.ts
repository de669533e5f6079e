import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { JobName, jobOptions, QueueName } from '../core/queues/queues.js';
import { EmailJobs } from './email-jobs.js';
import { EmailOutboxRepository, type ResendRule } from './email-outbox.repository.js';
import { automaticResends, whatHappensNext } from './resend-policy.js';

/** The relay's job scheduler id: stable, so every boot updates the one schedule instead of adding another. */
export const EMAIL_OUTBOX_RELAY_SCHEDULER = 'email-outbox-relay';
export const EMAIL_OUTBOX_RELAY_EVERY_MS = 30_000;
/** A pending row untouched this long should have been sent already; if its job is gone, it was lost. */
const PENDING_AGE_SECONDS = 60;
/** A row left `sending` this long with no job running belongs to a worker that died mid-send. */
const SENDING_AGE_SECONDS = 600;
const BATCH = 500;

export interface RelayReport {
  requeued: number;
  markedUnknown: number;
  /** Rows in doubt sent again on their own, by their template's policy (resend-policy.ts). */
  resent: number;
}

/**
 * PostgreSQL is the truth, Redis only holds jobs: this puts back the SendEmail job of every pending row that
 * lost it (Redis flushed or failed over, or down when the after-commit enqueue ran), and sends again, with the
 * same Message-ID, every reminder whose delivery stayed in doubt longer than its template's grace.
 */
@Injectable()
export class EmailOutboxRelay implements OnApplicationBootstrap {
  private readonly logger = new Logger('Notifications');

  constructor(
    @InjectQueue(QueueName.Notifications) private readonly queue: Queue,
    private readonly outbox: EmailOutboxRepository,
    private readonly jobs: EmailJobs,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      EMAIL_OUTBOX_RELAY_SCHEDULER,
      { every: EMAIL_OUTBOX_RELAY_EVERY_MS },
      { name: JobName.RelayEmailOutbox, data: {}, opts: jobOptions(JobName.RelayEmailOutbox) },
    );
  }

  async run(): Promise<RelayReport> {
    const report: RelayReport = { requeued: 0, markedUnknown: 0, resent: 0 };
    report.resent = await this.resendInDoubt();
    const stale = await this.outbox.findStale(PENDING_AGE_SECONDS, SENDING_AGE_SECONDS, BATCH);
    for (const row of stale) {
      if (row.status === 'pending') {
        if (await this.jobs.enqueueAgain(row.id)) report.requeued += 1;
      } else if (!(await this.jobs.isQueued(row.id))) {
        const marked = await this.outbox.markUnknown(
          row.id,
          ['sending'],
          `The worker sending this email stopped and its job is gone; the email may have been delivered. ` +
            whatHappensNext(
              row,
              row.messageId ?? this.outbox.messageIdOf(row.id),
              this.config.env.EMAIL_RESEND_GRACE,
            ),
        );
        if (marked) report.markedUnknown += 1;
      }
    }
    if (report.requeued || report.markedUnknown || report.resent) {
      this.logger.warn(
        `outbox relay: re-enqueued ${report.requeued} email(s) whose job was lost, ` +
          `marked ${report.markedUnknown} abandoned send(s) unknown, ` +
          `re-sent ${report.resent} reminder(s) whose delivery was in doubt`,
      );
    }
    return report;
  }

  /**
   * unknown (or sending with no job left) → pending → a SendEmail job, for the rows whose template is re-sent
   * automatically, once its grace has passed since their last attempt. Each row is moved by one conditional
   * update (only one relay wins it), logged, and counted on the row, which shows on the admin's outbox.
   */
  private async resendInDoubt(): Promise<number> {
    const now = this.clock.now().getTime();
    const rules: ResendRule[] = automaticResends(this.config.env.EMAIL_RESEND_GRACE).map((resend) => ({
      template: resend.template,
      cutoff: new Date(now - resend.graceMs),
      maxResends: resend.maxResends,
    }));
    const byTemplate = new Map(rules.map((rule) => [rule.template, rule]));
    let resent = 0;
    for (const row of await this.outbox.findDueForResend(rules, BATCH)) {
      // A `sending` row whose job is still queued or running is someone's attempt in progress.
      if (row.status === 'sending' && (await this.jobs.isQueued(row.id))) continue;
      const rule = byTemplate.get(row.template)!;
      const count = await this.outbox.claimForResend(
        row.id,
        row.status,
        rule,
        `Sent again automatically (re-send ${row.autoResends + 1} of ${rule.maxResends}), with the same ` +
          `Message-ID ${row.messageId ?? row.id}: it was ${row.status} since ${row.lastAttemptAt.toISOString()}.`,
      );
      if (count === null) continue;
      this.logger.warn(
        `email ${row.id} (${row.template} to ${row.toAddress}) was ${row.status} since ` +
          `${row.lastAttemptAt.toISOString()}: sending it again automatically with the same Message-ID ` +
          `${row.messageId ?? '(assigned at its first claim)'} (re-send ${count} of ${rule.maxResends})`,
      );
      await this.jobs.enqueueAgain(row.id);
      resent += 1;
    }
    return resent;
  }
}
