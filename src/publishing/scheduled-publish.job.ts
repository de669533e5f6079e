import { Injectable } from '@nestjs/common';
import { type JobOf, OnJob } from '../core/queues/on-job.js';
import { JobName } from '../core/queues/queues.js';
import { ScheduledPublishing } from './scheduled-publishing.service.js';

/** A publish scheduled for later: skipped if cancelled or moved, refused (and audited) if the gate says no. */
@Injectable()
export class ScheduledPublishJob {
  constructor(private readonly schedules: ScheduledPublishing) {}

  @OnJob(JobName.ScheduledPublish)
  run(job: JobOf<JobName.ScheduledPublish>) {
    return this.schedules.fire(job.data.articleId, job.data.publishAt);
  }
}
