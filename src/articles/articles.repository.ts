import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository, SelectQueryBuilder } from 'typeorm';
import type { QueryResultRow } from 'pg';
import { Clock } from '../core/clock/clock.js';
import { queryPrepared } from '../core/database/prepared-query.js';
import { Article, type ArticleStatus } from './article.entity.js';
import { ArticleError } from './articles.exception.js';
import { ArticleReadCache } from './article-read-cache.js';
import { Revision } from './revision.entity.js';
import type { ArticleContent } from './article-content.js';
import type { AuditCte } from '../audit/audit.service.js';

export type WorkflowChanges = Partial<
  Pick<
    Article,
    | 'status'
    | 'publishedRevision'
    | 'latestSignOff'
    | 'lastReviewedAt'
    | 'nextReviewDueAt'
    | 'firstPublishedAt'
    | 'reviewCadence'
  >
>;

/** Each workflow field's column and SQL type, for writing many articles' changes in one statement. */
const WORKFLOW_COLUMNS: Readonly<Record<keyof WorkflowChanges, readonly [string, string]>> = {
  status: ['status', 'varchar'],
  publishedRevision: ['published_revision', 'int'],
  latestSignOff: ['latest_sign_off', 'jsonb'],
  lastReviewedAt: ['last_reviewed_at', 'timestamptz'],
  nextReviewDueAt: ['next_review_due_at', 'timestamptz'],
  firstPublishedAt: ['first_published_at', 'timestamptz'],
  reviewCadence: ['review_cadence', 'varchar'],
};

/** `($1, $2, …), ($n, …)`: placeholders of a multi-row VALUES list, `width` parameters a row. */
function valuesList(rows: number, width: number, casts: readonly string[] = []): string {
  return Array.from(
    { length: rows },
    (_, row) =>
      `(${Array.from({ length: width }, (_, column) => `$${row * width + column + 1}${casts[column] ? `::${casts[column]}` : ''}`).join(', ')})`,
  ).join(', ');
}

/** Every column of an article row (alias `a`) but its search document, named as the entity's properties. */
const ARTICLE_COLUMNS = `a.id, a.slug, a.title, a.specialty, a.status, a.author_id AS "authorId", a.version,
       a.current_revision AS "currentRevision", a.published_revision AS "publishedRevision",
       a.latest_sign_off AS "latestSignOff", a.review_cadence AS "reviewCadence",
       a.last_reviewed_at AS "lastReviewedAt", a.next_review_due_at AS "nextReviewDueAt",
       a.first_published_at AS "firstPublishedAt", a.created_at AS "createdAt", a.updated_at AS "updatedAt"`;

/** A workflow field as a query parameter (jsonb as its JSON text, so an array would not become a PG array). */
function workflowParameter(field: keyof WorkflowChanges, value: unknown): unknown {
  return WORKFLOW_COLUMNS[field][1] === 'jsonb' && value !== null && value !== undefined
    ? JSON.stringify(value)
    : (value ?? null);
}

/** The text search configuration of the search document and of every query against it. */
export const SEARCH_CONFIG = 'english';

/** What an edit changes on the article row, applied only if the row is still at `expectedVersion`. */
export interface ArticleEdit {
  id: string;
  expectedVersion: number;
  title: string;
  slug: string;
  specialty: string;
  status: ArticleStatus;
  search: SearchParts;
  updatedAt: Date;
}

/**
 * The pieces of an article's search text (`searchParts`), each given either as its text, to be parsed, or, when
 * PostgreSQL parsed that very text before, as the tsvector it gave (its text form): the search document is their
 * `||` in order, whichever way each was given (the same text always gives the same tsvector).
 */
export interface SearchParts {
  texts: readonly (string | null)[];
  vectors: readonly (string | null)[];
}

/** Every piece as text: nothing parsed before. */
export function searchPartsToParse(texts: readonly string[]): SearchParts {
  return { texts, vectors: texts.map(() => null) };
}

/**
 * A materialised CTE `search_parts(n, vector, parsed)`: each piece's tsvector (given, or parsed from its text),
 * from the two array parameters at `vectors` and `texts`.
 */
