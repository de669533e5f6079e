import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { DirectoryTarget } from './directory-target.js';
import {
  type ExportOptions,
  type ExportProgress,
  type ExportSummary,
  FIRST_ID,
  prefetch,
} from './directory-export.types.js';
import { ExportFolderRemoval } from './export-folder-removal.js';
import { ExportPageWriter } from './export-page-writer.js';
import { ExportRenderBatches } from './export-render-batches.js';
import { articleUrl, longestArticleUrl, sitemapUrl } from './page-view-model.js';
import { PageRendering } from './page-rendering.service.js';
import { PublishedPagesRepository } from './published-pages.repository.js';
import {
  SITEMAP_FILE,
  SITEMAP_URL_LIMIT,
  type SitemapEntry,
  sitemapChunks,
  sitemapIndexXml,
  sitemapShardFile,
  sitemapUrlsPerFile,
} from './sitemap.js';

export type { ExportOptions, ExportProgress, ExportSummary } from './directory-export.types.js';

/**
 * Sitemap entries read per round trip. Not more: with a table's statistics out of date (no ANALYZE since the
 * pages went live) PostgreSQL under-estimates the live pages, and at 5,000 a batch it sorted the whole table for
 * each batch instead of walking the primary key (seen with autovacuum off: 11 reads took about 1 s).
 */
const SITEMAP_BATCH = 1000;

/** Exports (a CLI run, a worker's sync, an admin's request) never interleave: each holds this advisory lock. */
const EXPORT_LOCK = 727_301_101;

/**
 * The export run to the directory target (PUBLISH_DIR/<slug>/index.html, assets/ and sitemap.xml): takes the
 * export lock, runs the phases (render, write, remove, assets and sitemap) and records the summary.
 */
@Injectable()
export class DirectoryExportService {
  private readonly logger = new Logger('DirectoryExport');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pages: PublishedPagesRepository,
    private readonly rendering: PageRendering,
    private readonly renderBatches: ExportRenderBatches,
    private readonly writer: ExportPageWriter,
    private readonly removal: ExportFolderRemoval,
    private readonly audit: AuditService,
  ) {}

  /** URLs per sitemap file (sitemaps.org's 50,000; a property so that tests can shard a handful of pages). */
  sitemapUrlLimit = SITEMAP_URL_LIMIT;

  get target(): DirectoryTarget {
    return this.writer.target;
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
      // Counted here for a full export's progress; an incremental one counts them at the end (below).
      livePages: full ? await this.pages.countLive() : 0,
      rendered: 0,
      changed: 0,
      written: 0,
      unchanged: 0,
      removed: 0,
      failed: [],
      assetsWritten: 0,
      sitemapWritten: false,
      leftoversRemoved: await this.target.removeLeftovers(),
      durationMs: 0,
    };
    if (!full) await this.pages.markRenderedWithOther(this.rendering.fingerprint);
    const total = full ? summary.livePages : await this.pages.countToExport();
    let handled = 0;
    const progress = (phase: ExportProgress['phase'], pages = 1) => {
      handled += pages;
      options.onProgress?.({ phase, done: handled, total: Math.max(total, handled) });
    };
    const changedArticles: string[] = [];

    // 1. Render the pages that need it (all of them in a full export), writing each one that changed. Recording
    // what the directory now holds overlaps with the next batch, and is awaited before the next record.
    let recording: Promise<void> = Promise.resolve();
    for await (const sources of this.renderBatches.liveBatches(!full)) {
      const { stored, marks } = await this.renderBatches.renderBatch(sources, options, summary, () =>
        progress('render'),
      );
      changedArticles.push(...stored);
      await recording;
      recording = prefetch(this.pages.markExported(marks));
    }
    await recording;

    // 2. Write the pages whose stored HTML the directory does not hold yet (published or re-rendered since).
    if (!full) await this.writer.writePending(summary, progress);

    // 3. Remove what came down.
    await this.removal.removeTakenDown(summary, progress);

    // 4. Shared assets and the sitemap. An incremental export takes the number of live pages from the sitemap
    // it writes (one pass over them), or counts them when the sitemap stays as it is.
    const anyLive = full ? summary.livePages > 0 : await this.pages.anyLive();
    summary.assetsWritten = anyLive ? await this.target.writeAssets(this.rendering.renderer.assets) : 0;
    const touched = summary.written + summary.removed > 0;
    if (full || touched || (anyLive && !(await this.target.exists(SITEMAP_FILE)))) {
      progress('sitemap', 0);
      const urls = await this.writeSitemap(full);
      if (!full) summary.livePages = urls;
      summary.sitemapWritten = true;
    } else if (!full) {
      summary.livePages = await this.pages.countLive();
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
   * sitemap.xml: every live page in id order when they fit in one file (up to `sitemapUrlLimit`); past that, a
   * sitemap index of `sitemap-1.xml`, `sitemap-2.xml`, … of `sitemapUrlLimit` pages each in that order (so a
   * changed page changes one shard), each shard written before the index names it. Shards above the current
   * count (the site shrank) are removed after the index stops naming them. Returns how many pages it lists.
   */
  private async writeSitemap(full: boolean): Promise<number> {
    const site = this.rendering.site;
    const perFile = sitemapUrlsPerFile(this.sitemapUrlLimit, longestArticleUrl(site));
    const shards: SitemapEntry[] = [];
    let afterId = FIRST_ID;
    let total = 0;
    let more = true;
    while (more) {
      let urls = 0;
      // ISO strings in one format: the latest is the greatest.
      let lastmod = new Date(0).toISOString();
      const pages = this.pages;
      const entries = async function* (): AsyncGenerator<SitemapEntry[]> {
        while (urls < perFile) {
          const rows = await pages.sitemapBatch(afterId, Math.min(SITEMAP_BATCH, perFile - urls));
          if (!rows.length) break;
          afterId = rows[rows.length - 1].articleId;
          urls += rows.length;
          total += rows.length;
          for (const row of rows) if (row.lastmod > lastmod) lastmod = row.lastmod;
          yield rows.map((row) => ({ loc: articleUrl(site, row.slug), lastmod: row.lastmod }));
        }
        // A full file: is there a next one?
        more = urls === perFile && (await pages.sitemapBatch(afterId, 1)).length > 0;
      };
      const shard = shards.length + 1;
      await this.target.writeStreamed(
        () => (shard === 1 && !more ? SITEMAP_FILE : sitemapShardFile(shard)),
        sitemapChunks(entries()),
      );
      if (shard > 1 || more) shards.push({ loc: sitemapUrl(site, sitemapShardFile(shard)), lastmod });
    }
    if (shards.length) {
      await this.target.writeRootFile(SITEMAP_FILE, sitemapIndexXml(shards));
    }
    await this.target.removeSitemapShardsAbove(shards.length, full);
    return total;
  }
}
