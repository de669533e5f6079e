import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime, type Duration } from 'luxon';
import { DataSource, type EntityManager } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import { ArticleWorkflow, WorkflowEvent } from '../articles/article-workflow.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction, type TransactionContext } from '../core/database/transaction.js';
import { DomainEvents } from '../core/events/domain-events.js';
import type { SignOff } from '../sign-offs/sign-off.entity.js';
import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';
import { findAttestedAsSignOff } from '../imports/review-records.js';
import { firstReminder, type ReminderPlanConfig } from './reminder-plan.js';
import { ReminderQueue } from './reminder-queue.js';
import { ReviewPolicyService } from './review-policy.service.js';
import { ReviewSchedulesRepository } from './review-schedules.repository.js';

/** The reminder plan in force (offsets before the due date, then every N after it). */
export function reminderPlan(config: AppConfig): ReminderPlanConfig {
  return { offsets: config.env.REMINDER_OFFSETS, overdueEvery: config.env.OVERDUE_REMINDER_EVERY };
}

/**
 * Each signed article's re-review clock: a new sign-off (re)starts it from the cadence, unpublishing stops it,
 * a new cadence moves its due date.
 */
@Injectable()
export class ReReviewClock implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly workflow: ArticleWorkflow,
    private readonly signOffs: SignOffsRepository,
    private readonly schedules: ReviewSchedulesRepository,
    private readonly reminders: ReminderQueue,
    private readonly policy: ReviewPolicyService,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events.on('article.signed', async (tx, ctx, { article, signOff }) => {
      const { cadence } = await this.policy.cadenceFor(tx, article);
      await this.restart(tx, ctx, article, signOff, cadence);
    });
    this.events.on('article.unpublished', (tx, ctx, { article }) => this.stop(tx, ctx, article.id));
  }

  /** Imports: the clock of an attested review starts from its date, like a sign-off's (src/imports). */
  async scheduleFromReview(tx: EntityManager, ctx: TransactionContext, article: Article, review: SignOff) {
    const { cadence } = await this.policy.cadenceFor(tx, article);
    await this.restart(tx, ctx, article, review, cadence);
  }

  /**
   * `scheduleFromReview` for a batch of imported articles in one transaction: each clock starts from its
   * review's date and cadence; the schedules are locked, written and dated (through ArticleWorkflow) together.
   */
  async scheduleFromReviews(
    tx: EntityManager,
    ctx: TransactionContext,
    items: readonly { article: Article; review: SignOff }[],
  ): Promise<void> {
    if (!items.length) return;
    const cadences = new Map<string, Duration>();
    const plan = reminderPlan(this.config);
    const previous = new Map(
      (
        await this.schedules.lockByArticles(
          tx,
          items.map(({ article }) => article.id),
        )
      ).map((schedule) => [schedule.articleId, schedule]),
    );
    const starts = [];
    for (const { article, review } of items) {
      const key = `${article.reviewCadence ?? ''}\u0000${article.specialty}`;
      let cadence = cadences.get(key);
      if (!cadence) {
        cadence = (await this.policy.cadenceFor(tx, article)).cadence;
        cadences.set(key, cadence);
      }
      const dueAt = DateTime.fromJSDate(review.signedAt).plus(cadence).toJSDate();
      starts.push({ article, review, dueAt, first: firstReminder(review.signedAt, dueAt, plan) });
    }
    await this.schedules.saveMany(
      tx,
      starts.map(({ article, review, dueAt, first }) => ({
        articleId: article.id,
        signOffId: review.id,
        reviewerId: review.reviewerId,
        signedAt: review.signedAt,
        dueAt,
        nextReminderKind: first.kind,
        nextReminderAt: first.at,
      })),
    );
    await this.workflow.applyToMany(
      tx,
      ctx,
      WorkflowEvent.ScheduleReReview,
      starts.map(({ article, dueAt }) => ({ article, input: { dueAt } })),
      { actorId: null },
    );
    for (const { article, review, first } of starts) {
      const before = previous.get(article.id);
      if (before) this.reminders.cancel(ctx, before);
      this.reminders.enqueueIfInWindow(
        ctx,
        { articleId: article.id, signOffId: review.id, kind: first.kind },
        first.at,
      );
    }
  }

  /** A new sign-off restarts the clock: due date from the cadence, and the old sign-off's reminders are void. */
  private async restart(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    signOff: SignOff,
    cadence: Duration,
  ): Promise<void> {
    const previous = await this.schedules.lockByArticle(tx, article.id);
    const dueAt = DateTime.fromJSDate(signOff.signedAt).plus(cadence).toJSDate();
    const first = firstReminder(signOff.signedAt, dueAt, reminderPlan(this.config));
    await this.schedules.save(tx, {
      articleId: article.id,
      signOffId: signOff.id,
      reviewerId: signOff.reviewerId,
      signedAt: signOff.signedAt,
      dueAt,
      nextReminderKind: first.kind,
      nextReminderAt: first.at,
    });
    await this.workflow.apply(tx, ctx, article, WorkflowEvent.ScheduleReReview, { dueAt }, { actorId: null });
    if (previous) this.reminders.cancel(ctx, previous);
    this.reminders.enqueueIfInWindow(
      ctx,
      { articleId: article.id, signOffId: signOff.id, kind: first.kind },
      first.at,
    );
  }

  /** Unpublishing stops the re-review clock and cancels the pending reminder. */
  private async stop(tx: EntityManager, ctx: TransactionContext, articleId: string): Promise<void> {
    const schedule = await this.schedules.lockByArticle(tx, articleId);
    if (!schedule) return;
    await this.schedules.remove(tx, articleId);
    this.reminders.cancel(ctx, schedule);
  }

  /** An editor sets the article's own cadence (null: inherit); a running clock moves to the new due date. */
  async setArticleCadence(actor: AuthUser, articleId: string, cadence: string | null) {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      const before = article.reviewCadence;
      await this.workflow.apply(
        tx,
        ctx,
        article,
        WorkflowEvent.SetCadence,
        { cadence },
        { actorId: actor.id },
      );
      const schedule = await this.schedules.findByArticle(articleId, tx);
      const signOff = schedule
        ? ((await this.signOffs.findById(schedule.signOffId, tx)) ??
          (await findAttestedAsSignOff(tx, schedule.signOffId)))
        : null;
      if (signOff) {
        const source = await this.policy.cadenceFor(tx, article);
        await this.restart(tx, ctx, article, signOff, source.cadence);
      }
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'review_policy.article_changed',
        entityType: 'article',
        entityId: articleId,
        articleId,
        before: { reviewCadence: before },
        after: { reviewCadence: cadence, nextReviewDueAt: article.nextReviewDueAt },
      });
      const source = await this.policy.cadenceFor(tx, article);
      return {
        articleId,
        cadence: source.cadence.toISO(),
        from: source.from,
        nextReviewDueAt: article.nextReviewDueAt,
      };
    });
  }
}
