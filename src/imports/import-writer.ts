import { HttpException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { missingForReview, type normaliseContent } from '../articles/article-content.rules.js';
import type { Article } from '../articles/article.entity.js';
import { ArticleDrafts, type PreparedDraft } from '../articles/article-drafts.service.js';
import { CommentsService } from '../articles/comments.service.js';
import { ArticleWorkflow, WorkflowEvent } from '../articles/article-workflow.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { type AuditInput, AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction, type TransactionContext } from '../core/database/transaction.js';
import { isDomainError } from '../core/errors/domain-error.js';
import { PublishingService } from '../publishing/publishing.service.js';
import { ReReviewClock } from '../scheduling/re-review-clock.js';
import { ATTESTATION, type AttestedReview } from './attested-review.entity.js';
import { attestedView } from './attested-reviews.service.js';
import { reasonOf } from './import-checks.js';
import type { ImportItemReport, Reviewable } from './import-report.js';
import type { ImportedSource } from './imported-source.entity.js';
import { ImportsRepository, type ReviewerMatch } from './imports.repository.js';
import type { ImportProblem, ParsedArticle } from './parsed-article.js';
import { attestedAsSignOff } from './review-records.js';

/** What one imported source wrote, for the attested-review record. */
export interface ImportedRevision {
  articleId: string;
  revision: number;
  contentHash: string;
}

/** A new source, checked and prepared outside any transaction, for `createNew`. */
export interface NewSource {
  draft: PreparedDraft;
  parsed: ParsedArticle;
  sourceKey: string;
  reviewable: Reviewable | null;
  match: ReviewerMatch | null;
  problems: ImportProblem[];
}

/** What `createNew` wrote for one source. */
export interface CreatedSource {
  article: Article;
  attested: AttestedReview | null;
}

export interface SourceRecord {
  view: ImportedRevision;
  parsed: ParsedArticle;
  sourceKey: string;
  knownSource: ImportedSource | null;
  reviewable: Reviewable | null;
  match: ReviewerMatch | null;
  reviewChanged: boolean;
  publishAllowed: boolean;
}

/** The section a problem is about, when it names one the revision has. */
export function problemSection(problem: ImportProblem, sectionCount: number): number | undefined {
  const section = /^sections\[(\d+)\]/.exec(problem.field ?? '')?.[1];
  return section !== undefined && Number(section) < sectionCount ? Number(section) : undefined;
}

/** A problem found in a source, as the comment the writer reads on the draft. */
export function problemComment(parsed: ParsedArticle, problem: ImportProblem): string {
  return `Import of ${parsed.sourceName}: ${problem.message}`.slice(0, 10_000);
}

/**
 * The import's writes after the revision itself: where the article came from, its attested review (which starts
 * the re-review clock unless it was already e-signed here), and, with --publish, going live on that review.
 */
@Injectable()
export class ImportWriter {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly drafts: ArticleDrafts,
    private readonly comments: CommentsService,
    private readonly workflow: ArticleWorkflow,
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

  /**
   * New sources as new articles, all in one transaction: the articles and their revision 1, where each came
   * from, its attested review and re-review clock, and one comment per problem found. Either every source is
   * written or none is (the caller retries them one by one to find the one the database refuses).
   */
  createNew(actor: AuthUser, sources: readonly NewSource[], publish: boolean): Promise<CreatedSource[]> {
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const created = await this.drafts.insertDrafts(
        tx,
        actor,
        sources.map((source) => source.draft),
      );
      const attested = await this.recordNewSources(
        tx,
        ctx,
        actor,
        created.map(({ article, revision }, index) => {
          const { parsed, sourceKey, reviewable, match } = sources[index];
          return {
            article,
            input: {
              view: { articleId: article.id, revision: revision.number, contentHash: revision.contentHash },
              parsed,
              sourceKey,
              knownSource: null,
              reviewable,
              match,
              reviewChanged: !!reviewable,
              publishAllowed: publish,
            },
          };
        }),
      );
      await this.comments.createMany(
        tx,
        actor,
        sources.flatMap((source, index) =>
          source.problems.map((problem) => ({
            articleId: created[index].article.id,
            revisionNumber: created[index].revision.number,
            sectionCount: source.draft.content.sections.length,
            sectionIndex: problemSection(problem, source.draft.content.sections.length),
            body: problemComment(source.parsed, problem),
          })),
        ),
      );
      return created.map(({ article }, index) => ({ article, attested: attested[index] }));
    });
  }

  /** Records the source, and its attested review when it is new; returns the review and the next due date. */
  recordSource(
    actor: AuthUser,
    input: SourceRecord,
  ): Promise<{ record: AttestedReview; nextReviewDueAt: Date | null } | null> {
    const { view, reviewable, reviewChanged } = input;
    const now = this.clock.now();
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, view.articleId);
      await this.imports.saveSource(tx, this.sourceRow(input, article.id, now));
      if (!reviewable || !reviewChanged) return null;
      const record = this.attestedRecord(actor, input, reviewable, now);
      await this.imports.insertAttested(tx, record);
      await this.recordAttestedAudit(tx, actor, record);
      // Once the article has been e-signed here, an older attested date never moves its schedule back.
      if (!article.latestSignOff) {
        await this.workflow.apply(
          tx,
          ctx,
          article,
          WorkflowEvent.RecordAttestedReview,
          { reviewedAt: record.reviewedAt },
          { actorId: actor.id },
        );
        await this.schedules.scheduleFromReview(tx, ctx, article, attestedAsSignOff(record));
      }
      return { record, nextReviewDueAt: article.nextReviewDueAt };
    });
  }

  /**
   * `recordSource` for articles this transaction has just created (the import's batches): the sources in one
   * statement, the attested reviews in one, their re-review clocks together. Returns each source's attested
   * review (null when it has none), in the order given.
   */
  async recordNewSources(
    tx: EntityManager,
    ctx: TransactionContext,
    actor: AuthUser,
    items: readonly { article: Article; input: SourceRecord }[],
  ): Promise<(AttestedReview | null)[]> {
    const now = this.clock.now();
    await this.imports.saveSources(
      tx,
      items.map(({ article, input }) => this.sourceRow(input, article.id, now)),
    );
    const records = items.map(({ input }) =>
      input.reviewable && input.reviewChanged
        ? this.attestedRecord(actor, input, input.reviewable, now)
        : null,
    );
    const attested = items.flatMap(({ article }, index) => {
      const record = records[index];
      return record ? [{ article, record }] : [];
    });
    await this.imports.insertAttestedMany(
      tx,
      attested.map(({ record }) => record),
    );
    await this.audit.recordMany(
      tx,
      attested.map(({ record }) => this.attestedAudit(actor, record)),
    );
    const unsigned = attested.filter(({ article }) => !article.latestSignOff);
    await this.workflow.applyToMany(
      tx,
      ctx,
      WorkflowEvent.RecordAttestedReview,
      unsigned.map(({ article, record }) => ({ article, input: { reviewedAt: record.reviewedAt } })),
      { actorId: actor.id },
    );
    await this.schedules.scheduleFromReviews(
      tx,
      ctx,
      unsigned.map(({ article, record }) => ({ article, review: attestedAsSignOff(record) })),
    );
    return records;
  }

  private sourceRow(input: SourceRecord, articleId: string, now: Date): ImportedSource {
    const { parsed, sourceKey, knownSource } = input;
    return {
      sourceKey,
      articleId,
      sourceUrl: parsed.sourceUrl,
      sourceKind: parsed.kind,
      originalAuthor: parsed.author?.slice(0, 200) ?? null,
      sourceName: parsed.sourceName.slice(0, 500),
      firstImportedAt: knownSource?.firstImportedAt ?? now,
      lastImportedAt: now,
    };
  }

  private attestedRecord(
    actor: AuthUser,
    input: SourceRecord,
    reviewable: Reviewable,
    now: Date,
  ): AttestedReview {
    const { view, parsed, match } = input;
    return {
      id: randomUUID(),
      articleId: view.articleId,
      revisionNumber: view.revision,
      contentHash: view.contentHash,
      reviewerUserId: match?.userId ?? null,
      reviewerDisplayName: (match?.displayName ?? reviewable.reviewerName).slice(0, 120),
      reviewerCredentials: (match?.credentials ?? reviewable.credentials).slice(0, 60),
      reviewerAffiliation: (reviewable.affiliation || match?.affiliation || '').slice(0, 200),
      reviewedOn: reviewable.reviewedOn,
      reviewedAt: DateTime.fromISO(reviewable.reviewedOn, { zone: this.timeZone }).startOf('day').toJSDate(),
      timeZone: this.timeZone,
      sourceUrl: parsed.sourceUrl,
      sourceName: parsed.sourceName.slice(0, 500),
      sourceByline: reviewable.byline,
      publishAllowed: input.publishAllowed,
      meaning: ATTESTATION,
      importedById: actor.id,
      createdAt: now,
    };
  }

  private async recordAttestedAudit(
    tx: EntityManager,
    actor: AuthUser,
    record: AttestedReview,
  ): Promise<void> {
    await this.audit.record(tx, this.attestedAudit(actor, record));
  }

  private attestedAudit(actor: AuthUser, record: AttestedReview): AuditInput {
    return {
      actorId: actor.id,
      action: 'review.attested',
      entityType: 'attested_review',
      entityId: record.id,
      articleId: record.articleId,
      after: attestedView(record),
    };
  }

  /** --publish: the attested review puts the imported revision live, when the content is complete. */
  async publish(
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
}
