import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import { isDatabaseUnavailable } from './connection-errors.js';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
const failedQuery = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('isDatabaseUnavailable', () => {
  it('recognises a server that is down, restarting or gone mid-transaction', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated unexpectedly'),
      failedQuery(pgError('57P01', 'terminating connection due to administrator command')),
      failedQuery(pgError('57P03', 'the database system is starting up')),
      failedQuery(pgError('08006', 'connection failure')),
      failedQuery(pgError('53300', 'sorry, too many clients already')),
      // TypeORM releases the runner of a broken connection; the transaction's next statement says so.
      new QueryRunnerAlreadyReleasedError(),
      new QueryRunnerProviderAlreadyReleasedError(),
    ]) {
      expect({ error: error.message, unavailable: isDatabaseUnavailable(error) }).toEqual({
        error: error.message,
        unavailable: true,
      });
    }
  });

  it('leaves the errors of a statement or of the code alone', () => {
    for (const error of [
      failedQuery(pgError('23505', 'duplicate key value violates unique constraint "UQ_articles_slug"')),
      failedQuery(pgError('40P01', 'deadlock detected')),
      failedQuery(pgError('42P01', 'relation "nope" does not exist')),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      'a string',
      null,
    ]) {
      expect(isDatabaseUnavailable(error)).toBe(false);
    }
  });
});
