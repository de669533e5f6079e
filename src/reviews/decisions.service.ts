import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AuthService } from '../auth/auth.service.js';
import { Clock } from '../core/clock/clock.js';
import { inTransaction } from '../core/database/transaction.js';
import { DomainEvents } from '../core/events/domain-events.js';
import { ApiError } from '../core/http/api-error.js';
import { SignOffsService, type SignOffView } from '../sign-offs/sign-offs.service.js';
import { ReviewerProfile } from '../users/reviewer-profile.entity.js';
import type { Assignment } from './assignment.entity.js';
import { AssignmentsService } from './assignments.service.js';
import { ReviewDecision } from './review-decision.entity.js';
import { ReviewEmails } from './review-emails.js';
import type { ReviewDecisionDto } from './reviews.dto.js';

export interface DecisionResult {
  decision: ReviewDecision;
  articleStatus: string;
  signOff: SignOffView | null;
}

@Injectable()
export class DecisionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly assignments: AssignmentsService,
    private readonly signOffs: SignOffsService,
    private readonly auth: AuthService,
    private readonly emails: ReviewEmails,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
  ) {}

  /**
   * The assigned reviewer decides on the exact revision they read. Approving is a signing ceremony: the
   * password is checked again at that moment, and an immutable sign-off binds that revision's hash.
   */
  async decide(actor: AuthUser, articleId: string, dto: ReviewDecisionDto): Promise<DecisionResult> {
    if (dto.decision === 'request_changes' && !dto.comments?.trim()) {
      throw ApiError.badRequest('Say what needs to change: comments are required to request changes', [
        { field: 'comments', reason: 'required for request_changes' },
      ]);
    }
    if (dto.decision === 'approve') {
      if (!dto.password) {
        throw ApiError.badRequest('Re-enter your password to sign', [
          { field: 'password', reason: 'required to approve' },
        ]);
      }
      // Before any lock: argon2 is deliberately slow, and a wrong password must sign nothing.
      await this.auth.reauthenticate(actor.id, dto.password);
    }

    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      if (article.authorId === actor.id)
        throw ApiError.forbidden('The author of an article can never review or sign it');
      if (!['in_review', 'published', 'approved'].includes(article.status)) {
        throw ApiError.conflict(
          `Article is ${article.status}, not in review; it must be submitted before it can be reviewed`,
        );
      }
      const assignment = await this.assignments.findOpenForUpdate(tx, article.id);
      // No open review of a signed article: it was decided already (by a concurrent request, say). A 409
      // naming the state, not a 403 that would tell the very reviewer who signed that they are not assigned.
      if (!assignment && article.status !== 'in_review') {
        throw ApiError.conflict(
          `Article is ${article.status}: there is no open review to decide on (the review was already decided)`,
        );
      }
      if (!assignment || assignment.reviewerId !== actor.id) {
        throw ApiError.forbidden('Only the reviewer assigned to this article can decide on it');
      }
      if (assignment.status !== 'accepted') throw ApiError.conflict('Accept the assignment before deciding');
      this.checkReviewable(article, assignment);
      const revision = await this.checkRevision(tx, article, dto);
      // One decision per revision per review: a revision sent back unchanged needs a new revision first.
      const earlier = await tx
        .getRepository(ReviewDecision)
        .findOne({ where: { assignmentId: assignment.id, revisionNumber: revision.number } });
      if (earlier) {
        throw ApiError.conflict(
          `You already decided on revision ${revision.number} in this review (${earlier.decision}); ` +
            'the writer must save a new revision before it can be decided again',
        );
      }

      const decision = await tx.getRepository(ReviewDecision).save(
        tx.getRepository(ReviewDecision).create({
          articleId: article.id,
          assignmentId: assignment.id,
          reviewerId: actor.id,
          revisionNumber: revision.number,
          contentHash: revision.contentHash,
          decision: dto.decision,
          comments: dto.comments?.trim() || null,
        }),
      );
      await this.audit.record(tx, {
        actorId: actor.id,
        action: dto.decision === 'approve' ? 'review.approved' : 'review.changes_requested',
        entityType: 'review_decision',
        entityId: decision.id,
        articleId: article.id,
        after: decision,
      });

      if (dto.decision === 'request_changes') {
        await this.setStatus(tx, actor.id, article, 'changes_requested');
        await this.emails.changesRequested(
          tx,
          ctx,
          article,
          decision.id,
          actor.name,
          decision.comments ?? '',
        );
        return { decision, articleStatus: article.status, signOff: null };
      }

      const profile = await tx.getRepository(ReviewerProfile).findOne({ where: { userId: actor.id } });
      const signOff = await this.signOffs.sign(tx, {
        articleId: article.id,
        authorId: article.authorId,
        revision,
        reviewerId: actor.id,
        profile,
        decisionId: decision.id,
        signedAt: this.clock.now(),
      });
      const view = this.signOffs.view(signOff);
      await this.assignments.transition(
        tx,
        actor.id,
        assignment,
        { status: 'completed', completedAt: signOff.signedAt },
        'assignment.completed',
      );
      const before = {
        status: article.status,
        latestSignOff: article.latestSignOff,
        lastReviewedAt: article.lastReviewedAt,
      };
      await this.articles.updateWorkflow(tx, article, {
        status: article.status === 'in_review' ? 'approved' : article.status,
        latestSignOff: {
          id: signOff.id,
          revision: signOff.revisionNumber,
          contentHash: signOff.contentHash,
          reviewerId: signOff.reviewerId,
          signedAt: signOff.signedAt.toISOString(),
          byline: view.byline,
        },
        lastReviewedAt: signOff.signedAt,
      });
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'article.signed',
        entityType: 'article',
        entityId: article.id,
        articleId: article.id,
        before,
        after: {
          status: article.status,
          latestSignOff: article.latestSignOff,
          lastReviewedAt: article.lastReviewedAt,
        },
      });
      await this.events.emit(tx, ctx, { type: 'article.signed', article, signOff, actorId: actor.id });
      await this.emails.approved(tx, ctx, article, signOff.id, view.reviewer.displayName, view.byline);
      return { decision, articleStatus: article.status, signOff: view };
    });
  }

  private checkReviewable(article: Article, assignment: Assignment): void {
    const reReviewable =
      assignment.kind === 're_review' && ['published', 'approved'].includes(article.status);
    if (article.status !== 'in_review' && !reReviewable) {
      throw ApiError.conflict(
        `Article is ${article.status}, not in review; it must be submitted before it can be reviewed`,
      );
    }
  }

  private async checkRevision(tx: EntityManager, article: Article, dto: ReviewDecisionDto) {
    if (dto.revision > article.currentRevision) {
      throw ApiError.badRequest(
        `Revision ${dto.revision} does not exist; the current revision is ${article.currentRevision}`,
        [{ field: 'revision', reason: 'does not exist' }],
      );
    }
    if (dto.revision !== article.currentRevision) {
      throw ApiError.conflict(
        `You reviewed revision ${dto.revision}, but the article has moved on to revision ${article.currentRevision}; read the current revision and decide again`,
      );
    }
    const revision = await this.articles.findRevision(article.id, article.currentRevision, tx);
    if (!revision) throw ApiError.notFound('Revision');
    if (dto.contentHash && dto.contentHash !== revision.contentHash) {
      throw ApiError.conflict(
        'The content you reviewed does not match the current revision; reload it and decide again',
      );
    }
    return revision;
  }

  private async setStatus(
    tx: EntityManager,
    actorId: string,
    article: Article,
    status: string,
  ): Promise<void> {
    const before = article.status;
    await this.articles.updateWorkflow(tx, article, { status });
    await this.audit.record(tx, {
      actorId,
      action: 'article.status_changed',
      entityType: 'article',
      entityId: article.id,
      articleId: article.id,
      before: { status: before },
      after: { status },
    });
  }

  listForArticle(articleId: string): Promise<ReviewDecision[]> {
    return this.dataSource
      .getRepository(ReviewDecision)
      .find({ where: { articleId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }
}
