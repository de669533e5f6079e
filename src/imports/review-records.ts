import { type EntityManager, In } from 'typeorm';
import type { SignOff } from '../sign-offs/sign-off.entity.js';
import { AttestedReview } from './attested-review.entity.js';

/**
 * The hooks other modules call so that an attested review counts where a review counts (the page byline, the
 * re-review schedule and list, an import's --publish). Each hook is one call; the rules live here.
 */

/**
 * Every review record an article can show or be scheduled from, in the shape of `sign_offs`: the e-signed
 * sign-offs and the attested reviews (an external reviewer's id is the attested review's own id; the licence
 * columns are empty because nobody signed here). Use it in place of `sign_offs` in a FROM or JOIN.
 */
export const REVIEW_RECORDS_SQL = `(SELECT id, article_id, revision_number, content_hash, reviewer_id, reviewer_display_name,
          reviewer_credentials, reviewer_affiliation, license_number, license_region, license_expires_on, meaning, signed_at
     FROM sign_offs
   UNION ALL
   SELECT id, article_id, revision_number, content_hash, coalesce(reviewer_user_id, id), reviewer_display_name,
          reviewer_credentials, reviewer_affiliation, '', '', NULL::date, meaning, reviewed_at
     FROM attested_reviews)`;

/** An attested review in the shape the page, the schedule and the publish record use for a sign-off. */
export function attestedAsSignOff(review: AttestedReview): SignOff {
  return {
    id: review.id,
    articleId: review.articleId,
    revisionNumber: review.revisionNumber,
    contentHash: review.contentHash,
    reviewerId: review.reviewerUserId ?? review.id,
    decisionId: '',
    reviewerDisplayName: review.reviewerDisplayName,
    reviewerCredentials: review.reviewerCredentials,
    reviewerAffiliation: review.reviewerAffiliation,
    licenseNumber: '',
    licenseRegion: '',
    licenseExpiresOn: '',
    meaning: review.meaning,
    signedAt: review.reviewedAt,
  };
}

/** Hook for the reminder job: the attested review a schedule row points at (null when there is none). */
export async function findAttestedAsSignOff(tx: EntityManager, id: string): Promise<SignOff | null> {
  const review = await tx.getRepository(AttestedReview).findOne({ where: { id } });
  return review ? attestedAsSignOff(review) : null;
}

/** Hook for the re-review list: the attested reviews among these ids, by id, in the shape of a sign-off. */
export async function findAttestedAsSignOffs(
  manager: EntityManager,
  ids: string[],
): Promise<Map<string, SignOff>> {
  if (!ids.length) return new Map();
  const reviews = await manager.getRepository(AttestedReview).find({ where: { id: In(ids) } });
  return new Map(reviews.map((review) => [review.id, attestedAsSignOff(review)]));
}

/**
 * Hook for the publish gate: the attested review that may put this revision live, or null. Only when the
 * article has no e-signed sign-off at all (once reviewed here, only sign-offs count), the import was run with
 * --publish, and the review covers exactly this revision by number and content hash.
 */
export async function attestedReviewCovering(
  tx: EntityManager,
  articleId: string,
  revision: { number: number; contentHash: string },
  eSigned: SignOff | null,
): Promise<SignOff | null> {
  if (eSigned) return null;
  const review = await tx.getRepository(AttestedReview).findOne({
    where: {
      articleId,
      revisionNumber: revision.number,
      contentHash: revision.contentHash,
      publishAllowed: true,
    },
    order: { reviewedAt: 'DESC', createdAt: 'DESC' },
  });
  return review ? attestedAsSignOff(review) : null;
}

/**
 * The writer an imported article's source names, as a SQL expression for the article whose id is `articleId`
 * (null when it was not imported or its source named nobody): the page credits the original author, not the
 * person who ran the import.
 */
export const importedAuthorSql = (articleId: string) =>
  `(SELECT i.original_author FROM imported_sources i
     WHERE i.article_id = ${articleId} AND i.original_author IS NOT NULL
     ORDER BY i.last_imported_at DESC LIMIT 1)`;

/** Hook for a page's author line: the original author of an imported article, else null. */
export async function importedAuthor(manager: EntityManager, articleId: string): Promise<string | null> {
  const [row] = await manager.query<{ author: string | null }[]>(
    `SELECT ${importedAuthorSql('$1')} AS author`,
    [articleId],
  );
  return row?.author ?? null;
}
