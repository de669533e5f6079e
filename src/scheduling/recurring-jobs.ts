import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../core/config/app-config.js';
import { JobName, jobOptions, QueueName } from '../core/queues/queues.js';
import {
  EMAIL_OUTBOX_RELAY_EVERY_MS,
  EMAIL_OUTBOX_RELAY_SCHEDULER,
} from '../notifications/email-outbox-relay.js';

/** Stable ids: upserted, so a reboot never adds a second copy of a recurring job. */
export const SWEEP_SCHEDULER_ID = 'review-sweep';
export const DIGEST_SCHEDULER_ID = 'editor-digest';
export const LICENCE_NOTICES_SCHEDULER_ID = 'licence-expiry-notices';
/** Licence-expiry notices are counted in days: once a day, early in the publication's morning, is enough. */
const LICENCE_NOTICES_CRON = '0 7 * * *';

/**
 * The re-review sweep, the editor digest and the email outbox relay, registered by worker processes as BullMQ
 * job schedulers, and put back by a watchdog when Redis loses them.
 */
@Injectable()
export class RecurringJobs implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Scheduling');
  private watchdog?: NodeJS.Timeout;

  constructor(
    @InjectQueue(QueueName.Scheduling) private readonly queue: Queue,
    @InjectQueue(QueueName.Notifications) private readonly notifications: Queue,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorkers) return;
    await this.ensure();
    this.logger.log(
      `review sweep every ${this.config.env.SWEEP_EVERY.toISO()}; editor digest at "${this.config.env.DIGEST_CRON}"`,
    );
    // If Redis loses its data the schedulers go with it; put them back, so the next sweep rebuilds the rest.
    const every = Math.max(5_000, Math.min(this.config.env.SWEEP_EVERY.toMillis(), 60_000));
    this.watchdog = setInterval(() => {
      this.ensure().catch((error: Error) =>
        this.logger.warn(`could not check the schedulers: ${error.message}`),
      );
    }, every);
    this.watchdog.unref();
  }

  onModuleDestroy(): void {
    if (this.watchdog) clearInterval(this.watchdog);
  }

  /** Upserts the recurring jobs when any is missing; returns whether it had to. */
  async ensure(): Promise<boolean> {
    const [sweep, digest, relay, licences] = await Promise.all([
      this.queue.getJobScheduler(SWEEP_SCHEDULER_ID),
      this.queue.getJobScheduler(DIGEST_SCHEDULER_ID),
      this.notifications.getJobScheduler(EMAIL_OUTBOX_RELAY_SCHEDULER),
      this.queue.getJobScheduler(LICENCE_NOTICES_SCHEDULER_ID),
    ]);
    if (sweep && digest && relay && licences) return false;
    // The relay puts back the SendEmail jobs Redis lost with everything else (found by the FLUSHALL fault).
    await this.notifications.upsertJobScheduler(
      EMAIL_OUTBOX_RELAY_SCHEDULER,
      { every: EMAIL_OUTBOX_RELAY_EVERY_MS },
      { name: JobName.RelayEmailOutbox, data: {}, opts: jobOptions(JobName.RelayEmailOutbox) },
    );
    await this.queue.upsertJobScheduler(
      SWEEP_SCHEDULER_ID,
      { every: this.config.env.SWEEP_EVERY.toMillis() },
      { name: JobName.ReviewSweep, opts: jobOptions(JobName.ReviewSweep) },
    );
    await this.queue.upsertJobScheduler(
      DIGEST_SCHEDULER_ID,
      { pattern: this.config.env.DIGEST_CRON, tz: this.config.env.PUBLICATION_TIMEZONE },
      { name: JobName.EditorDigest, opts: jobOptions(JobName.EditorDigest) },
    );
    await this.queue.upsertJobScheduler(
      LICENCE_NOTICES_SCHEDULER_ID,
      { pattern: LICENCE_NOTICES_CRON, tz: this.config.env.PUBLICATION_TIMEZONE },
      { name: JobName.LicenceExpiryNotices, opts: jobOptions(JobName.LicenceExpiryNotices) },
    );
    return true;
  }
}
