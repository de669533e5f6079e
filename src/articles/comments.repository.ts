import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Comment } from './comment.entity.js';

@Injectable()
export class CommentsRepository {
  constructor(@InjectRepository(Comment) private readonly comments: Repository<Comment>) {}

  findInArticle(articleId: string, id: string, tx?: EntityManager): Promise<Comment | null> {
    return (tx ? tx.getRepository(Comment) : this.comments).findOne({ where: { id, articleId } });
  }

  /** Locks the comment row for the rest of the transaction; null if it is not a comment of that article. */
  lockInArticle(tx: EntityManager, articleId: string, id: string): Promise<Comment | null> {
    return tx
      .getRepository(Comment)
      .findOne({ where: { id, articleId }, lock: { mode: 'pessimistic_write' } });
  }

  /** Every comment of an article, oldest first. */
  listByArticle(articleId: string): Promise<Comment[]> {
    return this.comments.find({ where: { articleId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Several comments, 2,000 to an INSERT (ten parameters each, well under PostgreSQL's 65,535). */
  async insertMany(tx: EntityManager, comments: Comment[]): Promise<void> {
    for (let start = 0; start < comments.length; start += 2000) {
      await tx.getRepository(Comment).insert(comments.slice(start, start + 2000));
    }
  }

  /** The same list as listByArticle in one plain statement, no query building: for pages read on every request. */
  readByArticle(articleId: string): Promise<Comment[]> {
    return this.comments.query(
      `SELECT id, article_id AS "articleId", parent_id AS "parentId", author_id AS "authorId",
              revision_number AS "revisionNumber", section_index AS "sectionIndex", body,
              resolved_at AS "resolvedAt", resolved_by_id AS "resolvedById", created_at AS "createdAt"
         FROM comments WHERE article_id = $1 ORDER BY created_at ASC, id ASC`,
      [articleId],
    );
  }

  insert(tx: EntityManager, comment: Comment): Promise<Comment> {
    return tx.getRepository(Comment).save(comment);
  }

  async markResolved(tx: EntityManager, comment: Comment, byId: string, at: Date): Promise<Comment> {
    await tx.getRepository(Comment).update({ id: comment.id }, { resolvedAt: at, resolvedById: byId });
    return Object.assign(comment, { resolvedAt: at, resolvedById: byId });
  }
}
