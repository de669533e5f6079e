import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
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
import { ImportWriter, problemComment, problemSection, type NewSource } from './import-writer.js';
import { ImportsRepository, normaliseCredentials, type ReviewerMatch } from './imports.repository.js';
import { MalformedSourceError, type ImportProblem, type ParsedArticle } from './parsed-article.js';
import { parseSource, sourceKind } from './parsers/detect.js';

export { DEFAULT_SPECIALTY } from './import-checks.js';

/** Files parsed and checked before their chunk's new sources are written. */
const CHUNK_FILES = 200;
/** New sources written in one transaction. */
const BATCH_SOURCES = 100;

/** A source parsed, checked and validated like a request body: what is written for it is still to decide. */
interface PreparedSource {
  parsed: ParsedArticle;
  dto: CreateArticleDto;
  problems: ImportProblem[];
  requestedSlug: string;
  sourceKey: string;
}

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
    // A site has few reviewers and many articles: each name and credentials is looked up once per run.
    const reviewers = new Map<string, Promise<ReviewerMatch | null>>();
    const findReviewer = (name: string, credentials: string) => {
      const key = `${name.toLowerCase()}\u0000${normaliseCredentials(credentials)}`;
      if (!reviewers.has(key)) reviewers.set(key, this.imports.findReviewer(name, credentials));
      return reviewers.get(key)!;
    };
    const reports: (ImportItemReport | null)[] = [];
    // Parsing and checking the next chunk (CPU) overlaps the writing of the one before (mostly waiting on
    // PostgreSQL); a chunk is looked up and written only once the one before it has been written.
    let writing: Promise<void> = Promise.resolve();
    try {
      for (let start = 0; start < files.length; start += CHUNK_FILES) {
        const chunk = files.slice(start, start + CHUNK_FILES);
        const prepared = await this.prepareChunk(chunk, options, reports);
        await writing;
        writing = this.importChunk(importer, prepared, options, findReviewer, reports).then(() =>
          onProgress?.(start + chunk.length, files.length),
        );
      }
      await writing;
    } catch (error) {
      await writing.catch(() => undefined);
      throw error;
    }
    const items = reports.filter((item): item is ImportItemReport => item !== null);
    return {
      dryRun: options.dryRun,
      publish: options.publish,
      startedAt,
      finishedAt: this.clock.now().toISOString(),
      totals: totalsOf(items),
      items,
    };
  }

  /** Parses and checks a chunk of files: a malformed file or a refused source gets its report at once. */
  private async prepareChunk(
    files: SourceFile[],
    options: ImportOptions,
    reports: (ImportItemReport | null)[],
  ): Promise<{ slot: number; source: PreparedSource }[]> {
    const prepared: { slot: number; source: PreparedSource }[] = [];
    for (const file of files) {
      let parsed: ParsedArticle[];
      try {
        parsed = parseSource(file.name, file.content, this.timeZone);
      } catch (error) {
        if (!(error instanceof MalformedSourceError)) throw error;
        reports.push(
          refusedItem(
            file.name,
            sourceKind(file.name, file.content),
            null,
            `Malformed ${file.name}: ${error.message}`,
          ),
        );
        continue;
      }
      for (const article of parsed) {
        const slot = reports.push(null) - 1;
        try {
          prepared.push({ slot, source: await this.prepare(article, options) });
        } catch (error) {
          if (!isRefusal(error)) throw error;
          reports[slot] = refusedItem(article.sourceName, article.kind, article.sourceUrl, reasonOf(error));
        }
      }
      // Let the previous chunk's writes go on between files.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return prepared;
  }

  /** A source checked and validated like a request body (CPU only): a refusal throws. */
  private async prepare(source: ParsedArticle, options: ImportOptions): Promise<PreparedSource> {
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
    const requestedSlug = dto.slug!;
    return {
      parsed,
      dto,
      problems: [...parsed.problems, ...extra],
      requestedSlug,
      sourceKey: parsed.sourceUrl ?? `slug:${requestedSlug}`,
    };
  }

  /**
   * One chunk of sources. Those that are new (their source key and slug unknown here, and each once in the
   * chunk) are written together, BATCH_SOURCES to a transaction; the rest (updates, a slug taken by another
   * article, a second copy of a source in the chunk, a dry run) go one by one afterwards, so each sees what the
   * batch wrote.
   */
  private async importChunk(
    actor: AuthUser,
    prepared: { slot: number; source: PreparedSource }[],
    options: ImportOptions,
    findReviewer: (name: string, credentials: string) => Promise<ReviewerMatch | null>,
    reports: (ImportItemReport | null)[],
  ): Promise<void> {
    const fresh: typeof prepared = [];
    const oneByOne: typeof prepared = [];
    if (options.dryRun) oneByOne.push(...prepared);
    else {
      const [known, bySlug] = await Promise.all([
        this.imports.findSources(prepared.map(({ source }) => source.sourceKey)),
        this.articles.findBySlugs(prepared.map(({ source }) => source.requestedSlug)),
      ]);
      const keys = new Set<string>();
      const slugs = new Set<string>();
      for (const entry of prepared) {
        const { sourceKey, requestedSlug } = entry.source;
        const isNew =
          !known.has(sourceKey) &&
          !bySlug.has(requestedSlug) &&
          !keys.has(sourceKey) &&
          !slugs.has(requestedSlug);
        keys.add(sourceKey);
        slugs.add(requestedSlug);
        (isNew ? fresh : oneByOne).push(entry);
      }
    }
    for (let start = 0; start < fresh.length; start += BATCH_SOURCES) {
      await this.createBatch(
        actor,
        fresh.slice(start, start + BATCH_SOURCES),
        options,
        findReviewer,
        reports,
      );
    }
    for (const { slot, source } of oneByOne) {
      try {
        reports[slot] = await this.importOne(actor, source, options, findReviewer);
      } catch (error) {
        if (!isRefusal(error)) throw error;
        reports[slot] = refusedItem(
          source.parsed.sourceName,
          source.parsed.kind,
          source.parsed.sourceUrl,
          reasonOf(error),
        );
      }
    }
  }

  /**
   * New sources in one transaction. When it fails, each source is retried alone in its own transaction, so the
   * one the database refuses is refused by name and writes nothing, and the others are created.
   */
  private async createBatch(
    actor: AuthUser,
    entries: { slot: number; source: PreparedSource }[],
    options: ImportOptions,
    findReviewer: (name: string, credentials: string) => Promise<ReviewerMatch | null>,
    reports: (ImportItemReport | null)[],
  ): Promise<void> {
    const planned: { slot: number; source: NewSource; report: ImportItemReport }[] = [];
    for (const { slot, source } of entries) {
      try {
        planned.push({ slot, ...(await this.planNew(source, findReviewer)) });
      } catch (error) {
        if (!isRefusal(error)) throw error;
        reports[slot] = refusedItem(
          source.parsed.sourceName,
          source.parsed.kind,
          source.parsed.sourceUrl,
          reasonOf(error),
        );
      }
    }
    const write = async (group: typeof planned): Promise<void> => {
      const created = await this.writer.createNew(
        actor,
        group.map(({ source }) => source),
        options.publish,
      );
      for (const [index, { article, attested }] of created.entries()) {
        const { slot, source, report } = group[index];
        Object.assign(report, {
          articleId: article.id,
          slug: article.slug,
          revision: article.currentRevision,
          status: article.status,
        });
        if (attested) {
          report.attestedReview = reviewSummary(
            attested.id,
            source.reviewable!,
            source.match,
            article.nextReviewDueAt,
          );
        }
        reports[slot] = report;
      }
    };
    const refuse = ({ slot, source }: (typeof planned)[number], error: unknown): void => {
      if (!isRefusal(error) && !(error instanceof QueryFailedError)) throw error;
      const { parsed } = source;
      reports[slot] = refusedItem(
        parsed.sourceName,
        parsed.kind,
        parsed.sourceUrl,
        error instanceof QueryFailedError
          ? `The database refused it, so nothing of it was written: ${error.message}`
          : reasonOf(error),
      );
    };
    if (!planned.length) return;
    try {
      await write(planned);
    } catch (error) {
      if (planned.length === 1) refuse(planned[0], error);
      else {
        for (const entry of planned) {
          try {
            await write([entry]);
          } catch (alone) {
            refuse(entry, alone);
          }
        }
      }
    }
    if (!options.publish) return;
    for (const { slot, source } of planned) {
      const report = reports[slot]!;
      if (report.action === 'created')
        await this.writer.publish(actor, report, source.draft.content, !!report.attestedReview);
    }
  }

  /** A new source's draft (checked and rendered like `POST /articles`) and its report, before any write. */
  private async planNew(
    prepared: PreparedSource,
    findReviewer: (name: string, credentials: string) => Promise<ReviewerMatch | null>,
  ): Promise<{ source: NewSource; report: ImportItemReport }> {
    const { parsed, dto, problems, requestedSlug, sourceKey } = prepared;
    const { reviewable, match } = await this.reviewOf(parsed, problems, findReviewer);
    const draft = this.drafts.prepareDraft({ ...dto, slug: requestedSlug });
    return {
      source: { draft, parsed, sourceKey, reviewable, match, problems },
      report: {
        source: parsed.sourceName,
        kind: parsed.kind,
        sourceUrl: parsed.sourceUrl,
        action: 'created',
        reason: null,
        articleId: null,
        slug: requestedSlug,
        revision: null,
        status: null,
        originalAuthor: parsed.author,
        attestedReview: null,
        published: false,
        publicUrl: null,
        problems,
      },
    };
  }

  /** The past review a source attests (when it names a reviewer and a date) and the reviewer profile it matches. */
  private async reviewOf(
    parsed: ParsedArticle,
    problems: ImportProblem[],
    findReviewer: (name: string, credentials: string) => Promise<ReviewerMatch | null>,
  ): Promise<{ reviewable: Reviewable | null; match: ReviewerMatch | null }> {
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
    return { reviewable, match };
  }

  private async importOne(
    actor: AuthUser,
    prepared: PreparedSource,
    options: ImportOptions,
    findReviewer: (name: string, credentials: string) => Promise<ReviewerMatch | null>,
  ): Promise<ImportItemReport> {
    const { parsed, dto, problems, requestedSlug, sourceKey } = prepared;

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

    const { reviewable, match } = await this.reviewOf(parsed, problems, findReviewer);

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
      const sectionIndex = problemSection(problem, nextContent.sections.length);
      await this.comments.create(actor, view.id, {
        body: problemComment(parsed, problem),
        ...(sectionIndex !== undefined ? { sectionIndex } : {}),
      });
    }
    return report;
  }
}
