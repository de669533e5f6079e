import { DomainError, type DomainErrorKind } from '../core/errors/domain-error.js';

/** Every refusal of the sign-offs module, by machine-readable code. */
export enum SignOffErrorCode {
  NotFound = 'sign_off.not_found',
  ArticleNotFound = 'sign_off.article_not_found',
  AuthorMayNotSign = 'sign_off.author_may_not_sign',
  RevisionWriterMayNotSign = 'sign_off.revision_writer_may_not_sign',
  NotAssigned = 'sign_off.not_assigned',
  NotAnActiveReviewer = 'sign_off.not_an_active_reviewer',
  NoReviewerProfile = 'sign_off.no_reviewer_profile',
  LicenceExpired = 'sign_off.licence_expired',
}

export class SignOffError extends DomainError<SignOffErrorCode> {
  constructor(code: SignOffErrorCode, kind: DomainErrorKind, message: string, details?: unknown[]) {
    super(code, kind, message, details);
  }
}
