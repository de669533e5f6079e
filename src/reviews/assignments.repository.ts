import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, In, Repository } from 'typeorm';
import { Assignment, type AssignmentStatus } from './assignment.entity.js';
import { queryPrepared } from '../core/database/prepared-query.js';

/** An assignment is open while pending or accepted; at most one per article. */
export const OPEN_ASSIGNMENT: readonly AssignmentStatus[] = ['pending', 'accepted'];

/** Every column of an assignment, named as the entity's properties. */
const ASSIGNMENT_COLUMNS = `id, article_id AS "articleId", reviewer_id AS "reviewerId", kind, status, due_at AS "dueAt",
       assigned_by_id AS "assignedById", decline_reason AS "declineReason", responded_at AS "respondedAt",
       completed_at AS "completedAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

export interface AssignmentFilter {
  reviewerId?: string;
  status?: AssignmentStatus;
  articleId?: string;
}

/** The assignments table, owned by the reviews module; other modules ask here. */
@Injectable()
export class AssignmentsRepository {
  constructor(@InjectRepository(Assignment) private readonly assignments: Repository<Assignment>) {}

  /** Plain SQL: read once per reminder sent, where the query builder's cost showed (#15, bench:schedule). */
  async findOpenForArticle(articleId: string, tx?: EntityManager): Promise<Assignment | null> {
    const rows = await queryPrepared<Assignment>(
      tx ?? this.assignments.manager,
      'assignment_open',
      `SELECT ${ASSIGNMENT_COLUMNS} FROM assignments WHERE article_id = $1 AND status = ANY($2::varchar[]) LIMIT 1`,
      [articleId, OPEN_ASSIGNMENT],
    );
    return rows.length ? Object.assign(new Assignment(), rows[0]) : null;
  }

  /** findOpenForArticle for several articles in one plain statement: the open assignments, by article. */
  async findOpenForArticlesIn(
    tx: EntityManager,
    articleIds: readonly string[],
  ): Promise<Map<string, Assignment>> {
    if (!articleIds.length) return new Map();
    const rows = await queryPrepared<Assignment>(
      tx,
      'assignments_open_of',
      `SELECT DISTINCT ON (article_id) ${ASSIGNMENT_COLUMNS} FROM assignments
        WHERE article_id = ANY($1::uuid[]) AND status = ANY($2::varchar[])
        ORDER BY article_id`,
      [articleIds, OPEN_ASSIGNMENT],
    );
    return new Map(rows.map((row) => [row.articleId, Object.assign(new Assignment(), row)]));
  }

  /** The open assignment of an article, locked for the rest of the transaction. */
  lockOpenForArticle(tx: EntityManager, articleId: string): Promise<Assignment | null> {
    return tx.getRepository(Assignment).findOne({
      where: { articleId, status: In([...OPEN_ASSIGNMENT]) },
      lock: { mode: 'pessimistic_write' },
    });
  }

  listOpenForArticle(tx: EntityManager, articleId: string): Promise<Assignment[]> {
    return tx.getRepository(Assignment).find({ where: { articleId, status: In([...OPEN_ASSIGNMENT]) } });
  }

  lockById(tx: EntityManager, id: string): Promise<Assignment | null> {
    return tx.getRepository(Assignment).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  insert(tx: EntityManager, fields: Partial<Assignment>): Promise<Assignment> {
    const repo = tx.getRepository(Assignment);
    return repo.save(repo.create(fields));
  }

  save(tx: EntityManager, assignment: Assignment): Promise<Assignment> {
    return tx.getRepository(Assignment).save(assignment);
  }

  list(filter: AssignmentFilter, limit: number): Promise<Assignment[]> {
    const where: Record<string, unknown> = {};
    if (filter.reviewerId) where.reviewerId = filter.reviewerId;
    if (filter.status) where.status = filter.status;
    if (filter.articleId) where.articleId = filter.articleId;
    return this.assignments.find({ where, order: { dueAt: 'ASC', id: 'ASC' }, take: limit });
  }

  findById(id: string): Promise<Assignment | null> {
    return this.assignments.findOne({ where: { id } });
  }

  /** The same read as findById in one plain statement, no query building: for pages read on every request. */
  async readById(id: string): Promise<Assignment | null> {
    const rows: Assignment[] = await this.assignments.query(
      `SELECT id, article_id AS "articleId", reviewer_id AS "reviewerId", kind, status, due_at AS "dueAt",
              assigned_by_id AS "assignedById", decline_reason AS "declineReason", responded_at AS "respondedAt",
              completed_at AS "completedAt", created_at AS "createdAt", updated_at AS "updatedAt"
         FROM assignments WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** A reviewer's open assignments (pending, then accepted), soonest due first. */
  listOpenForReviewer(reviewerId: string, limit: number): Promise<Assignment[]> {
    return this.assignments.find({
      where: { reviewerId, status: In([...OPEN_ASSIGNMENT]) },
      order: { dueAt: 'ASC', id: 'ASC' },
      take: limit,
    });
  }

  /** Every assignment of an article, newest first. */
  listForArticle(articleId: string, limit: number): Promise<Assignment[]> {
    return this.assignments.find({
      where: { articleId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  /** The article's open assignment if it is this reviewer's. */
  findOpenForReviewer(articleId: string, reviewerId: string): Promise<Assignment | null> {
    return this.assignments.findOne({ where: { articleId, reviewerId, status: In([...OPEN_ASSIGNMENT]) } });
  }

  /** The open assignment of each article that has one. */
  async findOpenForArticles(articleIds: string[]): Promise<Map<string, Assignment>> {
    if (!articleIds.length) return new Map();
    const rows = await this.assignments.find({
      where: { articleId: In(articleIds), status: In([...OPEN_ASSIGNMENT]) },
    });
    return new Map(rows.map((assignment) => [assignment.articleId, assignment]));
  }

  /** How many open assignments each reviewer has (reviewers with none are absent). */
  async openCountsByReviewer(tx: EntityManager, reviewerIds: string[]): Promise<Map<string, number>> {
    if (!reviewerIds.length) return new Map();
    const rows = await tx
      .getRepository(Assignment)
      .createQueryBuilder('a')
      .select('a.reviewer_id', 'reviewerId')
      .addSelect('count(*)::int', 'open')
      .where('a.reviewer_id IN (:...reviewerIds)', { reviewerIds })
      .andWhere('a.status IN (:...open)', { open: [...OPEN_ASSIGNMENT] })
      .groupBy('a.reviewer_id')
      .getRawMany<{ reviewerId: string; open: number }>();
    return new Map(rows.map((row) => [row.reviewerId, row.open]));
  }
}
