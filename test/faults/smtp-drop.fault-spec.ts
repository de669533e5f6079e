import { ReviewSweep } from '../../src/scheduling/review-sweep.service.js';
import { SmtpSink } from '../utils/smtp-sink.js';
import { buildService, type ServiceProcess, startService } from '../utils/spawn-service.js';
import { createTestApp, type TestApp } from '../utils/test-app.js';
import { waitUntil } from '../utils/wait-for-jobs.js';
import { reportFault } from './fault-report.js';
import { automaticResendOf } from '../../src/notifications/resend-policy.js';
import { seedReminders } from './seed-reminders.js';

/**
 * Fault: the mail server reads a message to its end, then drops the connection instead of answering, on 5% of
 * the messages. The sender cannot know whether such a message was delivered. A reminder in doubt is sent again
 * by the outbox relay after its grace (EMAIL_RESEND_GRACE, seconds here), with the Message-ID fixed when its row
 * was written, at most twice (resend-policy.ts); after that a person decides.
 *
 * What this proves, with a real SMTP server and a compiled worker process delivering a few hundred reminders:
 * every copy the server read carries its row's one Message-ID (so a deduplicating server or client keeps one),
 * a reminder whose drop was passing arrives with no human step, one whose mailbox keeps dropping is tried
 * exactly 1 + 2 times and then flagged `unknown` with a reason a person can act on, and none is lost silently.
 */
const REMINDERS = 300;
/** Every 20th reviewer's message is dropped after its DATA: 5%. */
const DROP_EVERY = 20;
const RESEND_GRACE = 'PT5S';
const MAX_RESENDS = 2;

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

  it('sends each dropped reminder again with its own Message-ID, up to the bound, and loses none', async () => {
    expect(automaticResendOf('review-reminder')?.maxResends).toBe(MAX_RESENDS);
    const expected = await seedReminders(t.dataSource, { count: REMINDERS });
    const dropped = expected.filter((_, i) => i % DROP_EVERY === 0).map(({ email }) => email);
    // Half the dropping mailboxes drop only the first message (a passing fault), half drop every one.
    const passing = new Set(dropped.filter((_, i) => i % 2 === 0));
    const lasting = new Set(dropped.filter((_, i) => i % 2 === 1));
    for (const email of dropped) sink.dropConnectionAfterData(email);
    const { due } = await t.app.get(ReviewSweep).sweep();
    expect(due).toBe(REMINDERS);

    worker = await startService('worker', {
      ...t.env,
      APP_ROLE: 'worker',
      SMTP_URL: sink.url,
      LOG_LEVEL: 'warn',
      EMAIL_RESEND_GRACE: RESEND_GRACE,
    });
    const started = Date.now();
    const settled = async () => {
      const rows = await t.dataSource.query<{ status: string; auto_resends: number }[]>(
        `SELECT status, auto_resends FROM email_outbox WHERE template = 'review-reminder'`,
      );
      return (
        rows.length === REMINDERS &&
        rows.every(
          (row) => row.status === 'sent' || (row.status === 'unknown' && row.auto_resends === MAX_RESENDS),
        )
      );
    };
    await waitUntil(
      `all ${REMINDERS} reminders to be sent, or unknown after ${MAX_RESENDS} re-sends (sink has ${sink.received.length})`,
      async () => {
        if (worker?.exited()) throw new Error(`worker exited:\n${worker.output()}`);
        for (const email of passing) if (sink.droppedTo(email).length) sink.acceptRecipient(email);
        return settled();
      },
      { timeoutMs: 240_000, intervalMs: 250 },
    );
    const tookS = (Date.now() - started) / 1000;

    const rows = await t.dataSource.query<
      {
        id: string;
        status: string;
        to_address: string;
        message_id: string;
        attempts: number;
        auto_resends: number;
        last_error: string | null;
      }[]
    >(
      `SELECT id, status, to_address, message_id, attempts, auto_resends, last_error
         FROM email_outbox WHERE template = 'review-reminder'`,
    );
    const rowOf = new Map(rows.map((row) => [row.to_address.toLowerCase(), row]));
    // Everything the server read to the end, answered or not: a recipient may have it either way.
    const handedOver = [...sink.received, ...sink.dropped];
    const copies = new Map<string, string[]>();
    for (const message of handedOver)
      for (const to of message.envelope.to)
        copies.set(to, [...(copies.get(to) ?? []), message.messageId ?? '']);
    // A copy with another Message-ID than its row's would be a second, different message: a true duplicate.
    const foreign = [...copies].filter(([to, ids]) => ids.some((id) => id !== rowOf.get(to)?.message_id));
    const arrived = new Set(sink.received.flatMap((message) => message.envelope.to));
    const unknown = rows.filter((row) => row.status === 'unknown');
    const flagged = new Set(unknown.map((row) => row.to_address.toLowerCase()));
    const lost = expected.filter(({ email }) => !arrived.has(email) && !flagged.has(email));
    const passingArrived = [...passing].filter((email) => arrived.has(email));

    reportFault({
      scenario: 'SMTP drops the connection after DATA on 5% of messages',
      trials: REMINDERS,
      lost: lost.length,
      duplicated: foreign.length,
      recoveredS: null,
      detail:
        `sent ${rows.filter((row) => row.status === 'sent').length} (${passingArrived.length} of ` +
        `${passing.size} passing drops arrived on their automatic re-send, no human step), unknown ` +
        `${unknown.length} for a person after ${MAX_RESENDS} re-sends each (mailboxes that drop every message); ` +
        `copies dropped by the server ${sink.dropped.length}, every copy with its row's Message-ID; ` +
        `grace ${RESEND_GRACE}; all settled in ${tookS.toFixed(1)} s`,
    });

    expect(rows).toHaveLength(REMINDERS);
    expect(foreign).toEqual([]);
    expect(lost.map(({ email }) => email)).toEqual([]);
    // A passing drop: dropped once, then arrived on the first automatic re-send, with the same Message-ID.
    for (const email of passing) {
      const row = rowOf.get(email)!;
      expect({ email, status: row.status, attempts: row.attempts, autoResends: row.auto_resends }).toEqual({
        email,
        status: 'sent',
        attempts: 2,
        autoResends: 1,
      });
      expect(sink.droppedTo(email).map((m) => m.messageId)).toEqual([row.message_id]);
      expect(sink.messagesTo(email).map((m) => m.messageId)).toEqual([row.message_id]);
    }
    // A lasting drop: tried once and re-sent twice, then left to a person, who is told what to look for.
    expect([...flagged].sort()).toEqual([...lasting].sort());
    for (const row of unknown) {
      expect(row).toMatchObject({ attempts: 1 + MAX_RESENDS, auto_resends: MAX_RESENDS });
      expect(sink.droppedTo(row.to_address).map((m) => m.messageId)).toEqual(
        Array(1 + MAX_RESENDS).fill(row.message_id),
      );
      expect(row.last_error).toContain(
        `It was already sent again automatically ${MAX_RESENDS} time(s), the most its template allows. ` +
          `Look for Message-ID ${row.message_id} in the mail server's log, then retry or mark it sent.`,
      );
    }
    expect(sink.dropped).toHaveLength(passing.size + lasting.size * (1 + MAX_RESENDS));
    // Every row marked sent did arrive, exactly once, and only those.
    const sentTo = rows.filter((row) => row.status === 'sent').map((row) => row.to_address.toLowerCase());
    expect(sentTo.filter((email) => !arrived.has(email))).toEqual([]);
    expect(sink.received).toHaveLength(REMINDERS - lasting.size);
  }, 420_000);
});
