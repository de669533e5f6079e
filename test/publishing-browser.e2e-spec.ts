import axe from 'axe-core';
import { existsSync, readFileSync } from 'node:fs';
import playwright, { type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ArticleContent } from '../src/articles/article-content.js';
import { dangerousMarkup, poke } from './utils/script-detection.js';
import { bearer, createTestApp, type TestApp } from './utils/test-app.js';
import {
  ALAN,
  type Cast,
  createCast,
  insertArticle,
  seedContent,
  signCurrentRevision,
  signedArticle,
  tempPublishDir,
} from './utils/publishing-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ORIGIN = 'http://pages.test';
// PostgreSQL cannot store U+0000, so a vector containing it is fed without it ("java\0script:" becomes the
// more direct "javascript:").
const vectors = (
  JSON.parse(readFileSync(new URL('./fixtures/xss-vectors.json', import.meta.url), 'utf8')) as string[]
).map((vector) => vector.replaceAll('\u0000', ''));

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(
    `Skipping the browser tests: ${CHROMIUM} is missing (install Debian's package: apt-get install -y chromium)`,
  );
}
const describeInBrowser = haveChromium ? describe : describe.skip;

// The functions handed to page.evaluate run inside Chromium; these are the few DOM names they use (declared
// here, in this module only, so the server code never sees DOM globals).
interface PageElement {
  tagName: string;
  attributes: ArrayLike<{ name: string; value: string }>;
  getAttribute(name: string): string | null;
  dispatchEvent(event: unknown): boolean;
  textContent: string | null;
}
declare const window: { __xss?: number } & Record<string, unknown>;
declare const document: { querySelectorAll(selector: string): ArrayLike<PageElement> };

/** Every text field of an article carries the vector (and again inside ordinary text). */
function contentCarrying(vector: string, index: number): Partial<ArticleContent> {
  const seed = seedContent();
  return {
    slug: `xss-${index}`,
    title: vector,
    description: vector,
    specialty: vector.slice(0, 64),
    keyTakeaways: [vector, `Before ${vector} after`],
    sections: [
      { heading: vector, body: vector },
      { heading: `Heading ${vector}`, body: `Text ${vector} more text\n\n- ${vector}\n\n> ${vector}` },
      seed.sections[0],
    ],
    faq: [
      { question: vector, answer: vector },
      { question: `Question ${vector}?`, answer: `Answer: ${vector}` },
    ],
    references: [
      { title: vector, url: vector, publisher: vector, year: 2024 },
      {
        title: `Ref ${vector}`,
        url: `https://example.org/?q=${encodeURIComponent(vector)}`,
        publisher: 'P',
        year: null,
      },
    ],
    bottomLine: vector,
    relatedSlugs: [],
    images: [
      { url: vector, alt: vector, caption: vector, sectionIndex: 0 },
      { url: 'https://images.example.com/pill.jpg', alt: vector, caption: vector, sectionIndex: 1 },
    ],
  };
}

/**
 * A browser context with no network: every request but the page itself is aborted (image URLs point at hosts
 * that do not exist), and alert/confirm/prompt only raise a flag.
 */
async function isolatedContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const flag = () => {
      window.__xss = 1;
    };
    Object.assign(window, { alert: flag, confirm: flag, prompt: flag, print: flag });
  });
  await context.route('**/*', (route) =>
    route.request().url() === `${ORIGIN}/page`
      ? route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: pending.shift() ?? '' })
      : route.abort(),
  );
  return context;
}

/** Pages waiting to be served at ORIGIN/page, in order. */
const pending: string[] = [];

/** Opens HTML as a page of its own origin, without the service's CSP to hide behind. */
async function open(
  context: BrowserContext,
  html: string,
): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(error.message));
  pending.push(html);
  await page.goto(`${ORIGIN}/page`, { waitUntil: 'load' });
  return { page, dialogs, errors };
}

