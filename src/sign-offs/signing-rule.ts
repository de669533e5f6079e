import { licenceValidOn } from './sign-off-rules.js';
import { SignOffError, SignOffErrorCode } from './sign-offs.exception.js';

/** Who might sign: the user, their roles and their reviewer profile (licence), as they are at that moment. */
export interface SigningCandidate {
  userId: string;
  name: string;
  active: boolean;
  roles: readonly string[];
  profile: { displayName: string; licenseNumber: string; licenseExpiresOn: string | null } | null;
}

/** Who wrote the article: its author and the writer of every one of its revisions. */
export interface ArticleWriters {
  authorId: string;
  revisionWriterIds: readonly string[];
}

export type SigningRefusal =
  | 'author'
  | 'revision_writer'
  | 'not_assigned'
  | 'not_an_active_reviewer'
  | 'no_reviewer_profile'
  | 'licence_expired';

export interface SigningQuestion {
  /** The reviewer of the open assignment (null: there is none); omit when no assignment is involved yet. */
  assignedReviewerId?: string | null;
  /** False when the candidate only reviews (requests changes) and signs nothing: no licence is needed. */
  signs?: boolean;
}

/**
 * THE rule of who may sign a revision (the one home of it: manual assignment, the automatic picker, the
 * decision and the sign-off record all ask this function). A reviewer may sign when they are:
 * - not the article's author, and not the writer of any of its revisions;
 * - the assigned reviewer (when an assignment is asked about: `assignedReviewerId` given);
 * - an active user with the reviewer role;
 * - holding a reviewer profile whose licence is valid on the day of `at`, in the publication's time zone.
 * Null when they may; otherwise the first reason they may not.
 */
export function signingRefusal(
  candidate: SigningCandidate,
  writers: ArticleWriters,
  at: Date,
  timeZone: string,
  question: SigningQuestion = {},
): SigningRefusal | null {
  if (candidate.userId === writers.authorId) return 'author';
  if (writers.revisionWriterIds.includes(candidate.userId)) return 'revision_writer';
  const { assignedReviewerId, signs = true } = question;
  if (assignedReviewerId !== undefined && assignedReviewerId !== candidate.userId) return 'not_assigned';
  if (!candidate.active || !candidate.roles.includes('reviewer')) return 'not_an_active_reviewer';
  if (!signs) return null;
  if (!candidate.profile) return 'no_reviewer_profile';
  if (!licenceValidOn(candidate.profile.licenseExpiresOn, at, timeZone)) return 'licence_expired';
  return null;
}

/**
 * The error for a refusal. `choosing`: an editor proposes someone else for an assignment (409, "choose another");
 * `signing`: the candidate themself is deciding or signing (403 for who they are, 409 for what they lack).
 */
export function signingError(
  refusal: SigningRefusal,
  candidate: SigningCandidate,
  stage: 'choosing' | 'signing',
): SignOffError {
  const profile = candidate.profile;
  const choosing = stage === 'choosing';
  switch (refusal) {
    case 'author':
      return new SignOffError(
        SignOffErrorCode.AuthorMayNotSign,
        choosing ? 'conflict' : 'forbidden',
        choosing
          ? 'The author of an article cannot review it; choose another reviewer'
          : 'The author of an article can never review or sign it',
      );
    case 'revision_writer':
      return new SignOffError(
        SignOffErrorCode.RevisionWriterMayNotSign,
        choosing ? 'conflict' : 'forbidden',
        choosing
          ? `${candidate.name} wrote a revision of this article (an author of it) and cannot review it; choose another reviewer`
          : 'You wrote a revision of this article: an author of an article can never review or sign it',
      );
    case 'not_assigned':
      return new SignOffError(
        SignOffErrorCode.NotAssigned,
        'forbidden',
        'Only the reviewer assigned to this article can decide on it',
      );
    case 'not_an_active_reviewer':
      return new SignOffError(
        SignOffErrorCode.NotAnActiveReviewer,
        choosing ? 'conflict' : 'forbidden',
        `${candidate.name} is not an active reviewer`,
      );
    case 'no_reviewer_profile':
      return new SignOffError(
        SignOffErrorCode.NoReviewerProfile,
        'conflict',
        choosing
          ? `${candidate.name} has no reviewer profile with a licence on file`
          : 'You have no reviewer profile with a licence on file; an admin must add it before you can sign',
      );
    case 'licence_expired':
      return choosing
        ? new SignOffError(
            SignOffErrorCode.LicenceExpired,
            'conflict',
            `${profile?.displayName ?? candidate.name}'s licence expired on ${profile?.licenseExpiresOn}; they cannot sign`,
          )
        : new SignOffError(
            SignOffErrorCode.LicenceExpired,
            'conflict',
            `Your licence ${profile?.licenseNumber} expired on ${profile?.licenseExpiresOn}; an expired licence cannot sign`,
            [{ field: 'licenseExpiresOn', reason: `expired on ${profile?.licenseExpiresOn}` }],
          );
  }
}

/** Throws the signing error unless the candidate may sign. */
export function assertMaySign(
  candidate: SigningCandidate,
  writers: ArticleWriters,
  at: Date,
  timeZone: string,
  stage: 'choosing' | 'signing',
  question: SigningQuestion = {},
): void {
  const refusal = signingRefusal(candidate, writers, at, timeZone, question);
  if (refusal) throw signingError(refusal, candidate, stage);
}
