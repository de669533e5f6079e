import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { ReviewDecision } from './review-decision.entity.js';

/** The review decisions table, owned by the reviews module. Decisions are only ever inserted. */
@Injectable()
export class DecisionsRepository {
  constructor(@InjectRepository(ReviewDecision) private readonly decisions: Repository<ReviewDecision>) {}

  /** The decision already made on this revision in this review, if any. */
  findOnRevision(tx: EntityManager, assignmentId: string, revisionNumber: number) {
    return tx.getRepository(ReviewDecision).findOne({ where: { assignmentId, revisionNumber } });
  }

  insert(tx: EntityManager, fields: Omit<ReviewDecision, 'id' | 'createdAt'>): Promise<ReviewDecision> {
    const repo = tx.getRepository(ReviewDecision);
    return repo.save(repo.create(fields));
  }

  /** The article's decisions, newest first (at most `limit`). */
  listForArticle(articleId: string, limit?: number): Promise<ReviewDecision[]> {
    return this.decisions.find({
      where: { articleId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }

  /** The same list as listForArticle in one plain statement, no query building: for pages read on every request. */
  readForArticle(articleId: string, limit: number): Promise<ReviewDecision[]> {
    return this.decisions.query(
      `SELECT id, article_id AS "articleId", assignment_id AS "assignmentId", reviewer_id AS "reviewerId",
              revision_number AS "revisionNumber", content_hash AS "contentHash", decision, comments,
              created_at AS "createdAt"
         FROM review_decisions WHERE article_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [articleId, limit],
    );
  }
}
