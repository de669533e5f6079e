import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/decorators.js';
import { ApiError } from '../core/http/api-error.js';
import { etagMatches, sendEncoded } from './encoded-page.js';
import { type ListingAnswer, type PublicDocument, PublicSiteService } from './public-site.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Caches may keep a page a minute, then revalidate cheaply with the ETag (an unpublish shows within a minute). */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=60, must-revalidate';

export { etagMatches };

/** 304 for a public document: its ETag, cache headers and Vary, as the 200 would have. */
export function sendNotModified(reply: FastifyReply, etag: string): FastifyReply {
  return reply
    .header('etag', etag)
    .header('cache-control', PUBLIC_CACHE_CONTROL)
    .header('vary', 'Accept-Encoding')
    .status(304)
    .send();
}

async function sendListing(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: ListingAnswer,
): Promise<void> {
  if (answer.notModified) await sendNotModified(reply, answer.etag);
  else await sendEncoded(request, reply, answer.page, PUBLIC_CACHE_CONTROL);
}

async function send(request: FastifyRequest, reply: FastifyReply, document: PublicDocument): Promise<void> {
  void reply.header('etag', document.etag).header('cache-control', PUBLIC_CACHE_CONTROL);
  if (etagMatches(request.headers['if-none-match'], document.etag)) {
    await reply.status(304).send();
    return;
  }
  await reply.status(200).header('content-type', document.contentType).send(document.body);
}

const page = (mediaType: string) => ({
  description:
    'The page, with ETag and Cache-Control; brotli or gzip as Accept-Encoding allows (Vary: Accept-Encoding)',
  content: { [mediaType]: { schema: { type: 'string' } } },
});
const NOT_MODIFIED = { status: 304, description: 'Not modified (If-None-Match matches the ETag)' };

/** Published pages served by the service itself, without login. */
@ApiTags('public')
@Public()
@Controller('public')
export class PublicSiteController {
  constructor(private readonly site: PublicSiteService) {}

  @Get()
  @ApiOperation({ summary: 'First page of the index of live articles (text/html; no login)' })
  @ApiOkResponse(page('text/html'))
  @ApiResponse(NOT_MODIFIED)
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.index({}, request, reply);
  }

  @Get('articles')
  @ApiOperation({
    summary: 'Index of the live articles by title, 100 a page (text/html; no login)',
    description:
      'Served from memory until a page is published or unpublished; a matching If-None-Match is answered 304 ' +
      'without rendering. A page past the last is 404.',
  })
  @ApiQuery({ name: 'page', required: false, schema: { type: 'integer', minimum: 1, maximum: 100000 } })
  @ApiOkResponse(page('text/html'))
  @ApiResponse(NOT_MODIFIED)
  async index(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const number = this.site.indexPageNumber(query);
    await sendListing(
      request,
      reply,
      await this.site.listing(
        `index:${number}`,
        () => this.site.indexListing(number),
        request.headers['if-none-match'],
      ),
    );
  }

  @Get('sitemap.xml')
  @ApiOperation({
    summary: 'Sitemap of the live articles with lastmod (no login)',
    description:
      'Up to 50,000 articles, a urlset of them all; past that, a sitemap index of /public/sitemap-{n}.xml ' +
      '(50,000 articles each, with the latest lastmod of each). Served from memory until a page is published ' +
      'or unpublished; 304 without rendering.',
  })
  @ApiOkResponse(page('application/xml'))
  @ApiResponse(NOT_MODIFIED)
  async sitemap(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await sendListing(
      request,
      reply,
      await this.site.listing('sitemap', () => this.site.sitemapListing(), request.headers['if-none-match']),
    );
  }

  @Get('sitemap-:n.xml')
  @ApiOperation({
    summary: 'One file of the sitemap index: up to 50,000 live articles with lastmod (no login)',
    description:
      'Exists only while sitemap.xml is a sitemap index (more than 50,000 live articles), for n from 1 to the ' +
      'number of files it names; 404 otherwise. Served from memory until a page is published or unpublished; ' +
      '304 without rendering.',
  })
  @ApiParam({ name: 'n', schema: { type: 'integer', minimum: 1 } })
  @ApiOkResponse(page('application/xml'))
  @ApiResponse(NOT_MODIFIED)
  @ApiResponse({ status: 404, description: 'No such file in the sitemap index' })
  async sitemapShard(
    @Param('n') n: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!/^[1-9][0-9]{0,8}$/.test(n)) throw ApiError.notFound('Sitemap');
    const shard = Number(n);
    await sendListing(
      request,
      reply,
      await this.site.listing(
        `sitemap:${shard}`,
        () => this.site.sitemapShardListing(shard),
        request.headers['if-none-match'],
      ),
    );
  }

  // GET articles/:slug, the live page of an article, is a plain Fastify route: see public-page-route.ts.

  @Get('reviewers/:id')
  @ApiOperation({
    summary: "A medical reviewer's profile and the live articles they reviewed (text/html; no login)",
  })
  @ApiOkResponse(page('text/html'))
  @ApiResponse(NOT_MODIFIED)
  async reviewer(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!UUID.test(id)) throw ApiError.notFound('Reviewer');
    await send(request, reply, await this.site.reviewer(id));
  }
}
