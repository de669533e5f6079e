import { jest } from '@jest/globals';
import type { EntityManager } from 'typeorm';
import { QueryFailedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { preparedStatementName, queryPrepared } from './prepared-query.js';

interface SentQuery {
  name: string;
  text: string;
  values: unknown[];
}

/** A manager over a fake postgres connection that records what it is sent and answers `answer`. */
function fakeManager(answer: (query: SentQuery) => unknown, transaction = false) {
  const sent: SentQuery[] = [];
  const client = {
    query: jest.fn((query: SentQuery) => {
      sent.push(query);
      return Promise.resolve(answer(query));
    }),
  };
  const runner = {
    isReleased: false,
    connect: jest.fn(() => Promise.resolve(client)),
    release: jest.fn(() => Promise.resolve()),
  };
  const logger = { logQuery: jest.fn(), logQueryError: jest.fn() };
  const connection = {
    options: { type: 'postgres' },
    logger,
    createQueryRunner: jest.fn(() => runner),
  };
  const manager = { connection, queryRunner: transaction ? runner : undefined } as unknown as EntityManager;
  return { manager, sent, runner, logger, connection };
}

describe('preparedStatementName', () => {
  it('names a text the same every time, and two texts differently', () => {
    const a = preparedStatementName('article_edit', 'SELECT $1');
    expect(a).toMatch(/^article_edit_[0-9a-f]{16}$/);
    expect(preparedStatementName('article_edit', 'SELECT $1')).toBe(a);
    expect(preparedStatementName('article_edit', 'SELECT $2')).not.toBe(a);
  });

  it('refuses a prefix PostgreSQL would truncate or that is no plain identifier', () => {
    expect(() => preparedStatementName('x'.repeat(50), 'SELECT 1')).toThrow(/too long/);
    expect(() => preparedStatementName('Edit; DROP', 'SELECT 1')).toThrow(/bad prepared statement prefix/);
  });
});

describe('queryPrepared', () => {
  it('sends the statement named, with its values, on a connection of its own that it releases', async () => {
    const { manager, sent, runner, logger } = fakeManager(() => ({ rows: [{ n: 1 }] }));
    const rows = await queryPrepared<{ n: number }>(manager, 'probe', 'SELECT $1::int AS n', [1]);
    expect(rows).toEqual([{ n: 1 }]);
    expect(sent).toEqual([
      { name: preparedStatementName('probe', 'SELECT $1::int AS n'), text: 'SELECT $1::int AS n', values: [1] },
    ]);
    expect(logger.logQuery).toHaveBeenCalledWith('SELECT $1::int AS n', [1], runner);
    expect(runner.release).toHaveBeenCalledTimes(1);
  });

  it("runs on the transaction's connection and leaves it to the transaction", async () => {
    const { manager, runner, connection } = fakeManager(() => ({ rows: [] }), true);
    await queryPrepared(manager, 'probe', 'SELECT 1', []);
    expect(connection.createQueryRunner).not.toHaveBeenCalled();
    expect(runner.connect).toHaveBeenCalledTimes(1);
    expect(runner.release).not.toHaveBeenCalled();
  });

  it("fails as TypeORM's query() does: a QueryFailedError carrying the driver's error, logged", async () => {
    const unique = Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'UQ_articles_slug' });
    const { manager, runner, logger } = fakeManager(() => {
      throw unique;
    });
    const failure = await queryPrepared(manager, 'probe', 'INSERT 1', ['x']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError).driverError).toBe(unique);
    expect(logger.logQueryError).toHaveBeenCalledWith(unique, 'INSERT 1', ['x'], runner);
    expect(runner.release).toHaveBeenCalledTimes(1);
  });

  it('refuses a released transaction and any other driver', async () => {
    const released = fakeManager(() => ({ rows: [] }), true);
    released.runner.isReleased = true;
    await expect(queryPrepared(released.manager, 'probe', 'SELECT 1', [])).rejects.toBeInstanceOf(
      QueryRunnerProviderAlreadyReleasedError,
    );
    const other = fakeManager(() => ({ rows: [] }));
    other.connection.options.type = 'mysql';
    await expect(queryPrepared(other.manager, 'probe', 'SELECT 1', [])).rejects.toThrow(/postgres driver/);
  });
});
