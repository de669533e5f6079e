import { Injectable } from '@nestjs/common';
import { EMPTY_CONTENT, hashContent, normaliseContent } from '../articles/article-content.rules.js';
import { ArticleDrafts } from '../articles/article-drafts.service.js';
import type { CreateArticleDto } from '../articles/articles.dto.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { ArticlesService } from '../articles/articles.service.js';
import { CommentsService } from '../articles/comments.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { checkParsed } from './content-checks.js';
import { isRefusal, reasonOf, validatedBody } from './import-checks.js';
import {
  refusedItem,
  reviewSummary,
  slugTakenProblem,
  totalsOf,
  type ImportItemReport,
  type ImportReport,
  type Reviewable,
} from './import-report.js';
import { ImportWriter } from './import-writer.js';
import { ImportsRepository, normaliseCredentials, type ReviewerMatch } from './imports.repository.js';
import { MalformedSourceError, type ImportProblem, type ParsedArticle } from './parsed-article.js';
import { parseSource, sourceKind } from './parsers/detect.js';

export { DEFAULT_SPECIALTY } from './import-checks.js';

export interface SourceFile {
  name: string;
  content: string;
}

export interface ImportOptions {
  dryRun: boolean;
  publish: boolean;
  /** Specialty of sources that name none. */
  defaultSpecialty?: string;
}

/**
 * Moves articles in: each source is parsed, checked, validated and sanitised exactly like an article created
 * through the API (by the articles service itself), keyed by its source URL or slug so a second import makes a
 * new revision, and its past review kept as an attested review that starts the re-review clock.
 */