function searchPartsCte(vectors: number, texts: number): string {
  return `search_parts AS MATERIALIZED (
         SELECT n, coalesce(vector, to_tsvector('${SEARCH_CONFIG}', text)) AS vector, vector IS NULL AS parsed
           FROM unnest($${vectors}::tsvector[], $${texts}::text[]) WITH ORDINALITY AS part(vector, text, n)
       )`;
}

const SEARCH_DOCUMENT = '(SELECT tsvector_concat_agg(vector ORDER BY n) FROM search_parts)';
/** The tsvectors parsed by the statement (text form), in piece order. */
const PARSED_VECTORS =
  '(SELECT coalesce(array_agg(vector::text ORDER BY n), ARRAY[]::text[]) FROM search_parts WHERE parsed)';

/** The tsvectors (text form) of every piece, from what was given and what the statement parsed. */
export function allSearchVectors(parts: SearchParts, parsed: readonly string[]): string[] {
  let next = 0;
  const vectors = parts.vectors.map((vector) => vector ?? parsed[next++]);
  if (next !== parsed.length || vectors.some((vector) => vector === undefined)) {
    throw new Error(`expected ${next} parsed search vectors, got ${parsed.length}`);
  }
  return vectors;
}

export interface ArticleListFilter {
  status?: string;
  specialty?: string;
  authorId?: string;
  q?: string;
  /** Position after which the page starts: the last row of the previous page. */
  after?: { updatedAt: string; id: string };
  limit: number;
}

export interface ArticleListRow {
  article: Article;
  contentHash: string;
  /** updated_at with full (microsecond) precision, for the next page's cursor. */
  cursorAt: string;
}

/**
 * What other modules (reviews, sign-offs, publishing, scheduling) may do with articles. They never write
 * article rows any other way.
 */
@Injectable()
export class ArticlesRepository {
  constructor(
    @InjectRepository(Article) private readonly articles: Repository<Article>,
    @InjectRepository(Revision) private readonly revisions: Repository<Revision>,
    private readonly clock: Clock,
    private readonly readCache: ArticleReadCache,
  ) {}

  findById(id: string, tx?: EntityManager): Promise<Article | null> {
    return (tx ? tx.getRepository(Article) : this.articles).findOne({ where: { id } });
  }

  async findByIds(ids: string[]): Promise<Map<string, Article>> {
    if (!ids.length) return new Map();
    const rows = await this.articles.createQueryBuilder('a').where('a.id IN (:...ids)', { ids }).getMany();
    return new Map(rows.map((article) => [article.id, article]));
  }

  /** The articles that have these slugs, by slug (one query). */
  async findBySlugs(slugs: string[]): Promise<Map<string, Article>> {
    if (!slugs.length) return new Map();
    const rows = await this.articles
      .createQueryBuilder('a')
      .where('a.slug IN (:...slugs)', { slugs })
      .getMany();
    return new Map(rows.map((article) => [article.slug, article]));
  }

  findBySlug(slug: string, tx?: EntityManager): Promise<Article | null> {
    return (tx ? tx.getRepository(Article) : this.articles).findOne({ where: { slug } });
  }

  /** Locks the article row for the rest of the transaction (SELECT … FOR UPDATE); 404 if it does not exist. */
  async lockById(tx: EntityManager, id: string): Promise<Article> {
    // Plain SQL (the columns TypeORM would select, named as the entity's properties): this runs once per publish
    // and per workflow step, and TypeORM's query building was a good part of its cost (#15 §2).
    const article = await this.lockIfExists(tx, id);
    if (!article) throw ArticleError.notFound();
    return article;
  }

  /** As lockById, but null (not 404) when the article does not exist: for jobs that skip a deleted article. */
  async lockIfExists(tx: EntityManager, id: string): Promise<Article | null> {
    const rows = await queryPrepared<Article>(
      tx,
      'article_lock',
      `SELECT ${ARTICLE_COLUMNS} FROM articles a WHERE a.id = $1 FOR UPDATE`,
      [id],
    );
    return rows.length ? Object.assign(new Article(), rows[0]) : null;
  }

