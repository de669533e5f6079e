import { readFileSync } from 'node:fs';
import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import { createReviewer } from './utils/workflow.js';

/** GET /articles/:id shows the review an imported article came with (issue #16), kept apart from signOff. */
const NOW = new Date('2026-11-30T15:00:00Z');
const ATTESTATION = 'attested at import, not e-signed in this service';
const BYLINE =
  'Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/import/${name}`, import.meta.url), 'utf8');

describe('attested reviews on GET /articles/:id', () => {
  let t: TestApp;
  let editor: TestUser;
  let writer: TestUser;

  const importSeed = async (content: string) => {
    const res = await t
      .http()
      .post('/imports')
      .set(editor.auth)
      .send({ files: [{ name: 'seed-article.txt', content }] });
    expect(res.status).toBe(200);
    return res.body.items[0] as { articleId: string; revision: number; action: string };
  };

  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
    editor = await createUser(t, ['editor']);
    writer = await createUser(t, ['writer']);
    await createReviewer(t);
  });
  afterAll(() => t?.close());

  it('lists the attested review of an imported article beside a null signOff, and the same as the import API', async () => {
    const item = await importSeed(fixture('seed-article.txt'));
    const read = await t.http().get(`/articles/${item.articleId}`).set(writer.auth);
    expect(read.status).toBe(200);
    expect(read.body.signOff).toBeNull();
    expect(read.body.attestedReviews).toEqual([
      {
        id: expect.any(String),
        kind: 'attested',
        eSigned: false,
        meaning: ATTESTATION,
        revision: 1,
        contentHash: read.body.contentHash,
        reviewerName: 'Alan Lucks',
        credentials: 'MD',
        affiliation: 'Alan Lucks MDPC Private Practice - New York',
        reviewedOn: '2026-01-10',
        byline: BYLINE,
      },
    ]);
    const [full] = (await t.http().get(`/articles/${item.articleId}/attested-reviews`).set(writer.auth)).body;
    expect(read.body.attestedReviews[0].id).toBe(full.id);

    // A changed source re-imported is a new revision with its own attested review: the next read shows both,
    // newest first, though the article was read (and kept in memory) before.
    const changed = fixture('seed-article.txt').replace(
      'They are generally prescribed for short-term use',
      'They are usually prescribed for short-term use',
    );
    expect(await importSeed(changed)).toMatchObject({ action: 'updated', revision: 2 });
    const again = await t.http().get(`/articles/${item.articleId}`).set(writer.auth);
    expect(again.body.currentRevision).toBe(2);
    expect(again.body.attestedReviews.map((review: { revision: number }) => review.revision)).toEqual([2, 1]);
    expect(again.body.attestedReviews[0].contentHash).toBe(again.body.contentHash);
  });

  it('has none for an article written here', async () => {
    const seed = JSON.parse(readFileSync(new URL('./fixtures/seed-article.json', import.meta.url), 'utf8'));
    const created = await t
      .http()
      .post('/articles')
      .set(writer.auth)
      .send({ ...seed, slug: 'written-here' });
    expect(created.status).toBe(201);
    const read = await t.http().get(`/articles/${created.body.id}`).set(writer.auth);
    expect(read.body.attestedReviews).toEqual([]);
  });
});
