import type { AttestedReviewVerificationView } from './imports.dto.js';
import { Injectable } from '@nestjs/common';
import { hashContent } from '../articles/article-content.rules.js';
import { ArticlesRepository } from '../articles/articles.repository.js';
import { ApiError } from '../core/http/api-error.js';
import { bylineText } from '../sign-offs/byline.js';
import { ATTESTATION, type AttestedReview } from './attested-review.entity.js';
import { ImportsRepository } from './imports.repository.js';

export interface AttestedReviewView {
  id: string;
  articleId: string;
  kind: 'attested';
  eSigned: false;
  meaning: string;
  revision: number;
  contentHash: string;
  reviewer: {
    id: string | null;
    external: boolean;
    displayName: string;
    credentials: string;
    affiliation: string;
  };
  reviewedOn: string;
  reviewedAt: Date;
  timeZone: string;
  sourceUrl: string | null;
  sourceName: string;
  sourceByline: string | null;
  publishAllowed: boolean;
  byline: string;
  importedById: string;
  createdAt: Date;
}

export function attestedView(review: AttestedReview): AttestedReviewView {
  return {
    id: review.id,
    articleId: review.articleId,
    kind: 'attested',
    eSigned: false,
    meaning: review.meaning,
    revision: review.revisionNumber,
    contentHash: review.contentHash,
    reviewer: {
      id: review.reviewerUserId,
      external: review.reviewerUserId === null,
      displayName: review.reviewerDisplayName,
      credentials: review.reviewerCredentials,
      affiliation: review.reviewerAffiliation,
    },
    reviewedOn: review.reviewedOn,
    reviewedAt: review.reviewedAt,
    timeZone: review.timeZone,
    sourceUrl: review.sourceUrl,
    sourceName: review.sourceName,
    sourceByline: review.sourceByline,
    publishAllowed: review.publishAllowed,
    byline: bylineText(
      {
        reviewerDisplayName: review.reviewerDisplayName,
        reviewerCredentials: review.reviewerCredentials,
        reviewerAffiliation: review.reviewerAffiliation,
        signedAt: review.reviewedAt,
      },
      review.timeZone,
    ),
    importedById: review.importedById,
    createdAt: review.createdAt,
  };
}

/** Reading attested reviews: an article's list, and verify (is the imported revision unchanged?). */
@Injectable()
export class AttestedReviewsService {
  constructor(
    private readonly imports: ImportsRepository,
    private readonly articles: ArticlesRepository,
  ) {}

  async list(articleId: string): Promise<AttestedReviewView[]> {
    if (!(await this.articles.findById(articleId))) throw ApiError.notFound('Article');
    return (await this.imports.listAttested(articleId)).map(attestedView);
  }

  async verify(articleId: string, id: string): Promise<AttestedReviewVerificationView> {
    const review = await this.imports.findAttested(articleId, id);
    if (!review) throw ApiError.notFound('Attested review');
    const revision = await this.articles.findRevision(articleId, review.revisionNumber);
    const recomputedHash = revision ? hashContent(revision.content) : null;
    const unchanged = recomputedHash === review.contentHash && revision?.contentHash === review.contentHash;
    return {
      attestedReviewId: review.id,
      articleId,
      kind: 'attested' as const,
      eSigned: false,
      meaning: ATTESTATION,
      revision: review.revisionNumber,
      attestedHash: review.contentHash,
      storedRevisionHash: revision?.contentHash ?? null,
      recomputedHash,
      valid: unchanged,
      reason: unchanged
        ? `The imported revision is unchanged since the import. The review itself was ${ATTESTATION}: the source (${review.sourceUrl ?? review.sourceName}) says ${review.reviewerDisplayName} reviewed it on ${review.reviewedOn}.`
        : revision
          ? 'The imported revision no longer matches the hash recorded at import'
          : 'The imported revision no longer exists',
    };
  }
}
