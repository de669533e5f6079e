import { ArticleWorkflow, WorkflowEvent } from '../articles/article-workflow.js';
import { isDomainError } from '../core/errors/domain-error.js';
import { HttpException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  EMPTY_CONTENT,
  hashContent,
  missingForReview,
  normaliseContent,
} from '../articles/article-content.rules.js';
import { CreateArticleDto } from '../articles/articles.dto.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { ArticleDrafts } from '../articles/article-drafts.service.js';
import { ArticlesService } from '../articles/articles.service.js';
import { CommentsService } from '../articles/comments.service.js';
import { slugFromTitle } from '../articles/slug.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction } from '../core/database/transaction.js';
import { createValidationPipe, RejectNulBytesPipe } from '../core/http/validation.js';
import { PublishingService } from '../publishing/publishing.service.js';
import { ReReviewClock } from '../scheduling/re-review-clock.js';
import { ATTESTATION, AttestedReview } from './attested-review.entity.js';
import { attestedView } from './attested-reviews.service.js';
import { checkParsed } from './content-checks.js';
import type { ImportItemReport, ImportReport } from './import-report.js';
import { totalsOf } from './import-report.js';
import { ImportsRepository, normaliseCredentials, type ReviewerMatch } from './imports.repository.js';
import { MalformedSourceError, type ImportProblem, type ParsedArticle } from './parsed-article.js';
import { parseSource, sourceKind } from './parsers/detect.js';
import { attestedAsSignOff } from './review-records.js';

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

export const DEFAULT_SPECIALTY = 'general';

type Reviewable = {
  reviewerName: string;
  credentials: string;
  affiliation: string;
  reviewedOn: string;
  byline: string | null;
};

/** The API's own checks of an article body: the same pipes, the same 400 details. */
const validation = createValidationPipe();
const rejectNul = new RejectNulBytesPipe();

function reasonOf(error: unknown): string {
  if (error instanceof HttpException) {
    const body = error.getResponse() as { message?: string; details?: { field?: string; reason?: string }[] };
    const details = (body.details ?? [])
      .map((detail) => [detail.field, detail.reason].filter(Boolean).join(' '))
      .filter(Boolean);
    return [body.message ?? error.message, ...details].join('; ');
  }
  return (error as Error).message;
}

const asSpecialty = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);

/**
 * Moves articles in: each source is parsed, checked, validated and sanitised exactly like an article created
 * through the API (by the articles service itself), keyed by its source URL or slug so a second import makes a
 * new revision, and its past review kept as an attested review that starts the re-review clock.
 */
