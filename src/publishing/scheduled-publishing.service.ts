import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { type TransactionContext, inTransaction } from '../core/database/transaction.js';
import { PublishGate, notPublishable } from './publish-gate.js';
import { PublishingError, PublishingErrorCode } from './publishing.exception.js';
import { PublishingQueue, scheduledPublishJobId } from './publishing.queue.js';
import type { ScheduledPublish } from './scheduled-publish.entity.js';
import { ScheduledPublishesRepository } from './scheduled-publishes.repository.js';

export interface ScheduledPublishView {
  articleId: string;
  scheduled: true;
  publishAt: string;
  revision: number;
  requestedById: string;
  jobId: string;
}

/**
 * Scheduled publishes: one pending publish time per article, held by PostgreSQL and mirrored by a delayed job.
 * The gate is checked when the schedule is set (so the publisher learns at once what is missing) and again when
 * the job fires.
 */
@Injectable()
export class ScheduledPublishing {
  private readonly logger = new Logger('Publishing');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly schedules: ScheduledPublishesRepository,
    private readonly articles: ArticlesRepository,
    private readonly gate: PublishGate,
    private readonly queue: PublishingQueue,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async schedule(actor: AuthUser, articleId: string, publishAt: Date): Promise<ScheduledPublishView> {
    const now = this.clock.now();
    if (publishAt.getTime() <= now.getTime()) {
      throw new PublishingError(
        PublishingErrorCode.PublishAtNotInFuture,
        'invalid',
        'publishAt must be in the future; omit it to publish now',
        [{ field: 'publishAt', reason: `must be later than ${now.toISOString()}` }],
      );
    }
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      const gate = await this.gate.check(tx, article);
      if (!gate.ok) throw notPublishable(gate);
      const previous = await this.schedules.findForArticle(articleId, tx);
      const schedule = await this.schedules.save(tx, {
        articleId,
        publishAt,
        revisionNumber: gate.revision.number,
        requestedById: actor.id,
      });
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'article.publish_scheduled',
        entityType: 'article',
        entityId: articleId,
        articleId,
        before: previous ? { publishAt: previous.publishAt } : null,
        after: { publishAt, revision: gate.revision.number },
      });
      ctx.afterCommit(async () => {
        if (previous) await this.queue.cancelScheduledPublish(articleId, previous.publishAt);
        await this.queue.schedulePublish(
          articleId,
          publishAt,
          publishAt.getTime() - this.clock.now().getTime(),
        );
      });
      return scheduleView(schedule);
    });
  }

  async get(articleId: string): Promise<ScheduledPublishView> {
    const schedule = await this.schedules.findForArticle(articleId);
    if (!schedule) throw PublishingError.scheduleNotFound();
    return scheduleView(schedule);
  }

  /** Cancels a scheduled publish; possible until the job has started. */
  cancel(
    actor: AuthUser,
    articleId: string,
  ): Promise<{ articleId: string; cancelled: true; publishAt: string }> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      await this.articles.lockById(tx, articleId);
      const schedule = await this.drop(tx, ctx, articleId, actor.id, 'cancelled by a publisher');
      if (!schedule) throw PublishingError.scheduleNotFound();
      return { articleId, cancelled: true, publishAt: schedule.publishAt.toISOString() };
    });
  }

  /** The delayed job's work. Skips when the schedule was cancelled or moved; records a refusal in the audit. */
  fire(articleId: string, publishAtIso: string): Promise<'published' | 'refused' | 'skipped'> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.findById(articleId, tx);
      if (!article) return 'skipped';
      await this.articles.lockById(tx, articleId);
      const schedule = await this.schedules.findForArticle(articleId, tx);
      if (!schedule || schedule.publishAt.toISOString() !== publishAtIso) return 'skipped';
      await this.schedules.remove(tx, articleId);
      const gate = await this.gate.check(tx, article);
      if (!gate.ok) {
        await this.audit.record(tx, {
          actorId: schedule.requestedById,
          action: 'article.scheduled_publish_refused',
          entityType: 'article',
          entityId: articleId,
          articleId,
          after: { publishAt: schedule.publishAt, problem: gate.problem, message: gate.message },
        });
        this.logger.warn(`scheduled publish of ${articleId} refused: ${gate.message}`);
        return 'refused';
      }
      await this.gate.goLive(tx, ctx, article, gate, schedule.requestedById);
      return 'published';
    });
  }

  /** Re-creates delayed jobs that Redis lost (PostgreSQL holds the schedule). Idempotent: job ids are fixed. */
  async restoreJobs(): Promise<number> {
    let restored = 0;
    for (const schedule of await this.schedules.all()) {
      if (await this.queue.hasScheduledPublish(schedule.articleId, schedule.publishAt)) continue;
      await this.queue.schedulePublish(
        schedule.articleId,
        schedule.publishAt,
        schedule.publishAt.getTime() - this.clock.now().getTime(),
      );
      restored += 1;
    }
    return restored;
  }

  /** Removes the article's schedule inside `tx` (published now, unpublished, cancelled); audited. */
  async drop(
    tx: EntityManager,
    ctx: TransactionContext,
    articleId: string,
    actorId: string,
    reason: string,
  ): Promise<ScheduledPublish | null> {
    const schedule = await this.schedules.findForArticle(articleId, tx);
    if (!schedule) return null;
    await this.schedules.remove(tx, articleId);
    await this.audit.record(tx, {
      actorId,
      action: 'article.scheduled_publish_cancelled',
      entityType: 'article',
      entityId: articleId,
      articleId,
      before: { publishAt: schedule.publishAt, revision: schedule.revisionNumber },
      after: { reason },
    });
    ctx.afterCommit(() => this.queue.cancelScheduledPublish(articleId, schedule.publishAt));
    return schedule;
  }
}

function scheduleView(schedule: ScheduledPublish): ScheduledPublishView {
  return {
    articleId: schedule.articleId,
    scheduled: true,
    publishAt: schedule.publishAt.toISOString(),
    revision: schedule.revisionNumber,
    requestedById: schedule.requestedById,
    jobId: scheduledPublishJobId(schedule.articleId, schedule.publishAt),
  };
}
