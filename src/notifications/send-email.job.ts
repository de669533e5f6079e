import { Injectable } from '@nestjs/common';
import { type JobOf, OnJob } from '../core/queues/on-job.js';
import { JobName } from '../core/queues/queues.js';
import { EmailSender } from './email-sender.js';

/** Sends one outbox row; the last attempt marks it failed instead of retrying. */
@Injectable()
export class SendEmailJob {
  constructor(private readonly sender: EmailSender) {}

  @OnJob(JobName.SendEmail)
  run(job: JobOf<JobName.SendEmail>) {
    return this.sender.send(job.data.outboxId, {
      lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
    });
  }
}
