import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { dispatcher } from '../core/queues/job-handlers.js';
import { JobName, QueueName } from '../core/queues/queues.js';
import { workerOptions } from '../core/queues/worker-role.js';
import { type ReminderJob, ReviewSchedulesService } from './review-schedules.service.js';

@Processor(QueueName.Scheduling, workerOptions())
export class SchedulingProcessor extends WorkerHost {
  private readonly dispatch: (job: Job) => Promise<unknown>;

  constructor(schedules: ReviewSchedulesService) {
    super();
    this.dispatch = dispatcher(QueueName.Scheduling, {
      [JobName.ReviewSweep]: () => schedules.sweep(),
      [JobName.ReviewReminder]: (job) => schedules.remind(job.data as ReminderJob),
      [JobName.EditorDigest]: () => schedules.digest(),
    });
  }

  private readonly logger = new Logger('SchedulingWorker');

  process(job: Job): Promise<unknown> {
    return this.dispatch(job);
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
