import type { DataSource } from 'typeorm';
import { eventually } from './poll.js';

/**
 * Waits until the sealer has chained every audit event committed so far (it runs in the test app, APP_ROLE all):
 * for tests that read `seq`/`hash` or `GET /audit/verify`'s `checked` right after a write.
 */
export async function waitForAuditSealed(dataSource: DataSource, timeoutMs = 20000): Promise<void> {
  await eventually(
    async () => {
      const [{ n }] = await dataSource.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM audit_events WHERE seq IS NULL',
      );
      return n === 0;
    },
    'the audit sealer to seal every event',
    timeoutMs,
    25,
  );
}
