import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type EntityManager, type Repository, type SelectQueryBuilder } from 'typeorm';
import type { ReminderKind } from './reminder-plan.js';
import { ReviewSchedule } from './review-schedule.entity.js';

export const SWEEP_PAGE = 2000;

/** The re-review clock of each signed article, owned by the scheduling module. */
@Injectable()
export class ReviewSchedulesRepository {
  constructor(@InjectRepository(ReviewSchedule) private readonly schedules: Repository<ReviewSchedule>) {}

  findByArticle(articleId: string, tx?: EntityManager): Promise<ReviewSchedule | null> {
    return (tx ? tx.getRepository(ReviewSchedule) : this.schedules).findOne({ where: { articleId } });
  }

  /** The article's schedule, locked for the rest of the transaction. */
  lockByArticle(tx: EntityManager, articleId: string): Promise<ReviewSchedule | null> {
    return tx
      .getRepository(ReviewSchedule)
      .findOne({ where: { articleId }, lock: { mode: 'pessimistic_write' } });
  }

  /** The schedules of these articles, locked for the rest of the transaction (one query). */
  lockByArticles(tx: EntityManager, articleIds: string[]): Promise<ReviewSchedule[]> {
    if (!articleIds.length) return Promise.resolve([]);
    return tx
      .getRepository(ReviewSchedule)
      .find({ where: { articleId: In(articleIds) }, lock: { mode: 'pessimistic_write' } });
  }

  /** Starts (or restarts) several articles' clocks in one statement. */
  async saveMany(tx: EntityManager, schedules: Omit<ReviewSchedule, 'updatedAt'>[]): Promise<void> {
    if (!schedules.length) return;
    await tx.getRepository(ReviewSchedule).upsert(schedules, ['articleId']);
  }

  /** Starts (or restarts) the article's clock from a sign-off. */
  async save(tx: EntityManager, schedule: Omit<ReviewSchedule, 'updatedAt'>): Promise<void> {
    const repo = tx.getRepository(ReviewSchedule);
    await repo.save(repo.create(schedule));
  }

  async remove(tx: EntityManager, articleId: string): Promise<void> {
    await tx.getRepository(ReviewSchedule).delete({ articleId });
  }

  async moveToNextReminder(
    tx: EntityManager,
    articleId: string,
    kind: ReminderKind,
    at: Date,
  ): Promise<void> {
    // Once per reminder sent: a plain statement, as the query builder costs more CPU than the update.
    await tx.query(
      `UPDATE review_schedules SET next_reminder_kind = $2, next_reminder_at = $3, updated_at = now()
        WHERE article_id = $1`,
      [articleId, kind, at],
    );
  }

  /** One page of the sweep, in (next_reminder_at, article_id) order, read from its index. */
  sweepPageQuery(horizon: Date, after: { at: Date; id: string } | null): SelectQueryBuilder<ReviewSchedule> {
    const query = this.schedules
      .createQueryBuilder('s')
      .select(['s.articleId', 's.signOffId', 's.nextReminderKind', 's.nextReminderAt'])
      .where('s.nextReminderAt <= :horizon', { horizon })
      .orderBy('s.nextReminderAt', 'ASC')
      .addOrderBy('s.articleId', 'ASC')
      .limit(SWEEP_PAGE);
    if (after) query.andWhere('(s.nextReminderAt, s.articleId) > (:at, :id)', { at: after.at, id: after.id });
    return query;
  }

  /** Schedules due before `dueBefore`, earliest first; `overdue`: already due at `now`, `due`: not yet. */
  listDue(
    dueBefore: Date,
    filter: 'overdue' | 'due' | 'all',
    now: Date,
    limit: number,
  ): Promise<ReviewSchedule[]> {
    const query = this.schedules
      .createQueryBuilder('s')
      .where('s.dueAt < :dueBefore', { dueBefore })
      .orderBy('s.dueAt', 'ASC')
      .addOrderBy('s.articleId', 'ASC')
      .limit(limit);
    if (filter === 'overdue') query.andWhere('s.dueAt <= :now', { now });
    if (filter === 'due') query.andWhere('s.dueAt > :now', { now });
    return query.getMany();
  }
}
