/**
 * What kind of refusal a domain error is. The HTTP edge (src/core/http/error.filter.ts) maps each kind to one
 * status; jobs read the code. Nothing below the controllers knows about HTTP.
 */
export type DomainErrorKind =
  | 'invalid'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'precondition_required'
  | 'unprocessable';

/**
 * A rule said no. Each module has its own subclass with an enum of codes (`articles.exception.ts`,
 * `reviews.exception.ts`, …); the code is machine-readable and answered as `code` in the error body.
 */
export class DomainError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    readonly kind: DomainErrorKind,
    message: string,
    readonly details?: unknown[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