  /**
   * Locks the articles of `ids` that exist (a map by id), in id order: two transactions locking several articles
   * this way never wait on each other in a cycle. For jobs that work on a group of articles at once.
   */
  async lockManyIfExist(tx: EntityManager, ids: readonly string[]): Promise<Map<string, Article>> {
    const rows = await queryPrepared<Article>(
      tx,
      'articles_lock_many',
      `SELECT ${ARTICLE_COLUMNS} FROM articles a WHERE a.id = ANY($1::uuid[]) ORDER BY a.id FOR UPDATE`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, Object.assign(new Article(), row)]));
  }

  /** The content and content hash of revisions of several articles, by (article, number), in one statement. */
  async findRevisionContentsOf(
    tx: EntityManager,
    revisions: readonly { articleId: string; number: number }[],
  ): Promise<{ articleId: string; number: number; contentHash: string; content: ArticleContent }[]> {
    if (!revisions.length) return [];
    return queryPrepared(
      tx,
      'revision_contents_of',
      `SELECT r.article_id AS "articleId", r.number, r.content_hash AS "contentHash", r.content
         FROM unnest($1::uuid[], $2::int[]) AS wanted(article_id, number)
         JOIN revisions r ON r.article_id = wanted.article_id AND r.number = wanted.number`,
      [revisions.map((revision) => revision.articleId), revisions.map((revision) => revision.number)],
    );
  }

  findRevision(articleId: string, number: number, tx?: EntityManager): Promise<Revision | null> {
    return (tx ? tx.getRepository(Revision) : this.revisions).findOne({ where: { articleId, number } });
  }

  /**
   * Writes workflow changes to a locked article and bumps its version (so stale ETags are refused). Only
   * `ArticleWorkflow` calls this (the architecture test holds it to that).
   */
  async writeWorkflow(tx: EntityManager, article: Article, changes: WorkflowChanges): Promise<Article> {
    // One plain UPDATE of the changed columns (no TypeORM query building: this is on every publish).
    const { sets, parameters } = this.workflowUpdate(article, changes);
    await tx.query(`UPDATE articles SET ${sets} WHERE id = $1`, parameters);
    return article;
  }

  /**
   * Applies `changes` and the version bump to `article` (dropping its cached read) and gives the UPDATE's SET list
   * and its parameters: $1 the id, $2 the version, $3 updated_at, then one per changed field.
   */
  private workflowUpdate(
    article: Article,
    changes: WorkflowChanges,
  ): { sets: string; parameters: unknown[] } {
    this.readCache.invalidate(article.id);
    Object.assign(article, changes, { version: article.version + 1, updatedAt: this.clock.now() });
    const fields = (Object.keys(changes) as (keyof WorkflowChanges)[]).filter(
      (field) => changes[field] !== undefined,
    );
    const sets = fields.map(
      (field, index) => `${WORKFLOW_COLUMNS[field][0]} = $${index + 4}::${WORKFLOW_COLUMNS[field][1]}`,
    );
    return {
      sets: ['version = $2', 'updated_at = $3', ...sets].join(', '),
      parameters: [
        article.id,
        article.version,
        article.updatedAt,
        ...fields.map((field) => workflowParameter(field, changes[field])),
      ],
    };
  }

  /**
   * `writeWorkflow` of a locked article as the first part of ONE statement: a data-modifying CTE `article_write`
   * (`UPDATE articles … RETURNING id`, one row) followed by the caller's own CTEs and final query, whose
   * parameters `rest` numbers from `firstParameter` (it is called after `article` shows the changes). The
   * caller's writes commit with the article's, and a CTE that appends per row of `article_write` (an audit
   * event) is written only with it. Returns the rows of the caller's final query. Only `ArticleWorkflow` calls
   * this (the architecture test holds it to that).
   */
  async writeWorkflowWith<T>(
    tx: EntityManager,
    article: Article,
    changes: WorkflowChanges,
    rest: (firstParameter: number) => { ctes: string[]; query: string; parameters: unknown[] },
  ): Promise<T[]> {
    const { sets, parameters } = this.workflowUpdate(article, changes);
    const caller = rest(parameters.length + 1);
    // Prepared: this long statement runs at every publish (the caller's CTEs), and its text varies only with the
    // set of changed fields and the caller, so each connection parses it once.
    return queryPrepared<T & QueryResultRow>(
      tx,
      'article_workflow_write',
      `WITH article_write AS (
         UPDATE articles SET ${sets} WHERE id = $1 RETURNING id
       )${caller.ctes.map((cte) => `,\n${cte}`).join('')}
       ${caller.query}`,
      [...parameters, ...caller.parameters],
    );
  }

  /**
   * `writeWorkflow` for several locked (or just inserted) articles: one UPDATE per set of changed fields. Only
   * `ArticleWorkflow` calls this (the architecture test holds it to that).
   */
  async writeWorkflowMany(
    tx: EntityManager,
    items: readonly { article: Article; changes: WorkflowChanges }[],
  ): Promise<void> {
    const now = this.clock.now();
    const groups = new Map<string, { article: Article; changes: WorkflowChanges }[]>();
    for (const item of items) {
      Object.assign(item.article, item.changes, { version: item.article.version + 1, updatedAt: now });
      const key = Object.keys(item.changes).sort().join(',');
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    for (const [key, group] of groups) {
      const fields = (key ? key.split(',') : []) as (keyof WorkflowChanges)[];
      const columns = fields.map((field) => WORKFLOW_COLUMNS[field]);
      const casts = ['uuid', 'int', 'timestamptz', ...columns.map(([, type]) => type)];
      const parameters = group.flatMap(({ article, changes }) => [
        article.id,
        article.version,
        article.updatedAt,
        ...fields.map((field) =>
          field === 'latestSignOff' && changes.latestSignOff !== null
            ? JSON.stringify(changes.latestSignOff)
            : changes[field],
        ),
      ]);
      await tx.query(
        `UPDATE articles AS a
            SET version = v.version, updated_at = v.updated_at${columns.map(([column]) => `, ${column} = v.${column}`).join('')}
           FROM (VALUES ${valuesList(group.length, casts.length, casts)})
             AS v(id, version, updated_at${columns.map(([column]) => `, ${column}`).join('')})
          WHERE a.id = v.id`,
        parameters,
      );
    }
  }

  /** A revision's content and hash, without its rendered HTML (what reads and edits need). */
  findRevisionContent(
    articleId: string,
    number: number,
    tx?: EntityManager,
  ): Promise<Pick<Revision, 'content' | 'contentHash'> | null> {
    return (tx ? tx.getRepository(Revision) : this.revisions).findOne({
      select: { content: true, contentHash: true },
      where: { articleId, number },
    });
  }

  /**
   * An article with the content and hash of its current revision, in one plain statement (read before every
   * edit and by reads); null if there is none.
   */
  async findWithCurrentContent(
    id: string,
  ): Promise<{ article: Article; current: Pick<Revision, 'content' | 'contentHash'> } | null> {
    const rows: (Article & { currentContent: Revision['content']; currentHash: string })[] =
      await this.articles.query(
        `SELECT ${ARTICLE_COLUMNS}, r.content AS "currentContent", r.content_hash AS "currentHash"
           FROM articles a JOIN revisions r ON r.article_id = a.id AND r.number = a.current_revision
          WHERE a.id = $1`,
        [id],
      );
    if (!rows[0]) return null;
    const { currentContent, currentHash, ...article } = rows[0];
    return { article, current: { content: currentContent, contentHash: currentHash } };
  }

  /**
   * An article and the content hash of its current revision (no content), in one plain statement without query
   * building (read by the review page on every request); null if there is none.
   */
  async findWithCurrentHash(id: string): Promise<{ article: Article; currentHash: string } | null> {
    const rows: (Article & { currentHash: string })[] = await this.articles.query(
      `SELECT ${ARTICLE_COLUMNS}, r.content_hash AS "currentHash"
         FROM articles a JOIN revisions r ON r.article_id = a.id AND r.number = a.current_revision
        WHERE a.id = $1`,
      [id],
    );
    if (!rows[0]) return null;
    const { currentHash, ...article } = rows[0];
    return { article, currentHash };
  }

  /** Who wrote the article: its author, and everyone who wrote one of its revisions. */
  async findWriters(
    article: Pick<Article, 'id' | 'authorId'>,
    tx?: EntityManager,
  ): Promise<{ authorId: string; revisionWriterIds: string[] }> {
    const rows = await (tx ? tx.getRepository(Revision) : this.revisions)
      .createQueryBuilder('r')
      .select('DISTINCT r.created_by_id', 'id')
      .where('r.article_id = :articleId', { articleId: article.id })
      .getRawMany<{ id: string }>();
    return { authorId: article.authorId, revisionWriterIds: rows.map((row) => row.id) };
  }

  /** Revisions of an article, oldest first, without content. */
  listRevisions(articleId: string): Promise<Revision[]> {
    return this.revisions.find({
      select: {
        articleId: true,
        number: true,
        contentHash: true,
        createdById: true,
        changeNote: true,
        createdAt: true,
      },
      where: { articleId },
      order: { number: 'ASC' },
    });
  }

  /** Pass the transaction when inside one: a second pool connection per request can starve the pool. */
  async currentVersion(id: string, tx?: EntityManager): Promise<number | null> {
    const article = await (tx ? tx.getRepository(Article) : this.articles).findOne({
      select: { version: true },
      where: { id },
    });
    return article?.version ?? null;
  }

  async slugExists(slug: string, tx?: EntityManager): Promise<boolean> {
    return (tx ? tx.getRepository(Article) : this.articles).exists({ where: { slug } });
  }

  /** Every slug that starts with `prefix` (the candidates a derived slug must avoid). */
  async slugsStartingWith(prefix: string, tx?: EntityManager): Promise<Set<string>> {
    const rows = await (tx ?? this.articles.manager).query<{ slug: string }[]>(
      `SELECT slug FROM articles WHERE slug LIKE $1`,
      [`${prefix.replace(/[\\%_]/g, '\\$&')}%`],
    );
    return new Set(rows.map((row) => row.slug));
  }

  /** New articles (version 1, revision 1) with their search documents, in one INSERT. */
  async insertArticles(
    tx: EntityManager,
    rows: readonly { article: Article; searchParts: readonly string[] }[],
  ): Promise<void> {
    if (!rows.length) return;
    const width = 11;
    const casts = ['uuid', '', '', '', '', 'uuid', 'int', 'int', 'text[]', 'timestamptz', 'timestamptz'];
    const placeholders = Array.from({ length: rows.length }, (_, row) => {
      const p = (column: number) => `$${row * width + column + 1}::${casts[column]}`.replace(/::$/, '');
      const document = `(SELECT tsvector_concat_agg(to_tsvector('${SEARCH_CONFIG}', text) ORDER BY n) FROM unnest(${p(8)}) WITH ORDINALITY AS part(text, n))`;
      return `(${p(0)}, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${document}, ${p(9)}, ${p(10)})`;
    }).join(', ');
    await tx.query(
      `INSERT INTO articles (id, slug, title, specialty, status, author_id, version, current_revision,
                             search_document, created_at, updated_at)
       VALUES ${placeholders}`,
      rows.flatMap(({ article, searchParts }) => [
        article.id,
        article.slug,
        article.title,
        article.specialty,
        article.status,
        article.authorId,
        article.version,
        article.currentRevision,
        searchParts,
        article.createdAt,
        article.updatedAt,
      ]),
    );
  }

  /** Appends several revisions, in one INSERT (the database refuses to change or delete one afterwards). */
  async insertRevisions(tx: EntityManager, revisions: readonly Revision[]): Promise<void> {
    if (!revisions.length) return;
    await tx.query(
      `INSERT INTO revisions (article_id, number, content, rendered, content_hash, created_by_id, change_note, created_at)
       VALUES ${valuesList(revisions.length, 8, ['uuid', 'int', 'jsonb', 'jsonb', '', 'uuid', '', 'timestamptz'])}`,
      revisions.flatMap((revision) => [
        revision.articleId,
        revision.number,
        JSON.stringify(revision.content),
        JSON.stringify(revision.rendered),
        revision.contentHash,
        revision.createdById,
        revision.changeNote,
        revision.createdAt,
      ]),
    );
  }

  /**
   * Only `ArticleWorkflow.saveEdit` calls this (it decides the status). In ONE statement (its own transaction,
   * one round trip): moves the article to its next revision if, and only if, it is still at the expected
   * version (a conditional UPDATE, so of two edits made on the same version exactly one wins), appends that
   * revision, and appends the audit event, the last two only when the UPDATE did. Null when the version had
   * already moved on (nothing is written). `parsedSearchVectors`: the tsvectors of the search pieces given as
   * text (text form, in order), for the caller to give as vectors next time.
   */
  async advanceToNextRevision(
    edit: ArticleEdit,
    revision: Pick<Revision, 'content' | 'rendered' | 'contentHash' | 'createdById' | 'changeNote'>,
    audit: AuditCte,
  ): Promise<{ version: number; currentRevision: number; parsedSearchVectors: string[] } | null> {
    this.readCache.invalidate(edit.id);
    const parameters: unknown[] = [
      edit.id,
      edit.expectedVersion,
      edit.title,
      edit.slug,
      edit.specialty,
      edit.status,
      edit.search.vectors,
      edit.updatedAt,
      JSON.stringify(revision.content),
      JSON.stringify(revision.rendered),
      revision.contentHash,
      revision.createdById,
      revision.changeNote,
      edit.search.texts,
    ];
    const event = audit('recorded', 'advanced', parameters.length + 1);
    // Prepared (parsed and planned once per connection): this is the statement of every edit.
    const rows = await queryPrepared<{ version: number; current_revision: number; parsed: string[] }>(
      this.articles.manager,
      'article_edit',
      `WITH ${searchPartsCte(7, 14)},
       advanced AS (
         UPDATE articles
            SET version = version + 1, current_revision = current_revision + 1,
                title = $3, slug = $4, specialty = $5, status = $6,
                search_document = ${SEARCH_DOCUMENT}, updated_at = $8
          WHERE id = $1 AND version = $2
      RETURNING id, version, current_revision, updated_at
       ),
       appended AS (
         INSERT INTO revisions (article_id, number, content, rendered, content_hash, created_by_id, change_note, created_at)
         SELECT id, current_revision, $9::jsonb, $10::jsonb, $11, $12::uuid, $13, updated_at FROM advanced
       ),
       ${event.sql}
       SELECT version, current_revision, ${PARSED_VECTORS} AS parsed FROM advanced`,
      [...parameters, ...event.parameters],
    );
    const row = rows[0];
    return row
      ? { version: row.version, currentRevision: row.current_revision, parsedSearchVectors: row.parsed }
      : null;
  }

  /**
   * Inserts a new article (version 1, revision 1) with its search document, its revision 1 and the audit event,
   * in ONE statement (its own transaction, one round trip). A taken slug fails it whole (UQ_articles_slug).
   * Returns the tsvectors of the search pieces given as text (text form, in order).
   */
  async insertArticleWithRevision(
    article: Article,
    search: SearchParts,
    revision: Revision,
    audit: AuditCte,
  ): Promise<{ parsedSearchVectors: string[] }> {
    const parameters: unknown[] = [
      article.id,
      article.slug,
      article.title,
      article.specialty,
      article.status,
      article.authorId,
      article.version,
      article.currentRevision,
      search.vectors,
      article.createdAt,
      article.updatedAt,
      revision.number,
      JSON.stringify(revision.content),
      JSON.stringify(revision.rendered),
      revision.contentHash,
      revision.createdById,
      revision.changeNote,
      revision.createdAt,
      search.texts,
    ];
    const event = audit('recorded', 'inserted', parameters.length + 1);
    // Prepared (parsed and planned once per connection): this is the statement of every new article.
    const rows = await queryPrepared<{ parsed: string[] }>(
      this.articles.manager,
      'article_create',
      `WITH ${searchPartsCte(9, 19)},
       inserted AS (
         INSERT INTO articles (id, slug, title, specialty, status, author_id, version, current_revision,
                               search_document, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ${SEARCH_DOCUMENT}, $10, $11)
      RETURNING id
       ),
       appended AS (
         INSERT INTO revisions (article_id, number, content, rendered, content_hash, created_by_id, change_note, created_at)
         SELECT id, $12, $13::jsonb, $14::jsonb, $15, $16::uuid, $17, $18 FROM inserted
       ),
       ${event.sql}
       SELECT ${PARSED_VECTORS} AS parsed FROM inserted`,
      [...parameters, ...event.parameters],
    );
    return { parsedSearchVectors: rows[0].parsed };
  }

  /**
   * The listing query, newest change first (keyset order: updated_at desc, id desc). Exposed so that the
   * benchmark can EXPLAIN exactly what the API runs.
   */
  listingQuery(filter: ArticleListFilter): SelectQueryBuilder<Article> {
    const query = this.articles
      .createQueryBuilder('a')
      .innerJoin(Revision, 'r', 'r.article_id = a.id AND r.number = a.current_revision')
      .addSelect('r.content_hash', 'current_hash')
      .addSelect(`to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'cursor_at')
      .orderBy('a.updated_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(filter.limit);
    if (filter.status) query.andWhere('a.status = :status', { status: filter.status });
    if (filter.specialty) query.andWhere('a.specialty = :specialty', { specialty: filter.specialty });
    if (filter.authorId) query.andWhere('a.author_id = :authorId', { authorId: filter.authorId });
    if (filter.q) {
      query.andWhere(`a.search_document @@ websearch_to_tsquery('${SEARCH_CONFIG}', :q)`, { q: filter.q });
    }
    if (filter.after) {
      query.andWhere('(a.updated_at, a.id) < (CAST(:afterAt AS timestamptz), CAST(:afterId AS uuid))', {
        afterAt: filter.after.updatedAt,
        afterId: filter.after.id,
      });
    }
    return query;
  }

  async list(filter: ArticleListFilter): Promise<ArticleListRow[]> {
    const { entities, raw } = await this.listingQuery(filter).getRawAndEntities<{
      a_id: string;
      current_hash: string;
      cursor_at: string;
    }>();
    const extras = new Map(raw.map((row) => [row.a_id, row]));
    return entities.map((article) => ({
      article,
      contentHash: extras.get(article.id)!.current_hash,
      cursorAt: extras.get(article.id)!.cursor_at,
    }));
  }

  /** The content of several revisions of one article, by number. */
  /** The content hashes of some revisions, without their content (cheap: a diff's cache key). */
  async findRevisionHashes(articleId: string, numbers: number[]): Promise<Map<number, string>> {
    const rows = await this.revisions
      .createQueryBuilder('r')
      .select(['r.number', 'r.contentHash'])
      .where('r.articleId = :articleId', { articleId })
      .andWhere('r.number IN (:...numbers)', { numbers })
      .getMany();
    return new Map(rows.map((revision) => [revision.number, revision.contentHash]));
  }

  /**
   * Revisions' content as the JSON text PostgreSQL holds, by number, without parsing it or reading the rendered
   * HTML: the diff thread parses it (#15 §7), so two 800 KB revisions cost the event loop a string each.
   */
  async findRevisionContentTexts(articleId: string, numbers: number[]): Promise<Map<number, string>> {
    const rows = await this.revisions.query<{ number: number; content: string }[]>(
      'SELECT number, content::text AS content FROM revisions WHERE article_id = $1 AND number = ANY($2::int[])',
      [articleId, numbers],
    );
    return new Map(rows.map((row) => [row.number, row.content]));
  }

  async findRevisions(articleId: string, numbers: number[]): Promise<Map<number, Revision>> {
    const rows = await this.revisions
      .createQueryBuilder('r')
      .where('r.articleId = :articleId', { articleId })
      .andWhere('r.number IN (:...numbers)', { numbers })
      .getMany();
    return new Map(rows.map((revision) => [revision.number, revision]));
  }
}
