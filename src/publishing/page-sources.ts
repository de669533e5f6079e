import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { RenderedContent } from '../articles/article-content.js';
import type { Article } from '../articles/article.entity.js';
import type { Revision } from '../articles/revision.entity.js';
import { AppConfig } from '../core/config/app-config.js';
import { queryPrepared } from '../core/database/prepared-query.js';
import { importedAuthor, importedAuthorSql, REVIEW_RECORDS_SQL } from '../imports/review-records.js';
import { signOffCoverage } from '../sign-offs/sign-off-rules.js';
import type { SignOff } from '../sign-offs/sign-off.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import type { PageContent, PageSigner, PageSource, RelatedLink } from './page-view-model.js';
import { PublishedPagesRepository } from './published-pages.repository.js';

export function signerOf(signOff: SignOff): PageSigner {
  return {
    signOffId: signOff.id,
    reviewerId: signOff.reviewerId,
    displayName: signOff.reviewerDisplayName,
    credentials: signOff.reviewerCredentials,
    affiliation: signOff.reviewerAffiliation,
    signedAt: signOff.signedAt,
  };
}

/** A live page's source with what the export needs to decide what to do with it. */
export interface LivePageSource extends PageSource {
  slug: string;
  htmlChecksum: string | null;
  exportedChecksum: string | null;
  exportedSlug: string | null;
  /** What the stored page was rendered from, to tell whether the row needs updating. */
  stored: {
    stale: boolean;
    renderFingerprint: string | null;
    nextReviewDueAt: Date | null;
    signOffId: string;
  };
}

interface SignOffRow {
  id: string;
  revision_number: number;
  content_hash: string;
  reviewer_id: string;
  reviewer_display_name: string;
  reviewer_credentials: string;
  reviewer_affiliation: string;
  license_number: string;
  license_region: string;
  license_expires_on: string;
  meaning: string;
  signed_at: string;
}

interface LivePageRow {
  article_id: string;
  slug: string;
  html_checksum: string | null;
  exported_checksum: string | null;
  exported_slug: string | null;
  stale: boolean;
  render_fingerprint: string | null;
  page_next_review_due_at: Date | null;
  page_sign_off_id: string;
  revision_number: number;
  revision_created_at: Date;
  content: PageContent;
  rendered: RenderedContent;
  content_hash: string;
  first_published_at: Date | null;
  next_review_due_at: Date | null;
  author_name: string | null;
  shown: SignOffRow;
  latest: SignOffRow | null;
}

function signOffFromRow(row: SignOffRow, articleId: string): SignOff {
  return {
    id: row.id,
    articleId,
    revisionNumber: row.revision_number,
    contentHash: row.content_hash,
    reviewerId: row.reviewer_id,
    decisionId: '',
    reviewerDisplayName: row.reviewer_display_name,
    reviewerCredentials: row.reviewer_credentials,
    reviewerAffiliation: row.reviewer_affiliation,
    licenseNumber: row.license_number,
    licenseRegion: row.license_region,
    licenseExpiresOn: row.license_expires_on,
    meaning: row.meaning,
    signedAt: new Date(row.signed_at),
  };
}

const SIGN_OFF_JSON = (alias: string) => `jsonb_build_object(
  'id', ${alias}.id, 'revision_number', ${alias}.revision_number, 'content_hash', ${alias}.content_hash,
  'reviewer_id', ${alias}.reviewer_id, 'reviewer_display_name', ${alias}.reviewer_display_name,
  'reviewer_credentials', ${alias}.reviewer_credentials, 'reviewer_affiliation', ${alias}.reviewer_affiliation,
  'license_number', ${alias}.license_number, 'license_region', ${alias}.license_region,
  'license_expires_on', ${alias}.license_expires_on::text, 'meaning', ${alias}.meaning,
  'signed_at', ${alias}.signed_at)`;

/**
 * The revision's content without its Markdown sources (about half its size): PostgreSQL trims it, so the export
 * neither transfers nor parses what it never shows.
 */
const PAGE_CONTENT = `(r.content - 'sections' - 'faq' - 'bottomLine') || jsonb_build_object(
  'sections', (SELECT coalesce(jsonb_agg(jsonb_build_object('heading', s->'heading') ORDER BY n), '[]')
                 FROM jsonb_array_elements(r.content->'sections') WITH ORDINALITY AS x(s, n)),
  'faq', (SELECT coalesce(jsonb_agg(jsonb_build_object('question', f->'question') ORDER BY n), '[]')
            FROM jsonb_array_elements(r.content->'faq') WITH ORDINALITY AS y(f, n)))`;

