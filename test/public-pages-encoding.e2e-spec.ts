import type { FastifyInstance } from 'fastify';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { PageRendering } from '../src/publishing/page-rendering.service.js';
import { PublicSiteService } from '../src/publishing/public-site.service.js';
import {
  type Cast,
  createCast,
  eventually,
  signedArticle,
  tempPublishDir,
} from './utils/publishing-fixtures.js';
import { createTestApp, type TestApp } from './utils/test-app.js';

/**
 * The public pages as served at speed (#15 §2): compressed bytes kept in memory and chosen by Accept-Encoding
 * with Vary, the index and the sitemap cached and dropped like the pages, the index paginated, and a
 * conditional GET answered without rendering.
 */
describe('public pages: encodings, caching and pagination', () => {
  let t: TestApp;
  let cast: Cast;
  let fastify: FastifyInstance;
  let renders = 0;
  const slugs: string[] = [];

  /** The raw response, bytes as sent (supertest would decompress them). */
  const get = (url: string, headers: Record<string, string> = {}) =>
    fastify.inject({ method: 'GET', url, headers });

  const publish = async (slug: string) => {
    const article = await signedArticle(t, cast, { slug, title: `Article ${slug}` });
    const res = await t.http().post(`/articles/${article.id}/publish`).set(cast.publisher.auth).send({});
    expect(res.status).toBe(200);
    await eventually(async () => (await get(`/public/articles/${slug}`)).statusCode === 200, `${slug} live`);
    return article;
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { PUBLISH_DIR: tempPublishDir(), WEBHOOK_URLS: '' } });
    cast = await createCast(t);
    fastify = t.app.getHttpAdapter().getInstance();
    const rendering = t.app.get(PageRendering);
    const renderIndex = rendering.renderIndex.bind(rendering);
    rendering.renderIndex = (model) => {
      renders += 1;
      return renderIndex(model);
    };
    t.app.get(PublicSiteService).indexPageSize = 2;
    for (const slug of ['alpha', 'bravo', 'charlie']) {
      await publish(slug);
      slugs.push(slug);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(['/public/articles/alpha', '/public/articles', '/public/sitemap.xml'])(
    'sends %s as brotli, gzip or identity by Accept-Encoding, always with Vary: Accept-Encoding',
    async (url) => {
      const plain = await get(url);
      expect(plain.statusCode).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toMatch(/Accept-Encoding/i);
      const text = plain.body;
      expect(text.length).toBeGreaterThan(200);

      const br = await get(url, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers.vary).toMatch(/Accept-Encoding/i);
      expect(brotliDecompressSync(br.rawPayload).toString('utf8')).toBe(text);
      expect(br.rawPayload.length).toBeLessThan(Buffer.byteLength(text));

      const gzip = await get(url, { 'accept-encoding': 'gzip' });
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gzip.rawPayload).toString('utf8')).toBe(text);
      expect(Number(gzip.headers['content-length'])).toBe(gzip.rawPayload.length);

      const refused = await get(url, { 'accept-encoding': 'br;q=0, gzip;q=0' });
      expect(refused.headers['content-encoding']).toBeUndefined();
      expect(refused.body).toBe(text);

      // One ETag for the document in every coding; a 304 carries Vary too.
      expect(new Set([plain, br, gzip].map((r) => r.headers.etag)).size).toBe(1);
      const notModified = await get(url, {
        'if-none-match': plain.headers.etag as string,
        'accept-encoding': 'br',
      });
      expect(notModified.statusCode).toBe(304);
      expect(notModified.rawPayload.length).toBe(0);
      expect(notModified.headers.vary).toMatch(/Accept-Encoding/i);
    },
  );

  it('paginates the index, with links to the neighbouring pages, 404 past the last and 400 for a bad page', async () => {
    const first = await get('/public/articles');
    const second = await get('/public/articles?page=2');
    expect(first.body).toContain('/public/articles/alpha"');
    expect(first.body).toContain('/public/articles/bravo"');
    expect(first.body).not.toContain('/public/articles/charlie"');
    expect(first.body).toContain('Page 1 of 2');
    expect(first.body).toMatch(
      /<a href="[^"]*\/public\/articles\?page(=|&#x3D;)2" rel="next">Next page<\/a>/,
    );
    expect(second.statusCode).toBe(200);
    expect(second.body).toContain('/public/articles/charlie"');
    expect(second.body).toMatch(/<a href="[^"]*\/public\/articles" rel="prev">Previous page<\/a>/);
    expect(second.body).toMatch(/<link rel="canonical" href="[^"]*\/public\/articles\?page(=|&#x3D;)2">/);
    expect(second.headers.etag).not.toBe(first.headers.etag);
    expect((await get('/public')).body).toBe(first.body);

    expect((await get('/public/articles?page=3')).statusCode).toBe(404);
    for (const bad of ['0', 'two', '-1', '1.5', '', '9999999']) {
      const response = await get(`/public/articles?page=${bad}`);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ details: [{ field: 'page' }] });
    }
  });

  it('answers /public as /public/articles, every answer as the API document says (the contract check)', async () => {
    // t.http() checks each answer against the served OpenAPI document: status, content type and error shape.
    const second = await t.http().get('/public?page=2');
    expect(second.status).toBe(200);
    expect(second.text).toBe((await get('/public/articles?page=2')).body);
    expect((await t.http().get('/public?page=3')).status).toBe(404);
    const bad = await t.http().get('/public?page=two');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ details: [{ field: 'page' }] });
    const unknown = await t.http().get('/public?sort=title');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ details: [{ field: 'sort' }] });
  });

  it('answers the index from memory, and a conditional GET without rendering even when not in memory', async () => {
    const first = await get('/public/articles');
    const before = renders;
    expect((await get('/public/articles')).body).toBe(first.body);
    expect(renders).toBe(before);

    // Not in memory (page 2 of a fresh listing after a drop): 304 from the data alone, no render.
    const etag = (await get('/public/articles?page=2')).headers.etag as string;
    // What a NOTIFY does (drop is private to the cache): forget every page and listing held in memory.
    const site: unknown = t.app.get(PublicSiteService);
    (site as { cache: { drop(): void } }).cache.drop();
    const rendersBefore = renders;
    const conditional = await get('/public/articles?page=2', { 'if-none-match': etag });
    expect(conditional.statusCode).toBe(304);
    expect(renders).toBe(rendersBefore);
  });

  it('drops the cached index and sitemap when a page is published or unpublished (NOTIFY)', async () => {
    const index = async () => (await get('/public/articles?page=2')).body;
    const sitemap = async () => (await get('/public/sitemap.xml')).body;
    expect(await index()).not.toContain('/public/articles/delta"');
    expect(await sitemap()).not.toContain('/public/articles/delta<');

    const delta = await publish('delta');
    await eventually(async () => (await index()).includes('/public/articles/delta"'), 'delta on the index');
    await eventually(
      async () => (await sitemap()).includes('/public/articles/delta<'),
      'delta in the sitemap',
    );

    const res = await t.http().post(`/articles/${delta.id}/unpublish`).set(cast.publisher.auth);
    expect(res.status).toBe(200);
    await eventually(async () => !(await index()).includes('/public/articles/delta"'), 'delta off the index');
    await eventually(
      async () => !(await sitemap()).includes('/public/articles/delta<'),
      'delta off the sitemap',
    );
    expect((await get('/public/articles/delta')).statusCode).toBe(404);
  });

  it('past the sitemap limit serves a sitemap index of shards, each a valid urlset, cached and compressed like the rest', async () => {
    const service = t.app.get(PublicSiteService);
    const dropCache = () => (service as unknown as { cache: { drop(): void } }).cache.drop();
    const locs = (xml: string) =>
      [...xml.matchAll(/<url><loc>([^<]+)<\/loc><lastmod>([^<]+)<\/lastmod><\/url>/g)].map((m) => ({
        loc: m[1],
        lastmod: m[2],
      }));
    const live = await t.dataSource.query<{ slug: string; modified_at: Date }[]>(
      'SELECT slug, modified_at FROM published_pages WHERE live ORDER BY article_id',
    );
    expect(live.map((row) => row.slug).sort()).toEqual(['alpha', 'bravo', 'charlie']);
    const urlOf = (slug: string) => `http://localhost:3000/public/articles/${slug}`;
    const single = (await get('/public/sitemap.xml')).body;
    expect(single).toContain('<urlset');
    expect((await get('/public/sitemap-1.xml')).statusCode).toBe(404);

    service.sitemapUrlLimit = 2;
    dropCache();
    try {
      const index = await get('/public/sitemap.xml');
      expect(index.statusCode).toBe(200);
      expect(index.headers['content-type']).toMatch(/^application\/xml/);
      expect(index.body).toMatch(
        /^<\?xml version="1.0" encoding="UTF-8"\?>\n<sitemapindex xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">\n/,
      );
      expect(index.body).not.toContain('<url>');
      const shards = [
        ...index.body.matchAll(/<sitemap><loc>([^<]+)<\/loc><lastmod>([^<]+)<\/lastmod><\/sitemap>/g),
      ];
      expect(shards.map((m) => m[1])).toEqual([
        'http://localhost:3000/public/sitemap-1.xml',
        'http://localhost:3000/public/sitemap-2.xml',
      ]);

      const union: string[] = [];
      for (const [n, shard] of shards.entries()) {
        const response = await get(`/public/sitemap-${n + 1}.xml`);
        expect(response.statusCode).toBe(200);
        expect(response.body).toMatch(
          /^<\?xml version="1.0" encoding="UTF-8"\?>\n<urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">\n( {2}<url>.*<\/url>\n)+<\/urlset>\n$/,
        );
        const entries = locs(response.body);
        expect(entries.length).toBeLessThanOrEqual(2);
        // In id order, two to a shard; the index's lastmod is the latest of the shard's.
        const expected = live.slice(n * 2, n * 2 + 2);
        expect(entries).toEqual(
          expected.map((row) => ({ loc: urlOf(row.slug), lastmod: row.modified_at.toISOString() })),
        );
        expect(shard[2]).toBe(
          new Date(Math.max(...expected.map((row) => row.modified_at.getTime()))).toISOString(),
        );
        union.push(...entries.map((entry) => entry.loc));

        // The same treatment as sitemap.xml: one ETag in every coding, 304 on a match, brotli on request.
        const br = await get(`/public/sitemap-${n + 1}.xml`, { 'accept-encoding': 'br' });
        expect(br.headers['content-encoding']).toBe('br');
        expect(br.headers.vary).toMatch(/Accept-Encoding/i);
        expect(br.headers['cache-control']).toBe(response.headers['cache-control']);
        expect(brotliDecompressSync(br.rawPayload).toString('utf8')).toBe(response.body);
        expect(br.headers.etag).toBe(response.headers.etag);
        const notModified = await get(`/public/sitemap-${n + 1}.xml`, {
          'if-none-match': response.headers.etag as string,
        });
        expect(notModified.statusCode).toBe(304);
      }
      expect(union.sort()).toEqual(live.map((row) => urlOf(row.slug)).sort());
      expect(new Set(union).size).toBe(union.length);
      const etag = index.headers.etag as string;
      expect(etag).not.toBe(undefined);
      expect((await get('/public/sitemap.xml', { 'if-none-match': etag })).statusCode).toBe(304);

      for (const missing of [
        '/public/sitemap-3.xml',
        '/public/sitemap-0.xml',
        '/public/sitemap-01.xml',
        '/public/sitemap-x.xml',
      ])
        expect({ missing, status: (await get(missing)).statusCode }).toEqual({ missing, status: 404 });

      // The site shrinks to the limit: one urlset again, and no shard.
      const charlie = await t.dataSource.query<{ article_id: string }[]>(
        `SELECT article_id FROM published_pages WHERE slug = 'charlie'`,
      );
      const res = await t
        .http()
        .post(`/articles/${charlie[0].article_id}/unpublish`)
        .set(cast.publisher.auth);
      expect(res.status).toBe(200);
      await eventually(
        async () => (await get('/public/sitemap.xml')).body.includes('<urlset'),
        'the sitemap a urlset again',
      );
      expect(
        locs((await get('/public/sitemap.xml')).body)
          .map((entry) => entry.loc)
          .sort(),
      ).toEqual([urlOf('alpha'), urlOf('bravo')]);
      expect((await get('/public/sitemap-1.xml')).statusCode).toBe(404);
    } finally {
      service.sitemapUrlLimit = 50_000;
      dropCache();
    }
  });
});
