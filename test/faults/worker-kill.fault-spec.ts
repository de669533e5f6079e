import { ReviewSweep } from '../../src/scheduling/review-sweep.service.js';
import { SmtpSink } from '../utils/smtp-sink.js';
import { reportFault } from './fault-report.js';
import { seedReminders } from './seed-reminders.js';
import { buildService, type ServiceProcess, startService } from '../utils/spawn-service.js';
import { createTestApp, type TestApp } from '../utils/test-app.js';
import { waitUntil } from '../utils/wait-for-jobs.js';

/**
 * Fault: a worker process is SIGKILLed in the middle of a batch of reminders, three times, and another one is
 * started each time. The in-process app only serves the API (APP_ROLE=api) and sets up the data; only the
 * spawned, compiled worker processes deliver.
 *
 * What the design guarantees (and this proves): no reminder waits on a person. An email whose worker died after
 * claiming it (`sending`) may or may not have reached the mail server; a reminder is then sent again by the
 * outbox relay once its grace has passed (EMAIL_RESEND_GRACE, seconds here), with the Message-ID fixed when its
 * row was written, so the copies of any reminder that arrived twice share one Message-ID and a deduplicating
 * server or client keeps one. Every reminder arrives, with no admin step; no two copies of one row differ.
 */
const REMINDERS = 1000;
const KILLS = 3;
/** The grace before a reminder in doubt is sent again (resend-policy.ts says 15 minutes; compressed here). */
const RESEND_GRACE = 'PT5S';

describe('faults: a worker killed mid-batch', () => {
  let sink: SmtpSink;
  let t: TestApp;
  const workers: ServiceProcess[] = [];
  let buildMs = 0;

  beforeAll(async () => {
    buildMs = buildService();
    sink = await SmtpSink.start();
    t = await createTestApp({ env: { SMTP_URL: sink.url, APP_ROLE: 'api' } });
  }, 180_000);

  afterAll(async () => {
    // Every spawned process dies, whatever happened.
    await Promise.allSettled(workers.map((worker) => worker.kill()));
    await t?.close();
    await sink?.close();
  });

  const outboxCounts = async () => {
    const rows = await t.dataSource.query<{ status: string; n: number }[]>(
      `SELECT status, count(*)::int AS n FROM email_outbox WHERE template = 'review-reminder' GROUP BY status`,
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.n])) as Record<string, number>;
  };

  const workerEnv = () => ({
    ...t.env,
    APP_ROLE: 'worker',
    ENV_FILE: 'none',
    SMTP_URL: sink.url,
    LOG_LEVEL: 'warn',
    EMAIL_RESEND_GRACE: RESEND_GRACE,
  });

  async function startWorker(): Promise<ServiceProcess> {
    const worker = await startService(`worker #${workers.length + 1}`, workerEnv());
    workers.push(worker);
    return worker;
  }

  it("kills a worker mid-batch three times: every reminder arrives without an admin, every copy carries its row's Message-ID", async () => {
    const now = t.clock.now();
    const expected = await seedReminders(t.dataSource, {
      count: REMINDERS,
      remindAt: new Date(now.getTime() - 60_000),
    });
    const { due } = await t.app.get(ReviewSweep).sweep();
    expect(due).toBe(REMINDERS);

    // Kill a worker each time the sink has received another ~150 messages, then let a fourth one finish.
    for (let kill = 1; kill <= KILLS; kill++) {
      const worker = await startWorker();
      const target = Math.min(sink.received.length + 150, REMINDERS - 100);
      await waitUntil(
        `${worker.name} to deliver up to ${target} messages (sink has ${sink.received.length})`,
        () => {
          if (worker.exited()) throw new Error(`${worker.name} exited:\n${worker.output()}`);
          return sink.received.length >= target;
        },
        { timeoutMs: 90_000, intervalMs: 5 },
      );
      await worker.kill('SIGKILL');
    }
    const lastKillAt = Date.now();
    const survivor = await startWorker();

    // Done when every reminder row is sent: no person does anything.
    await waitUntil(
      `all ${REMINDERS} reminders to be sent (sink has ${sink.received.length}, outbox ${JSON.stringify(await outboxCounts())})`,
      async () => {
        if (survivor.exited()) throw new Error(`${survivor.name} exited:\n${survivor.output()}`);
        const counts = await outboxCounts();
        return counts.sent === REMINDERS;
      },
      { timeoutMs: 200_000, intervalMs: 250 },
    );
    const recoveredS = (Date.now() - lastKillAt) / 1000;

    const rows = await t.dataSource.query<
      { id: string; to_address: string; message_id: string; attempts: number; auto_resends: number }[]
    >(
      `SELECT id, to_address, message_id, attempts, auto_resends FROM email_outbox WHERE template = 'review-reminder'`,
    );
    const rowByRecipient = new Map(rows.map((row) => [row.to_address.toLowerCase(), row]));
    // Every copy the sink accepted, grouped by the row it was sent for (each reviewer has one reminder).
    const copies = new Map<string, string[]>();
    for (const message of sink.received)
      for (const to of message.envelope.to)
        copies.set(to, [...(copies.get(to) ?? []), message.messageId ?? '']);
    // A copy whose Message-ID is not its row's would be a true duplicate: a second, different message.
    const foreignCopies = [...copies].filter(([to, ids]) =>
      ids.some((id) => id !== rowByRecipient.get(to)?.message_id),
    );
    const twice = [...copies.values()].filter((ids) => ids.length > 1);
    const undelivered = expected.filter(({ email }) => !copies.has(email.toLowerCase()));
    const resent = rows.filter((row) => row.auto_resends > 0);

    reportFault({
      scenario: `worker SIGKILLed mid-batch of ${REMINDERS} reminders`,
      trials: KILLS,
      lost: undelivered.length,
      duplicated: foreignCopies.length,
      recoveredS,
      detail:
        `${undelivered.length} reminders undelivered without a human step; re-sent automatically ${resent.length} ` +
        `(grace ${RESEND_GRACE}); ${twice.length} arrived twice, every copy with its row's Message-ID; ` +
        `tsc build ${(buildMs / 1000).toFixed(1)} s`,
    });

    expect(rows).toHaveLength(REMINDERS);
    expect(undelivered.map(({ email }) => email)).toEqual([]);
    expect(foreignCopies).toEqual([]);
    // Every Message-ID was fixed at the row's creation, in the one documented form.
    for (const row of rows) expect(row.message_id).toBe(`<${row.id}@localhost>`);
    // Copies only of rows that were re-sent, and never more than the policy's bound.
    const resentIds = new Set(resent.map((row) => row.message_id));
    expect(twice.filter((ids) => !resentIds.has(ids[0]))).toEqual([]);
    for (const row of resent) expect(row.auto_resends).toBeLessThanOrEqual(2);
    expect(sink.received.length).toBe(REMINDERS + twice.reduce((sum, ids) => sum + ids.length - 1, 0));
  }, 420_000);
});
