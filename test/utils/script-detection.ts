import type { Page } from 'playwright-core';

// Script detection shared by the browser tests (published pages, and the security suite's pages and emails).

/** The DOM as the functions below use it inside the page (the project compiles without the DOM library). */
interface PageElement {
  tagName: string;
  attributes: ArrayLike<{ name: string; value: string }>;
  getAttribute(name: string): string | null;
  dispatchEvent(event: unknown): boolean;
}
declare const document: { querySelectorAll(selector: string): ArrayLike<PageElement> };
declare const Event: new (type: string) => unknown;

/**
 * Gives every handler that needs an interaction its chance: each element receives mouse, focus, toggle and
 * animation events; then a real pointer crosses the page and the keyboard tabs through it.
 */
export async function poke(page: Page): Promise<void> {
  await page.evaluate(() => {
    const types = [
      'mouseover',
      'mouseenter',
      'mousemove',
      'focus',
      'focusin',
      'toggle',
      'animationstart',
      'load',
      'error',
    ];
    for (const element of Array.from(document.querySelectorAll('body *'))) {
      for (const type of types) element.dispatchEvent(new Event(type));
    }
  });
  for (const [x, y] of [
    [10, 10],
    [640, 200],
    [300, 500],
    [1000, 650],
  ]) {
    await page.mouse.move(x, y);
  }
  for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
  await page.waitForTimeout(50);
}

/** Things in the DOM that could run script, whether or not anything triggered them. */
export function dangerousMarkup(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const element of Array.from(document.querySelectorAll('*'))) {
      for (const attribute of Array.from(element.attributes)) {
        const value = Array.from(attribute.value)
          .filter((char) => char.charCodeAt(0) > 0x20)
          .join('')
          .toLowerCase();
        if (attribute.name.startsWith('on')) found.push(`${element.tagName} ${attribute.name}`);
        if (
          /^(javascript|vbscript|data):/.test(value) &&
          /^(href|src|action|formaction|xlink:href|data|srcdoc)$/.test(attribute.name)
        ) {
          found.push(`${element.tagName} ${attribute.name}=${attribute.value}`);
        }
      }
      const tag = element.tagName.toLowerCase();
      if (tag === 'script' && element.getAttribute('type') !== 'application/ld+json') found.push('script');
      if (['iframe', 'object', 'embed', 'base', 'form', 'svg', 'math', 'template', 'link'].includes(tag)) {
        if (tag !== 'link' || element.getAttribute('rel') !== 'canonical') found.push(tag);
      }
      if (tag === 'meta' && element.getAttribute('http-equiv')) found.push('meta http-equiv');
    }
    return found;
  });
}
