import { WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnModuleInit } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { JobRegistry } from './job-registry.js';
import type { QueueName } from './queues.js';

/**
 * The worker of one queue: hands each job to the one @OnJob handler of its name. Subclasses only add
 * `@Processor(queue, workerOptions())`. Start-up fails when a job of the queue has no handler.
 */
export abstract class QueueWorker extends WorkerHost implements OnModuleInit {
  private dispatch?: (job: Job) => Promise<unknown>;
  protected readonly logger: Logger;

  protected constructor(
    private readonly queueName: QueueName,
    private readonly registry: JobRegistry,
  ) {
    super();
    this.logger = new Logger(`${queueName}-worker`);
  }

  onModuleInit(): void {
    this.dispatch = this.registry.dispatcherFor(this.queueName);
  }

  process(job: Job): Promise<unknown> {
    this.dispatch ??= this.registry.dispatcherFor(this.queueName);
    return this.dispatch(job);
  }
}
