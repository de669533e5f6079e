import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, type EntityManager, Repository } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import {
  ArticleWorkflow,
  canHappen,
  illegalTransition,
  requireTransition,
  WorkflowEvent,
} from '../articles/article-workflow.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import type { Revision } from '../articles/revision.entity.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppConfig } from '../core/config/app-config.js';
import { Clock } from '../core/clock/clock.js';
import { type TransactionContext, inTransaction } from '../core/database/transaction.js';
import { DomainEvents } from '../core/events/domain-events.js';
import { ApiError } from '../core/http/api-error.js';
import { attestedReviewCovering } from '../imports/review-records.js';
import { bylineText } from '../sign-offs/byline.js';
import { type CoverageProblem, signOffCoverage } from '../sign-offs/sign-off-rules.js';
import type { SignOff } from '../sign-offs/sign-off.entity.js';
import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';
import { articleUrl } from './page-view-model.js';
import { PageRendering } from './page-rendering.service.js';
import { PageSources } from './page-sources.js';
import { PublicationRecorder } from './publication-recorder.js';
import { Publication } from './publication.entity.js';
import { PublishedPage } from './published-page.entity.js';
import { PublishedPagesRepository, livePageValues } from './published-pages.repository.js';
import { PublishingQueue, scheduledPublishJobId } from './publishing.queue.js';
import { ScheduledPublish } from './scheduled-publish.entity.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';

export interface PublicationView {
  articleId: string;
  slug: string;
  status: string;
  revision: number;
  signOffId: string;
  byline: string;
  publicUrl: string;
  htmlChecksum: string;
  publishedAt: string;
  publications: { id: string; target: string; action: Publication['action'] }[];
}

export interface ScheduledPublishView {
  articleId: string;
  scheduled: true;
  publishAt: string;
  revision: number;
  requestedById: string;
  jobId: string;
}

export interface UnpublishView {
  articleId: string;
  slug: string | null;
  status: string;
  unpublishedRevision: number | null;
  publications: { id: string; target: string; action: Publication['action'] }[];
}

type GateResult =
  | { ok: true; revision: Revision; signOff: SignOff }
  | { ok: false; message: string; problem: CoverageProblem | 'not_publishable' | 'slug_taken' };

function publicationList(rows: Publication[]): PublicationView['publications'] {
  return rows.map((row) => ({ id: row.id, target: row.target, action: row.action }));
}

/**
 * Publishing: the gate (a valid sign-off of exactly the current revision), scheduled publishes, unpublishing,
 * re-rendering after a re-review, and previews. Each change is one transaction with its Publication rows and
 * its audit event; targets (directory, webhooks) are updated by jobs enqueued after the commit.
 */
