import { Injectable, OnModuleInit } from '@nestjs/common';

import { InjectDataSource } from '@nestjs/typeorm';

import { DateTime } from 'luxon';

import { DataSource, type EntityManager } from 'typeorm';

import type { Article } from '../articles/article.entity.js';

import { canHappen, illegalTransition, WorkflowEvent } from '../articles/article-workflow.js';

import { ArticlesRepository } from '../articles/articles.repository.js';

import type { AuditAction } from '../audit/audit-action.js';

import { AuditService } from '../audit/audit.service.js';

import { type AuthUser, hasRole } from '../auth/auth-user.js';

import { Clock } from '../core/clock/clock.js';

import { AppConfig } from '../core/config/app-config.js';

import { ApiError } from '../core/http/api-error.js';

import { inTransaction, type TransactionContext } from '../core/database/transaction.js';

import { DomainEvents } from '../core/events/domain-events.js';

import { assertMaySign } from '../sign-offs/signing-rule.js';

import { UsersRepository } from '../users/users.repository.js';

import type { Assignment, AssignmentKind } from './assignment.entity.js';

import { AssignmentsRepository } from './assignments.repository.js';
import { ReviewEmails } from './review-emails.js';

import { type PickResult, ReviewerPicker } from './reviewer-picker.js';

import { ReviewError, ReviewErrorCode } from './reviews.exception.js';

import type { CreateAssignmentDto, ListAssignmentsQuery } from './reviews.dto.js';

