import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ArticlesRepository } from '../articles/articles.repository.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { inTransaction } from '../core/database/transaction.js';
import { ApiError } from '../core/http/api-error.js';
import type { Assignment } from '../reviews/assignment.entity.js';
import { AssignmentsService } from '../reviews/assignments.service.js';
import { ReviewSchedulesRepository } from './review-schedules.repository.js';

/**
 * A re-review started before its due date, from a reminder: the physician who signed last opens it for
 * himself (accepted at once, due on the schedule's due date). Signing it restarts the clock like any sign-off,
 * so the due-date reminder of the old sign-off is void and the due date sends nothing more.
 */
@Injectable()
export class EarlyReReviewService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly assignments: AssignmentsService,
    private readonly schedules: ReviewSchedulesRepository,
    private readonly clock: Clock,
  ) {}

  /** The open re-review of this article for the caller, opened now if there is none. */
  start(actor: AuthUser, articleId: string): Promise<Assignment> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      const schedule = await this.schedules.findByArticle(articleId, tx);
      if (!schedule || !['published', 'approved'].includes(article.status)) {
        throw ApiError.conflict(
          `Article is ${article.status} with no re-review scheduled; only a signed article can be re-reviewed`,
        );
      }
      if (schedule.reviewerId !== actor.id) {
        throw ApiError.forbidden(
          'Only the physician who signed the article last can start its re-review early',
        );
      }
      const open = await this.assignments.findOpen(articleId, tx);
      if (open) {
        if (open.reviewerId !== actor.id)
          throw ApiError.conflict('Another reviewer already has this article under review');
        if (open.status === 'accepted') return open;
        return this.accept(tx, actor, open);
      }
      const dueAt = schedule.dueAt > this.clock.now() ? schedule.dueAt : undefined;
      const opened = await this.assignments.open(
        tx,
        ctx,
        article,
        're_review',
        actor.id,
        actor.id,
        dueAt,
        false,
      );
      return this.accept(tx, actor, opened);
    });
  }

  private accept(
    tx: Parameters<AssignmentsService['transition']>[0],
    actor: AuthUser,
    assignment: Assignment,
  ) {
    return this.assignments.transition(
      tx,
      actor.id,
      assignment,
      { status: 'accepted', respondedAt: this.clock.now() },
      'assignment.accepted',
    );
  }
}
