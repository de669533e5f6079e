import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { type AuthUser, hasRole } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction, type TransactionContext } from '../core/database/transaction.js';
import { DomainEvents } from '../core/events/domain-events.js';
import { ApiError } from '../core/http/api-error.js';
import { localIsoDate } from '../sign-offs/byline.js';
import { licenceValidOn } from '../sign-offs/sign-off-rules.js';
import { ReviewerProfile } from '../users/reviewer-profile.entity.js';
import { User } from '../users/user.entity.js';
import { Assignment, type AssignmentKind } from './assignment.entity.js';
import { ReviewEmails } from './review-emails.js';
import { ReviewerPicker } from './reviewer-picker.js';
import type { CreateAssignmentDto, DeclineAssignmentDto, ListAssignmentsQuery } from './reviews.dto.js';

const OPEN = ['pending', 'accepted'] as const;

@Injectable()
export class AssignmentsService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
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
      const kind: AssignmentKind | null =
        article.status === 'in_review'
          ? 'initial'
          : ['published', 'approved'].includes(article.status)
            ? 're_review'
            : null;
      if (!kind) {
        throw ApiError.conflict(
          `Article is ${article.status}; only an article in review (or a published one, for a re-review) can be assigned`,
        );
      }
      const dueAt = dto.dueAt ? new Date(dto.dueAt) : undefined;
      if (dueAt && dueAt <= this.clock.now()) {
        throw ApiError.badRequest('dueAt must be in the future', [
          { field: 'dueAt', reason: 'must be in the future' },
        ]);
      }
      return this.open(tx, ctx, article, kind, actor.id, dto.reviewerId ?? null, dueAt);
    });
  }

  /**
   * Opens an assignment inside the caller's transaction (the scheduling module uses this for re-reviews):
   * the given reviewer if eligible, otherwise the automatic choice.
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
    const existing = await tx
      .getRepository(Assignment)
      .findOne({ where: { articleId: article.id, status: In([...OPEN]) } });
    if (existing)
      throw ApiError.conflict(
        `Article already has an open assignment (${existing.status}) for reviewer ${existing.reviewerId}`,
      );

    const today = localIsoDate(this.clock.now(), this.config.env.PUBLICATION_TIMEZONE);
    let chosen = reviewerId;
    if (chosen) {
      await this.checkEligible(tx, article, chosen);
    } else {
      const pick = await this.picker.pick(tx, article, today);
      if (pick.reviewerId === null) throw ApiError.conflict(pick.reason);
      chosen = pick.reviewerId;
    }
    const repo = tx.getRepository(Assignment);
    const assignment = await repo.save(
      repo.create({
        articleId: article.id,
        reviewerId: chosen,
        kind,
        status: 'pending',
        dueAt: dueAt ?? DateTime.fromJSDate(this.clock.now()).plus(this.config.env.ASSIGNMENT_DUE).toJSDate(),
        assignedById: actorId,
      }),
    );
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

  private async checkEligible(tx: EntityManager, article: Article, reviewerId: string): Promise<void> {
    if (reviewerId === article.authorId)
      throw ApiError.conflict('The author of an article cannot review it; choose another reviewer');
    const user = await tx.getRepository(User).findOne({ where: { id: reviewerId } });
    if (!user) throw ApiError.notFound('Reviewer');
    if (!user.active || !user.roles.includes('reviewer'))
      throw ApiError.conflict(`${user.name} is not an active reviewer`);
    const profile = await tx.getRepository(ReviewerProfile).findOne({ where: { userId: reviewerId } });
    if (!profile) throw ApiError.conflict(`${user.name} has no reviewer profile with a licence on file`);
    if (!licenceValidOn(profile.licenseExpiresOn, this.clock.now(), this.config.env.PUBLICATION_TIMEZONE)) {
      throw ApiError.conflict(
        `${profile.displayName}'s licence expired on ${profile.licenseExpiresOn}; they cannot sign`,
      );
    }
  }

  list(actor: AuthUser, query: ListAssignmentsQuery): Promise<Assignment[]> {
    const mineOnly = query.mine === true || !hasRole(actor, 'editor', 'admin');
    const where: Record<string, unknown> = {};
    if (mineOnly) where.reviewerId = actor.id;
    if (query.status) where.status = query.status;
    if (query.articleId) where.articleId = query.articleId;
    return this.dataSource
      .getRepository(Assignment)
      .find({ where, order: { dueAt: 'ASC', id: 'ASC' }, take: 200 });
  }

  accept(actor: AuthUser, id: string): Promise<Assignment> {
    return inTransaction(this.dataSource, async (tx) => {
      const assignment = await this.lockOwn(tx, actor, id);
      if (assignment.status !== 'pending')
        throw ApiError.conflict(`Assignment is ${assignment.status}; only a pending one can be accepted`);
      return this.transition(
        tx,
        actor.id,
        assignment,
        { status: 'accepted', respondedAt: this.clock.now() },
        'assignment.accepted',
      );
    });
  }

  decline(actor: AuthUser, id: string, dto: DeclineAssignmentDto): Promise<Assignment> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const assignment = await this.lockOwn(tx, actor, id);
      if (!OPEN.includes(assignment.status as (typeof OPEN)[number])) {
        throw ApiError.conflict(
          `Assignment is ${assignment.status}; only a pending or accepted one can be declined`,
        );
      }
      const article = await this.articles.lockById(tx, assignment.articleId);
      const declined = await this.transition(
        tx,
        actor.id,
        assignment,
        { status: 'declined', declineReason: dto.reason.trim(), respondedAt: this.clock.now() },
        'assignment.declined',
      );
      await this.emails.declined(tx, ctx, article, assignment.id, actor.name, dto.reason.trim());
      return declined;
    });
  }

  /** The open assignment of an article, locked for the rest of the transaction. */
  findOpenForUpdate(tx: EntityManager, articleId: string): Promise<Assignment | null> {
    return tx
      .getRepository(Assignment)
      .findOne({ where: { articleId, status: In([...OPEN]) }, lock: { mode: 'pessimistic_write' } });
  }

  async transition(
    tx: EntityManager,
    actorId: string | null,
    assignment: Assignment,
    changes: Partial<Assignment>,
    action: string,
  ): Promise<Assignment> {
    const before = { ...assignment };
    Object.assign(assignment, changes);
    await tx.getRepository(Assignment).save(assignment);
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

  private async lockOwn(tx: EntityManager, actor: AuthUser, id: string): Promise<Assignment> {
    const assignment = await tx
      .getRepository(Assignment)
      .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!assignment) throw ApiError.notFound('Assignment');
    if (assignment.reviewerId !== actor.id)
      throw ApiError.forbidden('Only the assigned reviewer can respond to this assignment');
    return assignment;
  }

  /** A resubmitted article goes back to its reviewer; a newly submitted one is announced to the editors. */
  private async onSubmitted(tx: EntityManager, ctx: TransactionContext, article: Article): Promise<void> {
    const open = await tx
      .getRepository(Assignment)
      .findOne({ where: { articleId: article.id, status: In([...OPEN]) } });
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
    const open = await tx
      .getRepository(Assignment)
      .find({ where: { articleId: article.id, status: In([...OPEN]) } });
    for (const assignment of open) {
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
