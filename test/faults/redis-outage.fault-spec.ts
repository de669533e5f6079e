import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { QueueName } from '../../src/core/queues/queues.js';
import { freePort, PrivateRedis } from '../utils/private-redis.js';
import { SmtpSink } from '../utils/smtp-sink.js';
import { buildService, type ServiceProcess, startService } from '../utils/spawn-service.js';
import { createTestApp, createUser, type TestApp, type TestUser } from '../utils/test-app.js';
import { waitUntil } from '../utils/wait-for-jobs.js';
import { createReviewer, seedContent } from '../utils/workflow.js';
import { reportFault } from './fault-report.js';

/**
 * Fault: Redis stops (SIGKILL) for 10 seconds while writers, editors and a reviewer drive articles through the
 * workflow and users log in, then comes back on the same port, empty (no persistence, as after a crash).
 *
 * The API and the worker are compiled processes of their own on a private redis-server; the in-process app only
 * creates the users and reads PostgreSQL. What this proves:
 * - every request completes, none hangs; one that needs Redis (login, signing) fails with a 503 in the one error
 *   body, never a 500; a write that only enqueues after its commit succeeds (the job is rebuilt later);
 * - /health answers 503 naming Redis during the outage, and 200 again after;
 * - nothing is half-written in PostgreSQL: every article has its revisions, every assignment and sign-off the
 *   email (outbox row) its change causes, every sign-off its re-review schedule, and the audit chain verifies;
 * - without restarting either process, writes succeed again and every email written, before, during or after
 *   the outage, is delivered exactly once.
 */
const OUTAGE_MS = 10_000;
const LANES = 3;
/** A request still unanswered after this long counts as hung (the test then fails). */
const HUNG_MS = 30_000;

type Phase = 'before' | 'outage' | 'after';

