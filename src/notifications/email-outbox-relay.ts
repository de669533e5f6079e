import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobName, jobOptions, QueueName } from '../core/queues/queues.js';
import { EmailJobs } from './email-jobs.js';
import { EmailOutboxRepository } from './email-outbox.repository.js';

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
}

/**
 * PostgreSQL is the truth, Redis only holds jobs: this puts back the SendEmail job of every pending row that
 * lost it (Redis flushed or failed over, or down when the after-commit enqueue ran).
 */
@Injectable()
export class EmailOutboxRelay implements OnApplicationBootstrap {
  private readonly logger = new Logger('Notifications');

  constructor(
    @InjectQueue(QueueName.Notifications) private readonly queue: Queue,
    private readonly outbox: EmailOutboxRepository,
    private readonly jobs: EmailJobs,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      EMAIL_OUTBOX_RELAY_SCHEDULER,
      { every: EMAIL_OUTBOX_RELAY_EVERY_MS },
      { name: JobName.RelayEmailOutbox, data: {}, opts: jobOptions(JobName.RelayEmailOutbox) },
    );
  }

  async run(): Promise<RelayReport> {
    const report: RelayReport = { requeued: 0, markedUnknown: 0 };
    const stale = await this.outbox.findStale(PENDING_AGE_SECONDS, SENDING_AGE_SECONDS, BATCH);
    for (const row of stale) {
      if (row.status === 'pending') {
        if (await this.jobs.enqueueAgain(row.id)) report.requeued += 1;
      } else if (!(await this.jobs.isQueued(row.id))) {
        const marked = await this.outbox.markUnknown(
          row.id,
          ['sending'],
          `The worker sending this email stopped and its job is gone; the email may have been delivered. ` +
            `Look for Message-ID ${row.messageId ?? row.id} in the mail server's log, then retry or mark it sent.`,
        );
        if (marked) report.markedUnknown += 1;
      }
    }
    if (report.requeued || report.markedUnknown) {
      this.logger.warn(
        `outbox relay: re-enqueued ${report.requeued} email(s) whose job was lost, ` +
          `marked ${report.markedUnknown} abandoned send(s) unknown`,
      );
    }
    return report;
  }
}
