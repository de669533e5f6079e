import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Role } from '../../src/users/user.entity.js';
import { deskSession, type DeskSession } from '../utils/desk-session.js';
import { createTestApp, createUser, type TestApp, type TestUser } from '../utils/test-app.js';
import {
  approve,
  assignAndAccept,
  createReviewer,
  draftSeed,
  getArticle,
  seedContent,
} from '../utils/workflow.js';
import { DESK_WRITE_PAGES } from './access-policy.js';
import { haveChromium, XssBrowser } from './browser.js';
import { servedRoutes } from './support.js';

/**
 * The writer's pages against the access table (DESK_WRITE_PAGES): every served /desk/write… route is in it, and
 * every route answers every caller as the table says. A refused caller gets 403 (404 for an article that does
 * not exist) and nothing is written; an allowed one is never refused (the workflow may still say 409 or 422).
 */
type Caller = 'anonymous' | 'author' | Role;
const CALLERS: Caller[] = ['anonymous', 'author', 'writer', 'reviewer', 'editor', 'publisher', 'admin'];

function allowed(route: string, caller: Caller): boolean {
  const rule = DESK_WRITE_PAGES[route];
  if (caller === 'anonymous') return false;
  if (rule.includes('signed-in')) return true;
  // The author is a writer too.
  return rule.includes(caller) || (caller === 'author' && rule.includes('writer'));
}

/** The whole form of the seed article with one change, as the editor would post it. */
function seedForm(version: string, title: string): Record<string, string> {
  const content = seedContent();
  const fields: Record<string, string> = {
    version,
    op: 'save',
    title,
    slug: '',
    description: content.description,
    specialty: content.specialty,
    bottomLine: content.bottomLine,
  };
  content.sections.forEach((s, i) => {
    fields[`sections[${i}].heading`] = s.heading;
    fields[`sections[${i}].body`] = s.body;
  });
  content.references.forEach((r, i) => {
    fields[`references[${i}].title`] = r.title;
    fields[`references[${i}].url`] = r.url;
  });
  return fields;
}

