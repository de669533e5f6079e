import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
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
} from './utils/desk-browser.js';
import { eventually } from './utils/poll.js';
import { textOf } from './utils/publishing-html.js';
import { SmtpSink } from './utils/smtp-sink.js';
import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import { approve, createReviewer, draftSeed, edit, signedSeed, submit } from './utils/workflow.js';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Skipping the newsroom browser tests: ${CHROMIUM} is missing`);
const describeInBrowser = haveChromium ? describe : describe.skip;

const NOW = new Date('2026-11-30T15:00:00Z');
/** The flow runs as a phone with JavaScript off; axe-core (a page script) checks each page in a JS twin. */
const PHONE_NO_JS: Variant = {
  name: 'no-js-390',
  javaScriptEnabled: false,
  viewport: { width: 390, height: 844 },
};
const PHONE_JS: Variant = { name: 'js-390', javaScriptEnabled: true, viewport: { width: 390, height: 844 } };
const TITLE = 'Is Baclofen a Benzodiazepine? (newsroom)';
const BYLINE =
  'Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on November 30th, 2026';

describeInBrowser('the newsroom in Chromium: the editor assigns, the publisher publishes', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let origin: string;
  let writer: TestUser;
  let editor: TestUser;
  let publisher: TestUser;
  let alan: TestUser;
  const contexts: BrowserContext[] = [];
  /** Signed-in JavaScript twins, one per person, that run axe-core on the pages the flow visits. */
  const axePages = new Map<string, Page>();
  const checked: string[] = [];
  /** A webhook receiver, so the publisher's pages have deliveries to show. */
  let hooks: Server;
  const received: string[] = [];

  beforeAll(async () => {
    sink = await SmtpSink.start();
    hooks = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received.push(request.url ?? '');
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks/pages`;
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await createTestApp({
      now: NOW,
      env: { SMTP_URL: sink.url, PUBLIC_BASE_URL: origin, WEBHOOK_URLS: hookUrl, WEBHOOK_SECRET: 'newsroom' },
    });
    await t.app.listen(port, '127.0.0.1');
    browser = await launchChromium();
    writer = await createUser(t, ['writer'], { name: 'Wren Writer' });
    editor = await createUser(t, ['editor'], { name: 'Erin Editor' });
    publisher = await createUser(t, ['publisher'], { name: 'Pat Publisher' });
    alan = await createReviewer(t);
  }, 90_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await t?.close();
    await sink?.close();
    await new Promise((resolve) => hooks?.close(resolve));
    // createTestApp leaves its environment in place; later test files in this worker must not inherit the hook.
    delete process.env.WEBHOOK_URLS;
    delete process.env.WEBHOOK_SECRET;
  });

  async function phone(variant: Variant = PHONE_NO_JS): Promise<Page> {
    const context = await freshContext(browser, variant, origin);
    contexts.push(context);
    return context.newPage();
  }

  /** The page at `path` as `person` sees it with JavaScript on: no serious or critical axe-core violation. */
  async function expectAccessible(person: TestUser, path: string): Promise<void> {
    let page = axePages.get(person.email);
    if (!page) {
      page = await phone(PHONE_JS);
      await page.goto(`${origin}/desk/login`);
      await signIn(page, person.email, person.password);
      axePages.set(person.email, page);
    }
    await page.goto(`${origin}${path}`);
    expect({ path, violations: await severeViolations(page) }).toEqual({ path, violations: [] });
    checked.push(path);
  }

  /** The page has no horizontal scroll at 390 px. */
  async function expectFits(page: Page): Promise<void> {
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect({ url: page.url(), width }).toEqual({ url: page.url(), width: 390 });
  }

  const path = (page: Page) => new URL(page.url()).pathname + new URL(page.url()).search;

  it('assign on the editor’s page, review by helpers, publish from the e-mail; schedule, cancel, unpublish', async () => {
    const shots = new Shots('newsroom-office');
    const article = await draftSeed(t, writer, { title: TITLE });
    await submit(t, writer, article.id);

    // The editor: sign in from the dashboard's address, find the article waiting, assign the preselected reviewer.
    const editorPage = await phone();
    await editorPage.goto(`${origin}/desk/editor`);
    expect(path(editorPage)).toBe(`/desk/login?next=${encodeURIComponent('/desk/editor')}`);
    await signIn(editorPage, editor.email, editor.password);
    expect(path(editorPage)).toBe('/desk/editor');
    expect(await editorPage.getByRole('heading', { level: 1 }).innerText()).toBe('Editor’s desk');
    expect(await editorPage.locator('#waiting').innerText()).toContain(TITLE);
    await expectFits(editorPage);
    await shots.take(editorPage, 'editor-dashboard', editorPage.locator('#waiting'));
    await expectAccessible(editor, '/desk/editor');

    await editorPage.getByRole('link', { name: `Assign a reviewer to ${TITLE}` }).click();
    expect(path(editorPage)).toBe(`/desk/editor/articles/${article.id}/assign`);
    expect(await editorPage.locator('#reviewerId').inputValue()).toBe(alan.id);
    await expectFits(editorPage);
    await shots.take(editorPage, 'editor-assign');
    await expectAccessible(editor, `/desk/editor/articles/${article.id}/assign`);
    await editorPage.getByRole('button', { name: 'Assign' }).click();
    expect(path(editorPage)).toBe('/desk/editor?notice=assigned');
    expect(await editorPage.getByRole('status').innerText()).toContain('The reviewer is assigned');
    expect(await editorPage.locator('#in-review').innerText()).toContain('Alan Lucks');
    await shots.take(editorPage, 'editor-assigned', editorPage.locator('#in-review'));

    // The reviewer and the writer, by helpers: accept, request a change, make it, resubmit, sign.
    const [assignment] = (await t.http().get(`/assignments?articleId=${article.id}`).set(editor.auth)).body;
    expect((await t.http().post(`/assignments/${assignment.id}/accept`).set(alan.auth)).status).toBe(200);
    const requested = await t
      .http()
      .post(`/articles/${article.id}/reviews`)
      .set(alan.auth)
      .send({ decision: 'request_changes', revision: 1, comments: 'Name the withdrawal risk.' });
    expect(requested.status).toBe(200);
    await edit(t, writer, article.id, { description: 'Baclofen is not a benzodiazepine; withdrawal risk.' });
    await submit(t, writer, article.id);
    expect((await approve(t, alan, article.id, 2)).status).toBe(200);

    // The publisher gets "Ready to publish"; its link opens the publisher's page of the article after sign-in.
    const mail = await eventually(
      () =>
        Promise.resolve(
          sink.messagesTo(publisher.email).find((m) => m.subject === `Ready to publish: ${TITLE}`),
        ),
      'the ready-to-publish e-mail',
    );
    const link = linksOf(mail).find((href) => href.includes('/desk/publisher/articles/'));
    expect(link).toBe(`${origin}/desk/publisher/articles/${article.id}`);
    const writerMail = await eventually(
      () => Promise.resolve(sink.messagesTo(writer.email).find((m) => m.subject === `Approved: ${TITLE}`)),
      "the writer's approval note",
    );
    expect(writerMail.text).toContain('The publishers have been told it is ready to publish.');
    expect(sink.messagesTo(writer.email).some((m) => m.subject.startsWith('Ready to publish'))).toBe(false);

    const publisherPage = await phone();
    await publisherPage.goto(link!);
    await signIn(publisherPage, publisher.email, publisher.password);
    expect(path(publisherPage)).toBe(`/desk/publisher/articles/${article.id}`);
    expect(await publisherPage.locator('.byline-preview').innerText()).toBe(BYLINE);
    await expectFits(publisherPage);
    await shots.take(publisherPage, 'publisher-article-ready');
    await expectAccessible(publisher, `/desk/publisher/articles/${article.id}`);

    await publisherPage.goto(`${origin}/desk/publisher`);
    expect(
      await publisherPage.locator('section', { hasText: 'Approved, with a current sign-off' }).innerText(),
    ).toContain(TITLE);
    await shots.take(publisherPage, 'publisher-ready-list');
    await expectAccessible(publisher, '/desk/publisher');
    await publisherPage.getByRole('link', { name: TITLE }).click();
    await publisherPage.getByRole('button', { name: 'Publish now' }).click();
    expect(path(publisherPage)).toBe(`/desk/publisher/articles/${article.id}?notice=published`);
    expect(await publisherPage.getByRole('status').innerText()).toContain('Published');
    await shots.take(publisherPage, 'publisher-published');
    await expectAccessible(publisher, `/desk/publisher/articles/${article.id}?notice=published`);

    // The public page shows the byline.
    const liveLink = publisherPage.locator('#live-heading + p a');
    const publicPath = (await liveLink.getAttribute('href'))!;
    await liveLink.click();
    expect(path(publisherPage)).toBe(publicPath);
    expect(textOf(await publisherPage.content())).toContain(BYLINE);
    await shots.take(publisherPage, 'public-page', publisherPage.locator('.byline'));

    // Live pages with their review dates.
    await publisherPage.goto(`${origin}/desk/publisher/live`);
    const liveText = await publisherPage.locator('main').innerText();
    expect(liveText).toContain(TITLE);
    expect(liveText).toContain('Last reviewed November 30th, 2026 · next review due November 30th, 2027');
    await expectFits(publisherPage);
    await shots.take(publisherPage, 'publisher-live');
    await expectAccessible(publisher, '/desk/publisher/live');

    // Schedule and cancel another signed article.
    const { article: other } = await signedSeed(t, writer, editor, alan, { title: 'Scheduled in Chromium' });
    await publisherPage.goto(`${origin}/desk/publisher/articles/${other.id}`);
    await publisherPage.locator('#publishAt').fill('2026-11-29T09:00');
    await publisherPage.getByRole('button', { name: 'Schedule' }).click();
    expect(await publisherPage.locator('#publishAt-error').innerText()).toContain(
      'publishAt must be later than',
    );
    expect(await publisherPage.locator('#publishAt').inputValue()).toBe('2026-11-29T09:00');
    await shots.take(publisherPage, 'publisher-schedule-refused', publisherPage.locator('#publishAt'));
    await publisherPage.locator('#publishAt').fill('2026-12-01T09:00');
    await publisherPage.getByRole('button', { name: 'Schedule' }).click();
    expect(await publisherPage.getByRole('status').innerText()).toContain('Publishing is scheduled.');
    expect(await publisherPage.locator('main').innerText()).toContain('December 1st, 2026, 9:00 AM EST');
    await shots.take(publisherPage, 'publisher-scheduled');
    await expectAccessible(publisher, `/desk/publisher/articles/${other.id}?notice=scheduled`);
    await publisherPage.getByRole('button', { name: 'Cancel the schedule' }).click();
    expect(await publisherPage.getByRole('status').innerText()).toContain('cancelled');
    expect((await t.http().get(`/articles/${other.id}/scheduled-publish`).set(publisher.auth)).status).toBe(
      404,
    );
    await shots.take(publisherPage, 'publisher-schedule-cancelled');

    // Unpublish the first one: the public page is gone.
    await publisherPage.goto(`${origin}/desk/publisher/articles/${article.id}`);
    await publisherPage.getByRole('button', { name: 'Unpublish' }).click();
    expect(await publisherPage.getByRole('status').innerText()).toContain('Unpublished');
    await shots.take(publisherPage, 'publisher-unpublished');
    expect((await t.http().get(publicPath)).status).toBe(404);

    // Exports and webhooks: start a run, see it listed.
    await publisherPage.goto(`${origin}/desk/publisher/exports`);
    await publisherPage.getByRole('button', { name: 'Export every live page again' }).click();
    expect(await publisherPage.getByRole('status').innerText()).toContain('The export has started');
    await eventually(async () => {
      await publisherPage.reload();
      return (await publisherPage.locator('main').innerText()).includes('completed');
    }, 'the export run to complete');
    expect(await publisherPage.locator('main').innerText()).toMatch(/completed · full export \(admin\)/);
    // The webhook deliveries of the publish and the unpublish, with their status.
    await eventually(async () => {
      await publisherPage.reload();
      const deliveries = await publisherPage
        .locator('section', { hasText: 'Webhook deliveries' })
        .innerText();
      return (
        /unpublish → \S+\s+delivered · attempts: 1 · HTTP 200/.test(deliveries) &&
        /publish → \S+\s+delivered · attempts: 1 · HTTP 200/.test(deliveries)
      );
    }, 'both webhook deliveries, delivered');
    expect(received.length).toBeGreaterThanOrEqual(2);
    await expectFits(publisherPage);
    await shots.take(publisherPage, 'publisher-exports');
    await expectAccessible(publisher, '/desk/publisher/exports');

    // The editor: the timeline of the article, and review policies with a refused and a saved cadence.
    await editorPage.goto(`${origin}/desk/editor/articles/${article.id}/timeline`);
    const timeline = await editorPage.locator('.timeline').innerText();
    for (const kind of ['Revision', 'Decision', 'Sign-off', 'Publication']) expect(timeline).toContain(kind);
    expect(timeline).toContain('Changes requested on revision 1: “Name the withdrawal risk.”');
    await expectFits(editorPage);
    await shots.take(editorPage, 'editor-timeline');
    await expectAccessible(editor, `/desk/editor/articles/${article.id}/timeline`);

    await editorPage.goto(`${origin}/desk/editor/policies`);
    await editorPage.locator('#specialty').fill('neurology');
    await editorPage.locator('#cadence').fill('P10Y');
    await editorPage.getByRole('button', { name: 'Save the policy' }).click();
    expect(await editorPage.locator('#cadence-error').innerText()).toContain('cadence must be');
    await shots.take(editorPage, 'editor-policy-refused', editorPage.locator('#cadence'));
    await editorPage.locator('#cadence').fill('P3M');
    await editorPage.getByRole('button', { name: 'Save the policy' }).click();
    expect(await editorPage.getByRole('status').innerText()).toContain('The review policy is saved.');
    expect(await editorPage.locator('main').innerText()).toContain('neurology: every P3M');
    await expectFits(editorPage);
    await shots.take(editorPage, 'editor-policies');
    await expectAccessible(editor, '/desk/editor/policies');

    // The refused policy form, as the JavaScript twin sees it.
    const twin = axePages.get(editor.email)!;
    await twin.locator('#specialty').fill('neurology');
    await twin.locator('#cadence').fill('P10Y');
    await twin.getByRole('button', { name: 'Save the policy' }).click();
    expect(await severeViolations(twin)).toEqual([]);

    expect(checked.length).toBeGreaterThanOrEqual(10);
  }, 300_000);

  it('a writer and a reviewer get 403 on the editor’s and the publisher’s pages', async () => {
    for (const person of [writer, alan]) {
      const page = await phone();
      await page.goto(`${origin}/desk/login`);
      await signIn(page, person.email, person.password);
      for (const target of [
        '/desk/editor',
        '/desk/editor/policies',
        '/desk/publisher',
        '/desk/publisher/live',
      ]) {
        const response = await page.goto(`${origin}${target}`);
        expect({ target, status: response?.status() }).toEqual({ target, status: 403 });
        expect(await page.locator('main').innerText()).toContain('role');
      }
      await shots403(page);
    }
  }, 120_000);

  async function shots403(page: Page) {
    await new Shots('newsroom-office', 'refused').take(page, 'forbidden');
  }
});
