import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import {
  PreviewQuery,
  PublicationResponse,
  PublishDto,
  ScheduledPublishResponse,
  UnpublishResponse,
} from './publishing.dto.js';
import { PublicationHistoryResponse, ScheduleCancelledResponse } from './publishing.response.js';
import { LivePages } from './live-pages.service.js';
import { PreviewsService } from './previews.service.js';
import { PublishingService } from './publishing.service.js';
import { ScheduledPublishing } from './scheduled-publishing.service.js';

@ApiTags('publishing')
@ApiBearerAuth()
@Controller('articles')
export class PublishingController {
  constructor(
    private readonly publishing: PublishingService,
    private readonly schedules: ScheduledPublishing,
    private readonly livePages: LivePages,
    private readonly previews: PreviewsService,
  ) {}

  @Post(':id/publish')
  @Roles('publisher')
  @ApiOperation({
    summary:
      'Publish the current revision to every target, now (200) or at publishAt (202) (roles: publisher). ' +
      '409 says what is missing: no sign-off, a stale sign-off, or a licence expired at signing.',
  })
  @ApiOkResponse({ type: PublicationResponse })
  @ApiAcceptedResponse({ type: ScheduledPublishResponse })
  @ApiConflictResponse({
    description: 'Not publishable: no sign-off, a stale sign-off, or an expired licence',
  })
  async publish(
    @CurrentUser() actor: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: PublishDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!dto.publishAt) {
      void reply.status(200);
      return this.publishing.publishNow(actor, id);
    }
    void reply.status(202);
    return this.schedules.schedule(actor, id, new Date(dto.publishAt));
  }

  @Get(':id/scheduled-publish')
  @Roles('publisher', 'editor', 'admin')
  @ApiOperation({
    summary: 'The pending scheduled publish of an article, or 404 (roles: publisher, editor, admin)',
  })
  @ApiOkResponse({ type: ScheduledPublishResponse })
  getSchedule(@Param('id', ParseUUIDPipe) id: string) {
    return this.schedules.get(id);
  }

  @Delete(':id/scheduled-publish')
  @Roles('publisher')
  @ApiOperation({ summary: 'Cancel a scheduled publish before it fires (roles: publisher)' })
  @ApiOkResponse({ type: ScheduleCancelledResponse })
  cancelSchedule(@CurrentUser() actor: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.schedules.cancel(actor, id);
  }

  @Post(':id/unpublish')
  @HttpCode(200)
  @Roles('publisher')
  @ApiOperation({
    summary: 'Remove the live page from every target; the article becomes archived (roles: publisher)',
  })
  @ApiOkResponse({ type: UnpublishResponse })
  @ApiConflictResponse({ description: 'The article is not published' })
  unpublish(@CurrentUser() actor: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.livePages.unpublish(actor, id);
  }

  @Get(':id/preview')
  @ApiOperation({
    summary:
      'Any revision rendered as its page would be, with a "not medically reviewed" banner and noindex ' +
      '(text/html; roles: any signed-in user)',
  })
  @ApiOkResponse({
    description: 'The page as it would be published (noindex, no-store)',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  async preview(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: PreviewQuery,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const html = await this.previews.preview(id, query.revision);
    await reply
      .status(200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-robots-tag', 'noindex, nofollow')
      .send(html);
  }

  @Get(':id/publications')
  @Roles('publisher', 'editor', 'admin')
  @ApiOperation({
    summary:
      'Every publication of an article (revision, sign-off, checksum, target, actor, time) and its webhook ' +
      'deliveries (roles: publisher, editor, admin)',
  })
  @ApiOkResponse({ type: PublicationHistoryResponse })
  history(@Param('id', ParseUUIDPipe) id: string) {
    return this.previews.history(id);
  }
}
