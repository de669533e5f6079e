import { AssignmentResponses } from '../reviews/assignment-responses.service.js';
import {
  Body,
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CommentsService } from '../articles/comments.service.js';
import { CreateCommentDto } from '../articles/comments.dto.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Public } from '../auth/decorators.js';
import { AssignmentsService } from '../reviews/assignments.service.js';
import { DecisionsService } from '../reviews/decisions.service.js';
import { DeclineAssignmentDto, ReviewDecisionDto } from '../reviews/reviews.dto.js';
import { EarlyReReviewService } from '../scheduling/early-re-review.service.js';
import { DeskCsrf, DeskErrorFilter, DeskGuard, type DeskRequest, SignedIn } from './desk-access.js';
import { DeskForms, type FormBody, refusalBody } from './desk-forms.js';
import { notice } from './desk-navigation.js';
import { formDto, formInt, refusalText } from './review-forms.js';
import { ArticleStatePages } from './article-state.service.js';
import { MyReviewsPage } from './my-reviews.service.js';
import type { ReviewPageModel } from './review-page-models.js';
import { ReviewPagesService } from './review-pages.service.js';
import { type ReviewView, ReviewViews } from './review-views.js';
import { sendDeskView } from './desk-view-renderer.js';

/** The fixed sentences a redirect may ask the review page to show; the query names one, its text is never echoed. */
const REVIEW_NOTICES = {
  accepted: 'You accepted the review. Read the revision, comment, then request changes or sign.',
  commented: 'Your comment is saved.',
  'changes-requested':
    'You requested changes. The writer is told; you will get an e-mail when a new revision is ready.',
  started: 'The re-review is open. Read the revision and sign when you are satisfied.',
  declined: 'You declined the review. The editors are told.',
} as const;

function reviewNotice(key: unknown): string | null {
  return typeof key === 'string' && Object.hasOwn(REVIEW_NOTICES, key)
    ? REVIEW_NOTICES[key as keyof typeof REVIEW_NOTICES]
    : null;
}

interface ReviewForms {
  decline: { reason: string; error: string | null };
  comment: { body: string; sectionIndex: string; error: string | null };
  requestChanges: { comments: string; error: string | null };
  sign: { comments: string; error: string | null };
}

const emptyForms = (): ReviewForms => ({
  decline: { reason: '', error: null },
  comment: { body: '', sectionIndex: '', error: null },
  requestChanges: { comments: '', error: null },
  sign: { comments: '', error: null },
});

/**
 * The review desk (`/desk/reviews…`, `/desk/articles…`): each GET gathers its page from ReviewPagesService and
 * renders it; each POST calls the service the JSON API calls (AssignmentsService, CommentsService,
 * DecisionsService, EarlyReReviewService) and redirects, or re-renders the page with the refusal beside the
 * form and what was typed kept. No rule lives here.
 */
@ApiExcludeController()
@Public()
@UseGuards(DeskGuard)
@UseFilters(DeskErrorFilter)
@SignedIn()
@Controller('desk')
export class ReviewPagesController {
  constructor(
    private readonly pages: ReviewPagesService,
    private readonly myReviewsPage: MyReviewsPage,
    private readonly articleStates: ArticleStatePages,
    private readonly views: ReviewViews,
    private readonly forms: DeskForms,
    private readonly csrf: DeskCsrf,
    private readonly assignments: AssignmentsService,
    private readonly responses: AssignmentResponses,
    private readonly decisions: DecisionsService,
    private readonly comments: CommentsService,
    private readonly earlyReReview: EarlyReReviewService,
  ) {}

  private user(request: DeskRequest): AuthUser {
    const { user } = request.deskVisit!;
    return { id: user.id, email: user.email, name: user.name, roles: user.roles };
  }

  private render(
    request: DeskRequest,
    reply: FastifyReply,
    status: number,
    view: ReviewView,
    title: string,
    context: Record<string, unknown>,
  ): FastifyReply {
    return sendDeskView(this.views, this.csrf, request, reply, { status, view, title, context: context });
  }

