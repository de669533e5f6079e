import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueName } from '../src/core/queues/queues.js';
import { ADD_CHUNK, reminderJobId } from '../src/scheduling/reminder-queue.js';
import { EditorDigest } from '../src/scheduling/editor-digest.service.js';
import type { ReminderKind } from '../src/scheduling/reminder-plan.js';
import { ReviewReminders } from '../src/scheduling/review-reminders.service.js';
import { SWEEP_PAGE } from '../src/scheduling/review-schedules.repository.js';
import { ReviewSweep } from '../src/scheduling/review-sweep.service.js';
import { RecurringJobs } from '../src/scheduling/recurring-jobs.js';
import { eventually } from './utils/poll.js';
import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import { TEST_REDIS_URL } from './utils/test-env.js';
import { approve, createReviewer, draftSeed, edit, getArticle, signedSeed } from './utils/workflow.js';

const T0 = new Date('2026-01-10T15:00:00Z');
const at = (iso: string) => new Date(iso);

describe('re-review scheduling and reminders', () => {
  let t: TestApp;
  let schedules: ReviewSweep;
  let queue: Queue;
  let writer: TestUser;
  let editor: TestUser;
  let alan: TestUser;
  const mailDir = mkdtempSync(join(tmpdir(), 'mrs-mail-'));

  const outbox = (articleId: string) =>
    t.dataSource.query<
      {
        template: string;
        to_address: string;
        status: string;
        dedupe_key: string;
        context: Record<string, unknown>;
      }[]
    >(
      `SELECT template, to_address, status, dedupe_key, context FROM email_outbox WHERE article_id = $1 ORDER BY created_at, dedupe_key`,
      [articleId],
    );
  const reminders = async (articleId: string) =>
    (await outbox(articleId)).filter(
      (e) => e.template === 'review-reminder' || e.template === 'overdue-escalation',
    );

  /** Moves the clock, runs the sweep, and waits until the queued reminders have been processed. */
  async function sweepAt(when: Date) {
    t.clock.set(when);
    const result = await schedules.sweep();
    await eventually(async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
      return counts.waiting + counts.active + counts.prioritized === 0;
    }, 'the reminder queue to drain');
    return result;
  }

  beforeAll(async () => {
    t = await createTestApp({
      now: T0,
      env: { MAIL_DIR: mailDir, SWEEP_EVERY: 'PT1H', SWEEP_WINDOW: 'PT2H' },
    });
    schedules = t.app.get(ReviewSweep);
    queue = t.app.get<Queue>(getQueueToken(QueueName.Scheduling));
    writer = await createUser(t, ['writer']);
    editor = await createUser(t, ['editor'], { name: 'Eddie Editor' });
    alan = await createReviewer(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs a full cycle: reminders before, on and after the due date, a re-review, and the old reminders cancelled', async () => {
    const { article, signOff } = await signedSeed(t, writer, editor, alan);
    const signed = await getArticle(t, writer, article.id);
    expect(signed.body.nextReviewDueAt).toBe('2027-01-10T15:00:00.000Z');
    expect(signed.body.lastReviewedAt).toBe(T0.toISOString());

    // Nothing is due in the next window yet: nothing is queued, however many articles exist.
    expect((await sweepAt(at('2026-06-01T00:00:00Z'))).due).toBe(0);
    expect(await reminders(article.id)).toHaveLength(0);

    await sweepAt(at('2026-12-11T15:30:00Z'));
    await eventually(async () => (await reminders(article.id)).length === 1, '30-day reminder');
    let sent = await reminders(article.id);
    expect(sent[0]).toMatchObject({ template: 'review-reminder', to_address: alan.email });
    expect(sent[0].context).toMatchObject({
      dueDateText: 'January 10th, 2027',
      daysText: 'in 30 days',
      overdue: false,
    });

    await sweepAt(at('2027-01-03T15:00:00Z'));
    await eventually(async () => (await reminders(article.id)).length === 2, '7-day reminder');

    await sweepAt(at('2027-01-10T15:00:00Z'));
    await eventually(async () => (await reminders(article.id)).length === 3, 'due-date reminder');
    sent = await reminders(article.id);
    expect(sent[2].context).toMatchObject({ daysText: 'today' });
    const assignments = await t.http().get(`/assignments?articleId=${article.id}`).set(editor.auth);
    const reReview = assignments.body.find(
      (a: { kind: string; status: string }) => a.kind === 're_review' && a.status === 'pending',
    );
    expect(reReview).toMatchObject({ reviewerId: alan.id });

    // Overdue: the reviewer and every editor hear about it; the list shows it with days overdue.
    await sweepAt(at('2027-01-17T15:00:00Z'));
    await eventually(
      async () => (await reminders(article.id)).length === 5,
      'overdue reminder and escalation',
    );
    sent = await reminders(article.id);
    expect(
      sent
        .slice(3)
        .map((e) => [e.template, e.to_address])
        .sort(),
    ).toEqual(
      [
        ['overdue-escalation', editor.email],
        ['review-reminder', alan.email],
      ].sort(),
    );
    const overdueList = await t
      .http()
      .get('/re-reviews?status=overdue&dueBefore=2027-02-01T00:00:00Z')
      .set(editor.auth);
    expect(overdueList.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          articleId: article.id,
          daysOverdue: 7,
          status: 'overdue',
          lastReviewer: { id: alan.id, displayName: 'Alan Lucks' },
        }),
      ]),
    );
    // Each reminder sent is on the audit trail, with what it was and to whom, in the transaction that sent it.
    const audited: { after: { kind: string; signOffId: string; recipients: string[] } }[] =
      await t.dataSource.query(
        `SELECT after FROM audit_events WHERE action = 'review.reminder_sent' AND article_id = $1 ORDER BY id`,
        [article.id],
      );
    expect(audited.map((e) => e.after.kind)).toEqual(['before-P30D', 'before-P7D', 'due', 'overdue-1']);
    expect(audited.every((e) => e.after.signOffId === signOff.id)).toBe(true);
    expect(audited[3].after.recipients.sort()).toEqual([alan.email, editor.email].sort());

    // Readers still see the old review date: the live record is untouched by the reminders.
    expect((await getArticle(t, writer, article.id)).body.lastReviewedAt).toBe(T0.toISOString());

    // The re-review of unchanged content signs the same revision again and restarts the clock.
    t.clock.set(at('2027-01-18T10:00:00Z'));
    await t.http().post(`/assignments/${reReview.id}/accept`).set(alan.auth).expect(200);
    const again = await approve(t, alan, article.id, 1);
    expect(again.status).toBe(200);
    expect(again.body.signOff.id).not.toBe(signOff.id);
    const after = await getArticle(t, writer, article.id);
    expect(after.body.nextReviewDueAt).toBe('2028-01-18T10:00:00.000Z');
    expect(after.body.lastReviewedAt).toBe('2027-01-18T10:00:00.000Z');

    // The old sign-off's next reminder (overdue-2) is void: a stray job for it does nothing, the sweep sends nothing.
    expect(
      await t.app
        .get(ReviewReminders)
        .remind({ articleId: article.id, signOffId: signOff.id, kind: 'overdue-2' }),
    ).toBe('skipped');
    await sweepAt(at('2027-01-24T15:00:00Z'));
    expect(await reminders(article.id)).toHaveLength(5);

    // Each email went out exactly once: one row per dedupe key, each written once as an .eml file.
    await eventually(
      async () => (await outbox(article.id)).every((e) => e.status === 'sent'),
      'all emails sent',
    );
    const rows = await outbox(article.id);
    expect(new Set(rows.map((r) => r.dedupe_key)).size).toBe(rows.length);
    expect(readdirSync(mailDir).filter((f) => f.endsWith('.eml')).length).toBeGreaterThanOrEqual(rows.length);
  });

  it('rebuilds queued reminders from PostgreSQL after Redis loses them', async () => {
    t.clock.set(T0);
    const { article, signOff } = await signedSeed(t, writer, editor, alan);
    const schedule = (
      await t.dataSource.query(
        `SELECT next_reminder_kind, next_reminder_at FROM review_schedules WHERE article_id = $1`,
        [article.id],
      )
    )[0];
    const jobId = reminderJobId({
      articleId: article.id,
      signOffId: signOff.id,
      kind: schedule.next_reminder_kind,
    });

    // Sweep just before the reminder is due: it is queued as a delayed job.
    t.clock.set(new Date(new Date(schedule.next_reminder_at).getTime() - 60 * 60 * 1000));
    await schedules.sweep();
    expect(await queue.getJob(jobId)).toBeTruthy();

    // Redis loses everything of this service (only this test's prefix: other test files share the server).
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`${t.env.QUEUE_PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    expect(await queue.getJob(jobId)).toBeFalsy();

    await schedules.sweep();
    const rebuilt = await queue.getJob(jobId);
    expect(rebuilt).toBeTruthy();
    expect(rebuilt!.data).toEqual({
      articleId: article.id,
      signOffId: signOff.id,
      kind: schedule.next_reminder_kind,
    });
    await queue.remove(jobId);
  });

  it('finishes the emails of a reminder whose job died after its commit: sends the pending, flags the sending', async () => {
    t.clock.set(T0);
    const { article, signOff } = await signedSeed(t, writer, editor, alan);
    const [schedule] = await t.dataSource.query(
      `SELECT next_reminder_kind FROM review_schedules WHERE article_id = $1`,
      [article.id],
    );
    const job = {
      articleId: article.id,
      signOffId: signOff.id,
      kind: schedule.next_reminder_kind as ReminderKind,
    };
    // What a worker killed right after the reminder's commit leaves: the schedule moved on, one email not yet
    // claimed (pending) and one claimed but never recorded (sending).
    await t.dataSource.query(
      `UPDATE review_schedules SET next_reminder_kind = 'due', next_reminder_at = due_at WHERE article_id = $1`,
      [article.id],
    );
    const prefix = `reminder:${article.id}:${signOff.id}:${job.kind}:`;
    const context = {
      recipientName: 'Alan Lucks',
      articleTitle: 'Is Baclofen a Benzodiazepine?',
      dueDateText: 'January 10th, 2027',
      daysText: 'in 30 days',
      overdue: false,
      changes: [],
      reviewUrl: 'http://localhost:3000/articles/x',
    };
    await t.dataSource.query(
      `INSERT INTO email_outbox (dedupe_key, template, to_address, to_user_id, article_id, context, status, attempts)
       VALUES ($1, 'review-reminder', $2, $3, $4, $5, 'pending', 0),
              ($6, 'review-reminder', $7, $8, $4, $5, 'sending', 1)`,
      [
        prefix + alan.id,
        alan.email,
        alan.id,
        article.id,
        JSON.stringify(context),
        prefix + editor.id,
        editor.email,
        editor.id,
      ],
    );

    expect(await t.app.get(ReviewReminders).remind(job)).toBe('skipped');

    const rows = await outbox(article.id);
    expect(
      rows
        .filter((row) => row.dedupe_key.startsWith(prefix))
        .map((row) => [row.to_address, row.status])
        .sort((a, b) => (a[1] < b[1] ? -1 : 1)),
    ).toEqual([
      [alan.email, 'sent'],
      [editor.email, 'unknown'],
    ]);
    const files = readdirSync(mailDir).filter((name) => name.endsWith('.eml'));
    expect(files.length).toBeGreaterThan(0);
  });

  it('writes reminders asked for together in one transaction, each job its own outcome; a bad one fails alone', async () => {
    t.clock.set(T0);
    const jobOf = async ({ article, signOff }: Awaited<ReturnType<typeof signedSeed>>) => {
      const [schedule] = await t.dataSource.query(
        `SELECT next_reminder_kind FROM review_schedules WHERE article_id = $1`,
        [article.id],
      );
      return {
        articleId: article.id,
        signOffId: signOff.id,
        kind: schedule.next_reminder_kind as ReminderKind,
      };
    };
    const seeds = [];
    for (let i = 0; i < 4; i += 1) seeds.push(await signedSeed(t, writer, editor, alan));
    const jobs = await Promise.all(seeds.map(jobOf));
    const ids = seeds.map(({ article }) => article.id);
    const remind = (job: (typeof jobs)[number]) => t.app.get(ReviewReminders).remind(job);

    // Asked for at once, as a worker's concurrent jobs: the first is written at once, the others wait and are
    // written together. A stale job (its clock is at another reminder) is skipped; a second job for an article
    // already in the group is written alone after it, and finds its clock moved on.
    t.clock.set(at('2026-12-11T15:30:00Z'));
    const outcomes = await Promise.all(
      [...jobs, { ...jobs[3], kind: 'overdue-2' as ReminderKind }, jobs[2]].map(remind),
    );
    expect(outcomes).toEqual(['done', 'done', 'done', 'done', 'skipped', 'skipped']);
    const events: {
      article_id: string;
      txid: string;
      after: { kind: string; signOffId: string; recipients: string[] };
    }[] = await t.dataSource.query(
      `SELECT article_id, txid, after FROM audit_events
          WHERE action = 'review.reminder_sent' AND article_id = ANY($1::uuid[]) ORDER BY article_id`,
      [ids],
    );
    expect(events.map((e) => e.article_id).sort()).toEqual([...ids].sort());
    // Two transactions for four reminders: the first alone, the three that waited together.
    expect(new Set(events.map((e) => e.txid)).size).toBe(2);
    for (const [index, id] of ids.entries()) {
      const event = events.find((e) => e.article_id === id)!;
      expect(event.after).toMatchObject({
        kind: jobs[index].kind,
        signOffId: seeds[index].signOff.id,
        recipients: [alan.email],
      });
      const [schedule] = await t.dataSource.query(
        `SELECT next_reminder_kind FROM review_schedules WHERE article_id = $1`,
        [id],
      );
      expect(schedule.next_reminder_kind).not.toBe(jobs[index].kind);
    }
    // Each job sent its own e-mail, once.
    await eventually(async () => {
      const rows = await Promise.all(ids.map((id) => reminders(id)));
      return rows.every((r) => r.length === 1 && r[0].status === 'sent' && r[0].to_address === alan.email);
    }, 'one reminder sent per article');

    // A reminder that cannot be written (its reviewer's address no longer passes the outbox's check) fails its
    // own job only: the group it was in is written again one reminder at a time.
    t.clock.set(T0);
    const bob = await createReviewer(t, { displayName: 'Bob Broken' });
    const [good1, broken, good2] = [
      await signedSeed(t, writer, editor, alan),
      await signedSeed(t, writer, editor, bob),
      await signedSeed(t, writer, editor, alan),
    ];
    const [goodJob1, brokenJob, goodJob2] = await Promise.all([good1, broken, good2].map(jobOf));
    await t.dataSource.query(`UPDATE users SET email = 'not an address' WHERE id = $1`, [bob.id]);
    t.clock.set(at('2026-12-11T15:30:00Z'));
    const settled = await Promise.allSettled([goodJob1, brokenJob, goodJob2].map(remind));
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 'done' });
    expect(settled[1].status).toBe('rejected');
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain(
      '"not an address" is not an email address',
    );
    expect(settled[2]).toEqual({ status: 'fulfilled', value: 'done' });
    expect(await reminders(broken.article.id)).toHaveLength(0);
    expect((await jobOf(broken)).kind).toBe(brokenJob.kind);
    await eventually(
      async () => (await reminders(good2.article.id)).some((e) => e.status === 'sent'),
      'the good reminder of the failed group sent',
    );
  });

  it('queues only the reminders of the next window, not one job per article', async () => {
    t.clock.set(T0);
    await t.dataSource.query(
      `INSERT INTO review_schedules (article_id, sign_off_id, reviewer_id, signed_at, due_at, next_reminder_kind, next_reminder_at)
       SELECT gen_random_uuid(), gen_random_uuid(), $1, $2, $2::timestamptz + interval '1 year', 'before-P30D',
              $2::timestamptz + (g || ' hours')::interval
         FROM generate_series(1, 500) AS g`,
      [alan.id, T0],
    );
    const before = await queue.getDelayedCount();
    const { due } = await schedules.sweep(); // window: 2 hours
    expect(due).toBe(2);
    expect((await queue.getDelayedCount()) - before).toBe(2);
    await t.dataSource.query(
      `DELETE FROM review_schedules WHERE sign_off_id NOT IN (SELECT id FROM sign_offs)`,
    );
    await queue.drain(true);
  });

  it('queues a window of several pages in chunks: every reminder once, delayed to its time, and nothing on a second sweep', async () => {
    t.clock.set(T0);
    // More than two pages, in pairs sharing a time (a page may end between the two: the keyset goes on by
    // article id), an hour or more ahead so that none falls due while the test runs.
    const n = 2 * SWEEP_PAGE + 3 * ADD_CHUNK + 7;
    const inserted = await t.dataSource.query<
      { article_id: string; sign_off_id: string; kind: ReminderKind; at: Date }[]
    >(
      `INSERT INTO review_schedules (article_id, sign_off_id, reviewer_id, signed_at, due_at, next_reminder_kind, next_reminder_at)
       SELECT gen_random_uuid(), gen_random_uuid(), $1, $2, $2::timestamptz + interval '1 year',
              (ARRAY['before-P30D', 'before-P7D', 'due'])[g % 3 + 1],
              $2::timestamptz + interval '1 hour' + (g / 2) * interval '1 second'
         FROM generate_series(1, $3::int) AS g
       RETURNING article_id, sign_off_id, next_reminder_kind AS kind, next_reminder_at AS at`,
      [alan.id, T0, n],
    );
    const before = await queue.getDelayedCount();

    const { due } = await schedules.sweep(); // window: 2 hours
    expect(due).toBe(n);
    expect((await queue.getDelayedCount()) - before).toBe(n);
    const queued = new Map(
      (await queue.getJobs(['delayed'])).map((job) => [
        job.id,
        { data: job.data as unknown, delay: job.delay },
      ]),
    );
    for (const row of inserted) {
      const job = { articleId: row.article_id, signOffId: row.sign_off_id, kind: row.kind };
      expect(queued.get(reminderJobId(job))).toEqual({ data: job, delay: row.at.getTime() - T0.getTime() });
    }

    // The next sweep reads the same rows and queues nothing new.
    expect((await schedules.sweep()).due).toBe(n);
    expect((await queue.getDelayedCount()) - before).toBe(n);

    // Some of them lost (the first, one on the second page, the last): the next sweep queues just those again.
    const lost = [inserted[0], inserted[SWEEP_PAGE + 10], inserted[n - 1]].map((row) =>
      reminderJobId({ articleId: row.article_id, signOffId: row.sign_off_id, kind: row.kind }),
    );
    for (const jobId of lost) await queue.remove(jobId);
    expect((await queue.getDelayedCount()) - before).toBe(n - lost.length);
    expect((await schedules.sweep()).due).toBe(n);
    expect((await queue.getDelayedCount()) - before).toBe(n);
    for (const jobId of lost) expect(await queue.getJob(jobId)).toBeTruthy();

    await t.dataSource.query(
      `DELETE FROM review_schedules WHERE sign_off_id NOT IN (SELECT id FROM sign_offs)`,
    );
    await queue.drain(true);
  });

  it('lets editors set the cadence per article and per specialty', async () => {
    t.clock.set(T0);
    const { article } = await signedSeed(t, writer, editor, alan);
    const bad = await t
      .http()
      .put(`/articles/${article.id}/review-policy`)
      .set(editor.auth)
      .send({ cadence: '3 years' });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('cadence');
    expect(
      (await t.http().put(`/articles/${article.id}/review-policy`).set(writer.auth).send({ cadence: 'P3Y' }))
        .status,
    ).toBe(403);

    const set = await t
      .http()
      .put(`/articles/${article.id}/review-policy`)
      .set(editor.auth)
      .send({ cadence: 'P3Y' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      cadence: 'P3Y',
      from: 'article',
      nextReviewDueAt: '2029-01-10T15:00:00.000Z',
    });
    expect((await getArticle(t, writer, article.id)).body.nextReviewDueAt).toBe('2029-01-10T15:00:00.000Z');

    await t.http().put('/review-policies/cardiology').set(editor.auth).send({ cadence: 'P3M' }).expect(200);
    const cardio = await signedSeed(
      t,
      writer,
      editor,
      await createReviewer(t, { displayName: 'Carla Cardio', specialties: ['cardiology'] }),
      {
        specialty: 'cardiology',
      },
    );
    expect((await getArticle(t, writer, cardio.article.id)).body.nextReviewDueAt).toBe(
      '2026-04-10T15:00:00.000Z',
    );
    const policies = await t.http().get('/review-policies').set(editor.auth);
    expect(policies.body).toMatchObject({
      default: 'P12M',
      specialties: [expect.objectContaining({ specialty: 'cardiology', cadence: 'P3M' })],
    });
  });

  it('lets the physician who signed last start the re-review early through the API, and nobody else', async () => {
    t.clock.set(T0);
    const { article } = await signedSeed(t, writer, editor, alan);
    const start = (user: TestUser, id = article.id) =>
      t.http().post(`/articles/${id}/re-review`).set(user.auth);
    // A month before the due date (P12M after T0), from the 30-day reminder.
    t.clock.set(at('2026-12-10T12:00:00Z'));
    const other = await createReviewer(t, { displayName: 'Olga Other' });
    expect((await start(other)).status).toBe(403);
    expect((await start(writer)).status).toBe(403);
    expect((await start(editor)).status).toBe(403);

    const started = await start(alan);
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({
      articleId: article.id,
      reviewerId: alan.id,
      kind: 're_review',
      status: 'accepted',
      dueAt: '2027-01-10T15:00:00.000Z',
    });
    // Again: the same open re-review, not a second one.
    const again = await start(alan);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(started.body.id);
    const open = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM assignments WHERE article_id = $1 AND status IN ('pending', 'accepted')`,
      [article.id],
    );
    expect(open[0].n).toBe(1);

    // Signing it is the one step left: the same revision, re-signed.
    const signed = await approve(t, alan, article.id, article.currentRevision);
    expect(signed.status).toBe(200);

    // An article nobody has signed has no re-review to start.
    const unsigned = await draftSeed(t, writer);
    expect((await start(alan, unsigned.id)).status).toBe(409);
    expect((await start(alan, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('an edit does not bump "last reviewed"', async () => {
    t.clock.set(T0);
    const { article } = await signedSeed(t, writer, editor, alan);
    t.clock.set(at('2026-03-01T12:00:00Z'));
    await edit(t, writer, article.id, { bottomLine: 'Baclofen is not a benzodiazepine.' });
    const after = await getArticle(t, writer, article.id);
    expect(after.body.lastReviewedAt).toBe(T0.toISOString());
    expect(after.body.signOff.status).toBe('stale');
  });

  it('reports on /health whether the scheduler is registered, and puts it back after Redis lost it', async () => {
    const module = t.app.get(RecurringJobs);
    await module.ensure();
    await schedules.sweep();
    const healthy = await t.http().get('/health');
    expect(healthy.status).toBe(200);
    expect(healthy.body.info.scheduler).toMatchObject({ registered: true, late: false });

    await queue.removeJobScheduler('review-sweep');
    const dead = await t.http().get('/health');
    expect(dead.status).toBe(503);
    expect(dead.body.message).toContain('scheduler');
    expect(dead.body.details[0].error.scheduler).toMatchObject({ registered: false });

    expect(await module.ensure()).toBe(true);
    expect(await module.ensure()).toBe(false);
    expect((await queue.getJobSchedulers()).map((s) => s.key).sort()).toEqual([
      'editor-digest',
      'licence-expiry-notices',
      'review-sweep',
    ]);
    expect((await t.http().get('/health')).status).toBe(200);
  });

  it('sends editors a daily digest of overdue and soon-due reviews', async () => {
    t.clock.set(at('2027-01-12T13:00:00Z'));
    await t.app.get(EditorDigest).digest();
    const rows = await t.dataSource.query(
      `SELECT to_address, context FROM email_outbox WHERE template = 'digest' AND to_user_id = $1`,
      [editor.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].context.overdue.length).toBeGreaterThan(0);
    expect(rows[0].context.dateText).toBe('January 12th, 2027');
    await t.app.get(EditorDigest).digest();
    expect(
      await t.dataSource.query(`SELECT 1 FROM email_outbox WHERE template = 'digest' AND to_user_id = $1`, [
        editor.id,
      ]),
    ).toHaveLength(1);
  });
});
