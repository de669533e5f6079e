import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { inTransaction } from '../core/database/transaction.js';
import { PageRendering } from './page-rendering.service.js';
import type { LivePageSource } from './page-sources.js';
import { PublicationRecorder } from './publication-recorder.js';
import { PublishedPage } from './published-page.entity.js';
import { livePageValues } from './published-pages.repository.js';

/** A live page the export rendered to different HTML than the stored one. */
export interface RerenderedPage {
  source: LivePageSource;
  html: string;
  checksum: string;
}

/** Stores what an export's render found: changed pages (a re-render publication each) and refreshed flags. */
@Injectable()
export class RerenderedPagesStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rendering: PageRendering,
    private readonly recorder: PublicationRecorder,
  ) {}

  /**
   * Stores re-rendered pages (a 're-render' publication each) and clears the flags of pages found unchanged.
   * A page published, re-rendered or marked stale since this batch was read is left alone: the newer state wins,
   * and the sync that change queued (waiting for this export's lock) writes it. Returns the articles stored.
   */
  async store(
    changed: RerenderedPage[],
    refreshed: LivePageSource[],
    actorId: string | null,
  ): Promise<string[]> {
    const fingerprint = this.rendering.fingerprint;
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const stored: RerenderedPage[] = [];
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
          actorId,
        })),
        { syncDirectory: false },
      );
      return stored.map(({ source }) => source.articleId);
    });
  }
}
