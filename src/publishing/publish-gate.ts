import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Article } from '../articles/article.entity.js';
import {
  ArticleWorkflow,
  canHappen,
  illegalTransition,
  WorkflowEvent,
} from '../articles/article-workflow.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import type { Revision } from '../articles/revision.entity.js';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../core/config/app-config.js';
import type { TransactionContext } from '../core/database/transaction.js';
import { attestedReviewCovering } from '../imports/review-records.js';
import { bylineText } from '../sign-offs/byline.js';
import { type CoverageProblem, signOffCoverage } from '../sign-offs/sign-off-rules.js';
import type { SignOff } from '../sign-offs/sign-off.entity.js';
import { SignOffsRepository } from '../sign-offs/sign-offs.repository.js';
import { articleUrl } from './page-view-model.js';
import { PageRendering, type RenderedPage } from './page-rendering.service.js';
import { PageSources, type PublishInputs } from './page-sources.js';
import { PublicationRecorder } from './publication-recorder.js';
import type { Publication } from './publication.entity.js';
import { PublishedPagesRepository, livePageValues } from './published-pages.repository.js';
import { PublishingError, PublishingErrorCode } from './publishing.exception.js';

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

export type GateResult =
  | { ok: true; revision: Revision; signOff: SignOff; inputs: PublishInputs }
  | { ok: false; message: string; problem: CoverageProblem | 'not_publishable' | 'slug_taken' };

export type GateOpen = Extract<GateResult, { ok: true }>;

export function publicationList(rows: Publication[]): PublicationView['publications'] {
  return rows.map((row) => ({ id: row.id, target: row.target, action: row.action }));
}

/** The gate's refusal as the module's error: 409, with the problem the sign-off rule names. */
export function notPublishable(gate: Extract<GateResult, { ok: false }>): PublishingError {
  return new PublishingError(PublishingErrorCode.NotPublishable, 'conflict', gate.message, [
    { problem: gate.problem },
  ]);
}

/**
 * The publishing gate: the current revision goes live only under a valid sign-off of exactly that revision (or,
 * for an imported article, its attested review), from a state that may publish, at a slug no other live page
 * holds. `goLive` is the one way a page becomes live, from "publish now" and from a scheduled publish.
 */
@Injectable()
export class PublishGate {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly workflow: ArticleWorkflow,
    private readonly signOffs: SignOffsRepository,
    private readonly pages: PublishedPagesRepository,
    private readonly sources: PageSources,
    private readonly rendering: PageRendering,
    private readonly recorder: PublicationRecorder,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  private get timeZone(): string {
    return this.config.env.PUBLICATION_TIMEZONE;
  }

  /**
   * Whether the current revision may go live, and if not, why (the sign-off rule says what is missing). Reads
   * everything it and `goLive` need in one statement (`PageSources.publishInputs`).
   */
  async check(tx: EntityManager, article: Article): Promise<GateResult> {
    const inputs = await this.sources.publishInputs(tx, article);
    const { revision, latestSignOff: signOff } = inputs;
    if (!revision) {
      return {
        ok: false,
        problem: 'not_publishable',
        message: `Revision ${article.currentRevision} does not exist`,
      };
    }
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
    if (inputs.slugTaken) {
      return {
        ok: false,
        problem: 'slug_taken',
        message: `Another article is live at ${articleUrl(this.rendering.site, revision.content.slug)}; give this one another slug`,
      };
    }
    return { ok: true, revision, signOff: attested ?? signOff!, inputs };
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
      const gate = await this.check(manager, article);
      result.set(
        id,
        gate.ok
          ? { ok: true, revision: gate.revision.number, byline: bylineText(gate.signOff, this.timeZone) }
          : { ok: false, message: gate.message },
      );
    }
    return result;
  }

  /** Renders and records the live page, moves the article to published, audits; targets sync after commit. */
  async goLive(
    tx: EntityManager,
    ctx: TransactionContext,
    article: Article,
    gate: GateOpen,
    actorId: string,
  ): Promise<PublicationView> {
    const { revision, signOff, inputs } = gate;
    const before = { status: article.status, publishedRevision: article.publishedRevision };
    const previous = inputs.previousPage;
    let rows: Publication[] = [];
    let rendered: RenderedPage | undefined;
    let values: ReturnType<typeof livePageValues> | undefined;
    let publicUrl = '';
    // One statement: the article's transition, the live page (and the pages linking to it marked stale), the
    // Publication rows and the audit event, which is written once per row the article's UPDATE changed. The
    // page is rendered from the article as the transition leaves it (its first publication date).
    await this.workflow.applyWith(
      tx,
      ctx,
      article,
      WorkflowEvent.Publish,
      { revision: revision.number },
      actorId,
      (first) => {
        const source = this.sources.sourceForPublish(article, revision, signOff, inputs);
        rendered = this.rendering.renderPage(source);
        values = livePageValues(source, rendered, this.rendering.fingerprint);
        publicUrl = articleUrl(this.rendering.site, values.slug);
        // Pages linking to this one show its title and liveness; to its old slug too when the slug changed.
        const linked =
          previous?.live && previous.slug !== values.slug ? [values.slug, previous.slug] : [values.slug];
        const page = this.pages.putLiveSql(article.id, values, linked, first);
        const publications = this.recorder.prepare(
          {
            articleId: article.id,
            action: 'publish',
            revisionNumber: revision.number,
            signOffId: signOff.id,
            htmlChecksum: rendered.checksum,
            actorId,
          },
          first + page.parameters.length,
        );
        rows = publications.rows;
        const audit = this.audit.appendPerRowSql(
          'audit_write',
          'article_write',
          {
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
          },
          first + page.parameters.length + publications.parameters.length,
        );
        return {
          ctes: [...page.ctes, publications.cte, audit.sql],
          query: 'SELECT 1',
          parameters: [...page.parameters, ...publications.parameters, ...audit.parameters],
        };
      },
    );
    if (!rendered || !values) throw new Error('the publish statement ran without its page');
    await this.recorder.recorded(tx, ctx, rows, { syncDirectory: true });
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
}
