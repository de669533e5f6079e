import { existsSync } from 'node:fs';
import playwright, { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { dangerousMarkup, poke } from '../utils/script-detection.js';

/**
 * Loads HTML in a real Chromium and reports whether anything in it could run script. The detection is the one
 * of test/publishing-browser.e2e-spec.ts (test/utils/script-detection.ts): alert/confirm/prompt only
 * raise a flag, every element gets mouse, focus, toggle and animation events, a real pointer crosses the page
 * and the keyboard tabs through it; then the DOM is searched for anything that could run script.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
const ORIGIN = 'http://pages.test';

// The functions handed to page.evaluate run inside Chromium; these are the few DOM names they use.
interface PageElement {
  tagName: string;
  attributes: ArrayLike<{ name: string; value: string }>;
  getAttribute(name: string): string | null;
  dispatchEvent(event: unknown): boolean;
}
declare const window: { __xss?: number } & Record<string, unknown>;
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  body: { textContent: string | null } | null;
};

export interface Inspection {
  /** Script ran: a dialog opened, the flag was raised, or the page threw. */
  ran: boolean;
  dialogs: string[];
  errors: string[];
  /** Markup that could run script, whether or not anything triggered it. */
  markup: string[];
  /** The body's text, whitespace collapsed: what a reader sees. */
  text: string;
}

/** The text as a reader sees it: control characters and whitespace runs become one space. */
export function shown(text: string): string {
  return Array.from(text)
    .map((char) => (char.charCodeAt(0) <= 0x20 ? ' ' : char))
    .join('')
    .replace(/ +/g, ' ')
    .trim();
}

export class XssBrowser {
  private readonly documents = new Map<string, { body: string; contentType: string }>();
  private readonly idle: Page[] = [];
  private readonly waiting: ((page: Page) => void)[] = [];
  private counter = 0;
  /** Documents inspected so far. */
  inspected = 0;

  private constructor(
    private readonly browser: Browser,
    private readonly context: BrowserContext,
  ) {}

  /** A browser with no network: every request but the document itself is aborted (images, scripts, fonts). */
  static async launch(pages = 2): Promise<XssBrowser> {
    const browser = await playwright.chromium.launch({
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
    const context = await browser.newContext();
    await context.addInitScript(() => {
      const flag = () => {
        window.__xss = 1;
      };
      Object.assign(window, { alert: flag, confirm: flag, prompt: flag, print: flag });
    });
    const instance = new XssBrowser(browser, context);
    await context.route('**/*', (route) => {
      const served = instance.documents.get(route.request().url());
      return served
        ? route.fulfill({ status: 200, contentType: served.contentType, body: served.body })
        : route.abort();
    });
    for (let i = 0; i < pages; i++) instance.idle.push(await context.newPage());
    return instance;
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  private async take(): Promise<Page> {
    const page = this.idle.pop();
    if (page) return page;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private give(page: Page): void {
    const next = this.waiting.shift();
    if (next) next(page);
    else this.idle.push(page);
  }

  /** Opens the document as a page of its own origin, without the service's CSP to hide behind, and pokes it. */
  async inspect(body: string, contentType = 'text/html; charset=utf-8'): Promise<Inspection> {
    const url = `${ORIGIN}/doc/${++this.counter}`;
    this.documents.set(url, { body, contentType });
    const page = await this.take();
    const dialogs: string[] = [];
    const errors: string[] = [];
    const onDialog = (dialog: { message(): string; dismiss(): Promise<void> }) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    };
    const onError = (error: Error) => errors.push(error.message);
    page.on('dialog', onDialog);
    page.on('pageerror', onError);
    try {
      await page.goto(url, { waitUntil: 'load' });
      await poke(page);
      const markup = await dangerousMarkup(page);
      const { flagged, text } = await page.evaluate(() => ({
        flagged: window.__xss ?? 0,
        text: document.body?.textContent ?? '',
      }));
      this.inspected += 1;
      return {
        ran: !!flagged || dialogs.length > 0 || errors.length > 0,
        dialogs,
        errors,
        markup,
        text: shown(text),
      };
    } finally {
      page.off('dialog', onDialog);
      page.off('pageerror', onError);
      this.documents.delete(url);
      this.give(page);
    }
  }
}
