import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
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
  VARIANTS,
} from './utils/desk-browser.js';
import { eventually } from './utils/poll.js';
import { SmtpSink } from './utils/smtp-sink.js';
import { bearer, createTestApp, type TestApp } from './utils/test-app.js';
import { ADMIN } from './utils/test-env.js';
import { createReviewer } from './utils/workflow.js';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`Skipping the admin desk browser tests: ${CHROMIUM} is missing`);
const describeInBrowser = haveChromium ? describe : describe.skip;

const NOW = new Date('2026-12-01T15:00:00Z');

/**
 * The admin's desk in Chromium, as the admin and the people they invite use it: by label and role, with
 * JavaScript on and off, at desktop width and at 390 px, axe-core on every page (where scripts run), the
 * keyboard's skip link and visible focus, and a screenshot of each step under test-artifacts/desk/admin-<variant>/.
 */
describeInBrowser('the admin desk in Chromium', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await createTestApp({ now: NOW, env: { SMTP_URL: sink.url, PUBLIC_BASE_URL: origin } });
    await t.app.listen(port, '127.0.0.1');
    browser = await launchChromium();
    await createReviewer(t, { displayName: 'Alan Lucks', licenseExpiresOn: '2027-01-20' });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.close();
  });

  async function check(page: Page, variant: Variant, where: string, shots: Shots): Promise<void> {
    await shots.take(page, where);
    if (variant.viewport.width <= 390) {
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      expect({ where, width: width <= 390 ? 'fits in 390 px' : width }).toEqual({
        where,
        width: 'fits in 390 px',
      });
    }
    if (!variant.javaScriptEnabled) return; // axe runs as a page script: the two JS variants check these pages
    expect({ where, violations: await severeViolations(page) }).toEqual({ where, violations: [] });
  }

  const mailbox = (label: string) => `${label}-${randomBytes(4).toString('hex')}@test.local`;

  describe.each(VARIANTS)('($name)', (variant) => {
    let adminContext: BrowserContext;
    let admin: Page;
    let shots: Shots;

    beforeAll(async () => {
      shots = new Shots(`admin-${variant.name}`);
      adminContext = await freshContext(browser, variant, origin);
      admin = await adminContext.newPage();
    });
    afterAll(async () => {
      await adminContext?.close();
    });

    it('the admin signs in and finds every admin page from the navigation; the keyboard reaches them', async () => {
      await admin.goto(`${origin}/desk/login`);
      await signIn(admin, ADMIN.email, ADMIN.password);
      expect(new URL(admin.url()).pathname).toBe('/desk');
      const nav = admin.getByRole('navigation', { name: 'Desk' });
      await expect(nav.getByRole('link').allTextContents()).resolves.toEqual([
        'Admin',
        'People',
        'Licences',
        'E-mail outbox',
        'Queues',
        'Audit chain',
      ]);
      await check(admin, variant, 'home', shots);

      // Keyboard: the first Tab reaches the skip link, which shows itself and moves focus to the main content.
      await admin.keyboard.press('Tab');
      const skip = admin.getByRole('link', { name: 'Skip to main content' });
      await expect(
        skip.evaluate((el) => el === (el.ownerDocument as { activeElement: unknown }).activeElement),
      ).resolves.toBe(true);
      const box = await skip.boundingBox();
      expect(box && box.y >= 0).toBe(true);
      await admin.keyboard.press('Enter');
      expect(new URL(admin.url()).hash).toBe('#main');
      // Focus is visible on the navigation's links.
      await nav.getByRole('link', { name: 'People' }).focus();
      const outline = await nav.getByRole('link', { name: 'People' }).evaluate((el) =>
        (
          el.ownerDocument.defaultView as unknown as {
            getComputedStyle: (e: unknown) => { outlineStyle: string; outlineWidth: string };
          }
        ).getComputedStyle(el),
      );
      expect(outline.outlineStyle).not.toBe('none');
      expect(outline.outlineWidth).not.toBe('0px');

      for (const [link, heading, step] of [
        ['Admin', 'Administration', 'overview'],
        ['Licences', 'Reviewer licences', 'licences'],
        ['E-mail outbox', 'E-mail outbox', 'outbox'],
        ['Audit chain', 'Audit chain', 'audit'],
        ['People', 'People', 'people'],
      ] as const) {
        await nav.getByRole('link', { name: link, exact: true }).click();
        await admin.waitForLoadState('load');
        await expect(admin.getByRole('heading', { level: 1, name: heading }).isVisible()).resolves.toBe(true);
        await expect(
          nav.getByRole('link', { name: link, exact: true }).getAttribute('aria-current'),
        ).resolves.toBe('page');
        await check(admin, variant, step, shots);
      }
      await expect(admin.getByRole('main').textContent()).resolves.toContain('Alan Lucks');
    }, 120_000);

    it('invites a person by the form; they choose a password from the e-mail; a role change and deactivation end their session', async () => {
      const email = mailbox(`pat-${variant.name}`);
      await admin.goto(`${origin}/desk/admin/people`);
      // A slip first: no role ticked. The message stands beside the roles; what was typed stays.
      await admin.getByLabel('Name').fill('Pat Writer');
      await admin.getByLabel('E-mail').fill(email);
      await admin.getByRole('button', { name: 'Send the invitation' }).click();
      await expect(admin.locator('#invite-roles-error').textContent()).resolves.toBe(
        'Choose at least one role',
      );
      await expect(admin.getByLabel('E-mail').inputValue()).resolves.toBe(email);
      await check(admin, variant, 'invite-error', shots);

      await admin.getByRole('checkbox', { name: 'writer' }).check();
      await admin.getByRole('checkbox', { name: 'publisher' }).check();
      await admin.getByRole('button', { name: 'Send the invitation' }).click();
      await expect(admin.getByRole('status').textContent()).resolves.toContain('The invitation is sent.');
      const personUrl = admin.url().replace(/\?.*$/, '');
      await check(admin, variant, 'invited', shots);

      const invitation = await eventually(
        () => Promise.resolve(sink.messagesTo(email)[0] ?? null),
        `the invitation to ${email}`,
      );
      const link = linksOf(invitation).find((href) => href.includes('/desk/account/setup?token='))!;
      const personContext = await freshContext(browser, variant, origin);
      try {
        const person = await personContext.newPage();
        await person.goto(link);
        const password = `pat pass phrase ${randomBytes(4).toString('hex')}`;
        await person.getByLabel('New password', { exact: true }).fill(password);
        await person.getByLabel('Repeat the new password').fill(password);
        await person.getByRole('button', { name: 'Save my password and sign in' }).click();
        await person.waitForLoadState('load');
        expect(new URL(person.url()).pathname).toBe('/desk');
        const nav = person.getByRole('navigation', { name: 'Desk' });
        await expect(nav.getByRole('link').allTextContents()).resolves.toEqual(['My articles', 'Publishing']);
        await check(person, variant, 'person-home', shots);

        // Not an admin: the admin pages answer 403 with a page that says so.
        const refused = await person.goto(`${origin}/desk/admin/people`);
        expect(refused?.status()).toBe(403);
        await expect(person.getByRole('main').textContent()).resolves.toContain(
          'This page is for the roles: admin',
        );
        await check(person, variant, 'person-403', shots);
        expect((await person.goto(`${origin}/admin/queues`))?.status()).toBe(403);

        // The admin takes "publisher" away: the person's session ends at once.
        await admin.goto(personUrl);
        await admin.getByRole('checkbox', { name: 'publisher' }).uncheck();
        await admin.getByRole('button', { name: 'Save the roles' }).click();
        await expect(admin.getByRole('status').textContent()).resolves.toContain('The roles are changed.');
        await check(admin, variant, 'roles-changed', shots);
        await person.goto(`${origin}/desk`);
        expect(new URL(person.url()).pathname).toBe('/desk/login');
        await signIn(person, email, password);
        await expect(
          person.getByRole('navigation', { name: 'Desk' }).getByRole('link').allTextContents(),
        ).resolves.toEqual(['My articles']);

        await admin.goto(personUrl);
        await admin.getByRole('button', { name: 'Deactivate Pat Writer' }).click();
        await expect(admin.getByRole('status').textContent()).resolves.toContain(
          'The account is deactivated.',
        );
        await check(admin, variant, 'deactivated', shots);
        await person.goto(`${origin}/desk`);
        expect(new URL(person.url()).pathname).toBe('/desk/login');
      } finally {
        await personContext.close();
      }
    }, 120_000);

    it("edits a physician's licence, retries a bounced e-mail, and opens the queue dashboard", async () => {
      const olga = `Olga Old (${variant.name})`;
      await createReviewer(t, { displayName: olga, licenseExpiresOn: '2026-11-01' });
      await admin.goto(`${origin}/desk/admin/licences`);
      await expect(admin.getByRole('main').textContent()).resolves.toContain(`${olga}, MD`);
      await admin.getByRole('link', { name: `${olga}, MD` }).click();
      await admin.waitForLoadState('load');
      await expect(admin.getByRole('main').textContent()).resolves.toMatch(/expired \d+ days ago/);
      await admin.getByLabel('Licence expires on').fill('2028-11-30');
      await admin.getByRole('button', { name: 'Save the profile' }).click();
      await expect(admin.getByRole('status').textContent()).resolves.toContain(
        'The reviewer profile and licence are saved.',
      );
      await check(admin, variant, 'licence-saved', shots);

      const bounced = mailbox(`bounce-${variant.name}`);
      sink.rejectRecipient(bounced);
      const invited = await t
        .http()
        .post('/users')
        .set(bearer(t.adminToken))
        .send({ email: bounced, name: 'Bo Bounced', roles: ['writer'] });
      expect(invited.status).toBe(201);
      await admin.goto(`${origin}/desk/admin/emails?status=failed`);
      const retry = admin.getByRole('button', { name: `Retry the invitation e-mail to ${bounced}` });
      await eventually(async () => {
        if (await retry.count()) return true;
        await admin.reload();
        return null;
      }, 'the bounced invitation in the outbox');
      await check(admin, variant, 'outbox-failed', shots);
      sink.acceptRecipient(bounced);
      await retry.click();
      await expect(admin.getByRole('status').textContent()).resolves.toContain(
        'The e-mail is queued to be sent again.',
      );
      await eventually(
        () => Promise.resolve(sink.messagesTo(bounced)[0] ?? null),
        `the retried e-mail to ${bounced}`,
      );

      const dashboard = await admin.goto(`${origin}/admin/queues`);
      expect(dashboard?.status()).toBe(200);
      if (variant.javaScriptEnabled) {
        await eventually(
          async () => ((await admin.getByText('scheduling').count()) > 0 ? true : null),
          'the queue dashboard listing the scheduling queue',
        );
      }
      await shots.take(admin, 'queue-dashboard');
    }, 120_000);
  });
});
