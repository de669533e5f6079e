import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PrivatePostgres, freePort } from '../utils/private-postgres.js';
import { SmtpSink } from '../utils/smtp-sink.js';
import { buildService, type ServiceProcess, startService } from '../utils/spawn-service.js';
import { ADMIN, testEnv } from '../utils/test-env.js';
import { waitUntil } from '../utils/wait-for-jobs.js';
import { ALAN, seedContent } from '../utils/workflow.js';
import { reportFault } from './fault-report.js';

/**
 * Fault: PostgreSQL restarts while the API takes a steady write load (the whole workflow: draft, edit, submit,
 * assign, accept, approve). Its own PostgreSQL server (never the shared cluster), an API process and a worker
 * process spawned from the production build, each migrating the empty database itself at boot.
 *
 * What must hold: a request during the outage fails fast with a 503 in the one error body (never a 500, never a
 * hang); /health says the database is down, then up again; nothing is half-written (each article has exactly
 * its revisions, the audit chain verifies); and the same processes carry on afterwards: new writes succeed and
 * the worker delivers the emails they cause.
 */
const LOOPS = 4;
/** How long the database stays down in the first trial. */
const OUTAGE_MS = 5_000;
/** A request that takes this long counts as hanging: the point of the 503 is to answer fast. */
const HANG_MS = 15_000;

interface Call {
  step: string;
  status: number;
  body: unknown;
  startedAt: number;
  endedAt: number;
}

interface Actor {
  id: string;
  email: string;
  password: string;
  token: string;
}

