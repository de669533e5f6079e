import { readFileSync } from 'node:fs';
import type { ArticleContent } from '../src/articles/article-content.js';
import { largeRevisionPair } from '../src/articles/large-document.js';
import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';

const seed = (): ArticleContent =>
  JSON.parse(readFileSync(new URL('./fixtures/seed-article.json', import.meta.url), 'utf8'));

interface Change {
  path: string;
  kind: string;
  before?: string;
  after?: string;
  words?: { op: string; text: string }[];
  granularity?: string;
}

/** The large-document diff (#15 §7): bounded work, paginated output, cached by the pair of content hashes. */
describe('GET /articles/:id/diff on a large document', () => {
  let t: TestApp;
  let writer: TestUser;
  let reviewer: TestUser;
  let id: string;
  let pair: ReturnType<typeof largeRevisionPair>;

  beforeAll(async () => {
    t = await createTestApp();
    [writer, reviewer] = await Promise.all([createUser(t, ['writer']), createUser(t, ['reviewer'])]);
    pair = largeRevisionPair({ ...seed(), slug: 'large-diff' });
    const created = await t.http().post('/articles').set(writer.auth).send(pair.before);
    expect(created.status).toBe(201);
    id = created.body.id;
    const saved = await t
      .http()
      .patch(`/articles/${id}`)
      .set(writer.auth)
      .set('If-Match', '"1"')
      .send({ sections: pair.after.sections });
    expect(saved.status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  const diff = (query: string) => t.http().get(`/articles/${id}/diff?from=1&to=2${query}`).set(reviewer.auth);

  it('answers 800 KB rewritten throughout in pages, each under the size cap, every change faithful', async () => {
    const all: Change[] = [];
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null) {
      const page = await diff(`&offset=${offset}&limit=15`);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ from: 1, to: 2, total: 40, offset });
      expect(page.body.changes.length).toBeGreaterThan(0);
      expect(page.body.changes.length).toBeLessThanOrEqual(15);
      expect(Buffer.byteLength(page.text)).toBeLessThan(2_500_000);
      all.push(...page.body.changes);
      offset = page.body.nextOffset;
      pages++;
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(all.map((change) => change.path)).toEqual(
      pair.after.sections.map((_, i) => `sections[${i}].body`),
    );
    for (const [index, change] of all.entries()) {
      expect(change).toMatchObject({
        kind: 'changed',
        before: pair.before.sections[index].body,
        after: pair.after.sections[index].body,
      });
      if (!change.words) continue;
      expect(['word', 'paragraph']).toContain(change.granularity);
      const text = (ops: string[]) =>
        change
          .words!.filter((word) => ops.includes(word.op))
          .map((word) => word.text)
          .join('');
      expect(text(['equal', 'removed'])).toBe(change.before);
      expect(text(['equal', 'added'])).toBe(change.after);
    }
    // Within the budget some text is marked word by word (how much depends on the machine's speed).
    expect(all.some((change) => change.words?.some((word) => word.op === 'equal'))).toBe(true);
  });

  it('caches by the pair of content hashes: the same pages again, the same answer', async () => {
    const first = await diff('&limit=5');
    const again = await diff('&limit=5');
    expect(again.body).toEqual(first.body);
    expect(first.body.nextOffset).toBe(5);
  });

  it('names the field and the reason for a bad page', async () => {
    for (const query of ['&limit=0', '&limit=501', '&offset=-1', '&limit=two']) {
      const response = await diff(query);
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toMatch(/limit|offset/);
    }
    const past = await diff('&offset=40');
    expect(past.status).toBe(200);
    expect(past.body).toMatchObject({ changes: [], total: 40, offset: 40, nextOffset: null });
  });
});
