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
import type { ArticleView } from '../articles/article-view.js';
import type { AuthUser } from '../auth/auth-user.js';
import { Public } from '../auth/decorators.js';
import { ApiError, type ErrorDetail } from '../core/http/api-error.js';
import { toErrorBody } from '../core/http/error.filter.js';
import { type CommentView, editorView } from './article-editor-view.js';
import {
  applyOperation,
  type ArticleForm,
  emptyForm,
  errorsByField,
  fieldId,
  fieldValues,
  formOf,
  labelOf,
  LIST_NAMES,
  parseOperation,
  readForm,
} from './article-form.js';
import { DeskCsrf, DeskErrorFilter, DeskGuard, type DeskRequest, SignedIn } from './desk-access.js';
import { DeskForms, type FormBody } from './desk-forms.js';
import { WritePagesService } from './write-pages.service.js';
import { type WriteView, WriteViews } from './write-views.js';
import { sendDeskView } from './desk-view-renderer.js';

/** The fixed sentences a redirect may ask a writer's page to show; the query names one, its text is never echoed. */
const WRITE_NOTICES = {
  created: 'Your draft is saved as revision 1.',
  saved: 'Your changes are saved as a new revision.',
  submitted:
    'Your article is sent for review. The editors are told; you will get an e-mail when a physician decides.',
  withdrawn: 'Your article is withdrawn from review and is a draft again: you can edit it.',
} as const;

function writeNotice(key: unknown): string | null {
  return typeof key === 'string' && Object.hasOwn(WRITE_NOTICES, key)
    ? WRITE_NOTICES[key as keyof typeof WRITE_NOTICES]
    : null;
}

interface EditorState {
  form: ArticleForm;
  /** The version the form edits (sent back as If-Match). */
  version: string;
  details?: ErrorDetail[];
  pageError?: string | null;
  notice?: string | null;
  conflict?: { revision: number; version: number; newer: Map<string, string> } | null;
  incomplete?: boolean;
}

/**
 * The writer's pages (`/desk/write…`): "My articles", the structured editor, its preview, submit and withdraw.
 * Each GET gathers its page from WritePagesService; each POST either changes a list of the form and shows it
 * again (nothing saved), or hands the form to the service the JSON API uses and redirects, or re-renders the
 * editor with what was typed and each refusal beside its field. No rule lives here.
 */
@ApiExcludeController()
@Public()
@UseGuards(DeskGuard)
@UseFilters(DeskErrorFilter)
@SignedIn()
@Controller('desk/write')
export class WritePagesController {
  constructor(
    private readonly pages: WritePagesService,
    private readonly views: WriteViews,
    private readonly forms: DeskForms,
    private readonly csrf: DeskCsrf,
  ) {}

  private user(request: DeskRequest): AuthUser {
    const { user } = request.deskVisit!;
    return { id: user.id, email: user.email, name: user.name, roles: user.roles };
  }

  private render(
    request: DeskRequest,
    reply: FastifyReply,
    status: number,
    view: WriteView,
    title: string,
    context: Record<string, unknown>,
  ): FastifyReply {
    return sendDeskView(
      this.views,
      this.csrf,
      request,
      reply,
      { status, view, title, context: context },
      { referrerPolicy: true },
    );
  }

  @Get()
  async myArticles(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Query('notice') key?: string) {
    const user = this.user(request);
    const articles = await this.pages.myArticles(user);
    return this.render(request, reply, 200, 'write/my-articles', 'My articles', {
      articles,
      canCreate: this.pages.mayCreate(user),
      notice: writeNotice(key),
    });
  }

  @Get('new')
  newArticle(@Req() request: DeskRequest, @Res() reply: FastifyReply) {
    this.pages.assertMayCreate(this.user(request));
    return this.showEditor(request, reply, 200, null, { form: emptyForm(), version: '' });
  }

  @Post()
  async create(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Body() body: FormBody) {
    const user = this.user(request);
    this.pages.assertMayCreate(user);
    const form = readForm(body);
    const operation = parseOperation(this.forms.text(body, 'op'));
    if (operation) {
      return this.showEditor(request, reply, 200, null, {
        form: applyOperation(form, operation).form,
        version: '',
      });
    }
    try {
      const article = await this.pages.create(user, form);
      return this.forms.redirect(reply, `/desk/write/${article.id}?notice=created`);
    } catch (error) {
      const refusal = refusalOf(error);
      return this.showEditor(request, reply, refusal.statusCode, null, {
        form,
        version: '',
        details: refusal.details,
        pageError: refusal.details.length ? null : refusal.message,
      });
    }
  }

  @Get(':id')
  async editor(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Query('notice') key?: string,
  ) {
    const article = await this.pages.editable(this.user(request), id);
    return this.showEditor(request, reply, 200, article, {
      form: formOf(article.content),
      version: String(article.version),
      notice: writeNotice(key),
    });
  }

  @Post(':id')
  async save(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
  ) {
    const user = this.user(request);
    const article = await this.pages.editable(user, id);
    const form = readForm(body);
    const version = this.forms.text(body, 'version');
    const operation = parseOperation(this.forms.text(body, 'op'));
    if (operation) {
      return this.showEditor(request, reply, 200, article, {
        form: applyOperation(form, operation).form,
        version,
      });
    }
    try {
      await this.pages.save(user, id, version, form);
      return this.forms.redirect(reply, `/desk/write/${id}?notice=saved`);
    } catch (error) {
      return this.refused(request, reply, user, id, form, version, error);
    }
  }

