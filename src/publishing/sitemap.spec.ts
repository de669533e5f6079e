import {
  SITEMAP_BYTE_LIMIT,
  SITEMAP_SHARD_FILE,
  SITEMAP_URL_LIMIT,
  sitemapChunks,
  sitemapIndexXml,
  sitemapShardCount,
  sitemapShardFile,
  sitemapUrlsPerFile,
  sitemapXml,
} from './sitemap.js';

const at = (iso: string) => new Date(iso);

describe('sitemap', () => {
  it('keeps one urlset up to the limit and shards past it', () => {
    expect(sitemapShardCount(0, 3)).toBe(0);
    expect(sitemapShardCount(3, 3)).toBe(0);
    expect(sitemapShardCount(4, 3)).toBe(2);
    expect(sitemapShardCount(6, 3)).toBe(2);
    expect(sitemapShardCount(7, 3)).toBe(3);
    expect(sitemapShardCount(SITEMAP_URL_LIMIT, SITEMAP_URL_LIMIT)).toBe(0);
    expect(sitemapShardCount(SITEMAP_URL_LIMIT + 1, SITEMAP_URL_LIMIT)).toBe(2);
  });

  it('writes the urlset exactly as before, streamed or whole', async () => {
    const entries = [
      { loc: 'https://example.org/public/articles/a', lastmod: at('2026-01-10T20:00:00Z') },
      { loc: 'https://example.org/public/articles/b?x=1&y=<2>', lastmod: at('2026-01-11T08:30:00.123Z') },
    ];
    const expected =
      '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' +
      '  <url><loc>https://example.org/public/articles/a</loc><lastmod>2026-01-10T20:00:00.000Z</lastmod></url>\n' +
      '  <url><loc>https://example.org/public/articles/b?x=1&amp;y=&lt;2&gt;</loc>' +
      '<lastmod>2026-01-11T08:30:00.123Z</lastmod></url>\n' +
      '</urlset>\n';
    expect(sitemapXml(entries)).toBe(expected);
    // A lastmod already formatted (by PostgreSQL, as toISOString would) is written as it is.
    expect(sitemapXml(entries.map((entry) => ({ ...entry, lastmod: entry.lastmod.toISOString() })))).toBe(
      expected,
    );
    let streamed = '';
    for await (const chunk of sitemapChunks(
      (async function* () {
        yield [entries[0]];
        await Promise.resolve();
        yield [];
        yield [entries[1]];
      })(),
    ))
      streamed += chunk;
    expect(streamed).toBe(expected);
  });

  it('writes a sitemap index naming each shard with its lastmod', () => {
    expect(
      sitemapIndexXml([
        { loc: 'https://example.org/public/sitemap-1.xml', lastmod: at('2026-01-10T20:00:00Z') },
        { loc: "https://example.org/public/sitemap-2.xml?a=1&b='2'", lastmod: at('2026-02-01T00:00:00Z') },
      ]),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' +
        '  <sitemap><loc>https://example.org/public/sitemap-1.xml</loc>' +
        '<lastmod>2026-01-10T20:00:00.000Z</lastmod></sitemap>\n' +
        '  <sitemap><loc>https://example.org/public/sitemap-2.xml?a=1&amp;b=&apos;2&apos;</loc>' +
        '<lastmod>2026-02-01T00:00:00.000Z</lastmod></sitemap>\n' +
        '</sitemapindex>\n',
    );
  });

  it('names shards sitemap-1.xml, sitemap-2.xml, … and recognises only those names', () => {
    expect([1, 2, 10].map(sitemapShardFile)).toEqual(['sitemap-1.xml', 'sitemap-2.xml', 'sitemap-10.xml']);
    expect(SITEMAP_SHARD_FILE.exec('sitemap-12.xml')?.[1]).toBe('12');
    for (const name of [
      'sitemap.xml',
      'sitemap-0.xml',
      'sitemap-01.xml',
      'sitemap-1.xml.tmp',
      'sitemap-x.xml',
    ])
      expect(SITEMAP_SHARD_FILE.test(name)).toBe(false);
  });

  it('lists at most the limit per file, fewer only when such lines could pass 50 MB', () => {
    const ordinary = `https://example.org/public/articles/${'x'.repeat(120)}`;
    expect(sitemapUrlsPerFile(SITEMAP_URL_LIMIT, ordinary)).toBe(SITEMAP_URL_LIMIT);
    expect(sitemapUrlsPerFile(3, ordinary)).toBe(3);
    expect(sitemapUrlsPerFile(SITEMAP_URL_LIMIT * 2, ordinary)).toBe(SITEMAP_URL_LIMIT);

    // Locations of 2,000 characters with '&' (escaped to 5): a full file of them stays within 50 MB, one more
    // line would not.
    const long = `https://example.org/${'a&'.repeat(1000)}`;
    const perFile = sitemapUrlsPerFile(SITEMAP_URL_LIMIT, long);
    expect(perFile).toBeLessThan(SITEMAP_URL_LIMIT);
    const entries = Array.from({ length: perFile }, () => ({
      loc: long,
      lastmod: at('2026-01-10T20:00:00Z'),
    }));
    const bytes = Buffer.byteLength(sitemapXml(entries), 'utf8');
    expect(bytes).toBeLessThanOrEqual(SITEMAP_BYTE_LIMIT);
    expect(bytes + bytes / perFile).toBeGreaterThan(SITEMAP_BYTE_LIMIT);
  });
});
