import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirectoryExportService } from '../src/publishing/directory-export.service.js';
import { STAGING_FOLDER } from '../src/publishing/directory-target.js';
import { bearer, createTestApp, type TestApp } from './utils/test-app.js';
import {
  type Cast,
  createCast,
  editArticle,
  eventually,
  publishingIdle,
  signCurrentRevision,
  signedArticle,
  tempPublishDir,
} from './utils/publishing-fixtures.js';

const PAGES = 24;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('directory export', () => {
  let t: TestApp;
  let cast: Cast;
  let dir: string;
  let exporter: DirectoryExportService;
  const articles: { id: string; slug: string }[] = [];

  const pagePath = (slug: string) => join(dir, slug, 'index.html');
  /** What the database says each live page is. */
  const livePages = async (): Promise<Map<string, string>> =>
    new Map(
      (
        await t.dataSource.query<{ slug: string; html_checksum: string }[]>(
          'SELECT slug, html_checksum FROM published_pages WHERE live',
        )
      ).map((row) => [row.slug, row.html_checksum]),
    );

  beforeAll(async () => {
    dir = tempPublishDir();
    t = await createTestApp({
      now: new Date('2026-01-10T20:00:00Z'),
      env: { PUBLISH_DIR: dir, WEBHOOK_URLS: '' },
    });
    cast = await createCast(t);
    exporter = t.app.get(DirectoryExportService, { strict: false });
    for (let i = 0; i < PAGES; i++) {
      const article = await signedArticle(t, cast, {
        slug: `page-${String(i).padStart(2, '0')}`,
        title: `Page ${i}`,
      });
      const res = await t.http().post(`/articles/${article.id}/publish`).set(cast.publisher.auth).send({});
      expect(res.status).toBe(200);
      articles.push(article);
    }
    await publishingIdle(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('holds one index.html per live page, identical to the served page, with assets and a sitemap', async () => {
    const live = await livePages();
    expect(live.size).toBe(PAGES);
    for (const [slug, checksum] of live) {
      const html = readFileSync(pagePath(slug), 'utf8');
      expect(sha256(html)).toBe(checksum);
      expect((await t.http().get(`/public/articles/${slug}`)).text).toBe(html);
    }
    expect(readFileSync(join(dir, 'assets', 'page.css'), 'utf8')).toContain('.byline');
    const sitemap = readFileSync(join(dir, 'sitemap.xml'), 'utf8');
    expect(sitemap).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">/,
    );
    const urls = [...sitemap.matchAll(/<url><loc>([^<]+)<\/loc><lastmod>([^<]+)<\/lastmod><\/url>/g)];
    expect(urls).toHaveLength(PAGES);
    expect(urls.map((u) => u[1]).sort()).toEqual(
      articles.map((a) => `http://localhost:3000/public/articles/${a.slug}`).sort(),
    );
    expect(urls.every((u) => !Number.isNaN(Date.parse(u[2])))).toBe(true);
  });

  it('skips unchanged pages: after one article changes, only its page is written again', async () => {
    const inode = (slug: string) => statSync(pagePath(slug)).ino;
    const before = new Map(articles.map((a) => [a.slug, inode(a.slug)]));

    // What a killed export left in the staging folder: an incremental export cleans it up too.
    mkdirSync(join(dir, STAGING_FOLDER), { recursive: true });
    writeFileSync(join(dir, STAGING_FOLDER, '.index.html.1-0a1b2c3d-1.tmp'), 'half a page');
    const nothing = await exporter.run({ mode: 'incremental', trigger: 'cli' });
    expect(nothing).toMatchObject({
      livePages: PAGES,
      rendered: 0,
      written: 0,
      unchanged: PAGES,
      removed: 0,
      leftoversRemoved: 1,
    });
    expect(readdirSync(join(dir, STAGING_FOLDER))).toEqual([]);

    const changed = articles[5];
    await editArticle(t, changed.id, cast.writer, { title: 'Page 5, revised' });
    t.clock.advance(3_600_000);
    await signCurrentRevision(t, changed.id, cast.reviewer);
    expect(
      (await t.http().post(`/articles/${changed.id}/publish`).set(cast.publisher.auth).send({})).status,
    ).toBe(200);
    await eventually(
      () => readFileSync(pagePath(changed.slug), 'utf8').includes('Page 5, revised'),
      'the changed page in the directory',
    );
    await publishingIdle(t);
    for (const article of articles) {
      if (article === changed) expect(inode(article.slug)).not.toBe(before.get(article.slug));
      else
        expect({ slug: article.slug, inode: inode(article.slug) }).toEqual({
          slug: article.slug,
          inode: before.get(article.slug),
        });
    }

    const full = await exporter.run({ mode: 'full', trigger: 'cli' });
    expect(full).toMatchObject({ rendered: PAGES, changed: 0, written: 0, unchanged: PAGES });
  });

  it('a full export restores pages removed or cut short in the directory', async () => {
    rmSync(join(dir, articles[1].slug), { recursive: true });
    writeFileSync(pagePath(articles[2].slug), '<!DOCTYPE html><p>cut');
    const summary = await exporter.run({ mode: 'full', trigger: 'cli' });
    expect(summary).toMatchObject({ rendered: PAGES, written: 2 });
    const live = await livePages();
    for (const article of [articles[1], articles[2]]) {
      expect(sha256(readFileSync(pagePath(article.slug), 'utf8'))).toBe(live.get(article.slug));
    }
  });

  it('never leaves a half-written page when an export dies part-way, and the next export completes it', async () => {
    const live = await livePages();
    const checksums = new Set(live.values());
    // A reader keeps opening every page while exports run: it must only ever see whole pages.
    let reading = true;
    const seen: string[] = [];
    const reader = (async () => {
      while (reading) {
        for (const slug of live.keys()) {
          if (existsSync(pagePath(slug))) seen.push(sha256(readFileSync(pagePath(slug), 'utf8')));
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    let written = 0;
    await expect(
      exporter.run({
        mode: 'full',
        force: true,
        trigger: 'cli',
        onProgress: (progress) => {
          if (progress.phase === 'render' && ++written === PAGES / 2) throw new Error('export killed');
        },
      }),
    ).rejects.toThrow('export killed');
    const finished = await exporter.run({ mode: 'full', trigger: 'cli' });
    reading = false;
    await reader;

    expect(seen.length).toBeGreaterThan(PAGES);
    expect(seen.filter((checksum) => !checksums.has(checksum))).toEqual([]);
    for (const [slug, checksum] of live) expect(sha256(readFileSync(pagePath(slug), 'utf8'))).toBe(checksum);
    const leftovers = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) =>
      name.endsWith('.tmp'),
    );
    expect(leftovers).toEqual([]);
    expect(finished.failed).toEqual([]);
  });

  it('re-exports everything through the admin endpoint, with progress and a summary', async () => {
    const denied = await t.http().post('/publishing/exports').set(cast.writer.auth).send({});
    expect(denied.status).toBe(403);
    const started = await t
      .http()
      .post('/publishing/exports')
      .set(bearer(t.adminToken))
      .send({ mode: 'full' });
    expect(started.status).toBe(202);
    const done = await eventually(async () => {
      const res = await t
        .http()
        .get(`/publishing/exports/${started.body.jobId as string}`)
        .set(cast.publisher.auth);
      return res.body.state === 'completed' && res.body;
    }, 'the export job');
    expect(done.summary).toMatchObject({ mode: 'full', livePages: PAGES, rendered: PAGES, failed: [] });
    expect(done.progress).toMatchObject({ phase: 'done' });
    const audit = await t.http().get('/audit?action=publishing.exported').set(bearer(t.adminToken));
    expect(audit.body[0]).toMatchObject({
      entityType: 'export',
      entityId: 'admin',
      actorId: expect.any(String),
    });
    expect((await t.http().get('/publishing/exports/export-unknown').set(bearer(t.adminToken))).status).toBe(
      404,
    );
  });

  it("re-renders a page whose article's next-review date moved, found by the database's stale mark alone", async () => {
    const article = articles[3];
    const nothing = await exporter.run({ mode: 'incremental', trigger: 'cli' });
    expect(nothing).toMatchObject({ rendered: 0, written: 0 });

    // The date moves without any publishing code running (as the scheduler or an import would move it).
    await t.dataSource.query(`UPDATE articles SET next_review_due_at = $2 WHERE id = $1`, [
      article.id,
      new Date('2029-03-04T17:00:00Z'),
    ]);
    const stale = async () =>
      (
        await t.dataSource.query<{ stale: boolean }[]>(
          'SELECT stale FROM published_pages WHERE article_id = $1',
          [article.id],
        )
      )[0].stale;
    expect(await stale()).toBe(true);
    // Clearing the mark while the page still shows another date than its article's does not hold.
    await t.dataSource.query('UPDATE published_pages SET stale = false WHERE article_id = $1', [article.id]);
    expect(await stale()).toBe(true);

    const summary = await exporter.run({ mode: 'incremental', trigger: 'cli' });
    expect(summary).toMatchObject({ rendered: 1, written: 1, failed: [] });
    expect(readFileSync(pagePath(article.slug), 'utf8')).toContain('March 4th, 2029');
    expect(await stale()).toBe(false);
    expect(await exporter.run({ mode: 'incremental', trigger: 'cli' })).toMatchObject({
      rendered: 0,
      written: 0,
    });
  });

  it('re-renders, incrementally, exactly the pages rendered under another template fingerprint', async () => {
    const [current] = await t.dataSource.query<{ render_fingerprint: string }[]>(
      'SELECT render_fingerprint FROM published_pages WHERE article_id = $1',
      [articles[0].id],
    );
    const other = [articles[1].id, articles[2].id, articles[4].id];
    await t.dataSource.query(
      `UPDATE published_pages SET render_fingerprint = CASE article_id WHEN $1 THEN $4 WHEN $2 THEN $5 ELSE NULL END
        WHERE article_id = ANY(ARRAY[$1, $2, $3]::uuid[])`,
      [...other, '0'.repeat(64), 'f'.repeat(64)],
    );
    const summary = await exporter.run({ mode: 'incremental', trigger: 'cli' });
    expect(summary).toMatchObject({ rendered: 3, changed: 0, written: 0, failed: [] });
    const after = await t.dataSource.query<
      { article_id: string; render_fingerprint: string; stale: boolean }[]
    >('SELECT article_id, render_fingerprint, stale FROM published_pages WHERE live');
    expect(after.filter((row) => row.render_fingerprint !== current.render_fingerprint || row.stale)).toEqual(
      [],
    );
    expect(await exporter.run({ mode: 'incremental', trigger: 'cli' })).toMatchObject({ rendered: 0 });
  });

  it('past the sitemap limit writes a sitemap index and its shards, and removes shards the site no longer needs', async () => {
    const URL_ENTRY = /<url><loc>([^<]+)<\/loc><lastmod>([^<]+)<\/lastmod><\/url>/g;
    const INDEX_ENTRY = /<sitemap><loc>([^<]+)<\/loc><lastmod>([^<]+)<\/lastmod><\/sitemap>/g;
    const shardFiles = () =>
      readdirSync(dir)
        .filter((name) => /^sitemap-/.test(name))
        .sort();
    /** Checks sitemap.xml and its shards against the live pages; returns how many shards it names. */
    const checkSitemaps = async (limit: number): Promise<number> => {
      const live = await t.dataSource.query<{ slug: string; modified_at: Date }[]>(
        'SELECT slug, modified_at FROM published_pages WHERE live ORDER BY article_id',
      );
      const index = readFileSync(join(dir, 'sitemap.xml'), 'utf8');
      expect(index).toMatch(
        /^<\?xml version="1.0" encoding="UTF-8"\?>\n<sitemapindex xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">\n/,
      );
      expect(index).not.toContain('<url>');
      const shards = [...index.matchAll(INDEX_ENTRY)];
      expect(shards.map((m) => m[1])).toEqual(
        shards.map((_, i) => `http://localhost:3000/public/sitemap-${i + 1}.xml`),
      );
      expect(shards).toHaveLength(Math.ceil(live.length / limit));
      expect(shardFiles()).toEqual(shards.map((_, i) => `sitemap-${i + 1}.xml`).sort());
      const union: string[] = [];
      for (const [i, shard] of shards.entries()) {
        const xml = readFileSync(join(dir, `sitemap-${i + 1}.xml`), 'utf8');
        expect(xml).toMatch(
          /^<\?xml version="1.0" encoding="UTF-8"\?>\n<urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">\n( {2}<url>.*<\/url>\n)+<\/urlset>\n$/,
        );
        const entries = [...xml.matchAll(URL_ENTRY)].map((m) => ({ loc: m[1], lastmod: m[2] }));
        const expected = live.slice(i * limit, (i + 1) * limit);
        expect(entries).toEqual(
          expected.map((row) => ({
            loc: `http://localhost:3000/public/articles/${row.slug}`,
            lastmod: row.modified_at.toISOString(),
          })),
        );
        expect(shard[2]).toBe(
          new Date(Math.max(...expected.map((row) => row.modified_at.getTime()))).toISOString(),
        );
        union.push(...entries.map((entry) => entry.loc));
      }
      expect(union.sort()).toEqual(
        live.map((row) => `http://localhost:3000/public/articles/${row.slug}`).sort(),
      );
      return shards.length;
    };
    const unpublish = async (article: { id: string }) => {
      const res = await t.http().post(`/articles/${article.id}/unpublish`).set(cast.publisher.auth);
      expect(res.status).toBe(200);
    };

    expect(shardFiles()).toEqual([]);
    // PostgreSQL formats lastmod: microseconds (which a Date drops) must not round it up.
    await t.dataSource.query(`UPDATE published_pages SET modified_at = $2 WHERE article_id = $1`, [
      articles[0].id,
      '2026-02-03T04:05:06.789987Z',
    ]);
    exporter.sitemapUrlLimit = 10;
    try {
      // 24 live pages, 10 to a file: an index of 3 shards.
      const full = await exporter.run({ mode: 'full', trigger: 'cli' });
      expect(full).toMatchObject({ livePages: PAGES, sitemapWritten: true });
      expect(await checkSitemaps(10)).toBe(3);
      expect(
        readdirSync(dir)
          .filter((name) => name.startsWith('sitemap'))
          .map((name) => readFileSync(join(dir, name), 'utf8'))
          .join(''),
      ).toContain('<lastmod>2026-02-03T04:05:06.789Z</lastmod>');

      // One page changes: the shards still hold every live page with its new lastmod.
      const changed = articles[7];
      await editArticle(t, changed.id, cast.writer, { title: 'Page 7, revised' });
      t.clock.advance(3_600_000);
      await signCurrentRevision(t, changed.id, cast.reviewer);
      expect(
        (await t.http().post(`/articles/${changed.id}/publish`).set(cast.publisher.auth).send({})).status,
      ).toBe(200);
      await publishingIdle(t);
      await exporter.run({ mode: 'incremental', trigger: 'cli' });
      expect(await checkSitemaps(10)).toBe(3);

      // The site shrinks to 19 pages: 2 shards, and sitemap-3.xml is gone.
      for (const article of articles.slice(19)) await unpublish(article);
      await publishingIdle(t);
      const shrunk = await exporter.run({ mode: 'incremental', trigger: 'cli' });
      expect(shrunk.livePages).toBe(19);
      expect(await checkSitemaps(10)).toBe(2);
      expect(existsSync(join(dir, 'sitemap-3.xml'))).toBe(false);

      // Down to the limit: sitemap.xml is the one urlset again and no shard is left.
      for (const article of articles.slice(10, 19)) await unpublish(article);
      await publishingIdle(t);
      await exporter.run({ mode: 'incremental', trigger: 'cli' });
      const sitemap = readFileSync(join(dir, 'sitemap.xml'), 'utf8');
      expect(sitemap).toMatch(/<urlset /);
      expect([...sitemap.matchAll(URL_ENTRY)].map((m) => m[1]).sort()).toEqual(
        articles
          .slice(0, 10)
          .map((a) => `http://localhost:3000/public/articles/${a.slug}`)
          .sort(),
      );
      expect(shardFiles()).toEqual([]);
    } finally {
      exporter.sitemapUrlLimit = 50_000;
    }
  });
});
