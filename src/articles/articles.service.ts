import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { hasRole, type AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { inTransaction } from '../core/database/transaction.js';
import { ApiError } from '../core/http/api-error.js';
import type { ArticleContent } from './article-content.js';
import {
  changedFields,
  EMPTY_CONTENT,
  hashContent,
  missingForReview,
  normaliseContent,
  searchText,
  structuralProblems,
} from './article-content.rules.js';
import { Article } from './article.entity.js';
import { ArticleWorkflow, INITIAL_STATUS, requireTransition, WorkflowEvent } from './article-workflow.js';
import {
  toArticleSummary,
  toArticleView,
  toRevisionSummary,
  toRevisionView,
  type ArticleListView,
  type ArticleView,
  type RevisionDiffView,
  type RevisionSummaryView,
  type RevisionView,
} from './article-view.js';
import {
  REVISION_NUMBER_MAX,
  type CreateArticleDto,
  type ListArticlesQuery,
  type UpdateArticleDto,
} from './articles.dto.js';
import { ArticlesRepository } from './articles.repository.js';
import { parseIfMatch } from './etag.js';
import { renderContent } from './markdown-renderer.js';
import type { Revision } from './revision.entity.js';
import { DIFF_PAGE_LIMIT_DEFAULT, pageOf, RevisionDiffCache } from './revision-diff-cache.js';
import { firstFreeSlug, slugFromTitle } from './slug.js';

const DEFAULT_PAGE_SIZE = 20;
/** Tries at creating an article when another one takes the same derived slug at the same moment. */
const SLUG_RACE_ATTEMPTS = 5;
/** A derived slug and every suffixed variant of it (`-2`, `-3`, …) start with this many of its characters. */
const SLUG_STEM_LENGTH = 100;

function isSlugTaken(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && driverError.constraint === 'UQ_articles_slug';
}

function slugConflict(slug: string): ApiError {
  return ApiError.conflict(`The slug "${slug}" is already used by another article; choose another`, [
    { field: 'slug', reason: 'is already used by another article' },
  ]);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

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
 * Drafting: articles as structured content in immutable, numbered revisions; edits under optimistic
 * concurrency; the author's side of the workflow (submit, withdraw).
 */
@Injectable()
export class ArticlesService {
  /** Diffs by pair of content hashes, bounded in size (#15 §7). */
  private readonly diffs = new RevisionDiffCache();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly articles: ArticlesRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly workflow: ArticleWorkflow,
  ) {}

  /** Creates an article in draft with its revision 1; the slug comes from the title unless given. */
  async create(actor: AuthUser, dto: CreateArticleDto): Promise<ArticleView> {
    const { changeNote, ...fields } = dto;
    const draft = normaliseContent({ ...EMPTY_CONTENT, ...withoutUndefined(fields) });
    this.assertStructurallyValid(draft);
    const rendered = renderContent(draft);

    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.dataSource, async (tx) => {
          const slug = await this.chooseSlug(dto.slug, draft.title, tx);
          const content: ArticleContent = { ...draft, slug };
          const now = this.clock.now();
          const article = Object.assign(new Article(), {
            id: randomUUID(),
            slug,
            title: content.title,
            specialty: content.specialty,
            status: INITIAL_STATUS,
            authorId: actor.id,
            version: 1,
            currentRevision: 1,
            publishedRevision: null,
            latestSignOff: null,
            reviewCadence: null,
            lastReviewedAt: null,
            nextReviewDueAt: null,
            firstPublishedAt: null,
            createdAt: now,
            updatedAt: now,
          } satisfies Omit<Article, 'searchDocument'>);
          const revision: Revision = {
            articleId: article.id,
            number: 1,
            content,
            contentHash: hashContent(content),
            rendered,
            createdById: actor.id,
            changeNote: changeNote ?? null,
            createdAt: now,
          };
          await this.articles.insertArticle(tx, article, searchText(content));
          await this.articles.insertRevision(tx, revision);
          await this.audit.record(tx, {
            actorId: actor.id,
            action: 'article.created',
            entityType: 'article',
            entityId: article.id,
            articleId: article.id,
            after: {
              slug,
              title: content.title,
              status: article.status,
              revision: 1,
              contentHash: revision.contentHash,
            },
          });
          return toArticleView(article, revision);
        });
      } catch (error) {
        if (!isSlugTaken(error)) throw error;
        if (dto.slug) throw slugConflict(dto.slug);
        if (attempt >= SLUG_RACE_ATTEMPTS) throw slugConflict(slugFromTitle(draft.title));
      }
    }
  }

  async get(id: string): Promise<ArticleView> {
    const found = await this.articles.findWithCurrentContent(id);
    if (!found) throw ApiError.notFound('Article');
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

  /**
   * Saves the next revision. `If-Match` must carry the version the client edited: absent is 428, stale is 412,
   * and nothing is written; of concurrent edits on one version exactly one wins (a conditional UPDATE).
   * An edit of an approved, published or archived article returns it to draft; the live page keeps showing
   * the published revision until a new one is signed and published.
   */
  async edit(
    actor: AuthUser,
    id: string,
    ifMatch: string | undefined,
    dto: UpdateArticleDto,
  ): Promise<ArticleView> {
    const expectedVersion = parseIfMatch(ifMatch);
    const found = await this.articles.findWithCurrentContent(id);
    if (!found) throw ApiError.notFound('Article');
    const { article, current } = found;
    this.assertMayChange(actor, article, 'edit');
    if (expectedVersion === undefined) {
      throw ApiError.preconditionRequired(
        `Send If-Match with the version you edited (the ETag of GET /articles/${id}, now "${article.version}")`,
      );
    }
    // An edit of an approved, published or archived article puts it back to draft (the table's `edit` row).
    requireTransition(article.status, WorkflowEvent.Edit);
    if (article.version !== expectedVersion) throw this.staleVersion(expectedVersion, article.version);

    const { changeNote, ...fields } = dto;
    const next = normaliseContent({ ...current.content, ...withoutUndefined(fields) });
    this.assertStructurallyValid(next);
    if (next.slug !== current.content.slug) await this.assertSlugChangeAllowed(article, next.slug);
    const contentHash = hashContent(next);
    // Nothing a reader could see changed: no new revision (it would only make a current sign-off stale).
    if (contentHash === current.contentHash) return toArticleView(article, current);

    const rendered = renderContent(next);
    const now = this.clock.now();
    try {
      return await inTransaction(this.dataSource, async (tx) => {
        const advanced = await this.workflow.saveEdit(tx, article, {
          id,
          expectedVersion,
          title: next.title,
          slug: next.slug,
          specialty: next.specialty,
          searchText: searchText(next),
          updatedAt: now,
        });
        if (!advanced) {
          throw this.staleVersion(
            expectedVersion,
            (await this.articles.currentVersion(id, tx)) ?? expectedVersion,
          );
        }
        const revision: Revision = {
          articleId: id,
          number: advanced.currentRevision,
          content: next,
          contentHash,
          rendered,
          createdById: actor.id,
          changeNote: changeNote ?? null,
          createdAt: now,
        };
        await this.articles.insertRevision(tx, revision);
        await this.audit.record(tx, {
          actorId: actor.id,
          action: 'article.edited',
          entityType: 'article',
          entityId: id,
          articleId: id,
          before: {
            status: article.status,
            version: article.version,
            revision: article.currentRevision,
            contentHash: current.contentHash,
          },
          after: {
            status: advanced.status,
            version: advanced.version,
            revision: revision.number,
            contentHash,
            changedFields: changedFields(current.content, next),
            changeNote: revision.changeNote,
          },
        });
        const updated = Object.assign(article, {
          version: advanced.version,
          currentRevision: advanced.currentRevision,
          title: next.title,
          slug: next.slug,
          specialty: next.specialty,
          status: advanced.status,
          updatedAt: now,
        });
        return toArticleView(updated, revision);
      });
    } catch (error) {
      if (isSlugTaken(error)) throw slugConflict(next.slug);
      throw error;
    }
  }

  /** Sends a complete draft to review (draft or changes_requested -> in_review); 422 lists what is missing. */
  async submit(actor: AuthUser, id: string, ifMatch?: string): Promise<ArticleView> {
    const expectedVersion = parseIfMatch(ifMatch);
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, id);
      this.assertMayChange(actor, article, 'submit');
      requireTransition(article.status, WorkflowEvent.Submit);
      if (expectedVersion !== undefined && expectedVersion !== article.version) {
        throw this.staleVersion(expectedVersion, article.version);
      }
      const current = await this.currentContent(article, tx);
      const before = { status: article.status, version: article.version };
      // Reviews hears `article.submitted`: the open assignment's reviewer is asked again, or the editors are
      // told a reviewer is needed.
      await this.workflow.apply(
        tx,
        ctx,
        article,
        WorkflowEvent.Submit,
        { missingForReview: missingForReview(current.content) },
        {
          actorId: actor.id,
          audit: {
            action: 'article.submitted',
            before,
            after: (submitted) => ({
              status: submitted.status,
              version: submitted.version,
              revision: submitted.currentRevision,
              contentHash: current.contentHash,
            }),
          },
        },
      );
      return toArticleView(article, current);
    });
  }

  /** Takes an article out of review so it can be edited again (in_review -> draft). */
  async withdraw(actor: AuthUser, id: string, ifMatch?: string): Promise<ArticleView> {
    const expectedVersion = parseIfMatch(ifMatch);
    return inTransaction(this.dataSource, async (tx, ctx) => {
      const article = await this.articles.lockById(tx, id);
      this.assertMayChange(actor, article, 'withdraw');
      requireTransition(article.status, WorkflowEvent.Withdraw);
      if (expectedVersion !== undefined && expectedVersion !== article.version) {
        throw this.staleVersion(expectedVersion, article.version);
      }
      const before = { status: article.status, version: article.version };
      // Reviews hears `article.withdrawn`: open assignments are cancelled.
      await this.workflow.apply(
        tx,
        ctx,
        article,
        WorkflowEvent.Withdraw,
        {},
        {
          actorId: actor.id,
          audit: {
            action: 'article.withdrawn',
            before,
            after: (withdrawn) => ({
              status: withdrawn.status,
              version: withdrawn.version,
              revision: withdrawn.currentRevision,
            }),
          },
        },
      );
      return toArticleView(article, await this.currentContent(article, tx));
    });
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

  /** What changed from one revision to another (typically: since the revision a physician signed). */
  async diff(
    id: string,
    from: number,
    to: number,
    page: { offset?: number; limit?: number } = {},
  ): Promise<RevisionDiffView> {
    await this.requireArticle(id);
    const hashes = await this.articles.findRevisionHashes(id, [from, to]);
    const missing = [from, to].filter((number) => !hashes.has(number));
    if (missing.length) throw ApiError.notFound(`Revision ${missing.join(' and ')} of this article`);
    const fromHash = hashes.get(from)!;
    const toHash = hashes.get(to)!;
    // The content (up to 1 MiB each) is loaded only when the pair is not cached: later pages cost a lookup.
    const changes = await this.diffs.changes(fromHash, toHash, async () => {
      const revisions = await this.articles.findRevisions(id, [from, to]);
      return { before: revisions.get(from)!.content, after: revisions.get(to)!.content };
    });
    return {
      from,
      to,
      fromHash,
      toHash,
      ...pageOf(changes, page.offset ?? 0, page.limit ?? DIFF_PAGE_LIMIT_DEFAULT),
    };
  }

  private async requireArticle(id: string): Promise<Article> {
    const article = await this.articles.findById(id);
    if (!article) throw ApiError.notFound('Article');
    return article;
  }

  private async currentContent(
    article: Article,
    tx?: EntityManager,
  ): Promise<Pick<Revision, 'content' | 'contentHash'>> {
    const current = await this.articles.findRevisionContent(article.id, article.currentRevision, tx);
    if (!current) throw new Error(`article ${article.id} has no revision ${article.currentRevision}`);
    return current;
  }

  /** Writers change their own articles; editors change any. */
  private assertMayChange(actor: AuthUser, article: Article, action: string): void {
    if (hasRole(actor, 'editor')) return;
    if (hasRole(actor, 'writer') && article.authorId === actor.id) return;
    throw ApiError.forbidden(`Only the article's author or an editor can ${action} it`);
  }

  private assertStructurallyValid(content: ArticleContent): void {
    const problems = structuralProblems(content);
    if (problems.length) {
      throw ApiError.badRequest(
        `Invalid request: check ${problems.map((p) => p.field).join(', ')}`,
        problems,
      );
    }
  }

  /** The slug is part of the public URL: it may change only until the article is first published. */
  private async assertSlugChangeAllowed(article: Article, slug: string): Promise<void> {
    if (article.publishedRevision !== null || article.firstPublishedAt !== null) {
      throw ApiError.conflict(
        `The slug can no longer change: the article has been published at /${article.slug}, and its URL must stay stable`,
        [{ field: 'slug', reason: 'is fixed once the article has been published' }],
      );
    }
    if (await this.articles.slugExists(slug)) throw slugConflict(slug);
  }

  private async chooseSlug(requested: string | undefined, title: string, tx: EntityManager): Promise<string> {
    if (requested) {
      if (await this.articles.slugExists(requested, tx)) throw slugConflict(requested);
      return requested;
    }
    const base = slugFromTitle(title);
    return firstFreeSlug(base, await this.articles.slugsStartingWith(base.slice(0, SLUG_STEM_LENGTH), tx));
  }

  private staleVersion(sent: number, current: number): ApiError {
    return new ApiError(
      HttpStatus.PRECONDITION_FAILED,
      `The article changed since you loaded it: you sent If-Match "${sent}", it is now at version "${current}". ` +
        'Reload it, re-apply your changes and save again',
      [{ field: 'If-Match', reason: 'is stale', sentVersion: sent, currentVersion: current }],
    );
  }
}
