import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction } from '../core/database/transaction.js';
import { DirectoryTarget, UnsafeSlugError } from './directory-target.js';
import { articleUrl } from './page-view-model.js';
import { PageRendering } from './page-rendering.service.js';
import { type LivePageSource, PageSources } from './page-sources.js';
import { PublicationRecorder } from './publication-recorder.js';
import { PublishedPage } from './published-page.entity.js';
import { type ExportedMark, PublishedPagesRepository, livePageValues } from './published-pages.repository.js';
import type { ExportMode, ExportTrigger } from './publishing.queue.js';
import { type SitemapEntry, sitemapChunks } from './sitemap.js';

/** Exports (a CLI run, a worker's sync, an admin's request) never interleave: each holds this advisory lock. */
const EXPORT_LOCK = 727_301_101;
const BATCH_SIZE = 250;
/** Batches fetched ahead of the one being rendered. */
const LOOKAHEAD = 2;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';

export interface ExportOptions {
  /**
   * incremental: decide from the database alone: render only pages whose inputs changed, write only pages whose
   * stored checksum differs from the exported one, remove pages that came down.
   * full: render every live page again (a new template set, a wiped or edited directory) and write each one
   * that differs from what the directory holds.
   */
  mode: ExportMode;
  /** With full: write every page even when the directory already holds it. */
  force?: boolean;
  trigger: ExportTrigger;
  actorId?: string | null;
  onProgress?: (progress: ExportProgress) => void;
}

export interface ExportProgress {
  phase: 'render' | 'write' | 'remove' | 'sitemap' | 'done';
  done: number;
  total: number;
}

export interface ExportSummary {
  mode: ExportMode;
  directory: string;
  livePages: number;
  /** Pages rendered from their revision in this run. */
  rendered: number;
  /** Rendered pages whose HTML changed (recorded as re-render publications). */
  changed: number;
  /** Pages written to the directory. */
  written: number;
  /** Live pages left as they were because the directory already holds them. */
  unchanged: number;
  removed: number;
  failed: { slug: string; reason: string }[];
  assetsWritten: number;
  sitemapWritten: boolean;
  leftoversRemoved: number;
  durationMs: number;
}

