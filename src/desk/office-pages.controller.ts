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
import type { AuthUser } from '../auth/auth-user.js';
import { Public } from '../auth/decorators.js';
import { toErrorBody } from '../core/http/error.filter.js';
import { CreateAssignmentDto } from '../reviews/reviews.dto.js';
import { SpecialtyPolicyDto } from '../scheduling/scheduling.dto.js';
import { DeskCsrf, DeskErrorFilter, DeskGuard, type DeskRequest, SignedIn } from './desk-access.js';
import { DeskForms, type FormBody } from './desk-forms.js';
import { EditorPagesService } from './editor-pages.service.js';
import { PublisherPagesService } from './publisher-pages.service.js';
import { type OfficeView, OfficeViews } from './office-views.js';
import { formDto } from './review-forms.js';
import { sendDeskView } from './desk-view-renderer.js';

/** The fixed sentences a redirect may ask a page to show; the query names one, its text is never echoed. */
const OFFICE_NOTICES = {
  assigned: 'The reviewer is assigned and has been e-mailed.',
  'policy-saved': 'The review policy is saved. Articles of this specialty signed from now on use it.',
  'policy-removed': 'The specialty policy is removed; its articles fall back to the default cadence.',
  published: 'Published. The public page is live.',
  scheduled: 'Publishing is scheduled.',
  'schedule-cancelled': 'The scheduled publishing is cancelled.',
  unpublished: 'Unpublished. The page is taken down from every target.',
  'export-started': 'The export has started; this page shows its progress when you reload it.',
} as const;

function officeNotice(key: unknown): string | null {
  return typeof key === 'string' && Object.hasOwn(OFFICE_NOTICES, key)
    ? OFFICE_NOTICES[key as keyof typeof OFFICE_NOTICES]
    : null;
}

/** A refusal as the page shows it: the API's message and each field's reason. Anything else is rethrown. */
export interface Refusal {
  status: number;
  message: string;
  fields: { field: string; reason: string }[];
}

function refusalOf(error: unknown): Refusal {
  const body = toErrorBody(error);
  if (body.statusCode >= 500) throw error;
  const fields = (body.details ?? []).flatMap((detail) => {
    const d = detail as { field?: unknown; reason?: unknown };
    return typeof d.field === 'string' && typeof d.reason === 'string'
      ? [{ field: d.field, reason: d.reason }]
      : [];
  });
  const message = /[.!?]$/.test(body.message) ? body.message : `${body.message}.`;
  return { status: body.statusCode, message, fields };
}

/** Rendering shared by the editor's and the publisher's pages. */
abstract class OfficePages<P> {
  constructor(
    protected readonly pages: P,
    protected readonly views: OfficeViews,
    protected readonly forms: DeskForms,
    protected readonly csrf: DeskCsrf,
  ) {}

  protected user(request: DeskRequest): AuthUser {
    const { user } = request.deskVisit!;
    return { id: user.id, email: user.email, name: user.name, roles: user.roles };
  }

  protected render(
    request: DeskRequest,
    reply: FastifyReply,
    status: number,
    view: OfficeView,
    title: string,
    context: Record<string, unknown>,
  ): FastifyReply {
    return sendDeskView(
      this.views,
      this.csrf,
      request,
      reply,
      { status, view, title, context: { notice: null, refusal: null, ...context } },
      { referrerPolicy: true },
    );
  }

  protected notice(key: unknown): string | null {
    return officeNotice(key);
  }
}

/**
 * The editor's pages (`/desk/editor…`): the dashboard, assigning a reviewer, review policies and an article's
 * timeline. Each GET renders what EditorPagesService gathers; each POST calls the service the JSON API calls and
 * redirects, or re-renders the page with the refusal worded as the API words it. No rule lives here.
 */
@ApiExcludeController()
@Public()
@UseGuards(DeskGuard)
@UseFilters(DeskErrorFilter)
@SignedIn()
@Controller('desk/editor')
export class EditorPagesController extends OfficePages<EditorPagesService> {
  constructor(pages: EditorPagesService, views: OfficeViews, forms: DeskForms, csrf: DeskCsrf) {
    super(pages, views, forms, csrf);
  }

