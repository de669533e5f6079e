import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/decorators.js';
import { CommentView } from './article-view.js';
import { CreateCommentDto } from './comments.dto.js';
import { CommentsService } from './comments.service.js';

@ApiTags('comments')
@ApiBearerAuth()
@Controller('articles/:id/comments')
export class CommentsController {
  constructor(private readonly comments: CommentsService) {}

  @Post()
  @ApiOperation({
    summary: 'Comment on an article, optionally on a section of a revision or as a reply (roles: any)',
  })
  @ApiCreatedResponse({ type: CommentView })
  create(
    @CurrentUser() actor: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateCommentDto,
  ) {
    return this.comments.create(actor, id, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List the comment threads of an article, oldest first (roles: any)' })
  @ApiOkResponse({ type: [CommentView] })
  list(@Param('id', ParseUUIDPipe) id: string) {
    return this.comments.list(id);
  }

  @Post(':commentId/resolve')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Resolve a comment (roles: any; only the comment's author, the article's author or an editor may)",
  })
  @ApiOkResponse({ type: CommentView })
  @ApiForbiddenResponse({ description: "Not the comment's author, the article's author or an editor" })
  @ApiConflictResponse({ description: 'Already resolved' })
  resolve(
    @CurrentUser() actor: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('commentId', ParseUUIDPipe) commentId: string,
  ) {
    return this.comments.resolve(actor, id, commentId);
  }
}