@Injectable()
export class PublishingService implements OnModuleInit {
  private readonly logger = new Logger('Publishing');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(Publication) private readonly publications: Repository<Publication>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    private readonly articles: ArticlesRepository,
    private readonly workflow: ArticleWorkflow,
    private readonly signOffs: SignOffsRepository,
    private readonly pages: PublishedPagesRepository,
    private readonly sources: PageSources,
    private readonly rendering: PageRendering,
    private readonly recorder: PublicationRecorder,
    private readonly queue: PublishingQueue,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events.on('article.signed', (tx, ctx, event) => this.afterSignOff(tx, ctx, event.article.id));
  }

  private get timeZone(): string {
    return this.config.env.PUBLICATION_TIMEZONE;
  }

  /** Publishes the current revision now. 409 says what is missing when no valid sign-off covers it. */
  publishNow(actor: AuthUser, articleId: string): Promise<PublicationView> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      const gate = await this.gate(tx, article);
      if (!gate.ok) throw ApiError.conflict(gate.message, [{ problem: gate.problem }]);
      await this.dropSchedule(tx, ctx, article.id, actor.id, 'published immediately');
      return this.goLive(tx, ctx, article, gate, actor.id);
    });
  }

  /**
   * Publishes the current revision at `publishAt` through a delayed job. The gate is checked now (so the
   * publisher learns at once what is missing) and again when the job fires.
   */
  async schedulePublish(actor: AuthUser, articleId: string, publishAt: Date): Promise<ScheduledPublishView> {
    const now = this.clock.now();
    if (publishAt.getTime() <= now.getTime()) {
      throw ApiError.badRequest('publishAt must be in the future; omit it to publish now', [
        { field: 'publishAt', reason: `must be later than ${now.toISOString()}` },
      ]);
    }
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      const gate = await this.gate(tx, article);
      if (!gate.ok) throw ApiError.conflict(gate.message, [{ problem: gate.problem }]);
      const repo = tx.getRepository(ScheduledPublish);
      const previous = await repo.findOne({ where: { articleId } });
      const schedule = await repo.save(
        repo.create({ articleId, publishAt, revisionNumber: gate.revision.number, requestedById: actor.id }),
      );
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
      return this.scheduleView(schedule);
    });
  }

  async getSchedule(articleId: string): Promise<ScheduledPublishView> {
    const schedule = await this.dataSource.getRepository(ScheduledPublish).findOne({ where: { articleId } });
    if (!schedule) throw ApiError.notFound('Scheduled publish');
    return this.scheduleView(schedule);
  }

  /**
   * Whether the current revision of each article may go live now (the gate `publishNow` applies), and if not
   * why; nothing is written. The publisher's desk lists what is ready with this.
   */
  async readiness(
    articleIds: string[],
  ): Promise<Map<string, { ok: true; revision: number; byline: string } | { ok: false; message: string }>> {
    const result = new Map<
      string,
      { ok: true; revision: number; byline: string } | { ok: false; message: string }
    >();
    const manager = this.dataSource.manager;
    for (const id of articleIds) {
      const article = await this.articles.findById(id, manager);
      if (!article) continue;
      const gate = await this.gate(manager, article);
      result.set(
        id,
        gate.ok
          ? { ok: true, revision: gate.revision.number, byline: bylineText(gate.signOff, this.timeZone) }
          : { ok: false, message: gate.message },
      );
    }
    return result;
  }

  /** Cancels a scheduled publish; possible until the job has started. */
  cancelSchedule(
    actor: AuthUser,
    articleId: string,
  ): Promise<{ articleId: string; cancelled: true; publishAt: string }> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      await this.articles.lockById(tx, articleId);
      const schedule = await this.dropSchedule(tx, ctx, articleId, actor.id, 'cancelled by a publisher');
      if (!schedule) throw ApiError.notFound('Scheduled publish');
      return { articleId, cancelled: true, publishAt: schedule.publishAt.toISOString() };
    });
  }

  /** The delayed job's work. Skips when the schedule was cancelled or moved; records a refusal in the audit. */
  fireScheduledPublish(
    articleId: string,
    publishAtIso: string,
  ): Promise<'published' | 'refused' | 'skipped'> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.findById(articleId, tx);
      if (!article) return 'skipped';
      await this.articles.lockById(tx, articleId);
      const repo = tx.getRepository(ScheduledPublish);
      const schedule = await repo.findOne({ where: { articleId } });
      if (!schedule || schedule.publishAt.toISOString() !== publishAtIso) return 'skipped';
      await repo.delete({ articleId });
      const gate = await this.gate(tx, article);
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
      await this.goLive(tx, ctx, article, gate, schedule.requestedById);
      return 'published';
    });
  }

  /** Takes the live page down from every target; the article becomes archived. */
  unpublish(actor: AuthUser, articleId: string): Promise<UnpublishView> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      requireTransition(article.status, WorkflowEvent.Unpublish);
      const page = await this.pages.findByArticle(article.id, tx);
      const before = { status: article.status, publishedRevision: article.publishedRevision };
      await this.pages.takeDown(tx, article.id);
      if (page) await this.pages.markLinkingPagesStale(tx, page.slug, article.id);
      await this.dropSchedule(tx, ctx, article.id, actor.id, 'article unpublished');
      const rows = await this.recorder.record(
        tx,
        ctx,
        [
          {
            articleId: article.id,
            action: 'unpublish',
            revisionNumber: before.publishedRevision ?? page?.revisionNumber ?? article.currentRevision,
            signOffId: page?.signOffId ?? null,
            htmlChecksum: null,
            actorId: actor.id,
          },
        ],
        { syncDirectory: true },
      );
      // Scheduling hears `article.unpublished`: the re-review clock stops.
      await this.workflow.apply(
        tx,
        ctx,
        article,
        WorkflowEvent.Unpublish,
        {},
        {
          actorId: actor.id,
          audit: {
            action: 'article.unpublished',
            before,
            after: (archived) => ({
              status: archived.status,
              publishedRevision: null,
              slug: page?.slug ?? null,
              targets: publicationList(rows),
            }),
          },
        },
      );
      return {
        articleId: article.id,
        slug: page?.slug ?? null,
        status: article.status,
        unpublishedRevision: before.publishedRevision,
        publications: publicationList(rows),
      };
    });
  }

  /**
   * Called inside the transaction that created a sign-off (the reviews module emits `article.signed`). When the
   * article is live and the new sign-off covers its live revision (a re-review of unchanged content), the page
   * is re-rendered after the commit with the new review date and next review due date, on every target.
   */
  async afterSignOff(tx: EntityManager, ctx: TransactionContext, articleId: string): Promise<void> {
    const article = await this.articles.findById(articleId, tx);
    if (!article || article.status !== 'published' || article.publishedRevision === null) return;
    // If the re-render below is lost (a crash after commit), the next export re-renders the stale page.
    await this.pages.markStale(tx, articleId);
    ctx.afterCommit(() => this.rerender(articleId));
  }

  /** Re-renders the live page with the newest sign-off covering its revision; records a 'rerender' publication. */
  rerender(articleId: string): Promise<Publication[]> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const found = await this.articles.findById(articleId, tx);
      if (!found || found.status !== 'published' || found.publishedRevision === null) return [];
      const article = await this.articles.lockById(tx, articleId);
      const revision = await this.articles.findRevision(article.id, article.publishedRevision!, tx);
      const signOff = await this.signOffs.findLatestForArticle(article.id, tx);
      const previous = await this.pages.findByArticle(article.id, tx);
      if (!revision || !signOff || !previous?.live) return [];
      if (!signOffCoverage(signOff, revision, this.timeZone).ok) return [];
      const source = await this.sources.forRevision(tx, article, revision, signOff, article.nextReviewDueAt);
      const rendered = this.rendering.renderPage(source);
      const values = livePageValues(source, rendered, this.rendering.fingerprint);
      await tx.getRepository(PublishedPage).update({ articleId }, values);
      if (rendered.checksum === previous.htmlChecksum) return [];
      const rows = await this.recorder.record(
        tx,
        ctx,
        [
          {
            articleId,
            action: 'rerender',
            revisionNumber: revision.number,
            signOffId: signOff.id,
            htmlChecksum: rendered.checksum,
            actorId: signOff.reviewerId,
          },
        ],
        { syncDirectory: true },
      );
      await this.audit.record(tx, {
        actorId: signOff.reviewerId,
        action: 'article.rerendered',
        entityType: 'article',
        entityId: articleId,
        articleId,
        before: {
          signOffId: previous.signOffId,
          lastReviewedAt: previous.lastReviewedAt,
          nextReviewDueAt: previous.nextReviewDueAt,
          htmlChecksum: previous.htmlChecksum,
        },
        after: {
          signOffId: signOff.id,
          lastReviewedAt: signOff.signedAt,
          nextReviewDueAt: article.nextReviewDueAt,
          htmlChecksum: rendered.checksum,
          targets: publicationList(rows),
        },
      });
      return rows;
    });
  }

  /**
   * Any revision rendered with the page templates, a visible banner and noindex. The byline appears only when a
   * valid sign-off covers exactly that revision.
   */
  async preview(articleId: string, revisionNumber?: number): Promise<string> {
    const article = await this.articles.findById(articleId);
    if (!article) throw ApiError.notFound('Article');
    const number = revisionNumber ?? article.currentRevision;
    const revision = await this.articles.findRevision(articleId, number);
    if (!revision) throw ApiError.notFound(`Revision ${number}`);
    const signOff =
      (await this.signOffs.listForArticle(articleId)).find(
        (candidate) => signOffCoverage(candidate, revision, this.timeZone).ok,
      ) ?? null;
    const source = await this.sources.forRevision(
      undefined,
      article,
      revision,
      signOff,
      signOff ? article.nextReviewDueAt : null,
    );
    const banner = signOff
      ? `Preview of revision ${number}: this is not the published page.`
      : `Preview of revision ${number}: not medically reviewed. Do not publish or share this page.`;
    return this.rendering.renderPage(source, { banner, noindex: true }).html;
  }

  async history(
    articleId: string,
  ): Promise<{ publications: Publication[]; webhookDeliveries: WebhookDelivery[] }> {
    if (!(await this.articles.findById(articleId))) throw ApiError.notFound('Article');
    const [publications, webhookDeliveries] = await Promise.all([
      this.publications.find({
        where: { articleId },
        order: { createdAt: 'DESC', target: 'ASC' },
        take: 500,
      }),
      this.deliveries.find({ where: { articleId }, order: { createdAt: 'DESC' }, take: 500 }),
    ]);
    return { publications, webhookDeliveries };
  }

  /** Re-creates delayed jobs that Redis lost (PostgreSQL holds the schedule). Idempotent: job ids are fixed. */
  async restoreScheduledJobs(): Promise<number> {
    const schedules = await this.dataSource.getRepository(ScheduledPublish).find();
    let restored = 0;
    for (const schedule of schedules) {
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

  /** Whether the current revision may go live, and if not, why (the sign-off rule says what is missing). */
  private async gate(tx: EntityManager, article: Article): Promise<GateResult> {
    const revision = await this.articles.findRevision(article.id, article.currentRevision, tx);
    if (!revision) {
      return {
        ok: false,
        problem: 'not_publishable',
        message: `Revision ${article.currentRevision} does not exist`,
      };
    }
    const signOff = await this.signOffs.findLatestForArticle(article.id, tx);
    // Imports: an article imported with --publish may go live on its attested review (src/imports).
    const attested = await attestedReviewCovering(tx, article.id, revision, signOff);
    const coverage = attested ? { ok: true as const } : signOffCoverage(signOff, revision, this.timeZone);
    if (!coverage.ok) return { ok: false, problem: coverage.problem, message: coverage.message };
    if (!canHappen(article.status, WorkflowEvent.Publish)) {
      return {
        ok: false,
        problem: 'not_publishable',
        message: illegalTransition(article.status, WorkflowEvent.Publish).message,
      };
    }
    if (await this.pages.slugLiveForAnother(tx, revision.content.slug, article.id)) {
      return {
        ok: false,
        problem: 'slug_taken',
        message: `Another article is live at ${articleUrl(this.rendering.site, revision.content.slug)}; give this one another slug`,
      };
    }
    return { ok: true, revision, signOff: attested ?? signOff! };
  }

  private async goLive(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    gate: Extract<GateResult, { ok: true }>,
    actorId: string,
  ): Promise<PublicationView> {
    const { revision, signOff } = gate;
    const before = { status: article.status, publishedRevision: article.publishedRevision };
    const previous = await this.pages.findByArticle(article.id, tx);
    await this.workflow.apply(tx, ctx, article, WorkflowEvent.Publish, { revision: revision.number }, { actorId });
    const source = await this.sources.forRevision(tx, article, revision, signOff, article.nextReviewDueAt);
    const rendered = this.rendering.renderPage(source);
    const values = livePageValues(source, rendered, this.rendering.fingerprint);
    await tx.getRepository(PublishedPage).upsert({ articleId: article.id, ...values }, ['articleId']);
    await this.pages.markLinkingPagesStale(tx, values.slug, article.id);
    if (previous?.live && previous.slug !== values.slug) {
      await this.pages.markLinkingPagesStale(tx, previous.slug, article.id);
    }
    const rows = await this.recorder.record(
      tx,
      ctx,
      [
        {
          articleId: article.id,
          action: 'publish',
          revisionNumber: revision.number,
          signOffId: signOff.id,
          htmlChecksum: rendered.checksum,
          actorId,
        },
      ],
      { syncDirectory: true },
    );
    const publicUrl = articleUrl(this.rendering.site, values.slug);
    await this.audit.record(tx, {
      actorId,
      action: 'article.published',
      entityType: 'article',
      entityId: article.id,
      articleId: article.id,
      before,
      after: {
        status: article.status,
        publishedRevision: revision.number,
        signOffId: signOff.id,
        htmlChecksum: rendered.checksum,
        publicUrl,
        targets: publicationList(rows),
      },
    });
    return {
      articleId: article.id,
      slug: values.slug,
      status: article.status,
      revision: revision.number,
      signOffId: signOff.id,
      byline: bylineText(signOff, this.timeZone),
      publicUrl,
      htmlChecksum: rendered.checksum,
      publishedAt: rows[0].createdAt.toISOString(),
      publications: publicationList(rows),
    };
  }

  private async dropSchedule(
    tx: EntityManager,
    ctx: TransactionContext,
    articleId: string,
    actorId: string,
    reason: string,
  ): Promise<ScheduledPublish | null> {
    const repo = tx.getRepository(ScheduledPublish);
    const schedule = await repo.findOne({ where: { articleId } });
    if (!schedule) return null;
    await repo.delete({ articleId });
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

  private scheduleView(schedule: ScheduledPublish): ScheduledPublishView {
    return {
      articleId: schedule.articleId,
      scheduled: true,
      publishAt: schedule.publishAt.toISOString(),
      revision: schedule.revisionNumber,
      requestedById: schedule.requestedById,
      jobId: scheduledPublishJobId(schedule.articleId, schedule.publishAt),
    };
  }
}
