import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ensureDatabase } from '../../src/core/database/ensure-database.js';
import { MIGRATIONS } from '../../src/core/database/schema.js';
import { freePort } from '../utils/private-postgres.js';
import { buildService, type ServiceProcess, startService } from '../utils/spawn-service.js';
import { dropDatabase } from '../utils/test-app.js';
import { ADMIN, databaseUrl, testEnv } from '../utils/test-env.js';
import { waitUntil } from '../utils/wait-for-jobs.js';
import { reportFault } from './fault-report.js';

/**
 * Fault: two instances of the service start at the same moment on an empty database, both with
 * RUN_MIGRATIONS=true (a rolling deploy of a fresh environment, or two replicas scaled up together). They run
 * in the default role (API and workers), as a plain deployment does, so they also race to seed the first admin
 * and to register the recurring jobs.
 *
 * What must hold: every migration is applied exactly once (the migrations table has each one once, and as many
 * rows as src/core/database/schema.ts lists), exactly one instance applies them, and both become healthy
 * (GET /health 200) and usable (the admin can log in through either). Two trials: on an empty database
 * created beforehand, and on a database that does not exist yet (both also race to create it).
 */
const TRIALS: { name: string; createDatabase: boolean }[] = [
  { name: 'empty database', createDatabase: true },
  { name: 'no database yet', createDatabase: false },
];

describe('faults: two instances migrate one empty database at the same moment', () => {
  const services: ServiceProcess[] = [];
  const databases: string[] = [];
  let buildMs = 0;

  beforeAll(() => {
    buildMs = buildService();
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(services.map((service) => service.kill()));
    for (const name of databases) await dropDatabase(name).catch(() => undefined);
  });

  async function query<T>(database: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: databaseUrl(database) });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  it('applies each migration exactly once, and both instances become healthy', async () => {
    const expected = MIGRATIONS.map((migration) => migration.name);
    const results: {
      trial: string;
      applied: string[];
      migrators: number;
      admins: number;
      logins: number[];
      exited: boolean[];
      upS: number;
      healthyS: number;
    }[] = [];
    for (const [i, trial] of TRIALS.entries()) {
      const suffix = randomBytes(4).toString('hex');
      const database = `mrs_fault_mig_${suffix}`;
      databases.push(database);
      if (trial.createDatabase) await query('postgres', `CREATE DATABASE "${database}"`);

      // The default role (no APP_ROLE); `info` so that the instance that migrates says so.
      const env: Record<string, string> = {
        ...testEnv(database, `mrs-fault-mig-${suffix}`),
        RUN_MIGRATIONS: 'true',
        LOG_LEVEL: 'info',
      };
      const ports = [await freePort(), await freePort()];
      const started = Date.now();
      // Both at once: neither waits for the other to be up.
      const pair = await Promise.all(
        ports.map((port, n) =>
          startService(`trial ${i + 1} instance ${n + 1}`, { ...env, PORT: String(port) }, 60_000),
        ),
      );
      services.push(...pair);
      const upS = (Date.now() - started) / 1000;
      // Read now, before request logs push the start-up lines out of the kept output.
      const migrators = pair.filter((service) => /applied migrations/.test(service.output())).length;

      for (const port of ports) {
        await waitUntil(
          `the instance on port ${port} to answer GET /health 200`,
          async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200,
          { timeoutMs: 30_000, intervalMs: 100 },
        );
      }
      const healthyS = (Date.now() - started) / 1000;

      const applied = await query<{ name: string }>(database, 'SELECT name FROM migrations ORDER BY id');
      const [{ n: admins }] = (await query<{ n: number }>(
        database,
        'SELECT count(*)::int AS n FROM users WHERE email = $1',
        [ADMIN.email],
      )) as [{ n: number }];
      const logins: number[] = [];
      for (const port of ports) {
        const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(ADMIN),
        });
        logins.push(login.status);
      }
      results.push({
        trial: trial.name,
        applied: applied.map((row) => row.name),
        migrators,
        admins,
        logins,
        exited: pair.map((service) => service.exited()),
        upS,
        healthyS,
      });
      await Promise.all(pair.map((service) => service.kill('SIGTERM')));
    }

    const duplicated = results.reduce(
      (sum, result) => sum + result.applied.length - new Set(result.applied).size,
      0,
    );
    const lost = results.reduce(
      (sum, result) => sum + expected.filter((name) => !result.applied.includes(name)).length,
      0,
    );
    reportFault({
      scenario: 'two instances migrate an empty database at once',
      trials: TRIALS.length,
      lost,
      duplicated,
      recoveredS: null,
      detail:
        results
          .map(
            (result) =>
              `${result.trial}: ${result.applied.length}/${expected.length} migrations, ` +
              `${result.migrators} instance migrated, both up in ${result.upS.toFixed(1)} s, healthy in ${result.healthyS.toFixed(1)} s`,
          )
          .join('; ') + ` (tsc build ${(buildMs / 1000).toFixed(1)} s)`,
    });

    for (const result of results) {
      // Each migration exactly once, all of them, in the order schema.ts lists them.
      expect(result.applied).toEqual(expected);
      // Exactly one instance did the work; the other found nothing pending once it had the lock.
      expect(result.migrators).toBe(1);
      // They also raced to seed the first admin: one admin, who can log in through either instance.
      expect(result.admins).toBe(1);
      expect(result.logins).toEqual([200, 200]);
      expect(result.exited).toEqual([false, false]);
    }
  }, 240_000);

  // The start-up race above hits CREATE DATABASE's own race only now and then; this narrows in on it, cheaply.
  it('creates a missing database once when two instances ask at the same moment, failing neither', async () => {
    const RACES = 10;
    const outcomes: string[] = [];
    for (let race = 0; race < RACES; race++) {
      const database = `mrs_fault_mkdb_${randomBytes(4).toString('hex')}`;
      databases.push(database);
      const settled = await Promise.allSettled([
        ensureDatabase(databaseUrl(database)),
        ensureDatabase(databaseUrl(database)),
      ]);
      outcomes.push(
        settled
          .map((result) =>
            result.status === 'fulfilled'
              ? `created ${result.value}`
              : `failed: ${(result.reason as Error).message}`,
          )
          .sort()
          .join(', '),
      );
    }
    // Exactly one of each pair created it; the other found it there, whichever error PostgreSQL raised.
    expect(outcomes).toEqual(Array.from({ length: RACES }, () => 'created false, created true'));
  }, 60_000);
});
