import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';

export interface TransactionContext {
  /** Runs after the transaction commits (never if it rolls back): enqueue jobs here, never inside. */
  afterCommit(hook: () => Promise<unknown>): void;
}

const logger = new Logger('Transaction');

/**
 * A database transaction whose side effects (BullMQ jobs) run only once it has committed, so a worker never
 * looks for a row that is not there yet. A failing hook is logged, not thrown: the change is committed, and the
 * periodic sweeps re-enqueue from PostgreSQL whatever a lost hook would have queued.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  work: (tx: EntityManager, context: TransactionContext) => Promise<T>,
): Promise<T> {
  const hooks: (() => Promise<unknown>)[] = [];
  const result = await dataSource.transaction((tx) => work(tx, { afterCommit: (hook) => hooks.push(hook) }));
  for (const hook of hooks) {
    try {
      await hook();
    } catch (error) {
      logger.warn(
        `after-commit hook failed (will be recovered by the next sweep): ${(error as Error).message}`,
      );
    }
  }
  return result;
}
