import { ReviewSweep } from '../../src/scheduling/review-sweep.service.js';
import { SmtpSink } from '../utils/smtp-sink.js';
import { buildService, type ServiceProcess, startService } from '../utils/spawn-service.js';
import { createTestApp, type TestApp } from '../utils/test-app.js';
import { waitUntil } from '../utils/wait-for-jobs.js';
import { reportFault } from './fault-report.js';
import { reminderOutboxCounts, seedReminders } from './seed-reminders.js';

/**
 * Fault: the mail server reads a message to its end, then drops the connection instead of answering, on 5% of
 * the messages. The sender cannot know whether such a message was delivered: sending it again could email the
 * same reminder twice, so the design flags it `unknown` for a person instead of retrying it.
 *
 * What this proves, with a real SMTP server and a compiled worker process delivering a few hundred reminders:
 * no message reaches the server twice (not even a dropped one), every email ends `sent` (and arrived) or
 * `unknown` with a reason a person can act on, and none is lost silently (neither delivered nor flagged).
 */
const REMINDERS = 300;
/** Every 20th reviewer's message is dropped after its DATA: 5%. */
const DROP_EVERY = 20;

describe('faults: the SMTP server drops the connection after the DATA', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let worker: ServiceProcess | undefined;

  beforeAll(async () => {
    buildService();
    sink = await SmtpSink.start();
    t = await createTestApp({ env: { SMTP_URL: sink.url, APP_ROLE: 'api' } });
  }, 180_000);

  afterAll(async () => {
    await worker?.kill();
    await t?.close();
    await sink?.close();
  });

  it('delivers each reminder at most once and flags every dropped one unknown, none lost', async () => {
    const expected = await seedReminders(t.dataSource, { count: REMINDERS });
    const dropped = new Set(expected.filter((_, i) => i % DROP_EVERY === 0).map(({ email }) => email));
    for (const email of dropped) sink.dropConnectionAfterData(email);
    const { due } = await t.app.get(ReviewSweep).sweep();
    expect(due).toBe(REMINDERS);

    worker = await startService('worker', {
      ...t.env,
      APP_ROLE: 'worker',
      SMTP_URL: sink.url,
      LOG_LEVEL: 'warn',
    });
    const started = Date.now();
    await waitUntil(
      `all ${REMINDERS} reminders to be sent or flagged (sink has ${sink.received.length})`,
      async () => {
        if (worker?.exited()) throw new Error(`worker exited:\n${worker.output()}`);
        const counts = await reminderOutboxCounts(t.dataSource);
        const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
        return total === REMINDERS && !counts.pending && !counts.sending;
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    const tookS = (Date.now() - started) / 1000;

    const rows = await t.dataSource.query<
      { id: string; status: string; to_address: string; last_error: string | null }[]
    >(`SELECT id, status, to_address, last_error FROM email_outbox WHERE template = 'review-reminder'`);
    // Everything the server read to the end, answered or not: a recipient may have it either way.
    const handedOver = [...sink.received, ...sink.dropped];
    const perRecipient = new Map<string, number>();
    for (const message of handedOver)
      for (const to of message.envelope.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    const duplicated = [...perRecipient].filter(([, n]) => n > 1).map(([to]) => to);
    const arrived = new Set(sink.received.flatMap((message) => message.envelope.to));
    const unknown = rows.filter((row) => row.status === 'unknown');
    const flagged = new Set(unknown.map((row) => row.to_address.toLowerCase()));
    const lost = expected.filter(({ email }) => !arrived.has(email) && !flagged.has(email));

    reportFault({
      scenario: 'SMTP drops the connection after DATA on 5% of messages',
      trials: REMINDERS,
      lost: lost.length,
      duplicated: duplicated.length,
      recoveredS: null,
      detail:
        `sent ${rows.filter((row) => row.status === 'sent').length}, unknown ${unknown.length} ` +
        `(dropped by the server ${sink.dropped.length}), all settled in ${tookS.toFixed(1)} s`,
    });

    expect(rows.filter((row) => row.status !== 'sent' && row.status !== 'unknown')).toEqual([]);
    expect(duplicated).toEqual([]);
    expect(lost.map(({ email }) => email)).toEqual([]);
    // Exactly the dropped messages are in doubt, and each says what a person should look for.
    expect([...flagged].sort()).toEqual([...dropped].sort());
    expect(sink.dropped).toHaveLength(dropped.size);
    for (const row of unknown) expect(row.last_error).toMatch(/Message-ID .*retry or mark it sent/);
    // Every row marked sent did arrive, and only those.
    const sentTo = rows.filter((row) => row.status === 'sent').map((row) => row.to_address.toLowerCase());
    expect(sentTo.filter((email) => !arrived.has(email))).toEqual([]);
    expect(sink.received).toHaveLength(REMINDERS - dropped.size);
  }, 240_000);
});
