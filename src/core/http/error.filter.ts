import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from '../database/connection-errors.js';
import { isDomainError, type DomainErrorKind } from '../errors/domain-error.js';
import type { ErrorBody } from './api-error.js';

/** The one place a domain refusal becomes an HTTP status. */
const KIND_STATUS: Record<DomainErrorKind, HttpStatus> = {
  invalid: HttpStatus.BAD_REQUEST,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  precondition_failed: HttpStatus.PRECONDITION_FAILED,
  precondition_required: HttpStatus.PRECONDITION_REQUIRED,
  unprocessable: HttpStatus.UNPROCESSABLE_ENTITY,
};

export function httpStatusOf(kind: DomainErrorKind): number {
  return KIND_STATUS[kind];
}

/** `Not Found` -> `not_found`: the code of an error that has no code of its own. */
function codeOfStatus(statusCode: number): string {
  return (STATUS_CODES[statusCode] ?? 'error')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

function isInfrastructureDown(error: unknown): boolean {
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  return /ECONNREFUSED|Connection terminated|Connection is closed|connect ETIMEDOUT|enableOfflineQueue|Stream isn't writeable|MaxRetriesPerRequest|the database system is (starting up|shutting down)|terminating connection/i.test(
    text,
  );
}

/** Turns every error into the one error body; never leaks a stack trace. */
export function toErrorBody(error: unknown): ErrorBody {
  if (isDomainError(error)) {
    const statusCode = httpStatusOf(error.kind);
    const body: ErrorBody = {
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      code: error.code,
      message: error.message,
    };
    if (error.details?.length) body.details = error.details;
    return body;
  }
  if (error instanceof HttpException) {
    const statusCode = error.getStatus();
    const response = error.getResponse();
    const body: ErrorBody = {
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      code: codeOfStatus(statusCode),
      message: error.message,
    };
    if (typeof response === 'object' && response !== null) {
      const { message, details, status, info, code, error: failed } = response as Record<string, unknown>;
      if (typeof code === 'string') body.code = code;
      if (status === 'error' && typeof failed === 'object' && failed !== null) {
        // A failed health check: name what is down and keep the whole report.
        body.message = `Unavailable: ${Object.keys(failed).join(', ')}`;
        body.details = [{ status, info, error: failed, details }];
        return body;
      }
      if (typeof message === 'string') body.message = message;
      else if (Array.isArray(message)) body.message = message.join('; ');
      if (Array.isArray(details) && details.length) body.details = details;
    }
    return body;
  }
  const fastifyStatus = (error as { statusCode?: number } | null)?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return {
      statusCode: fastifyStatus,
      error: STATUS_CODES[fastifyStatus] ?? 'Error',
      code: codeOfStatus(fastifyStatus),
      message:
        fastifyStatus === 413
          ? 'Request body is too large; send a smaller body'
          : (error as Error).message || 'Bad request',
    };
  }
  if (
    isInfrastructureDown(error) ||
    (error instanceof QueryFailedError && isInfrastructureDown(error.driverError)) ||
    isDatabaseUnavailable(error)
  ) {
    return {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: STATUS_CODES[503]!,
      code: 'service_unavailable',
      message: 'A backing service (PostgreSQL or Redis) is unavailable; retry shortly',
    };
  }
  return {
    statusCode: 500,
    error: STATUS_CODES[500]!,
    code: 'internal_server_error',
    message: 'Internal server error',
  };
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const body = toErrorBody(error);
    if (body.statusCode === 503) {
      // A backing service is down: expected during an outage, and /health says which; no stack per request.
      this.logger.warn(`${request?.method} ${request?.url}: 503 (${(error as Error)?.message ?? error})`);
    } else if (body.statusCode >= 500) {
      this.logger.error(
        {
          reqId: request?.id,
          err: error instanceof Error ? { message: error.message, stack: error.stack } : error,
        },
        `${request?.method} ${request?.url} failed`,
      );
    }
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
