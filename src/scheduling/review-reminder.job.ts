import { Injectable } from '@nestjs/common';
import { type JobOf, OnJob } from '../core/queues/on-job.js';
import { JobName } from '../core/queues/queues.js';
import { ReviewReminders } from './review-reminders.service.js';

/** One re-review reminder, due at its time; skipped when the article's clock has moved on. */
@Injectable()
export class ReviewReminderJob {
  constructor(private readonly reminders: ReviewReminders) {}

  @OnJob(JobName.ReviewReminder)
  run(job: JobOf<JobName.ReviewReminder>) {
    return this.reminders.remind(job.data);
  }
}
