import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import { AssignmentResponse } from '../reviews/reviews.response.js';
import { EarlyReReviewService } from './early-re-review.service.js';
import { ReviewPolicyService } from './review-policy.service.js';
import { OverdueReviews } from './overdue-reviews.service.js';
import { ReReviewClock } from './re-review-clock.js';
import { ArticleReviewPolicyDto, ReReviewsQuery, SpecialtyPolicyDto } from './scheduling.dto.js';
import {
  ArticleReviewPolicyResponse,
  ReReviewResponse,
  ReviewPoliciesResponse,
  SpecialtyPolicyRemovedResponse,
  SpecialtyPolicyResponse,
} from './scheduling.response.js';

@ApiTags('re-reviews')
@ApiBearerAuth()
@Controller()
export class SchedulingController {
  constructor(
    private readonly clock: ReReviewClock,
    private readonly policies: ReviewPolicyService,
    private readonly overdue: OverdueReviews,
    private readonly earlyReReview: EarlyReReviewService,
  ) {}

  @Post('articles/:id/re-review')
  @HttpCode(200)
  @Roles('reviewer')
  @ApiOperation({
    summary:
      'Start the re-review now, before its due date (the "Start re-review now" of a reminder): opens it for the caller and accepts it, or returns the one already open; sign it with POST /articles/{id}/reviews (roles: the physician who signed last)',
  })
  @ApiOkResponse({ type: AssignmentResponse, description: "The caller's accepted re-review assignment" })
  @ApiForbiddenResponse({ description: 'The caller is not the physician who signed the article last' })
  @ApiNotFoundResponse({ description: 'No such article' })
  @ApiConflictResponse({
    description:
      'The article is not signed (no re-review scheduled), or another reviewer has it under review',
  })
  startReReview(@CurrentUser() actor: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.earlyReReview.start(actor, id);
  }

  @Put('articles/:id/review-policy')
  @Roles('editor')
  @ApiOperation({
    summary: "Set an article's re-review cadence (ISO-8601, e.g. P3Y; null to inherit) (roles: editor)",
  })
  @ApiOkResponse({ type: ArticleReviewPolicyResponse })
  setArticlePolicy(
    @CurrentUser() actor: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ArticleReviewPolicyDto,
  ) {
    return this.clock.setArticleCadence(actor, id, dto.cadence);
  }

  @Get('review-policies')
  @Roles('editor', 'admin')
  @ApiOperation({ summary: 'The default cadence and every specialty override (roles: editor, admin)' })
  @ApiOkResponse({ type: ReviewPoliciesResponse })
  listPolicies() {
    return this.policies.list();
  }

  @Put('review-policies/:specialty')
  @Roles('editor')
  @ApiOperation({ summary: "Set a specialty's re-review cadence (roles: editor)" })
  @ApiOkResponse({ type: SpecialtyPolicyResponse })
  setSpecialtyPolicy(
    @CurrentUser() actor: AuthUser,
    @Param('specialty') specialty: string,
    @Body() dto: SpecialtyPolicyDto,
  ) {
    return this.policies.setSpecialty(actor, specialty, dto.cadence);
  }

  @Delete('review-policies/:specialty')
  @HttpCode(200)
  @Roles('editor')
  @ApiOperation({
    summary: "Remove a specialty's override; its articles fall back to the default (roles: editor)",
  })
  @ApiOkResponse({ type: SpecialtyPolicyRemovedResponse })
  removeSpecialtyPolicy(@CurrentUser() actor: AuthUser, @Param('specialty') specialty: string) {
    return this.policies.removeSpecialty(actor, specialty);
  }

  @Get('re-reviews')
  @Roles('editor', 'admin')
  @ApiOperation({
    summary: 'Re-reviews due or overdue, with the last reviewer and days overdue (roles: editor, admin)',
  })
  @ApiOkResponse({ type: [ReReviewResponse] })
  list(@Query() query: ReReviewsQuery) {
    return this.overdue.list(query);
  }
}
