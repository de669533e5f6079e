import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { ArticleContent } from '../articles/article-content.js';
import { renderContent } from '../articles/markdown-renderer.js';
import type { Revision } from '../articles/revision.entity.js';
import type { AppConfig } from '../core/config/app-config.js';
import { contentHash } from '../core/crypto/content-hash.js';
import { PageRendering } from '../publishing/page-rendering.service.js';
import { ReviewPageCache } from './review-page-cache.js';
import { ReviewViews } from './review-views.js';

const seed = (): ArticleContent =>
  JSON.parse(readFileSync(new URL('../../test/fixtures/seed-article.json', import.meta.url), 'utf8'));

function revision(number: number, content: ArticleContent): Revision {
  return {
    articleId: '00000000-0000-4000-8000-000000000001',
    number,
    content,
    rendered: renderContent(content),
    contentHash: contentHash(content),
    createdAt: new Date('2026-11-30T10:00:00Z'),
  } as Revision;
}

describe('ReviewPageCache: the review page parts that are the same for every reader, by content hash', () => {
  const config = {
    env: {
      TEMPLATES_DIR: 'templates',
      SITE_NAME: 'Health Library',
      PUBLIC_BASE_URL: 'https://health.example',
      PUBLICATION_TIMEZONE: 'America/New_York',
    },
  } as AppConfig;
  let cache: ReviewPageCache;

  beforeEach(() => {
    cache = new ReviewPageCache(new ReviewViews(config), new PageRendering(config));
  });
  afterEach(() => cache.onModuleDestroy());

  const first = revision(1, seed());
  const second = revision(2, {
    ...seed(),
    sections: seed().sections.map((section, index) =>
      index === 2
        ? { ...section, body: `${section.body}\n\nLong-term use carries a risk of <dependence>.` }
        : section,
    ),
  });

  it('renders a revision through the publication partials once per content hash', async () => {
    const load = jest.fn(() => Promise.resolve(first));
    const digest = await cache.revision(first.contentHash, load);
    const again = await cache.revision(first.contentHash, load);
    expect(load).toHaveBeenCalledTimes(1);
    expect(again).toBe(digest);
    expect(digest!.sections.map((s) => s.heading)).toEqual(seed().sections.map((s) => s.heading));
    for (const section of digest!.sections) expect(digest!.html).toContain(`id="${section.anchor}"`);
    expect(digest!.html).toContain('References');
    expect(cache.stats().revisions).toBe(1);
  });

  it('refuses to keep a revision under a hash that is not its own', async () => {
    await expect(cache.revision(second.contentHash, () => Promise.resolve(first))).rejects.toThrow(
      'not the one asked for',
    );
    expect(cache.stats().revisions).toBe(0);
  });

  it('diffs and renders the changes once per pair of revisions, escaped, inline and side by side', async () => {
    const sections = (await cache.revision(second.contentHash, () => Promise.resolve(second)))!.sections;
    const load = jest.fn(() => Promise.resolve({ before: first.content, after: second.content }));
    const from = { number: 1, contentHash: first.contentHash };
    const to = { number: 2, contentHash: second.contentHash };
    const changes = await cache.changesBetween(from, to, sections, load);
    expect(await cache.changesBetween(from, to, sections, load)).toBe(changes);
    expect(load).toHaveBeenCalledTimes(1);
    expect(changes.groups).toBe(1);
    expect(changes.inline).toContain('What Are Benzodiazepines?');
    expect(changes.inline).toContain('&lt;dependence&gt;');
    expect(changes.inline).not.toContain('<dependence>');
    expect(changes.inline).toContain(`href="#${sections[2].anchor}"`);
    expect(changes.sideBySide).toContain('Revision 1');
    expect(changes.sideBySide).toContain('Revision 2');

    // The same contents under other revision numbers (a revert) print other numbers: another entry.
    const reverted = await cache.changesBetween({ ...from, number: 3 }, { ...to, number: 4 }, sections, load);
    expect(reverted.sideBySide).toContain('Revision 4');
    expect(cache.stats().changes).toBe(2);
  });
});
