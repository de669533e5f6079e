import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { dispatcher } from '../core/queues/job-handlers.js';
import { JobName, QueueName } from '../core/queues/queues.js';
import { workerOptions } from '../core/queues/worker-role.js';
import { EmailOutboxRelay } from './email-outbox-relay.js';
import type { SendEmailJobData } from './email-jobs.js';
import { EmailSender } from './email-sender.js';

/** The worker of the notifications queue (worker processes only): one handler per job name. */
@Processor(QueueName.Notifications, workerOptions())
export class NotificationsProcessor extends WorkerHost {
  private readonly dispatch: (job: Job) => Promise<unknown>;

  constructor(sender: EmailSender, relay: EmailOutboxRelay) {
    super();
    this.dispatch = dispatcher(QueueName.Notifications, {
      [JobName.SendEmail]: (job: Job<SendEmailJobData>) =>
        sender.send(job.data.outboxId, { lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) }),
      [JobName.RelayEmailOutbox]: () => relay.run(),
    });
  }

  process(job: Job): Promise<unknown> {
    return this.dispatch(job);
  }

  /** Connection trouble is reported here (BullMQ reconnects by itself); without a listener it would crash. */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    new Logger('NotificationsWorker').warn(`worker error: ${error.message}`);
  }
}
