import { Injectable } from '@nestjs/common';
import { type JobOf, OnJob } from '../core/queues/on-job.js';
import { JobName } from '../core/queues/queues.js';
import { WebhooksService } from './webhooks.service.js';

/** One webhook delivery; the service decides from the answer whether to retry. */
@Injectable()
export class DeliverWebhookJob {
  constructor(private readonly webhooks: WebhooksService) {}

  @OnJob(JobName.DeliverWebhook)
  run(job: JobOf<JobName.DeliverWebhook>) {
    return this.webhooks.deliver(job.data.deliveryId, {
      attempt: job.attemptsMade + 1,
      maxAttempts: job.opts.attempts ?? 1,
    });
  }
}
