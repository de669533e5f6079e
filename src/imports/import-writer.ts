import { HttpException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { missingForReview, type normaliseContent } from '../articles/article-content.rules.js';
import { ArticleWorkflow, WorkflowEvent } from '../articles/article-workflow.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { AppConfig } from '../core/config/app-config.js';
import { inTransaction } from '../core/database/transaction.js';
import { isDomainError } from '../core/errors/domain-error.js';
import { PublishingService } from '../publishing/publishing.service.js';
import { ReReviewClock } from '../scheduling/re-review-clock.js';
import { ATTESTATION, type AttestedReview } from './attested-review.entity.js';
import { attestedView } from './attested-reviews.service.js';
import { reasonOf } from './import-checks.js';
import type { ImportItemReport, Reviewable } from './import-report.js';
import type { ImportedSource } from './imported-source.entity.js';
import { ImportsRepository, type ReviewerMatch } from './imports.repository.js';
import type { ParsedArticle } from './parsed-article.js';
import { attestedAsSignOff } from './review-records.js';

/** What one imported source wrote, for the attested-review record. */
export interface ImportedRevision {
  articleId: string;
  revision: number;
  contentHash: string;
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

/**
 * The import's writes after the revision itself: where the article came from, its attested review (which starts
 * the re-review clock unless it was already e-signed here), and, with --publish, going live on that review.
 */
@Injectable()
export class ImportWriter {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
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

  /** Records the source, and its attested review when it is new; returns the review and the next due date. */
  recordSource(
    actor: AuthUser,
    input: SourceRecord,
  ): Promise<{ record: AttestedReview; nextReviewDueAt: Date | null } | null> {
    const { view, parsed, sourceKey, knownSource, reviewable, match, reviewChanged } = input;
    const now = this.clock.now();
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, view.articleId);
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
        revisionNumber: view.revision,
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
        publishAllowed: input.publishAllowed,
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
