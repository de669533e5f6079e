import { randomUUID } from 'node:crypto';
import { inTransaction } from '../src/core/database/transaction.js';
import { QueueName } from '../src/core/queues/queues.js';
import { sendEmailJobId } from '../src/notifications/email-jobs.js';
import { NotificationsService } from '../src/notifications/notifications.service.js';
import { bearer, createTestApp, type TestApp } from './utils/test-app.js';
import { queueOf } from './utils/wait-for-jobs.js';

describe('notifications in an API-only process (APP_ROLE=api)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { APP_ROLE: 'api', SMTP_URL: 'smtp://127.0.0.1:9' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('writes the outbox row and enqueues its job, but runs no worker and registers no scheduler', async () => {
    const dedupeKey = `test:${randomUUID()}`;
    const inserted = await inTransaction(t.dataSource, (tx, ctx) =>
      t.app.get(NotificationsService).queue(tx, ctx, [
        {
          dedupeKey,
          template: 'approved',
          to: { address: 'writer@test.local' },
          context: {
            recipientName: 'Wendy Writer',
            articleTitle: 'Is Baclofen a Benzodiazepine?',
            reviewerName: 'Alan Lucks',
            byline: 'Medically reviewed by Alan Lucks, MD on January 10th, 2026',
            articleUrl: 'http://localhost:3000/articles/1',
          },
        },
      ]),
    );
    expect(inserted).toBe(1);

    const [row] = await t.dataSource.query(
      'SELECT id, status, attempts FROM email_outbox WHERE dedupe_key = $1',
      [dedupeKey],
    );
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
    const queue = queueOf(t.app, QueueName.Notifications);
    expect(await queue.getJobState(sendEmailJobId(row.id))).toBe('waiting');
    expect(await queue.getWorkers()).toEqual([]);
    expect(await queue.getJobSchedulers()).toEqual([]);
  });

  it('still serves the admin pages', async () => {
    expect((await t.http().get('/admin/emails?status=pending').set(bearer(t.adminToken))).status).toBe(200);
    expect((await t.http().get('/admin/queues').set(bearer(t.adminToken))).status).toBe(200);
  });
});
