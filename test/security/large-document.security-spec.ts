import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import type { ArticleContent } from '../../src/articles/article-content.js';
import { largeRevisionPair } from '../../src/articles/large-document.js';
import { createTestApp, createUser, type TestApp, type TestUser } from '../utils/test-app.js';

const seed = (): ArticleContent =>
  JSON.parse(readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'));

/** A page's text may be 500,000 characters; as JSON (escapes, field names, words) well under this. */
const PAGE_BYTES_MAX = 2_000_000;

/**
 * A large document against the diff (#15 §7): any signed-in user can ask for the diff of two 800 KB revisions
 * rewritten throughout, as often as they like, with any page. The work is bounded, the output paginated, bad
 * pages refused with a 4xx naming the field, and the process keeps answering others meanwhile.
 */
describe('hostile and fuzzed diffs of a large document', () => {
  let t: TestApp;
  let writer: TestUser;
  let reviewer: TestUser;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    [writer, reviewer] = await Promise.all([createUser(t, ['writer']), createUser(t, ['reviewer'])]);
    for (const index of [0, 1, 2]) {
      const pair = largeRevisionPair({ ...seed(), slug: `hostile-large-${index}` }, { seed: 100 + index });
      const created = await t.http().post('/articles').set(writer.auth).send(pair.before);
      expect(created.status).toBe(201);
      const saved = await t
        .http()
        .patch(`/articles/${created.body.id}`)
        .set(writer.auth)
        .set('If-Match', '"1"')
        .send({ sections: pair.after.sections });
      expect(saved.status).toBe(200);
      ids.push(created.body.id);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps answering /health while diffs of three large documents, none cached, run at once', async () => {
    const finished: string[] = [];
    const diffs = ids.map(async (id, index) => {
      const response = await t.http().get(`/articles/${id}/diff?from=1&to=2`).set(reviewer.auth);
      expect(response.status).toBe(200);
      expect(response.body.total).toBe(40);
      finished.push(`diff ${index}`);
    });
    // Asked once the diffs are under way: answered before all three are done, since none holds the loop.
    await new Promise((resolve) => setImmediate(resolve));
    const health = t
      .http()
      .get('/health')
      .then((response) => {
        expect([200, 503]).toContain(response.status);
        finished.push('health');
      });
    await Promise.all([...diffs, health]);
    expect(finished.indexOf('health')).toBeLessThan(3);
  });

  it('answers any page asked for with a bounded page or a 4xx naming offset or limit', async () => {
    const pageValue = fc.oneof(
      fc.integer({ min: -5, max: 600 }).map(String),
      fc.constantFrom('', 'x', '1e3', '2.5', '99999999999', '0x10', ' 3', '%00', '[]'),
    );
    const cases = fc.sample(fc.record({ offset: pageValue, limit: pageValue, article: fc.nat(2) }), {
      numRuns: 60,
      seed: 20_261_130,
    });
    for (const { offset, limit, article } of cases) {
      const response = await t
        .http()
        .get(`/articles/${ids[article]}/diff?from=1&to=2&offset=${offset}&limit=${limit}`)
        .set(reviewer.auth);
      const label = `offset=${JSON.stringify(offset)} limit=${JSON.stringify(limit)}`;
      expect([200, 400]).toContain(response.status);
      if (response.status === 400) {
        expect(`${label} ${JSON.stringify(response.body.details)}`).toMatch(/offset|limit/);
        continue;
      }
      expect(Buffer.byteLength(response.text)).toBeLessThan(PAGE_BYTES_MAX);
      const { changes, total, nextOffset } = response.body;
      const asked = offset === '' ? 0 : Number(offset);
      expect(response.body.offset).toBe(asked);
      expect(changes.length).toBeLessThanOrEqual(limit === '' ? 100 : Number(limit));
      expect(total).toBe(40);
      if (nextOffset !== null) expect(nextOffset).toBe(asked + changes.length);
      else expect(asked + changes.length).toBeGreaterThanOrEqual(Math.min(asked, total));
    }
  });
});
