import { randomBytes, randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { inTransaction } from '../src/core/database/transaction.js';
import { JobName, QueueName } from '../src/core/queues/queues.js';
import {
  EMAIL_OUTBOX_RELAY_EVERY_MS,
  EMAIL_OUTBOX_RELAY_SCHEDULER,
  EmailOutboxRelay,
} from '../src/notifications/email-outbox-relay.js';
import { sendEmailJobId } from '../src/notifications/email-jobs.js';
import { EmailSender } from '../src/notifications/email-sender.js';
import { NotificationsService, type OutgoingEmail } from '../src/notifications/notifications.service.js';
import { deskSession } from './utils/desk-session.js';
import { SmtpSink } from './utils/smtp-sink.js';
import { ADMIN } from './utils/test-env.js';
import { bearer, createTestApp, createUser, type TestApp } from './utils/test-app.js';
import { queueOf, waitForJob, waitForJobs, waitUntil } from './utils/wait-for-jobs.js';

interface OutboxRow {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
  message_id: string | null;
  sent_at: Date | null;
}

const NOW = new Date('2026-03-02T14:00:00Z');

/** A page's text as a person reads it: tags dropped, entities decoded, white space collapsed. */
function visibleText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('notifications: the email outbox and SMTP delivery', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let notifications: NotificationsService;
  let queue: Queue;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await createTestApp({ env: { SMTP_URL: sink.url }, now: NOW });
    notifications = t.app.get(NotificationsService);
    queue = queueOf(t.app, QueueName.Notifications);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const mailbox = (label: string) => `${label}-${randomBytes(4).toString('hex')}@test.local`;

  function reviewRequested(to: string, dedupeKey = `test:${randomUUID()}`): OutgoingEmail {
    return {
      dedupeKey,
      template: 'review-requested',
      to: { address: to },
      context: {
        recipientName: 'Alan Lucks',
        articleTitle: 'Is Baclofen a Benzodiazepine?',
        reviewerName: 'Alan Lucks',
        dueDateText: 'March 9th, 2026',
        reviewUrl: 'http://localhost:3000/assignments/42',
      },
    };
  }

  function queueInTransaction(emails: OutgoingEmail[]): Promise<number> {
    return inTransaction(t.dataSource, (tx, ctx) => notifications.queue(tx, ctx, emails));
  }

  async function rowByKey(dedupeKey: string): Promise<OutboxRow | undefined> {
    const rows: OutboxRow[] = await t.dataSource.query(
      'SELECT id, status, attempts, last_error, message_id, sent_at FROM email_outbox WHERE dedupe_key = $1',
      [dedupeKey],
    );
    return rows[0];
  }

  async function rowById(id: string): Promise<OutboxRow> {
    const rows: OutboxRow[] = await t.dataSource.query(
      'SELECT id, status, attempts, last_error, message_id, sent_at FROM email_outbox WHERE id = $1',
      [id],
    );
    return rows[0];
  }

  function rowInStatus(dedupeKey: string, status: string) {
    return waitUntil(`email ${dedupeKey} to be ${status}`, async () => {
      const row = await rowByKey(dedupeKey);
      return row?.status === status ? row : undefined;
    });
  }

  describe('writing to the outbox', () => {
    it('sends nothing for a transaction that rolls back', async () => {
      const to = mailbox('rolled-back');
      const email = reviewRequested(to);
      await expect(
        inTransaction(t.dataSource, async (tx, ctx) => {
          expect(await notifications.queue(tx, ctx, [email])).toBe(1);
          throw new Error('the change that caused the email failed');
        }),
      ).rejects.toThrow('the change that caused the email failed');

      // A later email that commits goes all the way through, so the pipeline had every chance to send the first.
      const marker = mailbox('after-rollback');
      await queueInTransaction([reviewRequested(marker)]);
      await sink.waitForMessageTo(marker);
      await waitForJobs(t.app);

      expect(await rowByKey(email.dedupeKey)).toBeUndefined();
      expect(sink.messagesTo(to)).toHaveLength(0);
    });

    it('delivers a committed email once, rendered from the templates, and records it as sent', async () => {
      const to = mailbox('reviewer');
      const email = reviewRequested(to);
      expect(await queueInTransaction([email])).toBe(1);

      const received = await sink.waitForMessageTo(to);
      expect(received.to).toEqual([to]);
      expect(received.from).toBe('no-reply@localhost');
      expect(received.subject).toBe('Review requested: Is Baclofen a Benzodiazepine?');
      expect(received.text).toContain(
        'A medical review of "Is Baclofen a Benzodiazepine?" has been requested',
      );
      expect(received.text).toContain('Review due: March 9th, 2026');
      expect(received.text).toContain('http://localhost:3000/assignments/42');
      expect(received.html).toContain('<strong>Is Baclofen a Benzodiazepine?</strong>');
      expect(received.html).toContain('href="http://localhost:3000/assignments/42"');
      expect(received.headers.get('auto-submitted')).toBe('auto-generated');

      const row = await rowInStatus(email.dedupeKey, 'sent');
      expect(row).toMatchObject({ attempts: 1, last_error: null, message_id: `<${row.id}@localhost>` });
      expect(received.messageId).toBe(row.message_id);
      expect(new Date(row.sent_at!).toISOString()).toBe(NOW.toISOString());

      await waitForJobs(t.app);
      expect(sink.messagesTo(to)).toHaveLength(1);
    });

    it('escapes what people typed in the HTML part and keeps it readable in the text part', async () => {
      const to = mailbox('escaping');
      const email = reviewRequested(to);
      email.context.articleTitle = 'Ibuprofen <script>alert(1)</script> & "you"';
      await queueInTransaction([email]);

      const received = await sink.waitForMessageTo(to);
      expect(received.subject).toBe('Review requested: Ibuprofen <script>alert(1)</script> & "you"');
      expect(received.text).toContain('"Ibuprofen <script>alert(1)</script> & "you""');
      expect(received.html).not.toContain('<script>');
      expect(received.html).toContain(
        'Ibuprofen &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;you&quot;',
      );
    });

    it('keeps one row and sends one email for a dedupe key queued by two transactions', async () => {
      const to = mailbox('dedupe');
      const dedupeKey = `reminder:${randomUUID()}:${randomUUID()}:P30D:${randomUUID()}`;
      expect(await queueInTransaction([reviewRequested(to, dedupeKey)])).toBe(1);
      expect(await queueInTransaction([reviewRequested(to, dedupeKey)])).toBe(0);

      await sink.waitForMessageTo(to);
      await waitForJobs(t.app);
      const [{ n }] = await t.dataSource.query(
        'SELECT count(*)::int AS n FROM email_outbox WHERE dedupe_key = $1',
        [dedupeKey],
      );
      expect(n).toBe(1);
      expect(sink.messagesTo(to)).toHaveLength(1);
    });

    it('refuses a malformed email inside the transaction, so the change rolls back with it', async () => {
      const email = reviewRequested('not-an-address');
      await expect(queueInTransaction([email])).rejects.toThrow(/not an email address/);
      expect(await rowByKey(email.dedupeKey)).toBeUndefined();
    });
  });

  describe('at most once', () => {
    it('sends nothing more when the job of a sent email runs again', async () => {
      const to = mailbox('redelivered');
      const email = reviewRequested(to);
      await queueInTransaction([email]);
      await sink.waitForMessageTo(to);
      const row = await rowInStatus(email.dedupeKey, 'sent');

      // The handler itself, run again for the same row:
      expect(await t.app.get(EmailSender).send(row.id)).toBe('skipped');
      // And a second SendEmail job for the row, through the queue and the worker:
      await queue.add(JobName.SendEmail, { outboxId: row.id }, { jobId: `redelivered-${row.id}` });
      const again = await waitForJob(queue, `redelivered-${row.id}`);
      expect(again).toMatchObject({ state: 'completed', returnvalue: 'skipped' });

      expect(sink.messagesTo(to)).toHaveLength(1);
      expect(await rowById(row.id)).toMatchObject({ status: 'sent', attempts: 1 });
    });

    it('skips, without failing, a job whose row is gone', async () => {
      expect(await t.app.get(EmailSender).send(randomUUID())).toBe('skipped');
    });

    it('marks unknown, and does not send, a row an earlier attempt left in "sending"', async () => {
      const to = mailbox('died-mid-send');
      const [{ id }] = await t.dataSource.query(
        `INSERT INTO email_outbox (dedupe_key, template, to_address, context, status, attempts, message_id)
         VALUES ($1, 'review-requested', $2, $3, 'sending', 1, $4) RETURNING id`,
        [`test:${randomUUID()}`, to, JSON.stringify(reviewRequested(to).context), '<died@localhost>'],
      );
      expect(await t.app.get(EmailSender).send(id)).toBe('unknown');
      const row = await rowById(id);
      expect(row.status).toBe('unknown');
      expect(row.last_error).toContain('<died@localhost>');
      expect(sink.messagesTo(to)).toHaveLength(0);
    });

    it('fails an email whose context lacks a key its template needs, without retrying it', async () => {
      const to = mailbox('bad-context');
      const email = reviewRequested(to);
      delete email.context.dueDateText;
      await queueInTransaction([email]);

      const row = await rowInStatus(email.dedupeKey, 'failed');
      expect(row.last_error).toBe(
        'Email template "review-requested" needs context keys that are missing: dueDateText',
      );
      // One attempt (claimed, then refused by the template before any SMTP), never a second.
      expect(row.attempts).toBe(1);
      expect(await waitForJob(queue, sendEmailJobId(row.id))).toMatchObject({ state: 'failed' });
      expect(sink.messagesTo(to)).toHaveLength(0);
    });
  });

  describe('when the mail server misbehaves', () => {
    it('keeps the email pending while the server refuses connections, retries with backoff, and delivers it once the server is back', async () => {
      await sink.stop();
      const to = mailbox('server-down');
      const email = reviewRequested(to);
      try {
        await queueInTransaction([email]);
        const failedTwice = await waitUntil('two failed attempts', async () => {
          const row = await rowByKey(email.dedupeKey);
          return row && row.status === 'pending' && row.attempts >= 2 ? row : undefined;
        });
        expect(failedTwice.last_error).toMatch(/ECONNECTION|ECONNREFUSED/);
        expect(await queue.getJobState(sendEmailJobId(failedTwice.id))).toMatch(/delayed|waiting|active/);
      } finally {
        await sink.resume();
      }

      const received = await sink.waitForMessageTo(to, 30_000);
      expect(received.subject).toBe('Review requested: Is Baclofen a Benzodiazepine?');
      const row = await rowInStatus(email.dedupeKey, 'sent');
      expect(row.attempts).toBeGreaterThanOrEqual(3);
      await waitForJobs(t.app);
      expect(sink.messagesTo(to)).toHaveLength(1);
    });

    it('sends at once from a worker when asked to (reminders), and hands a refused email to the queue for its retries', async () => {
      const now = mailbox('deliver-now');
      const sendNow = reviewRequested(now);
      await inTransaction(t.dataSource, (tx, ctx) =>
        notifications.queue(tx, ctx, [sendNow], { deliverNow: true }),
      );
      // Sent by the time the transaction's after-commit work is done, without a SendEmail job.
      const sentRow = await rowByKey(sendNow.dedupeKey);
      expect(sentRow).toMatchObject({ status: 'sent', attempts: 1 });
      expect(await queue.getJobState(sendEmailJobId(sentRow!.id))).toBe('unknown');
      expect(sink.messagesTo(now)).toHaveLength(1);

      await sink.stop();
      const later = mailbox('deliver-now-server-down');
      const refused = reviewRequested(later);
      try {
        await inTransaction(t.dataSource, (tx, ctx) =>
          notifications.queue(tx, ctx, [refused], { deliverNow: true }),
        );
        const row = await rowByKey(refused.dedupeKey);
        expect(row).toMatchObject({ status: 'pending', attempts: 1 });
        expect(row!.last_error).toMatch(/ECONNECTION|ECONNREFUSED/);
        expect(await queue.getJobState(sendEmailJobId(row!.id))).toMatch(/delayed|waiting|active/);
      } finally {
        await sink.resume();
      }
      await sink.waitForMessageTo(later, 30_000);
      const row = await rowInStatus(refused.dedupeKey, 'sent');
      expect(row.attempts).toBeGreaterThanOrEqual(2);
      await waitForJobs(t.app);
      expect(sink.messagesTo(later)).toHaveLength(1);
    });

    it('fails an email to a mailbox the server rejects with 550, without retrying, and shows it to admins only', async () => {
      const to = mailbox('no-such-mailbox');
      sink.rejectRecipient(to, 550);
      const email = reviewRequested(to);
      await queueInTransaction([email]);

      const row = await rowInStatus(email.dedupeKey, 'failed');
      expect(row.attempts).toBe(1);
      expect(row.last_error).toContain('550');
      expect(await waitForJob(queue, sendEmailJobId(row.id))).toMatchObject({ state: 'failed' });
      expect(await rowById(row.id)).toMatchObject({ status: 'failed', attempts: 1 });
      expect(sink.refusedRecipients.filter((address) => address === to)).toHaveLength(1);

      const listed = await t.http().get('/admin/emails?status=failed').set(bearer(t.adminToken));
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            id: row.id,
            toAddress: to,
            template: 'review-requested',
            status: 'failed',
            attempts: 1,
            lastError: expect.stringContaining('550'),
          }),
        ]),
      );
      const byDefault = await t.http().get('/admin/emails').set(bearer(t.adminToken));
      expect(byDefault.body.map((e: { id: string }) => e.id)).toContain(row.id);

      const writer = await createUser(t, ['writer']);
      const forbidden = await t.http().get('/admin/emails?status=failed').set(writer.auth);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      expect((await t.http().post(`/admin/emails/${row.id}/retry`).set(writer.auth)).status).toBe(403);
      expect((await t.http().get('/admin/emails?status=bogus').set(bearer(t.adminToken))).status).toBe(400);
    });

    it('lets an admin retry a failed email once the mailbox works, and audits it', async () => {
      const to = mailbox('fixed-mailbox');
      sink.rejectRecipient(to, 550);
      const email = reviewRequested(to);
      await queueInTransaction([email]);
      const failed = await rowInStatus(email.dedupeKey, 'failed');
      await waitForJob(queue, sendEmailJobId(failed.id));

      sink.acceptRecipient(to);
      const retried = await t.http().post(`/admin/emails/${failed.id}/retry`).set(bearer(t.adminToken));
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ id: failed.id, status: 'pending' });

      await sink.waitForMessageTo(to);
      const sent = await rowInStatus(email.dedupeKey, 'sent');
      expect(sent.attempts).toBe(2);
      await waitForJobs(t.app);
      expect(sink.messagesTo(to)).toHaveLength(1);

      const audit = await t.http().get(`/audit?entityId=${failed.id}`).set(bearer(t.adminToken));
      expect(audit.body).toEqual([
        expect.objectContaining({
          action: 'email.retried',
          entityType: 'email',
          before: expect.objectContaining({ status: 'failed' }),
          after: { status: 'pending' },
        }),
      ]);
      const again = await t.http().post(`/admin/emails/${failed.id}/retry`).set(bearer(t.adminToken));
      expect(again.status).toBe(409);
      expect(again.body.message).toContain('sent');
    });

    it('marks unknown, and never resends, an email whose connection dropped after the DATA; an admin can mark it sent', async () => {
      const to = mailbox('dropped');
      sink.dropConnectionAfterData(to);
      const email = reviewRequested(to);
      await queueInTransaction([email]);

      const row = await rowInStatus(email.dedupeKey, 'unknown');
      expect(row.attempts).toBe(1);
      expect(row.last_error).toContain('Delivery outcome unknown');
      expect(row.last_error).toContain(row.message_id);
      expect(await waitForJob(queue, sendEmailJobId(row.id))).toMatchObject({ state: 'failed' });
      await waitForJobs(t.app);
      expect(sink.droppedTo(to)).toHaveLength(1);
      expect(sink.droppedTo(to)[0].subject).toBe('Review requested: Is Baclofen a Benzodiazepine?');
      expect(sink.messagesTo(to)).toHaveLength(0);
      expect(await rowById(row.id)).toMatchObject({ status: 'unknown', attempts: 1 });

      const listed = await t.http().get('/admin/emails?status=unknown').set(bearer(t.adminToken));
      expect(listed.body).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: row.id, status: 'unknown' })]),
      );

      const marked = await t.http().post(`/admin/emails/${row.id}/mark-sent`).set(bearer(t.adminToken));
      expect(marked.status).toBe(200);
      expect(marked.body).toMatchObject({ id: row.id, status: 'sent', messageId: row.message_id });
      expect(marked.body.sentAt).toBe(NOW.toISOString());
      const audit = await t.http().get(`/audit?entityId=${row.id}`).set(bearer(t.adminToken));
      expect(audit.body).toEqual([
        expect.objectContaining({
          action: 'email.marked_sent',
          entityType: 'email',
          before: expect.objectContaining({ status: 'unknown' }),
          after: expect.objectContaining({ status: 'sent' }),
        }),
      ]);

      const twice = await t.http().post(`/admin/emails/${row.id}/mark-sent`).set(bearer(t.adminToken));
      expect(twice.status).toBe(409);
      const missing = await t
        .http()
        .post(`/admin/emails/${randomUUID()}/mark-sent`)
        .set(bearer(t.adminToken));
      expect(missing.status).toBe(404);
      expect(sink.droppedTo(to)).toHaveLength(1);
    });
  });

  describe('outbox relay', () => {
    it('runs in the worker as one job scheduler with a stable id', async () => {
      expect((await queue.getWorkers()).length).toBeGreaterThan(0);
      // What every boot does: upsert, so a restart replaces the schedule instead of adding a second one.
      await t.app.get(EmailOutboxRelay).onApplicationBootstrap();
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.filter((s) => s.key === EMAIL_OUTBOX_RELAY_SCHEDULER)).toEqual([
        expect.objectContaining({ name: JobName.RelayEmailOutbox, every: EMAIL_OUTBOX_RELAY_EVERY_MS }),
      ]);
    });

    it('re-enqueues a pending email whose job was lost, and it is delivered once', async () => {
      const to = mailbox('lost-job');
      const dedupeKey = `test:${randomUUID()}`;
      // Committed, but its job never reached Redis (Redis down at commit, or flushed since).
      const [{ id }] = await t.dataSource.query(
        `INSERT INTO email_outbox (dedupe_key, template, to_address, context, created_at, updated_at)
         VALUES ($1, 'review-requested', $2, $3, now() - interval '5 minutes', now() - interval '5 minutes')
         RETURNING id`,
        [dedupeKey, to, JSON.stringify(reviewRequested(to).context)],
      );
      expect(await queue.getJobState(sendEmailJobId(id))).toBe('unknown');

      const relay = await queue.add(JobName.RelayEmailOutbox, {}, { jobId: `relay-now-${id}` });
      expect(await waitForJob(queue, relay.id!)).toMatchObject({ state: 'completed' });

      const received = await sink.waitForMessageTo(to);
      expect(received.messageId).toBe(`<${id}@localhost>`);
      await rowInStatus(dedupeKey, 'sent');

      const again = await queue.add(JobName.RelayEmailOutbox, {}, { jobId: `relay-again-${id}` });
      expect(await waitForJob(queue, again.id!)).toMatchObject({ state: 'completed' });
      await waitForJobs(t.app);
      expect(sink.messagesTo(to)).toHaveLength(1);
    });

    it('marks unknown an email left "sending" long ago by a worker that died, without sending it', async () => {
      const to = mailbox('abandoned');
      const [{ id }] = await t.dataSource.query(
        `INSERT INTO email_outbox (dedupe_key, template, to_address, context, status, attempts, updated_at)
         VALUES ($1, 'review-requested', $2, $3, 'sending', 1, now() - interval '20 minutes') RETURNING id`,
        [`test:${randomUUID()}`, to, JSON.stringify(reviewRequested(to).context)],
      );
      const relay = await queue.add(JobName.RelayEmailOutbox, {}, { jobId: `relay-abandoned-${id}` });
      expect(await waitForJob(queue, relay.id!)).toMatchObject({ state: 'completed' });
      expect((await rowById(id)).status).toBe('unknown');
      expect(sink.messagesTo(to)).toHaveLength(0);
    });
  });

  describe('automatic re-send of reminders in doubt (resend-policy.ts)', () => {
    const GRACE_MS = 15 * 60_000;

    function reviewReminder(to: string, dedupeKey = `test:reminder:${randomUUID()}`): OutgoingEmail {
      return {
        dedupeKey,
        template: 'review-reminder',
        to: { address: to },
        context: {
          recipientName: 'Alan Lucks',
          articleTitle: 'Is Baclofen a Benzodiazepine?',
          dueDateText: 'March 9th, 2026',
          daysText: 'in 7 days',
          overdue: false,
          changes: [],
          reviewUrl: 'http://localhost:3000/desk/reviews/42',
        },
      };
    }

    /** An outbox row as a worker that died (or a dropped connection) left it, last attempted `ago` ms before NOW. */
    async function inDoubt(
      email: OutgoingEmail,
      status: 'unknown' | 'sending',
      ago: number,
      autoResends = 0,
    ): Promise<{ id: string; messageId: string }> {
      const id = randomUUID();
      const messageId = `<${id}@localhost>`;
      await t.dataSource.query(
        `INSERT INTO email_outbox (id, dedupe_key, template, to_address, context, status, attempts, message_id,
                                   last_attempt_at, auto_resends, last_error, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, 'Delivery outcome unknown',
                 now() - make_interval(secs => $10))`,
        [
          id,
          email.dedupeKey,
          email.template,
          email.to.address,
          JSON.stringify(email.context),
          status,
          messageId,
          new Date(NOW.getTime() - ago),
          autoResends,
          ago / 1000,
        ],
      );
      return { id, messageId };
    }

    // Run by hand here; the worker's scheduled relay may run at the same moment, so the tests look at the rows
    // and the mail server, not at which run did the work.
    const relay = () => t.app.get(EmailOutboxRelay);

    afterEach(() => t.clock.set(NOW));

    it('fixes the Message-ID when the row is written, before any attempt', async () => {
      const email = reviewReminder(mailbox('fixed-id'));
      const stored = await inTransaction(t.dataSource, async (tx, ctx) => {
        await notifications.queue(tx, ctx, [email]);
        const rows: { id: string; message_id: string; attempts: number }[] = await tx.query(
          'SELECT id, message_id, attempts FROM email_outbox WHERE dedupe_key = $1',
          [email.dedupeKey],
        );
        return rows[0];
      });
      expect(stored.attempts).toBe(0);
      expect(stored.message_id).toBe(`<${stored.id}@localhost>`);
      const received = await sink.waitForMessageTo(email.to.address);
      expect(received.messageId).toBe(stored.message_id);
    });

    it('sends a reminder whose connection dropped after the DATA again after the grace, with the same Message-ID, once', async () => {
      const to = mailbox('reminder-dropped');
      sink.dropConnectionAfterData(to);
      const email = reviewReminder(to);
      await queueInTransaction([email]);
      const unknown = await rowInStatus(email.dedupeKey, 'unknown');
      expect(unknown.attempts).toBe(1);
      expect(unknown.last_error).toContain(
        `Look for Message-ID ${unknown.message_id} in the mail server's log; unless someone marks it sent or ` +
          'retries it first, it is sent again automatically, with the same Message-ID, 15 minutes after its last ' +
          'attempt (automatic re-send 1 of 2).',
      );
      await waitForJobs(t.app);

      // Within the grace: nothing happens.
      t.clock.advance(GRACE_MS - 1000);
      await relay().run();
      expect(await rowById(unknown.id)).toMatchObject({ status: 'unknown', attempts: 1 });

      const listed = await t.http().get('/admin/emails?status=unknown').set(bearer(t.adminToken));
      expect(listed.body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            id: unknown.id,
            onUnknown: 'resend-after',
            autoResends: 0,
            lastAttemptAt: NOW.toISOString(),
            autoResendAt: new Date(NOW.getTime() + GRACE_MS).toISOString(),
          }),
        ]),
      );

      // The admin's outbox page says when the last attempt was and when it goes out again by itself.
      const page = await (
        await deskSession(t, ADMIN.email, ADMIN.password)
      ).get('/desk/admin/emails?status=unknown');
      expect(page.status).toBe(200);
      expect(visibleText(page.text)).toContain(
        `unknown 1 attempt(s), last Mar 2, 2026, 9:00 AM EST Sent again automatically, same Message-ID, from ` +
          `Mar 2, 2026, 9:15 AM EST`,
      );

      // Past the grace, the mailbox works again: the relay sends it again, by itself.
      sink.acceptRecipient(to);
      t.clock.advance(2000);
      await relay().run();
      const sent = await rowInStatus(email.dedupeKey, 'sent');
      expect(sent).toMatchObject({ attempts: 2, message_id: unknown.message_id });
      await waitForJobs(t.app);
      expect(sink.droppedTo(to).map((message) => message.messageId)).toEqual([unknown.message_id]);
      expect(sink.messagesTo(to).map((message) => message.messageId)).toEqual([unknown.message_id]);

      // Shown to admins: attempts, when the last one was, how many were automatic.
      const shown = await t.http().get('/admin/emails?status=sent&limit=200').set(bearer(t.adminToken));
      expect(shown.body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            id: unknown.id,
            attempts: 2,
            autoResends: 1,
            autoResendAt: null,
            lastAttemptAt: new Date(NOW.getTime() + GRACE_MS + 1000).toISOString(),
            messageId: unknown.message_id,
          }),
        ]),
      );
      const sentPage = await (
        await deskSession(t, ADMIN.email, ADMIN.password)
      ).get('/desk/admin/emails?status=sent');
      expect(visibleText(sentPage.text)).toContain(
        `${to} sent 2 attempt(s), last Mar 2, 2026, 9:15 AM EST ; sent again automatically 1 time(s)`,
      );
      // Once sent, nothing more.
      t.clock.advance(2 * GRACE_MS);
      await relay().run();
      await waitForJobs(t.app);
      expect(sink.messagesTo(to)).toHaveLength(1);
    });

    it('sends again a reminder left "sending" by a worker that died, past the grace only, with its stored Message-ID', async () => {
      const stuck = reviewReminder(mailbox('reminder-stuck'));
      const recent = reviewReminder(mailbox('reminder-in-flight'));
      const old = await inDoubt(stuck, 'sending', GRACE_MS + 60_000);
      const young = await inDoubt(recent, 'sending', 60_000);

      await relay().run();
      const received = await sink.waitForMessageTo(stuck.to.address);
      expect(received.messageId).toBe(old.messageId);
      expect(received.subject).toContain('Is Baclofen a Benzodiazepine?');
      expect(await rowInStatus(stuck.dedupeKey, 'sent')).toMatchObject({ attempts: 2 });
      expect(await rowById(young.id)).toMatchObject({ status: 'sending', attempts: 1 });
      expect(sink.messagesTo(recent.to.address)).toHaveLength(0);
    });

    it('lets only one of two relays running at once send a reminder again', async () => {
      const email = reviewReminder(mailbox('reminder-raced'));
      const row = await inDoubt(email, 'unknown', GRACE_MS + 60_000);
      const reports = await Promise.all([relay().run(), relay().run(), relay().run()]);
      // At most one of them (the worker's own scheduled relay may also be running): the row counts one re-send.
      expect(reports.reduce((sum, report) => sum + report.resent, 0)).toBeLessThanOrEqual(1);
      await rowInStatus(email.dedupeKey, 'sent');
      await waitForJobs(t.app);
      expect(sink.messagesTo(email.to.address).map((message) => message.messageId)).toEqual([row.messageId]);
      const [{ auto_resends }] = await t.dataSource.query<{ auto_resends: number }[]>(
        'SELECT auto_resends FROM email_outbox WHERE id = $1',
        [row.id],
      );
      expect(auto_resends).toBe(1);
    });

    it('stops after the most re-sends its template allows, and leaves the reminder to a person', async () => {
      const email = reviewReminder(mailbox('reminder-exhausted'));
      const row = await inDoubt(email, 'unknown', 10 * GRACE_MS, 2);
      await relay().run();
      expect(await rowById(row.id)).toMatchObject({ status: 'unknown', attempts: 1 });
      const listed = await t.http().get('/admin/emails?status=unknown&limit=200').set(bearer(t.adminToken));
      expect(listed.body).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: row.id, autoResends: 2, autoResendAt: null })]),
      );
      expect(sink.messagesTo(email.to.address)).toHaveLength(0);
    });

    it('never sends an invitation or an approval receipt again by itself: it waits for an admin, who can retry it', async () => {
      const invitationTo = mailbox('invitation-in-doubt');
      const invitation: OutgoingEmail = {
        dedupeKey: `test:invitation:${randomUUID()}`,
        template: 'invitation',
        to: { address: invitationTo },
        context: {
          recipientName: 'Alan Lucks',
          inviterName: 'Ada Admin',
          roles: 'reviewer',
          siteName: 'Health Library',
          setupUrl: 'http://localhost:3000/desk/account/setup?token=abc',
          expiresText: 'March 5th, 2026',
        },
      };
      const receiptTo = mailbox('receipt-in-doubt');
      const receipt: OutgoingEmail = {
        dedupeKey: `test:approved:${randomUUID()}`,
        template: 'approved',
        to: { address: receiptTo },
        context: {
          recipientName: 'Wendy Writer',
          articleTitle: 'Is Baclofen a Benzodiazepine?',
          reviewerName: 'Alan Lucks',
          byline: 'Medically reviewed by Alan Lucks, MD on January 10th, 2026',
          articleUrl: 'http://localhost:3000/desk/articles/1',
        },
      };
      const unknownInvitation = await inDoubt(invitation, 'unknown', 100 * GRACE_MS);
      const sendingReceipt = await inDoubt(receipt, 'sending', 100 * GRACE_MS);

      // A day later (other tests' reminders may be re-sent by this run; these two never are).
      t.clock.advance(24 * 3600_000);
      await relay().run();
      await waitForJobs(t.app);
      expect(sink.messagesTo(invitationTo)).toHaveLength(0);
      expect(sink.messagesTo(receiptTo)).toHaveLength(0);
      expect(await rowById(unknownInvitation.id)).toMatchObject({ status: 'unknown', attempts: 1 });
      // The receipt left "sending" is only marked unknown for a person (the relay's 10-minute rule), never sent.
      expect((await rowById(sendingReceipt.id)).status).toBe('unknown');
      expect((await rowById(sendingReceipt.id)).last_error).toMatch(/then retry or mark it sent\.$/);

      const listed = await t.http().get('/admin/emails?status=unknown&limit=200').set(bearer(t.adminToken));
      expect(listed.body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: unknownInvitation.id, onUnknown: 'ask-human', autoResendAt: null }),
          expect.objectContaining({ id: sendingReceipt.id, onUnknown: 'ask-human', autoResendAt: null }),
        ]),
      );

      // The human step: an admin retries the invitation; it goes out once, with its own Message-ID.
      const retried = await t
        .http()
        .post(`/admin/emails/${unknownInvitation.id}/retry`)
        .set(bearer(t.adminToken));
      expect(retried.status).toBe(200);
      const received = await sink.waitForMessageTo(invitationTo);
      expect(received.messageId).toBe(unknownInvitation.messageId);
      await rowInStatus(invitation.dedupeKey, 'sent');
      await waitForJobs(t.app);
      expect(sink.messagesTo(receiptTo)).toHaveLength(0);
    });
  });

  describe('queue dashboard', () => {
    it('is for admins only: 401 without a valid token, 403 for others, 200 for an admin', async () => {
      const anonymous = await t.http().get('/admin/queues');
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        code: 'unauthorized',
        message: expect.stringContaining('bearer token'),
      });
      const forged = await t.http().get('/admin/queues/api/queues').set(bearer('not.a.token'));
      expect(forged.status).toBe(401);

      const editor = await createUser(t, ['editor']);
      const forbidden = await t.http().get('/admin/queues/api/queues').set(editor.auth);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });

      const page = await t.http().get('/admin/queues').set(bearer(t.adminToken));
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      const api = await t.http().get('/admin/queues/api/queues').set(bearer(t.adminToken));
      expect(api.status).toBe(200);
      expect(api.body.queues.map((q: { name: string }) => q.name)).toEqual(
        expect.arrayContaining(Object.values(QueueName)),
      );
    });
  });
});
