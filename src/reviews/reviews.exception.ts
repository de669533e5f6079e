import { DomainError, type DomainErrorKind } from '../core/errors/domain-error.js';

/** Every refusal of the reviews module, by machine-readable code. */
export enum ReviewErrorCode {
  AssignmentNotFound = 'review.assignment_not_found',
  ReviewerNotFound = 'review.reviewer_not_found',
  AlreadyAssigned = 'review.already_assigned',
  NoEligibleReviewer = 'review.no_eligible_reviewer',
  NotYourAssignment = 'review.not_your_assignment',
  AssignmentNotOpen = 'review.assignment_not_open',
  NotAccepted = 'review.not_accepted',
  AlreadyDecided = 'review.already_decided',
  RevisionMovedOn = 'review.revision_moved_on',
  RevisionNotFound = 'review.revision_not_found',
  ContentMismatch = 'review.content_mismatch',
  DueDateInPast = 'review.due_date_in_past',
  CommentsRequired = 'review.comments_required',
  PasswordRequired = 'review.password_required',
}

export class ReviewError extends DomainError<ReviewErrorCode> {
  constructor(code: ReviewErrorCode, kind: DomainErrorKind, message: string, details?: unknown[]) {
    super(code, kind, message, details);
  }
}
