import { Injectable } from '@nestjs/common';
import { UnsafeSlugError } from './directory-target.js';
import { EXPORT_BATCH_SIZE, type ExportStep, type ExportSummary } from './directory-export.types.js';
import { ExportPageWriter } from './export-page-writer.js';
import { PublishedPagesRepository } from './published-pages.repository.js';

/** Removes from the export directory the folders of pages that came down, and records them as gone. */
@Injectable()
export class ExportFolderRemoval {
  constructor(
    private readonly pages: PublishedPagesRepository,
    private readonly writer: ExportPageWriter,
  ) {}

  async removeTakenDown(summary: ExportSummary, step: ExportStep): Promise<void> {
    for (;;) {
      const gone = await this.pages.foldersToRemove(EXPORT_BATCH_SIZE);
      if (!gone.length) break;
      for (const page of gone) {
        try {
          await this.writer.target.removePage(page.exportedSlug);
        } catch (error) {
          if (!(error instanceof UnsafeSlugError)) throw error;
        }
        summary.removed += 1;
      }
      await this.pages.markExported(
        gone.map((page) => ({ articleId: page.articleId, checksum: null, slug: null })),
      );
      step('remove', 0);
    }
  }
}
