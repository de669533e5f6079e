import axe from 'axe-core';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import playwright, { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { ReceivedEmail } from './smtp-sink.js';

export const CHROMIUM = '/usr/bin/chromium';

/** A free TCP port on 127.0.0.1 (the service's PUBLIC_BASE_URL must name the port it listens on). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function launchChromium(): Promise<Browser> {
  return playwright.chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
}

export interface Variant {
  name: string;
  javaScriptEnabled: boolean;
  viewport: { width: number; height: number };
}

export const VARIANTS: Variant[] = [
  { name: 'desktop', javaScriptEnabled: true, viewport: { width: 1280, height: 900 } },
  { name: 'no-js', javaScriptEnabled: false, viewport: { width: 1280, height: 900 } },
  { name: 'phone-390', javaScriptEnabled: true, viewport: { width: 390, height: 844 } },
];

/** A fresh profile: no cookies, no storage; outside requests (images on other hosts) are aborted. */
export async function freshContext(
  browser: Browser,
  variant: Variant,
  origin: string,
): Promise<BrowserContext> {
  const context = await browser.newContext({
    javaScriptEnabled: variant.javaScriptEnabled,
    viewport: variant.viewport,
    // Only so that axe-core can be injected; the XSS checks (test/security/desk.security-spec.ts) never rely on CSP.
    bypassCSP: true,
  });
  // Requests elsewhere (the seed's image hosts) are answered empty, without touching the service's own requests.
  await context.route(
    (url) => !url.href.startsWith(origin),
    (route) => route.fulfill({ status: 204, body: '' }),
  );
  return context;
}

/** Screenshots of each step, under test-artifacts/desk/<variant>/ (gitignored), for a person to look at. */
export class Shots {
  private count = 0;
  readonly dir: string;

  constructor(...path: string[]) {
    this.dir = join(import.meta.dirname, '..', '..', 'test-artifacts', 'desk', ...path);
    mkdirSync(this.dir, { recursive: true });
  }

  /** The whole page, and what the screen shows with `focus` scrolled into view (the top of the page without it). */
  async take(page: Page, step: string, focus?: Locator): Promise<void> {
    this.count += 1;
    const name = `${String(this.count).padStart(2, '0')}-${step}`;
    await page.screenshot({ path: join(this.dir, `${name}.png`), fullPage: true });
    if (focus) await focus.first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(this.dir, `${name}-screen.png`) });
  }
}

// The functions handed to page.evaluate run inside Chromium.
declare const window: Record<string, unknown>;
declare const document: unknown;

/** axe-core's serious and critical violations on the page as it is now (rule id and the first target). */
export async function severeViolations(page: Page): Promise<string[]> {
  // With JavaScript disabled, page scripts cannot run: the caller checks those pages in a JS-enabled context.
  await page.addScriptTag({ content: axe.source });
  const results = await page.evaluate(() =>
    (window.axe as typeof axe).run(document as never, { resultTypes: ['violations'] }),
  );
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id}: ${v.help} (${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(' | ')})`,
    );
}

/** Every link of an e-mail (HTML part and text part), as the recipient could click or copy it. */
export function linksOf(email: ReceivedEmail): string[] {
  const html = [...email.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replaceAll('&amp;', '&'));
  const text = [...email.text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]);
  return [...new Set([...html, ...text])];
}

/** Signs in on the desk's login page by label, as a person would. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
}
