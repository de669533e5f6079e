import { Injectable } from '@nestjs/common';
import { sha256Hex } from '../core/crypto/content-hash.js';
import { ApiError } from '../core/http/api-error.js';
import { formatReviewDate } from '../sign-offs/byline.js';
import { UsersRepository } from '../users/users.repository.js';
import { articleUrl, indexUrl, reviewerUrl } from './page-view-model.js';
import { PageRendering } from './page-rendering.service.js';
import { PublishedPagesRepository } from './published-pages.repository.js';
import { sitemapXml } from './sitemap.js';

export interface PublicDocument {
  body: string;
  etag: string;
  contentType: string;
}

const HTML = 'text/html; charset=utf-8';

/** The service as a publish target: live pages, an index, reviewer profiles and a sitemap, without login. */
@Injectable()
export class PublicSiteService {
  constructor(
    private readonly pages: PublishedPagesRepository,
    private readonly users: UsersRepository,
    private readonly rendering: PageRendering,
  ) {}

  async article(slug: string): Promise<PublicDocument> {
    const page = await this.pages.findLiveBySlug(slug);
    if (!page?.html || !page.htmlChecksum) throw ApiError.notFound('Page');
    return { body: page.html, etag: `"${page.htmlChecksum}"`, contentType: HTML };
  }

  async index(): Promise<PublicDocument> {
    const site = this.rendering.site;
    const live = await this.pages.listLive();
    const body = this.rendering.renderIndex({
      canonicalUrl: indexUrl(site),
      articles: live.map((page) => ({
        url: articleUrl(site, page.slug),
        title: page.title,
        description: page.description,
        lastReviewedText: formatReviewDate(page.lastReviewedAt, site.timeZone),
      })),
    });
    return { body, etag: `"${sha256Hex(body)}"`, contentType: HTML };
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

  async sitemap(): Promise<PublicDocument> {
    const site = this.rendering.site;
    const live = await this.pages.listLive();
    const body = sitemapXml(
      live.map((page) => ({ loc: articleUrl(site, page.slug), lastmod: page.modifiedAt })),
    );
    return { body, etag: `"${sha256Hex(body)}"`, contentType: 'application/xml; charset=utf-8' };
  }
}
