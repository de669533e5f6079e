import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import type { TransactionContext } from '../core/database/transaction.js';
import { JobName, jobOptions, QueueName, type JobPayload } from '../core/queues/queues.js';
import type { ReviewSchedule } from './review-schedule.entity.js';

export type ReminderJob = JobPayload<JobName.ReviewReminder>;

/** BullMQ job ids may not contain ':'; this one is deterministic, so a reminder is never queued twice. */
export function reminderJobId(job: ReminderJob): string {
  return `reminder_${job.articleId}_${job.signOffId}_${job.kind}`;
}

/** Every email of one reminder has a dedupe key starting with this, followed by the recipient's id. */
export function reminderDedupePrefix(job: ReminderJob): string {
  return `reminder:${job.articleId}:${job.signOffId}:${job.kind}:`;
}

/** Puts reminders on the scheduling queue (delayed to their time) and takes them off again. */
@Injectable()
export class ReminderQueue {
  constructor(
    @InjectQueue(QueueName.Scheduling) private readonly queue: Queue,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** The job of a reminder, delayed until it is due. */
  job(job: ReminderJob, at: Date) {
    const delay = Math.max(0, at.getTime() - this.clock.now().getTime());
    return {
      name: JobName.ReviewReminder,
      data: job,
      opts: jobOptions(JobName.ReviewReminder, { jobId: reminderJobId(job), delay }),
    };
  }

  async addMany(jobs: { job: ReminderJob; at: Date }[]): Promise<void> {
    await this.queue.addBulk(jobs.map(({ job, at }) => this.job(job, at)));
  }

  /** Queues the reminder after the commit if it falls within the sweep window (the sweep queues the rest). */
  enqueueIfInWindow(ctx: TransactionContext, job: ReminderJob, at: Date): void {
    const horizon = this.clock.now().getTime() + this.config.env.SWEEP_WINDOW.toMillis();
    if (at.getTime() > horizon) return;
    ctx.afterCommit(() => {
      const { name, data, opts } = this.job(job, at);
      return this.queue.add(name, data, opts);
    });
  }

  /** Removes the schedule's pending reminder after the commit. */
  cancel(ctx: TransactionContext, schedule: ReviewSchedule): void {
    const jobId = reminderJobId({
      articleId: schedule.articleId,
      signOffId: schedule.signOffId,
      kind: schedule.nextReminderKind,
    });
    ctx.afterCommit(() => this.queue.remove(jobId));
  }
}
