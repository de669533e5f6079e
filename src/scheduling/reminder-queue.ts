import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import type { TransactionContext } from '../core/database/transaction.js';
import { REDIS } from '../core/redis/redis.module.js';
import { JobName, jobOptions, QueueName, type JobPayload } from '../core/queues/queues.js';
import type { ReviewSchedule } from './review-schedule.entity.js';

export type ReminderJob = JobPayload<JobName.ReviewReminder>;

/**
 * Jobs per `addBulk` call of a {@link ReminderBatch}: small enough that Redis runs one chunk's scripts while Node
 * builds the next chunk's commands (BullMQ sends a chunk as one pipeline of one script per job).
 */
export const ADD_CHUNK = 250;

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
    @Inject(REDIS) private readonly redis: Redis,
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
    const batch = this.batch();
    await batch.add(jobs);
    await batch.done();
  }

  /** A batch for adding many reminders in several calls (the sweep's pages); `done()` waits for the last. */
  batch(): ReminderBatch {
    return new ReminderBatch(
      (jobIds) => this.queued(jobIds),
      (jobs) => this.queue.addBulk(jobs.map(({ job, at }) => this.job(job, at))),
    );
  }

  /** Whether each job is in Redis already (the key addBulk's script checks too), in one pipeline. */
  private async queued(jobIds: string[]): Promise<boolean[]> {
    const pipeline = this.redis.pipeline();
    for (const jobId of jobIds) pipeline.exists(this.queue.toKey(jobId));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, found]) => {
      if (error) throw error;
      return found === 1;
    });
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

/**
 * Adds reminders with `addBulk` in chunks of ADD_CHUNK, with at most two chunks in flight: the next chunk is built
 * and sent while Redis still runs the previous one, so Node and Redis work at the same time instead of in turn
 * (each costs about as much as the other per job). `add` returns once all but the last chunk are in Redis;
 * `done` waits for that one. Memory stays bounded by the caller's batch plus two chunks.
 *
 * A job already queued costs `addBulk` nearly as much as a new one (its script, a "duplicated" event), and a
 * sweep mostly finds the reminders the previous sweep queued, first, since it reads in time order. So a chunk's
 * ids are first looked up (one EXISTS each, far cheaper) and only the missing jobs added; once a chunk turns out
 * to hold none already queued, the rest go straight to `addBulk` (a first sweep checks one or two chunks). The
 * outcome is the same either way: `addBulk` skips an existing id too, and a job added or removed between the
 * lookup and the add is as if the sweep had run a moment earlier or later.
 */
export class ReminderBatch {
  private inFlight: Promise<unknown> | null = null;
  private checking = true;

  constructor(
    private readonly queued: (jobIds: string[]) => Promise<boolean[]>,
    private readonly addBulk: (jobs: { job: ReminderJob; at: Date }[]) => Promise<unknown>,
  ) {}

  async add(jobs: { job: ReminderJob; at: Date }[]): Promise<void> {
    for (let from = 0; from < jobs.length; from += ADD_CHUNK) {
      const sent = this.send(jobs.slice(from, from + ADD_CHUNK));
      // Handled here so that a failure while the previous chunk's is being thrown is not an unhandled
      // rejection; it still rejects for whoever awaits it next (the next add or done).
      sent.catch(() => undefined);
      const previous = this.inFlight;
      this.inFlight = sent;
      if (previous) await previous;
    }
  }

  async done(): Promise<void> {
    const last = this.inFlight;
    this.inFlight = null;
    await last;
  }

  private async send(jobs: { job: ReminderJob; at: Date }[]): Promise<void> {
    if (!this.checking) {
      await this.addBulk(jobs);
      return;
    }
    const queued = await this.queued(jobs.map(({ job }) => reminderJobId(job)));
    const missing = jobs.filter((_, i) => !queued[i]);
    if (missing.length === jobs.length) this.checking = false;
    if (missing.length) await this.addBulk(missing);
  }
}
