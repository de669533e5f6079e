import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { AuditService } from '../audit/audit.service.js';
import type { TransactionContext } from '../core/database/transaction.js';
import { isDomainError } from '../core/errors/domain-error.js';
import { AssignmentsService } from '../reviews/assignments.service.js';
import type { SignOff } from '../sign-offs/sign-off.entity.js';

/** On the due date: a re-review assignment for the last reviewer, or the automatic choice if they can't. */
@Injectable()
export class ReReviewOpener {
  private readonly logger = new Logger('ReReviews');

  constructor(
    private readonly articles: ArticlesRepository,
    private readonly assignments: AssignmentsService,
    private readonly audit: AuditService,
  ) {}

  async open(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Pick<Article, 'id'>,
    signOff: Pick<SignOff, 'reviewerId'>,
  ): Promise<void> {
    if (await this.assignments.findOpen(article.id, tx)) return;
    const locked = await this.articles.lockById(tx, article.id);
    for (const reviewerId of [signOff.reviewerId, null]) {
      try {
        await tx.query('SAVEPOINT re_review');
        // No "review requested" e-mail: the due-date reminder is the one e-mail, linking to this review.
        await this.assignments.open(tx, ctx, locked, 're_review', null, reviewerId, undefined, false);
        await tx.query('RELEASE SAVEPOINT re_review');
        return;
      } catch (error) {
        await tx.query('ROLLBACK TO SAVEPOINT re_review');
        // A rule said no (nobody eligible, the last reviewer's licence expired...): try the next choice.
        if (!isDomainError(error)) throw error;
        this.logger.warn(
          `re-review of ${article.id} with ${reviewerId ?? 'automatic choice'}: ${error.code}: ${error.message}`,
        );
      }
    }
    await this.audit.record(tx, {
      actorId: null,
      action: 'review.re_review_unassigned',
      entityType: 'article',
      entityId: article.id,
      articleId: article.id,
      after: { reason: 'no eligible reviewer; editors are told by the overdue reminders' },
    });
  }
}
