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
});
