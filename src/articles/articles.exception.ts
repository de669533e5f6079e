import { DomainError, type DomainErrorKind } from '../core/errors/domain-error.js';

/** Every refusal of the articles module, by machine-readable code. */
export enum ArticleErrorCode {
  NotFound = 'article.not_found',
  RevisionNotFound = 'article.revision_not_found',
  IllegalTransition = 'article.illegal_transition',
  NotReadyForReview = 'article.not_ready_for_review',
}

export class ArticleError extends DomainError<ArticleErrorCode> {
  constructor(code: ArticleErrorCode, kind: DomainErrorKind, message: string, details?: unknown[]) {
    super(code, kind, message, details);
  }

  static notFound(): ArticleError {
    return new ArticleError(ArticleErrorCode.NotFound, 'not_found', 'Article not found');
  }
}
