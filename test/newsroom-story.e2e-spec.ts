import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { normaliseContent } from '../src/articles/article-content.rules.js';
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
import { bearer, createTestApp, type TestApp } from './utils/test-app.js';
import { ADMIN } from './utils/test-env.js';
import { ALAN, seedContent } from './utils/workflow.js';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Skipping the newsroom story in Chromium: ${CHROMIUM} is missing`);
const describeInBrowser = haveChromium ? describe : describe.skip;

const NOW = new Date('2026-11-30T15:00:00Z');
/** Every person works on a phone with JavaScript off. */
const PHONE_NO_JS: Variant = {
  name: 'no-js-390',
  javaScriptEnabled: false,
  viewport: { width: 390, height: 844 },
};
/** axe-core is a page script: each page a person saw is replayed, as it was, in one JavaScript-enabled tab. */
const PHONE_JS: Variant = { name: 'js-390', javaScriptEnabled: true, viewport: { width: 390, height: 844 } };
const BYLINE =
  'Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on November 30th, 2026';
const BENZO = 'What Are Benzodiazepines?';
const COMMENT = 'Please name the dependence risk of long-term benzodiazepine use, with a source.';
const ADDED = 'Long-term use carries a risk of dependence and withdrawal (FDA, 2020).';

interface Person {
  key: string;
  name: string;
  email: string;
  roles: string[];
  password: string;
  context?: BrowserContext;
  page?: Page;
}

/**
 * The seed story of issue #14, in Chromium, by five people each in their own browser profile: the admin invites
 * the writer, the editor, the physician (with his reviewer profile and licence) and the publisher; each sets a
 * password from the e-mail; the writer types the seed article and submits it; the editor assigns Alan Lucks; he
 * accepts from his e-mail, comments on a section and requests a change; the writer makes it and resubmits; he
 * signs; the publisher publishes from the "ready to publish" e-mail; the public page carries the byline.
 * Nothing is done through the API: it only checks what the pages did. Every page visited passes axe-core (no
 * serious or critical violation) and fits 390 px; a screenshot of each step is under test-artifacts/desk/story/.
 */
describeInBrowser(
  'the newsroom story in Chromium: five people, from invitation to the published byline',
  () => {
    let t: TestApp;
    let sink: SmtpSink;
    let browser: Browser;
    let origin: string;
    let axeContext: BrowserContext;
    let axePage: Page;
    const shots = new Shots('story');
    const checked: string[] = [];

    const people: Record<'writer' | 'editor' | 'alan' | 'publisher', Person> = {
      writer: {
        key: 'writer',
        name: 'Wren Writer',
        email: 'wren.writer@story.test',
        roles: ['writer'],
        password: 'wren writes every morning',
      },
      editor: {
        key: 'editor',
        name: 'Erin Editor',
        email: 'erin.editor@story.test',
        roles: ['editor'],
        password: 'erin assigns the reviewers',
      },
      alan: {
        key: 'alan',
        name: 'Alan Lucks',
        email: 'alan.lucks@story.test',
        roles: ['reviewer'],
        password: 'alan signs with care 1954',
      },
      publisher: {
        key: 'publisher',
        name: 'Pat Publisher',
        email: 'pat.publisher@story.test',
        roles: ['publisher'],
        password: 'pat publishes on time',
      },
    };

    beforeAll(async () => {
      sink = await SmtpSink.start();
      const port = await freePort();
      origin = `http://127.0.0.1:${port}`;
      t = await createTestApp({ now: NOW, env: { SMTP_URL: sink.url, PUBLIC_BASE_URL: origin } });
      await t.app.listen(port, '127.0.0.1');
      browser = await launchChromium();
      axeContext = await freshContext(browser, PHONE_JS, origin);
      axePage = await axeContext.newPage();
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
      await sink?.close();
    });

    async function newPerson(person: { context?: BrowserContext; page?: Page }): Promise<Page> {
      person.context = await freshContext(browser, PHONE_NO_JS, origin);
      person.page = await person.context.newPage();
      return person.page;
    }

    const path = (page: Page) => new URL(page.url()).pathname + new URL(page.url()).search;

    /**
     * The page as its person sees it now: a screenshot, no horizontal scroll at 390 px, and axe-core on the very
     * same HTML (served again at the same address to the JavaScript-enabled tab; the desk's styles are inline).
     */
    async function step(page: Page, name: string, focus?: Locator): Promise<void> {
      await shots.take(page, name, focus);
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      expect({ name, width }).toEqual({ name, width: 390 });
      const url = page.url();
      const html = await page.content();
      const same = (candidate: URL) => candidate.href === url;
      await axePage.route(same, (route) =>
        route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
      );
      try {
        await axePage.goto(url);
        expect({ name, violations: await severeViolations(axePage) }).toEqual({ name, violations: [] });
      } finally {
        await axePage.unroute(same);
      }
      checked.push(name);
    }

    /** Presses a button that posts a form, and waits for the page it answers with. */
    async function press(page: Page, button: Locator): Promise<void> {
      await Promise.all([page.waitForEvent('load'), button.click()]);
    }

    /** The newest e-mail to `to` whose subject starts with `subject` (the `count`th such), waiting for it. */
    async function mailTo(to: string, subject: string, count = 1) {
      return eventually(() => {
        const found = sink.messagesTo(to).filter((m) => m.subject.startsWith(subject));
        return Promise.resolve(found.length >= count ? found[count - 1] : null);
      }, `e-mail "${subject}" #${count} to ${to}`);
    }

    /** What the API says about the one article (checking only). */
    async function theArticle() {
      const listed = await t.http().get('/articles').set(bearer(t.adminToken));
      expect(listed.status).toBe(200);
      expect(listed.body.items).toHaveLength(1);
      const found = await t.http().get(`/articles/${listed.body.items[0].id}`).set(bearer(t.adminToken));
      expect(found.status).toBe(200);
      return found.body;
    }

    const group = (page: Page, name: string) => page.getByRole('group', { name, exact: true });
    const admin: { context?: BrowserContext; page?: Page } = {};
    const seed = seedContent();
    const benzoIndex = seed.sections.findIndex((section) => section.heading === BENZO);

    /** One step of the story: each needs the ones before it, so after a failure the rest fail at once. */
    let broken: string | undefined;
    function story(name: string, run: () => Promise<void>, timeout: number): void {
      it(
        name,
        async () => {
          if (broken) throw new Error(`not run: an earlier step failed (${broken})`);
          try {
            await run();
          } catch (error) {
            broken = name;
            throw error;
          }
        },
        timeout,
      );
    }

    story(
      '1. the admin invites four people (Alan Lucks with his profile and licence); each sets a password from the e-mail',
      async () => {
        const page = await newPerson(admin);
        await page.goto(`${origin}/desk`);
        expect(path(page)).toBe(`/desk/login?next=${encodeURIComponent('/desk')}`);
        await step(page, 'admin-login');
        await signIn(page, ADMIN.email, ADMIN.password);
        expect(path(page)).toBe('/desk');
        await step(page, 'admin-home');
        await press(
          page,
          page.getByRole('navigation', { name: 'Desk' }).getByRole('link', { name: 'People' }),
        );
        expect(path(page)).toBe('/desk/admin/people');

        for (const person of Object.values(people)) {
          await page.goto(`${origin}/desk/admin/people`);
          await page.getByLabel('Name').fill(person.name);
          await page.getByLabel('E-mail').fill(person.email);
          for (const role of person.roles)
            await page.getByRole('checkbox', { name: role, exact: true }).check();
          if (person.key === 'writer') await step(page, 'admin-invite-form');
          await press(page, page.getByRole('button', { name: 'Send the invitation' }));
          expect(await page.getByRole('status').textContent()).toContain('The invitation is sent.');
          await step(page, `admin-invited-${person.key}`);

          if (person.key === 'alan') {
            // His reviewer profile and licence, through the admin's licence page.
            await press(page, page.getByRole('link', { name: 'Reviewer profile and licence' }));
            expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
              'Reviewer profile of Alan Lucks',
            );
            await page.getByLabel('Display name').fill(ALAN.displayName);
            await page.getByLabel('Credentials').fill(ALAN.credentials);
            await page.getByLabel('Affiliation').fill(ALAN.affiliation);
            await page.getByLabel('Specialties').fill(ALAN.specialties.join(', '));
            await page.getByLabel('Licence number').fill(ALAN.licenseNumber);
            await page.getByLabel('Licence region').fill(ALAN.licenseRegion);
            await page.getByLabel('Licence expires on').fill(ALAN.licenseExpiresOn);
            await press(page, page.getByRole('button', { name: 'Save the profile' }));
            expect(await page.getByRole('status').textContent()).toContain(
              'The reviewer profile and licence are saved.',
            );
            await step(page, 'admin-alan-licence');
            await page.goto(`${origin}/desk/admin/licences`);
            expect(await page.getByRole('main').textContent()).toContain('Alan Lucks, MD');
            await step(page, 'admin-licences');
          }
        }
        await page.goto(`${origin}/desk/admin/people`);
        await step(page, 'admin-people');

        // Each person opens the link of their invitation in their own browser and chooses a password.
        for (const person of Object.values(people)) {
          const invitation = await mailTo(person.email, '');
          const link = linksOf(invitation).find((href) => href.includes('/desk/account/setup?token='));
          expect(link).toBeDefined();
          const own = await newPerson(person);
          await own.goto(link!);
          await step(own, `${person.key}-setup`);
          await own.getByLabel('New password', { exact: true }).fill(person.password);
          await own.getByLabel('Repeat the new password').fill(person.password);
          await press(own, own.getByRole('button', { name: 'Save my password and sign in' }));
          // A physician who only reviews lands on his reviews; the others on their home.
          expect(path(own)).toBe(
            person.key === 'alan' ? '/desk/reviews?notice=welcome' : '/desk?notice=welcome',
          );
          await step(own, `${person.key}-home`);
        }

        // Checking only: four active accounts with their roles, and Alan's profile as the admin typed it.
        const users = await t.http().get('/users').set(bearer(t.adminToken));
        expect(users.status).toBe(200);
        const list = (users.body.items ?? users.body) as { email: string; roles: string[]; id: string }[];
        for (const person of Object.values(people)) {
          expect(list.find((u) => u.email === person.email)?.roles).toEqual(person.roles);
        }
      },
      180_000,
    );

    story(
      '2. the writer types the seed article into the editor and submits it',
      async () => {
        const page = people.writer.page!;
        await press(
          page,
          page.getByRole('navigation', { name: 'Desk' }).getByRole('link', { name: 'My articles' }),
        );
        await step(page, 'writer-my-articles-empty');
        await press(page, page.getByRole('link', { name: 'Write a new article' }));
        expect(path(page)).toBe('/desk/write/new');

        await group(page, 'About the article').getByLabel('Title').fill(seed.title);
        await page.getByLabel('Slug').fill(seed.slug);
        await page.getByLabel('Description').fill(seed.description);
        await page.getByLabel('Specialty').fill(seed.specialty);
        for (const [i, takeaway] of seed.keyTakeaways.entries()) {
          await press(page, page.getByRole('button', { name: 'Add a takeaway' }));
          await page.getByLabel(`Takeaway ${i + 1}`, { exact: true }).fill(takeaway);
        }
        for (const [i, section] of seed.sections.entries()) {
          await press(page, page.getByRole('button', { name: 'Add a section' }));
          const item = group(page, `Section ${i + 1}`);
          await item.getByLabel('Heading').fill(section.heading);
          await item.getByLabel('Text').fill(section.body);
        }
        for (const [i, entry] of seed.faq.entries()) {
          await press(page, page.getByRole('button', { name: 'Add a question' }));
          const item = group(page, `Question ${i + 1}`);
          await item.getByLabel('Question', { exact: true }).fill(entry.question);
          await item.getByLabel('Answer').fill(entry.answer);
        }
        await page.getByLabel('Bottom line').fill(seed.bottomLine);
        for (const [i, reference] of seed.references.entries()) {
          await press(page, page.getByRole('button', { name: 'Add a reference' }));
          const item = group(page, `Reference ${i + 1}`);
          await item.getByLabel('Title').fill(reference.title);
          await item.getByLabel('URL').fill(reference.url);
          await item.getByLabel('Publisher').fill(reference.publisher);
          await item.getByLabel('Year').fill(reference.year === null ? '' : String(reference.year));
        }
        for (const [i, image] of seed.images.entries()) {
          await press(page, page.getByRole('button', { name: 'Add an image' }));
          const item = group(page, `Image ${i + 1}`);
          await item.getByLabel('Image URL').fill(image.url);
          await item.getByLabel('Alt text').fill(image.alt);
          await item.getByLabel('Placed after').selectOption(String(image.sectionIndex));
        }
        await step(page, 'writer-typed', page.locator('#f-sections'));

        await press(page, page.getByRole('button', { name: 'Create the draft' }).first());
        expect(await page.getByRole('status').first().textContent()).toContain('Your draft is saved');
        await step(page, 'writer-draft-saved');
        await press(page, page.getByRole('button', { name: 'Save and submit for review' }));
        expect(await page.getByRole('status').first().textContent()).toContain('sent for review');
        await step(page, 'writer-submitted');

        const article = await theArticle();
        expect(article.status).toBe('in_review');
        expect(article.content).toEqual(normaliseContent(seed));
      },
      240_000,
    );

    story(
      '3. the editor assigns Alan Lucks, preselected',
      async () => {
        const page = people.editor.page!;
        await press(
          page,
          page.getByRole('navigation', { name: 'Desk' }).getByRole('link', { name: 'Editor' }),
        );
        expect(path(page)).toBe('/desk/editor');
        expect(await page.locator('#waiting').innerText()).toContain(seed.title);
        await step(page, 'editor-dashboard', page.locator('#waiting'));
        await press(page, page.getByRole('link', { name: `Assign a reviewer to ${seed.title}` }));
        const selected = page.locator('#reviewerId option:checked');
        expect(await selected.innerText()).toContain('Alan Lucks');
        await step(page, 'editor-assign');
        await press(page, page.getByRole('button', { name: 'Assign' }));
        expect(await page.getByRole('status').innerText()).toContain('The reviewer is assigned');
        expect(await page.locator('#in-review').innerText()).toContain('Alan Lucks');
        await step(page, 'editor-assigned', page.locator('#in-review'));
      },
      120_000,
    );

    story(
      '4. Alan opens the review from his e-mail, accepts, comments on a section and requests a change',
      async () => {
        const page = people.alan.page!;
        const requested = await mailTo(people.alan.email, 'Review requested');
        const link = linksOf(requested).find((href) => href.includes('/desk/reviews/'))!;
        expect(link).toMatch(new RegExp(`^${origin}/desk/reviews/[0-9a-f-]{36}$`));
        await page.goto(link);
        expect(page.url()).toBe(link);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(seed.title);
        await step(page, 'alan-review-requested');

        await press(page, page.getByRole('button', { name: 'Accept the review' }));
        expect(await page.getByRole('status').first().textContent()).toContain('You accepted the review');
        await step(page, 'alan-accepted');

        await page.getByLabel('Comment on').selectOption({ label: BENZO });
        await page.getByLabel('Comment', { exact: true }).fill(COMMENT);
        await press(page, page.getByRole('button', { name: 'Add comment' }));
        expect(await page.locator('#comments').textContent()).toContain(`On “${BENZO}”`);
        await step(page, 'alan-commented', page.locator('#comments'));

        await page
          .getByLabel('What needs to change (required)')
          .fill('Name the dependence risk; see my comment.');
        await press(page, page.getByRole('button', { name: 'Request changes' }));
        expect(await page.getByRole('status').first().textContent()).toContain('You requested changes');
        await step(page, 'alan-changes-requested');
        expect((await theArticle()).status).toBe('changes_requested');
      },
      120_000,
    );

    story(
      '5. the writer sees the comment beside the section, makes the change and resubmits',
      async () => {
        const page = people.writer.page!;
        await page.goto(`${origin}/desk/write`);
        const row = page.locator('.article-row').first();
        expect(await row.textContent()).toContain(COMMENT);
        await step(page, 'writer-sees-comment', row);

        await press(page, page.getByRole('link', { name: seed.title }));
        const section = group(page, `Section ${benzoIndex + 1}`);
        expect(await section.getByLabel('Heading').inputValue()).toBe(BENZO);
        const comments = page.getByRole('complementary', {
          name: `Reviewer comments on Section ${benzoIndex + 1}`,
        });
        expect(await comments.textContent()).toContain(COMMENT);
        await step(page, 'writer-comment-beside-section', section);

        const body = section.getByLabel('Text');
        await body.fill(`${seed.sections[benzoIndex].body}\n\n${ADDED}`);
        await page.getByLabel('Change note (optional)').fill('Dependence risk named, with a source');
        await press(page, page.getByRole('button', { name: 'Save and submit for review' }));
        expect(await page.getByRole('status').first().textContent()).toContain('sent for review');
        await step(page, 'writer-resubmitted');

        const article = await theArticle();
        expect(article.status).toBe('in_review');
        expect(article.currentRevision).toBe(2);
        expect(article.content.sections[benzoIndex].body).toContain(ADDED);
      },
      120_000,
    );

    story(
      '6. Alan opens the next e-mail, sees the change by its heading and signs with his own password',
      async () => {
        const page = people.alan.page!;
        const next = await mailTo(people.alan.email, 'Review requested', 2);
        const link = linksOf(next).find((href) => href.includes('/desk/reviews/'))!;
        await page.goto(link);
        const changes = page.locator('#changes');
        expect(await changes.getByRole('heading', { level: 3 }).allTextContents()).toEqual([
          `${BENZO} changed`,
        ]);
        expect(await changes.locator('ins').first().textContent()).toContain('risk of dependence');
        await step(page, 'alan-sees-change', changes);

        const sign = page.locator('#sign');
        expect(await sign.textContent()).toContain('Medically reviewed by Alan Lucks, MD');
        await page.getByLabel('Password', { exact: true }).fill(people.alan.password);
        await press(page, page.getByRole('button', { name: 'Approve and sign' }));
        expect(new URL(page.url()).pathname).toMatch(
          /^\/desk\/reviews\/[0-9a-f-]{36}\/receipt\/[0-9a-f-]{36}$/,
        );
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
          `You signed “${seed.title}”`,
        );
        await step(page, 'alan-signed');

        const article = await theArticle();
        expect(article.status).toBe('approved');
        const signOffs = await t.http().get(`/articles/${article.id}/sign-offs`).set(bearer(t.adminToken));
        expect(signOffs.body).toHaveLength(1);
        expect(signOffs.body[0]).toMatchObject({ revision: 2, contentHash: article.contentHash });
      },
      120_000,
    );

    story(
      '7–8. the publisher publishes from the "ready to publish" e-mail; the public page carries the byline',
      async () => {
        const page = people.publisher.page!;
        const mail = await mailTo(people.publisher.email, `Ready to publish: ${seed.title}`);
        const link = linksOf(mail).find((href) => href.includes('/desk/publisher/articles/'))!;
        await page.goto(link);
        expect(page.url()).toBe(link);
        expect(await page.locator('.byline-preview').innerText()).toBe(BYLINE);
        await step(page, 'publisher-ready');
        await press(page, page.getByRole('button', { name: 'Publish now' }));
        expect(await page.getByRole('status').innerText()).toContain('Published');
        await step(page, 'publisher-published');

        const liveLink = page.locator('#live-heading + p a');
        const publicPath = (await liveLink.getAttribute('href'))!;
        await press(page, liveLink);
        expect(path(page)).toBe(publicPath);
        expect(textOf(await page.content())).toContain(BYLINE);
        await step(page, 'public-page-byline', page.locator('.byline'));

        // The same page, to a reader with no account.
        const reader = await t.http().get(publicPath);
        expect(reader.status).toBe(200);
        expect(textOf(reader.text)).toContain(BYLINE);
        expect((await theArticle()).status).toBe('published');
        expect(checked.length).toBeGreaterThanOrEqual(25);
      },
      120_000,
    );
  },
);