  @Get()
  async dashboard(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Query('notice') key?: string) {
    const model = await this.pages.editorDashboard(this.user(request));
    return this.render(request, reply, 200, 'office/editor', 'Editor’s desk', {
      ...model,
      notice: this.notice(key),
    });
  }

  @Get('articles/:id/assign')
  async assignPage(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    return this.showAssign(request, reply, 200, id, null, null);
  }

  private async showAssign(
    request: DeskRequest,
    reply: FastifyReply,
    status: number,
    id: string,
    refusal: Refusal | null,
    typed: { reviewerId: string; dueAt: string } | null,
  ) {
    const model = await this.pages.assignPage(this.user(request), id);
    const selected = typed ? typed.reviewerId : (model.suggestion.reviewerId ?? '');
    return this.render(request, reply, status, 'office/assign', `Assign a reviewer: ${model.article.title}`, {
      ...model,
      reviewers: model.reviewers.map((r) => ({
        ...r,
        selected: r.id === selected,
        suggested: r.id === model.suggestion.reviewerId,
      })),
      automaticSelected: selected === '',
      dueAt: typed?.dueAt ?? '',
      refusal,
    });
  }

  @Post('articles/:id/assign')
  async assign(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
  ) {
    const typed = { reviewerId: this.forms.text(body, 'reviewerId'), dueAt: this.forms.text(body, 'dueAt') };
    try {
      const dto = await formDto(CreateAssignmentDto, {
        reviewerId: typed.reviewerId || undefined,
        dueAt: this.pages.dueAtFromForm(typed.dueAt),
      });
      await this.pages.assign(this.user(request), id, dto);
    } catch (error) {
      const refusal = refusalOf(error);
      return this.showAssign(request, reply, refusal.status, id, refusal, typed);
    }
    return this.forms.redirect(reply, '/desk/editor?notice=assigned');
  }

  @Get('policies')
  async policies(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Query('notice') key?: string) {
    return this.showPolicies(request, reply, 200, this.notice(key), null, { specialty: '', cadence: '' });
  }

  private async showPolicies(
    request: DeskRequest,
    reply: FastifyReply,
    status: number,
    notice: string | null,
    refusal: Refusal | null,
    typed: { specialty: string; cadence: string },
  ) {
    const model = await this.pages.policiesPage(this.user(request));
    // The API's own words: "cadence must be …" as the DTO says it, or the service's message ("specialty must be …").
    const reasonOf = (field: string) => {
      const reason = refusal?.fields.find((f) => f.field === field)?.reason;
      if (!reason) return null;
      return reason.startsWith(field) ? `${reason}.` : refusal.message;
    };
    return this.render(request, reply, status, 'office/policies', 'Review policies', {
      ...model,
      notice,
      refusal,
      typed,
      errors: { specialty: reasonOf('specialty'), cadence: reasonOf('cadence') },
    });
  }

  @Post('policies')
  async setPolicy(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Body() body: FormBody) {
    const typed = {
      specialty: this.forms.text(body, 'specialty').trim(),
      cadence: this.forms.text(body, 'cadence').trim(),
    };
    try {
      const dto = await formDto(SpecialtyPolicyDto, { cadence: typed.cadence });
      await this.pages.setPolicy(this.user(request), typed.specialty, dto.cadence);
    } catch (error) {
      const refusal = refusalOf(error);
      return this.showPolicies(request, reply, refusal.status, null, refusal, typed);
    }
    return this.forms.redirect(reply, '/desk/editor/policies?notice=policy-saved');
  }

  @Post('policies/:specialty/remove')
  async removePolicy(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('specialty') specialty: string,
  ) {
    try {
      await this.pages.removePolicy(this.user(request), specialty);
    } catch (error) {
      const refusal = refusalOf(error);
      return this.showPolicies(request, reply, refusal.status, null, refusal, { specialty: '', cadence: '' });
    }
    return this.forms.redirect(reply, '/desk/editor/policies?notice=policy-removed');
  }

  @Get('articles/:id/timeline')
  async timeline(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    const model = await this.pages.timeline(this.user(request), id);
    return this.render(request, reply, 200, 'office/timeline', `Timeline: ${model.article.title}`, model);
  }
}

