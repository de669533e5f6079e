import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ArticleWorkflow, requireTransition, WorkflowEvent } from '../articles/article-workflow.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppConfig } from '../core/config/app-config.js';
import { type TransactionContext, inTransaction } from '../core/database/transaction.js';
import { DomainEvents } from '../core/events/domain-events.js';
import { signOffCoverage } from '../sign-offs/sign-off-rules.js';
import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';
import { PageRendering } from './page-rendering.service.js';
import { PageSources } from './page-sources.js';
import { PublicationRecorder } from './publication-recorder.js';
import type { Publication } from './publication.entity.js';
import { publicationList } from './publish-gate.js';
import { PublishedPagesRepository, livePageValues } from './published-pages.repository.js';
import { ScheduledPublishing } from './scheduled-publishing.service.js';

export interface UnpublishView {
  articleId: string;
  slug: string | null;
  status: string;
  unpublishedRevision: number | null;
  publications: { id: string; target: string; action: Publication['action'] }[];
}

/**
 * A live page after it went live: taken down (unpublish: the article is archived), or re-rendered when a
 * re-review signs its unchanged revision (new review date and next due date, on every target).
 */
@Injectable()
export class LivePages implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly workflow: ArticleWorkflow,
    private readonly signOffs: SignOffsRepository,
    private readonly pages: PublishedPagesRepository,
    private readonly sources: PageSources,
    private readonly rendering: PageRendering,
    private readonly recorder: PublicationRecorder,
    private readonly schedules: ScheduledPublishing,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events.on('article.signed', (tx, ctx, event) => this.afterSignOff(tx, ctx, event.article.id));
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
      await this.schedules.drop(tx, ctx, article.id, actor.id, 'article unpublished');
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
      if (!signOffCoverage(signOff, revision, this.config.env.PUBLICATION_TIMEZONE).ok) return [];
      const source = await this.sources.forRevision(tx, article, revision, signOff, article.nextReviewDueAt);
      const rendered = this.rendering.renderPage(source);
      await this.pages.updateRendered(
        tx,
        articleId,
        livePageValues(source, rendered, this.rendering.fingerprint),
      );
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
}
