import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { DirectoryTarget, UnsafeSlugError } from './directory-target.js';
import {
  EXPORT_BATCH_SIZE,
  type ExportStep,
  type ExportSummary,
  FIRST_ID,
} from './directory-export.types.js';
import { type ExportedMark, PublishedPagesRepository } from './published-pages.repository.js';

/** Writes pages into the export directory (PUBLISH_DIR/<slug>/index.html) and says what it wrote. */
@Injectable()
export class ExportPageWriter {
  readonly target: DirectoryTarget;

  constructor(
    private readonly pages: PublishedPagesRepository,
    config: AppConfig,
  ) {
    this.target = new DirectoryTarget(config.env.PUBLISH_DIR);
  }

  /**
   * Writes one page (removing its folder under the slug it was exported as, if that changed). An unsafe slug is
   * counted as failed in the summary, not thrown; the mark to record is null then.
   */
  async write(
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

  /** Writes the pages whose stored HTML the directory does not hold yet (published or re-rendered since). */
  async writePending(summary: ExportSummary, step: ExportStep): Promise<void> {
    let afterId = FIRST_ID;
    for (;;) {
      const toWrite = await this.pages.pagesToWrite(afterId, EXPORT_BATCH_SIZE);
      if (!toWrite.length) break;
      afterId = toWrite[toWrite.length - 1].articleId;
      const marks = await Promise.all(
        toWrite.map(async (page) => {
          const mark = await this.write(
            page.slug,
            page.exportedSlug,
            page.html,
            page.htmlChecksum,
            page.articleId,
            summary,
          );
          step('write');
          return mark;
        }),
      );
      await this.pages.markExported(marks.filter((mark): mark is ExportedMark => mark !== null));
    }
  }
}