  @Post(':id/submit')
  async submit(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
  ) {
    const user = this.user(request);
    await this.pages.editable(user, id);
    const form = readForm(body);
    const version = this.forms.text(body, 'version');
    try {
      await this.pages.saveAndSubmit(user, id, version, form);
      return this.forms.redirect(reply, `/desk/write/${id}?notice=submitted`);
    } catch (error) {
      return this.refused(request, reply, user, id, form, version, error);
    }
  }

  @Post(':id/withdraw')
  async withdraw(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
  ) {
    const user = this.user(request);
    try {
      await this.pages.withdraw(user, id, this.forms.text(body, 'version'));
      return this.forms.redirect(reply, `/desk/write/${id}?notice=withdrawn`);
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal.statusCode === 403 || refusal.statusCode === 404) throw asHttp(refusal);
      const article = await this.pages.editable(user, id);
      return this.showEditor(request, reply, refusal.statusCode, article, {
        form: formOf(article.content),
        version: String(article.version),
        pageError: refusal.message,
      });
    }
  }

  @Get(':id/preview')
  async preview(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    const html = await this.pages.preview(this.user(request), id);
    return reply
      .status(200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-robots-tag', 'noindex, nofollow')
      .send(html);
  }

  /**
   * A save or submit that was refused: the editor again with what was typed. A stale version shows the newer
   * revision's text beside each field that differs and takes its version, so the next Save goes on top of it; an
   * incomplete article names what is missing beside each field; anything else is said at the top.
   */
  private async refused(
    request: DeskRequest,
    reply: FastifyReply,
    user: AuthUser,
    id: string,
    form: ArticleForm,
    version: string,
    error: unknown,
  ) {
    const refusal = refusalOf(error);
    if (refusal.statusCode === 403 || refusal.statusCode === 404) throw asHttp(refusal);
    const article = await this.pages.editable(user, id);
    if (refusal.statusCode === 412) {
      return this.showEditor(request, reply, 409, article, {
        form,
        version: String(article.version),
        conflict: {
          revision: article.currentRevision,
          version: Number(version),
          newer: fieldValues(formOf(article.content)),
        },
      });
    }
    // An incomplete article was saved before the submit was refused: the form now edits that revision.
    const incomplete = refusal.statusCode === 422;
    return this.showEditor(request, reply, refusal.statusCode, article, {
      form,
      version: incomplete ? String(article.version) : version,
      details: refusal.details,
      pageError: incomplete || refusal.details.length ? null : refusal.message,
      incomplete,
    });
  }

  private async showEditor(
    request: DeskRequest,
    reply: FastifyReply,
    status: number,
    article: ArticleView | null,
    state: EditorState,
  ) {
    const { byField, unplaced } = errorsByField(state.details ?? [], state.form);
    const comments = article
      ? await this.pages.commentsBySection(article.id, state.form.sections)
      : new Map<number, CommentView[]>();
    const action = article ? `/desk/write/${article.id}` : '/desk/write';
    const view = editorView({
      form: state.form,
      errors: byField,
      newer: state.conflict?.newer ?? null,
      commentsBySection: comments,
    });
    const listAnchors = Object.fromEntries(
      LIST_NAMES.map((list) => [
        list,
        {
          action: `${action}#${fieldId(list)}`,
          addAction: `${action}#${fieldId(`${list}[${view.lists[list].items.length}]`)}`,
        },
      ]),
    );
    const errorSummary = [
      ...[...byField].map(([path, message]) => ({
        href: `#${fieldId(path)}`,
        text: `${labelOf(path)}: ${message}`,
      })),
      ...unplaced.map((text) => ({ href: null, text })),
    ];
    const title = article ? `Edit: ${article.content.title || 'untitled'}` : 'New article';
    return this.render(request, reply, status, 'write/editor', title, {
      ...view,
      listAnchors,
      heading: article ? article.content.title || 'Untitled article' : 'New article',
      action,
      isNew: !article,
      article: article
        ? {
            id: article.id,
            status: this.pages.statusText(article.status),
            revision: article.currentRevision,
          }
        : null,
      canSubmit: article?.status === 'draft' || article?.status === 'changes_requested',
      canWithdraw: article?.status === 'in_review',
      inReview: article?.status === 'in_review',
      signedOrLive: ['approved', 'published', 'archived'].includes(article?.status ?? ''),
      version: state.version,
      notice: state.notice ?? null,
      pageError: state.pageError ?? null,
      incomplete: state.incomplete ?? false,
      errorSummary,
      conflict: state.conflict
        ? { revision: state.conflict.revision, sentVersion: state.conflict.version }
        : null,
    });
  }
}

/** A refusal's status, sentence and details; anything that is not a refusal (a 5xx) is rethrown to the error page. */
function refusalOf(error: unknown): { statusCode: number; message: string; details: ErrorDetail[] } {
  const body = toErrorBody(error);
  if (body.statusCode >= 500) throw error;
  const message = /[.!?]$/.test(body.message) ? body.message : `${body.message}.`;
  return { statusCode: body.statusCode, message, details: (body.details ?? []) as ErrorDetail[] };
}

/** A domain refusal as the desk's error page shows it (its filter knows HTTP errors). */
function asHttp(refusal: { statusCode: number; message: string }): ApiError {
  return new ApiError(refusal.statusCode, refusal.message);
}
