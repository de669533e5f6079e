import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { JOB_QUEUE, JobName, QueueName } from '../core/queues/queues.js';
import { workerOptions } from '../core/queues/worker-role.js';
import { DirectoryExportService, type ExportProgress } from './directory-export.service.js';
import {
  type DeliverWebhookJobData,
  type ExportJobData,
  PublishingQueue,
  type ScheduledPublishJobData,
} from './publishing.queue.js';
import { PublishingService } from './publishing.service.js';
import { WebhooksService } from './webhooks.service.js';

type Handler = (job: Job) => Promise<unknown>;

/** Runs the publishing queue's jobs (worker processes only): scheduled publishes, webhooks, directory exports. */
// Exports and page renders are CPU work: a few at a time.
@Processor(QueueName.Publishing, workerOptions(4))
export class PublishingProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('PublishingWorker');

  private readonly handlers: Partial<Record<JobName, Handler>>;

  constructor(
    private readonly publishing: PublishingService,
    webhooks: WebhooksService,
    private readonly exporter: DirectoryExportService,
    private readonly queue: PublishingQueue,
  ) {
    super();
    this.handlers = {
      [JobName.ScheduledPublish]: (job: Job<ScheduledPublishJobData>) =>
        publishing.fireScheduledPublish(job.data.articleId, job.data.publishAt),
      [JobName.DeliverWebhook]: (job: Job<DeliverWebhookJobData>) =>
        webhooks.deliver(job.data.deliveryId, {
          attempt: job.attemptsMade + 1,
          maxAttempts: job.opts.attempts ?? 1,
        }),
      [JobName.ExportAll]: (job: Job<ExportJobData>) => this.exportAll(job),
    };
    // A job routed to this queue without a handler must stop the start, not fail at its first run.
    const unhandled = Object.values(JobName).filter(
      (name) => JOB_QUEUE[name] === QueueName.Publishing && !this.handlers[name],
    );
    if (unhandled.length)
      throw new Error(`Queue "publishing" has jobs without a handler: ${unhandled.join(', ')}`);
  }

  /** A new template set re-renders the pages, and schedules Redis lost are restored from PostgreSQL. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.queue.syncDirectory();
      const restored = await this.publishing.restoreScheduledJobs();
      if (restored) this.logger.log(`restored ${restored} scheduled publish job(s) from the database`);
    } catch (error) {
      this.logger.warn(`could not queue the start-up export: ${(error as Error).message}`);
    }
  }

  process(job: Job): Promise<unknown> {
    const handler = Object.hasOwn(this.handlers, job.name) ? this.handlers[job.name as JobName] : undefined;
    if (!handler) {
      return Promise.reject(
        new UnrecoverableError(`No handler for job "${job.name}" on the publishing queue`),
      );
    }
    return handler(job);
  }

  private exportAll(job: Job<ExportJobData>): Promise<unknown> {
    let reported = 0;
    return this.exporter.run({
      mode: job.data.mode,
      force: job.data.force,
      trigger: job.data.trigger,
      actorId: job.data.actorId,
      onProgress: (progress: ExportProgress) => {
        if (progress.phase !== 'done' && progress.done - reported < 500) return;
        reported = progress.done;
        job.updateProgress({ ...progress }).catch(() => undefined);
      },
    });
  }

  /** Connection trouble is reported here (BullMQ reconnects by itself); without a listener it would crash. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    new Logger('PublishingWorker').warn(`worker error: ${error.message}`);
  }
}