interface Call {
  op: string;
  startedAt: number;
  ms: number;
  /** 0: no answer (hung, or the connection failed). */
  status: number;
  body: unknown;
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
  etag: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('faults: Redis stopped for 10 seconds under write load', () => {
  let redis: PrivateRedis;
  let sink: SmtpSink;
  let t: TestApp;
  let api: ServiceProcess | undefined;
  let worker: ServiceProcess | undefined;
  let baseUrl: string;
  let writers: TestUser[];
  let editor: TestUser;
  let reviewer: TestUser;
  let loginUser: TestUser;

  beforeAll(async () => {
    buildService();
    redis = await PrivateRedis.start();
    sink = await SmtpSink.start();
    // The in-process app (users, PostgreSQL reads) stays on the shared Redis: only the spawned ones face the fault.
    t = await createTestApp({ env: { APP_ROLE: 'api', SMTP_URL: sink.url } });
    writers = await Promise.all(Array.from({ length: LANES }, () => createUser(t, ['writer'])));
    editor = await createUser(t, ['editor']);
    reviewer = await createReviewer(t);
    loginUser = await createUser(t, ['writer']);

    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const env = {
      ...t.env,
      REDIS_URL: redis.url,
      SMTP_URL: sink.url,
      SWEEP_EVERY: 'PT2S',
      LOG_LEVEL: 'warn',
    };
    [api, worker] = await Promise.all([
      startService('api', { ...env, APP_ROLE: 'api', PORT: String(port), HOST: '127.0.0.1' }),
      startService('worker', { ...env, APP_ROLE: 'worker' }),
    ]);
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([api?.kill(), worker?.kill()]);
    await t?.close();
    await sink?.close();
    await redis?.close();
  });

  it('fails fast with 503 while Redis is down, writes nothing half-way, and recovers without a restart', async () => {
    const calls: Call[] = [];
    let schedulersBefore: string[] = [];
    let stoppedAt = Infinity;
    let restartedAt = Infinity;
    const phaseOf = (at: number): Phase =>
      at < stoppedAt ? 'before' : at < restartedAt ? 'outage' : 'after';

    async function call(
      op: string,
      method: string,
      path: string,
      auth: { Authorization: string } | null,
      body?: unknown,
      headers: Record<string, string> = {},
    ): Promise<Reply> {
      const startedAt = Date.now();
      let reply: Reply = { status: 0, body: {}, etag: null };
      try {
        const response = await fetch(baseUrl + path, {
          method,
          headers: {
            ...auth,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(HUNG_MS),
        });
        const text = await response.text();
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          parsed = { text: text.slice(0, 200) };
        }
        reply = { status: response.status, body: parsed, etag: response.headers.get('etag') };
      } catch (error) {
        reply.body = { error: (error as Error).message };
      }
      calls.push({ op, startedAt, ms: Date.now() - startedAt, status: reply.status, body: reply.body });
      return reply;
    }

    /** Job scheduler ids in the private Redis. */
    const schedulers = async () => {
      const queues = Object.values(QueueName).map(
        (name) =>
          new Queue(name, {
            connection: { host: '127.0.0.1', port: redis.port },
            prefix: t.env.QUEUE_PREFIX,
          }),
      );
      try {
        return (await Promise.all(queues.map((queue) => queue.getJobSchedulers(0, -1))))
          .flat()
          .map((scheduler) => scheduler.key)
          .sort();
      } finally {
        await Promise.all(queues.map((queue) => queue.close()));
      }
    };
    // Each lane: one writer drafts, edits and submits; the editor assigns the reviewer, who accepts and signs.
    // A step that fails abandons that article (left as it is, to check it is whole) and starts another.
    let stopping = false;
    const completed: { lane: number; at: number; articleId: string }[] = [];
    const articles: string[] = [];
    async function workflow(lane: number): Promise<void> {
      const writer = writers[lane];
      const content = { ...seedContent(), slug: `outage-${randomBytes(5).toString('hex')}` };
      const created = await call('create', 'POST', '/articles', writer.auth, content);
      if (created.status !== 201) return;
      const id = created.body.id as string;
      articles.push(id);
      const edited = await call(
        'edit',
        'PATCH',
        `/articles/${id}`,
        writer.auth,
        { bottomLine: `Edited at ${new Date().toISOString()}.`, changeNote: 'outage load' },
        { 'if-match': created.etag ?? '' },
      );
      if (edited.status !== 200) return;
      if ((await call('submit', 'POST', `/articles/${id}/submit`, writer.auth)).status >= 300) return;
      const assigned = await call('assign', 'POST', `/articles/${id}/assignments`, editor.auth, {
        reviewerId: reviewer.id,
      });
      if (assigned.status !== 201) return;
      const accepted = await call(
        'accept',
        'POST',
        `/assignments/${assigned.body.id as string}/accept`,
        reviewer.auth,
      );
      if (accepted.status !== 200) return;
      const approved = await call('approve', 'POST', `/articles/${id}/reviews`, reviewer.auth, {
        decision: 'approve',
        revision: edited.body.currentRevision,
        password: reviewer.password,
      });
      if (approved.status === 200) completed.push({ lane, at: Date.now(), articleId: id });
    }
    const lanes = [
      ...writers.map(async (_, lane) => {
        while (!stopping) await workflow(lane);
      }),
      (async () => {
        while (!stopping) {
          await call('login', 'POST', '/auth/login', null, {
            email: loginUser.email,
            password: loginUser.password,
          });
          await sleep(100);
        }
      })(),
      (async () => {
        while (!stopping) {
          await call('health', 'GET', '/health', null);
          await sleep(200);
        }
      })(),
    ];
    const alive = () => {
      for (const service of [api, worker])
        if (service?.exited()) throw new Error(`${service.name} exited:\n${service.output()}`);
    };
    const everyLaneCompletedSince = (since: number) =>
      writers.every((_, lane) => completed.some((c) => c.lane === lane && c.at > since));

    try {
      await waitUntil(
        'a workflow to complete on every lane before the fault',
        () => {
          alive();
          return everyLaneCompletedSince(0);
        },
        { timeoutMs: 60_000, intervalMs: 50 },
      );

      schedulersBefore = await schedulers();
      stoppedAt = Date.now();
      await redis.stop();
      await sleep(OUTAGE_MS);
      await redis.start();
      restartedAt = Date.now();

      await waitUntil(
        'a workflow to complete on every lane, and /health to answer 200, after Redis is back',
        () => {
          alive();
          const healthy = calls.some(
            (c) => c.op === 'health' && c.startedAt > restartedAt && c.status === 200,
          );
          return healthy && everyLaneCompletedSince(restartedAt);
        },
        { timeoutMs: 60_000, intervalMs: 50 },
      );
    } finally {
      stopping = true;
      await Promise.all(lanes);
    }
    const firstAfter = (op: string, status: number) =>
      Math.min(
        ...calls
          .filter((c) => c.op === op && c.startedAt > restartedAt && c.status === status)
          .map((c) => c.startedAt + c.ms),
      );
    const serviceRecoveredS =
      (Math.max(firstAfter('health', 200), firstAfter('approve', 200), firstAfter('login', 200)) -
        restartedAt) /
      1000;

    // The worker puts back every job scheduler the empty Redis lost (the outbox relay's among them).
    const schedulersAfter = await waitUntil(
      'the job schedulers to be registered again',
      async () => {
        const keys = await schedulers();
        return keys.length === schedulersBefore.length ? keys : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    ).catch(() => schedulers());

    // Every email written (before, during and after the outage) is delivered: the ones whose job Redis lost
    // are put back by the outbox relay (every 30 s, once a row has waited 60 s). Done when none is pending.
    const outboxStates = async () =>
      Object.fromEntries(
        (
          await t.dataSource.query<{ status: string; n: number }[]>(
            `SELECT status, count(*)::int AS n FROM email_outbox GROUP BY status`,
          )
        ).map((row) => [row.status, row.n]),
      ) as Record<string, number>;
    // Without the relay's scheduler nothing puts the lost jobs back: no point waiting for them then.
    const relayBack = schedulersAfter.join() === schedulersBefore.join();
    const emailsSettled = await waitUntil(
      'every email to be delivered',
      async () => {
        alive();
        const states = await outboxStates();
        return !states.pending && !states.sending;
      },
      { timeoutMs: relayBack ? 120_000 : 5_000, intervalMs: 500 },
    ).catch(() => false);
    const emailsRecoveredS = (Date.now() - restartedAt) / 1000;

    // --- What the clients saw.
    const during = calls.filter((c) => phaseOf(c.startedAt) === 'outage');
    const unanswered = calls.filter((c) => c.status === 0);
    const failedBadly = calls.filter((c) => c.status >= 500 && c.status !== 503);
    const unexpected = calls.filter((c) => c.status >= 300 && c.status < 500);
    const unavailable = calls.filter((c) => c.status === 503 && c.op !== 'health');
    const slowest = (list: Call[]) => list.reduce((max, c) => (c.ms > max.ms ? c : max));
    const slowestCall = slowest(calls);
    const slowestInOutage = slowest(during);
    const byOp = (list: Call[]) =>
      Object.entries(
        list.reduce<Record<string, string[]>>((acc, c) => {
          (acc[c.op] ??= []).push(String(c.status));
          return acc;
        }, {}),
      )
        .map(([op, statuses]) => `${op} ${[...new Set(statuses)].join('/')}×${statuses.length}`)
        .join(', ');

    // --- What PostgreSQL holds.
    const q = <T>(sql: string, params: unknown[] = []) => t.dataSource.query<T[]>(sql, params);
    const withoutRevisions = await q<{ id: string }>(
      `SELECT a.id FROM articles a
        WHERE (SELECT count(*) FROM revisions r WHERE r.article_id = a.id) <> a.current_revision`,
    );
    const assignmentsWithoutEmail = await q<{ id: string }>(
      `SELECT x.id FROM assignments x
        WHERE NOT EXISTS (SELECT 1 FROM email_outbox e WHERE e.dedupe_key LIKE 'review-requested:' || x.id || ':%')`,
    );
    const submittedWithoutEmail = await q<{ id: string }>(
      `SELECT a.id FROM articles a
        WHERE a.status <> 'draft'
          AND NOT EXISTS (SELECT 1 FROM email_outbox e WHERE e.dedupe_key LIKE 'needs-reviewer:' || a.id || ':%')`,
    );
    const signOffsWithoutEmail = await q<{ id: string }>(
      `SELECT s.id FROM sign_offs s
        WHERE NOT EXISTS (SELECT 1 FROM email_outbox e WHERE e.dedupe_key = 'approved:' || s.id)`,
    );
    const signedWithoutSchedule = await q<{ id: string }>(
      `SELECT a.id FROM articles a
        WHERE a.status = 'approved'
          AND NOT EXISTS (SELECT 1 FROM review_schedules r
                           WHERE r.article_id = a.id AND r.sign_off_id = (a.latest_sign_off ->> 'id')::uuid)`,
    );
    const approvedIds = new Set(completed.map((c) => c.articleId));
    const signedRows = await q<{ article_id: string }>(`SELECT DISTINCT article_id FROM sign_offs`);
    const signedUnseen = signedRows.filter((row) => !approvedIds.has(row.article_id));
    const missingArticles = (
      await Promise.all(
        articles.map(async (id) =>
          (await q(`SELECT 1 FROM articles WHERE id = $1`, [id])).length ? null : id,
        ),
      )
    ).filter(Boolean);
    const audit = await call('audit', 'GET', '/audit/verify', { Authorization: `Bearer ${t.adminToken}` });

    // --- What the mail server got: each email exactly once.
    const rows = await q<{ id: string; status: string }>(`SELECT id, status FROM email_outbox`);
    const arrivals = new Map<string, number>();
    for (const message of sink.received) {
      const id = /^<?([0-9a-f-]{36})@/.exec(message.messageId ?? '')?.[1] ?? message.messageId ?? '';
      arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
    }
    const duplicated = [...arrivals].filter(([, n]) => n > 1).map(([id]) => id);
    const lost = rows.filter((row) => !arrivals.has(row.id)).map((row) => row.id);

    reportFault({
      scenario: 'Redis stopped 10 s under write load',
      trials: calls.length,
      lost: lost.length,
      duplicated: duplicated.length,
      recoveredS: serviceRecoveredS,
      detail:
        `during the outage: ${byOp(during)}; 503s ${unavailable.length}, 500s ${failedBadly.length}, ` +
        `hung ${unanswered.length}; slowest ${slowestCall.ms} ms (${slowestCall.op}, ` +
        `${phaseOf(slowestCall.startedAt)}), ${slowestInOutage.ms} ms during the outage; ` +
        (emailsSettled
          ? `${rows.length} emails all settled ${emailsRecoveredS.toFixed(1)} s after Redis came back`
          : `emails not all settled ${emailsRecoveredS.toFixed(1)} s after Redis came back: ` +
            JSON.stringify(await outboxStates())) +
        `; schedulers before ${schedulersBefore.join(',')}, after ${schedulersAfter.join(',')}`,
    });

    // Every request was answered; a failure for want of Redis is a 503 in the one error body, never a 500.
    expect(unanswered).toEqual([]);
    expect(failedBadly).toEqual([]);
    expect(unexpected).toEqual([]);
    for (const c of calls.filter((c) => c.status === 503)) {
      expect(c.body).toEqual(
        expect.objectContaining({
          statusCode: 503,
          error: 'Service Unavailable',
          message: expect.any(String),
        }),
      );
    }
    // The fault really hit the requests that need Redis, and /health said so.
    const outageLogins = during.filter((c) => c.op === 'login');
    expect(outageLogins.length).toBeGreaterThan(0);
    expect(outageLogins.filter((c) => c.status === 503).length).toBeGreaterThan(0);
    const outageHealth = during.filter((c) => c.op === 'health' && c.startedAt + c.ms < restartedAt);
    expect(outageHealth.length).toBeGreaterThan(0);
    for (const c of outageHealth) {
      expect(c.status).toBe(503);
      expect((c.body as { message: string }).message).toMatch(/redis/);
    }
    // Writes whose jobs are only enqueued after the commit went on during the outage.
    expect(during.filter((c) => c.op === 'assign' && c.status === 201).length).toBeGreaterThan(0);

    // Nothing half-written.
    expect(missingArticles).toEqual([]);
    expect(withoutRevisions).toEqual([]);
    expect(assignmentsWithoutEmail).toEqual([]);
    expect(submittedWithoutEmail).toEqual([]);
    expect(signOffsWithoutEmail).toEqual([]);
    expect(signedWithoutSchedule).toEqual([]);
    // A sign-off exists exactly for the approvals the reviewer was told succeeded.
    expect(signedUnseen).toEqual([]);
    expect(signedRows).toHaveLength(approvedIds.size);
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({ valid: true });

    // Every email arrived, once; the processes were never restarted.
    expect(schedulersAfter).toEqual(schedulersBefore);
    expect(rows.filter((row) => row.status !== 'sent')).toEqual([]);
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(api?.exited()).toBe(false);
    expect(worker?.exited()).toBe(false);
  }, 300_000);
});
