import { Injectable } from '@nestjs/common';
import { sha256Hex } from '../core/crypto/content-hash.js';
import { ApiError } from '../core/http/api-error.js';
import { formatReviewDate } from '../sign-offs/byline.js';
import { type EncodedPage, encodePage, etagMatches } from './encoded-page.js';
import { PublicPageCache } from './public-page-cache.js';
import { UsersRepository } from '../users/users.repository.js';
import { articleUrl, indexUrl, longestArticleUrl, reviewerUrl, sitemapUrl } from './page-view-model.js';
import { PageRendering } from './page-rendering.service.js';
import { PublishedPagesRepository } from './published-pages.repository.js';
import {
  SITEMAP_URL_LIMIT,
  sitemapIndexXml,
  sitemapShardCount,
  sitemapShardFile,
  sitemapUrlsPerFile,
  sitemapXml,
} from './sitemap.js';

export interface PublicDocument {
  body: string;
  etag: string;
  contentType: string;
}

const HTML = 'text/html; charset=utf-8';
const XML = 'application/xml; charset=utf-8';

/** A listing before it is rendered: its ETag is known from the data alone, so a 304 costs no render. */
export interface PublicListing {
  etag: string;
  render: () => PublicDocument;
}

/** What to answer for a listing: 304 with its ETag, or its bytes (from memory when nothing changed). */
export type ListingAnswer = { notModified: true; etag: string } | { notModified: false; page: EncodedPage };

/** Articles per index page. */
export const INDEX_PAGE_SIZE = 100;
const MAX_INDEX_PAGE = 100_000;

/** The service as a publish target: live pages, an index, reviewer profiles and a sitemap, without login. */
@Injectable()
export class PublicSiteService {
  constructor(
    private readonly pages: PublishedPagesRepository,
    private readonly users: UsersRepository,
    private readonly rendering: PageRendering,
    private readonly cache: PublicPageCache,
  ) {}

  /** Articles per index page (a property, so that tests can paginate a handful of articles). */
  indexPageSize = INDEX_PAGE_SIZE;
  /** URLs per sitemap file (sitemaps.org's 50,000; a property so that tests can shard a handful of pages). */
  sitemapUrlLimit = SITEMAP_URL_LIMIT;
  private renderingFingerprint?: string;

  /**
   * `?page=` of the index: absent is 1; otherwise a whole number from 1 (a 400 naming `page` otherwise). A page
   * past the last is a 404 (see indexListing).
   */
  indexPageNumber(query: Record<string, unknown>): number {
    const unknown = Object.keys(query).filter((key) => key !== 'page');
    if (unknown.length) {
      throw ApiError.badRequest(
        'Invalid query',
        unknown.map((field) => ({ field, reason: 'is not a parameter of this page (the only one is page)' })),
      );
    }
    const raw = query.page;
    if (raw === undefined) return 1;
    if (typeof raw !== 'string' || !/^[1-9][0-9]{0,5}$/.test(raw) || Number(raw) > MAX_INDEX_PAGE) {
      throw ApiError.badRequest('Invalid query', [
        { field: 'page', reason: `must be a whole number from 1 to ${MAX_INDEX_PAGE}` },
      ]);
    }
    return Number(raw);
  }

  /**
   * The answer for a listing (`index:<page>` or `sitemap`) when it is in memory: made since nothing was published
   * or unpublished (the cache is dropped by the same NOTIFY as the pages). Synchronous, so the route answers most
   * requests without a promise; undefined when it must be made (makeListing).
   */
  cachedListing(key: string, ifNoneMatch?: string): ListingAnswer | undefined {
    const cached = this.cache.getListing(key);
    if (!cached) return undefined;
    return etagMatches(ifNoneMatch, cached.etag)
      ? { notModified: true, etag: cached.etag }
      : { notModified: false, page: cached };
  }

  /**
   * A listing not in memory, from PostgreSQL: a matching If-None-Match is answered 304 before rendering;
   * otherwise it is rendered and compressed once, and kept (unless a change came while it was made).
   */
  async makeListing(
    key: string,
    source: () => Promise<PublicListing>,
    ifNoneMatch?: string,
  ): Promise<ListingAnswer> {
    const ticket = this.cache.ticket();
    const listing = await source();
    if (etagMatches(ifNoneMatch, listing.etag)) return { notModified: true, etag: listing.etag };
    const document = listing.render();
    const page = encodePage(document.body, listing.etag, document.contentType);
    this.cache.setListing(key, page, ticket);
    return { notModified: false, page };
  }

  /** One page of the index of live articles, by title; 404 past the last page (page 1 always exists). */
  async indexListing(page: number): Promise<PublicListing> {
    const site = this.rendering.site;
    const live = await this.pages.listLive();
    const size = this.indexPageSize;
    const pages = Math.max(1, Math.ceil(live.length / size));
    if (page > pages) throw ApiError.notFound('Index page');
    const shown = live.slice((page - 1) * size, page * size).map((row) => ({
      url: articleUrl(site, row.slug),
      title: row.title,
      description: row.description,
      lastReviewedText: formatReviewDate(row.lastReviewedAt, site.timeZone),
    }));
    const pageUrl = (n: number) => (n === 1 ? indexUrl(site) : `${indexUrl(site)}?page=${n}`);
    const pagination =
      pages > 1
        ? {
            page,
            pages,
            previousUrl: page > 1 ? pageUrl(page - 1) : null,
            nextUrl: page < pages ? pageUrl(page + 1) : null,
          }
        : undefined;
    return {
      etag: this.listingEtag(['index', page, pages, shown]),
      render: () => ({
        body: this.rendering.renderIndex({ canonicalUrl: pageUrl(page), articles: shown, pagination }),
        etag: '',
        contentType: HTML,
      }),
    };
  }

