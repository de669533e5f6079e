import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/decorators.js';
import { ApiError } from '../core/http/api-error.js';
import { etagMatches } from './encoded-page.js';
import { type PublicDocument, PublicSiteService } from './public-site.service.js';

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

  // The live pages (GET articles/:slug), the index (GET /public, GET articles) and the sitemap (GET sitemap.xml,
  // sitemap-:n.xml) are plain Fastify routes: see public-page-route.ts, and public-page-openapi.ts for their
  // entries in the OpenAPI document.

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