describe('faults: PostgreSQL restarted under load', () => {
  let pg: PrivatePostgres;
  let sink: SmtpSink;
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let baseUrl: string;
  let databaseName: string;
  let db: Client | undefined;
  let buildMs = 0;
  const calls: Call[] = [];

  beforeAll(async () => {
    buildMs = buildService();
    pg = await PrivatePostgres.start();
    sink = await SmtpSink.start();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const suffix = randomBytes(4).toString('hex');
    databaseName = `mrs_fault_pg_${suffix}`;
    const env = {
      ...testEnv('unused', `mrs-fault-pg-${suffix}`),
      DATABASE_URL: pg.url(databaseName),
      RUN_MIGRATIONS: 'true',
      SMTP_URL: sink.url,
      LOG_LEVEL: 'warn',
    };
    // The API first: it creates the database, migrates it and seeds the admin; then the worker.
    api = await startService('api', { ...env, APP_ROLE: 'api', PORT: String(port) }, 60_000);
    worker = await startService('worker', { ...env, APP_ROLE: 'worker' }, 60_000);
  }, 180_000);

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await Promise.allSettled([api?.kill(), worker?.kill()]);
    await sink?.close();
    pg?.destroy();
  });

  /** One HTTP call to the spawned API; a hang or a refused connection is recorded as status 0. */
  async function call(
    step: string,
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string>; record?: boolean } = {},
  ): Promise<Call & { etag: string | null }> {
    const startedAt = Date.now();
    let status = 0;
    let body: unknown;
    let etag: string | null = null;
    try {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(HANG_MS),
      });
      status = response.status;
      etag = response.headers.get('etag');
      const text = await response.text();
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    } catch (error) {
      body = { clientError: (error as Error).message };
    }
    const result = { step, status, body, startedAt, endedAt: Date.now() };
    if (options.record !== false) calls.push(result);
    return { ...result, etag };
  }

  async function ok(step: string, method: string, path: string, options: Parameters<typeof call>[3] = {}) {
    const result = await call(step, method, path, { ...options, record: false });
    if (result.status < 200 || result.status >= 300) {
      throw new Error(`${step}: ${result.status} ${JSON.stringify(result.body)}\n${api.output()}`);
    }
    return result;
  }

  async function createActor(adminToken: string, roles: string[]): Promise<Actor> {
    const email = `${roles[0]}-${randomBytes(4).toString('hex')}@test.local`;
    const password = `pass phrase ${randomBytes(6).toString('hex')}`;
    // Invited, as people are: the link is read from the outbox, and the person chooses the password.
    const created = await ok('create user', 'POST', '/users', {
      token: adminToken,
      body: { email, name: `${roles[0]} ${email.slice(0, 12)}`, roles },
    });
    const id = (created.body as { id: string }).id;
    const outbox = new Client({ connectionString: pg.url(databaseName) });
    await outbox.connect();
    const [invitation] = (
      await outbox
        .query<{ url: string }>(
          `SELECT context->>'setupUrl' AS url FROM email_outbox WHERE to_user_id = $1 AND template = 'invitation'`,
          [id],
        )
        .finally(() => outbox.end())
    ).rows;
    await ok('accept invitation', 'POST', '/auth/invitations/accept', {
      body: { token: new URL(invitation.url).searchParams.get('token'), password },
    });
    if (roles.includes('reviewer')) {
      await ok('reviewer profile', 'PUT', `/users/${id}/reviewer-profile`, { token: adminToken, body: ALAN });
    }
    const login = await ok('login', 'POST', '/auth/login', { body: { email, password } });
    return { id, email, password, token: (login.body as { accessToken: string }).accessToken };
  }

  /**
   * One article through the whole workflow; stops at the first failure (the article stays where it got to).
   * Returns the article id once it was created, and whether every step succeeded.
   */
  async function workflow(writer: Actor, editor: Actor, reviewer: Actor) {
    const content = { ...seedContent(), slug: `pg-restart-${randomBytes(5).toString('hex')}` };
    const created = await call('create', 'POST', '/articles', { token: writer.token, body: content });
    if (created.status !== 201) return { articleId: undefined, complete: false };
    const id = (created.body as { id: string }).id;
    const succeeded = (result: Call) => result.status >= 200 && result.status < 300;
    const edited = await call('edit', 'PATCH', `/articles/${id}`, {
      token: writer.token,
      headers: { 'if-match': created.etag ?? '"1"' },
      body: { description: `Edited under load ${randomBytes(4).toString('hex')}.` },
    });
    if (!succeeded(edited)) return { articleId: id, complete: false };
    const submitted = await call('submit', 'POST', `/articles/${id}/submit`, { token: writer.token });
    if (!succeeded(submitted)) return { articleId: id, complete: false };
    const assigned = await call('assign', 'POST', `/articles/${id}/assignments`, {
      token: editor.token,
      body: { reviewerId: reviewer.id },
    });
    if (!succeeded(assigned)) return { articleId: id, complete: false };
    const assignmentId = (assigned.body as { id: string }).id;
    const accepted = await call('accept', 'POST', `/assignments/${assignmentId}/accept`, {
      token: reviewer.token,
    });
    if (!succeeded(accepted)) return { articleId: id, complete: false };
    const approved = await call('approve', 'POST', `/articles/${id}/reviews`, {
      token: reviewer.token,
      body: { decision: 'approve', revision: 2, password: reviewer.password },
    });
    return { articleId: id, complete: succeeded(approved) };
  }

  it('answers 503 during the outage, writes nothing half-way, and recovers without a restart', async () => {
    const adminLogin = await ok('admin login', 'POST', '/auth/login', { body: ADMIN });
    const adminToken = (adminLogin.body as { accessToken: string }).accessToken;
    const editor = await createActor(adminToken, ['editor']);
    const reviewer = await createActor(adminToken, ['reviewer']);
    const writers = await Promise.all(
      Array.from({ length: LOOPS }, () => createActor(adminToken, ['writer'])),
    );

    // The load: each loop drives articles through the workflow, one after another, until told to stop.
    const createdIds = new Set<string>();
    const completedAt: number[][] = writers.map(() => []);
    let stopLoad = false;
    const loops = writers.map(async (writer, i) => {
      while (!stopLoad) {
        const { articleId, complete } = await workflow(writer, editor, reviewer);
        if (articleId) createdIds.add(articleId);
        if (complete) completedAt[i].push(Date.now());
        // After a failure, do not spin: a client would back off before trying again.
        else await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
    const completedSince = (since: number) => completedAt.every((times) => times.some((at) => at > since));

    const trials: {
      kind: string;
      stoppedAt: number;
      startedAt: number;
      healthyAt: number;
      writtenAt: number;
    }[] = [];
    const healthWhileDown: Call[] = [];
    try {
      await waitUntil('every loop to complete one workflow before the fault', () => completedSince(0), {
        timeoutMs: 60_000,
        intervalMs: 100,
      });

      // Trial 1: down for OUTAGE_MS (stop, wait, start). Trial 2: `pg_ctl restart -m fast`.
      for (const kind of ['stop-wait-start', 'restart']) {
        const stoppedAt = Date.now();
        if (kind === 'restart') {
          pg.stop('fast');
          pg.start();
        } else {
          pg.stop('fast');
          // /health must say the database is down while it is.
          const health = await waitUntil(
            '/health to answer 503 while PostgreSQL is down',
            async () => {
              const result = await call('health', 'GET', '/health', { record: false });
              return result.status === 503 ? result : undefined;
            },
            { timeoutMs: 10_000, intervalMs: 200 },
          );
          healthWhileDown.push(health);
          await new Promise((resolve) =>
            setTimeout(resolve, Math.max(0, stoppedAt + OUTAGE_MS - Date.now())),
          );
          pg.start();
        }
        const startedAt = Date.now();
        await waitUntil(
          '/health to answer 200 after PostgreSQL is back',
          async () => (await call('health', 'GET', '/health', { record: false })).status === 200,
          { timeoutMs: 30_000, intervalMs: 100 },
        );
        const healthyAt = Date.now();
        // Recovered = every loop has taken an article through the whole workflow again.
        await waitUntil(
          `every loop to complete a workflow after the ${kind}`,
          () => completedSince(startedAt),
          {
            timeoutMs: 60_000,
            intervalMs: 100,
          },
        );
        trials.push({ kind, stoppedAt, startedAt, healthyAt, writtenAt: Date.now() });
      }
    } finally {
      stopLoad = true;
      await Promise.all(loops);
    }

    // Neither process died or was restarted.
    expect({ api: api.exited(), worker: worker.exited() }).toEqual({ api: false, worker: false });

    // Every answer was a success or a 503 in the one error body; none hung, none was a 500.
    const failures = calls.filter((c) => c.status < 200 || c.status >= 300);
    const unexpected = failures.filter((c) => c.status !== 503);
    // What the API logged about them is what a reader needs to fix them.
    if (unexpected.length) console.error(`API output:\n${api.output()}`);
    expect(unexpected.map(({ step, status, body }) => ({ step, status, body }))).toEqual([]);
    for (const failure of [...failures, ...healthWhileDown]) {
      expect(failure.body).toEqual(
        expect.objectContaining({
          statusCode: 503,
          error: 'Service Unavailable',
          message: expect.any(String),
        }),
      );
    }
    expect(healthWhileDown).toHaveLength(1);
    expect((healthWhileDown[0].body as { message: string }).message).toMatch(/database/);
    // The outage did reach the load (otherwise this proves nothing about requests during it).
    const outage = trials[0];
    expect(
      failures.filter((c) => c.endedAt >= outage.stoppedAt && c.startedAt <= outage.startedAt).length,
    ).toBeGreaterThan(0);
    // Once /health said healthy again, no request failed: the pool dropped its dead connections by itself.
    // (A request still running when the next fault began may fail, rightly: only whole ones in between count.)
    const afterRecovery = failures.filter((c) =>
      trials.some(
        (trial, i) => c.startedAt > trial.healthyAt && c.endedAt < (trials[i + 1]?.stoppedAt ?? Infinity),
      ),
    );
    if (afterRecovery.length) console.error(`API output:\n${api.output()}`);
    expect(afterRecovery.map(({ step, status, body }) => ({ step, status, body }))).toEqual([]);

    // Nothing half-written, read straight from PostgreSQL.
    db = new Client({ connectionString: pg.url(databaseName) });
    await db.connect();
    const [{ articles }] = (
      await db.query<{ articles: number }>('SELECT count(*)::int AS articles FROM articles')
    ).rows as [{ articles: number }];
    // Every article the API said it created exists.
    const known = await db.query<{ id: string }>('SELECT id FROM articles WHERE id = ANY($1::uuid[])', [
      [...createdIds],
    ]);
    expect(known.rowCount).toBe(createdIds.size);
    // Revisions 1..current_revision, no gap, none beyond; one audited edit per revision after the first.
    const broken = await db.query(
      `SELECT a.id, a.version, a.current_revision, a.status,
              (SELECT count(*)::int FROM revisions r WHERE r.article_id = a.id) AS revisions,
              (SELECT max(number) FROM revisions r WHERE r.article_id = a.id) AS last_revision,
              (SELECT count(*)::int FROM audit_events e WHERE e.article_id = a.id AND e.action = 'article.created') AS created,
              (SELECT count(*)::int FROM audit_events e WHERE e.article_id = a.id AND e.action = 'article.edited') AS edits
         FROM articles a
        WHERE (SELECT count(*) FROM revisions r WHERE r.article_id = a.id) <> a.current_revision
           OR (SELECT max(number) FROM revisions r WHERE r.article_id = a.id) <> a.current_revision
           OR (SELECT count(*) FROM audit_events e WHERE e.article_id = a.id AND e.action = 'article.created') <> 1
           OR (SELECT count(*) FROM audit_events e WHERE e.article_id = a.id AND e.action = 'article.edited')
              <> a.current_revision - 1
           OR a.version < a.current_revision`,
    );
    expect(broken.rows).toEqual([]);
    // Every approval is whole: decision, sign-off of an existing revision with its hash, status, assignment.
    const halfSigned = await db.query(
      `SELECT a.id, a.status, a.latest_sign_off IS NOT NULL AS has_latest,
              (SELECT count(*)::int FROM sign_offs s WHERE s.article_id = a.id) AS sign_offs,
              (SELECT count(*)::int FROM review_decisions d WHERE d.article_id = a.id AND d.decision = 'approve') AS approvals,
              (SELECT count(*)::int FROM assignments x WHERE x.article_id = a.id AND x.status = 'completed') AS completed,
              (SELECT count(*)::int FROM sign_offs s JOIN revisions r
                   ON r.article_id = s.article_id AND r.number = s.revision_number AND r.content_hash = s.content_hash
                WHERE s.article_id = a.id) AS matching
         FROM articles a`,
    );
    const inconsistent = halfSigned.rows.filter(
      (row: {
        status: string;
        has_latest: boolean;
        sign_offs: number;
        approvals: number;
        completed: number;
        matching: number;
      }) =>
        row.sign_offs !== row.approvals ||
        row.sign_offs !== row.completed ||
        row.sign_offs !== row.matching ||
        (row.status === 'approved') !== (row.sign_offs === 1) ||
        row.has_latest !== row.sign_offs > 0,
    );
    expect(inconsistent).toEqual([]);
    const signed = halfSigned.rows.filter((row: { sign_offs: number }) => row.sign_offs > 0).length;

    const verify = await ok('audit verify', 'GET', '/audit/verify', { token: adminToken });
    expect(verify.body).toEqual(expect.objectContaining({ valid: true, firstBroken: null }));

    // The worker carried on: every email the load caused is delivered or flagged, none twice, none stuck.
    const outbox = async () =>
      Object.fromEntries(
        (
          await db!.query<{ status: string; n: number }>(
            'SELECT status, count(*)::int AS n FROM email_outbox GROUP BY status',
          )
        ).rows.map((row) => [row.status, row.n]),
      ) as Record<string, number>;
    await waitUntil(
      'every email to be sent or flagged',
      async () => {
        const counts = await outbox();
        return !counts.pending && !counts.sending;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const counts = await outbox();
    expect(counts.failed ?? 0).toBe(0);
    expect(counts.sent ?? 0).toBeGreaterThan(0);
    const sentIds = await db.query<{ message_id: string }>(
      `SELECT message_id FROM email_outbox WHERE status = 'sent'`,
    );
    const received = new Map<string, number>();
    for (const message of sink.received)
      received.set(message.messageId ?? '', (received.get(message.messageId ?? '') ?? 0) + 1);
    const duplicated = [...received.values()].filter((n) => n > 1).length;
    const lost = sentIds.rows.filter((row) => !received.has(row.message_id)).length;
    expect(duplicated).toBe(0);
    expect(lost).toBe(0);
    // The same worker process sent emails caused after the last restart.
    const lastTrial = trials[trials.length - 1];
    const [{ n: sentAfter }] = (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM email_outbox WHERE status = 'sent' AND created_at > to_timestamp($1)`,
        [lastTrial.startedAt / 1000],
      )
    ).rows as [{ n: number }];
    expect(sentAfter).toBeGreaterThan(0);
    // An email in doubt (`unknown`: the outage hit between claiming it and recording the result) is for a
    // person to settle; say whether it did arrive.
    const unknownIds = await db.query<{ id: string }>(`SELECT id FROM email_outbox WHERE status = 'unknown'`);
    const arrivedIds = new Set(
      sink.received.map((message) => /^<?([0-9a-f-]{36})@/.exec(message.messageId ?? '')?.[1]),
    );
    const unknownArrived = unknownIds.rows.filter((row) => arrivedIds.has(row.id)).length;

    const n503 = failures.length;
    reportFault({
      scenario: 'PostgreSQL restart under load',
      trials: trials.length,
      lost,
      duplicated,
      recoveredS: Math.max(...trials.map((trial) => (trial.healthyAt - trial.startedAt) / 1000)),
      detail:
        `${calls.length} requests, ${n503} answered 503, 0 other errors; ${articles} articles (${signed} signed), ` +
        `audit chain valid; emails sent ${counts.sent ?? 0} (${sentAfter} caused after the last restart), ` +
        `unknown ${counts.unknown ?? 0} (${unknownArrived} of them arrived); ` +
        `all loops writing again ${((lastTrial.writtenAt - lastTrial.startedAt) / 1000).toFixed(1)} s after the restart ` +
        `(tsc build ${(buildMs / 1000).toFixed(1)} s)`,
    });
  }, 240_000);
});