@Injectable()
export class ImportsService {
  constructor(
    private readonly drafts: ArticleDrafts,
    private readonly articlesService: ArticlesService,
    private readonly articles: ArticlesRepository,
    private readonly comments: CommentsService,
    private readonly imports: ImportsRepository,
    private readonly writer: ImportWriter,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  private get timeZone(): string {
    return this.config.env.PUBLICATION_TIMEZONE;
  }

  async run(
    actor: AuthUser,
    files: SourceFile[],
    options: ImportOptions,
    onProgress?: (done: number, total: number) => void,
  ): Promise<ImportReport> {
    const startedAt = this.clock.now().toISOString();
    // The import acts on the articles it brings in with an editor's rights (imports are for admins and editors).
    const importer: AuthUser = actor.roles.includes('editor')
      ? actor
      : { ...actor, roles: [...actor.roles, 'editor'] };
    const items: ImportItemReport[] = [];
    // A site has few reviewers and many articles: each name and credentials is looked up once per run.
    const reviewers = new Map<string, Promise<ReviewerMatch | null>>();
    const findReviewer = (name: string, credentials: string) => {
      const key = `${name.toLowerCase()}\u0000${normaliseCredentials(credentials)}`;
      if (!reviewers.has(key)) reviewers.set(key, this.imports.findReviewer(name, credentials));
      return reviewers.get(key)!;
    };
    for (const [index, file] of files.entries()) {
      let parsed: ParsedArticle[];
      try {
        parsed = parseSource(file.name, file.content, this.timeZone);
      } catch (error) {
        if (!(error instanceof MalformedSourceError)) throw error;
        items.push(
          refusedItem(
            file.name,
            sourceKind(file.name, file.content),
            null,
            `Malformed ${file.name}: ${error.message}`,
          ),
        );
        onProgress?.(index + 1, files.length);
        continue;
      }
      for (const article of parsed) {
        try {
          items.push(await this.importOne(importer, article, options, findReviewer));
        } catch (error) {
          if (!isRefusal(error)) throw error;
          items.push(refusedItem(article.sourceName, article.kind, article.sourceUrl, reasonOf(error)));
        }
      }
      onProgress?.(index + 1, files.length);
    }
    return {
      dryRun: options.dryRun,
      publish: options.publish,
      startedAt,
      finishedAt: this.clock.now().toISOString(),
      totals: totalsOf(items),
      items,
    };
  }

  private async importOne(
    actor: AuthUser,
    source: ParsedArticle,
    options: ImportOptions,
    findReviewer: (name: string, credentials: string) => Promise<ReviewerMatch | null>,
  ): Promise<ImportItemReport> {
    let parsed = source;
    let dto: CreateArticleDto;
    const extra: ImportProblem[] = [];
    if (parsed.kind === 'json') {
      dto = await validatedBody(parsed, options, extra);
      const { changeNote: _note, ...fields } = dto;
      parsed = checkParsed({ ...parsed, content: normaliseContent({ ...EMPTY_CONTENT, ...fields }) });
    } else {
      parsed = checkParsed(parsed);
      dto = await validatedBody(parsed, options, extra);
    }
    const problems = [...parsed.problems, ...extra];
    const requestedSlug = dto.slug!;
    const sourceKey = parsed.sourceUrl ?? `slug:${requestedSlug}`;

    // Which article this source already became (by source URL or slug), if any.
    const knownSource = await this.imports.findSource(sourceKey);
    let existingId = knownSource?.articleId ?? null;
    let slugTakenBy: string | null = null;
    if (!existingId) {
      const bySlug = await this.articles.findBySlug(requestedSlug);
      // The same slug is the same article when the source or the earlier import has no URL to tell them apart.
      const importedAs = bySlug ? await this.imports.importedAs(bySlug.id) : null;
      if (bySlug && (importedAs === 'slug' || (importedAs === 'url' && !parsed.sourceUrl)))
        existingId = bySlug.id;
      else if (bySlug) {
        slugTakenBy = bySlug.id;
        dto.slug = undefined;
      }
    }

    const review = parsed.review;
    const reviewable: Reviewable | null =
      review && review.reviewerName && review.reviewedOn
        ? { ...review, reviewedOn: review.reviewedOn }
        : null;
    const match = review?.reviewerName ? await findReviewer(review.reviewerName, review.credentials) : null;
    if (review?.reviewerName && !match) {
      problems.push({
        code: 'unknown_reviewer',
        field: 'review.reviewer',
        message: `The reviewer "${[review.reviewerName, review.credentials].filter(Boolean).join(', ')}" matches no reviewer profile here (by name and credentials): recorded as an external reviewer with no account.`,
      });
    }

    const found = existingId ? await this.articles.findWithCurrentContent(existingId) : null;
    if (found?.article.firstPublishedAt) dto.slug = found.article.slug;
    const nextContent = normaliseContent({
      ...EMPTY_CONTENT,
      ...Object.fromEntries(
        Object.entries(dto).filter(([key, value]) => value !== undefined && key !== 'changeNote'),
      ),
      slug: dto.slug ?? found?.current.content.slug ?? requestedSlug,
    });
    const contentChanged = !found || hashContent(nextContent) !== found.current.contentHash;
    const latest = found ? await this.imports.latestAttested(found.article.id) : null;
    // A new attested review when the revision is new, or the source now attests another review of it.
    const reviewChanged =
      !!reviewable &&
      (contentChanged ||
        !latest ||
        latest.contentHash !== found?.current.contentHash ||
        latest.reviewedOn !== reviewable.reviewedOn ||
        latest.reviewerDisplayName !== (match?.displayName ?? reviewable.reviewerName));
    const action: ImportItemReport['action'] = !found
      ? 'created'
      : contentChanged || reviewChanged
        ? 'updated'
        : 'skipped';

    const report: ImportItemReport = {
      source: parsed.sourceName,
      kind: parsed.kind,
      sourceUrl: parsed.sourceUrl,
      action,
      reason: action === 'skipped' ? 'Unchanged since the last import: no new revision' : null,
      articleId: found?.article.id ?? null,
      slug: dto.slug ?? found?.article.slug ?? null,
      revision: found?.article.currentRevision ?? null,
      status: found?.article.status ?? null,
      originalAuthor: parsed.author,
      attestedReview: null,
      published: false,
      publicUrl: null,
      problems,
    };
    if (options.dryRun) {
      if (slugTakenBy) problems.push(slugTakenProblem(requestedSlug, null));
      if (reviewable) report.attestedReview = reviewSummary(null, reviewable, match, null);
      report.reason = `Dry run: would be ${action}; nothing was written`;
      return report;
    }
    if (action === 'skipped') return report;

    // The revision: created or edited by the articles service, with the API's sanitising and audit.
    const view = !found
      ? await this.drafts.create(actor, dto)
      : contentChanged
        ? await this.drafts.edit(actor, found.article.id, `"${found.article.version}"`, dto)
        : await this.articlesService.get(found.article.id);
    if (slugTakenBy) problems.push(slugTakenProblem(requestedSlug, view.slug));
    Object.assign(report, {
      articleId: view.id,
      slug: view.slug,
      revision: view.currentRevision,
      status: view.status,
    });

    const attested = await this.writer.recordSource(actor, {
      view: { articleId: view.id, revision: view.currentRevision, contentHash: view.contentHash },
      parsed,
      sourceKey,
      knownSource,
      reviewable,
      match,
      reviewChanged,
      publishAllowed: options.publish,
    });
    if (attested) {
      report.attestedReview = reviewSummary(attested.record.id, reviewable!, match, attested.nextReviewDueAt);
    }

    if (options.publish) await this.writer.publish(actor, report, nextContent, !!attested);
    for (const problem of problems) {
      const section = /^sections\[(\d+)\]/.exec(problem.field ?? '')?.[1];
      await this.comments.create(actor, view.id, {
        body: `Import of ${parsed.sourceName}: ${problem.message}`.slice(0, 10_000),
        ...(section !== undefined && Number(section) < nextContent.sections.length
          ? { sectionIndex: Number(section) }
          : {}),
      });
    }
    return report;
  }
}