  @Get('reviews')
  async myReviews(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Query('notice') key?: string) {
    const model = await this.myReviewsPage.myReviews(this.user(request));
    return this.render(request, reply, 200, 'reviews/my-reviews', 'My reviews', {
      ...model,
      notice: reviewNotice(key) ?? notice(key),
    });
  }

  @Get('reviews/:id')
  async review(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Query('view') view?: string,
    @Query('notice') key?: string,
  ) {
    const opened = await this.pages.openReview(this.user(request), id);
    // An editor or writer following a reviewer's link: the article's review state, read-only.
    if ('otherReviewersArticle' in opened) {
      return this.forms.redirect(reply, `/desk/articles/${opened.otherReviewersArticle}`);
    }
    return this.showReview(request, reply, 200, opened.model, {
      sideBySide: view === 'side-by-side',
      notice: reviewNotice(key),
    });
  }

  private async showReview(
    request: DeskRequest,
    reply: FastifyReply,
    status: number,
    /** The assignment's id, or its page already gathered. */
    page: string | ReviewPageModel,
    options: {
      sideBySide?: boolean;
      notice?: string | null;
      pageError?: string | null;
      forms?: Partial<ReviewForms>;
    },
  ) {
    const model = typeof page === 'string' ? await this.pages.reviewPage(this.user(request), page) : page;
    const forms = { ...emptyForms(), ...options.forms };
    return this.render(request, reply, status, 'reviews/review', `Review: ${model.article.title}`, {
      ...reviewContext(model, forms, options.sideBySide ?? false),
      sideBySide: options.sideBySide ?? false,
      notice: options.notice ?? null,
      pageError: options.pageError ?? null,
    });
  }

  @Post('reviews/:id/accept')
  async accept(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    try {
      await this.responses.accept(this.user(request), id);
      return this.forms.redirect(reply, `/desk/reviews/${id}?notice=accepted`);
    } catch (error) {
      return this.showReview(request, reply, this.forms.refusal(error), id, {
        pageError: refusalText(error),
      });
    }
  }

  @Post('reviews/:id/decline')
  async decline(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
  ) {
    const reason = this.forms.text(body, 'reason');
    try {
      const dto = await formDto(DeclineAssignmentDto, { reason });
      await this.responses.decline(this.user(request), id, dto);
      return this.forms.redirect(reply, `/desk/reviews?notice=declined`);
    } catch (error) {
      return this.showReview(request, reply, this.forms.refusal(error), id, {
        forms: { decline: { reason, error: refusalText(error) } },
      });
    }
  }

  @Post('reviews/:id/comments')
  async comment(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
  ) {
    const text = this.forms.text(body, 'body');
    const sectionIndex = this.forms.text(body, 'sectionIndex');
    const user = this.user(request);
    try {
      const assignment = await this.pages.ownAssignment(user, id);
      const dto = await formDto(CreateCommentDto, {
        body: text,
        sectionIndex: formInt(sectionIndex),
        revision: formInt(this.forms.text(body, 'revision')),
      });
      await this.comments.create(user, assignment.articleId, dto);
      return this.forms.redirect(reply, `/desk/reviews/${id}?notice=commented#comments`);
    } catch (error) {
      return this.showReview(request, reply, this.forms.refusal(error), id, {
        forms: { comment: { body: text, sectionIndex, error: refusalText(error) } },
      });
    }
  }

  @Post('reviews/:id/request-changes')
  requestChanges(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
  ) {
    return this.decide(
      request,
      reply,
      id,
      body,
      'request_changes',
      () => `/desk/reviews/${id}?notice=changes-requested`,
    );
  }

  @Post('reviews/:id/sign')
  sign(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
  ) {
    return this.decide(
      request,
      reply,
      id,
      body,
      'approve',
      (signOffId) => `/desk/reviews/${id}/receipt/${signOffId}`,
    );
  }