@Injectable()
export class AssignmentsService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly assignments: AssignmentsRepository,
    private readonly users: UsersRepository,
    private readonly picker: ReviewerPicker,
    private readonly emails: ReviewEmails,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events.on('article.submitted', (tx, ctx, { article }) => this.onSubmitted(tx, ctx, article));
    this.events.on('article.withdrawn', (tx, _ctx, { article, actorId }) =>
      this.cancelOpen(tx, article, actorId, 'withdrawn by its author'),
    );
  }

  /** Editors assign a reviewer to an article in review (or a published one, for a re-review). */
  assign(actor: AuthUser, articleId: string, dto: CreateAssignmentDto): Promise<Assignment> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      const kind = this.kindFor(article);
      const dueAt = this.requestedDueAt(dto);
      return this.open(tx, ctx, article, kind, actor.id, dto.reviewerId ?? null, dueAt);
    });
  }

  /** A first review for an article in review, a re-review for a published one; otherwise 409. */
  private kindFor(article: Article): AssignmentKind {
    if (canHappen(article.status, WorkflowEvent.OpenReview)) return 'initial';
    if (canHappen(article.status, WorkflowEvent.ReReviewDue)) return 're_review';
    throw illegalTransition(article.status, WorkflowEvent.OpenReview);
  }

  /** The due date an editor asked for, which must be in the future (none: the default). */
  private requestedDueAt(dto: CreateAssignmentDto): Date | undefined {
    const dueAt = dto.dueAt ? new Date(dto.dueAt) : undefined;
    if (dueAt && dueAt <= this.clock.now()) {
      throw new ReviewError(ReviewErrorCode.DueDateInPast, 'invalid', 'dueAt must be in the future', [
        { field: 'dueAt', reason: 'must be in the future' },
      ]);
    }
    return dueAt;
  }

  /**
   * Opens an assignment inside the caller's transaction (the scheduling module uses this for re-reviews):
   * the given reviewer if the signing rule accepts them, otherwise the automatic choice.
   */
  async open(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    kind: AssignmentKind,
    actorId: string | null,
    reviewerId: string | null,
    dueAt?: Date,
    /** false when the caller sends the one e-mail itself (the due-date reminder) or the reviewer started it. */
    notify = true,
  ): Promise<Assignment> {
    const existing = await this.assignments.findOpenForArticle(article.id, tx);
    if (existing) {
      throw new ReviewError(
        ReviewErrorCode.AlreadyAssigned,
        'conflict',
        `Article already has an open assignment (${existing.status}) for reviewer ${existing.reviewerId}`,
      );
    }
    const writers = await this.articles.findWriters(article, tx);
    const now = this.clock.now();
    const timeZone = this.config.env.PUBLICATION_TIMEZONE;
    let chosen = reviewerId;
    if (chosen) {
      const user = await this.users.findById(chosen, tx);
      if (!user) throw new ReviewError(ReviewErrorCode.ReviewerNotFound, 'not_found', 'Reviewer not found');
      const profile = await this.users.findProfile(chosen, tx);
      assertMaySign(
        { userId: user.id, name: user.name, active: user.active, roles: user.roles, profile },
        writers,
        now,
        timeZone,
        'choosing',
      );
    } else {
      const pick = await this.picker.pick(tx, article, writers, now, timeZone);
      if (pick.reviewerId === null)
        throw new ReviewError(ReviewErrorCode.NoEligibleReviewer, 'conflict', pick.reason);
      chosen = pick.reviewerId;
    }
    const assignment = await this.assignments.insert(tx, {
      articleId: article.id,
      reviewerId: chosen,
      kind,
      status: 'pending',
      dueAt: dueAt ?? DateTime.fromJSDate(now).plus(this.config.env.ASSIGNMENT_DUE).toJSDate(),
      assignedById: actorId,
    });
    await this.audit.record(tx, {
      actorId,
      action: 'assignment.created',
      entityType: 'assignment',
      entityId: assignment.id,
      articleId: article.id,
      after: assignment,
    });
    if (notify) await this.emails.reviewRequested(tx, ctx, article, chosen, assignment.id, assignment.dueAt);
    return assignment;
  }

  /**
   * Editors replace the open assignment of an article (or make the first one): the open one is cancelled and
   * the new reviewer is assigned through the same rules as `assign`, in one transaction.
   */
  reassign(actor: AuthUser, articleId: string, dto: CreateAssignmentDto): Promise<Assignment> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      const current = await this.assignments.lockOpenForArticle(tx, articleId);
      if (current && dto.reviewerId && current.reviewerId === dto.reviewerId) {
        throw new ReviewError(
          ReviewErrorCode.AlreadyAssigned,
          'conflict',
          'This reviewer is already assigned to the article; choose another reviewer to reassign it',
          [{ field: 'reviewerId', reason: 'is already the assigned reviewer' }],
        );
      }
      const kind = current ? current.kind : this.kindFor(article);
      const dueAt = this.requestedDueAt(dto);
      if (current) {
        await this.transition(
          tx,
          actor.id,
          current,
          { status: 'cancelled', declineReason: 'reassigned by an editor' },
          'assignment.cancelled',
        );
      }
      return this.open(tx, ctx, article, kind, actor.id, dto.reviewerId ?? null, dueAt);
    });
  }

  /** The reviewer `assign` would choose automatically now, or why nobody is eligible; nothing is written. */
  suggestReviewer(articleId: string): Promise<PickResult> {
    return this.dataSource.transaction(async (tx) => {
      const article = await this.articles.findById(articleId, tx);
      if (!article) throw ApiError.notFound('Article');
      const writers = await this.articles.findWriters(article, tx);
      return this.picker.pick(tx, article, writers, this.clock.now(), this.config.env.PUBLICATION_TIMEZONE);
    });
  }

  /** How many open (pending or accepted) assignments each reviewer has; reviewers with none are absent. */
  openCounts(reviewerIds: string[]): Promise<Map<string, number>> {
    return this.assignments.openCountsByReviewer(this.dataSource.manager, reviewerIds);
  }

  list(actor: AuthUser, query: ListAssignmentsQuery): Promise<Assignment[]> {
    const mineOnly = query.mine === true || !hasRole(actor, 'editor', 'admin');
    return this.assignments.list(
      { reviewerId: mineOnly ? actor.id : undefined, status: query.status, articleId: query.articleId },
      200,
    );
  }

  /** The open assignment of an article, locked for the rest of the transaction. */
  findOpenForUpdate(tx: EntityManager, articleId: string): Promise<Assignment | null> {
    return this.assignments.lockOpenForArticle(tx, articleId);
  }

  /** The open (pending or accepted) assignment of an article, if any. */
  findOpen(articleId: string, tx?: EntityManager): Promise<Assignment | null> {
    return this.assignments.findOpenForArticle(articleId, tx);
  }

  /** The open assignments of these articles, by article (one statement). */
  findOpenOf(tx: EntityManager, articleIds: readonly string[]): Promise<Map<string, Assignment>> {
    return this.assignments.findOpenForArticlesIn(tx, articleIds);
  }

  async transition(
    tx: EntityManager,
    actorId: string | null,
    assignment: Assignment,
    changes: Partial<Assignment>,
    action: AuditAction,
  ): Promise<Assignment> {
    const before = { ...assignment };
    Object.assign(assignment, changes);
    await this.assignments.save(tx, assignment);
    await this.audit.record(tx, {
      actorId,
      action,
      entityType: 'assignment',
      entityId: assignment.id,
      articleId: assignment.articleId,
      before: { status: before.status },
      after: changes,
    });
    return assignment;
  }

  /** A resubmitted article goes back to its reviewer; a newly submitted one is announced to the editors. */
  private async onSubmitted(tx: EntityManager, ctx: TransactionContext, article: Article): Promise<void> {
    const open = await this.assignments.findOpenForArticle(article.id, tx);
    if (open) {
      await this.emails.reviewRequested(tx, ctx, article, open.reviewerId, open.id, open.dueAt);
    } else {
      await this.emails.needsReviewer(
        tx,
        ctx,
        article,
        DateTime.fromJSDate(this.clock.now()).plus(this.config.env.ASSIGNMENT_DUE).toJSDate(),
      );
    }
  }

  private async cancelOpen(tx: EntityManager, article: Article, actorId: string, why: string): Promise<void> {
    for (const assignment of await this.assignments.listOpenForArticle(tx, article.id)) {
      await this.transition(
        tx,
        actorId,
        assignment,
        { status: 'cancelled', declineReason: why },
        'assignment.cancelled',
      );
    }
  }
}
