import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, QueryFailedError } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Clock } from '../core/clock/clock.js';
import { ApiError } from '../core/http/api-error.js';
import type { ArticleContent, RenderedContent } from './article-content.js';
import {
  changedFields,
  EMPTY_CONTENT,
  hashContent,
  normaliseContent,
  searchParts,
  structuralProblems,
} from './article-content.rules.js';
import { assertMayChange, staleVersion } from './article-access.js';
import { Article } from './article.entity.js';
import { ArticleWorkflow, INITIAL_STATUS, requireTransition, WorkflowEvent } from './article-workflow.js';
import { toArticleView, type ArticleView } from './article-view.js';
import type { CreateArticleDto, UpdateArticleDto } from './articles.dto.js';
import {
  allSearchVectors,
  ArticlesRepository,
  searchPartsToParse,
  type SearchParts,
} from './articles.repository.js';
import { parseIfMatch } from './etag.js';
import { LastWrittenArticles } from './last-written-articles.js';
import { renderContent } from './markdown-renderer.js';
import type { Revision } from './revision.entity.js';
import { firstFreeSlug, slugFromTitle } from './slug.js';

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

/** A new article's content, normalised, checked and rendered (no database yet): what `insertDrafts` writes. */
export interface PreparedDraft {
  content: ArticleContent;
  rendered: RenderedContent;
  changeNote: string | null;
}

/**
 * Drafting: articles as structured content in immutable, numbered revisions; a new article, and each edit under
 * optimistic concurrency (If-Match), as one revision.
 */
