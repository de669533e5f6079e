import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';

/**
 * SQLSTATEs that say the server or the connection is gone, not that the statement is wrong: class 08
 * (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now: a restart) and
 * 53300 (too many connections).
 */
const UNAVAILABLE_CODE = /^(08...|57P0[123]|53300)$/;

/** What node-postgres and its pool say when they cannot reach the server. */
const UNAVAILABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|EPIPE|Connection terminated|connect ETIMEDOUT|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)|terminating connection/i;

/**
 * Whether an error means "PostgreSQL is unreachable right now" (answer 503, retry later) rather than a bug.
 * TypeORM releases a query runner whose connection broke, so the next statement of that transaction fails
 * with an "already released" error instead of the connection error itself: that is an outage too.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (
    error instanceof QueryRunnerAlreadyReleasedError ||
    error instanceof QueryRunnerProviderAlreadyReleasedError
  ) {
    return true;
  }
  const cause = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  if (typeof cause !== 'object' || cause === null) return false;
  const { code, message } = cause as { code?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && (UNAVAILABLE_CODE.test(code) || UNAVAILABLE_MESSAGE.test(code))) ||
    (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message))
  );
}
