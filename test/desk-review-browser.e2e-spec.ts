import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { EditorDigest } from '../src/scheduling/editor-digest.service.js';
import { ReviewReminders } from '../src/scheduling/review-reminders.service.js';
import { ReviewSchedule } from '../src/scheduling/review-schedule.entity.js';
import {
  CHROMIUM,
  freePort,
  freshContext,
  launchChromium,
  linksOf,
  severeViolations,
  Shots,
  signIn,
  type Variant,
  VARIANTS,
} from './utils/desk-browser.js';
import { eventually } from './utils/poll.js';
import { SmtpSink } from './utils/smtp-sink.js';
import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import {
  createReviewer,
  draftSeed,
  edit,
  getArticle,
  seedContent,
  signedSeed,
  submit,
} from './utils/workflow.js';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Skipping the desk browser tests: ${CHROMIUM} is missing`);
const describeInBrowser = haveChromium ? describe : describe.skip;

const UUID = '[0-9a-f-]{36}';
const BENZO = 'What Are Benzodiazepines?';
const NOW = new Date('2026-11-30T15:00:00Z');

describeInBrowser('the review desk in Chromium: from the e-mail to the recorded sign-off', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let origin: string;
  let editor: TestUser;
  let writer: TestUser;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await createTestApp({ now: NOW, env: { SMTP_URL: sink.url, PUBLIC_BASE_URL: origin } });
    await t.app.listen(port, '127.0.0.1');
    browser = await launchChromium();
    editor = await createUser(t, ['editor'], { name: 'Erin Editor' });
    writer = await createUser(t, ['writer'], { name: 'Wren Writer' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.close();
  });

  /** The newest e-mail to `to` whose subject starts with `subject`, waiting for it to arrive. */
  async function mailTo(to: string, subject: string, count = 1) {
    return eventually(() => {
      const found = sink.messagesTo(to).filter((m) => m.subject.startsWith(subject));
      return Promise.resolve(found.length >= count ? found[count - 1] : null);
    }, `e-mail "${subject}" #${count} to ${to}`);
  }

  async function expectNoSevereViolations(page: Page, variant: Variant, where: string) {
    if (!variant.javaScriptEnabled) return; // axe runs as a page script; the other variants check these pages
    expect({ where, violations: await severeViolations(page) }).toEqual({ where, violations: [] });
  }

  describe.each(VARIANTS)('the whole review by browser ($name)', (variant) => {
    it('logs in from the e-mail, accepts, comments, requests changes; sees the edited section by heading; signs', async () => {
      const shots = new Shots(variant.name);
      const reviewer = await createReviewer(t);
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      const assigned = await t
        .http()
        .post(`/articles/${article.id}/assignments`)
        .set(editor.auth)
        .send({ reviewerId: reviewer.id });
      expect(assigned.status).toBe(201);

      // 1. The link of the delivered "review requested" e-mail, in a fresh profile: login, then the review page.
      const requested = await mailTo(reviewer.email, 'Review requested');
      const link = linksOf(requested).find((href) => href.includes('/desk/'))!;
      expect(link).toMatch(new RegExp(`^${origin}/desk/reviews/${UUID}$`));
      const context = await freshContext(browser, variant, origin);
      const page = await context.newPage();
      await page.goto(link);
      expect(new URL(page.url()).pathname).toBe('/desk/login');
      await shots.take(page, 'login');
      await signIn(page, reviewer.email, reviewer.password);
      await shots.take(page, 'signed-in');
      expect(page.url()).toBe(link);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(seedContent().title);
      expect(await page.getByRole('heading', { name: 'First review' }).count()).toBe(1);
      await shots.take(page, 'review-requested');
      await expectNoSevereViolations(page, variant, 'review page (pending)');

      // Accept.
      await page.getByRole('button', { name: 'Accept the review' }).click();
      await page.waitForLoadState('load');
      expect(await page.getByRole('status').first().textContent()).toContain('You accepted the review');
      await shots.take(page, 'accepted');

      // Read and comment on a section.
      await page.getByLabel('Comment on').selectOption({ label: BENZO });
      await page
        .getByLabel('Comment', { exact: true })
        .fill('Please cite the dependence risk for benzodiazepines.');
      await page.getByRole('button', { name: 'Add comment' }).click();
      await page.waitForLoadState('load');
      const comments = page.locator('#comments');
      expect(await comments.textContent()).toContain(`On “${BENZO}”`);
      expect(await comments.textContent()).toContain('Please cite the dependence risk');
      await shots.take(page, 'commented', page.locator('#comments'));
      await expectNoSevereViolations(page, variant, 'review page (accepted)');

      // Request changes: the comment is required.
      await page
        .getByLabel('What needs to change (required)')
        .fill('Cite the dependence risk; see my comment.');
      await page.getByRole('button', { name: 'Request changes' }).click();
      await page.waitForLoadState('load');
      expect(await page.getByRole('status').first().textContent()).toContain('You requested changes');
      await shots.take(page, 'changes-requested');
      expect((await getArticle(t, writer, article.id)).body.status).toBe('changes_requested');

      // 2. The writer edits through the API and resubmits; the writer's e-mail links to the article's page.
      // The writer's e-mail (the writer is shared by the variants: the one about this article).
      await eventually(
        () =>
          Promise.resolve(
            sink
              .messagesTo(writer.email)
              .some(
                (m) =>
                  m.subject.startsWith('Changes requested') &&
                  linksOf(m).includes(`${origin}/desk/articles/${article.id}`),
              ),
          ),
        "the writer's changes-requested e-mail linking to the article's page",
      );
      const content = seedContent();
      const sections = content.sections.map((section) =>
        section.heading === BENZO
          ? { ...section, body: `${section.body}\n\nLong-term use carries a risk of dependence (FDA, 2020).` }
          : section,
      );
      await edit(t, writer, article.id, { sections, changeNote: 'dependence risk cited' });
      await submit(t, writer, article.id);

      // 3. The next e-mail's link shows the changed section by its heading, changed words marked.
      const next = await mailTo(reviewer.email, 'Review requested', 2);
      const nextLink = linksOf(next).find((href) => href.includes('/desk/'))!;
      expect(nextLink).toBe(link);
      await page.goto(nextLink);
      const changes = page.locator('#changes');
      expect(await changes.getByRole('heading', { level: 2 }).textContent()).toMatch(
        /^Changes since your request for changes of /,
      );
      expect(await changes.getByRole('heading', { level: 3 }).allTextContents()).toEqual([
        `${BENZO} changed`,
      ]);
      expect(await changes.locator('ins').textContent()).toContain('risk of dependence');
      await shots.take(page, 'changes-by-heading', page.locator('#changes'));
      await expectNoSevereViolations(page, variant, 'review page (changes)');

      await page.getByRole('link', { name: 'Show the whole text side by side' }).click();
      await page.waitForLoadState('load');
      expect(await changes.getByText('Revision 1', { exact: true }).count()).toBe(1);
      expect(await changes.getByText('Revision 2', { exact: true }).count()).toBe(1);
      await shots.take(page, 'side-by-side', page.locator('#changes'));
      await expectNoSevereViolations(page, variant, 'review page (side by side)');

      // 4. Sign: the byline and meaning are shown; a wrong password signs nothing and keeps the comment.
      const sign = page.locator('#sign');
      expect(await sign.textContent()).toContain('Medically reviewed by Alan Lucks, MD');
      expect(await sign.textContent()).toContain(`I have medically reviewed revision 2 (`);
      await page.getByLabel('Comment for the writer (optional)').fill('Thank you, this reads well now.');
      await page.getByLabel('Password', { exact: true }).fill('not my password');
      await page.getByRole('button', { name: 'Approve and sign' }).click();
      await page.waitForLoadState('load');
      expect(await sign.textContent()).toContain('Password is wrong; nothing was signed');
      expect(await page.getByLabel('Comment for the writer (optional)').inputValue()).toBe(
        'Thank you, this reads well now.',
      );
      expect((await t.http().get(`/articles/${article.id}/sign-offs`).set(writer.auth)).body).toEqual([]);
      await shots.take(page, 'wrong-password', page.locator('#sign'));

      await page.getByLabel('Password', { exact: true }).fill(reviewer.password);
      await page.getByRole('button', { name: 'Approve and sign' }).click();
      await page.waitForLoadState('load');
      expect(new URL(page.url()).pathname).toMatch(new RegExp(`^/desk/reviews/${UUID}/receipt/${UUID}$`));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        `You signed “${content.title}”`,
      );
      await shots.take(page, 'receipt');
      await expectNoSevereViolations(page, variant, 'receipt');

      // 5. The sign-off's revision and hash, through the API: what the page showed is what was signed.
      const current = await getArticle(t, writer, article.id);
      const signOffs = await t.http().get(`/articles/${article.id}/sign-offs`).set(writer.auth);
      expect(signOffs.body).toHaveLength(1);
      expect(signOffs.body[0]).toMatchObject({
        revision: 2,
        contentHash: current.body.contentHash,
        reviewer: { id: reviewer.id },
      });
      expect(await page.locator('code.hash').first().textContent()).toBe(current.body.contentHash);
      expect(page.url()).toContain(`/receipt/${signOffs.body[0].id}`);

      await page.getByRole('link', { name: 'Verify this signature' }).click();
      await page.waitForLoadState('load');
      expect(await page.getByRole('status').textContent()).toContain('Valid');
      await shots.take(page, 'verified');
      await expectNoSevereViolations(page, variant, 'verify');
      await context.close();
    }, 120_000);
  });

  it('refuses to sign what the physician did not see: the article changed after the page was shown', async () => {
    const reviewer = await createReviewer(t);
    const article = await draftSeed(t, writer);
    await submit(t, writer, article.id);
    const assigned = await t
      .http()
      .post(`/articles/${article.id}/assignments`)
      .set(editor.auth)
      .send({ reviewerId: reviewer.id });
    const context = await freshContext(browser, VARIANTS[0], origin);
    const page = await context.newPage();
    await page.goto(`${origin}/desk/reviews/${assigned.body.id}`);
    await signIn(page, reviewer.email, reviewer.password);
    await page.getByRole('button', { name: 'Accept the review' }).click();
    await page.waitForLoadState('load');

    // While the page shows revision 1, changes are requested (through the API) and the writer saves revision 2.
    const decided = await t
      .http()
      .post(`/articles/${article.id}/reviews`)
      .set(reviewer.auth)
      .send({ decision: 'request_changes', revision: 1, comments: 'One more source, please.' });
    expect(decided.status).toBe(200);
    const sections = seedContent().sections.map((s) =>
      s.heading === BENZO ? { ...s, body: `${s.body}\n\nAdded later.` } : s,
    );
    await edit(t, writer, article.id, { sections });
    await submit(t, writer, article.id);

    await page.getByLabel('Password', { exact: true }).fill(reviewer.password);
    await page.getByRole('button', { name: 'Approve and sign' }).click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('alert').first().textContent()).toContain('Nothing was signed');
    expect((await t.http().get(`/articles/${article.id}/sign-offs`).set(writer.auth)).body).toEqual([]);
    // The page now shows revision 2 and what changed in it, by heading.
    expect(await page.locator('#sign input[name=revision]').inputValue()).toBe('2');
    expect(await page.locator('#changes').getByRole('heading', { level: 3 }).allTextContents()).toEqual([
      `${BENZO} changed`,
    ]);
    await new Shots('stale').take(page, 'refused-changed-article', page.locator('#changes'));
    await context.close();
  }, 60_000);

  it('early re-review from the pre-due reminder: "Start re-review now", "No changes since you signed on …", one-step re-sign; the due date sends one e-mail', async () => {
    const shots = new Shots('re-review');
    const schedules = {
      remind: t.app.get(ReviewReminders).remind.bind(t.app.get(ReviewReminders)),
      digest: t.app.get(EditorDigest).digest.bind(t.app.get(EditorDigest)),
    };
    const reviewer = await createReviewer(t);
    const { article, signOff } = await signedSeed(t, writer, editor, reviewer);
    const schedule = () =>
      t.dataSource.getRepository(ReviewSchedule).findOneByOrFail({ articleId: article.id });

    // The 30-day reminder: its link is the page where the last signer starts the re-review.
    const first = await schedule();
    expect(first.nextReminderKind).toBe('before-P30D');
    await schedules.remind({ articleId: article.id, signOffId: signOff.id, kind: first.nextReminderKind });
    const reminder = await mailTo(reviewer.email, 'Re-review due');
    const link = linksOf(reminder).find((href) => href.includes('/desk/'))!;
    expect(link).toBe(`${origin}/desk/articles/${article.id}/re-review`);
    expect(reminder.text).toContain('Start re-review now');

    const context = await freshContext(browser, VARIANTS[0], origin);
    const page = await context.newPage();
    await page.goto(link);
    await signIn(page, reviewer.email, reviewer.password);
    await shots.take(page, 'start-now');
    await expectNoSevereViolations(page, VARIANTS[0], 'article state (re-review)');
    await page.getByRole('button', { name: 'Start re-review now' }).click();
    await page.waitForLoadState('load');
    expect(
      await page.getByRole('heading', { level: 2, name: /^No changes since you signed on / }).count(),
    ).toBe(1);
    await shots.take(page, 'no-changes', page.locator('#sign'));
    await page.getByLabel('Password', { exact: true }).fill(reviewer.password);
    await page.getByRole('button', { name: 'Sign again' }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toContain('/receipt/');
    await shots.take(page, 're-signed');
    await context.close();

    const signOffs = (await t.http().get(`/articles/${article.id}/sign-offs`).set(writer.auth)).body;
    expect(signOffs).toHaveLength(2);
    expect(signOffs.map((s: { revision: number }) => s.revision)).toEqual([1, 1]);
    // The clock restarted from the new sign-off: the old sign-off's due-date reminder is void.
    expect((await schedule()).signOffId).not.toBe(signOff.id);
    expect(await schedules.remind({ articleId: article.id, signOffId: signOff.id, kind: 'due' })).toBe(
      'skipped',
    );
  }, 90_000);

  it('the due date sends the reviewer one e-mail, linking to the re-review page', async () => {
    const schedules = {
      remind: t.app.get(ReviewReminders).remind.bind(t.app.get(ReviewReminders)),
      digest: t.app.get(EditorDigest).digest.bind(t.app.get(EditorDigest)),
    };
    const reviewer = await createReviewer(t);
    const { article, signOff } = await signedSeed(t, writer, editor, reviewer);
    for (;;) {
      const { nextReminderKind } = await t.dataSource
        .getRepository(ReviewSchedule)
        .findOneByOrFail({ articleId: article.id });
      await schedules.remind({ articleId: article.id, signOffId: signOff.id, kind: nextReminderKind });
      if (nextReminderKind === 'due') break;
    }
    const outbox = await t.dataSource.query<{ template: string; context: { reviewUrl?: string } }[]>(
      `SELECT template, context FROM email_outbox WHERE article_id = $1 AND to_user_id = $2 ORDER BY created_at`,
      [article.id, reviewer.id],
    );
    const onDueDate = outbox.slice(3); // review requested, then the 30- and 7-day reminders
    expect(onDueDate.map((e) => e.template)).toEqual(['review-reminder']);
    expect(onDueDate[0].context.reviewUrl).toMatch(new RegExp(`^${origin}/desk/reviews/${UUID}$`));
  }, 60_000);

  it('no e-mail link is a dead end: every link of every e-mail type, opened without a session, ends on a page', async () => {
    const schedules = {
      remind: t.app.get(ReviewReminders).remind.bind(t.app.get(ReviewReminders)),
      digest: t.app.get(EditorDigest).digest.bind(t.app.get(EditorDigest)),
    };
    const reviewer = await createReviewer(t);
    const declining = await createReviewer(t, { displayName: 'Dana Decliner' });
    // Review requested, declined (editors), changes requested (writer), approved (writer), needs-reviewer.
    const article = await draftSeed(t, writer);
    await submit(t, writer, article.id);
    const first = await t
      .http()
      .post(`/articles/${article.id}/assignments`)
      .set(editor.auth)
      .send({ reviewerId: declining.id });
    await t.http().post(`/assignments/${first.body.id}/decline`).set(declining.auth).send({ reason: 'Away' });
    const second = await t
      .http()
      .post(`/articles/${article.id}/assignments`)
      .set(editor.auth)
      .send({ reviewerId: reviewer.id });
    await t.http().post(`/assignments/${second.body.id}/accept`).set(reviewer.auth);
    const requested = await t
      .http()
      .post(`/articles/${article.id}/reviews`)
      .set(reviewer.auth)
      .send({ decision: 'request_changes', revision: 1, comments: 'Cite sources.' });
    expect(requested.status).toBe(200);
    const signed = await signedSeed(t, writer, editor, reviewer);
    const articleId = signed.article.id;
    const signOffId = signed.signOff.id;
    // Reminders before, on and after the due date (with the editors' escalation), and the daily digest.
    for (;;) {
      const { nextReminderKind } = await t.dataSource
        .getRepository(ReviewSchedule)
        .findOneByOrFail({ articleId });
      await schedules.remind({ articleId, signOffId, kind: nextReminderKind });
      if (nextReminderKind.startsWith('overdue')) break;
    }
    t.clock.set(new Date(NOW.getTime() + 400 * 24 * 3600 * 1000));
    await schedules.digest();
    t.clock.set(NOW);

    const people = [reviewer, declining, editor, writer];
    await eventually(
      () => Promise.resolve(sink.received.some((m) => m.subject.startsWith('Review digest'))),
      'the digest e-mail',
    );
    await eventually(
      () => Promise.resolve(sink.received.some((m) => m.subject.startsWith('Overdue medical review'))),
      'the escalation e-mail',
    );
    const kinds = new Set<string>();
    const checked: string[] = [];
    for (const person of people) {
      for (const mail of sink.messagesTo(person.email)) {
        for (const link of linksOf(mail).filter((href) => href.startsWith(origin))) {
          if (link.includes('/desk/account/')) continue; // invitation links: single use, the accounts' tests
          kinds.add(kindOf(mail.subject));
          const context = await freshContext(browser, VARIANTS[0], origin);
          const page = await context.newPage();
          const response = await page.goto(link);
          expect({ link, status: response!.status(), path: new URL(page.url()).pathname }).toEqual({
            link,
            status: 200,
            path: '/desk/login',
          });
          await signIn(page, person.email, person.password);
          const landed = await page.request.get(page.url());
          expect({ link, status: landed.status(), type: landed.headers()['content-type'] }).toEqual({
            link,
            status: 200,
            type: 'text/html; charset=utf-8',
          });
          expect(new URL(page.url()).pathname).toMatch(/^\/desk(\/|$)/);
          checked.push(link);
          await context.close();
        }
      }
    }
    expect([...kinds].sort()).toEqual([
      'approved',
      'changes-requested',
      'digest',
      'overdue-escalation',
      'review-declined',
      'review-reminder',
      'review-requested',
    ]);
    expect(checked.length).toBeGreaterThan(8);
  }, 600_000);
});

/** The e-mail template a subject line comes from. */
function kindOf(subject: string): string {
  const kinds: [RegExp, string][] = [
    [/^Approved: /, 'approved'],
    [/^Changes requested: /, 'changes-requested'],
    [/^Review digest /, 'digest'],
    [/^Overdue medical review: /, 'overdue-escalation'],
    [/ declined to review /, 'review-declined'],
    [/^(Re-review due |Overdue: re-review )/, 'review-reminder'],
    [/^Review requested: /, 'review-requested'],
  ];
  return kinds.find(([pattern]) => pattern.test(subject))?.[1] ?? subject;
}
