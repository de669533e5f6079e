import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DateTime, Duration } from 'luxon';
import { DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import { ArticleWorkflow, WorkflowEvent } from '../articles/article-workflow.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { diffContent } from '../articles/revision-diff.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction, type TransactionContext } from '../core/database/transaction.js';
import { DomainEvents } from '../core/events/domain-events.js';
import { isDomainError } from '../core/errors/domain-error.js';
import { JobName, jobOptions, QueueName } from '../core/queues/queues.js';
import { REDIS } from '../core/redis/redis.module.js';
import { NotificationsService, type OutgoingEmail } from '../notifications/notifications.service.js';
import { AssignmentsService } from '../reviews/assignments.service.js';
import { formatReviewDate, localIsoDate } from '../sign-offs/byline.js';
import type { SignOff } from '../sign-offs/sign-off.entity.js';
import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';
import { UsersRepository } from '../users/users.repository.js';
import { firstReminder, followingReminder, isOverdueKind, type ReminderPlanConfig } from './reminder-plan.js';
import { ReviewPolicyService } from './review-policy.service.js';
import { ReviewSchedule } from './review-schedule.entity.js';
import type { ReReviewsQuery } from './scheduling.dto.js';

export interface ReminderJob {
  articleId: string;
  signOffId: string;
  kind: string;
}

export type JobOutcome = 'done' | 'skipped';

const SWEEP_PAGE = 2000;
const DAY_MS = 24 * 3600 * 1000;

/** BullMQ job ids may not contain ':'; this one is deterministic, so a reminder is never queued twice. */
export function reminderJobId(job: ReminderJob): string {
  return `reminder_${job.articleId}_${job.signOffId}_${job.kind}`;
}

/** Every email of one reminder has a dedupe key starting with this, followed by the recipient's id. */
function reminderDedupePrefix(job: ReminderJob): string {
  return `reminder:${job.articleId}:${job.signOffId}:${job.kind}:`;
}

