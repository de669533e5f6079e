import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { normaliseContent } from '../src/articles/article-content.rules.js';
import {
  CHROMIUM,
  freePort,
  freshContext,
  launchChromium,
  severeViolations,
  Shots,
  signIn,
  type Variant,
} from './utils/desk-browser.js';
import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import { draftSeed, getArticle, seedContent } from './utils/workflow.js';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Skipping the writer's desk browser tests: ${CHROMIUM} is missing`);
const describeInBrowser = haveChromium ? describe : describe.skip;

const PHONE_NO_JS: Variant = {
  name: 'no-js-390',
  javaScriptEnabled: false,
  viewport: { width: 390, height: 844 },
};
const PHONE_JS: Variant = { name: 'js-390', javaScriptEnabled: true, viewport: { width: 390, height: 844 } };
const DESKTOP_JS: Variant = {
  name: 'desktop',
  javaScriptEnabled: true,
  viewport: { width: 1280, height: 900 },
};

// The functions handed to page.evaluate run inside Chromium.
declare const document: {
  activeElement: { id: string; textContent: string | null; tagName: string } | null;
  documentElement: { scrollWidth: number };
};

describeInBrowser('the writer’s desk in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  let writer: TestUser;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await createTestApp({ env: { PUBLIC_BASE_URL: origin } });
    await t.app.listen(port, '127.0.0.1');
    browser = await launchChromium();
    writer = await createUser(t, ['writer'], { name: 'Wren Writer' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signedIn(
    variant: Variant,
    next = '/desk/write',
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await freshContext(browser, variant, origin);
    const page = await context.newPage();
    await page.goto(`${origin}/desk/login?next=${encodeURIComponent(next)}`);
    await signIn(page, writer.email, writer.password);
    expect(new URL(page.url()).pathname).toBe(next);
    return { context, page };
  }

  /** Presses a button that posts the form, and waits for the page it answers with. */
  async function press(page: Page, button: Locator): Promise<void> {
    await Promise.all([page.waitForEvent('load'), button.click()]);
  }

  const group = (page: Page, name: string) => page.getByRole('group', { name, exact: true });

  it('a writer types the whole seed article with JavaScript off at 390 px, saves, previews and submits it', async () => {
    const shots = new Shots('writer', PHONE_NO_JS.name);
    const seed = seedContent();
    const { context, page } = await signedIn(PHONE_NO_JS);
    await shots.take(page, 'my-articles-empty');
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('link', { name: 'Write a new article' }).click(),
    ]);
    expect(new URL(page.url()).pathname).toBe('/desk/write/new');

    await group(page, 'About the article').getByLabel('Title').fill(seed.title);
    await page.getByLabel('Slug').fill(seed.slug);
    await page.getByLabel('Description').fill(seed.description);
    await page.getByLabel('Specialty').fill(seed.specialty);
    await shots.take(page, 'new-basics');

    for (const [i, takeaway] of seed.keyTakeaways.entries()) {
      await press(page, page.getByRole('button', { name: 'Add a takeaway' }));
      await page.getByLabel(`Takeaway ${i + 1}`, { exact: true }).fill(takeaway);
    }
    await shots.take(page, 'takeaways', page.locator('#f-keyTakeaways'));

    for (const [i, section] of seed.sections.entries()) {
      await press(page, page.getByRole('button', { name: 'Add a section' }));
      const item = group(page, `Section ${i + 1}`);
      await item.getByLabel('Heading').fill(section.heading);
      await item.getByLabel('Text').fill(section.body);
    }
    await shots.take(page, 'sections', page.locator('#f-sections'));

    for (const [i, entry] of seed.faq.entries()) {
      await press(page, page.getByRole('button', { name: 'Add a question' }));
      const item = group(page, `Question ${i + 1}`);
      await item.getByLabel('Question', { exact: true }).fill(entry.question);
      await item.getByLabel('Answer').fill(entry.answer);
    }
    await page.getByLabel('Bottom line').fill(seed.bottomLine);
    await shots.take(page, 'faq', page.locator('#f-faq'));

    for (const [i, reference] of seed.references.entries()) {
      await press(page, page.getByRole('button', { name: 'Add a reference' }));
      const item = group(page, `Reference ${i + 1}`);
      await item.getByLabel('Title').fill(reference.title);
      await item.getByLabel('URL').fill(reference.url);
      await item.getByLabel('Publisher').fill(reference.publisher);
      await item.getByLabel('Year').fill(reference.year === null ? '' : String(reference.year));
    }
    await shots.take(page, 'references', page.locator('#f-references'));

    for (const [i, image] of seed.images.entries()) {
      await press(page, page.getByRole('button', { name: 'Add an image' }));
      const item = group(page, `Image ${i + 1}`);
      await item.getByLabel('Image URL').fill(image.url);
      await item.getByLabel('Alt text').fill(image.alt);
      await item.getByLabel('Placed after').selectOption(String(image.sectionIndex));
    }
    await shots.take(page, 'images', page.locator('#f-images'));

    // Reorder and remove without JavaScript: a takeaway added by mistake, moved up, then removed.
    await press(page, page.getByRole('button', { name: 'Add a takeaway' }));
    await page.getByLabel('Takeaway 5', { exact: true }).fill('A stray line');
    await press(page, page.getByRole('button', { name: 'Move up Takeaway 5' }));
    expect(await page.getByLabel('Takeaway 4', { exact: true }).inputValue()).toBe('A stray line');
    expect(await page.getByLabel('Takeaway 5', { exact: true }).inputValue()).toBe(seed.keyTakeaways[3]);
    await shots.take(page, 'moved-up', page.locator('#f-keyTakeaways'));
    await press(page, page.getByRole('button', { name: 'Remove Takeaway 4' }));
    expect(await page.getByLabel('Takeaway 4', { exact: true }).inputValue()).toBe(seed.keyTakeaways[3]);
    expect(await page.getByLabel('Takeaway 5', { exact: true }).count()).toBe(0);
    // Nothing is saved by the list buttons.
    const listed = await t.http().get(`/articles?author=${writer.id}`).set(writer.auth);
    expect(listed.body.items).toEqual([]);

    // The page fits the phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await press(page, page.getByRole('button', { name: 'Create the draft' }).first());
    const id = /\/desk\/write\/([0-9a-f-]{36})$/.exec(new URL(page.url()).pathname)?.[1];
    expect(id).toBeDefined();
    expect(await page.getByRole('status').first().textContent()).toContain('Your draft is saved');
    await shots.take(page, 'created');
    const stored = (await getArticle(t, writer, id!)).body;
    expect(stored.content).toEqual(normaliseContent(seed));

    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('link', { name: 'Preview the saved revision' }).click(),
    ]);
    expect(await page.locator('.preview-banner').textContent()).toContain('not medically reviewed');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(seed.title);
    await shots.take(page, 'preview');
    await page.goBack();

    await press(page, page.getByRole('button', { name: 'Save and submit for review' }));
    expect(await page.getByRole('status').first().textContent()).toContain('sent for review');
    await shots.take(page, 'submitted');
    const submitted = (await getArticle(t, writer, id!)).body;
    expect(submitted.status).toBe('in_review');
    expect(submitted.content).toEqual(normaliseContent(seed));

    await Promise.all([
      page.waitForEvent('load'),
      page.locator('#main').getByRole('link', { name: 'My articles' }).click(),
    ]);
    expect(await page.getByRole('heading', { level: 2, name: seed.title }).count()).toBe(1);
    expect(await page.locator('.article-row').first().textContent()).toContain('In review');
    await shots.take(page, 'my-articles');
    await context.close();
  }, 240_000);

  it('field errors sit beside their field, nothing is saved; a stale second tab shows both texts and loses nothing', async () => {
    const shots = new Shots('writer', 'errors-and-conflict');
    const article = await draftSeed(t, writer);
    const { context, page } = await signedIn(PHONE_JS, `/desk/write/${article.id}`);
    const reference = group(page, 'Reference 2');
    await reference.getByLabel('URL').fill('not a url');
    await group(page, 'Section 3').getByLabel('Heading').fill('');
    await press(page, page.getByRole('button', { name: 'Save' }).first());
    expect(await page.locator('#f-references-1-url-error').textContent()).toBe(
      'URL must be an http or https URL.',
    );
    expect(await reference.getByLabel('URL').inputValue()).toBe('not a url');
    expect(await page.getByRole('alert').first().textContent()).toContain('Nothing was saved');
    await shots.take(page, 'bad-url', page.locator('#f-references-1'));
    expect((await getArticle(t, writer, article.id)).body.version).toBe(1);
    for (const violations of [await severeViolations(page)]) expect(violations).toEqual([]);

    // Submitting with the empty heading names it beside the heading.
    await reference.getByLabel('URL').fill(seedContent().references[1].url);
    await press(page, page.getByRole('button', { name: 'Save and submit for review' }));
    expect(await page.locator('#f-sections-2-heading-error').textContent()).toBe('Heading is empty.');
    expect(await page.getByRole('alert').first().textContent()).toContain('Not sent for review');
    await shots.take(page, 'incomplete', page.locator('#f-sections-2'));
    expect(await severeViolations(page)).toEqual([]);
    expect((await getArticle(t, writer, article.id)).body.status).toBe('draft');

    // Two tabs on the same version: the second save shows both texts, and saves on top when pressed again.
    await page.goto(`${origin}/desk/write/${article.id}`);
    const second = await context.newPage();
    await second.goto(`${origin}/desk/write/${article.id}`);
    await group(page, 'About the article').getByLabel('Title').fill('Title from the first tab');
    await press(page, page.getByRole('button', { name: 'Save' }).first());
    await group(second, 'About the article').getByLabel('Title').fill('Title from the second tab');
    await group(second, 'Section 1').getByLabel('Text').fill('Body typed in the second tab.');
    await press(second, second.getByRole('button', { name: 'Save' }).first());
    expect(await second.getByRole('alert').first().textContent()).toContain('Someone saved a newer revision');
    expect(await group(second, 'About the article').getByLabel('Title').inputValue()).toBe(
      'Title from the second tab',
    );
    expect(await second.locator('#f-title-newer').textContent()).toContain('Title from the first tab');
    expect(await group(second, 'Section 1').getByLabel('Text').inputValue()).toBe(
      'Body typed in the second tab.',
    );
    await shots.take(second, 'conflict');
    expect(await severeViolations(second)).toEqual([]);
    expect((await getArticle(t, writer, article.id)).body.content.title).toBe('Title from the first tab');
    await press(second, second.getByRole('button', { name: 'Save' }).first());
    expect(await second.getByRole('status').first().textContent()).toContain('Your changes are saved');
    await shots.take(second, 'saved-on-top');
    const final = (await getArticle(t, writer, article.id)).body;
    expect(final.content.title).toBe('Title from the second tab');
    expect(final.content.sections[0].body).toBe('Body typed in the second tab.');
    await context.close();
  }, 120_000);

  it.each([PHONE_JS, DESKTOP_JS])(
    'axe-core finds no serious or critical problem on the writer’s pages ($name)',
    async (variant) => {
      const shots = new Shots('writer', `axe-${variant.name}`);
      const article = await draftSeed(t, writer);
      await t
        .http()
        .post(`/articles/${article.id}/comments`)
        .set(writer.auth)
        .send({ body: 'A note on the first section.', sectionIndex: 0 });
      const { context, page } = await signedIn(variant);
      const found: Record<string, string[]> = {};
      for (const [name, path] of [
        ['my-articles', '/desk/write'],
        ['new', '/desk/write/new'],
        ['editor', `/desk/write/${article.id}`],
        ['preview', `/desk/write/${article.id}/preview`],
      ]) {
        await page.goto(`${origin}${path}`);
        await shots.take(page, name);
        found[name] = await severeViolations(page);
      }
      expect(found).toEqual({ 'my-articles': [], new: [], editor: [], preview: [] });
      await context.close();
    },
    120_000,
  );

  it('the keyboard alone fills in a new article and submits it (Tab and Enter)', async () => {
    const shots = new Shots('writer', 'keyboard');
    const { context, page } = await signedIn(DESKTOP_JS, '/desk/write/new');
    const focused = () =>
      page.evaluate(() => ({
        id: document.activeElement?.id ?? '',
        text: (document.activeElement?.textContent ?? '').trim(),
        tag: document.activeElement?.tagName ?? '',
      }));
    /** Tabs forward until the focused element is the one wanted. */
    async function tabTo(wanted: (f: { id: string; text: string; tag: string }) => boolean, what: string) {
      for (let i = 0; i < 150; i++) {
        await page.keyboard.press('Tab');
        if (wanted(await focused())) return;
      }
      throw new Error(`Tab never reached ${what}`);
    }
    const enter = async () => Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    const seed = seedContent();

    await tabTo((f) => f.id === 'f-title', 'the title');
    await page.keyboard.type('Typed by keyboard');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect((await focused()).id).toBe('f-description');
    await page.keyboard.type('Written without a mouse.');
    await page.keyboard.press('Tab');
    await page.keyboard.type('neurology');
    await tabTo((f) => f.text === 'Add a section', 'Add a section');
    await enter();
    await tabTo((f) => f.id === 'f-sections-0-heading', 'the new section’s heading');
    await page.keyboard.type('A heading');
    await page.keyboard.press('Tab');
    await page.keyboard.type('A paragraph typed with the keyboard.');
    await tabTo((f) => f.text === 'Add a reference', 'Add a reference');
    await enter();
    await tabTo((f) => f.id === 'f-references-0-title', 'the new reference’s title');
    await page.keyboard.type(seed.references[0].title);
    await page.keyboard.press('Tab');
    await page.keyboard.type(seed.references[0].url);
    await shots.take(page, 'filled');
    // Enter in a text box saves (the form's first button is Save).
    await enter();
    expect(await page.getByRole('status').first().textContent()).toContain('Your draft is saved');
    const id = /\/desk\/write\/([0-9a-f-]{36})$/.exec(new URL(page.url()).pathname)![1];
    await tabTo((f) => f.text === 'Save and submit for review', 'Save and submit for review');
    await enter();
    expect(await page.getByRole('status').first().textContent()).toContain('sent for review');
    await shots.take(page, 'submitted');
    // In review the form is frozen: its boxes and buttons are disabled, and the page is still accessible.
    expect(await group(page, 'About the article').getByLabel('Title').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save', exact: true }).count()).toBe(0);
    expect(await severeViolations(page)).toEqual([]);
    const stored = (await getArticle(t, writer, id)).body;
    expect(stored.status).toBe('in_review');
    expect(stored.content.title).toBe('Typed by keyboard');
    expect(stored.content.sections).toEqual([
      { heading: 'A heading', body: 'A paragraph typed with the keyboard.' },
    ]);
    await context.close();
  }, 120_000);
});
