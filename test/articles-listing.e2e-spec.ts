import { readFileSync } from 'node:fs';
import type { ArticleContent } from '../src/articles/article-content.js';
import { searchParts, searchText } from '../src/articles/article-content.rules.js';
import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';

type Content = object;

const seed = (): ArticleContent =>
  JSON.parse(readFileSync(new URL('./fixtures/seed-article.json', import.meta.url), 'utf8'));

const MINUTE = 60_000;

describe('the editorial desk listing', () => {
  let t: TestApp;
  let editor: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    editor = await createUser(t, ['editor']);
  });
  afterAll(async () => {
    await t.close();
  });

  const create = async (user: TestUser, body: Content) => {
    const res = await t.http().post('/articles').set(user.auth).send(body);
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; version: number; slug: string };
  };
  const list = (query: string) => t.http().get(`/articles?${query}`).set(editor.auth);
  const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((item) => item.id);

  it('lists the last changed first and pages through with a cursor, without gaps or repeats', async () => {
    const writer = await createUser(t, ['writer']);
    const created: string[] = [];
    for (const title of ['First', 'Second', 'Third', 'Fourth', 'Fifth']) {
      t.clock.advance(MINUTE);
      created.push((await create(writer, { title: `${title} article`, specialty: 'dermatology' })).id);
    }
    t.clock.advance(MINUTE);
    const edited = await t
      .http()
      .patch(`/articles/${created[1]}`)
      .set(writer.auth)
      .set('If-Match', '"1"')
      .send({ description: 'Touched last' });
    expect(edited.status).toBe(200);
    const expectedOrder = [created[1], created[4], created[3], created[2], created[0]];

    const all = await list(`author=${writer.id}`);
    expect(ids(all)).toEqual(expectedOrder);
    expect(all.body.nextCursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`author=${writer.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(expectedOrder);
  });

  it('returns summaries: the article view with its title, without content', async () => {
    const writer = await createUser(t, ['writer']);
    const article = await create(writer, { ...seed(), slug: 'summary-shape' });
    const res = await list(`author=${writer.id}`);
    expect(res.body.items).toEqual([
      {
        id: article.id,
        slug: 'summary-shape',
        title: 'Is Baclofen a Benzodiazepine?',
        status: 'draft',
        version: 1,
        authorId: writer.id,
        specialty: 'neurology',
        currentRevision: 1,
        contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        signOff: null,
        publishedRevision: null,
        lastReviewedAt: null,
        nextReviewDueAt: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    ]);
  });

  it('filters by status, specialty and author', async () => {
    const writer = await createUser(t, ['writer']);
    const other = await createUser(t, ['writer']);
    const neuro = await create(writer, { ...seed(), slug: 'filter-neuro' });
    const cardio = await create(writer, { title: 'Statins and you', specialty: 'cardiology' });
    const othersCardio = await create(other, { title: 'Statins again', specialty: 'cardiology' });
    expect((await t.http().post(`/articles/${neuro.id}/submit`).set(writer.auth)).status).toBe(200);

    expect(ids(await list(`author=${writer.id}&status=in_review`))).toEqual([neuro.id]);
    expect(ids(await list(`author=${writer.id}&status=draft`))).toEqual([cardio.id]);
    expect(new Set(ids(await list('specialty=cardiology')))).toEqual(new Set([cardio.id, othersCardio.id]));
    expect(ids(await list(`specialty=cardiology&author=${other.id}`))).toEqual([othersCardio.id]);
  });

  it('finds the seed article by a word of its body with full-text search, and by stemmed forms', async () => {
    const writer = await createUser(t, ['writer']);
    const article = await create(writer, { ...seed(), slug: 'search-target' });
    await create(writer, { title: 'Statins and cholesterol', specialty: 'cardiology' });

    expect(ids(await list(`author=${writer.id}&q=intrathecal`))).toEqual([article.id]);
    expect(ids(await list(`author=${writer.id}&q=${encodeURIComponent('spasm relaxants')}`))).toEqual([
      article.id,
    ]);
    expect(ids(await list(`author=${writer.id}&q=${encodeURIComponent('"spinal cord injuries"')}`))).toEqual([
      article.id,
    ]);
    expect(ids(await list(`author=${writer.id}&q=cholesterol`))).not.toContain(article.id);
    expect(ids(await list(`author=${writer.id}&q=${encodeURIComponent('baclofen -cerebral')}`))).toEqual([]);
    expect(ids(await list(`author=${writer.id}&q=xylophone`))).toEqual([]);
  });

  it('searches the current revision only', async () => {
    const writer = await createUser(t, ['writer']);
    const article = await create(writer, { ...seed(), slug: 'search-current' });
    const sections = seed().sections;
    sections[1].body = sections[1].body.replace('intrathecal pump', 'implanted pump');
    const edited = await t
      .http()
      .patch(`/articles/${article.id}`)
      .set(writer.auth)
      .set('If-Match', '"1"')
      .send({ sections, title: 'Baclofen versus benzodiazepines' });
    expect(edited.status).toBe(200);
    expect(ids(await list(`author=${writer.id}&q=intrathecal`))).toEqual([]);
    expect(ids(await list(`author=${writer.id}&q=implanted`))).toEqual([article.id]);
    expect(ids(await list(`author=${writer.id}&q=versus`))).toEqual([article.id]);
  });

  it('builds an edited search document from the pieces it parsed before as a fresh parse of every piece would', async () => {
    const writer = await createUser(t, ['writer']);
    const article = await create(writer, { ...seed(), slug: 'search-pieces' });
    const content = seed();
    content.sections[2].body += '\n\nA note on zolpidem.';
    let res = await t
      .http()
      .patch(`/articles/${article.id}`)
      .set(writer.auth)
      .set('If-Match', '"1"')
      .send({ sections: content.sections });
    expect(res.status).toBe(200);
    content.keyTakeaways[0] = 'Baclofen is not a benzodiazepine (see the FAQ).';
    content.sections.splice(1, 1);
    res = await t
      .http()
      .patch(`/articles/${article.id}`)
      .set(writer.auth)
      .set('If-Match', '"2"')
      .send({ keyTakeaways: content.keyTakeaways, sections: content.sections });
    expect(res.status).toBe(200);
    const [row] = await t.dataSource.query<{ pieces: boolean; whole: boolean }[]>(
      `SELECT search_document = (SELECT tsvector_concat_agg(to_tsvector('english', text) ORDER BY n)
                                   FROM unnest($2::text[]) WITH ORDINALITY AS part(text, n)) AS pieces,
              search_document = to_tsvector('english', $3) AS whole
         FROM articles WHERE id = $1`,
      [article.id, searchParts(content), searchText(content)],
    );
    // The seed's pieces end on an indexed word: the same positions as the whole text's, phrases included.
    expect(row).toEqual({ pieces: true, whole: true });
    expect(ids(await list(`author=${writer.id}&q=zolpidem`))).toEqual([article.id]);
    expect(ids(await list(`author=${writer.id}&q=intrathecal`))).toEqual([]);
    expect(ids(await list(`author=${writer.id}&q=${encodeURIComponent('"muscle spasticity"')}`))).toEqual([
      article.id,
    ]);
  });

  it('refuses a limit over the maximum, a bad status and a forged cursor with 400 naming the parameter', async () => {
    for (const [query, field] of [
      ['limit=101', 'limit'],
      ['limit=0', 'limit'],
      ['status=deleted', 'status'],
      ['author=someone', 'author'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ]) {
      const res = await list(query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body.details.map((detail: { field: string }) => detail.field)).toContain(field);
    }
  });

  it('lets any signed-in role read the listing, and nobody without a token', async () => {
    const publisher = await createUser(t, ['publisher']);
    expect((await t.http().get('/articles').set(publisher.auth)).status).toBe(200);
    expect((await t.http().get('/articles')).status).toBe(401);
  });
});