@Injectable()
export class ReviewSchedulesService implements OnModuleInit {
  private readonly logger = new Logger('ReviewSchedules');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Scheduling) private readonly queue: Queue,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly articles: ArticlesRepository,
    private readonly workflow: ArticleWorkflow,
    private readonly signOffs: SignOffsRepository,
    private readonly assignments: AssignmentsService,
    private readonly notifications: NotificationsService,
    private readonly users: UsersRepository,
    private readonly policy: ReviewPolicyService,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events.on('article.signed', (tx, ctx, { article, signOff }) =>
      this.onSigned(tx, ctx, article, signOff),
    );
    this.events.on('article.unpublished', (tx, ctx, { article }) => this.stop(tx, ctx, article.id));
  }

  private get plan(): ReminderPlanConfig {
    return {
      offsets: this.config.env.REMINDER_OFFSETS,
      overdueEvery: this.config.env.OVERDUE_REMINDER_EVERY,
    };
  }

  private get timeZone(): string {
    return this.config.env.PUBLICATION_TIMEZONE;
  }

  get lastSweepKey(): string {
    return `${this.config.env.QUEUE_PREFIX}:review-sweep:last-run`;
  }

  /** A new sign-off restarts the clock: due date from the cadence, and the old sign-off's reminders are void. */
  private async onSigned(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    signOff: SignOff,
  ): Promise<void> {
    const { cadence } = await this.policy.cadenceFor(tx, article);
    await this.reschedule(tx, ctx, article, signOff, cadence);
  }

  private async reschedule(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    signOff: SignOff,
    cadence: Duration,
  ) {
    const repo = tx.getRepository(ReviewSchedule);
    const previous = await repo.findOne({
      where: { articleId: article.id },
      lock: { mode: 'pessimistic_write' },
    });
    const dueAt = DateTime.fromJSDate(signOff.signedAt).plus(cadence).toJSDate();
    const first = firstReminder(signOff.signedAt, dueAt, this.plan);
    await repo.save(
      repo.create({
        articleId: article.id,
        signOffId: signOff.id,
        reviewerId: signOff.reviewerId,
        signedAt: signOff.signedAt,
        dueAt,
        nextReminderKind: first.kind,
        nextReminderAt: first.at,
      }),
    );
    await this.workflow.apply(tx, ctx, article, WorkflowEvent.ScheduleReReview, { dueAt }, { actorId: null });
    if (previous) this.cancelQueued(ctx, previous);
    this.enqueueIfInWindow(ctx, { articleId: article.id, signOffId: signOff.id, kind: first.kind }, first.at);
  }

  /** Unpublishing stops the re-review clock and cancels the pending reminder. */
  private async stop(tx: EntityManager, ctx: TransactionContext, articleId: string): Promise<void> {
    const repo = tx.getRepository(ReviewSchedule);
    const schedule = await repo.findOne({ where: { articleId }, lock: { mode: 'pessimistic_write' } });
    if (!schedule) return;
    await repo.delete({ articleId });
    this.cancelQueued(ctx, schedule);
  }

  private cancelQueued(ctx: TransactionContext, schedule: ReviewSchedule): void {
    const jobId = reminderJobId({
      articleId: schedule.articleId,
      signOffId: schedule.signOffId,
      kind: schedule.nextReminderKind,
    });
    ctx.afterCommit(() => this.queue.remove(jobId));
  }

  private enqueueIfInWindow(ctx: TransactionContext, job: ReminderJob, at: Date): void {
    const horizon = this.clock.now().getTime() + this.config.env.SWEEP_WINDOW.toMillis();
    if (at.getTime() <= horizon) ctx.afterCommit(() => this.enqueue(job, at));
  }

  private enqueue(job: ReminderJob, at: Date) {
    const delay = Math.max(0, at.getTime() - this.clock.now().getTime());
    return this.queue.add(
      JobName.ReviewReminder,
      job,
      jobOptions(JobName.ReviewReminder, { jobId: reminderJobId(job), delay }),
    );
  }

  /**
   * Queues every reminder that falls due before now + SWEEP_WINDOW (`due` counts them, queued now or before), read from the `next_reminder_at` index.
   * Job ids are deterministic, so a reminder already queued is not queued again, and after Redis loses its
   * data the next sweep queues them all again from PostgreSQL.
   */
  async sweep(): Promise<{ due: number; horizon: Date }> {
    const now = this.clock.now();
    const horizon = new Date(now.getTime() + this.config.env.SWEEP_WINDOW.toMillis());
    let due = 0;
    let after: { at: Date; id: string } | null = null;
    for (;;) {
      const rows: ReviewSchedule[] = await this.sweepPageQuery(horizon, after).getMany();
      if (!rows.length) break;
      await this.queue.addBulk(
        rows.map((row) => {
          const job = { articleId: row.articleId, signOffId: row.signOffId, kind: row.nextReminderKind };
          const delay = Math.max(0, row.nextReminderAt.getTime() - now.getTime());
          return {
            name: JobName.ReviewReminder,
            data: job,
            opts: jobOptions(JobName.ReviewReminder, { jobId: reminderJobId(job), delay }),
          };
        }),
      );
      due += rows.length;
      const last = rows[rows.length - 1];
      after = { at: last.nextReminderAt, id: last.articleId };
      if (rows.length < SWEEP_PAGE) break;
    }
    // Operational wall time (not the domain clock): when the sweep really last ran.
    await this.redis.set(this.lastSweepKey, new Date().toISOString());
    return { due, horizon };
  }

  /** One page of the sweep, in (next_reminder_at, article_id) order, read from its index. */
  sweepPageQuery(horizon: Date, after: { at: Date; id: string } | null): SelectQueryBuilder<ReviewSchedule> {
    const query = this.dataSource
      .getRepository(ReviewSchedule)
      .createQueryBuilder('s')
      .select(['s.articleId', 's.signOffId', 's.nextReminderKind', 's.nextReminderAt'])
      .where('s.nextReminderAt <= :horizon', { horizon })
      .orderBy('s.nextReminderAt', 'ASC')
      .addOrderBy('s.articleId', 'ASC')
      .limit(SWEEP_PAGE);
    if (after) query.andWhere('(s.nextReminderAt, s.articleId) > (:at, :id)', { at: after.at, id: after.id });
    return query;
  }

  /**
   * Sends one reminder (to the reviewer; overdue ones also to every editor), opens the re-review assignment on
   * the due date, and moves the schedule on to the next reminder, all in one transaction. A reminder whose
   * schedule has moved on (re-reviewed, unpublished, already sent) is skipped.
   */
  async remind(job: ReminderJob): Promise<JobOutcome> {
    const outcome = await this.remindOnce(job);
    // A run of this job that died after its commit (a killed worker) may have left its emails unsent.
    if (outcome === 'skipped') await this.notifications.finishLeftovers(reminderDedupePrefix(job));
    return outcome;
  }

  private remindOnce(job: ReminderJob): Promise<JobOutcome> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const repo = tx.getRepository(ReviewSchedule);
      const schedule = await repo.findOne({
        where: { articleId: job.articleId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!schedule || schedule.signOffId !== job.signOffId || schedule.nextReminderKind !== job.kind)
        return 'skipped';
      const article = await this.articles.findById(job.articleId, tx);
      const signOff = await this.signOffs.findById(job.signOffId, tx);
      if (!article || !signOff || article.status === 'archived') {
        await repo.delete({ articleId: job.articleId });
        return 'skipped';
      }

      if (job.kind === 'due') await this.openReReview(tx, ctx, article, signOff);
      const emails = await this.reminderEmails(tx, article, signOff, schedule, job.kind);
      await this.notifications.queue(tx, ctx, emails, { deliverNow: true });
      const next = followingReminder(job.kind, schedule.dueAt, this.plan);
      await repo.update({ articleId: article.id }, { nextReminderKind: next.kind, nextReminderAt: next.at });
      this.enqueueIfInWindow(ctx, { articleId: article.id, signOffId: signOff.id, kind: next.kind }, next.at);
      // Last: the audit chain lock is held until commit, so take it as late as possible.
      await this.audit.record(tx, {
        actorId: null,
        action: 'review.reminder_sent',
        entityType: 'article',
        entityId: article.id,
        articleId: article.id,
        after: {
          kind: job.kind,
          signOffId: signOff.id,
          dueAt: schedule.dueAt,
          recipients: emails.map((e) => e.to.address),
        },
      });
      return 'done';
    });
  }

  /** On the due date: a re-review assignment for the last reviewer, or the automatic choice if they can't. */
  private async openReReview(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    signOff: SignOff,
  ): Promise<void> {
    if (await this.assignments.findOpen(article.id, tx)) return;
    const locked = await this.articles.lockById(tx, article.id);
    for (const reviewerId of [signOff.reviewerId, null]) {
      try {
        await tx.query('SAVEPOINT re_review');
        await this.assignments.open(tx, ctx, locked, 're_review', null, reviewerId);
        await tx.query('RELEASE SAVEPOINT re_review');
        return;
      } catch (error) {
        await tx.query('ROLLBACK TO SAVEPOINT re_review');
        // A rule said no (nobody eligible, the last reviewer's licence expired...): try the next choice.
        if (!isDomainError(error)) throw error;
        this.logger.warn(
          `re-review of ${article.id} with ${reviewerId ?? 'automatic choice'}: ${error.message}`,
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

  private async reminderEmails(
    tx: EntityManager,
    article: Article,
    signOff: SignOff,
    schedule: ReviewSchedule,
    kind: string,
  ): Promise<OutgoingEmail[]> {
    // The reviewer of the open (re-)review assignment, else the one who signed.
    const open = await this.assignments.findOpen(article.id, tx);
    const reviewer = await this.users.findById(open?.reviewerId ?? schedule.reviewerId, tx);
    const now = this.clock.now();
    const dueDateText = formatReviewDate(schedule.dueAt, this.timeZone);
    const days = Math.round((schedule.dueAt.getTime() - now.getTime()) / DAY_MS);
    const overdue = isOverdueKind(kind);
    const daysText =
      days > 0
        ? `in ${days} day${days === 1 ? '' : 's'}`
        : days === 0
          ? 'today'
          : `${-days} day${days === -1 ? '' : 's'} ago`;
    const reviewUrl = `${this.config.env.PUBLIC_BASE_URL}/articles/${article.id}/diff?from=${signOff.revisionNumber}&to=${article.currentRevision}`;
    const changes = await this.changesSince(tx, article, signOff);
    const emails: OutgoingEmail[] = [];
    if (reviewer?.active) {
      emails.push({
        dedupeKey: `${reminderDedupePrefix({ articleId: article.id, signOffId: signOff.id, kind })}${reviewer.id}`,
        template: 'review-reminder',
        to: { address: reviewer.email, userId: reviewer.id },
        articleId: article.id,
        context: {
          recipientName: reviewer.name,
          articleTitle: article.title,
          dueDateText,
          daysText,
          overdue,
          changes,
          reviewUrl,
        },
      });
    }
    if (overdue) {
      for (const editor of await this.users.findActiveByRole('editor', tx)) {
        emails.push({
          dedupeKey: `${reminderDedupePrefix({ articleId: article.id, signOffId: signOff.id, kind })}${editor.id}`,
          template: 'overdue-escalation',
          to: { address: editor.email, userId: editor.id },
          articleId: article.id,
          context: {
            recipientName: editor.name,
            articleTitle: article.title,
            reviewerName: reviewer?.name ?? signOff.reviewerDisplayName,
            dueDateText,
            daysOverdue: Math.max(0, -days),
            reviewUrl,
          },
        });
      }
    }
    return emails;
  }

  /** What changed since the revision the reviewer signed, one line per changed place. */
  private async changesSince(
    tx: EntityManager,
    article: Article,
    signOff: SignOff,
  ): Promise<{ field: string; summary: string }[]> {
    if (signOff.revisionNumber === article.currentRevision) return [];
    const [signed, current] = await Promise.all([
      this.articles.findRevision(article.id, signOff.revisionNumber, tx),
      this.articles.findRevision(article.id, article.currentRevision, tx),
    ]);
    if (!signed || !current) return [];
    return diffContent(signed.content, current.content)
      .slice(0, 50)
      .map((change) => ({ field: change.path, summary: change.kind }));
  }

  /** The daily digest to every editor: overdue reviews and those due within 7 days. */
  async digest(): Promise<number> {
    const now = this.clock.now();
    const rows = await this.dueRows(new Date(now.getTime() + 7 * DAY_MS), 'all', 200);
    const toView = (row: ReReviewRow) => ({
      title: row.title,
      reviewerName: row.lastReviewer.displayName,
      dueDateText: formatReviewDate(row.dueAt, this.timeZone),
      daysOverdue: row.daysOverdue,
      url: `${this.config.env.PUBLIC_BASE_URL}/articles/${row.articleId}`,
    });
    const overdue = rows.filter((row) => row.status === 'overdue').map(toView);
    const dueSoon = rows.filter((row) => row.status !== 'overdue').map(toView);
    const date = localIsoDate(now, this.timeZone);
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const editors = await this.users.findActiveByRole('editor', tx);
      return this.notifications.queue(
        tx,
        ctx,
        editors.map((editor) => ({
          dedupeKey: `digest:${date}:${editor.id}`,
          template: 'digest' as const,
          to: { address: editor.email, userId: editor.id },
          context: {
            recipientName: editor.name,
            dateText: formatReviewDate(now, this.timeZone),
            overdue,
            dueSoon: dueSoon.map(({ daysOverdue: _d, ...row }) => row),
          },
        })),
      );
    });
  }

  async setArticleCadence(actor: AuthUser, articleId: string, cadence: string | null) {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      const before = article.reviewCadence;
      await this.workflow.apply(tx, ctx, article, WorkflowEvent.SetCadence, { cadence }, { actorId: actor.id });
      const schedule = await tx.getRepository(ReviewSchedule).findOne({ where: { articleId } });
      const signOff = schedule ? await this.signOffs.findById(schedule.signOffId, tx) : null;
      if (signOff) {
        const source = await this.policy.cadenceFor(tx, article);
        await this.reschedule(tx, ctx, article, signOff, source.cadence);
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

  async list(query: ReReviewsQuery): Promise<ReReviewRow[]> {
    const dueBefore = query.dueBefore
      ? new Date(query.dueBefore)
      : new Date(this.clock.now().getTime() + 30 * DAY_MS);
    return this.dueRows(dueBefore, query.status ?? 'all', 500);
  }

  private async dueRows(
    dueBefore: Date,
    status: 'overdue' | 'due' | 'all',
    limit: number,
  ): Promise<ReReviewRow[]> {
    const now = this.clock.now();
    const rows = await this.dataSource.query<RawDueRow[]>(
      `SELECT s.article_id, a.slug, a.title, a.status AS article_status, s.due_at, s.signed_at, s.next_reminder_kind,
              so.reviewer_id, so.reviewer_display_name, so.id AS sign_off_id,
              (SELECT x.id FROM assignments x WHERE x.article_id = s.article_id AND x.status IN ('pending', 'accepted') LIMIT 1) AS open_assignment_id
         FROM review_schedules s
         JOIN articles a ON a.id = s.article_id
         JOIN sign_offs so ON so.id = s.sign_off_id
        WHERE s.due_at < $1 ${status === 'overdue' ? 'AND s.due_at <= $2' : status === 'due' ? 'AND s.due_at > $2' : ''}
        ORDER BY s.due_at ASC, s.article_id ASC
        LIMIT ${limit}`,
      status === 'all' ? [dueBefore] : [dueBefore, now],
    );
    return rows.map((row) => {
      const dueAt = new Date(row.due_at);
      const overdueMs = now.getTime() - dueAt.getTime();
      return {
        articleId: row.article_id,
        slug: row.slug,
        title: row.title,
        articleStatus: row.article_status,
        dueAt,
        lastReviewedAt: new Date(row.signed_at),
        lastReviewer: { id: row.reviewer_id, displayName: row.reviewer_display_name },
        signOffId: row.sign_off_id,
        status: overdueMs >= 0 ? 'overdue' : 'due_soon',
        daysOverdue: overdueMs >= 0 ? Math.floor(overdueMs / DAY_MS) : 0,
        openAssignmentId: row.open_assignment_id,
      };
    });
  }
}

interface RawDueRow {
  article_id: string;
  slug: string;
  title: string;
  article_status: string;
  due_at: string;
  signed_at: string;
  next_reminder_kind: string;
  reviewer_id: string;
  reviewer_display_name: string;
  sign_off_id: string;
  open_assignment_id: string | null;
}

export interface ReReviewRow {
  articleId: string;
  slug: string;
  title: string;
  articleStatus: string;
  dueAt: Date;
  lastReviewedAt: Date;
  lastReviewer: { id: string; displayName: string };
  signOffId: string;
  status: 'overdue' | 'due_soon';
  daysOverdue: number;
  openAssignmentId: string | null;
}
