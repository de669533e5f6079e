import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ApiError } from '../core/http/api-error.js';
import { Article } from './article.entity.js';
import { Revision } from './revision.entity.js';

export type WorkflowChanges = Partial<
  Pick<
    Article,
    | 'status'
    | 'publishedRevision'
    | 'latestSignOff'
    | 'lastReviewedAt'
    | 'nextReviewDueAt'
    | 'firstPublishedAt'
    | 'reviewCadence'
  >
>;

/**
 * What other modules (reviews, sign-offs, publishing, scheduling) may do with articles. They never write
 * article rows any other way.
 */
@Injectable()
export class ArticlesRepository {
  constructor(
    @InjectRepository(Article) private readonly articles: Repository<Article>,
    @InjectRepository(Revision) private readonly revisions: Repository<Revision>,
  ) {}

  findById(id: string, tx?: EntityManager): Promise<Article | null> {
    return (tx ? tx.getRepository(Article) : this.articles).findOne({ where: { id } });
  }

  findBySlug(slug: string, tx?: EntityManager): Promise<Article | null> {
    return (tx ? tx.getRepository(Article) : this.articles).findOne({ where: { slug } });
  }

  /** Locks the article row for the rest of the transaction (SELECT … FOR UPDATE); 404 if it does not exist. */
  async lockById(tx: EntityManager, id: string): Promise<Article> {
    const article = await tx
      .getRepository(Article)
      .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!article) throw ApiError.notFound('Article');
    return article;
  }

  findRevision(articleId: string, number: number, tx?: EntityManager): Promise<Revision | null> {
    return (tx ? tx.getRepository(Revision) : this.revisions).findOne({ where: { articleId, number } });
  }

  /** Applies workflow changes to a locked article and bumps its version (so stale ETags are refused). */
  async updateWorkflow(tx: EntityManager, article: Article, changes: WorkflowChanges): Promise<Article> {
    Object.assign(article, changes, { version: article.version + 1 });
    await tx.getRepository(Article).update({ id: article.id }, { ...changes, version: article.version });
    return article;
  }
}
