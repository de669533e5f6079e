import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import { AttestedReviewsService } from './attested-reviews.service.js';
import {
  AttestedReviewVerificationView,
  AttestedReviewView,
  ImportReportView,
  ImportRequestDto,
} from './imports.dto.js';
import { ImportsService } from './imports.service.js';

@ApiTags('imports')
@ApiBearerAuth()
@Controller()
export class ImportsController {
  constructor(
    private readonly imports: ImportsService,
    private readonly attested: AttestedReviewsService,
  ) {}

  @Post('imports')
  @HttpCode(200)
  @Roles('admin', 'editor')
  @ApiOperation({
    summary:
      'Import articles with their review history from files sent as JSON (HTML pages, Markdown with front matter, WordPress WXR, ArticleContent JSON with a review block, plain text); one report entry per source (roles: admin, editor)',
  })
  @ApiOkResponse({ type: ImportReportView })
  run(@CurrentUser() actor: AuthUser, @Body() dto: ImportRequestDto) {
    return this.imports.run(actor, dto.files, {
      dryRun: dto.dryRun ?? false,
      publish: dto.publish ?? false,
      defaultSpecialty: dto.specialty,
    });
  }

  @Get('articles/:id/attested-reviews')
  @ApiOperation({
    summary:
      "An article's attested past reviews (attested at import, not e-signed in this service), newest first (roles: any)",
  })
  @ApiOkResponse({ type: [AttestedReviewView] })
  list(@Param('id', ParseUUIDPipe) id: string) {
    return this.attested.list(id);
  }

  @Get('articles/:id/attested-reviews/:reviewId/verify')
  @ApiOperation({
    summary:
      'Recompute the hash of the imported revision and say whether it still matches; says the review was attested, not e-signed (roles: any)',
  })
  @ApiOkResponse({ type: AttestedReviewVerificationView })
  verify(@Param('id', ParseUUIDPipe) id: string, @Param('reviewId', ParseUUIDPipe) reviewId: string) {
    return this.attested.verify(id, reviewId);
  }
}
