import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiUnprocessableEntityResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import {
  ArticleListView,
  ArticleReadView,
  ArticleView,
  RevisionDiffView,
  RevisionSummaryView,
  RevisionView,
} from './article-view.js';
import { CreateArticleDto, DiffQuery, ListArticlesQuery, UpdateArticleDto } from './articles.dto.js';
import { ArticleDrafts } from './article-drafts.service.js';
import { ArticleSubmission } from './article-submission.service.js';
import { ArticlesService } from './articles.service.js';
import { etagMatches, etagOf } from './etag.js';

function withEtag(reply: FastifyReply, article: ArticleView): ArticleView {
  void reply.header('ETag', etagOf(article.version));
  return article;
}

const IF_MATCH_REQUIRED = {
  name: 'If-Match',
  required: true,
  description: 'The version you edited, from the ETag: "3" (3 and W/"3" are accepted too)',
};
const IF_MATCH_OPTIONAL = {
  name: 'If-Match',
  required: false,
  description: 'When given, the action happens only if the article is still at this version (else 412)',
};

const STALE = { status: 412, description: 'If-Match names a version that is no longer current' };

@ApiTags('articles')
@ApiBearerAuth()
@Controller('articles')
export class ArticlesController {
  constructor(
    private readonly articles: ArticlesService,
    private readonly drafts: ArticleDrafts,
    private readonly submission: ArticleSubmission,
  ) {}

  @Post()
  @Roles('writer')
  @ApiOperation({
    summary: 'Create a draft article with its revision 1; ETag header = version (roles: writer)',
  })
  @ApiCreatedResponse({ type: ArticleView })
  @ApiConflictResponse({ description: 'The slug is taken' })
  async create(
    @CurrentUser() actor: AuthUser,
    @Body() dto: CreateArticleDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withEtag(reply, await this.drafts.create(actor, dto));
  }

  @Get()
  @ApiOperation({
    summary: 'List articles, last changed first, with filters and full-text search q (roles: any)',
  })
  @ApiOkResponse({ type: ArticleListView })
  list(@Query() query: ListArticlesQuery) {
    return this.articles.list(query);
  }

  @Get(':id')
  @ApiOperation({
    summary:
      'Get an article with its current content and attested past reviews; ETag header = version; ' +
      'If-None-Match with it answers 304 (roles: any)',
  })
  @ApiHeader({
    name: 'If-None-Match',
    required: false,
    description: 'The ETag you hold, such as "3": 304 without a body while the article is at that version',
  })
  @ApiOkResponse({ type: ArticleReadView })
  @ApiResponse({ status: 304, description: 'If-None-Match names the current version: nothing is sent' })
  async get(
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const json = await this.articles.getJson(id);
    void reply.header('ETag', json.etag).header('Cache-Control', 'private, no-cache');
    if (etagMatches(ifNoneMatch, json.etag)) await reply.status(304).send();
    else await reply.status(200).header('Content-Type', 'application/json; charset=utf-8').send(json.body);
  }

  @Patch(':id')
  @Roles('writer', 'editor')
  @ApiOperation({
    summary:
      'Save the next revision with the fields given; If-Match required: 428 without, 412 if stale, 409 while ' +
      'in review (roles: writer for their own articles, editor for any)',
  })
  @ApiHeader(IF_MATCH_REQUIRED)
  @ApiOkResponse({ type: ArticleView })
  @ApiConflictResponse({ description: 'The article is in review or published, or the slug is taken' })
  @ApiResponse(STALE)
  @ApiResponse({ status: 428, description: 'If-Match is missing' })
  async edit(
    @CurrentUser() actor: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() dto: UpdateArticleDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withEtag(reply, await this.drafts.edit(actor, id, ifMatch, dto));
  }

  @Post(':id/submit')
  @HttpCode(200)
  @Roles('writer', 'editor')
  @ApiOperation({
    summary:
      'Submit a complete draft for review (draft or changes_requested -> in_review); 422 lists what is ' +
      'missing (roles: writer for their own articles, editor for any)',
  })
  @ApiHeader(IF_MATCH_OPTIONAL)
  @ApiOkResponse({ type: ArticleView })
  @ApiConflictResponse({ description: 'The article is not a draft or changes_requested' })
  @ApiResponse(STALE)
  @ApiUnprocessableEntityResponse({ description: 'The draft is incomplete: details list what is missing' })
  async submit(
    @CurrentUser() actor: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withEtag(reply, await this.submission.submit(actor, id, ifMatch));
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @Roles('writer', 'editor')
  @ApiOperation({
    summary:
      'Withdraw an article from review so it can be edited (in_review -> draft) (roles: writer for their own ' +
      'articles, editor for any)',
  })
  @ApiHeader(IF_MATCH_OPTIONAL)
  @ApiOkResponse({ type: ArticleView })
  @ApiConflictResponse({ description: 'The article is not in review' })
  @ApiResponse(STALE)
  async withdraw(
    @CurrentUser() actor: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withEtag(reply, await this.submission.withdraw(actor, id, ifMatch));
  }

  @Get(':id/revisions')
  @ApiOperation({ summary: 'List the revisions of an article, oldest first, without content (roles: any)' })
  @ApiOkResponse({ type: [RevisionSummaryView] })
  listRevisions(@Param('id', ParseUUIDPipe) id: string) {
    return this.articles.listRevisions(id);
  }

  @Get(':id/revisions/:number')
  @ApiOperation({ summary: 'Get one revision with its content and rendered HTML (roles: any)' })
  @ApiOkResponse({ type: RevisionView })
  getRevision(@Param('id', ParseUUIDPipe) id: string, @Param('number', ParseIntPipe) number: number) {
    return this.articles.getRevision(id, number);
  }

  @Get(':id/diff')
  @ApiOperation({
    summary:
      'What changed between two revisions, per field and per section, with changed words marked (roles: any)',
    description:
      'Paginated: up to `limit` changes from `offset` (default 100, at most 500), and never more than about ' +
      '500,000 characters of text in one page; `nextOffset` gives the next page (null on the last). The work ' +
      'is bounded: texts are aligned by paragraph, then word by word within a time budget per diff; past it a ' +
      'paragraph is shown whole (`granularity: paragraph`) or a text is shown without `words`. Answers are ' +
      'cached by the pair of content hashes.',
  })
  @ApiOkResponse({ type: RevisionDiffView })
  async diff(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: DiffQuery,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const json = await this.articles.diffJson(id, query.from, query.to, {
      offset: query.offset,
      limit: query.limit,
    });
    await reply.status(200).header('Content-Type', 'application/json; charset=utf-8').send(json);
  }
}
