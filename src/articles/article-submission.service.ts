import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AuthUser } from '../auth/auth-user.js';
import { inTransaction } from '../core/database/transaction.js';
import { missingForReview } from './article-content.rules.js';
import { assertMayChange, staleVersion } from './article-access.js';
import type { Article } from './article.entity.js';
import { ArticleWorkflow, requireTransition, WorkflowEvent } from './article-workflow.js';
import { toArticleView, type ArticleView } from './article-view.js';
import { ArticlesRepository } from './articles.repository.js';
import { parseIfMatch } from './etag.js';
import type { Revision } from './revision.entity.js';

/** The writer's side of the workflow: submit a complete draft to review, withdraw it to edit again. */
@Injectable()
export class ArticleSubmission {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly workflow: ArticleWorkflow,
  ) {}

  /** Sends a complete draft to review (draft or changes_requested -> in_review); 422 lists what is missing. */
  async submit(actor: AuthUser, id: string, ifMatch?: string): Promise<ArticleView> {
    const expectedVersion = parseIfMatch(ifMatch);
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, id);
      assertMayChange(actor, article, 'submit');
      requireTransition(article.status, WorkflowEvent.Submit);
      if (expectedVersion !== undefined && expectedVersion !== article.version) {
        throw staleVersion(expectedVersion, article.version);
      }
      const current = await this.currentContent(article, tx);
      const before = { status: article.status, version: article.version };
      // Reviews hears `article.submitted`: the open assignment's reviewer is asked again, or the editors are
      // told a reviewer is needed.
      await this.workflow.apply(
        tx,
        ctx,
        article,
        WorkflowEvent.Submit,
        { missingForReview: missingForReview(current.content) },
        {
          actorId: actor.id,
          audit: {
            action: 'article.submitted',
            before,
            after: (submitted) => ({
              status: submitted.status,
              version: submitted.version,
              revision: submitted.currentRevision,
              contentHash: current.contentHash,
            }),
          },
        },
      );
      return toArticleView(article, current);
    });
  }

  /** Takes an article out of review so it can be edited again (in_review -> draft). */
  async withdraw(actor: AuthUser, id: string, ifMatch?: string): Promise<ArticleView> {
    const expectedVersion = parseIfMatch(ifMatch);
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, id);
      assertMayChange(actor, article, 'withdraw');
      requireTransition(article.status, WorkflowEvent.Withdraw);
      if (expectedVersion !== undefined && expectedVersion !== article.version) {
        throw staleVersion(expectedVersion, article.version);
      }
      const before = { status: article.status, version: article.version };
      // Reviews hears `article.withdrawn`: open assignments are cancelled.
      await this.workflow.apply(
        tx,
        ctx,
        article,
        WorkflowEvent.Withdraw,
        {},
        {
          actorId: actor.id,
          audit: {
            action: 'article.withdrawn',
            before,
            after: (withdrawn) => ({
              status: withdrawn.status,
              version: withdrawn.version,
              revision: withdrawn.currentRevision,
            }),
          },
        },
      );
      return toArticleView(article, await this.currentContent(article, tx));
    });
  }

  private async currentContent(
    article: Article,
    tx?: EntityManager,
  ): Promise<Pick<Revision, 'content' | 'contentHash'>> {
    const current = await this.articles.findRevisionContent(article.id, article.currentRevision, tx);
    if (!current) throw new Error(`article ${article.id} has no revision ${article.currentRevision}`);
    return current;
  }
}
