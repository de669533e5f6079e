import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArticleContent } from '../../src/articles/article-content.js';
import { Article } from '../../src/articles/article.entity.js';
import { ArticlesRepository } from '../../src/articles/articles.repository.js';
import { renderContent } from '../../src/articles/markdown-renderer.js';
import { Revision } from '../../src/articles/revision.entity.js';
import { contentHash } from '../../src/core/crypto/content-hash.js';
import { inTransaction } from '../../src/core/database/transaction.js';
import { DomainEvents } from '../../src/core/events/domain-events.js';
import { QueueName } from '../../src/core/queues/queues.js';
import { bylineText } from '../../src/sign-offs/byline.js';
import type { SignOff } from '../../src/sign-offs/sign-off.entity.js';
import { SignOffsRepository } from '../../src/sign-offs/sign-offs.repository.js';
import { bearer, createUser, type TestApp, type TestUser } from './test-app.js';

export { ALAN, seedContent } from './workflow.js';
import { ALAN, seedContent } from './workflow.js';

/** A folder of its own for PUBLISH_DIR, so test files never share an export directory. */
export function tempPublishDir(): string {
  return mkdtempSync(join(tmpdir(), 'mrs-publish-'));
}

/** Every role the publishing tests act as, created through the API. */
export interface Cast {
  writer: TestUser;
  reviewer: TestUser;
  publisher: TestUser;
  editor: TestUser;
}

export async function createCast(t: TestApp, profile: Partial<typeof ALAN> = {}): Promise<Cast> {
  const writer = await createUser(t, ['writer'], { name: 'Wendy Writer' });
  const reviewer = await createUser(t, ['reviewer'], { name: profile.displayName ?? ALAN.displayName });
  const res = await t
    .http()
    .put(`/users/${reviewer.id}/reviewer-profile`)
    .set(bearer(t.adminToken))
    .send({ ...ALAN, ...profile });
  if (res.status !== 200)
    throw new Error(`reviewer profile failed: ${res.status} ${JSON.stringify(res.body)}`);
  const publisher = await createUser(t, ['publisher'], { name: 'Pat Publisher' });
  const editor = await createUser(t, ['editor'], { name: 'Eddie Editor' });
  return { writer, reviewer, publisher, editor };
}

/** Content as the articles module stores it: every optional field present. */
export function normalised(content: ArticleContent): ArticleContent {
  return {
    ...content,
    references: content.references.map((r) => ({ ...r, year: r.year ?? null })),
    images: content.images.map((i) => ({
      url: i.url,
      alt: i.alt,
      caption: i.caption ?? null,
      sectionIndex: i.sectionIndex ?? null,
    })),
  };
}

export interface DraftedArticle {
  id: string;
  slug: string;
}

/**
 * Inserts an article and its first revision the way the drafting module stores them (rendered, sanitised
 * HTML saved with the revision), until the whole review flow is driven through the API in these tests.
 */
export async function insertArticle(
  t: TestApp,
  writer: TestUser,
  overrides: Partial<ArticleContent> = {},
): Promise<DraftedArticle> {
  const content = normalised({
    ...seedContent(),
    slug: `baclofen-${randomBytes(4).toString('hex')}`,
    ...overrides,
  });
  const article = await t.dataSource.getRepository(Article).save(
    t.dataSource.getRepository(Article).create({
      slug: content.slug,
      title: content.title,
      specialty: content.specialty,
      status: 'in_review',
      authorId: writer.id,
      currentRevision: 1,
    }),
  );
  await t.dataSource.getRepository(Revision).insert({
    articleId: article.id,
    number: 1,
    content,
    rendered: renderContent(content),
    contentHash: contentHash(content),
    createdById: writer.id,
    changeNote: null,
  });
  return { id: article.id, slug: content.slug };
}

