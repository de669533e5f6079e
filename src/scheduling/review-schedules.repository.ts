import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type EntityManager, type Repository, type SelectQueryBuilder } from 'typeorm';
import type { AuditCte } from '../audit/audit.service.js';
import type { ReminderKind } from './reminder-plan.js';
import { ReviewSchedule } from './review-schedule.entity.js';
import { queryPrepared } from '../core/database/prepared-query.js';

export const SWEEP_PAGE = 2000;

/** Every column of a schedule, named as the entity's properties. */
const SCHEDULE_COLUMNS = `article_id AS "articleId", sign_off_id AS "signOffId", reviewer_id AS "reviewerId",
       signed_at AS "signedAt", due_at AS "dueAt", next_reminder_kind AS "nextReminderKind",
       next_reminder_at AS "nextReminderAt", updated_at AS "updatedAt"`;

/** The re-review clock of each signed article, owned by the scheduling module. */
@Injectable()
export class ReviewSchedulesRepository {
  constructor(@InjectRepository(ReviewSchedule) private readonly schedules: Repository<ReviewSchedule>) {}

  findByArticle(articleId: string, tx?: EntityManager): Promise<ReviewSchedule | null> {
    return (tx ? tx.getRepository(ReviewSchedule) : this.schedules).findOne({ where: { articleId } });
  }

  /**
   * The article's schedule, locked for the rest of the transaction. Plain SQL: every reminder sent locks one, and
   * the query builder's cost was a visible part of a reminder's CPU (#15, bench:schedule).
   */
  async lockByArticle(tx: EntityManager, articleId: string): Promise<ReviewSchedule | null> {
    const rows = await queryPrepared<ReviewSchedule>(
      tx,
      'schedule_lock',
      `SELECT ${SCHEDULE_COLUMNS} FROM review_schedules WHERE article_id = $1 FOR UPDATE`,
      [articleId],
    );
    return rows.length ? Object.assign(new ReviewSchedule(), rows[0]) : null;
  }

  /**
   * The schedules of these articles (a map by article), locked for the rest of the transaction in article order,
   * as ArticlesRepository.lockManyIfExist locks the articles (which callers lock first, as signing does).
   */
  async lockManyByArticle(
    tx: EntityManager,
    articleIds: readonly string[],
  ): Promise<Map<string, ReviewSchedule>> {
    const rows = await queryPrepared<ReviewSchedule>(
      tx,
      'schedule_lock_many',
      `SELECT ${SCHEDULE_COLUMNS} FROM review_schedules WHERE article_id = ANY($1::uuid[]) ORDER BY article_id FOR UPDATE`,
      [articleIds],
    );
    return new Map(rows.map((row) => [row.articleId, Object.assign(new ReviewSchedule(), row)]));
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

  /**
   * Moves the clocks of several articles on to their next reminders and appends the audit event of each reminder
   * sent, in one statement: `audit` appends one event per moved schedule from the rows of `moved` (columns
   * entity_id, article_id and after, its JSON).
   */
  async moveManyToNextReminder(
    tx: EntityManager,
    moves: readonly { articleId: string; kind: ReminderKind; at: Date; after: unknown }[],
    audit: AuditCte,
  ): Promise<void> {
    if (!moves.length) return;
    const event = audit('recorded', 'moved', 5);
    await queryPrepared(
      tx,
      'schedule_move_many',
      `WITH wanted AS (
         SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::timestamptz[], $4::jsonb[])
           AS w(article_id, kind, at, after)),
       moved AS (
         UPDATE review_schedules s SET next_reminder_kind = w.kind, next_reminder_at = w.at, updated_at = now()
           FROM wanted w
          WHERE s.article_id = w.article_id
         RETURNING s.article_id::text AS entity_id, s.article_id, w.after),
       ${event.sql}
       SELECT 1`,
      [
        moves.map((move) => move.articleId),
        moves.map((move) => move.kind),
        moves.map((move) => move.at),
        moves.map((move) => JSON.stringify(move.after)),
        ...event.parameters,
      ],
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
