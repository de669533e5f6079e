import { jest } from '@jest/globals';
import { type EntityManager, QueryFailedError } from 'typeorm';
import { queryPrepared, statementName } from './prepared-query.js';

function managerWith(options: {
  inTransaction: boolean;
  clientQuery?: (config: unknown) => Promise<unknown>;
}) {
  const clientQuery = jest.fn(options.clientQuery ?? (() => Promise.resolve({ rows: [{ n: 1 }] })));
  const managerQuery = jest.fn(() => Promise.resolve([{ fromManager: true }]));
  const logger = { logQuery: jest.fn(), logQueryError: jest.fn() };
  const manager = {
    queryRunner: options.inTransaction
      ? { isTransactionActive: true, connect: () => Promise.resolve({ query: clientQuery }) }
      : undefined,
    connection: { driver: { options: { type: 'postgres' } }, logger },
    query: managerQuery,
  } as unknown as EntityManager;
  return { manager, clientQuery, managerQuery, logger };
}

describe('statementName', () => {
  it('names the same text the same way every time, and different texts differently', () => {
    expect(statementName('SELECT 1')).toBe(statementName('SELECT 1'));
    expect(statementName('SELECT 1')).not.toBe(statementName('SELECT 2'));
    expect(statementName('SELECT 1')).toMatch(/^mrs_[0-9a-f]{32}$/);
  });
});

describe('queryPrepared', () => {
  it('sends a named statement on the transaction’s connection and gives its rows', async () => {
    const { manager, clientQuery, managerQuery } = managerWith({ inTransaction: true });
    await expect(queryPrepared(manager, 'SELECT $1::int AS n', [1])).resolves.toEqual([{ n: 1 }]);
    expect(clientQuery).toHaveBeenCalledWith({
      name: statementName('SELECT $1::int AS n'),
      text: 'SELECT $1::int AS n',
      values: [1],
    });
    expect(managerQuery).not.toHaveBeenCalled();
  });

  it('is manager.query outside a transaction', async () => {
    const { manager, clientQuery, managerQuery } = managerWith({ inTransaction: false });
    await expect(queryPrepared(manager, 'SELECT 1', [])).resolves.toEqual([{ fromManager: true }]);
    expect(managerQuery).toHaveBeenCalledWith('SELECT 1', []);
    expect(clientQuery).not.toHaveBeenCalled();
  });

  it('throws TypeORM’s QueryFailedError with the driver’s error, and logs it', async () => {
    const driverError = Object.assign(new Error('duplicate key'), { code: '23505' });
    const { manager, logger } = managerWith({
      inTransaction: true,
      clientQuery: () => Promise.reject(driverError),
    });
    const failure = await queryPrepared(manager, 'SELECT 1', []).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError).driverError).toBe(driverError);
    expect(logger.logQueryError).toHaveBeenCalled();
  });
});
