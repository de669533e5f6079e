import { QueueName } from '../../src/core/queues/queues.js';
import { createTestApp, createUser, type TestApp, type TestUser } from '../utils/test-app.js';
import { ADMIN } from '../utils/test-env.js';
import { draftSeed, getArticle, putProfile, submit } from '../utils/workflow.js';
import { CALLERS, COMMENTS_READABLE_BY_ANY_SIGNED_IN_USER, UNDOCUMENTED_ROUTES } from './access-policy.js';
import {
  createWorld,
  fetchOpenApi,
  fillPath,
  headersFor,
  mapLimit,
  operationsOf,
  reportSecurity,
  servedRoutes,
  type World,
} from './support.js';

/** Every property name anywhere in a JSON value. */
function keysOf(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => keysOf(item, into));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      into.push(key);
      keysOf(child, into);
    }
  }
  return into;
}

describe('object-level authorisation and secrets', () => {
  let t: TestApp;
  let world: World;
  /** Attempts on somebody else's article, comment or assignment that were refused with 403. */
  const refused: string[] = [];
  const expectRefused = (what: string, status: number) => {
    expect({ what, status }).toEqual({ what, status: 403 });
    refused.push(what);
  };

  beforeAll(async () => {
    t = await createTestApp();
    world = await createWorld(t);
  }, 120_000);
  afterAll(async () => {
    reportSecurity(
      'object level',
      `${refused.length} attempts on others' articles, comments and assignments refused with 403`,
    );
    await t?.close();
  });

  const state = async (articleId: string) => {
    const res = await getArticle(t, world.users.editor, articleId);
    return {
      status: res.body.status as string,
      version: res.body.version as number,
      revision: res.body.currentRevision as number,
    };
  };

  it("forbids a writer to edit, submit or withdraw another writer's article (403, nothing changes)", async () => {
    const intruder = world.otherWriter;
    const draftBefore = await state(world.draft.id);
    const inReviewBefore = await state(world.inReview.id);

    const edit = await t
      .http()
      .patch(`/articles/${world.draft.id}`)
      .set(intruder.auth)
      .set('If-Match', `"${draftBefore.version}"`)
      .send({ title: 'Taken over' });
    const submitted = await t.http().post(`/articles/${world.draft.id}/submit`).set(intruder.auth);
    const withdrawn = await t.http().post(`/articles/${world.inReview.id}/withdraw`).set(intruder.auth);
    expectRefused("edit another writer's draft", edit.status);
    expectRefused("submit another writer's draft", submitted.status);
    expectRefused("withdraw another writer's article", withdrawn.status);
    expect(await state(world.draft.id)).toEqual(draftBefore);
    expect(await state(world.inReview.id)).toEqual(inReviewBefore);

    // The same edit by the author goes through: the 403 above was about who, not what.
    const own = await t
      .http()
      .patch(`/articles/${world.draft.id}`)
      .set(world.users.writer.auth)
      .set('If-Match', `"${draftBefore.version}"`)
      .send({ title: 'Edited by its author' });
    expect(own.status).toBe(200);
  });

  it("lets any signed-in user read an article's comments (shared desk) but only their author, the article's author or an editor resolve them", async () => {
    const read = await t.http().get(`/articles/${world.draft.id}/comments`).set(world.otherWriter.auth);
    expect(COMMENTS_READABLE_BY_ANY_SIGNED_IN_USER).toBe(true);
    expect(read.status).toBe(200);
    expect(read.body.map((c: { id: string }) => c.id)).toContain(world.commentId);

    for (const outsider of [world.otherWriter, world.otherReviewer, world.users.publisher]) {
      const res = await t
        .http()
        .post(`/articles/${world.draft.id}/comments/${world.commentId}/resolve`)
        .set(outsider.auth);
      expectRefused(`resolve a comment on another writer's article (${outsider.email})`, res.status);
    }
    const after = await t.http().get(`/articles/${world.draft.id}/comments`).set(world.users.writer.auth);
    expect(after.body.find((c: { id: string }) => c.id === world.commentId).resolvedAt).toBeNull();
  });

  it('lets only the assigned reviewer accept, decline or decide, and never the author', async () => {
    const other = world.otherReviewer;
    const before = await state(world.inReview.id);
    const signOffsBefore = (await t.http().get(`/articles/${world.inReview.id}/sign-offs`).set(other.auth))
      .body.length;

    const responses = [
      await t.http().post(`/assignments/${world.inReview.assignmentId}/accept`).set(other.auth),
      await t
        .http()
        .post(`/assignments/${world.inReview.assignmentId}/decline`)
        .set(other.auth)
        .send({ reason: 'Not mine' }),
      await t
        .http()
        .post(`/articles/${world.inReview.id}/reviews`)
        .set(other.auth)
        .send({ decision: 'request_changes', revision: before.revision, comments: 'Rewrite it' }),
      await t
        .http()
        .post(`/articles/${world.inReview.id}/reviews`)
        .set(other.auth)
        .send({ decision: 'approve', revision: before.revision, password: other.password }),
    ];
    ['accept', 'decline', 'request changes on', 'approve'].forEach((action, i) =>
      expectRefused(`${action} another reviewer's assignment`, responses[i].status),
    );
    expect(await state(world.inReview.id)).toEqual(before);
    const assignments = await t
      .http()
      .get(`/assignments?articleId=${world.inReview.id}`)
      .set(world.users.editor.auth);
    expect(assignments.body.find((a: { id: string }) => a.id === world.inReview.assignmentId).status).toBe(
      'accepted',
    );
    expect(
      (await t.http().get(`/articles/${world.inReview.id}/sign-offs`).set(other.auth)).body,
    ).toHaveLength(signOffsBefore);

    // An author who also holds the reviewer role can never review their own article.
    const both: TestUser = await createUser(t, ['writer', 'reviewer']);
    await putProfile(t, both.id);
    const own = await draftSeed(t, both);
    await submit(t, both, own.id);
    const self = await t
      .http()
      .post(`/articles/${own.id}/reviews`)
      .set(both.auth)
      .send({ decision: 'request_changes', revision: 1, comments: 'Looks fine to me' });
    expectRefused('review your own article', self.status);
  });

  it("exposes no password, password hash or anybody's token through any GET route, to any caller", async () => {
    const doc = await fetchOpenApi(t);
    const reviewerId = world.users.reviewer.id;
    const articleIds = [world.draft.id, world.inReview.id, world.published.id];
    const urls = new Set<string>();
    for (const op of operationsOf(doc).filter((o) => o.method === 'GET')) {
      const ids = op.path.startsWith('/public/reviewers')
        ? [reviewerId]
        : op.path.includes('{id}')
          ? articleIds
          : [''];
      for (const id of ids) {
        const path = fillPath(op.path, {
          id,
          number: '1',
          signOffId: world.published.signOffId,
          slug: world.published.slug,
          jobId: world.exportJobId,
        });
        urls.add(op.path.endsWith('/diff') ? `${path}?from=1&to=1` : path);
      }
    }
    for (const route of servedRoutes(t)) {
      if (route.method === 'GET' && UNDOCUMENTED_ROUTES.some((u) => route.path.startsWith(u.prefix))) {
        urls.add(fillPath(route.path, { queueName: QueueName.Notifications }));
      }
    }

    // Secrets that must never be in a response: hashes, anybody's tokens, the signing secret, a password.
    const tokens = world.tokens;
    const secrets = [t.env.JWT_SECRET, ADMIN.password, ...Object.values(world.users).map((u) => u.password)];
    const calls = [...urls].flatMap((url) => CALLERS.map((caller) => ({ url, caller })));
    const results = await mapLimit(calls, 6, async ({ url, caller }) => {
      const res = await t.http().get(url).set(headersFor(world, caller));
      const text = res.text ?? '';
      const found: string[] = [];
      if (/\$argon2/.test(text)) found.push('an argon2 hash');
      if (/password_?hash/i.test(text)) found.push('passwordHash');
      // The API documentation describes the login and signing fields, and the desk's pages are the forms where
      // people type their passwords (never filled in); no other response mentions a password.
      const describesPasswords = url.startsWith('/docs') || url.startsWith('/desk');
      if (!describesPasswords && /password/i.test(text)) found.push('the word password');
      if (url.startsWith('/desk') && /<input[^>]*type="password"[^>]*\svalue=/i.test(text))
        found.push('a filled-in password field');
      if (url.startsWith('/docs') && keysOf(res.body).some((k) => /password_?hash/i.test(k)))
        found.push('a passwordHash field');
      tokens.forEach((token, i) => text.includes(token) && found.push(`access token #${i}`));
      secrets.forEach((secret, i) => text.includes(secret) && found.push(`secret #${i}`));
      return { url, caller, status: res.status, found };
    });
    const leaks = results.filter((r) => r.found.length);
    const ok = results.filter((r) => r.status === 200).length;
    reportSecurity(
      'secrets crawl',
      `${urls.size} GET URLs × ${CALLERS.length} callers = ${calls.length} requests (${ok} answered 200)`,
      `${leaks.length} leaks`,
    );
    expect(leaks).toEqual([]);
    // Not vacuous: the admin's user list was read, with every user in it, and so were the dashboard's queues.
    const users = results.find((r) => r.url === '/users' && r.caller === 'admin');
    expect(users?.status).toBe(200);
    expect(
      results.filter((r) => r.url.startsWith('/admin/queues/api') && r.caller === 'admin' && r.status === 200)
        .length,
    ).toBeGreaterThan(0);
    expect(ok).toBeGreaterThan(calls.length / 3);
  }, 120_000);
});
