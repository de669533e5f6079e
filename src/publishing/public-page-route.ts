import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../core/config/app-config.js';
import { ApiError } from '../core/http/api-error.js';
import { toErrorBody } from '../core/http/error.filter.js';
import { PublicPageCache } from './public-page-cache.js';
import { encodePage, etagMatches, sendEncoded } from './encoded-page.js';
import { PUBLIC_CACHE_CONTROL, sendNotModified } from './public-site.controller.js';
import { PublicSiteService } from './public-site.service.js';

export const PUBLIC_ARTICLE_PATH = '/public/articles/:slug';

/**
 * GET /public/articles/:slug, the route readers hit most, as a plain Fastify route: no Nest guard, pipe or
 * interceptor has anything to do for a public page, and the page's bytes come from memory (PublicPageCache).
 * Fastify's own hooks (helmet's headers, the request id) still apply, and errors have the one error body.
 * It is not in the OpenAPI document, which only lists Nest's routes; the README and the security suite list it.
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
    adapter
      .getInstance<FastifyInstance>()
      .get(PUBLIC_ARTICLE_PATH, (request, reply) => this.serve(request, reply));
    await this.cache.start();
  }

  private async serve(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { slug } = request.params as { slug: string };
    try {
      // No Nest pipe refuses a NUL here, and PostgreSQL cannot hold one: no page has it in its URL.
      if (slug.includes('\u0000')) throw ApiError.notFound('Page');
      let page = this.cache.get(slug);
      if (!page) {
        const ticket = this.cache.ticket();
        const document = await this.site.article(slug);
        // A conditional GET of a page not in memory is answered before compressing anything.
        if (etagMatches(request.headers['if-none-match'], document.etag))
          return sendNotModified(reply, document.etag);
        page = encodePage(document.body, document.etag, document.contentType);
        this.cache.set(slug, page, ticket);
      }
      return sendEncoded(request, reply, page, PUBLIC_CACHE_CONTROL);
    } catch (error) {
      const body = toErrorBody(error);
      if (body.statusCode >= 500) request.log.error({ err: error }, `GET ${request.url} failed`);
      return reply
        .status(body.statusCode)
        .header('content-type', 'application/json; charset=utf-8')
        .send(body);
    }
  }
}
