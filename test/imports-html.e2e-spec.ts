import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirectoryExportService } from '../src/publishing/directory-export.service.js';
import { DateTime } from 'luxon';
import { haveChromium, XssBrowser } from './security/browser.js';
import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import { createReviewer } from './utils/workflow.js';

const NOW = new Date('2026-11-30T15:00:00Z');
const NY = 'America/New_York';
const fixture = (name: string) => readFileSync(new URL(`./fixtures/import/${name}`, import.meta.url), 'utf8');
const nyDate = (iso: string) => DateTime.fromISO(iso, { zone: NY }).toISODate();

interface Item {
  action: string;
  articleId: string;
  slug: string;
  status: string;
  published: boolean;
  publicUrl: string | null;
  originalAuthor: string | null;
  sourceUrl: string | null;
  attestedReview: { matchedReviewerId: string | null; reviewedOn: string; nextReviewDueAt: string } | null;
  problems: { code: string; field?: string; message: string }[];
}

describe('importing published HTML pages', () => {
  let t: TestApp;
  let editor: TestUser;
  let alan: TestUser;

  async function importHtml(name: string, content: string, publish = false): Promise<Item> {
    const res = await t
      .http()
      .post('/imports')
      .set(editor.auth)
      .send({ files: [{ name, content }], publish });
    if (res.status !== 200) throw new Error(`import failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.items[0] as Item;
  }
  const get = async (path: string) => {
    const res = await t.http().get(path).set(editor.auth);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
    editor = await createUser(t, ['editor']);
    alan = await createReviewer(t);
  });
  afterAll(() => t?.close());

  it("a health site's page with the seed's byline, published on its attested review with --publish", async () => {
    const item = await importHtml('health-site-baclofen.html', fixture('health-site-baclofen.html'), true);
    expect(item).toMatchObject({
      action: 'created',
      slug: 'is-baclofen-a-benzodiazepine',
      originalAuthor: 'Dana Writer',
      sourceUrl: 'https://health.example.com/articles/is-baclofen-a-benzodiazepine',
      published: true,
      status: 'published',
      publicUrl: 'http://localhost:3000/public/articles/is-baclofen-a-benzodiazepine',
    });
    expect(item.problems.map((p) => p.code)).toEqual(['missing_field']); // no specialty on the page
    expect(item.attestedReview).toMatchObject({ matchedReviewerId: alan.id, reviewedOn: '2026-01-10' });

    const article = await get(`/articles/${item.articleId}`);
    expect(article.content).toMatchObject({
      title: 'Is Baclofen a Benzodiazepine?',
      description:
        'Baclofen is a muscle relaxant, not a benzodiazepine: how the two differ in use, effects and risks.',
      keyTakeaways: [
        'Baclofen is not a benzodiazepine; it is a muscle relaxant.',
        'Baclofen treats spasticity; benzodiazepines treat anxiety, seizures and insomnia.',
      ],
      faq: [
        {
          question: 'Is baclofen addictive?',
          answer: 'Baclofen generally has a lower potential for addiction compared to benzodiazepines.',
        },
        {
          question: 'Can baclofen treat anxiety?',
          answer: 'Baclofen is not typically prescribed for anxiety.',
        },
      ],
      references: [
        {
          title: 'Baclofen, MedlinePlus, 2024',
          url: 'https://medlineplus.gov/druginfo/meds/a682530.html',
          year: 2024,
        },
        {
          title: 'Baclofen (StatPearls) 2023',
          url: 'https://www.ncbi.nlm.nih.gov/books/NBK526016/',
          year: 2023,
        },
      ],
      bottomLine: 'Baclofen is not a benzodiazepine and works differently to treat muscle spasticity.',
      images: [
        {
          url: 'https://health.example.com/images/pill-bottle.jpg',
          alt: 'White pill bottle tipped over, tablets spilling onto a blue surface.',
          caption: 'Baclofen tablets',
          sectionIndex: 0,
        },
      ],
    });
    expect(article.content.sections.map((s: { heading: string }) => s.heading)).toEqual([
      'What Is Baclofen and How Does It Work?',
      'Differences Between Baclofen and Benzodiazepines',
    ]);
    expect(article.content.sections[0].body).toBe(
      'Baclofen is a medication commonly prescribed to relieve muscle spasticity caused by multiple sclerosis or spinal cord injuries.\n\nIt activates GABA-B receptors in the spinal cord.',
    );

    // The public page prints the attested review like any review, with its next review date.
    const page = await t.http().get('/public/articles/is-baclofen-a-benzodiazepine');
    expect(page.status).toBe(200);
    const text = page.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Written by Dana Writer'); // the source's writer, not the editor who imported it
    expect(text).toContain('Medically reviewed by');
    expect(text).toContain('Alan Lucks');
    expect(text).toContain('January 10th, 2026');
    expect(text).toContain('January 10th, 2027');
    expect(page.text).toContain('"lastReviewed":"2026-01-10"');
    // The publication records the attested review as what allowed it.
    const [review] = await get(`/articles/${item.articleId}/attested-reviews`);
    const [{ sign_off_id }] = await t.dataSource.query<{ sign_off_id: string }[]>(
      `SELECT sign_off_id FROM publications WHERE article_id = $1 AND action = 'publish' LIMIT 1`,
      [item.articleId],
    );
    expect(sign_off_id).toBe(review.id);

    // The directory export renders the live page from the attested review too.
    const summary = await t.app
      .get(DirectoryExportService)
      .run({ mode: 'full', force: true, trigger: 'cli' });
    expect(summary.failed).toEqual([]);
    const exported = readFileSync(
      join(t.env.PUBLISH_DIR, 'is-baclofen-a-benzodiazepine', 'index.html'),
      'utf8',
    );
    expect(exported).toContain('January 10th, 2026');
    expect(exported).toContain('Alan Lucks');
  });

  it('a CMS page with JSON-LD (preferred over the markup), an external reviewer, overdue at once, a taken slug', async () => {
    const taken = await t
      .http()
      .post('/articles')
      .set((await createUser(t, ['writer'])).auth)
      .send({ title: 'Someone else', slug: 'statins-and-muscle-pain-what-to-know', specialty: 'cardiology' });
    expect(taken.status).toBe(201);

    const item = await importHtml('statins.html', fixture('cms-statins-jsonld.html'));
    expect(item).toMatchObject({
      action: 'created',
      status: 'draft',
      published: false,
      slug: 'statins-and-muscle-pain-what-to-know-2',
      originalAuthor: 'Sam Scribe',
      sourceUrl: 'https://carewire.example.org/heart/statins-and-muscle-pain',
    });
    expect(item.attestedReview).toMatchObject({ matchedReviewerId: null, reviewedOn: '2024-03-15' });
    expect(nyDate(item.attestedReview!.nextReviewDueAt)).toBe('2025-03-15');
    const codes = item.problems.map((p) => p.code);
    expect(codes).toEqual(expect.arrayContaining(['unknown_reviewer', 'slug_taken']));
    expect(item.problems.find((p) => p.code === 'slug_taken')?.message).toContain(
      'imported as "statins-and-muscle-pain-what-to-know-2"',
    );

    const article = await get(`/articles/${item.articleId}`);
    expect(article.content).toMatchObject({
      title: 'Statins and Muscle Pain: What to Know',
      description: 'Why statins sometimes cause muscle aches, and what to do about it.',
      faq: [
        {
          question: 'Should I stop my statin if my muscles ache?',
          answer: 'Not on your own: talk to your doctor first.',
        },
      ],
      references: [
        {
          title: 'Statin side effects',
          url: 'https://www.nhs.uk/conditions/statins/side-effects/',
          publisher: 'NHS',
          year: 2023,
        },
      ],
      images: [
        {
          url: 'https://carewire.example.org/media/legs.png',
          alt: 'A person stretching their calves',
          sectionIndex: 0,
        },
      ],
    });
    expect(article.content.sections.map((s: { heading: string }) => s.heading)).toEqual([
      'Why statins can cause muscle pain',
      'What you can do',
    ]);
    const [review] = await get(`/articles/${item.articleId}/attested-reviews`);
    expect(review.reviewer).toEqual({
      id: null,
      external: true,
      displayName: 'Priya Natarajan',
      credentials: 'DO',
      affiliation: 'Lakeside Cardiology',
    });
    const overdue: { articleId: string; lastReviewer: { displayName: string }; daysOverdue: number }[] =
      await get('/re-reviews?status=overdue');
    const row = overdue.find((r) => r.articleId === item.articleId);
    expect(row?.lastReviewer.displayName).toBe('Priya Natarajan');
    expect(row!.daysOverdue).toBeGreaterThan(600);
  });

  it('an incomplete page is not published by --publish: it stays a draft and the report says why', async () => {
    const item = await importHtml(
      'statins-again.html',
      fixture('cms-statins-jsonld.html')
        .replace('carewire.example.org/heart/statins', 'carewire.example.org/heart/x-statins')
        .replace('"citation": [', '"citation": [] , "x": ['),
      true,
    );
    expect(item).toMatchObject({ published: false, status: 'draft' });
    expect(item.problems.find((p) => p.code === 'not_published')?.message).toContain('references');
  });

  describe('a hostile page', () => {
    let server: Server;
    let hits: string[];
    let item: Item;
    let html: string;

    beforeAll(async () => {
      hits = [];
      server = createServer((req, res) => {
        hits.push(req.url ?? '');
        res.end('');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      item = await importHtml(
        'hostile.html',
        fixture('hostile-page.html').replaceAll('__PORT__', String(port)),
        true,
      );
      html = (await t.http().get(`/public/articles/${item.slug}`)).text;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('is imported and published with its text, its unsafe links dropped and reported', async () => {
      expect(item).toMatchObject({ action: 'created', published: true });
      const article = await get(`/articles/${item.articleId}`);
      expect(article.content.title).toBe('Hostile Page About Aspirin');
      expect(article.content.references).toEqual([
        expect.objectContaining({ url: 'https://www.nhs.uk/medicines/aspirin-for-pain-relief/' }),
      ]);
      const unsafe = item.problems.filter((p) => p.code === 'unsafe_url').map((p) => p.message);
      expect(unsafe).toHaveLength(2);
      expect(unsafe.join(' ')).toContain('A poisoned reference');
      // Markdown link syntax typed as text stays text: the renderer makes no javascript: link of it.
      expect(article.content.sections[0].body).toContain("[click me](javascript:alert('markdown'))");
    });

    it('made the importer fetch nothing: no request reached the server its URLs point at', () => {
      expect(hits).toEqual([]);
    });

    it('renders without anything that could run script (the same sanitising as the editor)', async () => {
      expect(html).toContain('Hostile Page About Aspirin');
      expect(html).not.toMatch(/<script(?![^>]*application\/ld\+json)/i);
      expect(html).not.toMatch(/(href|src)\s*=\s*["']?\s*(javascript|data):/i);
      expect(html).toContain('Aspirin reduces pain. &lt;img src=x onerror=alert(');
      if (!haveChromium) return;
      const browser = await XssBrowser.launch(1);
      try {
        const inspection = await browser.inspect(html);
        expect(inspection.ran).toBe(false);
        expect(inspection.markup).toEqual([]);
        expect(inspection.text).toContain("<script>alert('takeaway')</script>");
      } finally {
        await browser.close();
      }
    });
  });
});
