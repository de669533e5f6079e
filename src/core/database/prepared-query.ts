import { createHash } from 'node:crypto';
import { type EntityManager, QueryFailedError } from 'typeorm';

/** The part of node-postgres' client this uses: a query with a name is prepared once per connection. */
interface NamedQueryClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** Statement names by text: the same text always gets the same name (a hash), on every connection. */
const names = new Map<string, string>();
const MAX_NAMES = 1_000;

export function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    if (names.size >= MAX_NAMES) names.clear();
    name = `mrs_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * `manager.query(text, parameters)` for a statement that returns rows (a SELECT, or a WITH … SELECT), sent as a
 * named prepared statement when the manager holds a PostgreSQL connection (inside a transaction): the server
 * parses and analyses the text once per connection instead of at every call, and the text is not sent again.
 * For the few long statements that run on every publish or workflow step (#15 §2: parsing and planning them was
 * a good part of PostgreSQL's CPU). The texts must be few (each is kept on every pooled connection that ran it)
 * and their parameters typed by casts where PostgreSQL could not tell. Errors are TypeORM's QueryFailedError, as
 * from `manager.query`; outside a transaction it is `manager.query` itself.
 */
export async function queryPrepared<T>(
  manager: EntityManager,
  text: string,
  parameters: unknown[],
): Promise<T[]> {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive || manager.connection.driver.options.type !== 'postgres') {
    return manager.query<T[]>(text, parameters);
  }
  const client = (await runner.connect()) as NamedQueryClient;
  const logger = manager.connection.logger;
  logger.logQuery(text, parameters, runner);
  try {
    const result = await client.query({ name: statementName(text), text, values: parameters });
    return result.rows as T[];
  } catch (error) {
    logger.logQueryError(error as Error, text, parameters, runner);
    throw new QueryFailedError(text, parameters, error as Error);
  }
}
