import { Injectable } from '@nestjs/common';
import { OnJob } from '../core/queues/on-job.js';
import { JobName } from '../core/queues/queues.js';
import { ReviewSweep } from './review-sweep.service.js';

/** The recurring sweep that queues the next window of reminders. */
@Injectable()
export class ReviewSweepJob {
  constructor(private readonly sweep: ReviewSweep) {}

  @OnJob(JobName.ReviewSweep)
  run() {
    return this.sweep.sweep();
  }
}
