import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import { approve, createReviewer } from './utils/workflow.js';

const NOW = new Date('2026-11-30T15:00:00Z');
const NY = 'America/New_York';
const ATTESTATION = 'attested at import, not e-signed in this service';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/import/${name}`, import.meta.url), 'utf8');
const nyDate = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toISODate();

interface Problem {
  code: string;
  field?: string;
  message: string;
}
interface Item {
  source: string;
  kind: string | null;
  action: string;
  reason: string | null;
  articleId: string | null;
  slug: string | null;
  revision: number | null;
  status: string | null;
  originalAuthor: string | null;
  sourceUrl: string | null;
  attestedReview: {
    id: string | null;
    reviewer: string;
    matchedReviewerId: string | null;
    reviewedOn: string;
    nextReviewDueAt: string | null;
    meaning: string;
  } | null;
  published: boolean;
  problems: Problem[];
}
interface Report {
  dryRun: boolean;
  totals: Record<string, number>;
  items: Item[];
}

describe('importing articles with their review history (POST /imports)', () => {
  let t: TestApp;
  let editor: TestUser;
  let writer: TestUser;
  let alan: TestUser;

  async function importFiles(
    files: { name: string; content: string }[],
    options: { dryRun?: boolean; publish?: boolean } = {},
    user: TestUser = editor,
  ): Promise<Report> {
    const res = await t
      .http()
      .post('/imports')
      .set(user.auth)
      .send({ files, ...options });
    if (res.status !== 200) throw new Error(`import failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Report;
  }
  const get = async (path: string) => {
    const res = await t.http().get(path).set(editor.auth);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const countArticles = async () =>
    Number((await t.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM articles'))[0].n);

  beforeAll(async () => {
    // The review sweep runs once at start and then hourly, not every 5 minutes: a sweep in the middle of the file
    // (a slow machine) would open the overdue imports' re-reviews on its own, racing the steps that assign them.
    t = await createTestApp({ now: NOW, env: { SWEEP_EVERY: 'PT1H' } });
    editor = await createUser(t, ['editor']);
    writer = await createUser(t, ['writer']);
    alan = await createReviewer(t);
  });
  afterAll(() => t?.close());

  describe('the seed (plain text of a page that lost its FAQ questions and references)', () => {
    let item: Item;
    beforeAll(async () => {
      const report = await importFiles([{ name: 'seed-article.txt', content: fixture('seed-article.txt') }]);
      item = report.items[0];
    });

    it('creates a draft with the review attested for January 10th, 2026, next review due January 10th, 2027', async () => {
      expect(item).toMatchObject({
        source: 'seed-article.txt',
        kind: 'text',
        action: 'created',
        status: 'draft',
      });
      expect(item.attestedReview).toMatchObject({
        reviewer: 'Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York',
        matchedReviewerId: alan.id,
        reviewedOn: '2026-01-10',
        meaning: ATTESTATION,
      });
      expect(nyDate(item.attestedReview!.nextReviewDueAt!)).toBe('2027-01-10');

      const article = await get(`/articles/${item.articleId}`);
      expect(article.status).toBe('draft');
      expect(article.content.title).toBe('Is Baclofen a Benzodiazepine?');
      expect(nyDate(article.lastReviewedAt)).toBe('2026-01-10');
      expect(nyDate(article.nextReviewDueAt)).toBe('2027-01-10');
      // Nothing invented: the answers keep their empty questions, and there are no references.
      expect(article.content.faq).toHaveLength(4);
      expect(article.content.faq.map((entry: { question: string }) => entry.question)).toEqual([
        '',
        '',
        '',
        '',
      ]);
      expect(article.content.references).toEqual([]);
      // Nothing e-signed here.
      expect(article.signOff).toBeNull();
      expect(await get(`/articles/${item.articleId}/sign-offs`)).toEqual([]);
    });

    it('reports the missing FAQ questions and the empty references, each also a comment for the writer', async () => {
      const fields = item.problems.map((problem) => `${problem.code} ${problem.field ?? ''}`);
      expect(fields).toEqual(
        expect.arrayContaining([
          'faq_answer_without_question faq[0].question',
          'faq_answer_without_question faq[1].question',
          'faq_answer_without_question faq[2].question',
          'faq_answer_without_question faq[3].question',
          'empty_references references',
          'alt_text_in_heading sections[4].heading',
        ]),
      );
      expect(item.problems.find((p) => p.field === 'faq[1].question')?.message).toContain(
        'Baclofen is not typically prescribed for anxiety',
      );
      const comments: { body: string }[] = await get(`/articles/${item.articleId}/comments`);
      expect(comments).toHaveLength(item.problems.length);
      for (const problem of item.problems) {
        expect(comments.map((comment) => comment.body)).toContain(
          `Import of seed-article.txt: ${problem.message}`,
        );
      }
    });

    it('keeps the attested review apart from sign-offs: API, verify and audit say what it is', async () => {
      const [review] = await get(`/articles/${item.articleId}/attested-reviews`);
      expect(review).toMatchObject({
        kind: 'attested',
        eSigned: false,
        meaning: ATTESTATION,
        revision: 1,
        reviewedOn: '2026-01-10',
        timeZone: NY,
        reviewer: { id: alan.id, external: false, displayName: 'Alan Lucks', credentials: 'MD' },
        sourceByline:
          'Medically reviewed by Alan Lucks | MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026.',
        byline:
          'Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026',
      });
      const article = await get(`/articles/${item.articleId}`);
      expect(review.contentHash).toBe(article.contentHash);

      const verify = await get(`/articles/${item.articleId}/attested-reviews/${review.id}/verify`);
      expect(verify).toMatchObject({ valid: true, kind: 'attested', eSigned: false, meaning: ATTESTATION });
      expect(verify.reason).toContain(ATTESTATION);

      const audit = await get(`/audit?articleId=${item.articleId}`);
      const events = (Array.isArray(audit) ? audit : audit.items) as {
        action: string;
        after: { meaning?: string };
      }[];
      const attested = events.find((event) => event.action === 'review.attested');
      expect(attested?.after.meaning).toBe(ATTESTATION);
      expect((await get('/audit/verify')).valid).toBe(true);
    });

    it('puts the article on the re-review schedule from its attested date', async () => {
      const rows: { articleId: string; dueAt: string; lastReviewer: { displayName: string } }[] = await get(
        '/re-reviews?dueBefore=2027-02-01T00:00:00Z',
      );
      const row = rows.find((r) => r.articleId === item.articleId);
      expect(row).toBeDefined();
      expect(nyDate(row!.dueAt)).toBe('2027-01-10');
      expect(row!.lastReviewer.displayName).toBe('Alan Lucks');
    });

    it('is idempotent: the same file again is skipped, a changed one is a new revision of the same article', async () => {
      const before = await countArticles();
      const again = await importFiles([{ name: 'seed-article.txt', content: fixture('seed-article.txt') }]);
      expect(again.items[0]).toMatchObject({ action: 'skipped', articleId: item.articleId, revision: 1 });

      const changed = fixture('seed-article.txt').replace(
        'They are generally prescribed for short-term use',
        'They are usually prescribed for short-term use',
      );
      const updated = await importFiles([{ name: 'seed-article.txt', content: changed }]);
      expect(updated.items[0]).toMatchObject({ action: 'updated', articleId: item.articleId, revision: 2 });
      expect(await countArticles()).toBe(before);
      const reviews = await get(`/articles/${item.articleId}/attested-reviews`);
      expect(reviews.map((r: { revision: number }) => r.revision)).toEqual([2, 1]);
    });
  });

  it('Markdown with YAML front matter: fields, sections, FAQ, images; "M.D." matches the MD profile; overdue at once', async () => {
    const report = await importFiles([{ name: 'posts/migraine.md', content: fixture('hugo-migraine.md') }]);
    const item = report.items[0];
    expect(item).toMatchObject({
      kind: 'markdown',
      action: 'created',
      slug: 'migraine-triggers-and-treatment',
      sourceUrl: 'https://blog.example.net/posts/migraine-triggers/',
      originalAuthor: 'Riley Writer',
    });
    expect(item.attestedReview).toMatchObject({ matchedReviewerId: alan.id, reviewedOn: '2025-06-02' });
    expect(item.problems.map((p) => p.code)).not.toContain('unknown_reviewer');
    const article = await get(`/articles/${item.articleId}`);
    expect(article.content).toMatchObject({
      title: 'Migraine: Triggers and Treatment',
      specialty: 'neurology',
      keyTakeaways: [
        'Sleep, stress and skipped meals are common triggers.',
        'Triptans treat attacks; other medicines prevent them.',
      ],
      faq: [{ question: 'Is migraine hereditary?', answer: 'It often runs in families.' }],
      references: [{ title: 'Migraine', publisher: 'NINDS', year: 2024 }],
      bottomLine: 'Keep a headache diary and talk to your doctor.',
      images: [
        {
          url: 'https://blog.example.net/img/dark-room.jpg',
          alt: 'A woman resting in a dark room',
          sectionIndex: 0,
        },
      ],
    });
    expect(article.content.sections.map((s: { heading: string }) => s.heading)).toEqual([
      'Common triggers',
      'Treatment',
    ]);
    expect(article.content.sections[1].body).toContain('*Preventive* medicines');
    // Reviewed 2025-06-02 with a 12-month cadence: overdue since 2026-06-02, listed at once.
    const overdue: { articleId: string; status: string }[] = await get('/re-reviews?status=overdue');
    expect(overdue.find((row) => row.articleId === item.articleId)?.status).toBe('overdue');

    // Its next review is e-signed here as usual, and from then on the schedule follows the sign-off.
    const submitted = await t.http().post(`/articles/${item.articleId}/submit`).set(editor.auth);
    expect(submitted.status).toBe(200);
    // Overdue at once, so the import queued its due-date reminder, whose job opens Alan's re-review; it may run
    // before or after this point. Either Alan accepts the re-review it opened, or the editor assigns him.
    const assigned = await t
      .http()
      .post(`/articles/${item.articleId}/assignments`)
      .set(editor.auth)
      .send({ reviewerId: alan.id });
    let assignmentId: string;
    if (assigned.status === 409) {
      expect(assigned.body.code).toBe('review.already_assigned');
      const open: { id: string; reviewerId: string; status: string }[] = await get(
        `/assignments?articleId=${item.articleId}`,
      );
      const reReview = open.find((a) => a.status === 'pending' || a.status === 'accepted');
      expect(reReview?.reviewerId).toBe(alan.id);
      assignmentId = reReview!.id;
    } else {
      expect(assigned.status).toBe(201);
      assignmentId = assigned.body.id as string;
    }
    await t.http().post(`/assignments/${assignmentId}/accept`).set(alan.auth);
    expect((await approve(t, alan, item.articleId!, 1)).status).toBe(200);
    const [signOff] = await get(`/articles/${item.articleId}/sign-offs`);
    expect(signOff.meaning).toBe('medical review');
    const after = await get(`/articles/${item.articleId}`);
    expect(after.signOff).toMatchObject({ status: 'current', id: signOff.id });
    expect(nyDate(after.nextReviewDueAt)).toBe('2027-11-30');
    const rows: { articleId: string; signOffId: string }[] = await get(
      '/re-reviews?dueBefore=2028-01-01T00:00:00Z',
    );
    expect(rows.find((row) => row.articleId === item.articleId)?.signOffId).toBe(signOff.id);
  });

  it('WordPress WXR: one article per post (attachments aside), reviewer and date from post meta', async () => {
    const report = await importFiles([
      { name: 'wordpress-export.xml', content: fixture('wordpress-export.xml') },
    ]);
    expect(report.items.map((i) => [i.source, i.kind, i.action])).toEqual([
      ['wordpress-export.xml#fever-in-children', 'wxr', 'created'],
      ['wordpress-export.xml#sunscreen-basics', 'wxr', 'created'],
    ]);
    const [fever, sunscreen] = report.items;
    expect(fever).toMatchObject({ slug: 'fever-in-children', originalAuthor: 'Morgan Author' });
    expect(fever.attestedReview).toMatchObject({ matchedReviewerId: alan.id, reviewedOn: '2025-11-20' });
    const article = await get(`/articles/${fever.articleId}`);
    expect(article.content).toMatchObject({
      title: 'Fever in Children',
      specialty: 'pediatrics',
      description: 'What counts as a fever in a child, and when to get help.',
      faq: [{ question: 'Is teething a cause of fever?', answer: 'Teething does not cause a high fever.' }],
      references: [
        { title: 'Fever in children NHS', url: 'https://www.nhs.uk/conditions/fever-in-children/' },
      ],
    });
    // No reviewer named: no attested review, no schedule, and the writer is told.
    expect(sunscreen.attestedReview).toBeNull();
    expect(sunscreen.problems.map((p) => p.code)).toEqual(
      expect.arrayContaining(['no_reviewer', 'missing_field']),
    );
    expect((await get(`/articles/${sunscreen.articleId}`)).nextReviewDueAt).toBeNull();
  });

  it('JSON in the ArticleContent shape with a review block, validated like POST /articles', async () => {
    const report = await importFiles([
      { name: 'api-hypertension.json', content: fixture('api-hypertension.json') },
    ]);
    expect(report.items[0]).toMatchObject({
      kind: 'json',
      action: 'created',
      slug: 'high-blood-pressure-basics',
      sourceUrl: 'https://old-cms.example.com/api/articles/4711',
      originalAuthor: 'Jo Columnist',
    });
    expect(report.items[0].attestedReview).toMatchObject({
      matchedReviewerId: alan.id,
      reviewedOn: '2025-12-01',
    });
    expect(report.items[0].problems).toEqual([]);

    const invalid = JSON.parse(fixture('api-hypertension.json')) as Record<string, unknown>;
    Object.assign(invalid, {
      sourceUrl: 'https://old-cms.example.com/api/articles/9',
      slug: 'Not A Slug',
      colour: 'red',
    });
    const refused = await importFiles([{ name: 'bad.json', content: JSON.stringify(invalid) }]);
    expect(refused.items[0]).toMatchObject({ source: 'bad.json', action: 'refused', articleId: null });
    expect(refused.items[0].reason).toContain('slug');
    expect(refused.items[0].reason).toContain('property colour should not exist');
  });

  it('--dry-run reports what would happen and writes nothing', async () => {
    // Reminder jobs of earlier imports may write to the audit trail meanwhile: count what the importer writes.
    const counts = () =>
      t.dataSource.query(
        `SELECT (SELECT count(*) FROM articles) a, (SELECT count(*) FROM attested_reviews) r,
                (SELECT count(*) FROM comments) c, (SELECT count(*) FROM imported_sources) s,
                (SELECT count(*) FROM audit_events WHERE actor_id = $1) e`,
        [editor.id],
      );
    const before = await counts();
    const content = fixture('hugo-migraine.md')
      .replace('migraine-triggers-and-treatment', 'migraine-dry-run')
      .replace(
        'https://blog.example.net/posts/migraine-triggers/',
        'https://blog.example.net/posts/dry-run/',
      );
    const report = await importFiles([{ name: 'dry.md', content }], { dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.items[0]).toMatchObject({ action: 'created', articleId: null });
    expect(report.items[0].reason).toContain('Dry run');
    expect(report.items[0].attestedReview).toMatchObject({ id: null, reviewedOn: '2025-06-02' });
    const after = await counts();
    expect(after).toEqual(before);
  });

  it('refuses a malformed file with its name and reason, and imports the rest of the batch', async () => {
    const good = fixture('api-hypertension.json')
      .replace('high-blood-pressure-basics', 'blood-pressure-batch')
      .replace('/api/articles/4711', '/api/articles/4712');
    const report = await importFiles([
      { name: 'broken.json', content: fixture('broken.json') },
      { name: 'no-front-matter.md', content: fixture('no-front-matter.md') },
      { name: 'good.json', content: good },
    ]);
    expect(report.items.map((i) => [i.source, i.action])).toEqual([
      ['broken.json', 'refused'],
      ['no-front-matter.md', 'refused'],
      ['good.json', 'created'],
    ]);
    expect(report.items[0].reason).toMatch(/^Malformed broken\.json: not valid JSON/);
    expect(report.items[1].reason).toMatch(/^Malformed no-front-matter\.md: no YAML front matter/);
    expect(report.totals).toMatchObject({ sources: 3, created: 1, refused: 2 });
  });

  it('is for admins and editors only; a bad request is a 400 naming the field', async () => {
    const asWriter = await t
      .http()
      .post('/imports')
      .set(writer.auth)
      .send({ files: [{ name: 'a.txt', content: 'x' }] });
    expect(asWriter.status).toBe(403);
    const empty = await t.http().post('/imports').set(editor.auth).send({ files: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'files' })]));
  });
});
