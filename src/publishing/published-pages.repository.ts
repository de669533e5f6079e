import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { queryPrepared } from '../core/database/prepared-query.js';
import { pageModifiedAt, type PageSource } from './page-view-model.js';
import { PublishedPage } from './published-page.entity.js';

export interface LivePageSummary {
  articleId: string;
  slug: string;
  title: string;
  description: string;
  lastReviewedAt: Date;
  modifiedAt: Date;
}

/** A page the directory export has to write (or rewrite): its stored HTML differs from what is on disk. */
export interface PageToWrite {
  articleId: string;
  slug: string;
  html: string;
  htmlChecksum: string;
  exportedSlug: string | null;
}

export interface ExportedMark {
  articleId: string;
  checksum: string | null;
  slug: string | null;
}

/** Below every uuid: where keyset walks start. */
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';
/** Pages counted per statement where the count walks a partial index in order. */
const COUNT_CHUNK = 10_000;

/** Where live pages live, and what each target last received. */
@Injectable()
export class PublishedPagesRepository {
  constructor(@InjectRepository(PublishedPage) private readonly pages: Repository<PublishedPage>) {}

  private repo(tx?: EntityManager): Repository<PublishedPage> {
    return tx ? tx.getRepository(PublishedPage) : this.pages;
  }

  findByArticle(articleId: string, tx?: EntityManager): Promise<PublishedPage | null> {
    return this.repo(tx).findOne({ where: { articleId } });
  }

  /** The live page at a URL, with its HTML. */
  findLiveBySlug(
    slug: string,
  ): Promise<Pick<PublishedPage, 'articleId' | 'html' | 'htmlChecksum' | 'modifiedAt'> | null> {
    return this.pages.findOne({
      select: { articleId: true, html: true, htmlChecksum: true, modifiedAt: true },
      where: { slug, live: true },
    });
  }

  /** Another article's page is live at this slug (slugs of unpublished drafts may have been reused). */
  slugLiveForAnother(tx: EntityManager, slug: string, articleId: string): Promise<boolean> {
    return this.repo(tx)
      .createQueryBuilder('p')
      .where('p.slug = :slug AND p.live AND p.articleId <> :articleId', { slug, articleId })
      .getExists();
  }

  async save(tx: EntityManager, page: PublishedPage): Promise<PublishedPage> {
    return this.repo(tx).save(page);
  }

  create(values: Partial<PublishedPage>): PublishedPage {
    return this.pages.create(values);
  }

  /**
   * Makes the article's page live with freshly rendered values (one page per article) and marks stale the other
   * live pages that list any of `linkedSlugs` among their related articles: two data-modifying CTEs
   * (`page_write`, `linked_stale`) of the caller's statement, parameters numbered from `firstParameter`.
   */
  putLiveSql(
    articleId: string,
    values: ReturnType<typeof livePageValues>,
    linkedSlugs: string[],
    firstParameter: number,
  ): { ctes: string[]; parameters: unknown[] } {
    const $ = (n: number) => `$${firstParameter + n - 1}`;
    return {
      ctes: [
        `page_write AS (
         INSERT INTO published_pages (article_id, slug, live, title, description, revision_number, sign_off_id,
                                      reviewer_id, last_reviewed_at, next_review_due_at, modified_at, related_slugs,
                                      html, html_checksum, render_fingerprint, stale, updated_at)
         VALUES (${$(1)}::uuid, ${$(2)}, ${$(3)}::boolean, ${$(4)}, ${$(5)}, ${$(6)}::int, ${$(7)}::uuid, ${$(8)}::uuid,
                 ${$(9)}::timestamptz, ${$(10)}::timestamptz, ${$(11)}::timestamptz, ${$(12)}::text[], ${$(13)},
                 ${$(14)}, ${$(15)}, ${$(16)}::boolean, now())
         ON CONFLICT (article_id) DO UPDATE SET
           slug = EXCLUDED.slug, live = EXCLUDED.live, title = EXCLUDED.title, description = EXCLUDED.description,
           revision_number = EXCLUDED.revision_number, sign_off_id = EXCLUDED.sign_off_id,
           reviewer_id = EXCLUDED.reviewer_id, last_reviewed_at = EXCLUDED.last_reviewed_at,
           next_review_due_at = EXCLUDED.next_review_due_at, modified_at = EXCLUDED.modified_at,
           related_slugs = EXCLUDED.related_slugs, html = EXCLUDED.html, html_checksum = EXCLUDED.html_checksum,
           render_fingerprint = EXCLUDED.render_fingerprint, stale = EXCLUDED.stale, updated_at = now()
       )`,
        `linked_stale AS (
         UPDATE published_pages SET stale = true
          WHERE live AND related_slugs && ${$(17)}::text[] AND article_id <> ${$(1)}::uuid
       )`,
      ],
      parameters: [
        articleId,
        values.slug,
        values.live,
        values.title,
        values.description,
        values.revisionNumber,
        values.signOffId,
        values.reviewerId,
        values.lastReviewedAt,
        values.nextReviewDueAt,
        values.modifiedAt,
        values.relatedSlugs,
        values.html,
        values.htmlChecksum,
        values.renderFingerprint,
        values.stale,
        linkedSlugs,
      ],
    };
  }

