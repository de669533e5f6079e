import { simpleParser } from 'mailparser';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inTransaction } from '../src/core/database/transaction.js';
import { NotificationsService } from '../src/notifications/notifications.service.js';
import { createTestApp, type TestApp } from './utils/test-app.js';
import { waitUntil } from './utils/wait-for-jobs.js';

describe('notifications without an SMTP server', () => {
  let t: TestApp;
  let mailDir: string;

  beforeAll(async () => {
    mailDir = await mkdtemp(join(tmpdir(), 'mrs-mail-'));
    t = await createTestApp({
      env: { MAIL_DIR: mailDir, MAIL_FROM: 'Medical Review <reviews@example.org>' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await rm(mailDir, { recursive: true, force: true });
  });

  it('writes each email as <MAIL_DIR>/<outboxId>.eml, with its subject, recipient and both parts', async () => {
    const dedupeKey = `reminder:${randomUUID()}:P7D`;
    const notifications = t.app.get(NotificationsService);
    await inTransaction(t.dataSource, (tx, ctx) =>
      notifications.queue(tx, ctx, [
        {
          dedupeKey,
          template: 'review-reminder',
          to: { address: 'alan.lucks@example.org' },
          context: {
            recipientName: 'Alan Lucks',
            articleTitle: 'Is Baclofen a Benzodiazepine?',
            dueDateText: 'January 10th, 2027',
            daysText: 'in 7 days',
            overdue: false,
            changes: [{ field: 'FAQ', summary: 'one question added' }],
            reviewUrl: 'http://localhost:3000/articles/1',
          },
        },
      ]),
    );

    const [{ id }] = await t.dataSource.query('SELECT id FROM email_outbox WHERE dedupe_key = $1', [
      dedupeKey,
    ]);
    const file = join(mailDir, `${id}.eml`);
    const raw = await waitUntil(`${file} to be written`, () => readFile(file, 'utf8').catch(() => undefined));

    const email = await simpleParser(raw);
    expect(email.subject).toBe('Re-review due in 7 days: Is Baclofen a Benzodiazepine?');
    expect(raw).toMatch(/^To: alan\.lucks@example\.org\r?$/m);
    expect(raw).toMatch(/^From: Medical Review <reviews@example\.org>\r?$/m);
    expect(email.messageId).toBe(`<${id}@localhost>`);
    expect(email.text).toContain('- FAQ: one question added');
    expect(email.html).toContain('<li><strong>FAQ</strong>: one question added</li>');

    const row = await waitUntil('the email to be recorded as sent', async () => {
      const [found] = await t.dataSource.query('SELECT status, message_id FROM email_outbox WHERE id = $1', [
        id,
      ]);
      return found.status === 'sent' ? found : undefined;
    });
    expect(row).toEqual({ status: 'sent', message_id: `<${id}@localhost>` });
    // Written whole: no temporary file is left behind.
    expect(await readdir(mailDir)).toEqual([`${id}.eml`]);
  });
});
