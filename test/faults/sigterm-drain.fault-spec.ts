import { QueueName } from '../../src/core/queues/queues.js';
import { sendEmailJobId } from '../../src/notifications/email-jobs.js';
import { ReviewSweep } from '../../src/scheduling/review-sweep.service.js';
import { SmtpSink } from '../utils/smtp-sink.js';
import { buildService, type ServiceProcess, startService } from '../utils/spawn-service.js';
import { createTestApp, type TestApp } from '../utils/test-app.js';
import { queueOf, waitUntil } from '../utils/wait-for-jobs.js';
import { reportFault } from './fault-report.js';
import { reminderOutboxCounts, seedReminders } from './seed-reminders.js';

/**
 * Fault: a worker process busy with a batch of reminders, sent to a slow mail server, gets SIGTERM (what a
 * deploy or a scale-down does), twice; a fresh worker is started each time. The in-process app only serves the
 * API (APP_ROLE=api) and sets up the data; only the spawned, compiled worker processes deliver.
 *
 * What must hold: the worker stops within 30 s (the orchestrator's grace period before SIGKILL: a stated
 * limit, not a performance figure), finishing or handing back what it had started, so BullMQ has no job left
 * active (to be detected as stalled later) and no email is left `sending` (which would be `unknown` later).
 * Then the next worker delivers the rest: every reminder arrives exactly once, none is in doubt.
 */
const REMINDERS = 300;
const TERMS = 2;
/** Each message takes this long to be accepted: the worker always has sends in flight when it is told to stop. */
const SMTP_DELAY_MS = 150;
/** The grace period a container orchestrator gives before SIGKILL (Kubernetes' default). */
const GRACE_MS = 30_000;

