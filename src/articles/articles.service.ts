import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ApiError } from '../core/http/api-error.js';
import type { AuthUser } from '../auth/auth-user.js';
import { assertMayChange } from './article-access.js';
import type { Article } from './article.entity.js';
import {
  toArticleSummary,
  toArticleView,
  toRevisionSummary,
  type ArticleReadView,
  toRevisionView,
  type ArticleListView,
  type ArticleView,
  type RevisionSummaryView,
  type RevisionView,
} from './article-view.js';
import { REVISION_NUMBER_MAX, type ListArticlesQuery } from './articles.dto.js';
import { ArticlesRepository } from './articles.repository.js';
import { type ArticleJson, ArticleReadCache } from './article-read-cache.js';
import { AttestedReviewSources } from './attested-review-source.js';
import { etagOf } from './etag.js';
import { DIFF_PAGE_LIMIT_DEFAULT, pageJsonOf, RevisionDiffCache } from './revision-diff-cache.js';
import { RevisionDiffThread } from './revision-diff-thread.js';
import { AppConfig } from '../core/config/app-config.js';

const DEFAULT_PAGE_SIZE = 20;

function encodeCursor(updatedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([updatedAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  try {
    const [updatedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof updatedAt === 'string' &&
      !Number.isNaN(Date.parse(updatedAt)) &&
      typeof id === 'string' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
    ) {
      return { updatedAt, id };
    }
  } catch {
    // falls through to the 400 below
  }
  throw ApiError.badRequest('cursor is not one this listing returned', [
    { field: 'cursor', reason: 'must be the nextCursor of a previous page' },
  ]);
}

/**
 * Reading articles: one with its current content, the desk's listing, revisions and the diff between two.
 * Writing lives beside it: ArticleDrafts (create, edit) and ArticleSubmission (submit, withdraw).
 */
@Injectable()
export class ArticlesService implements OnModuleDestroy {
  /** Diffs by pair of content hashes, bounded in size, on a thread that reads the revisions itself (#15 §7). */
  private readonly diffs: RevisionDiffCache;

  constructor(
    private readonly articles: ArticlesRepository,
    private readonly readCache: ArticleReadCache,
    private readonly attestedReviews: AttestedReviewSources,
    config: AppConfig,
  ) {
    this.diffs = new RevisionDiffCache(new RevisionDiffThread(undefined, config.env.DATABASE_URL));
  }

  async get(id: string): Promise<ArticleView> {
    const found = await this.articles.findWithCurrentContent(id);
    if (!found) throw ApiError.notFound('Article');
    return toArticleView(found.article, found.current);
  }

  /**
   * GET /articles/:id's answer as JSON bytes with its ETag: from memory while the article is unchanged (see
   * ArticleReadCache), else read, serialised once and kept.
   */
  async getJson(id: string): Promise<ArticleJson> {
    const cached = this.readCache.get(id);
    if (cached) return cached;
    const ticket = this.readCache.ticket();
    const found = await this.articles.findWithCurrentContent(id);
    if (!found) throw ApiError.notFound('Article');
    const view: ArticleReadView = {
      ...toArticleView(found.article, found.current),
      attestedReviews: await this.attestedReviews.forArticle(id),
    };
    const json = { etag: etagOf(found.article.version), body: Buffer.from(JSON.stringify(view), 'utf8') };
    this.readCache.set(id, json, ticket);
    return json;
  }

  /** The article as its editor sees it, if the actor may change it (the rule of PATCH): 404, else 403. */
  async getEditable(actor: AuthUser, id: string): Promise<ArticleView> {
    const found = await this.articles.findWithCurrentContent(id);
    if (!found) throw ApiError.notFound('Article');
    assertMayChange(actor, found.article, 'edit');
    return toArticleView(found.article, found.current);
  }

  /** The editorial desk's listing: filters, full-text search, newest change first, keyset pages. */
  async list(query: ListArticlesQuery): Promise<ArticleListView> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.articles.list({
      status: query.status,
      specialty: query.specialty,
      authorId: query.author,
      q: query.q,
      after: query.cursor ? decodeCursor(query.cursor) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => toArticleSummary(row.article, row.contentHash)),
      nextCursor: rows.length > limit && last ? encodeCursor(last.cursorAt, last.article.id) : null,
    };
  }

  async listRevisions(id: string): Promise<RevisionSummaryView[]> {
    await this.requireArticle(id);
    return (await this.articles.listRevisions(id)).map(toRevisionSummary);
  }

  async getRevision(id: string, number: number): Promise<RevisionView> {
    await this.requireArticle(id);
    // Outside the integer range no revision exists; asking PostgreSQL would be an out-of-range error.
    if (number < 1 || number > REVISION_NUMBER_MAX)
      throw ApiError.notFound(`Revision ${number} of this article`);
    const revision = await this.articles.findRevision(id, number);
    if (!revision) throw ApiError.notFound(`Revision ${number} of this article`);
    return toRevisionView(revision);
  }

  /** Stops the diff thread with the application. */
  async onModuleDestroy(): Promise<void> {
    await this.diffs.close();
  }

  /**
   * What changed from one revision to another (typically: since the revision a physician signed), as the UTF-8
   * JSON of a RevisionDiffView: the changes are serialised on the diff thread, a page is copied together here.
   */
  async diffJson(
    id: string,
    from: number,
    to: number,
    page: { offset?: number; limit?: number } = {},
  ): Promise<Buffer> {
    await this.requireArticle(id);
    const hashes = await this.articles.findRevisionHashes(id, [from, to]);
    const missing = [from, to].filter((number) => !hashes.has(number));
    if (missing.length) throw ApiError.notFound(`Revision ${missing.join(' and ')} of this article`);
    const fromHash = hashes.get(from)!;
    const toHash = hashes.get(to)!;
    // The content (up to 1 MiB each) is read only when the pair is not cached (later pages cost a lookup), by
    // the diff thread itself; without the thread (tests on the sources), as the JSON text PostgreSQL holds.
    const changes = await this.diffs.changesJson(fromHash, toHash, async () => {
      if (this.diffs.readsDatabase) return { articleId: id, from, to };
      const texts = await this.articles.findRevisionContentTexts(id, [from, to]);
      return { before: texts.get(from)!, after: texts.get(to)! };
    });
    const paged = pageJsonOf(changes, page.offset ?? 0, page.limit ?? DIFF_PAGE_LIMIT_DEFAULT);
    return Buffer.concat([
      Buffer.from(
        `{"from":${from},"to":${to},"fromHash":${JSON.stringify(fromHash)},"toHash":${JSON.stringify(toHash)},"changes":`,
      ),
      ...paged.changes,
      Buffer.from(`,"total":${paged.total},"offset":${paged.offset},"nextOffset":${paged.nextOffset}}`),
    ]);
  }

  private async requireArticle(id: string): Promise<Article> {
    const article = await this.articles.findById(id);
    if (!article) throw ApiError.notFound('Article');
    return article;
  }
}
