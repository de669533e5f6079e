import { readFileSync } from 'node:fs';
import { bearer, createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import { createReviewer } from './utils/workflow.js';

/**
 * The import writes the new sources of a chunk together, in one transaction. These tests hold it to what one
 * source at a time guaranteed: a source the database refuses is refused by name and leaves nothing behind while
 * the rest of its chunk is created, and running the same chunk again duplicates nothing.
 */
const NOW = new Date('2026-11-30T15:00:00Z');
const POISON_URL = 'https://old-cms.example.com/api/articles/poisoned';

interface Item {
  source: string;
  action: string;
  reason: string | null;
  articleId: string | null;
  slug: string | null;
  revision: number | null;
  attestedReview: { id: string | null; reviewedOn: string; nextReviewDueAt: string | null } | null;
  problems: { code: string }[];
}
interface Report {
  totals: Record<string, number>;
  items: Item[];
}

const base = JSON.parse(
  readFileSync(new URL('./fixtures/import/api-hypertension.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { sections: { heading: string; body: string }[] };

/** The i-th source of the chunk: its own title, slug and URL; the poisoned one is reviewed by an unknown person. */
function source(i: number, poisoned = false, body = 'The top number is **systolic** pressure.') {
  const slug = `batch-guide-${i}`;
  return {
    name: `${slug}.json`,
    content: JSON.stringify({
      ...base,
      title: `Blood pressure guide ${i}`,
      slug,
      sections: [{ heading: 'What the numbers mean', body }],
      sourceUrl: poisoned ? POISON_URL : `https://old-cms.example.com/api/articles/batch-${i}`,
      ...(poisoned
        ? { review: { reviewer: { displayName: 'Zed Nobody', credentials: 'MD' }, reviewedOn: '2025-12-01' } }
        : {}),
    }),
  };
}

describe('the import writes a chunk of new sources together (POST /imports)', () => {
  let t: TestApp;
  let editor: TestUser;

  const importFiles = async (files: { name: string; content: string }[]): Promise<Report> => {
    const res = await t.http().post('/imports').set(editor.auth).send({ files });
    if (res.status !== 200) throw new Error(`import failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Report;
  };
  const count = async (sql: string, parameters: unknown[] = []) =>
    Number((await t.dataSource.query<{ n: string }[]>(sql, parameters))[0].n);

  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
    editor = await createUser(t, ['editor']);
    await createReviewer(t);
    // A database rule the poisoned source breaks late in its chunk's transaction: after its article, revision,
    // audit events and imported source were written, when its attested review is inserted.
    await t.dataSource.query(`
      CREATE FUNCTION refuse_poisoned_review() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'attested review of % refused by the test''s rule', NEW.source_url;
      END $$`);
    await t.dataSource.query(`
      CREATE TRIGGER refuse_poisoned_review BEFORE INSERT ON attested_reviews FOR EACH ROW
      WHEN (NEW.source_url = '${POISON_URL}') EXECUTE FUNCTION refuse_poisoned_review()`);
  });
  afterAll(() => t?.close());

  const chunk = () => [source(1), source(2), source(3, true), source(4), source(5), source(1)];

  it('refuses the source the database refuses by name, writes nothing of it, and creates the rest', async () => {
    const auditBefore = await count('SELECT coalesce(max(id), 0) AS n FROM audit_events');
    const report = await importFiles(chunk());

    expect(report.items.map((item) => [item.source, item.action])).toEqual([
      ['batch-guide-1.json', 'created'],
      ['batch-guide-2.json', 'created'],
      ['batch-guide-3.json', 'refused'],
      ['batch-guide-4.json', 'created'],
      ['batch-guide-5.json', 'created'],
      // The same source twice in one chunk: the second copy finds the article the first became.
      ['batch-guide-1.json', 'skipped'],
    ]);
    const refused = report.items[2];
    expect(refused).toMatchObject({ articleId: null, slug: null, revision: null, attestedReview: null });
    expect(refused.reason).toContain('The database refused it, so nothing of it was written');
    expect(refused.reason).toContain(`attested review of ${POISON_URL} refused by the test's rule`);

    // Nothing of the refused source: no article, revision, source, attested review, comment or audit event.
    expect(await count(`SELECT count(*) AS n FROM articles WHERE slug = 'batch-guide-3'`)).toBe(0);
    expect(
      await count(`SELECT count(*) AS n FROM imported_sources WHERE source_url = $1`, [POISON_URL]),
    ).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM comments WHERE body LIKE '%batch-guide-3.json%'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM audit_events WHERE after->>'slug' = 'batch-guide-3'`)).toBe(
      0,
    );

    // The others, each whole: one article, revision 1, its source, attested review, schedule and due date.
    const created = report.items.filter((item) => item.action === 'created');
    const ids = created.map((item) => item.articleId!);
    expect(await count('SELECT count(*) AS n FROM articles')).toBe(4);
    expect(await count('SELECT count(*) AS n FROM revisions WHERE article_id = ANY($1)', [ids])).toBe(4);
    expect(await count('SELECT count(*) AS n FROM imported_sources WHERE article_id = ANY($1)', [ids])).toBe(
      4,
    );
    expect(await count('SELECT count(*) AS n FROM attested_reviews WHERE article_id = ANY($1)', [ids])).toBe(
      4,
    );
    expect(await count('SELECT count(*) AS n FROM review_schedules WHERE article_id = ANY($1)', [ids])).toBe(
      4,
    );
    for (const item of created) {
      expect(item.attestedReview).toMatchObject({ reviewedOn: '2025-12-01' });
      const article = (await t.http().get(`/articles/${item.articleId}`).set(editor.auth)).body as {
        status: string;
        currentRevision: number;
        nextReviewDueAt: string | null;
        lastReviewedAt: string | null;
      };
      expect(article).toMatchObject({ status: 'draft', currentRevision: 1 });
      expect(article.nextReviewDueAt).toBe(item.attestedReview!.nextReviewDueAt);
      expect(article.lastReviewedAt).not.toBeNull();
    }
    // Each created article's audit trail: created, then attested (every event of the chunk, in one chain).
    const events = await t.dataSource.query<{ action: string; article_id: string }[]>(
      'SELECT action, article_id FROM audit_events WHERE id > $1 ORDER BY id',
      [auditBefore],
    );
    for (const id of ids) {
      expect(events.filter((event) => event.article_id === id).map((event) => event.action)).toEqual(
        expect.arrayContaining(['article.created', 'review.attested']),
      );
    }
    const verify = await t.http().get('/audit/verify').set(bearer(t.adminToken));
    expect(verify.body).toMatchObject({ valid: true });
  });

  it('is idempotent on a re-run of the chunk: skips what it has, creates what was refused, duplicates nothing', async () => {
    await t.dataSource.query('DROP TRIGGER refuse_poisoned_review ON attested_reviews');
    const again = await importFiles(chunk());
    expect(again.items.map((item) => item.action)).toEqual([
      'skipped',
      'skipped',
      'created',
      'skipped',
      'skipped',
      'skipped',
    ]);
    // The once-refused source is written whole, with its problem (the unknown reviewer) as a comment.
    const poisoned = again.items[2];
    expect(poisoned.problems.map((problem) => problem.code)).toEqual(['unknown_reviewer']);
    expect(
      await count('SELECT count(*) AS n FROM comments WHERE article_id = $1', [poisoned.articleId]),
    ).toBe(1);
    expect(await count('SELECT count(*) AS n FROM articles')).toBe(5);

    // A changed source in the chunk is a new revision of its article, never a second article.
    const changed = chunk();
    changed[1] = source(2, false, 'The top number is **systolic** pressure; the bottom one, diastolic.');
    const third = await importFiles(changed);
    expect(third.items.map((item) => item.action)).toEqual([
      'skipped',
      'updated',
      'skipped',
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(third.items[1]).toMatchObject({ articleId: again.items[1].articleId, revision: 2 });
    expect(await count('SELECT count(*) AS n FROM articles')).toBe(5);
    expect(await count(`SELECT count(*) AS n FROM articles WHERE slug LIKE 'batch-guide-%'`)).toBe(5);
    expect(await count('SELECT count(*) AS n FROM imported_sources')).toBe(5);
  });
});