/**
 * The publisher's pages (`/desk/publisher…`): ready to publish, one article's publishing actions, live pages,
 * and export runs with webhook deliveries. Each POST calls PublishingService (or the export queue) as the JSON
 * API does, then redirects, or re-renders the page with the refusal. No rule lives here.
 */
@ApiExcludeController()
@Public()
@UseGuards(DeskGuard)
@UseFilters(DeskErrorFilter)
@SignedIn()
@Controller('desk/publisher')
export class PublisherPagesController extends OfficePages<PublisherPagesService> {
  constructor(pages: PublisherPagesService, views: OfficeViews, forms: DeskForms, csrf: DeskCsrf) {
    super(pages, views, forms, csrf);
  }

  @Get()
  async home(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Query('notice') key?: string) {
    const model = await this.pages.publisherHome(this.user(request));
    return this.render(request, reply, 200, 'office/publisher', 'Ready to publish', {
      ...model,
      notice: this.notice(key),
    });
  }

  @Get('articles/:id')
  async article(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Query('notice') key?: string,
  ) {
    return this.showArticle(request, reply, 200, id, this.notice(key), null, '');
  }

  private async showArticle(
    request: DeskRequest,
    reply: FastifyReply,
    status: number,
    id: string,
    notice: string | null,
    refusal: Refusal | null,
    publishAt: string,
  ) {
    const model = await this.pages.publisherArticle(this.user(request), id);
    return this.render(
      request,
      reply,
      status,
      'office/publisher-article',
      `Publish: ${model.article.title}`,
      {
        ...model,
        notice,
        refusal,
        publishAt,
        publishAtError: refusal?.fields.find((f) => f.field === 'publishAt')?.reason ?? null,
      },
    );
  }

  /** Runs one publishing action; a refusal re-renders the article's page with it, success redirects there. */
  private async act(
    request: DeskRequest,
    reply: FastifyReply,
    id: string,
    action: () => Promise<unknown>,
    notice: keyof typeof OFFICE_NOTICES,
    publishAt = '',
  ) {
    try {
      await action();
    } catch (error) {
      const refusal = refusalOf(error);
      return this.showArticle(request, reply, refusal.status, id, null, refusal, publishAt);
    }
    return this.forms.redirect(reply, `/desk/publisher/articles/${id}?notice=${notice}`);
  }

  @Post('articles/:id/publish')
  publish(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Param('id', ParseUUIDPipe) id: string) {
    return this.act(request, reply, id, () => this.pages.publishNow(this.user(request), id), 'published');
  }

  @Post('articles/:id/schedule')
  schedule(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
  ) {
    const publishAt = this.forms.text(body, 'publishAt');
    return this.act(
      request,
      reply,
      id,
      () => this.pages.schedule(this.user(request), id, this.pages.publishAtFromForm(publishAt)),
      'scheduled',
      publishAt,
    );
  }

  @Post('articles/:id/cancel-schedule')
  cancelSchedule(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    return this.act(
      request,
      reply,
      id,
      () => this.pages.cancelSchedule(this.user(request), id),
      'schedule-cancelled',
    );
  }

  @Post('articles/:id/unpublish')
  unpublish(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Param('id', ParseUUIDPipe) id: string) {
    return this.act(request, reply, id, () => this.pages.unpublish(this.user(request), id), 'unpublished');
  }

  @Get('live')
  async live(@Req() request: DeskRequest, @Res() reply: FastifyReply) {
    const model = await this.pages.livePages(this.user(request));
    return this.render(request, reply, 200, 'office/live', 'Live pages', model);
  }

  @Get('exports')
  async exports(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Query('notice') key?: string) {
    const model = await this.pages.exportsPage(this.user(request));
    return this.render(request, reply, 200, 'office/exports', 'Exports and webhooks', {
      ...model,
      notice: this.notice(key),
    });
  }

  @Post('exports')
  async startExport(@Req() request: DeskRequest, @Res() reply: FastifyReply) {
    await this.pages.startExport(this.user(request));
    return this.forms.redirect(reply, '/desk/publisher/exports?notice=export-started');
  }
}
