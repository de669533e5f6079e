import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, freePort, freshContext, launchChromium, Shots, VARIANTS } from './utils/desk-browser.js';
import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import { createReviewer, draftSeed, getArticle, seedContent, submit } from './utils/workflow.js';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Skipping the desk keyboard test: ${CHROMIUM} is missing`);
const describeInBrowser = haveChromium ? describe : describe.skip;

const NOW = new Date('2026-11-30T15:00:00Z');
const BENZO = 'What Are Benzodiazepines?';

/** What the person sees of the focused element: its role and accessible name, and whether focus shows. */
interface FocusStop {
  /** `role "accessible name"`, as assistive technology announces it (Playwright's ARIA snapshot). */
  name: string;
  /** What differs in the element's outline or box-shadow from its unfocused look; empty when nothing does. */
  indicator: string;
  /** The element is on the screen (inside the viewport) while it has focus. */
  onScreen: boolean;
  /**
   * The best contrast of the indicator's colours (outline, box-shadow) with the background around the element
   * (WCAG 2.2 non-text contrast asks for 3:1).
   */
  contrast: number;
}

// The functions handed to page.evaluate run inside Chromium.
declare const document: {
  activeElement: unknown;
  querySelectorAll: (selector: string) => Iterable<unknown>;
};
declare const window: {
  getComputedStyle: (element: unknown) => Record<string, string>;
  innerWidth: number;
  innerHeight: number;
};
type Styled = {
  getBoundingClientRect: () => { top: number; left: number; bottom: number; right: number };
  unfocusedLook?: Record<string, string>;
  parentElement: Styled | null;
};

const TABBABLE =
  'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])';

/**
 * Remembers how every focusable element looks without focus (outline and box-shadow), on the element itself, so
 * that each focus stop can be compared with it. Called when a page has loaded and nothing has focus yet.
 */
async function rememberUnfocusedLooks(page: Page): Promise<void> {
  await page.evaluate((selector) => {
    for (const element of document.querySelectorAll(selector) as Iterable<Styled>) {
      const style = window.getComputedStyle(element);
      element.unfocusedLook = {
        'outline-style': style.outlineStyle,
        'outline-width': style.outlineWidth,
        'outline-color': style.outlineColor,
        'box-shadow': style.boxShadow,
      };
    }
  }, TABBABLE);
}

/** The focused element as a stop: its name and what its focus indicator changes. */
async function focusStop(page: Page): Promise<FocusStop> {
  const focused = page.locator(':focus');
  const snapshot = (await focused.ariaSnapshot()).split('\n')[0];
  const match = /^- (\w+)(?: "(.*?)")?/.exec(snapshot);
  const name = match ? `${match[1]} "${match[2] ?? ''}"` : snapshot;
  const { indicator, onScreen, contrast } = await page.evaluate(() => {
    const element = document.activeElement as Styled;
    const style = window.getComputedStyle(element);
    const now: Record<string, string> = {
      'outline-style': style.outlineStyle,
      'outline-width': style.outlineWidth,
      'outline-color': style.outlineColor,
      'box-shadow': style.boxShadow,
    };
    const before = element.unfocusedLook ?? {};
    const visibleOutline = now['outline-style'] !== 'none' && parseFloat(now['outline-width']) >= 2;
    const visibleShadow = now['box-shadow'] !== 'none';
    const changed = Object.keys(now).filter((key) => now[key] !== before[key]);
    const box = element.getBoundingClientRect();
    // Relative luminance and contrast ratio (WCAG 2.2) of rgb()/rgba() colours; transparent ones count as none.
    const rgb = (text: string) => {
      const parts = /rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/.exec(text);
      if (!parts || parts[4] === '0') return null;
      return [parts[1], parts[2], parts[3]].map((part) => {
        const c = Number(part) / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
    };
    const luminance = (c: number[]) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    let around: number[] | null = null;
    for (let node = element.parentElement; node && !around; node = node.parentElement) {
      around = rgb(window.getComputedStyle(node).backgroundColor);
    }
    around ??= [1, 1, 1];
    const colours = [
      visibleOutline ? now['outline-color'] : '',
      ...(visibleShadow ? (now['box-shadow'].match(/rgba?\([^)]*\)/g) ?? []) : []),
    ]
      .map(rgb)
      .filter((colour): colour is number[] => colour !== null);
    const ratio = (a: number[], b: number[]) => {
      const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (light + 0.05) / (dark + 0.05);
    };
    return {
      indicator:
        changed.length && (visibleOutline || visibleShadow)
          ? changed.map((key) => `${key}: ${now[key]}`).join('; ')
          : '',
      onScreen:
        box.bottom > 0 && box.right > 0 && box.top < window.innerHeight && box.left < window.innerWidth,
      contrast: Math.max(0, ...colours.map((colour) => ratio(colour, around))),
    };
  });
  return { name, indicator, onScreen, contrast: Math.round(contrast * 100) / 100 };
}

/**
 * Presses Tab until the element named `target` has focus (at most `limit` times): the stops on the way, in order,
 * each with a screenshot of the screen as the person sees it.
 */
async function tabTo(
  page: Page,
  target: string,
  shots: Shots,
  step: string,
  limit = 60,
): Promise<FocusStop[]> {
  const stops: FocusStop[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const stop = await focusStop(page);
    stops.push(stop);
    await shots.take(page, `${step}-${stops.length}-${stop.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`);
    if (stop.name === target) return stops;
  }
  throw new Error(`${target} never got focus; the stops were ${stops.map((s) => s.name).join(', ')}`);
}

/** Every stop shows that it has focus, in a colour that stands out from what is around it, on the screen. */
function expectFocusVisible(stops: FocusStop[]): void {
  expect(stops.filter((stop) => !stop.indicator || !stop.onScreen || stop.contrast < 3)).toEqual([]);
}

describeInBrowser('the review desk with the keyboard alone', () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  let editor: TestUser;
  let writer: TestUser;
  let siteName: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await createTestApp({ now: NOW, env: { PUBLIC_BASE_URL: origin } });
    await t.app.listen(port, '127.0.0.1');
    browser = await launchChromium();
    editor = await createUser(t, ['editor'], { name: 'Erin Editor' });
    writer = await createUser(t, ['writer'], { name: 'Wren Writer' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('a physician signs in, accepts, comments and signs with Tab, typing and Enter; focus always shows and follows the reading order', async () => {
    const shots = new Shots('keyboard');
    const reviewer = await createReviewer(t);
    const article = await draftSeed(t, writer);
    await submit(t, writer, article.id);
    const assigned = await t
      .http()
      .post(`/articles/${article.id}/assignments`)
      .set(editor.auth)
      .send({ reviewerId: reviewer.id });
    expect(assigned.status).toBe(201);
    const reviewPath = `/desk/reviews/${assigned.body.id}`;
    const context = await freshContext(browser, VARIANTS[0], origin);
    const page = await context.newPage();

    // 1. The link from the e-mail leads to the login page; Tab reaches its fields in reading order.
    await page.goto(`${origin}${reviewPath}`);
    expect(new URL(page.url()).pathname).toBe('/desk/login');
    siteName = (await page.locator('a.site').textContent())!.replace(/ review desk$/, '');
    await rememberUnfocusedLooks(page);
    const loginStops = await tabTo(page, 'link "Forgot your password?"', shots, 'login');
    expect(loginStops.map((stop) => stop.name)).toEqual([
      'link "Skip to main content"',
      `link "${siteName} review desk"`,
      'textbox "E-mail"',
      'textbox "Password"',
      'button "Sign in"',
      'link "Forgot your password?"',
    ]);
    expectFocusVisible(loginStops);

    // Back to the e-mail field (Shift+Tab), type, Tab to the password, type, Enter.
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+Tab');
    expect((await focusStop(page)).name).toBe('textbox "E-mail"');
    await page.keyboard.type(reviewer.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(reviewer.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${origin}${reviewPath}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(seedContent().title);

    // 2. The review page: the skip link is the first stop and takes focus past the header.
    await rememberUnfocusedLooks(page);
    const header = await tabTo(page, 'link "Skip to main content"', shots, 'review-skip');
    expect(header.map((stop) => stop.name)).toEqual(['link "Skip to main content"']);
    expectFocusVisible(header);
    await page.keyboard.press('Enter');
    const references = seedContent()
      .references.filter((reference) => reference.url)
      .map((reference) => `link "${reference.title}"`);
    const pending = await tabTo(page, references.at(-1)!, shots, 'review-pending');
    expect(pending.map((stop) => stop.name)).toEqual([
      'button "Accept the review"',
      'textbox "Reason for declining"',
      'button "Decline the review"',
      ...references,
    ]);
    expectFocusVisible(pending);

    // Back to "Accept the review" and press Enter.
    for (let i = 0; i < pending.length - 1; i++) await page.keyboard.press('Shift+Tab');
    expect((await focusStop(page)).name).toBe('button "Accept the review"');
    await page.keyboard.press('Enter');
    await page.waitForURL(/notice=accepted/);
    expect(await page.getByRole('status').first().textContent()).toContain('You accepted the review');

    // 3. Accepted: the whole page in reading order, from the top, to "Approve and sign".
    await rememberUnfocusedLooks(page);
    const accepted = await tabTo(page, 'button "Approve and sign"', shots, 'review-accepted');
    expect(accepted.map((stop) => stop.name)).toEqual([
      'link "Skip to main content"',
      `link "${siteName} review desk"`,
      'link "Change password"',
      'button "Sign out"',
      'link "My reviews"',
      ...references,
      'combobox "Comment on"',
      'textbox "Comment"',
      'button "Add comment"',
      'textbox "What needs to change (required)"',
      'button "Request changes"',
      'textbox "Comment for the writer (optional)"',
      'textbox "Password"',
      'button "Approve and sign"',
    ]);
    expectFocusVisible(accepted);

    // A comment on a section: back to "Comment on", choose the section with the arrow keys, type, Enter on the button.
    const back = accepted.length - accepted.findIndex((stop) => stop.name === 'combobox "Comment on"') - 1;
    for (let i = 0; i < back; i++) await page.keyboard.press('Shift+Tab');
    expect((await focusStop(page)).name).toBe('combobox "Comment on"');
    const sections = seedContent().sections.map((section) => section.heading);
    for (let i = 0; i <= sections.indexOf(BENZO); i++) await page.keyboard.press('ArrowDown');
    expect(
      await page.getByLabel('Comment on').evaluate((select) => (select as { value: string }).value),
    ).toBe(String(sections.indexOf(BENZO)));
    await page.keyboard.press('Tab');
    await page.keyboard.type('Please cite the dependence risk for benzodiazepines.');
    await page.keyboard.press('Tab');
    expect((await focusStop(page)).name).toBe('button "Add comment"');
    await page.keyboard.press('Enter');
    await page.waitForURL(/notice=commented/);
    expect(await page.locator('#comments').textContent()).toContain(`On “${BENZO}”`);

    // 4. Sign: Tab to the comment for the writer, type; Tab to the password, type, Enter.
    await rememberUnfocusedLooks(page);
    const toSign = await tabTo(page, 'textbox "Comment for the writer (optional)"', shots, 'sign');
    expectFocusVisible(toSign);
    expect(toSign.map((stop) => stop.name).slice(-3)).toEqual([
      'textbox "What needs to change (required)"',
      'button "Request changes"',
      'textbox "Comment for the writer (optional)"',
    ]);
    await page.keyboard.type('Thank you, this reads well.');
    await page.keyboard.press('Tab');
    const password = await focusStop(page);
    expect(password.name).toBe('textbox "Password"');
    expectFocusVisible([password]);
    await page.keyboard.type(reviewer.password);
    await shots.take(page, 'sign-password-typed', page.locator(':focus'));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/receipt\//);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      `You signed “${seedContent().title}”`,
    );
    await shots.take(page, 'receipt');

    // What the keyboard signed is what the page showed: the current revision, with the comment.
    const current = await getArticle(t, writer, article.id);
    const signOffs = await t.http().get(`/articles/${article.id}/sign-offs`).set(writer.auth);
    expect(signOffs.body).toHaveLength(1);
    expect(signOffs.body[0]).toMatchObject({
      revision: current.body.currentRevision,
      contentHash: current.body.contentHash,
      reviewer: { id: reviewer.id },
    });
    await context.close();
  }, 180_000);
});
