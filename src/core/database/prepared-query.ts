import { createHash } from 'node:crypto';
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import {
  type EntityManager,
  QueryFailedError,
  QueryRunnerProviderAlreadyReleasedError,
  TypeORMError,
} from 'typeorm';

/** PostgreSQL truncates identifiers (prepared statement names too) past 63 bytes. */
const MAX_NAME_LENGTH = 63;

/**
 * The name a statement is prepared under: `prefix` and a digest of its text. Two texts never share a name, so a
 * statement whose text is built per call (parameter numbers, optional parts) is prepared once per distinct text,
 * and node-postgres never refuses a name "used for a different statement".
 */
export function preparedStatementName(prefix: string, text: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(prefix)) throw new Error(`bad prepared statement prefix ${prefix}`);
  const digest = createHash('sha1').update(text).digest('hex').slice(0, 16);
  const name = `${prefix}_${digest}`;
  if (name.length > MAX_NAME_LENGTH) throw new Error(`prepared statement prefix too long: ${prefix}`);
  return name;
}

/**
 * Runs one statement as a named prepared statement on the connection behind `manager` (its transaction's, or one
 * taken from the pool for this statement alone, as `EntityManager.query` does): PostgreSQL parses and plans it
 * once per connection instead of on every call, which TypeORM's `query()` (always unnamed) cannot do. Rows as
 * node-postgres gives them; logged like TypeORM's queries, and a failure is a `QueryFailedError` as theirs
 * (callers test its `driverError.code` and `constraint`). PostgreSQL only: the statement's parameters are `$n`.
 *
 * For hot statements whose plan does not depend on the parameters' values: after five executions PostgreSQL may
 * keep a generic plan (`plan_cache_mode`), so check with `EXPLAIN EXECUTE` that it is as good as a custom one.
 */
export async function queryPrepared<T extends QueryResultRow>(
  manager: EntityManager,
  prefix: string,
  text: string,
  parameters: readonly unknown[],
): Promise<T[]> {
  const dataSource = manager.connection;
  if (dataSource.options.type !== 'postgres') {
    throw new TypeORMError(`queryPrepared needs the postgres driver, not ${dataSource.options.type}`);
  }
  const name = preparedStatementName(prefix, text);
  const own = manager.queryRunner;
  if (own?.isReleased) throw new QueryRunnerProviderAlreadyReleasedError();
  const runner = own ?? dataSource.createQueryRunner();
  try {
    // A connected PostgresQueryRunner's `connect()` gives its node-postgres client (the pool's, or the
    // transaction's); the same connection TypeORM's own `query()` would have used.
    const client = (await runner.connect()) as PoolClient;
    dataSource.logger.logQuery(text, [...parameters], runner);
    try {
      const result: QueryResult<T> = await client.query<T>({ name, text, values: [...parameters] });
      return result.rows;
    } catch (error) {
      dataSource.logger.logQueryError(error as Error, text, [...parameters], runner);
      throw new QueryFailedError(text, [...parameters], error as Error);
    }
  } finally {
    if (!own) await runner.release();
  }
}