  /** Replaces the rendered values of the article's page (a re-render after a re-review). */
  async updateRendered(
    tx: EntityManager,
    articleId: string,
    values: ReturnType<typeof livePageValues>,
  ): Promise<void> {
    await this.repo(tx).update({ articleId }, values);
  }

  /** Takes a page down: the site stops serving it at once; the next export removes it from the directory. */
  async takeDown(tx: EntityManager, articleId: string): Promise<void> {
    await this.repo(tx).update({ articleId }, { live: false, html: null, htmlChecksum: null, stale: false });
  }

  /** Pages that should be re-rendered at the next export because something they show changed. */
  async markStale(tx: EntityManager, articleId: string): Promise<void> {
    await this.repo(tx).update({ articleId, live: true }, { stale: true });
  }

  /** Pages listing `slug` among their related articles: that link's title or liveness just changed. */
  async markLinkingPagesStale(tx: EntityManager, slug: string, exceptArticleId: string): Promise<void> {
    await tx.query(
      `UPDATE published_pages SET stale = true
        WHERE live AND related_slugs @> ARRAY[$1]::text[] AND article_id <> $2`,
      [slug, exceptArticleId],
    );
  }

  /** Titles of the related articles that are live, keyed by slug. */
  async liveTitles(slugs: string[], tx?: EntityManager): Promise<Map<string, string>> {
    if (!slugs.length) return new Map();
    const rows = await this.repo(tx)
      .createQueryBuilder('p')
      .select(['p.slug', 'p.title'])
      .where('p.live AND p.slug IN (:...slugs)', { slugs: [...new Set(slugs)] })
      .getMany();
    return new Map(rows.map((row) => [row.slug, row.title]));
  }

  listLive(): Promise<LivePageSummary[]> {
    return this.pages.find({
      select: {
        articleId: true,
        slug: true,
        title: true,
        description: true,
        lastReviewedAt: true,
        modifiedAt: true,
      },
      where: { live: true },
      order: { title: 'ASC', slug: 'ASC' },
    });
  }

  listLiveByReviewer(reviewerId: string): Promise<Pick<PublishedPage, 'slug' | 'title'>[]> {
    return this.pages.find({
      select: { slug: true, title: true },
      where: { reviewerId, live: true },
      order: { title: 'ASC', slug: 'ASC' },
    });
  }