/** Keeps a promise that is awaited later from counting as unhandled if the current step throws first. */
function prefetch<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** The directory export target: PUBLISH_DIR/<slug>/index.html, assets/ and sitemap.xml. */
@Injectable()
export class DirectoryExportService {
  private readonly logger = new Logger('DirectoryExport');
  readonly target: DirectoryTarget;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pages: PublishedPagesRepository,
    private readonly sources: PageSources,
    private readonly rendering: PageRendering,
    private readonly recorder: PublicationRecorder,
    private readonly audit: AuditService,
    config: AppConfig,
  ) {
    this.target = new DirectoryTarget(config.env.PUBLISH_DIR);
  }

  async run(options: ExportOptions): Promise<ExportSummary> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [EXPORT_LOCK]);
      try {
        return await this.export(options);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [EXPORT_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  private async export(options: ExportOptions): Promise<ExportSummary> {
    const started = performance.now();
    const full = options.mode === 'full';
    const summary: ExportSummary = {
      mode: options.mode,
      directory: this.target.root,
      livePages: await this.pages.countLive(),
      rendered: 0,
      changed: 0,
      written: 0,
      unchanged: 0,
      removed: 0,
      failed: [],
      assetsWritten: 0,
      sitemapWritten: false,
      leftoversRemoved: full ? await this.target.removeLeftovers() : 0,
      durationMs: 0,
    };
    const total = full ? summary.livePages : await this.pages.countToExport(this.rendering.fingerprint);
    let handled = 0;
    const progress = (phase: ExportProgress['phase'], pages = 1) => {
      handled += pages;
      options.onProgress?.({ phase, done: handled, total: Math.max(total, handled) });
    };
    const changedArticles: string[] = [];

    // 1. Render the pages that need it (all of them in a full export), writing each one that changed. Recording
    // what the directory now holds overlaps with the next batch, and is awaited before the next record.
    let recording: Promise<void> = Promise.resolve();
    for await (const sources of this.liveBatches(full ? undefined : this.rendering.fingerprint)) {
      const { stored, marks } = await this.renderBatch(sources, options, summary, () => progress('render'));
      changedArticles.push(...stored);
      await recording;
      recording = prefetch(this.pages.markExported(marks));
    }
    await recording;

    // 2. Write the pages whose stored HTML the directory does not hold yet (published or re-rendered since).
    if (!full) {
      let afterId = FIRST_ID;
      for (;;) {
        const toWrite = await this.pages.pagesToWrite(afterId, BATCH_SIZE);
        if (!toWrite.length) break;
        afterId = toWrite[toWrite.length - 1].articleId;
        const marks = await Promise.all(
          toWrite.map(async (page) => {
            const mark = await this.writePage(
              page.slug,
              page.exportedSlug,
              page.html,
              page.htmlChecksum,
              page.articleId,
              summary,
            );
            progress('write');
            return mark;
          }),
        );
        await this.pages.markExported(marks.filter((mark): mark is ExportedMark => mark !== null));
      }
    }

    // 3. Remove what came down.
    for (;;) {
      const gone = await this.pages.foldersToRemove(BATCH_SIZE);
      if (!gone.length) break;
      for (const page of gone) {
        try {
          await this.target.removePage(page.exportedSlug);
        } catch (error) {
          if (!(error instanceof UnsafeSlugError)) throw error;
        }
        summary.removed += 1;
      }
      await this.pages.markExported(
        gone.map((page) => ({ articleId: page.articleId, checksum: null, slug: null })),
      );
      progress('remove', 0);
    }

    // 4. Shared assets and the sitemap.
    summary.assetsWritten = summary.livePages
      ? await this.target.writeAssets(this.rendering.renderer.assets)
      : 0;
    const touched = summary.written + summary.removed > 0;
    if (full || touched || (summary.livePages > 0 && !(await this.target.exists('sitemap.xml')))) {
      progress('sitemap', 0);
      await this.target.writeStreamed('sitemap.xml', sitemapChunks(this.sitemapEntries()));
      summary.sitemapWritten = true;
    }

    summary.unchanged = Math.max(0, summary.livePages - summary.written - summary.failed.length);
    summary.durationMs = Math.round(performance.now() - started);
    progress('done', 0);
    if (options.trigger !== 'publish' || summary.changed > 0) {
      await this.audit.record(this.dataSource.manager, {
        actorId: options.actorId ?? null,
        action: 'publishing.exported',
        entityType: 'export',
        entityId: options.trigger,
        after: {
          ...summary,
          changedArticles: changedArticles.length <= 100 ? changedArticles : changedArticles.length,
        },
      });
    }
    if (summary.failed.length) {
      this.logger.warn(`export skipped ${summary.failed.length} page(s): ${JSON.stringify(summary.failed)}`);
    }
    return summary;
  }

  /**
   * Batches of live pages in id order, each fetched while earlier ones are being rendered (up to LOOKAHEAD
   * batches ahead), so PostgreSQL keeps working while this process renders. Memory stays bounded by the
   * lookahead, whatever the number of pages.
   */
  private async *liveBatches(outdatedFor: string | undefined): AsyncGenerator<LivePageSource[]> {
    const inFlight: Promise<LivePageSource[]>[] = [];
    let afterId: string | null = FIRST_ID;
    const fetchAhead = async (): Promise<void> => {
      while (afterId !== null && inFlight.length < LOOKAHEAD) {
        const ids = await this.pages.liveIdsAfter({ afterId, limit: BATCH_SIZE, outdatedFor });
        afterId = ids.length === BATCH_SIZE ? ids[ids.length - 1] : null;
        if (ids.length) inFlight.push(prefetch(this.sources.forLivePages(ids)));
      }
    };
    await fetchAhead();
    while (inFlight.length) {
      const batch = await inFlight.shift()!;
      await fetchAhead();
      yield batch;
    }
  }

  /** Renders a batch, stores changed pages (a re-render publication each), and writes what the directory lacks. */
  private async renderBatch(
    sources: LivePageSource[],
    options: ExportOptions,
    summary: ExportSummary,
    pageDone: () => void,
  ): Promise<{ stored: string[]; marks: ExportedMark[] }> {
    const fingerprint = this.rendering.fingerprint;
    const full = options.mode === 'full';
    const changed: { source: LivePageSource; html: string; checksum: string }[] = [];
    const refreshed: LivePageSource[] = [];
    const marks = await Promise.all(
      sources.map(async (source) => {
        const { html, bytes, checksum } = await this.rendering.renderPageBytes(source);
        summary.rendered += 1;
        if (checksum !== source.htmlChecksum) changed.push({ source, html, checksum });
        else if (
          source.stored.stale ||
          source.stored.renderFingerprint !== fingerprint ||
          source.stored.nextReviewDueAt?.getTime() !== source.nextReviewDueAt?.getTime()
        ) {
          refreshed.push(source);
        }
        const differs =
          options.force ||
          checksum !== source.exportedChecksum ||
          source.slug !== source.exportedSlug ||
          (full && !(await this.target.pageLooksWritten(source.slug, bytes)));
        const mark = differs
          ? await this.writePage(source.slug, source.exportedSlug, bytes, checksum, source.articleId, summary)
          : null;
        pageDone();
        return mark;
      }),
    );

    const stored =
      changed.length || refreshed.length ? await this.storeRendered(changed, refreshed, options) : [];
    summary.changed += stored.length;
    // The caller records these only now, after the new HTML is stored: a crash in between leaves the pages
    // to be written again, never marked as written with HTML the database does not hold.
    return { stored, marks: marks.filter((mark): mark is ExportedMark => mark !== null) };
  }

  /**
   * Stores re-rendered pages (a 're-render' publication each) and clears the flags of pages found unchanged.
   * A page published, re-rendered or marked stale since this batch was read is left alone: the newer state wins,
   * and the sync that change queued (waiting for this export's lock) writes it. Returns the articles stored.
   */
  private async storeRendered(
    changed: { source: LivePageSource; html: string; checksum: string }[],
    refreshed: LivePageSource[],
    options: ExportOptions,
  ): Promise<string[]> {
    const fingerprint = this.rendering.fingerprint;
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const stored: typeof changed = [];
      for (const page of changed) {
        const { source } = page;
        const result = await tx
          .getRepository(PublishedPage)
          .createQueryBuilder()
          .update()
          .set(livePageValues(source, page, fingerprint))
          .where(
            'article_id = :articleId AND live AND revision_number = :revision AND stale = :stale ' +
              'AND html_checksum IS NOT DISTINCT FROM :checksum',
            {
              articleId: source.articleId,
              revision: source.revisionNumber,
              stale: source.stored.stale,
              checksum: source.htmlChecksum,
            },
          )
          .execute();
        if (result.affected) stored.push(page);
      }
      if (refreshed.length) {
        await tx.query(
          `UPDATE published_pages p SET stale = false, render_fingerprint = $5, next_review_due_at = m.due
             FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::boolean[]) AS m(article_id, due, checksum, stale)
            WHERE p.article_id = m.article_id AND p.stale = m.stale AND p.html_checksum IS NOT DISTINCT FROM m.checksum`,
          [
            refreshed.map((source) => source.articleId),
            refreshed.map((source) => source.nextReviewDueAt),
            refreshed.map((source) => source.htmlChecksum),
            refreshed.map((source) => source.stored.stale),
            fingerprint,
          ],
        );
      }
      await this.recorder.record(
        tx,
        ctx,
        stored.map(({ source, checksum }) => ({
          articleId: source.articleId,
          action: 'rerender' as const,
          revisionNumber: source.revisionNumber,
          signOffId: source.signer!.signOffId,
          htmlChecksum: checksum,
          actorId: options.actorId ?? null,
        })),
        { syncDirectory: false },
      );
      return stored.map(({ source }) => source.articleId);
    });
  }

  private async writePage(
    slug: string,
    exportedSlug: string | null,
    html: string | Buffer,
    checksum: string,
    articleId: string,
    summary: ExportSummary,
  ): Promise<ExportedMark | null> {
    try {
      if (exportedSlug && exportedSlug !== slug) await this.target.removePage(exportedSlug);
      await this.target.writePage(slug, html);
    } catch (error) {
      if (!(error instanceof UnsafeSlugError)) throw error;
      summary.failed.push({ slug, reason: error.message });
      return null;
    }
    summary.written += 1;
    return { articleId, checksum, slug };
  }

  private async *sitemapEntries(): AsyncGenerator<SitemapEntry[]> {
    const site = this.rendering.site;
    let afterId = FIRST_ID;
    for (;;) {
      const rows = await this.pages.sitemapBatch(afterId, 1000);
      if (!rows.length) return;
      afterId = rows[rows.length - 1].articleId;
      yield rows.map((row) => ({ loc: articleUrl(site, row.slug), lastmod: row.modifiedAt }));
    }
  }
}
