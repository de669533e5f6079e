import { randomUUID } from 'node:crypto';
import { ReviewStateCache } from '../src/desk/review-state-cache.js';
import { DeskSessionsService, TOUCH_EVERY_MS } from '../src/desk/desk-sessions.service.js';
import { renderContent } from '../src/articles/markdown-renderer.js';
import { contentHash } from '../src/core/crypto/content-hash.js';
import type { ArticleContent } from '../src/articles/article-content.js';
import { deskSession } from './utils/desk-session.js';
import { eventually } from './utils/poll.js';
import { bearer, createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import { assignAndAccept, createReviewer, draftSeed, submit } from './utils/workflow.js';

const NOW = new Date('2026-11-30T15:00:00Z');

/**
 * The desk answers signed-in review pages from memory (the session, and the page's data): what changes must show
 * at once in the process that changed it and within milliseconds of the commit when another connection (another
 * process, raw SQL) changed it. Each test below fails if the invalidation it names is removed: without it the
 * cache would keep serving the old answer for minutes (its backstop age), well past `eventually`'s 20 s.
 */
describe('the desk in memory: sessions and review pages follow every change', () => {
  let t: TestApp;
  let editor: TestUser;
  let writer: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
    editor = await createUser(t, ['editor'], { name: 'Erin Editor' });
    writer = await createUser(t, ['writer'], { name: 'Wren Writer' });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  async function reviewInProgress() {
    const reviewer = await createReviewer(t);
    const article = await draftSeed(t, writer);
    await submit(t, writer, article.id);
    const assignmentId = await assignAndAccept(t, editor, reviewer, article.id);
    const desk = await deskSession(t, reviewer.email, reviewer.password);
    const path = `/desk/reviews/${assignmentId}`;
    const first = await desk.get(path);
    expect(first.status).toBe(200);
    // Read twice: the second view is served from memory (nothing has changed).
    expect((await desk.get(path)).text).toContain(`revision ${article.currentRevision}`);
    expect(t.app.get(ReviewStateCache).articles).toBeGreaterThan(0);
    return { reviewer, article, assignmentId, desk, path };
  }

  describe('the review page', () => {
    it('shows a comment another connection inserted (review_state_changed at commit)', async () => {
      const { article, desk, path } = await reviewInProgress();
      const body = `Inserted elsewhere ${randomUUID()}`;
      await t.dataSource.query(
        `INSERT INTO comments (article_id, author_id, revision_number, body) VALUES ($1, $2, 1, $3)`,
        [article.id, writer.id, body],
      );
      await eventually(async () => (await desk.get(path)).text.includes(body), 'the new comment on the page');
    });

    it('shows a revision another connection wrote (articles_changed), and the sign form carries it', async () => {
      const { article, desk, path } = await reviewInProgress();
      const [{ content }] = await t.dataSource.query<{ content: ArticleContent }[]>(
        'SELECT content FROM revisions WHERE article_id = $1 AND number = 1',
        [article.id],
      );
      const marker = `Added by another process ${randomUUID()}`;
      const next: ArticleContent = {
        ...content,
        sections: content.sections.map((s, i) => (i === 0 ? { ...s, body: `${s.body}\n\n${marker}` } : s)),
      };
      const hash = contentHash(next);
      await t.dataSource.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO revisions (article_id, number, content, rendered, content_hash, created_by_id)
           VALUES ($1, 2, $2, $3, $4, $5)`,
          [article.id, JSON.stringify(next), JSON.stringify(renderContent(next)), hash, writer.id],
        );
        await tx.query(`UPDATE articles SET current_revision = 2, version = version + 1 WHERE id = $1`, [
          article.id,
        ]);
      });
      const page = await eventually(async () => {
        const text = (await desk.get(path)).text;
        return text.includes(marker) ? text : null;
      }, 'revision 2 on the page');
      expect(page).toContain(`name="contentHash" value="${hash}"`);
    });

    it("shows at once what this process just wrote: the desk's own comment, and one through the JSON API", async () => {
      const { reviewer, article, desk, path } = await reviewInProgress();
      const fromDesk = `From the desk ${randomUUID()}`;
      const posted = await desk.post(`${path}/comments`, { body: fromDesk, sectionIndex: '' });
      expect(posted.status).toBe(303);
      expect((await desk.get(path)).text).toContain(fromDesk);
      const fromApi = `From the API ${randomUUID()}`;
      const created = await t
        .http()
        .post(`/articles/${article.id}/comments`)
        .set(reviewer.auth)
        .send({ body: fromApi });
      expect(created.status).toBe(201);
      expect((await desk.get(path)).text).toContain(fromApi);
    });

    it('shows a changed byline (reviewer profile, users_changed) and a renamed writer', async () => {
      const { reviewer, desk, path } = await reviewInProgress();
      await t.dataSource.query(`UPDATE reviewer_profiles SET credentials = 'MD, PhD' WHERE user_id = $1`, [
        reviewer.id,
      ]);
      await eventually(async () => (await desk.get(path)).text.includes('MD, PhD'), 'the new credentials');
      const newName = `Wren ${randomUUID().slice(0, 8)}`;
      await t.dataSource.query(`UPDATE users SET name = $2 WHERE id = $1`, [writer.id, newName]);
      await eventually(async () => (await desk.get(path)).text.includes(newName), "the writer's new name");
    });
  });

  describe('sessions', () => {
    it('a session ended by another connection stops at once (desk_sessions_changed)', async () => {
      const user = await createUser(t, ['writer']);
      const desk = await deskSession(t, user.email, user.password);
      expect((await desk.get('/desk')).status).toBe(200);
      expect(t.app.get(DeskSessionsService).knownSessions).toBeGreaterThan(0);
      await t.dataSource.query(`UPDATE desk_sessions SET ended_at = now() WHERE user_id = $1`, [user.id]);
      await eventually(async () => (await desk.get('/desk')).status === 303, 'the session to end');
    });

    it("logout and a deactivation end the session at once in the process that made them", async () => {
      const user = await createUser(t, ['writer']);
      const desk = await deskSession(t, user.email, user.password);
      expect((await desk.get('/desk')).status).toBe(200);
      expect((await desk.post('/desk/logout', {})).status).toBe(303);
      expect((await desk.get('/desk')).status).toBe(303);

      const other = await createUser(t, ['writer']);
      const desk2 = await deskSession(t, other.email, other.password);
      expect((await desk2.get('/desk')).status).toBe(200);
      const off = await t.http().post(`/users/${other.id}/deactivate`).set(bearer(t.adminToken));
      expect([200, 204]).toContain(off.status);
      expect((await desk2.get('/desk')).status).toBe(303);
    });

    it(`writes last_seen_at at most every ${TOUCH_EVERY_MS / 1000} s, and the idle timeout stays exact`, async () => {
      const user = await createUser(t, ['writer']);
      const desk = await deskSession(t, user.email, user.password);
      const lastSeen = async () =>
        (
          await t.dataSource.query<{ last_seen_at: Date }[]>(
            'SELECT last_seen_at FROM desk_sessions WHERE user_id = $1',
            [user.id],
          )
        )[0].last_seen_at.getTime();
      expect((await desk.get('/desk')).status).toBe(200);
      const written = await lastSeen();
      t.clock.advance(TOUCH_EVERY_MS / 2);
      expect((await desk.get('/desk')).status).toBe(200);
      expect(await lastSeen()).toBe(written);
      t.clock.advance(TOUCH_EVERY_MS / 2);
      expect((await desk.get('/desk')).status).toBe(200);
      expect(await lastSeen()).toBe(t.clock.now().getTime());
      // Idle: counted from the last request (from memory), not from the last write.
      t.clock.advance(TOUCH_EVERY_MS / 2);
      expect((await desk.get('/desk')).status).toBe(200);
      // The last write was 30 s before this request: PostgreSQL alone would say the session idled 30 s too early.
      t.clock.advance(30 * 60_000 - 1);
      expect((await desk.get('/desk')).status).toBe(200);
      t.clock.advance(30 * 60_000);
      expect((await desk.get('/desk')).status).toBe(303);
    });
  });
});
