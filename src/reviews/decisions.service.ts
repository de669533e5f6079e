import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Article, ArticleStatus } from '../articles/article.entity.js';
import {
  ArticleWorkflow,
  canHappen,
  illegalTransition,
  WorkflowEvent,
} from '../articles/article-workflow.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AuthService } from '../auth/auth.service.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction } from '../core/database/transaction.js';
import { assertMaySign } from '../sign-offs/signing-rule.js';
import { type SignInput, SignOffsService, type SignOffView } from '../sign-offs/sign-offs.service.js';
import { UsersRepository } from '../users/users.repository.js';
import type { Assignment } from './assignment.entity.js';
import { AssignmentsService } from './assignments.service.js';
import { DecisionsRepository } from './decisions.repository.js';
import type { ReviewDecision } from './review-decision.entity.js';
import { ReviewEmails } from './review-emails.js';
import { ReviewError, ReviewErrorCode } from './reviews.exception.js';
import type { ReviewDecisionDto } from './reviews.dto.js';

export interface DecisionResult {
  decision: ReviewDecision;
  articleStatus: ArticleStatus;
  signOff: SignOffView | null;
}

@Injectable()
export class DecisionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly workflow: ArticleWorkflow,
    private readonly assignments: AssignmentsService,
    private readonly decisions: DecisionsRepository,
    private readonly signOffs: SignOffsService,
    private readonly users: UsersRepository,
    private readonly auth: AuthService,
    private readonly emails: ReviewEmails,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /**
   * The assigned reviewer decides on the exact revision they read. Approving is a signing ceremony: the
   * password is checked again at that moment, and an immutable sign-off binds that revision's hash.
   */
  async decide(actor: AuthUser, articleId: string, dto: ReviewDecisionDto): Promise<DecisionResult> {
    if (dto.decision === 'request_changes' && !dto.comments?.trim()) {
      throw new ReviewError(
        ReviewErrorCode.CommentsRequired,
        'invalid',
        'Say what needs to change: comments are required to request changes',
        [{ field: 'comments', reason: 'required for request_changes' }],
      );
    }
    if (dto.decision === 'approve') {
      if (!dto.password) {
        throw new ReviewError(ReviewErrorCode.PasswordRequired, 'invalid', 'Re-enter your password to sign', [
          { field: 'password', reason: 'required to approve' },
        ]);
      }
      // Before any lock: argon2 is deliberately slow, and a wrong password must sign nothing.
      await this.auth.reauthenticate(actor.id, dto.password);
    }
    const event = dto.decision === 'approve' ? WorkflowEvent.RecordSignOff : WorkflowEvent.RequestChanges;

    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      const writers = await this.articles.findWriters(article, tx);
      const profile = await this.users.findProfile(actor.id, tx);
      const candidate: SignInput['candidate'] = {
        userId: actor.id,
        name: actor.name,
        active: true,
        roles: actor.roles,
        profile,
      };
      const now = this.clock.now();
      const timeZone = this.config.env.PUBLICATION_TIMEZONE;
      // Who they are first (an author or a writer of a revision never reviews), whatever the article's state.
      assertMaySign(candidate, writers, now, timeZone, 'signing', { signs: false });
      if (!canHappen(article.status, event)) throw illegalTransition(article.status, event);
      const assignment = await this.assignments.findOpenForUpdate(tx, article.id);
      // No open review of a signed article: it was decided already (by a concurrent request, say). A 409
      // naming the state, not a 403 that would tell the very reviewer who signed that they are not assigned.
      if (!assignment && article.status !== 'in_review') {
        throw new ReviewError(
          ReviewErrorCode.AlreadyDecided,
          'conflict',
          `Article is ${article.status}: there is no open review to decide on (the review was already decided)`,
        );
      }
      assertMaySign(candidate, writers, now, timeZone, 'signing', {
        assignedReviewerId: assignment?.reviewerId ?? null,
        signs: false,
      });
      const accepted = assignment!;
      if (accepted.status !== 'accepted')
        throw new ReviewError(
          ReviewErrorCode.NotAccepted,
          'conflict',
          'Accept the assignment before deciding',
        );
      this.checkReviewable(article, accepted);
      const revision = await this.checkRevision(tx, article, dto);
      // One decision per revision per review: a revision sent back unchanged needs a new revision first.
      const earlier = await this.decisions.findOnRevision(tx, accepted.id, revision.number);
      if (earlier) {
        throw new ReviewError(
          ReviewErrorCode.AlreadyDecided,
          'conflict',
          `You already decided on revision ${revision.number} in this review (${earlier.decision}); ` +
            'the writer must save a new revision before it can be decided again',
        );
      }

      const decision = await this.decisions.insert(tx, {
        articleId: article.id,
        assignmentId: accepted.id,
        reviewerId: actor.id,
        revisionNumber: revision.number,
        contentHash: revision.contentHash,
        decision: dto.decision,
        comments: dto.comments?.trim() || null,
      });
      await this.audit.record(tx, {
        actorId: actor.id,
        action: dto.decision === 'approve' ? 'review.approved' : 'review.changes_requested',
        entityType: 'review_decision',
        entityId: decision.id,
        articleId: article.id,
        after: decision,
      });

      if (dto.decision === 'request_changes') {
        const before = article.status;
        await this.workflow.apply(
          tx,
          ctx,
          article,
          WorkflowEvent.RequestChanges,
          {},
          {
            actorId: actor.id,
            audit: {
              action: 'article.status_changed',
              before: { status: before },
              after: (changed) => ({ status: changed.status }),
            },
          },
        );
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

      const signOff = await this.signOffs.sign(tx, {
        articleId: article.id,
        writers,
        revision,
        candidate,
        assignedReviewerId: accepted.reviewerId,
        decisionId: decision.id,
        signedAt: now,
      });
      const view = this.signOffs.view(signOff);
      await this.assignments.transition(
        tx,
        actor.id,
        accepted,
        { status: 'completed', completedAt: signOff.signedAt },
        'assignment.completed',
      );
      const before = {
        status: article.status,
        latestSignOff: article.latestSignOff,
        lastReviewedAt: article.lastReviewedAt,
      };
      // Scheduling and publishing hear `article.signed`: the re-review clock restarts, a live page re-renders.
      await this.workflow.apply(
        tx,
        ctx,
        article,
        WorkflowEvent.RecordSignOff,
        { signOff, byline: view.byline },
        {
          actorId: actor.id,
          audit: {
            action: 'article.signed',
            before,
            after: (signed) => ({
              status: signed.status,
              latestSignOff: signed.latestSignOff,
              lastReviewedAt: signed.lastReviewedAt,
            }),
          },
        },
      );
      await this.emails.approved(tx, ctx, article, signOff.id, view.reviewer.displayName, view.byline);
      return { decision, articleStatus: article.status, signOff: view };
    });
  }

  /** A re-review assignment may decide on an approved or published article; a first review only in review. */
  private checkReviewable(article: Article, assignment: Assignment): void {
    const reReviewable =
      assignment.kind === 're_review' && canHappen(article.status, WorkflowEvent.ReReviewDue);
    if (article.status !== 'in_review' && !reReviewable) {
      throw illegalTransition(article.status, WorkflowEvent.RecordSignOff);
    }
  }

  private async checkRevision(tx: EntityManager, article: Article, dto: ReviewDecisionDto) {
    if (dto.revision > article.currentRevision) {
      throw new ReviewError(
        ReviewErrorCode.RevisionNotFound,
        'invalid',
        `Revision ${dto.revision} does not exist; the current revision is ${article.currentRevision}`,
        [{ field: 'revision', reason: 'does not exist' }],
      );
    }
    if (dto.revision !== article.currentRevision) {
      throw new ReviewError(
        ReviewErrorCode.RevisionMovedOn,
        'conflict',
        `You reviewed revision ${dto.revision}, but the article has moved on to revision ${article.currentRevision}; read the current revision and decide again`,
      );
    }
    const revision = await this.articles.findRevision(article.id, article.currentRevision, tx);
    if (!revision) throw new ReviewError(ReviewErrorCode.RevisionNotFound, 'not_found', 'Revision not found');
    if (dto.contentHash && dto.contentHash !== revision.contentHash) {
      throw new ReviewError(
        ReviewErrorCode.ContentMismatch,
        'conflict',
        'The content you reviewed does not match the current revision; reload it and decide again',
      );
    }
    return revision;
  }

  listForArticle(articleId: string): Promise<ReviewDecision[]> {
    return this.decisions.listForArticle(articleId);
  }
}
