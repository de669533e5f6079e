import axe from 'axe-core';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import playwright, { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { eventually } from './utils/poll.js';
import { bearer, createTestApp, createUser, linkFromOutbox, type TestApp } from './utils/test-app.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Skipping the desk browser tests: ${CHROMIUM} is missing`);
const describeInBrowser = haveChromium ? describe : describe.skip;

/** Screenshots a person looks at after a run (gitignored, like everything under var/). */
const SHOTS = join('var', 'screenshots', 'desk');

declare const window: { axe?: typeof axe };
declare const document: unknown;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describeInBrowser('desk pages in Chromium: invitation, sign-in, sign-out, reset, own password', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  /** JavaScript off, a 390 px phone. */
  let phone: BrowserContext;
  /** JavaScript on, a desktop window; CSP bypassed only so that axe-core can be injected. */
  let desktop: BrowserContext;
  const violations: Record<string, unknown[]> = {};

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The links in the e-mails and the Origin check both use PUBLIC_BASE_URL: the address the browser opens.
    t = await createTestApp({ env: { PUBLIC_BASE_URL: base } });
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await playwright.chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    phone = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    desktop = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** axe-core on the page as it is now; serious and critical violations are collected under `name`. */
  async function audit(page: Page, name: string): Promise<void> {
    await page.addScriptTag({ content: axe.source });
    const result = await page.evaluate(() =>
      window.axe!.run(document as never, { resultTypes: ['violations'] }),
    );
    const severe = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
    if (severe.length) violations[name] = severe;
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  async function invite(name: string, roles: string[]) {
    const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Date.now()}@test.local`;
    const res = await t.http().post('/users').set(bearer(t.adminToken)).send({ email, name, roles });
    expect(res.status).toBe(201);
    return { email, link: (await linkFromOutbox(t, email)).toString() };
  }

  it('invitation link → choose a password → signed in → sign out, with JavaScript off at 390 px', async () => {
    const { link } = await invite('Alan Lucks', ['reviewer', 'editor']);
    const page = await phone.newPage();
    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'Choose your password' }).isVisible()).resolves.toBe(true);
    await shot(page, 'setup-390-nojs');

    // A typing slip: the two boxes differ; the message stands beside the second box.
    await page.getByLabel('New password', { exact: true }).fill('a long pass phrase for alan');
    await page.getByLabel('Repeat the new password').fill('a long pass phrase for ala');
    await page.getByRole('button', { name: 'Save my password and sign in' }).click();
    await expect(page.locator('#confirm-error').textContent()).resolves.toMatch(/not the same/);
    await shot(page, 'setup-error-390-nojs');

    await page.getByLabel('New password', { exact: true }).fill('a long pass phrase for alan');
    await page.getByLabel('Repeat the new password').fill('a long pass phrase for alan');
    await page.getByRole('button', { name: 'Save my password and sign in' }).click();
    expect(new URL(page.url()).pathname).toBe('/desk');
    await expect(page.getByRole('heading', { name: 'Hello, Alan Lucks' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('main').textContent()).resolves.toMatch(/reviewer[\s\S]*editor/);
    // Nothing is wider than the phone.
    const width = await page.evaluate('document.documentElement.scrollWidth').catch(() => 390);
    expect(width).toBeLessThanOrEqual(390);
    await shot(page, 'home-390-nojs');

    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(new URL(page.url()).pathname).toBe('/desk/login');
    await expect(page.getByRole('status').textContent()).resolves.toContain('You are signed out.');
    await page.goto(`${base}/desk`);
    expect(new URL(page.url()).pathname).toBe('/desk/login');
    // The link works once.
    await page.goto(link);
    await expect(page.getByRole('main').textContent()).resolves.toContain('already used');
    await page.close();
  }, 120_000);

  it('login with a wrong then the right password, change it, and the old one stops working (JavaScript on)', async () => {
    const user = await createUser(t, ['writer'], { name: 'Wendy Writer' });
    const page = await desktop.newPage();
    await page.goto(`${base}/desk/account/password`);
    // No session: the login page, coming back here afterwards.
    expect(new URL(page.url()).pathname).toBe('/desk/login');
    await audit(page, 'login');
    await shot(page, 'login-desktop');
    await page.getByLabel('E-mail').fill(user.email);
    await page.getByLabel('Password').fill('not my password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('#password-error').textContent()).resolves.toMatch(/wrong/);
    // What was typed stays (the e-mail; never a password).
    await expect(page.getByLabel('E-mail').inputValue()).resolves.toBe(user.email);
    await shot(page, 'login-error-desktop');
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(new URL(page.url()).pathname).toBe('/desk/account/password');
    await audit(page, 'password');

    const newPassword = 'wendy chooses a new pass phrase';
    await page.getByLabel('Current password').fill(user.password);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat the new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change my password' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/Your password is changed/);
    await shot(page, 'password-changed-desktop');
    // This browser continues; the bearer token from before does not.
    await page.goto(`${base}/desk`);
    await expect(page.getByRole('heading', { name: 'Hello, Wendy Writer' }).isVisible()).resolves.toBe(true);
    await audit(page, 'home');
    expect((await t.http().get('/articles').set(user.auth)).status).toBe(401);
    expect(
      (await t.http().post('/auth/login').send({ email: user.email, password: user.password })).status,
    ).toBe(401);
    expect(
      (await t.http().post('/auth/login').send({ email: user.email, password: newPassword })).status,
    ).toBe(200);
    await page.close();
  }, 120_000);

  it('forgot → reset link → new password → sign in with it', async () => {
    const user = await createUser(t, ['publisher'], { name: 'Pat Publisher' });
    // A browser of its own: nobody is signed in there.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${base}/desk/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await audit(page, 'forgot');
    await page.getByLabel('E-mail').fill(user.email);
    await page.getByRole('button', { name: 'E-mail me a link' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/If an account uses that address/);
    await audit(page, 'forgot-sent');
    await shot(page, 'forgot-sent-desktop');

    const link = await eventually(
      () => linkFromOutbox(t, user.email, 'password-reset').catch(() => undefined),
      'the reset e-mail',
    );
    await page.goto(link.toString());
    await audit(page, 'reset');
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('Repeat the new password').fill('short');
    await page.getByRole('button', { name: 'Save the new password' }).click();
    await expect(page.locator('#password-error').textContent()).resolves.toMatch(/at least 12 characters/);
    await audit(page, 'reset-error');
    await shot(page, 'reset-error-desktop');
    const newPassword = 'pat resets to a new pass phrase';
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat the new password').fill(newPassword);
    await page.getByRole('button', { name: 'Save the new password' }).click();
    expect(new URL(page.url()).pathname).toBe('/desk/login');
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/new password is saved/);
    await page.getByLabel('E-mail').fill(user.email);
    await page.getByLabel('Password').fill(newPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Hello, Pat Publisher' }).isVisible()).resolves.toBe(true);
    await context.close();
  }, 120_000);

  it('the setup page and an error page pass axe-core, at desktop and 390 px', async () => {
    const { link } = await invite('Erin Editor', ['editor']);
    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const page = await desktop.newPage();
      await page.setViewportSize(viewport);
      await page.goto(link);
      await audit(page, `setup@${viewport.width}`);
      await page.goto(`${base}/desk/account/reset?token=${'A'.repeat(43)}`);
      await audit(page, `error@${viewport.width}`);
      await shot(page, `error-${viewport.width}`);
      await page.close();
    }
    // The skip link is the first thing the keyboard reaches, and it is visible when focused.
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await fresh.newPage();
    await page.goto(`${base}/desk/login`);
    await page.keyboard.press('Tab');
    await expect(
      page
        .getByRole('link', { name: 'Skip to main content' })
        .evaluate((el) => el === (el.ownerDocument as { activeElement: unknown }).activeElement),
    ).resolves.toBe(true);
    await shot(page, 'login-skip-link-focused');
    await fresh.close();
    expect(violations).toEqual({});
  }, 120_000);
});