/** A new article in draft at version 1 with its revision 1, as `create` and `insertDrafts` write them. */
function newDraft(
  authorId: string,
  content: ArticleContent,
  rendered: Revision['rendered'],
  changeNote: string | null,
  now: Date,
): { article: Article; revision: Revision } {
  const article = Object.assign(new Article(), {
    id: randomUUID(),
    slug: content.slug,
    title: content.title,
    specialty: content.specialty,
    status: INITIAL_STATUS,
    authorId,
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
    createdById: authorId,
    changeNote,
    createdAt: now,
  };
  return { article, revision };
}

/** The search pieces, each as the tsvector PostgreSQL gave for that very text before when known, else as text. */
function searchPartsKnown(texts: readonly string[], known: ReadonlyMap<string, string> | undefined): SearchParts {
  const vectors = texts.map((text) => known?.get(text) ?? null);
  return { texts: texts.map((text, i) => (vectors[i] === null ? text : null)), vectors };
}

/** Each piece's text with its tsvector (text form), the given ones and those the write parsed. */
function searchVectorsByText(
  texts: readonly string[],
  search: SearchParts,
  parsed: readonly string[],
): Map<string, string> {
  const vectors = allSearchVectors(search, parsed);
  return new Map(texts.map((text, i) => [text, vectors[i]]));
}

@Injectable()
export class ArticleDrafts {
  constructor(
    private readonly articles: ArticlesRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly workflow: ArticleWorkflow,
    private readonly lastWritten: LastWrittenArticles,
  ) {}

  /** Creates an article in draft with its revision 1; the slug comes from the title unless given. */
  async create(actor: AuthUser, dto: CreateArticleDto): Promise<ArticleView> {
    const { changeNote, ...fields } = dto;
    const draft = normaliseContent({ ...EMPTY_CONTENT, ...withoutUndefined(fields) });
    this.assertStructurallyValid(draft);
    const rendered = renderContent(draft);

    for (let attempt = 1; ; attempt++) {
      try {
        // A requested slug is not looked up first: the unique index refuses a taken one (caught below).
        const slug = dto.slug || (await this.derivedSlug(draft.title));
        const content: ArticleContent = { ...draft, slug };
        const now = this.clock.now();
        const { article, revision } = newDraft(actor.id, content, rendered, changeNote ?? null, now);
        const texts = searchParts(content);
        const search = searchPartsToParse(texts);
        // One statement: the article, its revision 1 and the audit event commit together or not at all.
        const { parsedSearchVectors } = await this.articles.insertArticleWithRevision(
          article,
          search,
          revision,
          (name, source, first) =>
            this.audit.appendPerRowSql(
              name,
              source,
              {
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
              },
              first,
            ),
        );
        this.lastWritten.remember(
          article,
          content,
          revision.contentHash,
          searchVectorsByText(texts, search, parsedSearchVectors),
        );
        return toArticleView(article, revision);
      } catch (error) {
        if (!isSlugTaken(error)) throw error;
        if (dto.slug) throw slugConflict(dto.slug);
        if (attempt >= SLUG_RACE_ATTEMPTS) throw slugConflict(slugFromTitle(draft.title));
      }
    }
  }

  /**
   * The CPU half of `create` for a caller that writes many articles in one transaction (the import): the same
   * normalising, structural checks (the same 400) and rendering. The slug must be given.
   */
  prepareDraft(dto: CreateArticleDto & { slug: string }): PreparedDraft {
    const { changeNote, ...fields } = dto;
    const content = normaliseContent({ ...EMPTY_CONTENT, ...withoutUndefined(fields) });
    this.assertStructurallyValid(content);
    return { content, rendered: renderContent(content), changeNote: changeNote ?? null };
  }

  /**
   * Writes prepared drafts as new articles (draft, revision 1) inside the caller's transaction: one INSERT for
   * the articles, one for the revisions, and each one's `article.created` audit event, as `create` records it.
   * Each slug must be free: a taken one fails the whole statement (UQ_articles_slug) and the caller's
   * transaction with it.
   */
  async insertDrafts(
    tx: EntityManager,
    actor: AuthUser,
    drafts: readonly PreparedDraft[],
  ): Promise<{ article: Article; revision: Revision }[]> {
    const now = this.clock.now();
    const created = drafts.map(({ content, rendered, changeNote }) => {
      return newDraft(actor.id, content, rendered, changeNote, now);
    });
    await this.articles.insertArticles(
      tx,
      created.map(({ article, revision }) => ({ article, searchParts: searchParts(revision.content) })),
    );
    await this.articles.insertRevisions(
      tx,
      created.map(({ revision }) => revision),
    );
    await this.audit.recordMany(
      tx,
      created.map(({ article, revision }) => ({
        actorId: actor.id,
        action: 'article.created',
        entityType: 'article',
        entityId: article.id,
        articleId: article.id,
        after: {
          slug: article.slug,
          title: article.title,
          status: article.status,
          revision: 1,
          contentHash: revision.contentHash,
        },
      })),
    );
    return created;
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
    // What this process's last write left at exactly that version, if any: then nothing is read before the
    // write, whose UPDATE applies only if the article is still at that version.
    const remembered =
      expectedVersion === undefined ? undefined : this.lastWritten.get(id, expectedVersion);
    const found = remembered ?? (await this.articles.findWithCurrentContent(id));
    if (!found) throw ApiError.notFound('Article');
    const { article, current } = found;
    assertMayChange(actor, article, 'edit');
    if (expectedVersion === undefined) {
      throw ApiError.preconditionRequired(
        `Send If-Match with the version you edited (the ETag of GET /articles/${id}, now "${article.version}")`,
      );
    }
    // An edit of an approved, published or archived article puts it back to draft (the table's `edit` row).
    requireTransition(article.status, WorkflowEvent.Edit);
    if (article.version !== expectedVersion) throw staleVersion(expectedVersion, article.version);

    const { changeNote, ...fields } = dto;
    const next = normaliseContent({ ...current.content, ...withoutUndefined(fields) });
    this.assertStructurallyValid(next);
    if (next.slug !== current.content.slug) await this.assertSlugChangeAllowed(article, next.slug);
    const contentHash = hashContent(next);
    // Nothing a reader could see changed: no new revision (it would only make a current sign-off stale).
    if (contentHash === current.contentHash) {
      if (!remembered) return toArticleView(article, current);
      // Nothing is written to check the version against: it is read.
      const fresh = await this.articles.findWithCurrentContent(id);
      if (!fresh) throw ApiError.notFound('Article');
      if (fresh.article.version !== expectedVersion) throw staleVersion(expectedVersion, fresh.article.version);
      return toArticleView(fresh.article, fresh.current);
    }

    const rendered = renderContent(next);
    // The pieces of the search text this process parsed before (the remembered version's) are not parsed again.
    const texts = searchParts(next);
    const search = searchPartsKnown(texts, remembered?.searchVectors);
    const now = this.clock.now();
    const revision = {
      content: next,
      contentHash,
      rendered,
      createdById: actor.id,
      changeNote: changeNote ?? null,
    };
    try {
      // One statement: the conditional UPDATE, the revision and the audit event commit together or not at all.
      const advanced = await this.workflow.saveEdit(
        article,
        {
          id,
          expectedVersion,
          title: next.title,
          slug: next.slug,
          specialty: next.specialty,
          search,
          updatedAt: now,
        },
        revision,
        (after) => ({
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
            status: after.status,
            version: after.version,
            revision: after.currentRevision,
            contentHash,
            changedFields: changedFields(current.content, next),
            changeNote: revision.changeNote,
          },
        }),
      );
      if (!advanced) {
        this.lastWritten.forget(id, expectedVersion);
        // The article moved on since it was read (or remembered): refused as a read of it now would refuse it.
        const fresh = await this.articles.findById(id);
        if (!fresh) throw ApiError.notFound('Article');
        assertMayChange(actor, fresh, 'edit');
        requireTransition(fresh.status, WorkflowEvent.Edit);
        throw staleVersion(expectedVersion, fresh.version);
      }
      const updated = Object.assign(article, {
        version: advanced.version,
        currentRevision: advanced.currentRevision,
        title: next.title,
        slug: next.slug,
        specialty: next.specialty,
        status: advanced.status,
        updatedAt: now,
      });
      this.lastWritten.remember(
        updated,
        next,
        contentHash,
        searchVectorsByText(texts, search, advanced.parsedSearchVectors),
      );
      return toArticleView(updated, revision);
    } catch (error) {
      if (isSlugTaken(error)) throw slugConflict(next.slug);
      throw error;
    }
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

  /** The slug derived from the title, suffixed (`-2`, `-3`, …) past every article that already has it. */
  private async derivedSlug(title: string): Promise<string> {
    const base = slugFromTitle(title);
    return firstFreeSlug(base, await this.articles.slugsStartingWith(base.slice(0, SLUG_STEM_LENGTH)));
  }
}
