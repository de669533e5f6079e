import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { JobRegistry } from '../core/queues/job-registry.js';
import { QueueWorker } from '../core/queues/queue-worker.js';
import { QueueName } from '../core/queues/queues.js';
import { workerOptions } from '../core/queues/worker-role.js';

/** The worker of the notifications queue (worker processes only); handlers are this module's `*.job.ts`. */
@Processor(QueueName.Notifications, workerOptions())
export class NotificationsProcessor extends QueueWorker {
  constructor(registry: JobRegistry) {
    super(QueueName.Notifications, registry);
  }

  /** Connection trouble is reported here (BullMQ reconnects by itself); without a listener it would crash. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn(`worker error: ${error.message}`);
  }
}