  /**
   * Both review decisions from their form: the revision and hash that were displayed travel with it, so an article
   * that changed since the page was shown is refused (409) and the page then shows the new changes; any other
   * refusal re-renders the form with what was typed and the reason beside it.
   */
  private async decide(
    request: DeskRequest,
    reply: FastifyReply,
    id: string,
    body: FormBody,
    decision: 'approve' | 'request_changes',
    next: (signOffId: string | undefined) => string,
  ) {
    const comments = this.forms.text(body, 'comments');
    const user = this.user(request);
    const form = decision === 'approve' ? 'sign' : 'requestChanges';
    try {
      const assignment = await this.pages.ownAssignment(user, id);
      const dto = await formDto(ReviewDecisionDto, {
        decision,
        revision: formInt(this.forms.text(body, 'revision')),
        contentHash: this.forms.text(body, 'contentHash') || undefined,
        ...(decision === 'approve'
          ? { comments: comments || undefined, password: this.forms.text(body, 'password') }
          : { comments }),
      });
      const result = await this.decisions.decide(user, assignment.articleId, dto);
      return this.forms.redirect(reply, next(result.signOff?.id));
    } catch (error) {
      const status = this.forms.refusal(error);
      return this.showReview(request, reply, status, id, {
        pageError: status === 409 ? changedMessage(error) : null,
        forms: { [form]: { comments, error: status === 409 ? null : refusalText(error) } },
      });
    }
  }

  @Get('reviews/:id/receipt/:signOffId')
  async receipt(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('signOffId', ParseUUIDPipe) signOffId: string,
  ) {
    const model = await this.pages.receipt(this.user(request), id, signOffId);
    return this.render(request, reply, 200, 'reviews/receipt', `Signed: ${model.article.title}`, {
      ...model,
    });
  }

  @Get('articles/:id')
  async article(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    const model = await this.articleStates.articleState(this.user(request), id);
    return this.render(request, reply, 200, 'articles/state', model.article.title, { ...model });
  }

  /** The pre-due reminder's link: the open review if the reviewer has one, else the page to start it. */
  @Get('articles/:id/re-review')
  async reReview(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    const open = await this.articleStates.openAssignmentOf(this.user(request), id);
    if (open) return this.forms.redirect(reply, `/desk/reviews/${open}`);
    return this.article(request, reply, id);
  }

  @Post('articles/:id/re-review')
  async startReReview(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    const assignment = await this.earlyReReview.start(this.user(request), id);
    return this.forms.redirect(reply, `/desk/reviews/${assignment.id}?notice=started`);
  }

  @Get('articles/:id/sign-offs/:signOffId/verify')
  async verify(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('signOffId', ParseUUIDPipe) signOffId: string,
  ) {
    const result = await this.articleStates.verify(this.user(request), id, signOffId);
    return this.render(request, reply, 200, 'articles/verify', 'Signature check', { ...result });
  }
}

function changedMessage(error: unknown): string {
  const body = refusalBody(error);
  if (body.statusCode === 409) {
    return `Nothing was signed or sent: ${body.message}. The page now shows the current revision and what changed.`;
  }
  return body.message;
}

/** The review page model with what its template reads: flags instead of comparisons, forms with what was typed. */
function reviewContext(
  model: ReviewPageModel,
  forms: ReviewForms,
  sideBySide: boolean,
): Record<string, unknown> {
  const typedSection = forms.comment.sectionIndex;
  const rendered = model.changes.rendered;
  return {
    ...model,
    forms,
    changes: {
      since: model.changes.since,
      unchangedSinceSignOff: model.changes.unchangedSinceSignOff,
      sinceSignOff: model.changes.since?.kind === 'sign-off',
      html: rendered ? (sideBySide ? rendered.sideBySide : rendered.inline) : '',
    },
    sections: model.sections.map((section) => ({
      ...section,
      selected: typedSection === String(section.index),
    })),
  };
}
