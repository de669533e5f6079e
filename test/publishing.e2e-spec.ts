import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bylineText } from '../src/sign-offs/byline.js';
import { bearer, createTestApp, type TestApp } from './utils/test-app.js';
import {
  ALAN,
  type Cast,
  createCast,
  editArticle,
  eventually,
  insertArticle,
  publishingQueue,
  seedContent,
  signCurrentRevision,
  signedArticle,
  tempPublishDir,
} from './utils/publishing-fixtures.js';
import { all, byClass, headings, jsonLd, meta, node, textOf } from './utils/publishing-html.js';

const TZ = 'America/New_York';
// 23:30 in New York on January 10th, 2026 (04:30 UTC on the 11th): the byline must say January 10th.
const SIGNED_AT = new Date('2026-01-11T04:30:00Z');
const seed = seedContent();

describe('publishing', () => {
  let t: TestApp;
  let cast: Cast;
  let publishDir: string;

  beforeAll(async () => {
    publishDir = tempPublishDir();
    t = await createTestApp({ now: SIGNED_AT, env: { PUBLISH_DIR: publishDir, WEBHOOK_URLS: '' } });
    cast = await createCast(t);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => t.clock.set(SIGNED_AT));

  const publish = (id: string, body: object = {}, as = cast.publisher) =>
    t.http().post(`/articles/${id}/publish`).set(as.auth).send(body);
  const publicPage = (slug: string) => t.http().get(`/public/articles/${slug}`);

  describe('the published seed article', () => {
    let html: string;
    let published: Record<string, unknown>;
    let article: { id: string; slug: string; signOff: { id: string } };
    const publishedAt = new Date('2026-01-12T14:00:00Z');

    beforeAll(async () => {
      t.clock.set(SIGNED_AT);
      article = await signedArticle(
        t,
        cast,
        { slug: 'is-baclofen-a-benzodiazepine' },
        { nextReviewDueAt: new Date('2027-01-11T04:30:00Z') },
      );
      t.clock.set(publishedAt);
      const res = await publish(article.id);
      expect(res.status).toBe(200);
      published = res.body;
      const page = await publicPage(article.slug);
      expect(page.status).toBe(200);
      html = page.text;
    });

    it('answers the publish with the live URL, revision, sign-off and byline', () => {
      expect(published).toMatchObject({
        articleId: article.id,
        status: 'published',
        revision: 1,
        signOffId: article.signOff.id,
        publicUrl: 'http://localhost:3000/public/articles/is-baclofen-a-benzodiazepine',
        byline:
          'Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026',
        htmlChecksum: createHash('sha256').update(html).digest('hex'),
      });
      expect((published.publications as { target: string }[]).map((p) => p.target).sort()).toEqual([
        'directory',
        'site',
      ]);
    });

    it('reads like the seed page: title, byline linking to the reviewer, takeaways and every section', () => {
      expect(headings(html, 1)).toEqual([seed.title]);
      const byline = byClass(html, 'p', 'byline')!;
      expect(textOf(byline)).toBe(
        bylineText(
          {
            reviewerDisplayName: ALAN.displayName,
            reviewerCredentials: ALAN.credentials,
            reviewerAffiliation: ALAN.affiliation,
            signedAt: SIGNED_AT,
          },
          TZ,
        ),
      );
      expect(byline).toContain(
        `<a href="http://localhost:3000/public/reviewers/${cast.reviewer.id}">Alan Lucks</a>`,
      );
      expect(byline).toContain('<time datetime="2026-01-10">January 10th, 2026</time>');
      const h2 = headings(html, 2);
      expect(h2).toEqual([
        'Key Takeaways',
        ...seed.sections.map((s) => s.heading),
        'Frequently Asked Questions',
        'The Bottom Line',
        'References',
      ]);
      const takeaways = all(byClass(html, 'section', 'key-takeaways')!, /<li>([\s\S]*?)<\/li>/).map(textOf);
      expect(takeaways).toEqual(seed.keyTakeaways);
      expect(textOf(html)).toContain(textOf(seed.bottomLine));
    });

    it('shows each FAQ question above its answer', () => {
      const faq = byClass(html, 'section', 'faq')!;
      const items = all(faq, /<div class="faq-item">([\s\S]*?)<\/div>\s*<\/div>/);
      expect(items).toHaveLength(seed.faq.length);
      seed.faq.forEach((entry, index) => {
        expect(headings(items[index], 3)).toEqual([entry.question]);
        expect(textOf(items[index])).toBe(`${entry.question} ${entry.answer}`);
      });
    });

    it('lists the references as a numbered list of links', () => {
      const references = byClass(html, 'section', 'references')!;
      expect(references).toContain('<ol>');
      const links = all(references, /<a href="([^"]+)" rel="noopener">/);
      expect(links).toEqual(seed.references.map((r) => r.url));
      expect(textOf(references)).toContain(
        `${seed.references[0].title} — ${seed.references[0].publisher}, 2024`,
      );
    });

    it('keeps the image alt text in its alt attribute, never in the text or a heading', () => {
      const alt = seed.images[0].alt;
      expect(html).toContain(`<img src="${seed.images[0].url}" alt="${alt}" loading="lazy">`);
      expect(textOf(html)).not.toContain(alt);
      const section =
        /<section class="article-section">\s*<h2 id="[^"]+">Differences Between[\s\S]*?<\/section>/.exec(
          html,
        )![0];
      expect(section).toContain(`alt="${alt}"`);
    });

    it('shows the next review due date in the footer', () => {
      expect(byClass(html, 'p', 'next-review')).toBe(
        'Next review due: <time datetime="2027-01-10">January 10th, 2027</time>',
      );
    });

    it('embeds JSON-LD for a MedicalWebPage and an FAQPage that match the sign-off', () => {
      const page = node(html, 'MedicalWebPage');
      expect(page).toMatchObject({
        name: seed.title,
        description: seed.description,
        url: published.publicUrl,
        lastReviewed: '2026-01-10',
        reviewedBy: {
          '@type': 'Person',
          name: ALAN.displayName,
          honorificSuffix: ALAN.credentials,
          affiliation: { '@type': 'Organization', name: ALAN.affiliation },
          url: `http://localhost:3000/public/reviewers/${cast.reviewer.id}`,
        },
        author: { '@type': 'Person', name: 'Wendy Writer' },
        datePublished: publishedAt.toISOString(),
        specialty: 'https://schema.org/Neurologic',
      });
      expect(new Date(page.dateModified as string).getTime()).toBeGreaterThanOrEqual(SIGNED_AT.getTime());
      expect((page.citation as { url: string }[]).map((c) => c.url)).toEqual(
        seed.references.map((r) => r.url),
      );
      const faq = node(html, 'FAQPage');
      expect((faq.mainEntity as { name: string }[]).map((q) => q.name)).toEqual(
        seed.faq.map((e) => e.question),
      );
      expect(jsonLd(html)['@context']).toBe('https://schema.org');
    });

    it('has a canonical URL, Open Graph tags and a meta description, and is indexable', () => {
      expect(html).toContain(`<link rel="canonical" href="${published.publicUrl as string}">`);
      expect(meta(html, 'name', 'description')).toBe(seed.description);
      expect(meta(html, 'property', 'og:title')).toBe(seed.title);
      expect(meta(html, 'property', 'og:url')).toBe(published.publicUrl);
      expect(meta(html, 'property', 'og:type')).toBe('article');
      expect(html).not.toContain('noindex');
    });

    it('serves the page without login, with an ETag, cache headers and 304 when unchanged', async () => {
      const res = await publicPage(article.slug);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers.etag).toBe(`"${published.htmlChecksum as string}"`);
      expect(res.headers['cache-control']).toContain('max-age');
      const again = await publicPage(article.slug).set('If-None-Match', res.headers.etag);
      expect(again.status).toBe(304);
      expect(again.text).toBeFalsy();
      expect((await publicPage('no-such-article')).status).toBe(404);
    });

    it('serves the page from memory, and drops it when any process changes it (PostgreSQL NOTIFY)', async () => {
      const first = await publicPage(article.slug);
      expect(first.status).toBe(200);
      expect(first.headers['content-security-policy']).toContain("script-src 'self'");
      expect(first.headers['x-request-id']).toBeTruthy();
      // Another process (here: plain SQL) rewrites the stored page; this process never ran that code.
      const marker = `<!-- changed elsewhere ${Date.now()} -->`;
      await t.dataSource.query(
        `UPDATE published_pages SET html = html || $2, html_checksum = md5(html || $2) WHERE slug = $1`,
        [article.slug, marker],
      );
      const changed = await eventually(async () => {
        const res = await publicPage(article.slug);
        return res.text.includes(marker) ? res : undefined;
      }, 'the page to change');
      expect(changed.headers.etag).not.toBe(first.headers.etag);
      // Put the page back as the publisher left it, for the tests that follow.
      await t.dataSource.query(`UPDATE published_pages SET html = $2, html_checksum = $3 WHERE slug = $1`, [
        article.slug,
        first.text,
        first.headers.etag.slice(1, -1),
      ]);
      await eventually(
        async () => (await publicPage(article.slug)).headers.etag === first.headers.etag,
        'the page to be restored',
      );
      const missing = await publicPage('no-such-article');
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });

    it('lists the page on the index and on the reviewer profile page', async () => {
      for (const path of ['/public', '/public/articles']) {
        const index = await t.http().get(path);
        expect(index.status).toBe(200);
        expect(index.text).toContain(`<a href="${published.publicUrl as string}">${seed.title}</a>`);
        expect(index.text).toContain('Last reviewed January 10th, 2026');
      }
      const profile = await t.http().get(`/public/reviewers/${cast.reviewer.id}`);
      expect(profile.status).toBe(200);
      expect(headings(profile.text, 1)).toEqual(['Alan Lucks, MD']);
      expect(profile.text).toContain(ALAN.affiliation);
      expect(profile.text).toContain(`<a href="${published.publicUrl as string}">${seed.title}</a>`);
      expect((await t.http().get(`/public/reviewers/${cast.writer.id}`)).status).toBe(404);
      expect((await t.http().get('/public/reviewers/not-a-uuid')).status).toBe(404);
      const sitemap = await t.http().get('/public/sitemap.xml');
      expect(sitemap.text).toContain(`<loc>${published.publicUrl as string}</loc>`);
    });

    it('writes the same page to the export directory', async () => {
      const file = join(publishDir, article.slug, 'index.html');
      const written = await eventually(
        () => existsSync(file) && readFileSync(file, 'utf8'),
        'the exported page',
      );
      expect(written).toBe(html);
      const sitemap = await eventually(
        () =>
          existsSync(join(publishDir, 'sitemap.xml')) &&
          readFileSync(join(publishDir, 'sitemap.xml'), 'utf8'),
        'the sitemap',
      );
      expect(sitemap).toContain(`<loc>${published.publicUrl as string}</loc><lastmod>`);
      expect(existsSync(join(publishDir, 'assets', 'page.css'))).toBe(true);
    });

    it('records a publication per target with revision, sign-off, checksum, actor and time, and an audit event', async () => {
      const res = await t.http().get(`/articles/${article.id}/publications`).set(cast.editor.auth);
      expect(res.status).toBe(200);
      const rows = res.body.publications as Record<string, unknown>[];
      expect(rows.filter((row) => row.action === 'publish')).toHaveLength(2);
      for (const row of rows.filter((r) => r.action === 'publish')) {
        expect(row).toMatchObject({
          revisionNumber: 1,
          signOffId: article.signOff.id,
          htmlChecksum: published.htmlChecksum,
          actorId: cast.publisher.id,
          createdAt: publishedAt.toISOString(),
        });
      }
      const audit = await t.http().get(`/audit?articleId=${article.id}`).set(bearer(t.adminToken));
      expect(audit.body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: 'article.published',
            actorId: cast.publisher.id,
            before: { status: 'approved', publishedRevision: null },
            after: expect.objectContaining({ publishedRevision: 1, signOffId: article.signOff.id }),
          }),
        ]),
      );
    });
  });

  describe('the publish gate', () => {
    it('refuses an article nobody signed, naming what is missing', async () => {
      const article = await insertArticle(t, cast.writer);
      const res = await publish(article.id);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({
        statusCode: 409,
        error: 'Conflict',
        message: 'Revision 1 has no medical sign-off; it must be reviewed and approved first',
        details: [{ problem: 'no_sign_off' }],
      });
      expect((await publicPage(article.slug)).status).toBe(404);
    });

    it('refuses a revision edited after the sign-off (stale sign-off)', async () => {
      const article = await signedArticle(t, cast);
      await editArticle(t, article.id, cast.writer, { title: 'Is Baclofen a Benzodiazepine? (updated)' });
      const res = await publish(article.id);
      expect(res.status).toBe(409);
      expect(res.body.message).toBe(
        'The latest sign-off covers revision 1, not revision 2; the current revision must be reviewed again',
      );
      expect(res.body.details).toEqual([{ problem: 'stale_sign_off' }]);
    });

    it('refuses a sign-off made with a licence that had already expired', async () => {
      const article = await signedArticle(t, cast, {}, { licenseExpiresOn: '2025-12-31' });
      const res = await publish(article.id);
      expect(res.status).toBe(409);
      expect(res.body.message).toContain('licence expired on 2025-12-31');
      expect(res.body.details).toEqual([{ problem: 'licence_expired_at_signing' }]);
    });

    it('lets only publishers publish, and answers 404 for an unknown article', async () => {
      const article = await signedArticle(t, cast);
      expect((await publish(article.id, {}, cast.writer)).status).toBe(403);
      expect((await publish(article.id, {}, cast.reviewer)).status).toBe(403);
      expect((await publish('00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await publish(article.id, { publishAt: 'tomorrow' })).status).toBe(400);
      expect((await publish(article.id, { unknown: true })).status).toBe(400);
    });
  });

  describe('scheduled publishing', () => {
    it('publishes at publishAt through a delayed job', async () => {
      const article = await signedArticle(t, cast);
      const publishAt = new Date(t.clock.now().getTime() + 1500);
      const res = await publish(article.id, { publishAt: publishAt.toISOString() });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ scheduled: true, publishAt: publishAt.toISOString(), revision: 1 });
      expect((await publicPage(article.slug)).status).toBe(404);
      const pending = await t
        .http()
        .get(`/articles/${article.id}/scheduled-publish`)
        .set(cast.publisher.auth);
      expect(pending.body.jobId).toBe(res.body.jobId);

      await eventually(async () => (await publicPage(article.slug)).status === 200, 'the scheduled publish');
      expect(
        (await t.http().get(`/articles/${article.id}/scheduled-publish`).set(cast.publisher.auth)).status,
      ).toBe(404);
      const audit = await t.http().get(`/audit?articleId=${article.id}`).set(bearer(t.adminToken));
      const actions = (audit.body as { action: string }[]).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['article.publish_scheduled', 'article.published']));
    });

    it('can be cancelled until then, and the page never goes live', async () => {
      const article = await signedArticle(t, cast);
      const publishAt = new Date(t.clock.now().getTime() + 1500);
      const res = await publish(article.id, { publishAt: publishAt.toISOString() });
      expect(res.status).toBe(202);
      expect(await publishingQueue(t).getJob(res.body.jobId)).toBeDefined();

      const cancel = await t
        .http()
        .delete(`/articles/${article.id}/scheduled-publish`)
        .set(cast.publisher.auth);
      expect(cancel.status).toBe(200);
      expect(cancel.body).toEqual({
        articleId: article.id,
        cancelled: true,
        publishAt: publishAt.toISOString(),
      });
      expect(await publishingQueue(t).getJob(res.body.jobId)).toBeUndefined();
      expect(
        (await t.http().delete(`/articles/${article.id}/scheduled-publish`).set(cast.publisher.auth)).status,
      ).toBe(404);

      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect((await publicPage(article.slug)).status).toBe(404);
      const { status } = (
        await t.dataSource.query('SELECT status FROM articles WHERE id = $1', [article.id])
      )[0];
      expect(status).toBe('approved');
    });

    it('publishing now drops the pending schedule, with the reason in the audit trail', async () => {
      const article = await signedArticle(t, cast);
      const publishAt = new Date(t.clock.now().getTime() + 3_600_000);
      const scheduled = await publish(article.id, { publishAt: publishAt.toISOString() });
      expect(scheduled.status).toBe(202);

      expect((await publish(article.id)).status).toBe(200);
      expect(
        (await t.http().get(`/articles/${article.id}/scheduled-publish`).set(cast.publisher.auth)).status,
      ).toBe(404);
      expect(await publishingQueue(t).getJob(scheduled.body.jobId)).toBeUndefined();
      const audit = await t.http().get(`/audit?articleId=${article.id}`).set(bearer(t.adminToken));
      const cancelled = (audit.body as { action: string; after: { reason?: string } }[]).find(
        (event) => event.action === 'article.scheduled_publish_cancelled',
      );
      expect(cancelled?.after.reason).toBe('published immediately');
    });

    it('refuses a time in the past, and checks the sign-off when scheduling', async () => {
      const article = await signedArticle(t, cast);
      const past = await publish(article.id, {
        publishAt: new Date(t.clock.now().getTime() - 1000).toISOString(),
      });
      expect(past.status).toBe(400);
      expect(past.body.details).toEqual([expect.objectContaining({ field: 'publishAt' })]);
      const unsigned = await insertArticle(t, cast.writer);
      const later = new Date(t.clock.now().getTime() + 3_600_000).toISOString();
      const refused = await publish(unsigned.id, { publishAt: later });
      expect(refused.status).toBe(409);
      expect(refused.body.details).toEqual([{ problem: 'no_sign_off' }]);
    });
  });

  describe('unpublishing', () => {
    it('removes the page from the site, the index and the directory, and archives the article', async () => {
      const article = await signedArticle(t, cast);
      expect((await publish(article.id)).status).toBe(200);
      const file = join(publishDir, article.slug, 'index.html');
      await eventually(() => existsSync(file), 'the exported page');

      const res = await t.http().post(`/articles/${article.id}/unpublish`).set(cast.publisher.auth);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ articleId: article.id, status: 'archived', unpublishedRevision: 1 });
      expect((await publicPage(article.slug)).status).toBe(404);
      expect((await t.http().get('/public/articles')).text).not.toContain(
        `/public/articles/${article.slug}"`,
      );
      await eventually(() => !existsSync(join(publishDir, article.slug)), 'the folder to be removed');
      await eventually(
        () => !readFileSync(join(publishDir, 'sitemap.xml'), 'utf8').includes(article.slug),
        'the sitemap to drop the page',
      );
      const [row] = await t.dataSource.query(
        'SELECT status, published_revision FROM articles WHERE id = $1',
        [article.id],
      );
      expect(row).toEqual({ status: 'archived', published_revision: null });

      const again = await t.http().post(`/articles/${article.id}/unpublish`).set(cast.publisher.auth);
      expect(again.status).toBe(409);
      expect(again.body.message).toBe('Article is archived; only a published article can be unpublished');
      // Still signed: it can go live again.
      expect((await publish(article.id)).status).toBe(200);
      expect((await publicPage(article.slug)).status).toBe(200);
    });
  });

  describe('re-review of unchanged content', () => {
    it('re-renders the live page on every target with the new review date and next review due', async () => {
      const article = await signedArticle(t, cast, {}, { nextReviewDueAt: new Date('2027-01-11T04:30:00Z') });
      const first = await publish(article.id);
      expect(first.status).toBe(200);
      const file = join(publishDir, article.slug, 'index.html');
      await eventually(() => existsSync(file), 'the exported page');

      const reReviewedAt = new Date('2027-01-05T16:00:00Z');
      t.clock.set(reReviewedAt);
      const second = await signCurrentRevision(t, article.id, cast.reviewer, {
        nextReviewDueAt: new Date('2028-01-05T16:00:00Z'),
      });

      const html = await eventually(async () => {
        const page = await publicPage(article.slug);
        return page.text.includes('January 5th, 2027') && page.text;
      }, 'the re-rendered page');
      expect(textOf(byClass(html, 'p', 'byline')!)).toBe(
        'Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on January 5th, 2027',
      );
      expect(byClass(html, 'p', 'next-review')).toContain('January 5th, 2028');
      expect(node(html, 'MedicalWebPage').lastReviewed).toBe('2027-01-05');
      await eventually(() => readFileSync(file, 'utf8') === html, 'the directory copy to be re-rendered');

      const history = await t.http().get(`/articles/${article.id}/publications`).set(cast.publisher.auth);
      const rerenders = (history.body.publications as Record<string, unknown>[]).filter(
        (p) => p.action === 'rerender',
      );
      expect(rerenders.map((p) => p.target).sort()).toEqual(['directory', 'site']);
      expect(rerenders[0]).toMatchObject({ revisionNumber: 1, signOffId: second.id });
      const audit = await t.http().get(`/audit?articleId=${article.id}`).set(bearer(t.adminToken));
      expect(audit.body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: 'article.rerendered',
            before: expect.objectContaining({ signOffId: article.signOff.id }),
            after: expect.objectContaining({ signOffId: second.id }),
          }),
        ]),
      );
    });

    it('leaves the live page alone when the new sign-off covers a newer, unpublished revision', async () => {
      const article = await signedArticle(t, cast);
      const first = await publish(article.id);
      await editArticle(t, article.id, cast.writer, { description: 'A new description.' });
      t.clock.set(new Date('2026-06-01T12:00:00Z'));
      await signCurrentRevision(t, article.id, cast.reviewer);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const page = await publicPage(article.slug);
      expect(page.headers.etag).toBe(`"${first.body.htmlChecksum as string}"`);
      const republished = await publish(article.id);
      expect(republished.status).toBe(200);
      expect(republished.body.revision).toBe(2);
      expect(meta((await publicPage(article.slug)).text, 'name', 'description')).toBe('A new description.');
    });
  });

  describe('preview', () => {
    it('renders any revision with a "not medically reviewed" banner and noindex, for any signed-in user', async () => {
      const article = await insertArticle(t, cast.writer);
      const res = await t.http().get(`/articles/${article.id}/preview`).set(cast.writer.auth);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['x-robots-tag']).toContain('noindex');
      expect(res.text).toContain('<meta name="robots" content="noindex">');
      expect(textOf(byClass(res.text, 'aside', 'preview-banner')!)).toBe(
        'Preview of revision 1: not medically reviewed. Do not publish or share this page.',
      );
      expect(byClass(res.text, 'p', 'byline byline-missing')).toBe('Not yet medically reviewed.');
      expect(headings(res.text, 1)).toEqual([seed.title]);

      await signCurrentRevision(t, article.id, cast.reviewer);
      await editArticle(t, article.id, cast.writer, { title: 'Second draft' });
      const signed = await t.http().get(`/articles/${article.id}/preview?revision=1`).set(cast.editor.auth);
      expect(textOf(byClass(signed.text, 'aside', 'preview-banner')!)).toBe(
        'Preview of revision 1: this is not the published page.',
      );
      expect(textOf(byClass(signed.text, 'p', 'byline')!)).toContain('Medically reviewed by Alan Lucks');
      const draft = await t.http().get(`/articles/${article.id}/preview`).set(cast.reviewer.auth);
      expect(headings(draft.text, 1)).toEqual(['Second draft']);
      expect(draft.text).toContain('not medically reviewed');

      expect(
        (await t.http().get(`/articles/${article.id}/preview?revision=9`).set(cast.writer.auth)).status,
      ).toBe(404);
      expect((await t.http().get(`/articles/${article.id}/preview`)).status).toBe(401);
    });
  });

  describe('related articles', () => {
    it('links live related articles by title, and updates the link when one comes down', async () => {
      const target = await signedArticle(t, cast, { title: 'What Is Spasticity?' });
      expect((await publish(target.id)).status).toBe(200);
      const linking = await signedArticle(t, cast, { relatedSlugs: [target.slug, 'not-published-anywhere'] });
      expect((await publish(linking.id)).status).toBe(200);
      const related = byClass((await publicPage(linking.slug)).text, 'section', 'related')!;
      expect(all(related, /<li>([\s\S]*?)<\/li>/)).toEqual([
        `<a href="http://localhost:3000/public/articles/${target.slug}">What Is Spasticity?</a>`,
      ]);

      expect((await t.http().post(`/articles/${target.id}/unpublish`).set(cast.publisher.auth)).status).toBe(
        200,
      );
      await eventually(
        async () => !(await publicPage(linking.slug)).text.includes('What Is Spasticity?'),
        'the related link to disappear',
      );
    });
    it('adds the link to a live page when the article it names goes live later', async () => {
      const target = await signedArticle(t, cast, { title: 'What Causes Muscle Spasms?' });
      const linking = await signedArticle(t, cast, { relatedSlugs: [target.slug] });
      expect((await publish(linking.id)).status).toBe(200);
      const before = byClass((await publicPage(linking.slug)).text, 'section', 'related');
      expect(before ?? '').not.toContain('What Causes Muscle Spasms?');

      expect((await publish(target.id)).status).toBe(200);
      const [{ stale }] = await t.dataSource.query(
        'SELECT stale FROM published_pages WHERE article_id = $1',
        [linking.id],
      );
      const served = async () => (await publicPage(linking.slug)).text.includes('What Causes Muscle Spasms?');
      // Marked by the publish itself; the directory sync it queued then re-renders the page.
      expect(stale || (await served())).toBe(true);
      await eventually(served, 'the related link to appear');
    });
  });

  describe('API description', () => {
    it('documents every publishing route with the roles that may call it', async () => {
      const doc = (await t.http().get('/docs-json')).body;
      expect(doc.paths['/articles/{id}/publish'].post.summary).toContain('roles: publisher');
      expect(doc.paths['/articles/{id}/scheduled-publish'].delete.summary).toContain('roles: publisher');
      expect(doc.paths['/articles/{id}/unpublish'].post.summary).toContain('roles: publisher');
      expect(doc.paths['/articles/{id}/preview'].get.summary).toContain('any signed-in user');
      expect(doc.paths['/publishing/exports'].post.summary).toContain('roles: admin, publisher');
      expect(doc.paths['/public/articles/{slug}'].get.summary).toContain('no login');
      expect(doc.paths['/public/reviewers/{id}']).toBeDefined();
    });
  });
});
