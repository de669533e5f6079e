import { Injectable } from '@nestjs/common';
import {
  EXPORT_BATCH_SIZE,
  type ExportOptions,
  type ExportSummary,
  FIRST_ID,
  PAGES_IN_FLIGHT,
  prefetch,
} from './directory-export.types.js';
import { ExportPageWriter } from './export-page-writer.js';
import { PageRendering } from './page-rendering.service.js';
import { type LivePageSource, PageSources } from './page-sources.js';
import { type ExportedMark, PublishedPagesRepository } from './published-pages.repository.js';
import { type RerenderedPage, RerenderedPagesStore } from './rerendered-pages.store.js';

/** Batches fetched ahead of the one being rendered. */
const LOOKAHEAD = 2;

/** The export's render phase: live pages in batches, each rendered, stored when changed, written when new. */
@Injectable()
export class ExportRenderBatches {
  constructor(
    private readonly pages: PublishedPagesRepository,
    private readonly sources: PageSources,
    private readonly rendering: PageRendering,
    private readonly writer: ExportPageWriter,
    private readonly store: RerenderedPagesStore,
  ) {}

  /**
   * Batches of live pages in id order, each fetched while earlier ones are being rendered (up to LOOKAHEAD
   * batches ahead), so PostgreSQL keeps working while this process renders. Memory stays bounded by the
   * lookahead, whatever the number of pages. `staleOnly`: only the stale pages (an incremental export, once the
   * pages rendered with another fingerprint are marked stale).
   */
  async *liveBatches(staleOnly: boolean): AsyncGenerator<LivePageSource[]> {
    const inFlight: Promise<LivePageSource[]>[] = [];
    let afterId: string | null = FIRST_ID;
    const fetchAhead = async (): Promise<void> => {
      while (afterId !== null && inFlight.length < LOOKAHEAD) {
        const ids = await this.pages.liveIdsAfter({ afterId, limit: EXPORT_BATCH_SIZE, staleOnly });
        afterId = ids.length === EXPORT_BATCH_SIZE ? ids[ids.length - 1] : null;
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
  async renderBatch(
    sources: LivePageSource[],
    options: ExportOptions,
    summary: ExportSummary,
    pageDone: () => void,
  ): Promise<{ stored: string[]; marks: ExportedMark[] }> {
    const fingerprint = this.rendering.fingerprint;
    const full = options.mode === 'full';
    const changed: RerenderedPage[] = [];
    const refreshed: LivePageSource[] = [];
    // A few pages in flight at a time (rendered, hashed, written): memory holds those pages, never the batch's.
    const marks: ExportedMark[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < sources.length) {
        const source = sources[next++];
        const { html, bytes, checksum } = this.rendering.renderPageBytes(source);
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
          (full && !(await this.writer.target.pageLooksWritten(source.slug, bytes)));
        const mark = differs
          ? await this.writer.write(
              source.slug,
              source.exportedSlug,
              bytes,
              checksum,
              source.articleId,
              summary,
            )
          : null;
        if (mark) marks.push(mark);
        pageDone();
      }
    };
    await Promise.all(Array.from({ length: Math.min(PAGES_IN_FLIGHT, sources.length) }, worker));

    const stored =
      changed.length || refreshed.length
        ? await this.store.store(changed, refreshed, options.actorId ?? null)
        : [];
    summary.changed += stored.length;
    // The caller records these only now, after the new HTML is stored: a crash in between leaves the pages
    // to be written again, never marked as written with HTML the database does not hold.
    return { stored, marks };
  }
}
