import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { ArticleContent } from '../../src/articles/article-content.js';
import { bearer, createUser, type TestApp, type TestUser } from './test-app.js';

export const seedContent = (): ArticleContent =>
  JSON.parse(
    readFileSync(new URL('../fixtures/seed-article.json', import.meta.url), 'utf8'),
  ) as ArticleContent;

export const ALAN = {
  displayName: 'Alan Lucks',
  credentials: 'MD',
  affiliation: 'Alan Lucks MDPC Private Practice - New York',
  specialties: ['neurology'],
  licenseNumber: 'NY-209431',
  licenseRegion: 'US-NY',
  licenseExpiresOn: '2030-06-30',
};

/** A user with the reviewer role and a reviewer profile (licence and specialties). */
export async function createReviewer(
  t: TestApp,
  profile: Partial<typeof ALAN> = {},
  extraRoles: string[] = [],
): Promise<TestUser> {
  const reviewer = await createUser(t, ['reviewer', ...extraRoles], {
    name: profile.displayName ?? ALAN.displayName,
  });
  await putProfile(t, reviewer.id, profile);
  return reviewer;
}

export async function putProfile(
  t: TestApp,
  userId: string,
  profile: Partial<typeof ALAN> = {},
): Promise<void> {
  const res = await t
    .http()
    .put(`/users/${userId}/reviewer-profile`)
    .set(bearer(t.adminToken))
    .send({ ...ALAN, ...profile });
  if (res.status !== 200)
    throw new Error(`reviewer profile failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export interface CreatedArticle {
  id: string;
  version: string;
  currentRevision: number;
  body: Record<string, unknown>;
}

/** Drafts the seed article (with a unique slug) as the writer. */
export async function draftSeed(
  t: TestApp,
  writer: TestUser,
  overrides: Partial<ArticleContent> = {},
): Promise<CreatedArticle> {
  const content = { ...seedContent(), slug: `baclofen-${randomBytes(4).toString('hex')}`, ...overrides };
  const res = await t.http().post('/articles').set(writer.auth).send(content);
  if (res.status !== 201) throw new Error(`create article failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    id: res.body.id,
    version: res.headers.etag,
    currentRevision: res.body.currentRevision,
    body: res.body,
  };
}

export async function submit(t: TestApp, user: TestUser, articleId: string): Promise<void> {
  const res = await t.http().post(`/articles/${articleId}/submit`).set(user.auth);
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`submit failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function getArticle(t: TestApp, user: TestUser, articleId: string) {
  const res = await t.http().get(`/articles/${articleId}`).set(user.auth);
  if (res.status !== 200) throw new Error(`get article failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/** Edits the article as the user, with the current ETag. */
export async function edit(t: TestApp, user: TestUser, articleId: string, changes: Record<string, unknown>) {
  const current = await getArticle(t, user, articleId);
  const res = await t
    .http()
    .patch(`/articles/${articleId}`)
    .set(user.auth)
    .set('If-Match', current.headers.etag)
    .send(changes);
  if (res.status !== 200) throw new Error(`edit failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/** Editor assigns (explicitly or automatically), reviewer accepts. Returns the assignment id. */
export async function assignAndAccept(
  t: TestApp,
  editor: TestUser,
  reviewer: TestUser,
  articleId: string,
  explicit = true,
): Promise<string> {
  const assigned = await t
    .http()
    .post(`/articles/${articleId}/assignments`)
    .set(editor.auth)
    .send(explicit ? { reviewerId: reviewer.id } : {});
  if (assigned.status !== 201)
    throw new Error(`assign failed: ${assigned.status} ${JSON.stringify(assigned.body)}`);
  const accepted = await t.http().post(`/assignments/${assigned.body.id}/accept`).set(reviewer.auth);
  if (accepted.status !== 200)
    throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return assigned.body.id as string;
}

export async function approve(t: TestApp, reviewer: TestUser, articleId: string, revision: number) {
  return t
    .http()
    .post(`/articles/${articleId}/reviews`)
    .set(reviewer.auth)
    .send({ decision: 'approve', revision, password: reviewer.password });
}

/** Writer drafts and submits the seed; editor assigns the reviewer; reviewer accepts and approves. */
export async function signedSeed(
  t: TestApp,
  writer: TestUser,
  editor: TestUser,
  reviewer: TestUser,
  overrides: Partial<ArticleContent> = {},
) {
  const article = await draftSeed(t, writer, overrides);
  await submit(t, writer, article.id);
  await assignAndAccept(t, editor, reviewer, article.id);
  const res = await approve(t, reviewer, article.id, article.currentRevision);
  if (res.status !== 200) throw new Error(`approve failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { article, signOff: res.body.signOff as { id: string; byline: string; revision: number } };
}