@Injectable()
export class ImportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly drafts: ArticleDrafts,
    private readonly articlesService: ArticlesService,
    private readonly articles: ArticlesRepository,
    private readonly workflow: ArticleWorkflow,
    private readonly comments: CommentsService,
    private readonly imports: ImportsRepository,
    private readonly schedules: ReReviewClock,
    private readonly publishing: PublishingService,
    private readonly audit: AuditService,
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
          this.refused(
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
          if (!(error instanceof HttpException)) throw error;
          items.push(this.refused(article.sourceName, article.kind, article.sourceUrl, reasonOf(error)));
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

  private refused(
    source: string,
    kind: ImportItemReport['kind'],
    sourceUrl: string | null,
    reason: string,
  ): ImportItemReport {
    return {
      source,
      kind,
      sourceUrl,
      action: 'refused',
      reason,
      articleId: null,
      slug: null,
      revision: null,
      status: null,
      originalAuthor: null,
      attestedReview: null,
      published: false,
      publicUrl: null,
      problems: [],
    };
  }

  /** The body the articles service receives, validated by the API's own pipes (a 400 here refuses the source). */
  private async validated(
    parsed: ParsedArticle,
    options: ImportOptions,
    problems: ImportProblem[],
  ): Promise<CreateArticleDto> {
    const raw: Record<string, unknown> =
      parsed.kind === 'json'
        ? { ...parsed.content }
        : { ...parsed.content, slug: parsed.content.slug || undefined };
    if (parsed.kind !== 'json') {
      const specialty = asSpecialty(parsed.content.specialty ?? '');
      raw.specialty = specialty || options.defaultSpecialty || DEFAULT_SPECIALTY;
      if (!specialty) {
        problems.push({
          code: 'missing_field',
          field: 'specialty',
          message: `The source names no specialty; the article was filed under "${String(raw.specialty)}".`,
        });
      }
    }
    if (!raw.slug && typeof raw.title === 'string' && raw.title.trim()) raw.slug = slugFromTitle(raw.title);
    raw.changeNote ??= `Imported from ${parsed.sourceName}`.slice(0, 500);
    rejectNul.transform(raw, { type: 'body', metatype: CreateArticleDto, data: undefined });
    return (await validation.transform(raw, {
      type: 'body',
      metatype: CreateArticleDto,
      data: undefined,
    })) as CreateArticleDto;
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
      dto = await this.validated(parsed, options, extra);
      const { changeNote: _note, ...fields } = dto;
      parsed = checkParsed({ ...parsed, content: normaliseContent({ ...EMPTY_CONTENT, ...fields }) });
    } else {
      parsed = checkParsed(parsed);
      dto = await this.validated(parsed, options, extra);
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
      if (slugTakenBy) problems.push(this.slugTaken(requestedSlug, null));
      if (reviewable) report.attestedReview = this.reviewSummary(null, reviewable, match, null);
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
    if (slugTakenBy) problems.push(this.slugTaken(requestedSlug, view.slug));
    Object.assign(report, {
      articleId: view.id,
      slug: view.slug,
      revision: view.currentRevision,
      status: view.status,
    });

    const now = this.clock.now();
    const attested = await inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, view.id);
      await this.imports.saveSource(tx, {
        sourceKey,
        articleId: article.id,
        sourceUrl: parsed.sourceUrl,
        sourceKind: parsed.kind,
        originalAuthor: parsed.author?.slice(0, 200) ?? null,
        sourceName: parsed.sourceName.slice(0, 500),
        firstImportedAt: knownSource?.firstImportedAt ?? now,
        lastImportedAt: now,
      });
      if (!reviewable || !reviewChanged) return null;
      const reviewedAt = DateTime.fromISO(reviewable.reviewedOn, { zone: this.timeZone })
        .startOf('day')
        .toJSDate();
      const record: AttestedReview = {
        id: randomUUID(),
        articleId: article.id,
        revisionNumber: view.currentRevision,
        contentHash: view.contentHash,
        reviewerUserId: match?.userId ?? null,
        reviewerDisplayName: (match?.displayName ?? reviewable.reviewerName).slice(0, 120),
        reviewerCredentials: (match?.credentials ?? reviewable.credentials).slice(0, 60),
        reviewerAffiliation: (reviewable.affiliation || match?.affiliation || '').slice(0, 200),
        reviewedOn: reviewable.reviewedOn,
        reviewedAt,
        timeZone: this.timeZone,
        sourceUrl: parsed.sourceUrl,
        sourceName: parsed.sourceName.slice(0, 500),
        sourceByline: reviewable.byline,
        publishAllowed: options.publish,
        meaning: ATTESTATION,
        importedById: actor.id,
        createdAt: now,
      };
      await this.imports.insertAttested(tx, record);
      await this.audit.record(tx, {
        actorId: actor.id,
        action: 'review.attested',
        entityType: 'attested_review',
        entityId: record.id,
        articleId: article.id,
        after: attestedView(record),
      });
      // Once the article has been e-signed here, an older attested date never moves its schedule back.
      if (!article.latestSignOff) {
        await this.workflow.apply(
          tx,
          ctx,
          article,
          WorkflowEvent.RecordAttestedReview,
          { reviewedAt },
          { actorId: actor.id },
        );
        await this.schedules.scheduleFromReview(tx, ctx, article, attestedAsSignOff(record));
      }
      return { record, nextReviewDueAt: article.nextReviewDueAt };
    });
    if (attested) {
      report.attestedReview = this.reviewSummary(
        attested.record.id,
        reviewable!,
        match,
        attested.nextReviewDueAt,
      );
    }

    if (options.publish) await this.publish(actor, report, nextContent, !!attested);
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

  /** --publish: the attested review puts the imported revision live, when the content is complete. */
  private async publish(
    actor: AuthUser,
    report: ImportItemReport,
    content: ReturnType<typeof normaliseContent>,
    attested: boolean,
  ): Promise<void> {
    const notPublished = (message: string): void => {
      report.problems.push({ code: 'not_published', message: `Not published: ${message}` });
    };
    if (!attested)
      return notPublished(
        'there is no attested review (reviewer and date) to publish on; it stays a draft for review here.',
      );
    const missing = missingForReview(content);
    if (missing.length) {
      return notPublished(
        `the content is incomplete (${missing.map((problem) => problem.field).join(', ')}); it stays a draft until this is fixed and reviewed here.`,
      );
    }
    const articleId = report.articleId!;
    await inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, articleId);
      const before = { status: article.status };
      await this.workflow.apply(
        tx,
        ctx,
        article,
        WorkflowEvent.ApproveOnAttestedReview,
        {},
        {
          actorId: actor.id,
          audit: {
            action: 'article.approved_by_attested_review',
            before,
            after: (approved) => ({
              status: approved.status,
              revision: approved.currentRevision,
              attestation: ATTESTATION,
            }),
          },
        },
      );
    });
    try {
      const publication = await this.publishing.publishNow(actor, articleId);
      Object.assign(report, {
        published: true,
        publicUrl: publication.publicUrl,
        status: publication.status,
      });
    } catch (error) {
      if (!(error instanceof HttpException) && !isDomainError(error)) throw error;
      // It stays approved on its attested review: a publisher can publish it once the reason is dealt with.
      notPublished(`${reasonOf(error)} (the article is approved on its attested review)`);
    }
  }

  private slugTaken(slug: string, importedAs: string | null): ImportProblem {
    return {
      code: 'slug_taken',
      field: 'slug',
      message: `The slug "${slug}" is already taken by another article here${importedAs ? `; imported as "${importedAs}"` : '; it would be imported under another slug'}.`,
    };
  }

  private reviewSummary(
    id: string | null,
    review: Reviewable,
    match: ReviewerMatch | null,
    nextReviewDueAt: Date | null,
  ): NonNullable<ImportItemReport['attestedReview']> {
    return {
      id,
      reviewer: [
        match?.displayName ?? review.reviewerName,
        match?.credentials ?? review.credentials,
        review.affiliation,
      ]
        .filter(Boolean)
        .join(', '),
      matchedReviewerId: match?.userId ?? null,
      reviewedOn: review.reviewedOn,
      nextReviewDueAt: nextReviewDueAt?.toISOString() ?? null,
      meaning: ATTESTATION,
    };
  }
}
