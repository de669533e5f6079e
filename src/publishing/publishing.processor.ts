import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import { JobRegistry } from '../core/queues/job-registry.js';
import { QueueWorker } from '../core/queues/queue-worker.js';
import { QueueName } from '../core/queues/queues.js';
import { workerOptions } from '../core/queues/worker-role.js';
import { PublishingQueue } from './publishing.queue.js';
import { ScheduledPublishing } from './scheduled-publishing.service.js';

/** The worker of the publishing queue (worker processes only); handlers are this module's `*.job.ts`. */
// Exports and page renders are CPU work: a few at a time.
@Processor(QueueName.Publishing, workerOptions(4))
export class PublishingProcessor extends QueueWorker implements OnApplicationBootstrap {
  constructor(
    registry: JobRegistry,
    private readonly schedules: ScheduledPublishing,
    private readonly queue: PublishingQueue,
  ) {
    super(QueueName.Publishing, registry);
  }

  /** A new template set re-renders the pages, and schedules Redis lost are restored from PostgreSQL. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.queue.syncDirectory();
      const restored = await this.schedules.restoreJobs();
      if (restored) this.logger.log(`restored ${restored} scheduled publish job(s) from the database`);
    } catch (error) {
      this.logger.warn(`could not queue the start-up export: ${(error as Error).message}`);
    }
  }

  /** Connection trouble is reported here (BullMQ reconnects by itself); without a listener it would crash. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn(`worker error: ${error.message}`);
  }
}