describe('faults: SIGTERM to a worker with jobs in flight', () => {
  let sink: SmtpSink;
  let t: TestApp;
  const workers: ServiceProcess[] = [];
  let buildMs = 0;

  beforeAll(async () => {
    buildMs = buildService();
    sink = await SmtpSink.start({ delayMs: SMTP_DELAY_MS });
    t = await createTestApp({ env: { SMTP_URL: sink.url, APP_ROLE: 'api' } });
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(workers.map((worker) => worker.kill()));
    await t?.close();
    await sink?.close();
  });

  async function startWorker(): Promise<ServiceProcess> {
    const worker = await startService(`worker #${workers.length + 1}`, {
      ...t.env,
      APP_ROLE: 'worker',
      SMTP_URL: sink.url,
      LOG_LEVEL: 'warn',
    });
    workers.push(worker);
    return worker;
  }

  /** Jobs BullMQ considers running, on the queues this batch uses. */
  async function activeJobs(): Promise<number> {
    const counts = await Promise.all(
      [QueueName.Notifications, QueueName.Scheduling].map((name) =>
        queueOf(t.app, name).getJobCounts('active'),
      ),
    );
    return counts.reduce((sum, count) => sum + (count.active ?? 0), 0);
  }

  /**
   * Pending emails whose send job is gone: a job that finished during the shutdown but could not enqueue what
   * it had just committed. Only the outbox relay would find them, a minute or more later.
   */
  async function orphaned(): Promise<string[]> {
    const pending = await t.dataSource.query<{ id: string }[]>(
      `SELECT id FROM email_outbox WHERE template = 'review-reminder' AND status = 'pending'`,
    );
    const queue = queueOf(t.app, QueueName.Notifications);
    const states = await Promise.all(pending.map(({ id }) => queue.getJobState(sendEmailJobId(id))));
    return pending
      .filter((_, i) => ['unknown', 'completed', 'failed'].includes(states[i]))
      .map(({ id }) => id);
  }

  it('drains or hands back its jobs within 30 s; the next worker delivers every reminder exactly once', async () => {
    const expected = await seedReminders(t.dataSource, { count: REMINDERS });
    const { due } = await t.app.get(ReviewSweep).sweep();
    expect(due).toBe(REMINDERS);

    const stops: {
      name: string;
      exitS: number;
      code: number | null;
      signal: string | null;
      active: number;
      orphaned: string[];
    }[] = [];
    for (let term = 1; term <= TERMS; term++) {
      const worker = await startWorker();
      const target = Math.min(sink.received.length + 60, REMINDERS - 60);
      await waitUntil(
        `${worker.name} to deliver up to ${target} messages (sink has ${sink.received.length})`,
        () => {
          if (worker.exited()) throw new Error(`${worker.name} exited:\n${worker.output()}`);
          return sink.received.length >= target;
        },
        { timeoutMs: 90_000, intervalMs: 10 },
      );
      // It is mid-batch: jobs running, messages on the wire.
      expect(await activeJobs()).toBeGreaterThan(0);

      const signalledAt = Date.now();
      const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        worker.child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      worker.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        exit,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), GRACE_MS + 5_000);
        }),
      ]);
      clearTimeout(timer);
      const exitS = (Date.now() - signalledAt) / 1000;
      if (!outcome)
        throw new Error(`${worker.name} still running ${exitS} s after SIGTERM:\n${worker.output()}`);
      stops.push({
        name: worker.name,
        exitS,
        ...outcome,
        active: await activeJobs(),
        orphaned: await orphaned(),
      });
    }

    // Each stopped inside the grace period, leaving nothing running behind it. Nest re-raises the signal once
    // its shutdown hooks are done, so a clean stop ends "killed by SIGTERM" (or exit 0), never another code;
    // whether the hooks really drained is what the active jobs and the `sending` rows say.
    for (const stop of stops) {
      expect(stop.exitS).toBeLessThan(GRACE_MS / 1000);
      expect([`code 0`, `signal SIGTERM`]).toContain(
        stop.signal ? `signal ${stop.signal}` : `code ${stop.code}`,
      );
      expect({ name: stop.name, active: stop.active, orphaned: stop.orphaned }).toEqual({
        name: stop.name,
        active: 0,
        orphaned: [],
      });
    }
    expect((await reminderOutboxCounts(t.dataSource)).sending ?? 0).toBe(0);
    const deliveredBeforeLast = sink.received.length;

    const lastStartedAt = Date.now();
    const survivor = await startWorker();
    await waitUntil(
      `all ${REMINDERS} reminders to be sent or flagged (sink has ${sink.received.length})`,
      async () => {
        if (survivor.exited()) throw new Error(`${survivor.name} exited:\n${survivor.output()}`);
        const counts = await reminderOutboxCounts(t.dataSource);
        const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
        return total === REMINDERS && !counts.pending && !counts.sending;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    const recoveredS = (Date.now() - lastStartedAt) / 1000;

    const perRecipient = new Map<string, number>();
    for (const message of sink.received)
      for (const to of message.envelope.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    const duplicated = [...perRecipient].filter(([, n]) => n > 1).map(([to]) => to);
    const lost = expected.filter(({ email }) => !perRecipient.has(email));
    const counts = await reminderOutboxCounts(t.dataSource);

    reportFault({
      scenario: `SIGTERM to a busy worker ×${TERMS}`,
      trials: TERMS,
      lost: lost.length,
      duplicated: duplicated.length,
      recoveredS,
      detail:
        `${REMINDERS} reminders, SMTP ${SMTP_DELAY_MS} ms per message; exited after ` +
        `${stops.map((stop) => `${stop.exitS.toFixed(1)} s (${stop.signal ?? `code ${stop.code}`})`).join(', ')}; ` +
        `${deliveredBeforeLast} delivered before the last worker; unknown ${counts.unknown ?? 0} ` +
        `(tsc build ${(buildMs / 1000).toFixed(1)} s)`,
    });

    expect(duplicated).toEqual([]);
    expect(lost.map(({ email }) => email)).toEqual([]);
    // Nothing in doubt: a graceful stop leaves no email `unknown`, none failed.
    expect(counts).toEqual({ sent: REMINDERS });
    expect(sink.received).toHaveLength(REMINDERS);
    expect(await activeJobs()).toBe(0);
  }, 300_000);
});
