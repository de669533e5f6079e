import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobRegistry } from '../core/queues/job-registry.js';
import { QueueWorker } from '../core/queues/queue-worker.js';
import { QueueName } from '../core/queues/queues.js';
import { workerOptions } from '../core/queues/worker-role.js';

/** The worker of the scheduling queue (worker processes only); handlers are the `*.job.ts` of this module. */
@Processor(QueueName.Scheduling, workerOptions())
export class SchedulingProcessor extends QueueWorker {
  constructor(registry: JobRegistry) {
    super(QueueName.Scheduling, registry);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.warn(
      `${job?.name ?? 'job'} ${job?.id ?? ''} failed (attempt ${job?.attemptsMade ?? '?'}): ${error.message}`,
    );
  }

  /** Connection trouble is reported here; BullMQ reconnects by itself. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`worker error: ${error.message}`);
  }
}
