import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ArticleContent } from '../src/articles/article-content.js';
import { ArticlesRepository } from '../src/articles/articles.repository.js';
import { bearer, createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';

type Content = object;

const seed = (): ArticleContent =>
  JSON.parse(readFileSync(new URL('./fixtures/seed-article.json', import.meta.url), 'utf8'));

/** The seed as the API stores it: every optional image field present as null. */
const storedSeed = (): ArticleContent => {
  const content = seed();
  content.images = content.images.map((image) => ({ caption: null, sectionIndex: null, ...image }));
  return content;
};

const sha256OfCanonicalJson = (value: unknown) =>
  createHash('sha256').update(canonicalize(value)!, 'utf8').digest('hex');

let slugCounter = 0;
/** The seed under a slug of its own, so that every test starts from a fresh article. */
const seedWithOwnSlug = (): ArticleContent => ({ ...seed(), slug: `baclofen-${++slugCounter}` });

describe('drafting articles', () => {
  let t: TestApp;
  let writer: TestUser;
  let otherWriter: TestUser;
  let editor: TestUser;
  let reviewer: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    [writer, otherWriter, editor, reviewer] = await Promise.all([
      createUser(t, ['writer']),
      createUser(t, ['writer']),
      createUser(t, ['editor']),
      createUser(t, ['reviewer']),
    ]);
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (user: TestUser, body: Content) => t.http().post('/articles').set(user.auth).send(body);
  const patch = (user: TestUser, id: string, ifMatch: string | null, body: Content) => {
    const req = t.http().patch(`/articles/${id}`).set(user.auth);
    return ifMatch === null ? req.send(body) : req.set('If-Match', ifMatch).send(body);
  };
  const countRows = async (table: 'articles' | 'revisions') =>
    (await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;

  describe('reading from memory (GET /articles/:id)', () => {
    /** Reads until `done` holds for the answer (a notification is heard shortly after the commit). */
    const readUntil = async (
      id: string,
      user: TestUser,
      done: (body: { version: number; slug: string }) => boolean,
    ) => {
      for (let attempt = 0; ; attempt++) {
        const read = await t.http().get(`/articles/${id}`).set(user.auth);
        if (read.status === 200 && done(read.body)) return read;
        if (attempt >= 100)
          throw new Error(`never saw the change: ${JSON.stringify(read.body).slice(0, 200)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    it('answers If-None-Match with 304 while the version holds, and the new article at once after an edit', async () => {
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      const first = await t.http().get(`/articles/${id}`).set(reviewer.auth);
      expect(first.status).toBe(200);
      expect(first.headers.etag).toBe('"1"');
      expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
      const again = await t.http().get(`/articles/${id}`).set(reviewer.auth).set('If-None-Match', '"1"');
      expect(again.status).toBe(304);
      expect(again.headers.etag).toBe('"1"');
      expect(again.text ?? '').toBe('');
      // An old ETag gets the whole article.
      const stale = await t.http().get(`/articles/${id}`).set(reviewer.auth).set('If-None-Match', '"0"');
      expect(stale.status).toBe(200);
      expect(stale.body).toEqual(first.body);

      // The edit is made by this process: the very next read shows it, with no wait for the notification.
      const edited = await patch(writer, id, '"1"', { title: 'Baclofen, read again' });
      expect(edited.status).toBe(200);
      const read = await t.http().get(`/articles/${id}`).set(reviewer.auth).set('If-None-Match', '"1"');
      expect(read.status).toBe(200);
      expect(read.headers.etag).toBe('"2"');
      expect(read.body).toMatchObject({ version: 2, content: { title: 'Baclofen, read again' } });
    });

    it('drops an article another process changed (the database notifies every process at commit)', async () => {
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      const before = await t.http().get(`/articles/${id}`).set(reviewer.auth);
      expect(before.body.version).toBe(1);
      // Another API process's write: a plain UPDATE on its own connection, which this process does not make.
      await t.dataSource.query(
        `UPDATE articles SET slug = slug || '-moved', version = version + 1 WHERE id = $1`,
        [id],
      );
      const after = await readUntil(id, reviewer, (body) => body.version === 2);
      expect(after.headers.etag).toBe('"2"');
      expect(after.body.slug).toBe(`${created.body.slug}-moved`);
    });

    it('refuses a token at once when another process raises the user token version', async () => {
      const reader = await createUser(t, ['reviewer']);
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      expect((await t.http().get(`/articles/${id}`).set(reader.auth)).status).toBe(200);
      await t.dataSource.query('UPDATE users SET token_version = token_version + 1 WHERE id = $1', [
        reader.id,
      ]);
      for (let attempt = 0; ; attempt++) {
        const read = await t.http().get(`/articles/${id}`).set(reader.auth);
        if (read.status === 401) break;
        if (attempt >= 100) throw new Error(`the revoked token still reads (${read.status})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
  });

  describe('structured content and revisions', () => {
    it('creates the seed article as revision 1 and returns it exactly, with the version as ETag', async () => {
      const created = await create(writer, seed());
      expect(created.status).toBe(201);
      expect(created.headers.etag).toBe('"1"');
      expect(created.body).toEqual({
        id: expect.any(String),
        slug: 'is-baclofen-a-benzodiazepine',
        status: 'draft',
        version: 1,
        authorId: writer.id,
        specialty: 'neurology',
        currentRevision: 1,
        contentHash: sha256OfCanonicalJson(storedSeed()),
        content: storedSeed(),
        signOff: null,
        publishedRevision: null,
        lastReviewedAt: null,
        nextReviewDueAt: null,
        createdAt: t.clock.now().toISOString(),
        updatedAt: t.clock.now().toISOString(),
      });

      const read = await t.http().get(`/articles/${created.body.id}`).set(reviewer.auth);
      expect(read.status).toBe(200);
      expect(read.headers.etag).toBe('"1"');
      expect(read.body).toEqual({ ...created.body, attestedReviews: [] });

      const revision = await t.http().get(`/articles/${created.body.id}/revisions/1`).set(reviewer.auth);
      expect(revision.body).toMatchObject({
        articleId: created.body.id,
        number: 1,
        contentHash: created.body.contentHash,
        createdById: writer.id,
        changeNote: null,
        content: storedSeed(),
      });
      expect(revision.body.rendered.sections).toHaveLength(seed().sections.length);
      expect(revision.body.rendered.faq).toHaveLength(seed().faq.length);
      expect(revision.body.rendered.sections[1]).toContain('<h3>Mechanism of Action</h3>');
    });

    it('keeps a Unicode title unchanged, transliterates its slug and numbers a taken one', async () => {
      const title = 'Ärzte über Ödeme — 北京 🧠';
      const first = await create(writer, { title, specialty: 'cardiology' });
      expect(first.status).toBe(201);
      expect(first.body.content.title).toBe(title);
      expect(first.body.slug).toBe('arzte-uber-odeme-bei-jing');
      const second = await create(writer, { title, specialty: 'cardiology' });
      expect(second.body.slug).toBe('arzte-uber-odeme-bei-jing-2');
      expect((await t.http().get(`/articles/${second.body.id}`).set(writer.auth)).body.content.title).toBe(
        title,
      );

      const taken = await create(writer, {
        title: 'Anything',
        specialty: 'cardiology',
        slug: first.body.slug,
      });
      expect(taken.status).toBe(409);
      expect(taken.body.details).toEqual([expect.objectContaining({ field: 'slug' })]);
    });

    it('saves each PATCH as a new revision; earlier ones stay as they were and the database refuses to change them', async () => {
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      t.clock.advance(60_000);
      const edited = await patch(writer, id, '"1"', {
        bottomLine: 'Baclofen is not a benzodiazepine.',
        changeNote: 'Shorter bottom line',
      });
      expect(edited.status).toBe(200);
      expect(edited.headers.etag).toBe('"2"');
      expect(edited.body).toMatchObject({ version: 2, currentRevision: 2, status: 'draft' });
      expect(edited.body.content).toEqual({
        ...created.body.content,
        bottomLine: 'Baclofen is not a benzodiazepine.',
      });
      expect(edited.body.contentHash).not.toBe(created.body.contentHash);
      expect(edited.body.updatedAt).toBe(t.clock.now().toISOString());

      const revisions = await t.http().get(`/articles/${id}/revisions`).set(editor.auth);
      expect(revisions.body).toEqual([
        {
          number: 1,
          contentHash: created.body.contentHash,
          createdById: writer.id,
          changeNote: null,
          createdAt: created.body.createdAt,
        },
        {
          number: 2,
          contentHash: edited.body.contentHash,
          createdById: writer.id,
          changeNote: 'Shorter bottom line',
          createdAt: t.clock.now().toISOString(),
        },
      ]);
      const first = await t.http().get(`/articles/${id}/revisions/1`).set(editor.auth);
      expect(first.body.content).toEqual(created.body.content);
      expect((await t.http().get(`/articles/${id}/revisions/3`).set(editor.auth)).status).toBe(404);

      await expect(
        t.dataSource.query(`UPDATE revisions SET change_note = 'rewritten' WHERE article_id = $1`, [id]),
      ).rejects.toThrow(/immutable/);
      await expect(t.dataSource.query(`DELETE FROM revisions WHERE article_id = $1`, [id])).rejects.toThrow(
        /immutable/,
      );
    });

    it('hashes content, not its JSON: key order and whitespace change nothing, a visible change does', async () => {
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      expect(created.body.contentHash).toBe(sha256OfCanonicalJson(created.body.content));

      // The same content again, keys reversed and pretty-printed: no new revision, same hash and version.
      const { slug: _slug, ...sameFields } = seed();
      const reversed = Object.fromEntries(Object.entries(sameFields).reverse());
      const same = await t
        .http()
        .patch(`/articles/${id}`)
        .set(writer.auth)
        .set('If-Match', '"1"')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(reversed, null, 7));
      expect(same.status).toBe(200);
      expect(same.body).toMatchObject({
        version: 1,
        currentRevision: 1,
        contentHash: created.body.contentHash,
      });

      const sections = seed().sections;
      sections[4].body = sections[4].body.replace('muscles,', 'muscles;');
      const visible = await patch(writer, id, '"1"', { sections });
      expect(visible.body.currentRevision).toBe(2);
      expect(visible.body.contentHash).not.toBe(created.body.contentHash);
      expect(visible.body.contentHash).toBe(sha256OfCanonicalJson(visible.body.content));
    });

    it('stores Markdown with raw HTML and javascript: links as typed, and renders it inert', async () => {
      const body =
        'Safe **text**. <script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) ' +
        '[source](https://www.ncbi.nlm.nih.gov/books/NBK526037/)\n\n# A writer h1';
      const created = await create(writer, {
        title: 'Markup test',
        specialty: 'neurology',
        sections: [{ heading: 'Section', body }],
      });
      expect(created.body.content.sections[0].body).toBe(body);
      const revision = await t.http().get(`/articles/${created.body.id}/revisions/1`).set(writer.auth);
      const html: string = revision.body.rendered.sections[0];
      expect(html).toContain('<strong>text</strong>');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).not.toMatch(/<script|<img|href="javascript:/i);
      expect(html).toContain(
        '<a href="https://www.ncbi.nlm.nih.gov/books/NBK526037/" rel="noopener noreferrer">source</a>',
      );
      expect(html).toContain('<h3>A writer h1</h3>');
    });
  });

  describe('bad input', () => {
    it.each([
      ['slug', { slug: 'Bad Slug!' }, 'slug'],
      ['slug', { slug: 'x'.repeat(121) }, 'slug'],
      ['title', { title: 'T'.repeat(201) }, 'title'],
      ['title', { title: '   ' }, 'title'],
      ['specialty', { specialty: 'Neuro Logy' }, 'specialty'],
      ['sections', { sections: Array.from({ length: 51 }, () => ({ heading: 'h', body: 'b' })) }, 'sections'],
      ['body size', { sections: [{ heading: 'h', body: 'x'.repeat(100_001) }] }, 'sections[0].body'],
      [
        'reference URL',
        { references: [{ title: 'Baclofen', url: 'medlineplus dot gov', publisher: 'NLM' }] },
        'references[0].url',
      ],
      [
        'reference URL scheme',
        { references: [{ title: 'x', url: 'javascript:alert(1)' }] },
        'references[0].url',
      ],
      ['image without alt', { images: [{ url: 'https://img.example/a.jpg' }] }, 'images[0].alt'],
      ['FAQ without answer', { faq: [{ question: 'Is it safe?' }] }, 'faq[0].answer'],
      ['unknown field', { authorId: '00000000-0000-0000-0000-000000000000' }, 'authorId'],
      [
        'unknown nested field',
        { sections: [{ heading: 'h', body: 'b', html: '<b>x</b>' }] },
        'sections[0].html',
      ],
      ['related slug', { relatedSlugs: ['Not A Slug'] }, 'relatedSlugs'],
      [
        'image section',
        { images: [{ url: 'https://img.example/a.jpg', alt: 'a', sectionIndex: 9 }] },
        'images[0].sectionIndex',
      ],
    ])('refuses a bad %s with 400 naming %s, and writes nothing', async (_what, change, field) => {
      const before = await countRows('articles');
      const res = await create(writer, { ...seedWithOwnSlug(), ...change });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      // Fields are named `sections[0].body` or `sections.0.body`: either names the field.
      const named = res.body.details.map((detail: { field: string }) =>
        detail.field.replace(/\.(\d+)/g, '[$1]'),
      );
      expect(named).toContain(field);
      expect(await countRows('articles')).toBe(before);
    });

    it('refuses null for a field on PATCH (it would erase it) and a PATCH that empties a required field', async () => {
      const created = await create(writer, seedWithOwnSlug());
      for (const body of [{ title: null }, { sections: null }, { title: '' }, { specialty: '' }]) {
        const res = await patch(writer, created.body.id, '"1"', body);
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
      }
      expect(
        await t.dataSource.query('SELECT count(*)::int AS n FROM revisions WHERE article_id = $1', [
          created.body.id,
        ]),
      ).toEqual([{ n: 1 }]);
    });

    it('answers 404 for an unknown article and 400 for an id that is not a UUID', async () => {
      expect(
        (await t.http().get('/articles/7f1c1a60-0000-4000-8000-000000000000').set(writer.auth)).status,
      ).toBe(404);
      expect((await t.http().get('/articles/not-a-uuid').set(writer.auth)).status).toBe(400);
    });
  });

  describe('optimistic concurrency', () => {
    it('answers 428 without If-Match and 412 with a stale one, and writes nothing', async () => {
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      expect((await patch(writer, id, '1', { title: 'Second' })).status).toBe(200);

      const missing = await patch(writer, id, null, { title: 'Third' });
      expect(missing.status).toBe(428);
      expect(missing.body.message).toContain('If-Match');

      const stale = await patch(writer, id, '"1"', { title: 'Third' });
      expect(stale.status).toBe(412);
      expect(stale.body).toMatchObject({ statusCode: 412, error: 'Precondition Failed' });
      expect(stale.body.message).toContain('"2"');

      const read = await t.http().get(`/articles/${id}`).set(writer.auth);
      expect(read.body).toMatchObject({ version: 2, currentRevision: 2, content: { title: 'Second' } });
      expect((await t.http().get(`/articles/${id}/revisions`).set(writer.auth)).body).toHaveLength(2);

      // All three spellings of the current version are accepted.
      expect((await patch(writer, id, 'W/"2"', { title: 'Third' })).headers.etag).toBe('"3"');
      expect((await patch(writer, id, '3', { title: 'Fourth' })).headers.etag).toBe('"4"');
      expect((await patch(writer, id, '*', { title: 'Fifth' })).status).toBe(400);
    });

    it('builds an edit on the article as it is at the version sent, not as this process last wrote it', async () => {
      // This process remembers what its own writes leave (so an edit reads nothing first); here another process
      // (as bench/lib/revise.ts does) saves revision 2 behind its back.
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      const elsewhere = { ...created.body.content, title: 'Changed by another process' };
      const elsewhereHash = sha256OfCanonicalJson(elsewhere);
      await t.dataSource.query(
        `INSERT INTO revisions (article_id, number, content, rendered, content_hash, created_by_id, change_note)
         SELECT article_id, 2, $2::jsonb, rendered, $3, created_by_id, 'elsewhere' FROM revisions
          WHERE article_id = $1 AND number = 1`,
        [id, JSON.stringify(elsewhere), elsewhereHash],
      );
      await t.dataSource.query(
        'UPDATE articles SET version = 2, current_revision = 2, title = $2 WHERE id = $1',
        [id, elsewhere.title],
      );

      const stale = await patch(writer, id, '"1"', { description: 'Edited on version 1' });
      expect(stale.status).toBe(412);
      expect(stale.body.message).toContain('"2"');

      const edited = await patch(writer, id, '"2"', { description: 'Edited on version 2' });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({
        version: 3,
        currentRevision: 3,
        content: { title: 'Changed by another process', description: 'Edited on version 2' },
      });
      const [event] = await t.dataSource.query(
        `SELECT before, after FROM audit_events WHERE entity_id = $1 AND action = 'article.edited'`,
        [id],
      );
      expect(event.before).toMatchObject({ version: 2, revision: 2, contentHash: elsewhereHash });
      expect(event.after).toMatchObject({ version: 3, revision: 3, changedFields: ['description'] });

      // An edit after its own write on the version that write produced builds on it (and on nothing older).
      const again = await patch(writer, id, '"3"', { bottomLine: 'Edited on version 3' });
      expect(again.body).toMatchObject({
        version: 4,
        content: { title: 'Changed by another process', description: 'Edited on version 2' },
      });
    });

    it('lets exactly one of 20 concurrent PATCHes with the same ETag win; the others get 412', async () => {
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) => patch(writer, id, '"1"', { title: `Concurrent title ${i}` })),
      );
      const statuses = responses.map((res) => res.status).sort();
      expect(statuses).toEqual([200, ...Array(19).fill(412)]);

      const winner = responses.find((res) => res.status === 200)!;
      const read = await t.http().get(`/articles/${id}`).set(writer.auth);
      expect(read.body).toMatchObject({
        version: 2,
        currentRevision: 2,
        content: { title: winner.body.content.title },
      });
      const revisions = await t.http().get(`/articles/${id}/revisions`).set(writer.auth);
      expect(revisions.body.map((revision: { number: number }) => revision.number)).toEqual([1, 2]);
    });
  });

  describe('ownership and states', () => {
    it('lets writers edit only their own articles and editors edit any; other roles cannot edit', async () => {
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      const foreign = await patch(otherWriter, id, '"1"', { title: 'Hijacked' });
      expect(foreign.status).toBe(403);
      expect((await patch(reviewer, id, '"1"', { title: 'Reviewer edit' })).status).toBe(403);
      expect((await create(editor, seedWithOwnSlug())).status).toBe(403);

      const byEditor = await patch(editor, id, '"1"', { title: 'Edited by the desk' });
      expect(byEditor.status).toBe(200);
      expect(byEditor.body.authorId).toBe(writer.id);
      const latest = await t.http().get(`/articles/${id}/revisions/2`).set(writer.auth);
      expect(latest.body.createdById).toBe(editor.id);
    });

    it('submits only a complete draft, listing every missing piece field by field (422)', async () => {
      const incomplete = await create(writer, {
        title: 'Half-written',
        specialty: 'neurology',
        faq: [{ question: 'Is it safe?', answer: '' }],
        images: [{ url: 'https://img.example/a.jpg', alt: ' ' }],
      });
      const id = incomplete.body.id as string;
      const refused = await t.http().post(`/articles/${id}/submit`).set(writer.auth);
      expect(refused.status).toBe(422);
      expect(refused.body.details).toEqual([
        { field: 'sections', reason: 'needs at least one section' },
        { field: 'faq[0].answer', reason: expect.any(String) },
        { field: 'images[0].alt', reason: expect.any(String) },
        { field: 'references', reason: 'needs at least one reference' },
      ]);
      expect((await t.http().get(`/articles/${id}`).set(writer.auth)).body.status).toBe('draft');

      const { slug: _slug, title: _title, ...rest } = seed();
      const completed = await patch(writer, id, '"1"', rest);
      expect(completed.status).toBe(200);
      const submitted = await t.http().post(`/articles/${id}/submit`).set(writer.auth);
      expect(submitted.status).toBe(200);
      expect(submitted.body).toMatchObject({ status: 'in_review', version: 3 });
      expect(submitted.headers.etag).toBe('"3"');
    });

    it('refuses edits while in review (409: withdraw first); the author withdraws, edits and resubmits', async () => {
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      expect((await t.http().post(`/articles/${id}/submit`).set(otherWriter.auth)).status).toBe(403);
      const submitted = await t.http().post(`/articles/${id}/submit`).set(writer.auth);
      expect(submitted.body.status).toBe('in_review');

      for (const user of [writer, editor]) {
        const refused = await patch(user, id, '"2"', { title: 'Sneaky edit' });
        expect(refused.status).toBe(409);
        expect(refused.body.message).toMatch(/in_review.*[Ww]ithdraw/);
      }
      expect((await t.http().post(`/articles/${id}/submit`).set(writer.auth)).status).toBe(409);
      expect((await t.http().post(`/articles/${id}/withdraw`).set(otherWriter.auth)).status).toBe(403);

      const withdrawn = await t.http().post(`/articles/${id}/withdraw`).set(writer.auth);
      expect(withdrawn.status).toBe(200);
      expect(withdrawn.body).toMatchObject({ status: 'draft', version: 3 });
      expect((await t.http().post(`/articles/${id}/withdraw`).set(writer.auth)).status).toBe(409);

      expect((await patch(writer, id, '"3"', { title: 'Fixed title' })).status).toBe(200);
      expect(
        (await t.http().post(`/articles/${id}/submit`).set(editor.auth).set('If-Match', '"3"')).status,
      ).toBe(412);
      const resubmitted = await t
        .http()
        .post(`/articles/${id}/submit`)
        .set(editor.auth)
        .set('If-Match', '"4"');
      expect(resubmitted.body).toMatchObject({ status: 'in_review', currentRevision: 2 });
      // An editor may withdraw too.
      expect((await t.http().post(`/articles/${id}/withdraw`).set(editor.auth)).body.status).toBe('draft');
    });

    it('returns a published article to draft on edit, marks its sign-off stale and keeps the live revision', async () => {
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      // What the sign-off and publishing modules do to an article, through the repository they use.
      const repository = t.app.get(ArticlesRepository);
      await t.dataSource.transaction(async (tx) => {
        const article = await repository.lockById(tx, id);
        await repository.writeWorkflow(tx, article, {
          status: 'published',
          publishedRevision: 1,
          firstPublishedAt: t.clock.now(),
          lastReviewedAt: t.clock.now(),
          latestSignOff: {
            id: '6c1f0c8e-8c51-4f7e-9d6a-3f1e2b4c5d6e',
            revision: 1,
            contentHash: created.body.contentHash,
            reviewerId: reviewer.id,
            signedAt: t.clock.now().toISOString(),
            byline: 'Medically reviewed by Alan Lucks, MD on January 10th, 2026',
          },
        });
      });
      const live = await t.http().get(`/articles/${id}`).set(writer.auth);
      expect(live.body).toMatchObject({
        status: 'published',
        version: 2,
        signOff: { status: 'current', revision: 1 },
      });

      expect((await patch(writer, id, '"1"', { title: 'Stale' })).status).toBe(412);
      const slugChange = await patch(writer, id, '"2"', { slug: 'a-new-url' });
      expect(slugChange.status).toBe(409);
      expect(slugChange.body.details).toEqual([expect.objectContaining({ field: 'slug' })]);

      const edited = await patch(writer, id, '"2"', { title: 'Is Baclofen a Benzodiazepine? Updated' });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({
        status: 'draft',
        currentRevision: 2,
        publishedRevision: 1,
        lastReviewedAt: live.body.lastReviewedAt,
        signOff: { status: 'stale', revision: 1 },
      });
    });

    it('lets the slug change while never published, and refuses a slug another article has (409)', async () => {
      const created = await create(writer, seedWithOwnSlug());
      const renamed = await patch(writer, created.body.id, '"1"', { slug: `renamed-${slugCounter}` });
      expect(renamed.body).toMatchObject({
        slug: `renamed-${slugCounter}`,
        content: { slug: `renamed-${slugCounter}` },
      });
      const taken = await patch(writer, created.body.id, '"2"', { slug: 'is-baclofen-a-benzodiazepine' });
      expect(taken.status).toBe(409);
    });
  });

  describe('diff', () => {
    it('names exactly the key takeaway and the section paragraph that changed, with the changed words', async () => {
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      const content = seed();
      const keyTakeaways = [...content.keyTakeaways];
      keyTakeaways[2] = keyTakeaways[2].replace('helps avoid confusion', 'prevents confusion');
      const sections = content.sections;
      sections[5].body = sections[5].body.replace('careful medical supervision', 'close medical supervision');
      expect((await patch(writer, id, '"1"', { keyTakeaways, sections })).status).toBe(200);

      const diff = await t.http().get(`/articles/${id}/diff?from=1&to=2`).set(reviewer.auth);
      expect(diff.status).toBe(200);
      expect(diff.body).toMatchObject({ from: 1, to: 2, fromHash: created.body.contentHash });
      expect(
        diff.body.changes.map((change: { path: string; kind: string }) => [change.path, change.kind]),
      ).toEqual([
        ['keyTakeaways[2]', 'changed'],
        ['sections[5].body', 'changed'],
      ]);
      const marked = (index: number) =>
        diff.body.changes[index].words.filter((word: { op: string }) => word.op !== 'equal');
      expect(marked(0)).toEqual([
        { op: 'removed', text: 'helps avoid' },
        { op: 'added', text: 'prevents' },
      ]);
      expect(marked(1)).toEqual([
        { op: 'removed', text: 'careful' },
        { op: 'added', text: 'close' },
      ]);

      const back = await t.http().get(`/articles/${id}/diff?from=2&to=1`).set(reviewer.auth);
      expect(back.body.changes[1]).toMatchObject({ path: 'sections[5].body', before: sections[5].body });
      expect(
        (await t.http().get(`/articles/${id}/diff?from=1&to=1`).set(reviewer.auth)).body.changes,
      ).toEqual([]);
      expect((await t.http().get(`/articles/${id}/diff?from=1&to=9`).set(reviewer.auth)).status).toBe(404);
      expect((await t.http().get(`/articles/${id}/diff?from=one&to=2`).set(reviewer.auth)).status).toBe(400);
    });
  });

  describe('audit', () => {
    it('records every create, edit, submit and withdraw with actor, before and after', async () => {
      const created = await create(writer, seedWithOwnSlug());
      const id = created.body.id as string;
      await patch(writer, id, '"1"', { description: 'New description', changeNote: 'meta' });
      await t.http().post(`/articles/${id}/submit`).set(writer.auth);
      await t.http().post(`/articles/${id}/withdraw`).set(editor.auth);
      await patch(writer, id, '"4"', { description: 'Second description' }).expect(200);

      const events = await t.http().get(`/audit?articleId=${id}`).set(bearer(t.adminToken));
      expect(events.status).toBe(200);
      const oldestFirst = [...events.body].reverse();
      expect(
        oldestFirst.map((event: { action: string; actorId: string }) => [event.action, event.actorId]),
      ).toEqual([
        ['article.created', writer.id],
        ['article.edited', writer.id],
        ['article.submitted', writer.id],
        ['article.withdrawn', editor.id],
        ['article.edited', writer.id],
      ]);
      expect(oldestFirst[1]).toMatchObject({
        entityType: 'article',
        entityId: id,
        before: { revision: 1, status: 'draft' },
        after: { revision: 2, status: 'draft', changedFields: ['description'], changeNote: 'meta' },
      });
      expect(oldestFirst[2]).toMatchObject({ before: { status: 'draft' }, after: { status: 'in_review' } });
      expect((await t.http().get('/audit/verify').set(bearer(t.adminToken))).body.valid).toBe(true);
    });
  });

  it('documents the articles API in OpenAPI, including the diff shape', async () => {
    const doc = (await t.http().get('/docs-json')).body;
    for (const path of [
      '/articles',
      '/articles/{id}',
      '/articles/{id}/revisions',
      '/articles/{id}/revisions/{number}',
      '/articles/{id}/diff',
      '/articles/{id}/submit',
      '/articles/{id}/withdraw',
      '/articles/{id}/comments',
      '/articles/{id}/comments/{commentId}/resolve',
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
    expect(doc.components.schemas.FieldChangeView.properties).toHaveProperty('words');
    expect(doc.paths['/articles/{id}'].patch.summary).toContain('roles:');
  });
});