/** What the publish gate and going live read about an article, in one statement inside the publishing transaction. */
export interface PublishInputs {
  /** The article's current revision (null: it does not exist). */
  revision: Revision | null;
  /** The newest sign-off of the article (null: none yet). */
  latestSignOff: SignOff | null;
  /** Another article's page is live at the revision's slug. */
  slugTaken: boolean;
  /** A publish of the article is scheduled. */
  scheduled: boolean;
  /** The article's page as it stands before this publish (null: never published). */
  previousPage: { slug: string; live: boolean } | null;
  authorName: string;
  /** Titles of the live pages among the revision's related slugs, by slug. */
  relatedTitles: Map<string, string>;
}

interface PublishInputsRow {
  number: number | null;
  content: Revision['content'] | null;
  rendered: RenderedContent | null;
  content_hash: string | null;
  created_by_id: string | null;
  change_note: string | null;
  created_at: Date | null;
  latest: SignOffRow | null;
  slug_taken: boolean;
  scheduled: boolean;
  previous_slug: string | null;
  previous_live: boolean | null;
  author_name: string | null;
  related_titles: Record<string, string>;
}

/** Gathers what a page is made of: the revision, the sign-off, the author's name and the live related links. */
@Injectable()
export class PageSources {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pages: PublishedPagesRepository,
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
  ) {}

  /** The source of one revision (to publish or preview it), read inside the caller's transaction. */
  async forRevision(
    tx: EntityManager | undefined,
    article: Article,
    revision: Revision,
    signOff: SignOff | null,
    nextReviewDueAt: Date | null,
  ): Promise<PageSource> {
    const author = await this.users.findById(article.authorId);
    const titles = await this.pages.liveTitles(revision.content.relatedSlugs, tx);
    return {
      articleId: article.id,
      revisionNumber: revision.number,
      revisionCreatedAt: revision.createdAt,
      content: revision.content,
      rendered: revision.rendered,
      authorName: (await importedAuthor(tx ?? this.dataSource.manager, article.id)) ?? author?.name ?? '',
      signer: signOff ? signerOf(signOff) : null,
      firstPublishedAt: article.firstPublishedAt,
      nextReviewDueAt,
      related: relatedLinks(revision.content, titles),
    };
  }

  /**
   * Everything the gate checks and a publish renders, in one round trip (the caller holds the article's lock):
   * the current revision, the newest sign-off, whether another live page holds the slug, the pending schedule,
   * the page as it was, the author's name and the related pages' titles.
   */
  async publishInputs(tx: EntityManager, article: Article): Promise<PublishInputs> {
    const [row] = await queryPrepared<PublishInputsRow>(
      tx,
      'publish_inputs',
      `SELECT r.number, r.content, r.rendered, r.content_hash, r.created_by_id, r.change_note, r.created_at,
              CASE WHEN latest.id IS NULL THEN NULL ELSE ${SIGN_OFF_JSON('latest')} END AS latest,
              EXISTS (SELECT 1 FROM published_pages o
                       WHERE o.slug = r.content->>'slug' AND o.live AND o.article_id <> $1::uuid) AS slug_taken,
              EXISTS (SELECT 1 FROM scheduled_publishes s WHERE s.article_id = $1::uuid) AS scheduled,
              prev.slug AS previous_slug, prev.live AS previous_live,
              coalesce(${importedAuthorSql('$1::uuid')}, u.name) AS author_name,
              (SELECT coalesce(jsonb_object_agg(t.slug, t.title), '{}'::jsonb) FROM published_pages t
                WHERE t.live AND t.slug IN (SELECT jsonb_array_elements_text(r.content->'relatedSlugs')))
                AS related_titles
         FROM (SELECT 1) AS one
         LEFT JOIN revisions r ON r.article_id = $1::uuid AND r.number = $2
         LEFT JOIN LATERAL (
           SELECT * FROM sign_offs s WHERE s.article_id = $1::uuid ORDER BY s.signed_at DESC, s.id DESC LIMIT 1
         ) latest ON true
         LEFT JOIN published_pages prev ON prev.article_id = $1::uuid
         LEFT JOIN users u ON u.id = $3::uuid`,
      [article.id, article.currentRevision, article.authorId],
    );
    const revision: Revision | null =
      row.number === null
        ? null
        : {
            articleId: article.id,
            number: row.number,
            content: row.content!,
            rendered: row.rendered!,
            contentHash: row.content_hash!,
            createdById: row.created_by_id!,
            changeNote: row.change_note,
            createdAt: new Date(row.created_at!),
          };
    return {
      revision,
      latestSignOff: row.latest ? signOffFromRow(row.latest, article.id) : null,
      slugTaken: row.slug_taken,
      scheduled: row.scheduled,
      previousPage:
        row.previous_slug === null ? null : { slug: row.previous_slug, live: row.previous_live === true },
      authorName: row.author_name ?? '',
      relatedTitles: new Map(Object.entries(row.related_titles)),
    };
  }

  /** The page source of a revision about to go live, from what `publishInputs` read (no further query). */
  sourceForPublish(
    article: Article,
    revision: Revision,
    signOff: SignOff,
    inputs: PublishInputs,
  ): PageSource {
    return {
      articleId: article.id,
      revisionNumber: revision.number,
      revisionCreatedAt: revision.createdAt,
      content: revision.content,
      rendered: revision.rendered,
      authorName: inputs.authorName,
      signer: signerOf(signOff),
      firstPublishedAt: article.firstPublishedAt,
      nextReviewDueAt: article.nextReviewDueAt,
      related: relatedLinks(revision.content, inputs.relatedTitles),
    };
  }

  /**
   * Live pages with everything they are made of, in one query per batch. The byline shows the newest sign-off
   * of the article when it covers the live revision (a re-review of unchanged content), else the one the page
   * was published with.
   */
  async forLivePages(articleIds: string[]): Promise<LivePageSource[]> {
    if (!articleIds.length) return [];
    // Prepared (named): PostgreSQL plans it once per connection, and its generic plan walks the primary keys of
    // the batch's pages; planned per call it cost about 5 ms a batch of 100, and with stale statistics the custom
    // plan read every revision (a sequential scan) for each batch.
    const rows = await queryPrepared<LivePageRow>(
      this.dataSource.manager,
      'export_live_pages',
      `SELECT p.article_id, p.slug, p.html_checksum, p.exported_checksum, p.exported_slug, p.stale,
              p.render_fingerprint, p.next_review_due_at AS page_next_review_due_at,
              p.sign_off_id AS page_sign_off_id,
              r.number AS revision_number, r.created_at AS revision_created_at, ${PAGE_CONTENT} AS content,
              r.rendered,
              r.content_hash, a.first_published_at, a.next_review_due_at,
              coalesce(${importedAuthorSql('a.id')}, u.name) AS author_name,
              ${SIGN_OFF_JSON('shown')} AS shown,
              CASE WHEN latest.id IS NULL THEN NULL ELSE ${SIGN_OFF_JSON('latest')} END AS latest
         FROM published_pages p
         JOIN articles a ON a.id = p.article_id
         JOIN revisions r ON r.article_id = p.article_id AND r.number = p.revision_number
         JOIN ${REVIEW_RECORDS_SQL} shown ON shown.id = p.sign_off_id
         LEFT JOIN users u ON u.id = a.author_id
         LEFT JOIN LATERAL (
           SELECT * FROM sign_offs s WHERE s.article_id = p.article_id ORDER BY s.signed_at DESC, s.id DESC LIMIT 1
         ) latest ON true
        WHERE p.live AND p.article_id = ANY($1::uuid[])
        ORDER BY p.article_id`,
      [articleIds],
    );
    const titles = await this.pages.liveTitles(rows.flatMap((row) => row.content.relatedSlugs));
    const timeZone = this.config.env.PUBLICATION_TIMEZONE;
    return rows.map((row) => {
      const revision = { number: row.revision_number, contentHash: row.content_hash };
      const latest = row.latest ? signOffFromRow(row.latest, row.article_id) : null;
      const signOff =
        latest && signOffCoverage(latest, revision, timeZone).ok
          ? latest
          : signOffFromRow(row.shown, row.article_id);
      return {
        articleId: row.article_id,
        slug: row.slug,
        htmlChecksum: row.html_checksum,
        exportedChecksum: row.exported_checksum,
        exportedSlug: row.exported_slug,
        stored: {
          stale: row.stale,
          renderFingerprint: row.render_fingerprint,
          nextReviewDueAt: row.page_next_review_due_at,
          signOffId: row.page_sign_off_id,
        },
        revisionNumber: row.revision_number,
        revisionCreatedAt: new Date(row.revision_created_at),
        content: row.content,
        rendered: row.rendered,
        authorName: row.author_name ?? '',
        signer: signerOf(signOff),
        firstPublishedAt: row.first_published_at,
        nextReviewDueAt: row.next_review_due_at,
        related: relatedLinks(row.content, titles),
      };
    });
  }
}

function relatedLinks(content: PageContent, titles: Map<string, string>): RelatedLink[] {
  const seen = new Set<string>([content.slug]);
  const links: RelatedLink[] = [];
  for (const slug of content.relatedSlugs) {
    const title = titles.get(slug);
    if (title === undefined || seen.has(slug)) continue;
    seen.add(slug);
    links.push({ slug, title });
  }
  return links;
}
