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
 * What the design guarantees (and this proves): no reminder is sent twice, and none is lost silently: each
 * one either arrived or is flagged `unknown`. An email whose worker died after claiming it (`sending`) but
 * before the mail server accepted it did NOT arrive: it is `unknown` until an admin retries it. So "every
 * reminder arrives" holds only after that human step, which the test performs (retry the undelivered ones,
 * mark-sent the delivered ones) before checking that all 1,000 arrived exactly once.
 */
const REMINDERS = 1000;
const KILLS = 3;

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
  });

  async function startWorker(): Promise<ServiceProcess> {
    const worker = await startService(`worker #${workers.length + 1}`, workerEnv());
    workers.push(worker);
    return worker;
  }

  it('kills a worker mid-batch three times: none twice, none lost silently; all arrive once an admin handles the unknown ones', async () => {
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

    // Done when every reminder has been processed into an outbox row and no row is pending or sending.
    await waitUntil(
      `all ${REMINDERS} reminders to be sent or flagged (sink has ${sink.received.length})`,
      async () => {
        if (survivor.exited()) throw new Error(`${survivor.name} exited:\n${survivor.output()}`);
        const counts = await outboxCounts();
        const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
        return total === REMINDERS && !counts.pending && !counts.sending;
      },
      { timeoutMs: 150_000, intervalMs: 250 },
    );
    const recoveredS = (Date.now() - lastKillAt) / 1000;

    // What the kills left behind, before anyone intervenes.
    const byRecipient = () => {
      const counts = new Map<string, number>();
      for (const message of sink.received)
        for (const to of message.envelope.to) counts.set(to, (counts.get(to) ?? 0) + 1);
      return counts;
    };
    const arrivedIds = () =>
      new Set(sink.received.map((message) => /^<?([0-9a-f-]{36})@/.exec(message.messageId ?? '')?.[1]));
    const outboxRows = () =>
      t.dataSource.query<
        { id: string; status: string; to_address: string; attempts: number; last_error: string | null }[]
      >(
        `SELECT id, status, to_address, attempts, last_error FROM email_outbox WHERE template = 'review-reminder'`,
      );

    const rows = await outboxRows();
    const arrived = arrivedIds();
    const unknown = rows.filter((row) => row.status === 'unknown');
    const unknownArrived = unknown.filter((row) => arrived.has(row.id));
    const unknownUndelivered = unknown.filter((row) => !arrived.has(row.id));
    const sent = rows.filter((row) => row.status === 'sent');
    const recipients = byRecipient();
    const duplicated = [...recipients.values()].filter((n) => n > 1).length;
    const flagged = new Set(unknown.map((row) => row.to_address.toLowerCase()));
    // Lost = neither delivered nor flagged for a human: the one thing that must never happen.
    const lost = expected.filter(
      ({ email }) => !recipients.has(email.toLowerCase()) && !flagged.has(email.toLowerCase()),
    );

    reportFault({
      scenario: `worker SIGKILLed mid-batch of ${REMINDERS} reminders`,
      trials: KILLS,
      lost: lost.length,
      duplicated,
      recoveredS,
      detail:
        `unknown ${unknown.length} (${unknownArrived.length} had arrived, ${unknownUndelivered.length} had not; ` +
        `an admin marked-sent or retried them below); tsc build ${(buildMs / 1000).toFixed(1)} s`,
    });

    expect(rows.filter((row) => row.status !== 'sent' && row.status !== 'unknown')).toEqual([]);
    expect(duplicated).toBe(0);
    expect(lost.map(({ email }) => email)).toEqual([]);
    // Every row marked sent did arrive (exactly once: no duplicates above).
    expect(sent.filter((row) => !arrived.has(row.id)).map((row) => row.id)).toEqual([]);
    expect(sent.length + unknown.length).toBe(REMINDERS);
    expect(sink.received).toHaveLength(REMINDERS - unknownUndelivered.length);

    // The human step the design relies on: an unknown email that the mail server did get is marked sent,
    // one it never got is retried. Then every reminder has arrived, exactly once.
    const admin = { Authorization: `Bearer ${t.adminToken}` };
    for (const row of unknownArrived) {
      const response = await t.http().post(`/admin/emails/${row.id}/mark-sent`).set(admin);
      expect(response.status).toBe(200);
    }
    for (const row of unknownUndelivered) {
      const response = await t.http().post(`/admin/emails/${row.id}/retry`).set(admin);
      expect(response.status).toBe(200);
    }
    await waitUntil(
      `the ${unknownUndelivered.length} retried email(s) to be sent`,
      async () => {
        if (survivor.exited()) throw new Error(`${survivor.name} exited:\n${survivor.output()}`);
        const counts = await outboxCounts();
        return counts.sent === REMINDERS;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const finalRecipients = byRecipient();
    expect([...finalRecipients.values()].filter((n) => n > 1)).toEqual([]);
    expect(expected.filter(({ email }) => !finalRecipients.has(email.toLowerCase()))).toEqual([]);
    expect(sink.received).toHaveLength(REMINDERS);
    expect(arrivedIds().size).toBe(REMINDERS);
  }, 300_000);
});
