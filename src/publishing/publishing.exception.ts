import { DomainError, type DomainErrorKind } from '../core/errors/domain-error.js';

/** Every refusal of the publishing module, by machine-readable code. */
export enum PublishingErrorCode {
  ArticleNotFound = 'publishing.article_not_found',
  RevisionNotFound = 'publishing.revision_not_found',
  NotPublishable = 'publishing.not_publishable',
  ScheduleNotFound = 'publishing.schedule_not_found',
  PublishAtNotInFuture = 'publishing.publish_at_not_in_future',
}

export class PublishingError extends DomainError<PublishingErrorCode> {
  constructor(code: PublishingErrorCode, kind: DomainErrorKind, message: string, details?: unknown[]) {
    super(code, kind, message, details);
  }

  static articleNotFound(): PublishingError {
    return new PublishingError(PublishingErrorCode.ArticleNotFound, 'not_found', 'Article not found');
  }

  static scheduleNotFound(): PublishingError {
    return new PublishingError(
      PublishingErrorCode.ScheduleNotFound,
      'not_found',
      'Scheduled publish not found',
    );
  }
}