/** A writer's edit: a new revision that no sign-off covers; the article goes back to draft unless it is live. */
export async function editArticle(
  t: TestApp,
  articleId: string,
  writer: TestUser,
  changes: Partial<ArticleContent>,
): Promise<number> {
  const articles = t.app.get(ArticlesRepository, { strict: false });
  return t.dataSource.transaction(async (tx) => {
    const article = await articles.lockById(tx, articleId);
    const current = (await articles.findRevision(articleId, article.currentRevision, tx))!;
    const content = normalised({ ...current.content, ...changes });
    const number = article.currentRevision + 1;
    await tx.getRepository(Revision).insert({
      articleId,
      number,
      content,
      rendered: renderContent(content),
      contentHash: contentHash(content),
      createdById: writer.id,
      changeNote: 'edit',
    });
    await tx.getRepository(Article).update(
      { id: articleId },
      {
        currentRevision: number,
        title: content.title,
        version: article.version + 1,
        status: article.status === 'published' ? 'published' : 'draft',
      },
    );
    return number;
  });
}

export interface SignOptions {
  signedAt?: Date;
  /** The licence expiry snapshotted at signing (an expired one makes the sign-off unusable). */
  licenseExpiresOn?: string;
  nextReviewDueAt?: Date | null;
  /** Who the sign-off says signed (the profile snapshot); Alan Lucks unless given. */
  signer?: Partial<Pick<typeof ALAN, 'displayName' | 'credentials' | 'affiliation'>>;
}

/**
 * Signs the current revision as the reviews module does: inserts the sign-off, updates the article (approved,
 * or still published for a re-review), and emits `article.signed` in the same transaction.
 */
export async function signCurrentRevision(
  t: TestApp,
  articleId: string,
  reviewer: TestUser,
  options: SignOptions = {},
): Promise<SignOff> {
  const articles = t.app.get(ArticlesRepository, { strict: false });
  const signOffs = t.app.get(SignOffsRepository, { strict: false });
  const events = t.app.get(DomainEvents);
  const timeZone = t.env.PUBLICATION_TIMEZONE;
  return inTransaction(t.dataSource, async (tx, ctx) => {
    const article = await articles.lockById(tx, articleId);
    const revision = (await articles.findRevision(articleId, article.currentRevision, tx))!;
    const signedAt = options.signedAt ?? t.clock.now();
    const signOff = await signOffs.insert(tx, {
      articleId,
      revisionNumber: revision.number,
      contentHash: revision.contentHash,
      reviewerId: reviewer.id,
      decisionId: randomUUID(),
      reviewerDisplayName: options.signer?.displayName ?? ALAN.displayName,
      reviewerCredentials: options.signer?.credentials ?? ALAN.credentials,
      reviewerAffiliation: options.signer?.affiliation ?? ALAN.affiliation,
      licenseNumber: ALAN.licenseNumber,
      licenseRegion: ALAN.licenseRegion,
      licenseExpiresOn: options.licenseExpiresOn ?? ALAN.licenseExpiresOn,
      meaning: 'medical review',
      signedAt,
    });
    await articles.writeWorkflow(tx, article, {
      status: article.status === 'published' ? 'published' : 'approved',
      latestSignOff: {
        id: signOff.id,
        revision: revision.number,
        contentHash: revision.contentHash,
        reviewerId: reviewer.id,
        signedAt: signedAt.toISOString(),
        byline: bylineText(signOff, timeZone),
      },
      lastReviewedAt: signedAt,
      nextReviewDueAt:
        options.nextReviewDueAt === undefined
          ? new Date(signedAt.getTime() + 365 * 24 * 3600 * 1000)
          : options.nextReviewDueAt,
    });
    await events.emit(tx, ctx, { type: 'article.signed', article, signOff, actorId: reviewer.id });
    return signOff;
  });
}

/** Drafts the seed article and signs it: ready to publish. */
export async function signedArticle(
  t: TestApp,
  cast: Cast,
  overrides: Partial<ArticleContent> = {},
  options: SignOptions = {},
): Promise<DraftedArticle & { signOff: SignOff }> {
  const article = await insertArticle(t, cast.writer, overrides);
  const signOff = await signCurrentRevision(t, article.id, cast.reviewer, options);
  return { ...article, signOff };
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function publishingQueue(t: TestApp): Queue {
  return t.app.get<Queue>(getQueueToken(QueueName.Publishing));
}

/** Waits until the publishing queue has nothing waiting or running (delayed jobs, e.g. schedules, may remain). */
export async function publishingIdle(t: TestApp): Promise<void> {
  const queue = publishingQueue(t);
  await eventually(async () => {
    const counts = await queue.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children');
    return Object.values(counts).every((n) => n === 0);
  }, 'the publishing queue to drain');
}
