import { readFileSync } from 'node:fs';
import type { ArticleContent } from '../src/articles/article-content.js';
import { bearer, createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';

type Content = object;

const seed = (): ArticleContent =>
  JSON.parse(readFileSync(new URL('./fixtures/seed-article.json', import.meta.url), 'utf8'));

describe('comments on an article', () => {
  let t: TestApp;
  let writer: TestUser;
  let otherWriter: TestUser;
  let reviewer: TestUser;
  let editor: TestUser;
  let slugs = 0;

  beforeAll(async () => {
    t = await createTestApp();
    [writer, otherWriter, reviewer, editor] = await Promise.all([
      createUser(t, ['writer']),
      createUser(t, ['writer']),
      createUser(t, ['reviewer']),
      createUser(t, ['editor']),
    ]);
  });
  afterAll(async () => {
    await t.close();
  });

  const newArticle = async () => {
    const res = await t
      .http()
      .post('/articles')
      .set(writer.auth)
      .send({ ...seed(), slug: `commented-${++slugs}` });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const comment = (user: TestUser, articleId: string, body: Content) =>
    t.http().post(`/articles/${articleId}/comments`).set(user.auth).send(body);
  const resolve = (user: TestUser, articleId: string, commentId: string) =>
    t.http().post(`/articles/${articleId}/comments/${commentId}/resolve`).set(user.auth);

  it('threads replies under the comment they answer, pointing at a section of a revision', async () => {
    const articleId = await newArticle();
    const question = await comment(reviewer, articleId, {
      body: 'Please cite a source for the dependence risk.',
      sectionIndex: 3,
    });
    expect(question.status).toBe(201);
    expect(question.body).toEqual({
      id: expect.any(String),
      articleId,
      parentId: null,
      authorId: reviewer.id,
      revision: 1,
      sectionIndex: 3,
      body: 'Please cite a source for the dependence risk.',
      resolvedAt: null,
      resolvedById: null,
      createdAt: t.clock.now().toISOString(),
      replies: [],
    });
    t.clock.advance(1000);
    const answer = await comment(writer, articleId, {
      body: 'Added StatPearls.',
      parentId: question.body.id,
    });
    t.clock.advance(1000);
    const general = await comment(editor, articleId, { body: 'Looks good overall.' });
    t.clock.advance(1000);
    const followUp = await comment(reviewer, articleId, { body: 'Thanks.', parentId: answer.body.id });

    const threads = await t.http().get(`/articles/${articleId}/comments`).set(otherWriter.auth);
    expect(threads.status).toBe(200);
    interface Thread {
      id: string;
      replies: Thread[];
    }
    const shape = (view: Thread): Thread => ({ id: view.id, replies: view.replies.map(shape) });
    expect(threads.body.map(shape)).toEqual([
      {
        id: question.body.id,
        replies: [{ id: answer.body.id, replies: [{ id: followUp.body.id, replies: [] }] }],
      },
      { id: general.body.id, replies: [] },
    ]);
    expect(threads.body[0].replies[0]).toMatchObject({
      body: 'Added StatPearls.',
      authorId: writer.id,
      revision: 1,
    });
  });

  it('points a comment at an older revision when asked, and refuses sections and revisions that do not exist', async () => {
    const articleId = await newArticle();
    const edited = await t
      .http()
      .patch(`/articles/${articleId}`)
      .set(writer.auth)
      .set('If-Match', '"1"')
      .send({ sections: seed().sections.slice(0, 2), images: [] });
    expect(edited.status).toBe(200);

    const onOld = await comment(reviewer, articleId, {
      body: 'This section was removed?',
      revision: 1,
      sectionIndex: 8,
    });
    expect(onOld.status).toBe(201);
    expect(onOld.body).toMatchObject({ revision: 1, sectionIndex: 8 });

    const beyond = await comment(reviewer, articleId, { body: 'Which section?', sectionIndex: 2 });
    expect(beyond.status).toBe(400);
    expect(beyond.body.details).toEqual([expect.objectContaining({ field: 'sectionIndex' })]);
    const noRevision = await comment(reviewer, articleId, { body: 'Which revision?', revision: 7 });
    expect(noRevision.status).toBe(400);
    expect(noRevision.body.details).toEqual([expect.objectContaining({ field: 'revision' })]);

    const elsewhere = await comment(reviewer, await newArticle(), { body: 'Elsewhere' });
    const crossThread = await comment(reviewer, articleId, { body: 'Reply', parentId: elsewhere.body.id });
    expect(crossThread.status).toBe(400);
    expect(crossThread.body.details).toEqual([expect.objectContaining({ field: 'parentId' })]);

    expect((await comment(reviewer, articleId, { body: '   ' })).status).toBe(400);
    expect((await comment(reviewer, '7f1c1a60-0000-4000-8000-000000000000', { body: 'x' })).status).toBe(404);
  });

  it("is resolved by the comment's author, the article's author or an editor, and by nobody else", async () => {
    const articleId = await newArticle();
    const byReviewer = async () => {
      t.clock.advance(1000);
      return (await comment(reviewer, articleId, { body: 'Check the dose.' })).body.id as string;
    };

    const first = await byReviewer();
    const refused = await resolve(otherWriter, articleId, first);
    expect(refused.status).toBe(403);
    const resolved = await resolve(reviewer, articleId, first);
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      resolvedById: reviewer.id,
      resolvedAt: t.clock.now().toISOString(),
    });
    expect((await resolve(reviewer, articleId, first)).status).toBe(409);

    expect((await resolve(writer, articleId, await byReviewer())).status).toBe(200);
    expect((await resolve(editor, articleId, await byReviewer())).status).toBe(200);
    expect((await resolve(editor, await newArticle(), first)).status).toBe(404);

    const listed = await t.http().get(`/articles/${articleId}/comments`).set(writer.auth);
    expect(listed.body.map((view: { resolvedById: string }) => view.resolvedById)).toEqual([
      reviewer.id,
      writer.id,
      editor.id,
    ]);
  });

  it('records creating and resolving comments in the audit trail', async () => {
    const articleId = await newArticle();
    const created = await comment(reviewer, articleId, { body: 'Audit me', sectionIndex: 0 });
    await resolve(editor, articleId, created.body.id);
    const events = await t.http().get(`/audit?entityId=${created.body.id}`).set(bearer(t.adminToken));
    expect(
      [...events.body]
        .reverse()
        .map((event: { action: string; actorId: string; articleId: string }) => [
          event.action,
          event.actorId,
          event.articleId,
        ]),
    ).toEqual([
      ['comment.created', reviewer.id, articleId],
      ['comment.resolved', editor.id, articleId],
    ]);
  });
});
