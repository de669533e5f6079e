import type { Role } from '../../src/users/user.entity.js';
import { deskSession, type DeskSession } from '../utils/desk-session.js';
import { createTestApp, createUser, type TestApp, type TestUser } from '../utils/test-app.js';
import { createReviewer, draftSeed, getArticle, seedContent } from '../utils/workflow.js';
import { DESK_WRITE_PAGES } from './access-policy.js';
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
