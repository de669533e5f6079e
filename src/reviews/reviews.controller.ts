import { AssignmentResponses } from './assignment-responses.service.js';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import { AssignmentsService } from './assignments.service.js';
import { DecisionsService } from './decisions.service.js';
import {
  CreateAssignmentDto,
  DeclineAssignmentDto,
  ListAssignmentsQuery,
  ReviewDecisionDto,
} from './reviews.dto.js';
import { AssignmentResponse, DecisionResultResponse, ReviewDecisionResponse } from './reviews.response.js';

@ApiTags('reviews')
@ApiBearerAuth()
@Controller()
export class ReviewsController {
  constructor(
    private readonly assignments: AssignmentsService,
    private readonly responses: AssignmentResponses,
    private readonly decisions: DecisionsService,
  ) {}

  @Post('articles/:id/assignments')
  @Roles('editor')
  @ApiOperation({ summary: 'Assign a reviewer (automatic when reviewerId is omitted) (roles: editor)' })
  @ApiCreatedResponse({ type: AssignmentResponse })
  @ApiConflictResponse({
    description:
      'The article is not in review, already has an open assignment, or the reviewer is not eligible',
  })
  assign(
    @CurrentUser() actor: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateAssignmentDto,
  ) {
    return this.assignments.assign(actor, id, dto);
  }

  @Get('assignments')
  @Roles('reviewer', 'editor', 'admin')
  @ApiOperation({
    summary:
      "Review assignments; reviewers see their own queue, editors anyone's (roles: reviewer, editor, admin)",
  })
  @ApiOkResponse({ type: [AssignmentResponse] })
  list(@CurrentUser() actor: AuthUser, @Query() query: ListAssignmentsQuery) {
    return this.assignments.list(actor, query);
  }

  @Post('assignments/:id/accept')
  @HttpCode(200)
  @Roles('reviewer')
  @ApiOperation({ summary: 'Accept an assignment (roles: the assigned reviewer)' })
  @ApiOkResponse({ type: AssignmentResponse })
  @ApiConflictResponse({ description: 'The assignment is no longer pending' })
  accept(@CurrentUser() actor: AuthUser, @Param('id', ParseUUIDPipe) id: string) {
    return this.responses.accept(actor, id);
  }

  @Post('assignments/:id/decline')
  @HttpCode(200)
  @Roles('reviewer')
  @ApiOperation({
    summary: 'Decline an assignment with a reason; editors are told (roles: the assigned reviewer)',
  })
  @ApiOkResponse({ type: AssignmentResponse })
  @ApiConflictResponse({ description: 'The assignment is no longer open' })
  decline(
    @CurrentUser() actor: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: DeclineAssignmentDto,
  ) {
    return this.responses.decline(actor, id, dto);
  }

  @Post('articles/:id/reviews')
  @HttpCode(200)
  @Roles('reviewer')
  @ApiOperation({
    summary:
      'Approve (re-enter password; creates the sign-off) or request changes on the revision read (roles: the assigned reviewer)',
  })
  @ApiOkResponse({ type: DecisionResultResponse })
  @ApiConflictResponse({
    description: 'Not the revision under review, already decided, or the reviewer cannot sign (licence)',
  })
  @ApiUnauthorizedResponse({ description: 'The password re-entered to sign is wrong' })
  @ApiTooManyRequestsResponse({ description: 'Too many wrong passwords; retry later' })
  decide(
    @CurrentUser() actor: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ReviewDecisionDto,
  ) {
    return this.decisions.decide(actor, id, dto);
  }

  @Get('articles/:id/reviews')
  @ApiOperation({ summary: "An article's review decisions with comments, newest first (roles: any)" })
  @ApiOkResponse({ type: [ReviewDecisionResponse] })
  listDecisions(@Param('id', ParseUUIDPipe) id: string) {
    return this.decisions.listForArticle(id);
  }
}
