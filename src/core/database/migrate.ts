import type { DataSource, Migration } from 'typeorm';

/** Arbitrary, fixed key: every instance of this service contends for the same advisory lock. */
export const MIGRATION_LOCK_KEY = 727_301_001;

/**
 * TypeORM takes no lock around migrations, so two instances starting on an empty database would both apply
 * them. Hold a PostgreSQL session-level advisory lock on a dedicated connection while migrating: the second
 * instance waits, then finds nothing pending.
 */
export async function runMigrationsWithLock(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
