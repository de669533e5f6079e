import { Inject, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { SelectQueryBuilder } from 'typeorm';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { REDIS } from '../core/redis/redis.module.js';
import { ReminderQueue } from './reminder-queue.js';
import type { ReviewSchedule } from './review-schedule.entity.js';
import { ReviewSchedulesRepository, SWEEP_PAGE } from './review-schedules.repository.js';

/** Where the sweep notes when it last ran (SchedulerStatus reads it). */
export function lastSweepKey(config: AppConfig): string {
  return `${config.env.QUEUE_PREFIX}:review-sweep:last-run`;
}

/** The periodic sweep: queues the next window of reminders from PostgreSQL. */
@Injectable()
export class ReviewSweep {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly schedules: ReviewSchedulesRepository,
    private readonly reminders: ReminderQueue,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /**
   * Queues every reminder that falls due before now + SWEEP_WINDOW (`due` counts them, queued now or before),
   * read from the `next_reminder_at` index. Job ids are deterministic, so a reminder already queued is not
   * queued again, and after Redis loses its data the next sweep queues them all again from PostgreSQL.
   */
  async sweep(): Promise<{ due: number; horizon: Date }> {
    const now = this.clock.now();
    const horizon = new Date(now.getTime() + this.config.env.SWEEP_WINDOW.toMillis());
    const batch = this.reminders.batch();
    let due = 0;
    let page: Promise<ReviewSchedule[]> | null = this.schedules.sweepPageQuery(horizon, null).getMany();
    while (page) {
      const rows: ReviewSchedule[] = await page;
      if (!rows.length) break;
      // A full page: the next one is read from PostgreSQL while this one goes to Redis (two pages at most).
      const last = rows[rows.length - 1];
      page =
        rows.length < SWEEP_PAGE
          ? null
          : this.schedules.sweepPageQuery(horizon, { at: last.nextReminderAt, id: last.articleId }).getMany();
      // A failed add leaves the next page's read unawaited: handled, the error is the add's.
      page?.catch(() => undefined);
      await batch.add(
        rows.map((row) => ({
          job: { articleId: row.articleId, signOffId: row.signOffId, kind: row.nextReminderKind },
          at: row.nextReminderAt,
        })),
      );
      due += rows.length;
    }
    await batch.done();
    // Operational wall time (not the domain clock): when the sweep really last ran.
    await this.redis.set(lastSweepKey(this.config), new Date().toISOString());
    return { due, horizon };
  }

  /** One page of the sweep (exposed so the benchmark can EXPLAIN exactly what the sweep runs). */
  sweepPageQuery(horizon: Date, after: { at: Date; id: string } | null): SelectQueryBuilder<ReviewSchedule> {
    return this.schedules.sweepPageQuery(horizon, after);
  }
}
