import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/decorators.js';
import { ApiError } from '../core/http/api-error.js';
import { type PublicDocument, PublicSiteService } from './public-site.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Caches may keep a page a minute, then revalidate cheaply with the ETag (an unpublish shows within a minute). */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=60, must-revalidate';

export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
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
  description: 'The page, with ETag and Cache-Control',
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
  @ApiOperation({ summary: 'Index of every live article (text/html; no login)' })
  @ApiOkResponse(page('text/html'))
  @ApiResponse(NOT_MODIFIED)
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await send(request, reply, await this.site.index());
  }

  @Get('articles')
  @ApiOperation({ summary: 'Index of every live article (text/html; no login)' })
  @ApiOkResponse(page('text/html'))
  @ApiResponse(NOT_MODIFIED)
  async index(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await send(request, reply, await this.site.index());
  }

  @Get('sitemap.xml')
  @ApiOperation({ summary: 'Sitemap of the live articles with lastmod (no login)' })
  @ApiOkResponse(page('application/xml'))
  @ApiResponse(NOT_MODIFIED)
  async sitemap(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await send(request, reply, await this.site.sitemap());
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
