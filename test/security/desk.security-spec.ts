import { readFileSync } from 'node:fs';
import type { ArticleContent } from '../../src/articles/article-content.js';
import { deskSession, type DeskSession } from '../utils/desk-session.js';
import { createTestApp, createUser, type TestApp, type TestUser } from '../utils/test-app.js';
import { createReviewer, draftSeed, edit, seedContent, submit } from '../utils/workflow.js';
import { DESK_REVIEW_PAGES } from './access-policy.js';
import { haveChromium, XssBrowser } from './browser.js';
import { servedRoutes } from './support.js';

/**
 * The review desk's pages under hostile input: the XSS corpus through what they show (the article's content and
 * its changes, comments, decisions), and forms posted without their CSRF token or from another origin.
 */
const vectors = (
  JSON.parse(readFileSync(new URL('../fixtures/xss-vectors.json', import.meta.url), 'utf8')) as string[]
).map((vector) => vector.replaceAll('\u0000', ''));
const PER_ARTICLE = 12;

describe('the review desk under hostile input', () => {
  let t: TestApp;
  let writer: TestUser;
  let editor: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    writer = await createUser(t, ['writer']);
    editor = await createUser(t, ['editor']);
  }, 240_000);

  afterAll(async () => {
    await t?.close();
  });

  async function openReview(reviewer: TestUser, content: Partial<ArticleContent> = {}) {
    const article = await draftSeed(t, writer, content);
    await submit(t, writer, article.id);
    const assigned = await t
      .http()
      .post(`/articles/${article.id}/assignments`)
      .set(editor.auth)
      .send({ reviewerId: reviewer.id });
    expect(assigned.status).toBe(201);
    return { articleId: article.id, assignmentId: assigned.body.id as string };
  }

  describe('access: every review desk route is in the access table, and none opens without a session', () => {
    it('lists every served /desk/reviews and /desk/articles route, and nothing that is not served', () => {
      const served = servedRoutes(t)
        .filter((route) => /^\/desk\/(reviews|articles)/.test(route.path))
        .map((route) => `${route.method} ${route.path}`)
        .sort();
      expect(served).toEqual(Object.keys(DESK_REVIEW_PAGES).sort());
    });

    it('without a session: every GET goes to the login page and back, every POST is 403 and writes nothing', async () => {
      const reviewer = await createReviewer(t);
      const { articleId, assignmentId } = await openReview(reviewer);
      const ids: Record<string, string> = { id: assignmentId, signOffId: articleId };
      for (const route of Object.keys(DESK_REVIEW_PAGES)) {
        const [method, pattern] = route.split(' ');
        const path = pattern
          .replace('{id}', pattern.startsWith('/desk/articles') ? articleId : ids.id)
          .replace('{signOffId}', ids.signOffId);
        if (method === 'GET') {
          const res = await t.http().get(path);
          expect({ route, status: res.status, location: res.headers.location }).toEqual({
            route,
            status: 303,
            location: `/desk/login?next=${encodeURIComponent(path)}`,
          });
        } else {
          const res = await t
            .http()
            .post(path)
            .set('Origin', t.env.PUBLIC_BASE_URL)
            .type('form')
            .send({ reason: 'x', body: 'x', comments: 'x', password: reviewer.password, revision: '1' });
          expect({ route, status: res.status }).toEqual({ route, status: 403 });
        }
      }
      expect((await t.http().get(`/articles/${articleId}/comments`).set(writer.auth)).body).toEqual([]);
      const assignments = await t.http().get(`/assignments?articleId=${articleId}`).set(editor.auth);
      expect(assignments.body.map((a: { status: string }) => a.status)).toEqual(['pending']);
    });

    it("another reviewer's review page sends him to the article page, which refuses him", async () => {
      const reviewer = await createReviewer(t);
      const stranger = await createReviewer(t, { displayName: 'Sam Stranger' });
      const { articleId, assignmentId } = await openReview(reviewer);
      const desk = await deskSession(t, stranger.email, stranger.password);
      const page = await desk.get(`/desk/reviews/${assignmentId}`);
      expect(page.status).toBe(303);
      expect(page.headers.location).toBe(`/desk/articles/${articleId}`);
      const article = await desk.get(`/desk/articles/${articleId}`);
      expect(article.status).toBe(403);
      expect(article.headers['content-type']).toMatch(/^text\/html/);
      const posted = await desk.post(`/desk/reviews/${assignmentId}/accept`, {});
      expect(posted.status).toBe(403);
    });
  });

  describe('CSRF: a form posted without its token, or from another origin, gets 403 and writes nothing', () => {
    let reviewer: TestUser;
    let desk: DeskSession;
    let review: { articleId: string; assignmentId: string };
    const commentCount = async () =>
      (await t.http().get(`/articles/${review.articleId}/comments`).set(writer.auth)).body.length as number;
    const assignmentStatus = async () =>
      (await t.http().get(`/assignments?articleId=${review.articleId}`).set(editor.auth)).body[0]
        .status as string;

    beforeAll(async () => {
      reviewer = await createReviewer(t);
      review = await openReview(reviewer);
      desk = await deskSession(t, reviewer.email, reviewer.password);
    }, 120_000);

    it.each([
      ['no token', { csrf: null }],
      ['a forged token', { csrf: 'A'.repeat(43) }],
      ['another origin', { origin: 'http://evil.example' }],
    ] as const)('accept, comment, request changes and sign refuse %s', async (_name, options) => {
      const base = `/desk/reviews/${review.assignmentId}`;
      expect((await desk.post(`${base}/accept`, {}, options)).status).toBe(403);
      expect(await assignmentStatus()).toBe('pending');
      expect((await desk.post(`${base}/decline`, { reason: 'x' }, options)).status).toBe(403);
      expect(await assignmentStatus()).toBe('pending');
      const status = await desk.post(
        `${base}/comments`,
        { body: 'forged', sectionIndex: '', revision: '1' },
        options,
      );
      expect(status.status).toBe(403);
      expect(status.headers['content-type']).toMatch(/^text\/html/);
      expect(await commentCount()).toBe(0);
      const sign = await desk.post(
        `${base}/sign`,
        { revision: '1', contentHash: '', password: reviewer.password },
        options,
      );
      expect(sign.status).toBe(403);
      expect((await t.http().get(`/articles/${review.articleId}/sign-offs`).set(writer.auth)).body).toEqual(
        [],
      );
    });

    it('the same forms with the token from this origin work (the control)', async () => {
      const base = `/desk/reviews/${review.assignmentId}`;
      expect((await desk.post(`${base}/accept`, {})).status).toBe(303);
      expect(await assignmentStatus()).toBe('accepted');
      const posted = await desk.post(`${base}/comments`, {
        body: 'A real comment',
        sectionIndex: '0',
        revision: '1',
      });
      expect(posted.status).toBe(303);
      expect(await commentCount()).toBe(1);
    });
  });

  const describeInBrowser = haveChromium ? describe : describe.skip;
  describeInBrowser(
    'XSS: the corpus through content, changes and comments on desk pages runs no script',
    () => {
      let browser: XssBrowser;

      beforeAll(async () => {
        browser = await XssBrowser.launch(2);
      });

      afterAll(async () => {
        await browser?.close();
      });

      it(`${vectors.length} vectors, ${PER_ARTICLE} per article, on the review page (inline and side by side) and the article page`, async () => {
        const findings: { vector: string; page: string; ran: boolean; markup: string[] }[] = [];
        const reviewer = await createReviewer(t);
        const desk = await deskSession(t, reviewer.email, reviewer.password);
        for (let start = 0; start < vectors.length; start += PER_ARTICLE) {
          const chunk = vectors.slice(start, start + PER_ARTICLE);
          const seed = seedContent();
          const sections = chunk.map((vector, i) => ({
            heading: `${i} ${vector}`.slice(0, 200),
            body: `Text ${vector} end`,
          }));
          const { articleId, assignmentId } = await openReview(reviewer, {
            title: `Vectors ${start}: ${chunk[0]}`.slice(0, 200),
            sections: [...sections, seed.sections[0]],
            faq: chunk.slice(0, 3).map((vector) => ({ question: `Q ${vector}?`, answer: `A ${vector}` })),
            keyTakeaways: chunk.slice(0, 3),
          });
          const base = `/desk/reviews/${assignmentId}`;
          expect((await desk.post(`${base}/accept`, {})).status).toBe(303);
          for (const [i, vector] of chunk.entries()) {
            const posted = await desk.post(`${base}/comments`, {
              body: vector,
              sectionIndex: String(i),
              revision: '1',
            });
            expect(posted.status).toBe(303);
          }
          const requested = await desk.post(`${base}/request-changes`, {
            comments: chunk.join('\n'),
            revision: '1',
            contentHash: '',
          });
          expect(requested.status).toBe(303);
          // The writer's next revision changes every section around the vector: the changes show them marked.
          await edit(t, writer, articleId, {
            sections: [
              ...chunk.map((vector, i) => ({
                heading: `${i} changed ${vector}`.slice(0, 200),
                body: `New ${vector} text`,
              })),
              seed.sections[0],
            ],
          });
          await submit(t, writer, articleId);

          for (const path of [base, `${base}?view=side-by-side`, `/desk/articles/${articleId}`]) {
            const page = await desk.get(path);
            expect(page.status).toBe(200);
            const inspection = await browser.inspect(page.text);
            // The desk's own forms (each posts to a /desk path) are the only markup the detector may find.
            const ownForms = (page.text.match(/<form method="post" action="\/desk\//g) ?? []).length;
            const unexpected = inspection.markup.filter((markup) => markup !== 'form');
            const forms = inspection.markup.length - unexpected.length;
            if (inspection.ran || unexpected.length || forms !== ownForms) {
              findings.push({
                vector: chunk.join(' | '),
                page: path,
                ran: inspection.ran,
                markup: inspection.markup,
              });
            }
            // The vectors are shown as text, not lost: the reader sees what was typed.
            expect(inspection.text).toContain('changed');
          }
        }
        expect(findings).toEqual([]);
      }, 600_000);
    },
  );
});