  /**
   * sitemap.xml: every live page when they fit in one file (up to `sitemapUrlLimit`), by title; past that, a
   * sitemap index of the shards `sitemap-<n>.xml` (see sitemapShardListing) with each one's latest lastmod.
   */
  async sitemapListing(): Promise<PublicListing> {
    const site = this.rendering.site;
    const perFile = this.sitemapUrlsPerFile();
    if ((await this.sitemapShardCount(perFile)) === 0) {
      const entries = (await this.pages.listLive()).map((page) => ({
        loc: articleUrl(site, page.slug),
        lastmod: page.modifiedAt,
      }));
      return {
        etag: this.listingEtag(['sitemap', entries]),
        render: () => ({ body: sitemapXml(entries), etag: '', contentType: XML }),
      };
    }
    const index = (await this.pages.sitemapShards(perFile)).map((shard, i) => ({
      loc: sitemapUrl(site, sitemapShardFile(i + 1)),
      lastmod: shard.lastmod,
    }));
    return {
      etag: this.listingEtag(['sitemap-index', perFile, index]),
      render: () => ({ body: sitemapIndexXml(index), etag: '', contentType: XML }),
    };
  }

  /**
   * `sitemap-<shard>.xml`: the live pages in id order, `sitemapUrlLimit` to a shard (the directory export's
   * layout). 404 unless sitemap.xml is an index naming this shard.
   */
  async sitemapShardListing(shard: number): Promise<PublicListing> {
    const site = this.rendering.site;
    const perFile = this.sitemapUrlsPerFile();
    const count = await this.sitemapShardCount(perFile);
    if (!Number.isSafeInteger(shard) || shard < 1 || shard > count) throw ApiError.notFound('Sitemap');
    const entries = (await this.pages.sitemapShard(shard, perFile)).map((page) => ({
      loc: articleUrl(site, page.slug),
      lastmod: page.modifiedAt,
    }));
    return {
      etag: this.listingEtag(['sitemap-shard', shard, perFile, entries]),
      render: () => ({ body: sitemapXml(entries), etag: '', contentType: XML }),
    };
  }

  private sitemapUrlsPerFile(): number {
    return sitemapUrlsPerFile(this.sitemapUrlLimit, longestArticleUrl(this.rendering.site));
  }

  /** 0 while sitemap.xml lists every live page, else how many shards it indexes. */
  private async sitemapShardCount(perFile: number): Promise<number> {
    return sitemapShardCount(await this.pages.countLive(), perFile);
  }

  /**
   * The ETag of a listing from its data and from how this process renders (the templates, styles and site
   * settings, fingerprinted by rendering a fixed sample once): equal in every process running the same release.
   */
  private listingEtag(data: unknown): string {
    this.renderingFingerprint ??= sha256Hex(
      JSON.stringify(this.rendering.site) +
        this.rendering.renderIndex({
          canonicalUrl: 'https://example.org/',
          articles: [{ url: 'https://example.org/a', title: 'T', description: 'D', lastReviewedText: 'x' }],
          pagination: {
            page: 2,
            pages: 3,
            previousUrl: 'https://example.org/1',
            nextUrl: 'https://example.org/3',
          },
        }) +
        sitemapXml([{ loc: 'https://example.org/a', lastmod: new Date(0) }]) +
        sitemapIndexXml([{ loc: 'https://example.org/s', lastmod: new Date(0) }]),
    );
    return `"${sha256Hex(JSON.stringify([this.renderingFingerprint, data]))}"`;
  }

  async article(slug: string): Promise<PublicDocument> {
    const page = await this.pages.findLiveBySlug(slug);
    if (!page?.html || !page.htmlChecksum) throw ApiError.notFound('Page');
    return { body: page.html, etag: `"${page.htmlChecksum}"`, contentType: HTML };
  }

  /** A physician's public profile, shown while at least one live page carries their review. */
  async reviewer(reviewerId: string): Promise<PublicDocument> {
    const site = this.rendering.site;
    const [profile, reviewed] = await Promise.all([
      this.users.findProfile(reviewerId),
      this.pages.listLiveByReviewer(reviewerId),
    ]);
    if (!profile || !reviewed.length) throw ApiError.notFound('Reviewer');
    const body = this.rendering.renderReviewer({
      canonicalUrl: reviewerUrl(site, reviewerId),
      reviewer: {
        displayName: profile.displayName,
        credentials: profile.credentials,
        affiliation: profile.affiliation,
        specialties: profile.specialties,
      },
      articles: reviewed.map((page) => ({ url: articleUrl(site, page.slug), title: page.title })),
    });
    return { body, etag: `"${sha256Hex(body)}"`, contentType: HTML };
  }
}
