import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../core/config/app-config.js';
import { ApiError } from '../core/http/api-error.js';
import { toErrorBody } from '../core/http/error.filter.js';
import { PublicPageCache } from './public-page-cache.js';
import { encodePage, etagMatches, sendEncoded } from './encoded-page.js';
import { PUBLIC_CACHE_CONTROL, sendNotModified } from './public-site.controller.js';
import { type ListingAnswer, type PublicListing, PublicSiteService } from './public-site.service.js';

export const PUBLIC_ARTICLE_PATH = '/public/articles/:slug';

/**
 * What readers and crawlers hit most, as plain Fastify routes: an article's live page
 * (GET /public/articles/:slug), the index (GET /public and /public/articles) and the sitemap
 * (GET /public/sitemap.xml and its files /public/sitemap-:n.xml). No Nest guard, pipe or interceptor has
 * anything to do for a public document, and the bytes come from memory (PublicPageCache); through Nest's router
 * the index cost about twice the CPU of bare Fastify sending the same bytes (bench:public-page). Fastify's own
 * hooks (the security headers, the request id) still apply, errors have the one error body, and the rules (which
 * page numbers exist, what a listing holds) stay in PublicSiteService. Nest's scanner cannot see these routes:
 * their OpenAPI entries are in public-page-openapi.ts.
 */
@Injectable()
export class PublicPageRoute implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly site: PublicSiteService,
    private readonly cache: PublicPageCache,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // An application context without HTTP (the export CLI, benchmarks) has no adapter: nothing to serve.
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | null;
    if (!this.config.runsApi || !adapter) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    fastify.get(PUBLIC_ARTICLE_PATH, (request, reply) => this.serve(request, reply));
    const index = (request: FastifyRequest, reply: FastifyReply) =>
      this.answer(request, reply, () => {
        const number = this.site.indexPageNumber((request.query ?? {}) as Record<string, unknown>);
        return { key: `index:${number}`, make: () => this.site.indexListing(number) };
      });
    fastify.get('/public', index);
    fastify.get('/public/articles', index);
    fastify.get('/public/sitemap.xml', (request, reply) =>
      this.answer(request, reply, () => ({ key: 'sitemap', make: () => this.site.sitemapListing() })),
    );
    fastify.get('/public/sitemap-:n.xml', (request, reply) =>
      this.answer(request, reply, () => {
        const { n } = request.params as { n: string };
        if (!/^[1-9][0-9]{0,8}$/.test(n)) throw ApiError.notFound('Sitemap');
        const shard = Number(n);
        return { key: `sitemap:${shard}`, make: () => this.site.sitemapShardListing(shard) };
      }),
    );
    await this.cache.start();
  }

  /**
   * A listing (index page, sitemap), from memory or made once; 304 when If-None-Match names it. `which` checks
   * the request and names the listing (its cache key and how to make it). A listing in memory is answered
   * synchronously, without a promise: that is nearly every request.
   */
  private answer(
    request: FastifyRequest,
    reply: FastifyReply,
    which: () => { key: string; make: () => Promise<PublicListing> },
  ): FastifyReply | Promise<FastifyReply> {
    const ifNoneMatch = request.headers['if-none-match'];
    let listing: { key: string; make: () => Promise<PublicListing> };
    try {
      listing = which();
      const cached = this.site.cachedListing(listing.key, ifNoneMatch);
      if (cached) return this.send(request, reply, cached);
    } catch (error) {
      return this.fail(request, reply, error);
    }
    return this.site.makeListing(listing.key, listing.make, ifNoneMatch).then(
      (answer) => this.send(request, reply, answer),
      (error: unknown) => this.fail(request, reply, error),
    );
  }

  private send(request: FastifyRequest, reply: FastifyReply, answer: ListingAnswer): FastifyReply {
    return answer.notModified
      ? sendNotModified(reply, answer.etag)
      : sendEncoded(request, reply, answer.page, PUBLIC_CACHE_CONTROL);
  }

  /** An article's live page: from memory synchronously (nearly every request), else read and compressed once. */
  private serve(request: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply> {
    const { slug } = request.params as { slug: string };
    // No Nest pipe refuses a NUL here, and PostgreSQL cannot hold one: no page has it in its URL.
    if (slug.includes('\u0000')) return this.fail(request, reply, ApiError.notFound('Page'));
    const page = this.cache.get(slug);
    if (page) return sendEncoded(request, reply, page, PUBLIC_CACHE_CONTROL);
    return this.read(request, reply, slug);
  }

  private async read(request: FastifyRequest, reply: FastifyReply, slug: string): Promise<FastifyReply> {
    try {
      const ticket = this.cache.ticket();
      const document = await this.site.article(slug);
      // A conditional GET of a page not in memory is answered before compressing anything.
      if (etagMatches(request.headers['if-none-match'], document.etag))
        return sendNotModified(reply, document.etag);
      const page = encodePage(document.body, document.etag, document.contentType);
      this.cache.set(slug, page, ticket);
      return sendEncoded(request, reply, page, PUBLIC_CACHE_CONTROL);
    } catch (error) {
      return this.fail(request, reply, error);
    }
  }

  /** The one error body (a 5xx logged with the request id), as Nest's error filter answers. */
  private fail(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
    const body = toErrorBody(error);
    if (body.statusCode >= 500) request.log.error({ err: error }, `GET ${request.url} failed`);
    return reply
      .status(body.statusCode)
      .header('content-type', 'application/json; charset=utf-8')
      .send(body);
  }
}