describe('the writer’s desk pages: the access table, route by route and caller by caller', () => {
  let t: TestApp;
  let author: TestUser;
  const sessions = new Map<Caller, DeskSession>();

  beforeAll(async () => {
    t = await createTestApp();
    author = await createUser(t, ['writer'], { name: 'Ada Author' });
    const people: [Caller, TestUser][] = [
      ['author', author],
      ['writer', await createUser(t, ['writer'])],
      ['reviewer', await createReviewer(t)],
      ['editor', await createUser(t, ['editor'])],
      ['publisher', await createUser(t, ['publisher'])],
      ['admin', await createUser(t, ['admin'])],
    ];
    for (const [caller, user] of people)
      sessions.set(caller, await deskSession(t, user.email, user.password));
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('lists every served /desk/write route, and nothing that is not served', () => {
    const served = servedRoutes(t)
      .filter((route) => route.path.startsWith('/desk/write'))
      .map((route) => `${route.method} ${route.path}`)
      .sort();
    expect(served).toEqual(Object.keys(DESK_WRITE_PAGES).sort());
  });

  it('answers every caller as the table says; a refused POST writes nothing', async () => {
    const results: { route: string; caller: Caller; status: number; expected: string }[] = [];
    for (const route of Object.keys(DESK_WRITE_PAGES)) {
      const [method, pattern] = route.split(' ');
      for (const caller of CALLERS) {
        // A fresh draft for each call, so one caller's change never decides another's answer.
        const article = await draftSeed(t, author);
        const path = pattern.replace('{id}', article.id);
        const title = `Changed by ${caller}`;
        let status: number;
        let location: string | undefined;
        if (caller === 'anonymous') {
          const res =
            method === 'GET'
              ? await t.http().get(path)
              : await t
                  .http()
                  .post(path)
                  .set('Origin', t.env.PUBLIC_BASE_URL)
                  .type('form')
                  .send(seedForm('1', title));
          status = res.status;
          location = res.headers.location;
        } else {
          const session = sessions.get(caller)!;
          const res =
            method === 'GET' ? await session.get(path) : await session.post(path, seedForm('1', title));
          status = res.status;
        }
        const may = allowed(route, caller);
        let ok: boolean;
        if (caller === 'anonymous') {
          ok =
            method === 'GET'
              ? status === 303 && location === `/desk/login?next=${encodeURIComponent(path)}`
              : status === 403;
        } else {
          ok = may ? status < 500 && status !== 403 && status !== 404 : status === 403;
        }
        if (!may && method === 'POST') {
          const stored = (await getArticle(t, author, article.id)).body;
          if (stored.content.title === title || stored.status !== 'draft' || stored.version !== 1) ok = false;
        }
        results.push({ route, caller, status, expected: ok ? 'ok' : may ? 'allowed' : 'refused' });
      }
    }
    expect(results.filter((r) => r.expected !== 'ok')).toEqual([]);
    expect(results).toHaveLength(Object.keys(DESK_WRITE_PAGES).length * CALLERS.length);
  }, 240_000);

  it('an article that does not exist is 404 for everyone allowed to edit articles', async () => {
    const missing = '/desk/write/00000000-0000-4000-8000-000000000000';
    for (const caller of ['author', 'editor'] as const) {
      const session = sessions.get(caller)!;
      expect((await session.get(missing)).status).toBe(404);
      expect((await session.get(`${missing}/preview`)).status).toBe(404);
      expect((await session.post(missing, seedForm('1', 'x'))).status).toBe(404);
      expect((await session.post(`${missing}/submit`, seedForm('1', 'x'))).status).toBe(404);
      expect((await session.post(`${missing}/withdraw`, {})).status).toBe(404);
    }
  });

  it('a form without its CSRF token, or from another origin, is 403 and writes nothing', async () => {
    const article = await draftSeed(t, author);
    const session = sessions.get('author')!;
    const path = `/desk/write/${article.id}`;
    expect((await session.post(path, seedForm('1', 'no token'), { csrf: null })).status).toBe(403);
    expect(
      (await session.post(path, seedForm('1', 'elsewhere'), { origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await session.post(`${path}/submit`, seedForm('1', 'x'), { csrf: 'forged' })).status).toBe(403);
    const stored = (await getArticle(t, author, article.id)).body;
    expect({ title: stored.content.title, status: stored.status }).toEqual({
      title: seedContent().title,
      status: 'draft',
    });
  });
});

/**
 * The XSS corpus (the one xss.security-spec.ts uses) typed into every field of the writer's editor, a chunk of
 * vectors per article: the editor as it shows a refusal (the vectors in the fields the API refuses them in: slug,
 * specialty, URLs, year, related slugs), the saved editor with reviewers' comments beside its sections, "My
 * articles", the preview, and, after a sign-off through the test helpers, the published page. In each, nothing
 * runs, nothing that could run is in the DOM (the desk's own forms excepted), and the vectors show as text.
 */
const vectors = (
  JSON.parse(readFileSync(new URL('../fixtures/xss-vectors.json', import.meta.url), 'utf8')) as string[]
)
  // PostgreSQL cannot store U+0000 (a 400 names it): vectors are fed without it, as in the other XSS specs.
  .map((vector) => vector.replaceAll('\u0000', ''))
  .slice(0, Number(process.env.XSS_LIMIT ?? 1000));
const PER_ARTICLE = 12;
const describeInBrowser = haveChromium ? describe : describe.skip;

/** Every field of the editor form, with the chunk's vectors in every free-text field. */
function vectorForm(chunk: string[], label: string, slug: string): Record<string, string> {
  const fields: Record<string, string> = {
    op: 'save',
    version: '',
    title: `${label} ${chunk[0]}`.slice(0, 200),
    slug,
    description: chunk.join(' ').slice(0, 500),
    specialty: 'neurology',
    bottomLine: chunk.join('\n'),
  };
  chunk.forEach((vector, i) => {
    fields[`keyTakeaways[${i}]`] = vector.slice(0, 1000);
    fields[`sections[${i}].heading`] = `${i} ${vector}`.slice(0, 200);
    fields[`sections[${i}].body`] = `Text ${vector} end`;
    fields[`faq[${i}].question`] = `Q ${vector}`.slice(0, 500);
    fields[`faq[${i}].answer`] = `A ${vector}`;
    fields[`references[${i}].title`] = `R ${vector}`.slice(0, 500);
    fields[`references[${i}].url`] = 'https://example.org/reference';
    fields[`references[${i}].publisher`] = `P ${vector}`.slice(0, 300);
    fields[`references[${i}].year`] = '2024';
    fields[`images[${i}].url`] = 'https://images.example.com/picture.jpg';
    fields[`images[${i}].alt`] = `Alt ${vector}`.slice(0, 300);
    fields[`images[${i}].caption`] = `C ${vector}`.slice(0, 500);
    fields[`images[${i}].sectionIndex`] = String(i);
  });
  return fields;
}

describeInBrowser('the writer’s desk under the XSS corpus (Chromium)', () => {
  let t: TestApp;
  let browser: XssBrowser;
  let writer: TestUser;
  let editor: TestUser;
  let publisher: TestUser;
  let desk: DeskSession;

  beforeAll(async () => {
    t = await createTestApp();
    [writer, editor, publisher] = await Promise.all([
      createUser(t, ['writer']),
      createUser(t, ['editor']),
      createUser(t, ['publisher']),
    ]);
    desk = await deskSession(t, writer.email, writer.password);
    browser = await XssBrowser.launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it(`no vector of ${vectors.length} runs in the editor, My articles, the preview or the published page`, async () => {
    const findings: unknown[] = [];
    const inspected: Record<string, number> = {};
    async function check(surface: string, html: string, expectText: string, deskPage: boolean) {
      inspected[surface] = (inspected[surface] ?? 0) + 1;
      const result = await browser.inspect(html);
      const ownForms = (html.match(/<form method="post" action="\/desk\//g) ?? []).length;
      const unexpected = result.markup.filter((markup) => !(deskPage && markup === 'form'));
      const forms = result.markup.length - unexpected.length;
      if (
        result.ran ||
        unexpected.length ||
        (deskPage && forms !== ownForms) ||
        !result.text.includes(expectText)
      ) {
        findings.push({
          surface,
          expectText,
          ran: result.ran,
          dialogs: result.dialogs,
          markup: result.markup,
        });
      }
    }
    const reviewer = await createReviewer(t);
    for (let start = 0; start < vectors.length; start += PER_ARTICLE) {
      const chunk = vectors.slice(start, start + PER_ARTICLE);
      const label = `Vectors-${start}`;
      const slug = `xss-write-${start}-${randomBytes(3).toString('hex')}`;

      // The fields the API refuses these in: the editor shows the refusal with every vector kept as typed.
      const hostile = vectorForm(chunk, label, chunk[0]);
      hostile.specialty = chunk[1] ?? chunk[0];
      chunk.forEach((vector, i) => {
        hostile[`references[${i}].url`] = vector;
        hostile[`references[${i}].year`] = vector;
        hostile[`images[${i}].url`] = vector;
        hostile[`relatedSlugs[${i}]`] = vector;
      });
      const refused = await desk.post('/desk/write', hostile);
      expect(refused.status).toBe(400);
      // Its heading is "New article" (the title is in its box): the refusal's summary is the text looked for.
      await check('editor with refusals', refused.text, 'Nothing was saved', true);

      const created = await desk.post('/desk/write', vectorForm(chunk, label, slug));
      expect({
        start,
        status: created.status,
        text: created.status === 303 ? '' : created.text.slice(0, 300),
      }).toEqual({
        start,
        status: 303,
        text: '',
      });
      const id = /\/desk\/write\/([0-9a-f-]{36})/.exec(created.headers.location)![1];
      for (const [i, vector] of chunk.entries()) {
        const commented = await t
          .http()
          .post(`/articles/${id}/comments`)
          .set(editor.auth)
          .send({ body: vector, sectionIndex: i });
        expect(commented.status).toBe(201);
      }
      await check('editor', (await desk.get(`/desk/write/${id}`)).text, label, true);
      await check('my articles', (await desk.get('/desk/write')).text, label, true);
      await check('preview', (await desk.get(`/desk/write/${id}/preview`)).text, label, false);

      const stored = (await getArticle(t, writer, id)).body;
      const submitted = await desk.post(`/desk/write/${id}/submit`, {
        ...vectorForm(chunk, label, slug),
        version: String(stored.version),
        changeNote: chunk.join(' ').slice(0, 500),
      });
      expect({ start, status: submitted.status }).toEqual({ start, status: 303 });
      await assignAndAccept(t, editor, reviewer, id);
      const revision = (await getArticle(t, writer, id)).body.currentRevision as number;
      expect((await approve(t, reviewer, id, revision)).status).toBe(200);
      const published = await t.http().post(`/articles/${id}/publish`).set(publisher.auth).send({});
      expect({ start, status: published.status }).toEqual({ start, status: 200 });
      const page = await t.http().get(`/public/articles/${slug}`);
      expect(page.status).toBe(200);
      await check('published page', page.text, label, false);
    }
    expect(findings).toEqual([]);
    const chunks = Math.ceil(vectors.length / PER_ARTICLE);
    expect(inspected).toEqual({
      'editor with refusals': chunks,
      editor: chunks,
      'my articles': chunks,
      preview: chunks,
      'published page': chunks,
    });
  }, 900_000);
});
