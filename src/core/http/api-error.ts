import { HttpException, HttpStatus } from '@nestjs/common';

export interface ErrorDetail {
  field?: string;
  reason: string;
  [key: string]: unknown;
}

/**
 * The one error body: `{ statusCode, error, code, message, details? }`. `code` is machine-readable: a domain
 * error's own code (`article.illegal_transition`), else one derived from the status (`bad_request`).
 */
export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  details?: unknown[];
}

/**
 * The controller- and validation-level error: an HTTP status, a sentence for people, optional structured
 * details and an optional code. Rules below the controllers throw a `DomainError` (src/core/errors) instead;
 * repositories and jobs never throw this.
 */
export class ApiError extends HttpException {
  constructor(status: HttpStatus, message: string, details?: unknown[], code?: string) {
    super({ message, details, code }, status);
  }

  static badRequest(message: string, details?: ErrorDetail[]): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, message, details);
  }
  static unauthorized(message = 'Authentication required'): ApiError {
    return new ApiError(HttpStatus.UNAUTHORIZED, message);
  }
  static forbidden(message: string): ApiError {
    return new ApiError(HttpStatus.FORBIDDEN, message);
  }
  static notFound(what: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, `${what} not found`);
  }
  static conflict(message: string, details?: unknown[]): ApiError {
    return new ApiError(HttpStatus.CONFLICT, message, details);
  }
  static preconditionFailed(message: string): ApiError {
    return new ApiError(HttpStatus.PRECONDITION_FAILED, message);
  }
  static preconditionRequired(message: string): ApiError {
    return new ApiError(HttpStatus.PRECONDITION_REQUIRED, message);
  }
  static unprocessable(message: string, details?: ErrorDetail[]): ApiError {
    return new ApiError(HttpStatus.UNPROCESSABLE_ENTITY, message, details);
  }
  static tooManyRequests(message: string): ApiError {
    return new ApiError(HttpStatus.TOO_MANY_REQUESTS, message);
  }
  static unavailable(message: string): ApiError {
    return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, message);
  }
}
