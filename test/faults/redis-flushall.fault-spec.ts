import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { QueueName } from '../../src/core/queues/queues.js';
import { REDIS } from '../../src/core/redis/redis.module.js';
import { PrivateRedis } from '../utils/private-redis.js';
import { SmtpSink } from '../utils/smtp-sink.js';
import { buildService, type ServiceProcess, startService } from '../utils/spawn-service.js';
import { createTestApp, type TestApp } from '../utils/test-app.js';
import { queueOf, waitUntil } from '../utils/wait-for-jobs.js';
import { reportFault } from './fault-report.js';
import { reminderOutboxCounts, seedReminders } from './seed-reminders.js';

/**
 * Fault: Redis loses everything (FLUSHALL) while reminders wait in it as delayed jobs. PostgreSQL is the truth,
 * Redis only holds jobs: the worker's watchdog puts the job schedulers back, and the next sweep queues the
 * reminders again from PostgreSQL, before they fall due.
 *
 * A private redis-server (the shared one must never be flushed) serves the in-process API (it seeds and watches)
 * and a compiled worker process (it sweeps every 2 s and delivers to a real SMTP server). What this proves: every
 * reminder arrives exactly once, none is missed, and every job scheduler is registered again.
 */
const REMINDERS = 200;
/** Far enough ahead that they are all queued, flushed and queued again before the first falls due. */
const DUE_IN_MS = 15_000;

describe('faults: Redis emptied (FLUSHALL) while reminders are pending', () => {
  let redis: PrivateRedis;
  let sink: SmtpSink;
  let t: TestApp;
  let worker: ServiceProcess | undefined;

  beforeAll(async () => {
    buildService();
    redis = await PrivateRedis.start();
    sink = await SmtpSink.start();
    t = await createTestApp({
      env: { REDIS_URL: redis.url, SMTP_URL: sink.url, APP_ROLE: 'api', SWEEP_EVERY: 'PT2S' },
    });
  }, 180_000);

  afterAll(async () => {
    await worker?.kill();
    await t?.close();
    await sink?.close();
    await redis?.close();
  });

  /** Reminder jobs waiting in Redis for their time, added at or after `since`. */
  const queuedReminders = async (since = 0) => {
    const delayed = (await queueOf(t.app, QueueName.Scheduling).getDelayed()) as Job[];
    return delayed.filter((job) => job.id?.startsWith('reminder_') && job.timestamp >= since).length;
  };
  const schedulerIds = async () =>
    (await Promise.all(Object.values(QueueName).map((name) => queueOf(t.app, name).getJobSchedulers(0, -1))))
      .flat()
      .map((scheduler) => scheduler.key)
      .sort();

  it('queues every reminder again from PostgreSQL: each arrives exactly once, none missed', async () => {
    worker = await startService('worker', { ...t.env, APP_ROLE: 'worker', LOG_LEVEL: 'error' });
    const alive = () => {
      if (worker?.exited()) throw new Error(`worker exited:\n${worker.output()}`);
    };
    const expected = await seedReminders(t.dataSource, {
      count: REMINDERS,
      remindAt: new Date(Date.now() + DUE_IN_MS),
    });

    await waitUntil(
      `the sweep to queue all ${REMINDERS} reminders`,
      async () => {
        alive();
        return (await queuedReminders()) === REMINDERS;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const schedulersBefore = await schedulerIds();

    const flushedAt = Date.now();
    redis.flushAll();
    // Nothing had gone out yet: every reminder was only a job in Redis.
    expect(await reminderOutboxCounts(t.dataSource)).toEqual({});

    // Queued again means new jobs: each one added after the flush.
    await waitUntil(
      `the ${REMINDERS} reminders to be queued again`,
      async () => {
        alive();
        return (await queuedReminders(flushedAt)) === REMINDERS;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const recoveredS = (Date.now() - flushedAt) / 1000;

    await waitUntil(
      `all ${REMINDERS} reminders to be sent (sink has ${sink.received.length})`,
      async () => {
        alive();
        const counts = await reminderOutboxCounts(t.dataSource);
        return counts.sent === REMINDERS;
      },
      { timeoutMs: DUE_IN_MS + 60_000, intervalMs: 250 },
    );
    // One more sweep after the last delivery, so a reminder it wrongly queued again would be seen.
    const allSentAt = Date.now();
    await waitUntil('one more sweep', async () => {
      alive();
      const lastRun = await t.app.get<Redis>(REDIS).get(`${t.env.QUEUE_PREFIX}:review-sweep:last-run`);
      return lastRun !== null && new Date(lastRun).getTime() > allSentAt;
    });
    expect(await queuedReminders()).toBe(0);

    const perRecipient = new Map<string, number>();
    for (const message of sink.received)
      for (const to of message.envelope.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    const duplicated = [...perRecipient].filter(([, n]) => n > 1).map(([to]) => to);
    const lost = expected.filter(({ email }) => !perRecipient.has(email));
    const schedulersAfter = await schedulerIds();

    reportFault({
      scenario: 'Redis FLUSHALL while reminders are queued',
      trials: REMINDERS,
      lost: lost.length,
      duplicated: duplicated.length,
      recoveredS,
      detail: `schedulers before ${schedulersBefore.join(',')}; after ${schedulersAfter.join(',')}`,
    });

    expect(duplicated).toEqual([]);
    expect(lost.map(({ email }) => email)).toEqual([]);
    expect(sink.received).toHaveLength(REMINDERS);
    expect(await reminderOutboxCounts(t.dataSource)).toEqual({ sent: REMINDERS });
    expect(schedulersAfter).toEqual(schedulersBefore);
  }, 240_000);
});