describeInBrowser('published pages in a real browser (Chromium)', () => {
  let t: TestApp;
  let cast: Cast;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    t = await createTestApp({
      now: new Date('2026-01-10T20:00:00Z'),
      env: { PUBLISH_DIR: tempPublishDir(), WEBHOOK_URLS: '' },
    });
    cast = await createCast(t);
    browser = await playwright.chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context = await isolatedContext(browser);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it(`runs no script and raises no dialog for any of ${vectors.length} XSS vectors in every text field`, async () => {
    expect(vectors.length).toBeGreaterThanOrEqual(50);
    const failures: { vector: string; problem: unknown }[] = [];
    for (const [index, vector] of vectors.entries()) {
      await t.dataSource.query('UPDATE users SET name = $1 WHERE id = $2', [
        vector.slice(0, 120),
        cast.writer.id,
      ]);
      const article = await insertArticle(t, cast.writer, contentCarrying(vector, index));
      await signCurrentRevision(t, article.id, cast.reviewer, {
        signer: { displayName: vector.slice(0, 120), credentials: vector.slice(0, 60), affiliation: vector },
      });
      const published = await t
        .http()
        .post(`/articles/${article.id}/publish`)
        .set(cast.publisher.auth)
        .send({});
      if (published.status !== 200) {
        failures.push({ vector, problem: published.body });
        continue;
      }
      const html = (await t.http().get(`/public/articles/${article.slug}`)).text;
      const { page, dialogs, errors } = await open(context, html);
      await poke(page);
      const flagged = await page.evaluate(() => window.__xss ?? 0);
      const markup = await dangerousMarkup(page);
      const ldJson = await page.evaluate(() => {
        const scripts = document.querySelectorAll('script');
        return scripts.length === 1 ? JSON.parse(scripts[0].textContent ?? '') : null;
      });
      const title = await page.title();
      await page.close();
      if (flagged || dialogs.length || markup.length || !ldJson || errors.length) {
        failures.push({ vector, problem: { flagged, dialogs, markup, errors, ldJson: !!ldJson } });
      }
      // The text arrives as text: the title shows the vector as typed (whitespace and control characters aside).
      const shown = (text: string) =>
        Array.from(text)
          .map((char) => (char.charCodeAt(0) <= 0x20 ? ' ' : char))
          .join('')
          .replace(/ +/g, ' ')
          .trim();
      if (shown(title) !== shown(`${vector} | Health Library`)) failures.push({ vector, problem: { title } });
    }
    expect(failures).toEqual([]);

    // The index lists every one of those titles and descriptions on one page.
    const index = await open(context, (await t.http().get('/public/articles')).text);
    await poke(index.page);
    expect(await index.page.evaluate(() => window.__xss ?? 0)).toBe(0);
    expect(index.dialogs).toEqual([]);
    expect(await dangerousMarkup(index.page)).toEqual([]);
    await index.page.close();
  }, 300_000);

  it('shows the reviewer profile and the preview safely, whatever was typed into them', async () => {
    const vector = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
    // Straight into the row: whatever validation the profile API applies, the page must not depend on it.
    await t.dataSource.query(
      'UPDATE reviewer_profiles SET display_name = $1, credentials = $2, affiliation = $1, specialties = $3 WHERE user_id = $4',
      [vector, vector.slice(0, 60), [vector], cast.reviewer.id],
    );
    const draft = await insertArticle(t, cast.writer, contentCarrying(vector, 9999));
    for (const html of [
      (await t.http().get(`/public/reviewers/${cast.reviewer.id}`)).text,
      (await t.http().get(`/articles/${draft.id}/preview`).set(cast.writer.auth)).text,
    ]) {
      const { page, dialogs } = await open(context, html);
      await poke(page);
      expect(await page.evaluate(() => window.__xss ?? 0)).toBe(0);
      expect(dialogs).toEqual([]);
      expect(await dangerousMarkup(page)).toEqual([]);
      await page.close();
    }
    await t.http().put(`/users/${cast.reviewer.id}/reviewer-profile`).set(bearer(t.adminToken)).send(ALAN);
  }, 60_000);

  it('has no serious or critical accessibility violations (axe-core) on the article, index, reviewer and preview pages', async () => {
    await t.dataSource.query('UPDATE users SET name = $1 WHERE id = $2', ['Wendy Writer', cast.writer.id]);
    const article = await signedArticle(t, cast, { slug: 'is-baclofen-a-benzodiazepine' });
    expect(
      (await t.http().post(`/articles/${article.id}/publish`).set(cast.publisher.auth).send({})).status,
    ).toBe(200);
    const draft = await insertArticle(t, cast.writer);
    const pages: Record<string, string> = {
      article: (await t.http().get(`/public/articles/${article.slug}`)).text,
      index: (await t.http().get('/public/articles')).text,
      reviewer: (await t.http().get(`/public/reviewers/${cast.reviewer.id}`)).text,
      preview: (await t.http().get(`/articles/${draft.id}/preview`).set(cast.writer.auth)).text,
    };
    const violations: Record<string, unknown[]> = {};
    for (const [name, html] of Object.entries(pages)) {
      for (const viewport of [
        { width: 1280, height: 900 },
        { width: 375, height: 740 },
      ]) {
        const { page } = await open(context, html);
        await page.setViewportSize(viewport);
        await page.addScriptTag({ content: axe.source });
        const result = await page.evaluate(() =>
          (window.axe as typeof axe).run(document, { resultTypes: ['violations'] }),
        );
        const severe = result.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
        if (severe.length) violations[`${name}@${viewport.width}`] = severe;
        await page.close();
      }
    }
    expect(violations).toEqual({});
  }, 180_000);
});