  async anyLive(): Promise<boolean> {
    const [row] = await this.pages.query<{ live: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM published_pages WHERE live) AS live`,
    );
    return row.live;
  }

  async countLive(): Promise<number> {
    const [row] = await this.pages.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM published_pages WHERE live`,
    );
    return row.n;
  }

  /**
   * Marks stale the live pages rendered under another template fingerprint than `fingerprint` (through the
   * fingerprint index: none in the usual case), so that every page an incremental export must render is
   * `stale` (a page whose next-review date is not its article's is marked by the database itself, migration
   * ExportWorkIndexes). Returns how many it marked.
   */
  async markRenderedWithOther(fingerprint: string): Promise<number> {
    // TypeORM answers an UPDATE with [rows, affected].
    // `<` and `>` rather than IS DISTINCT FROM, which cannot use the fingerprint's index.
    const [, affected] = await this.pages.query<[unknown[], number]>(
      `UPDATE published_pages SET stale = true
        WHERE live AND NOT stale
          AND (render_fingerprint < $1 OR render_fingerprint > $1 OR render_fingerprint IS NULL)`,
      [fingerprint],
    );
    return affected;
  }

  /**
   * How many live pages an incremental export will render or write (after markRenderedWithOther): the stale ones,
   * and the others the directory does not hold yet, each counted through its partial index (the latter in
   * ordered chunks: the planner cannot estimate that condition and would scan the table otherwise).
   */
  async countToExport(): Promise<number> {
    const [stale] = await this.pages.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM published_pages WHERE live AND stale`,
    );
    let total = stale.n;
    for (let afterId = FIRST_UUID; ;) {
      const [chunk] = await this.pages.query<{ n: number; fresh: number; last: string | null }[]>(
        `SELECT count(*)::int AS n, (count(*) FILTER (WHERE NOT stale))::int AS fresh,
                max(article_id::text COLLATE "C") AS last
           FROM (SELECT article_id, stale FROM published_pages
                  WHERE live AND article_id > $1
                    AND (exported_checksum IS DISTINCT FROM html_checksum OR exported_slug IS DISTINCT FROM slug)
                  ORDER BY article_id LIMIT $2) s`,
        [afterId, COUNT_CHUNK],
      );
      total += chunk.fresh;
      if (chunk.n < COUNT_CHUNK || !chunk.last) return total;
      afterId = chunk.last;
    }
  }

  /**
   * Ids of live pages after `afterId`, in id order: all of them, or with `staleOnly` only the stale ones (those an
   * incremental export renders, through their partial index).
   */
  async liveIdsAfter(options: { afterId: string; limit: number; staleOnly?: boolean }): Promise<string[]> {
    const rows: { article_id: string }[] = await this.pages.query(
      options.staleOnly
        ? `SELECT article_id FROM published_pages WHERE live AND stale AND article_id > $1
            ORDER BY article_id LIMIT $2`
        : `SELECT article_id FROM published_pages WHERE live AND article_id > $1 ORDER BY article_id LIMIT $2`,
      [options.afterId, options.limit],
    );
    return rows.map((row) => row.article_id);
  }

  /** Live pages whose stored HTML is not what the directory holds, with that HTML. */
  async pagesToWrite(afterId: string, limit: number): Promise<PageToWrite[]> {
    const rows: {
      article_id: string;
      slug: string;
      html: string;
      html_checksum: string;
      exported_slug: string | null;
    }[] = await this.pages.query(
      `SELECT article_id, slug, html, html_checksum, exported_slug FROM published_pages
        WHERE live AND article_id > $1
          AND (exported_checksum IS DISTINCT FROM html_checksum OR exported_slug IS DISTINCT FROM slug)
        ORDER BY article_id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((row) => ({
      articleId: row.article_id,
      slug: row.slug,
      html: row.html,
      htmlChecksum: row.html_checksum,
      exportedSlug: row.exported_slug,
    }));
  }

  /** Pages taken down (or moved to another slug) whose old folder is still in the directory. */
  async foldersToRemove(
    limit: number,
  ): Promise<{ articleId: string; exportedSlug: string; live: boolean }[]> {
    const rows: { article_id: string; exported_slug: string; live: boolean }[] = await this.pages.query(
      `SELECT article_id, exported_slug, live FROM published_pages
        WHERE exported_slug IS NOT NULL AND (NOT live OR exported_slug <> slug)
        ORDER BY article_id LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({
      articleId: row.article_id,
      exportedSlug: row.exported_slug,
      live: row.live,
    }));
  }

  /** Records what the directory now holds for each page, in one statement. */
  async markExported(marks: ExportedMark[]): Promise<void> {
    if (!marks.length) return;
    // Prepared: once a batch of the export; its generic plan looks each page up by primary key.
    await queryPrepared(
      this.pages.manager,
      'export_mark',
      `UPDATE published_pages p SET exported_checksum = m.checksum, exported_slug = m.slug
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS m(article_id, checksum, slug)
        WHERE p.article_id = m.article_id`,
      [marks.map((m) => m.articleId), marks.map((m) => m.checksum), marks.map((m) => m.slug)],
    );
  }

  /**
   * The sitemap's shards of `perFile` live pages each, in id order (the order of sitemapBatch and sitemapShard):
   * how many pages each holds and their latest modification. Empty when nothing is live.
   */
  async sitemapShards(perFile: number): Promise<{ urls: number; lastmod: Date }[]> {
    const rows: { urls: number; lastmod: Date }[] = await this.pages.query(
      `SELECT count(*)::int AS urls, max(modified_at) AS lastmod
         FROM (SELECT (row_number() OVER (ORDER BY article_id) - 1) / $1 AS shard, modified_at
                 FROM published_pages WHERE live) s
        GROUP BY shard ORDER BY shard`,
      [perFile],
    );
    return rows;
  }

  /** The live pages of sitemap shard `shard` (from 1) of `perFile` pages each, in id order. */
  async sitemapShard(shard: number, perFile: number): Promise<{ slug: string; modifiedAt: Date }[]> {
    const rows: { slug: string; modified_at: Date }[] = await this.pages.query(
      `SELECT slug, modified_at FROM published_pages WHERE live ORDER BY article_id OFFSET $1 LIMIT $2`,
      [(shard - 1) * perFile, perFile],
    );
    return rows.map((row) => ({ slug: row.slug, modifiedAt: row.modified_at }));
  }

  /**
   * Live pages for the sitemap, in id order after `afterId`, with their modification time as the sitemap writes
   * it (ISO 8601 in UTC to the millisecond, as Date#toISOString: formatted by PostgreSQL, so that 50,000 rows
   * are not parsed into Dates only to be formatted again).
   */
  async sitemapBatch(
    afterId: string,
    limit: number,
  ): Promise<{ articleId: string; slug: string; lastmod: string }[]> {
    const rows: { article_id: string; slug: string; lastmod: string }[] = await this.pages.query(
      `SELECT article_id, slug,
              to_char(modified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS lastmod
         FROM published_pages WHERE live AND article_id > $1
        ORDER BY article_id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((row) => ({ articleId: row.article_id, slug: row.slug, lastmod: row.lastmod }));
  }
}

/** The columns of a live page rendered from `source`. */
export function livePageValues(
  source: PageSource,
  rendered: { html: string; checksum: string },
  fingerprint: string,
): Omit<PublishedPage, 'articleId' | 'exportedChecksum' | 'exportedSlug' | 'updatedAt'> {
  if (!source.signer) throw new Error('a live page needs a sign-off');
  return {
    slug: source.content.slug,
    live: true,
    title: source.content.title,
    description: source.content.description,
    revisionNumber: source.revisionNumber,
    signOffId: source.signer.signOffId,
    reviewerId: source.signer.reviewerId,
    lastReviewedAt: source.signer.signedAt,
    nextReviewDueAt: source.nextReviewDueAt,
    modifiedAt: pageModifiedAt(source),
    relatedSlugs: [...new Set(source.content.relatedSlugs)],
    html: rendered.html,
    htmlChecksum: rendered.checksum,
    renderFingerprint: fingerprint,
    stale: false,
  };
}
