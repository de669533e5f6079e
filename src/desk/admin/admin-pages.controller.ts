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
import type { AuthUser } from '../../auth/auth-user.js';
import { Public } from '../../auth/decorators.js';
import { EmailAdminService } from '../../notifications/email-admin.service.js';
import { ChangeRolesDto, CreateUserDto, ReviewerProfileDto } from '../../users/users.dto.js';
import { UsersService } from '../../users/users.service.js';
import { DeskCsrf, DeskErrorFilter, DeskGuard, type DeskRequest, SignedIn } from '../desk-access.js';
import { DeskForms, type FormBody } from '../desk-forms.js';
import { formDto, refusalText } from '../review-forms.js';
import { AdminPagesService } from './admin-pages.service.js';
import { type AdminView, AdminViews } from './admin-views.js';
import { DeskRoles, DeskRolesGuard } from './desk-roles.guard.js';
import { sendDeskView } from '../desk-view-renderer.js';

/** The fixed sentences a redirect may ask an admin page to show; the query names one, its text is never echoed. */
const ADMIN_NOTICES = {
  invited: 'The invitation is sent. The person chooses their own password from the link in it.',
  reinvited: 'A new invitation is sent; the earlier link no longer works.',
  roles: 'The roles are changed. Every session and token the person had has ended; they sign in again.',
  deactivated: 'The account is deactivated. Every session and token the person had has ended.',
  profile: 'The reviewer profile and licence are saved.',
  retried: 'The e-mail is queued to be sent again.',
  'marked-sent': 'The e-mail is recorded as sent.',
} as const;

function adminNotice(key: unknown): string | null {
  return typeof key === 'string' && Object.hasOwn(ADMIN_NOTICES, key)
    ? ADMIN_NOTICES[key as keyof typeof ADMIN_NOTICES]
    : null;
}

const INVITE_FIELDS = ['email', 'name', 'roles'];
const PROFILE_FIELDS = [
  'displayName',
  'credentials',
  'affiliation',
  'specialties',
  'licenseNumber',
  'licenseRegion',
  'licenseExpiresOn',
];

/**
 * The admin's desk (`/desk/admin…`): people, reviewer profiles and licences, the e-mail outbox, the audit chain.
 * Each GET gathers its page from AdminPagesService; each POST calls the service the JSON API calls
 * (UsersService, EmailAdminService) and redirects, or re-renders the form with the refusal beside its field and
 * what was typed kept. No rule lives here; only admins get past DeskRolesGuard.
 */
@ApiExcludeController()
@Public()
@UseGuards(DeskGuard, DeskRolesGuard)
@UseFilters(DeskErrorFilter)
@SignedIn()
@DeskRoles('admin')
@Controller('desk/admin')
export class AdminPagesController {
  constructor(
    private readonly pages: AdminPagesService,
    private readonly views: AdminViews,
    private readonly forms: DeskForms,
    private readonly csrf: DeskCsrf,
    private readonly users: UsersService,
    private readonly emails: EmailAdminService,
  ) {}

  private actor(request: DeskRequest): AuthUser {
    const { user } = request.deskVisit!;
    return { id: user.id, email: user.email, name: user.name, roles: user.roles };
  }

  private render(
    request: DeskRequest,
    reply: FastifyReply,
    status: number,
    view: AdminView,
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

  /** Checkboxes post one value as a string and several as an array. */
  private list(body: FormBody, name: string): string[] {
    const value = body?.[name];
    const values = Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
    return values.filter((item): item is string => typeof item === 'string');
  }

  @Get()
  async overview(@Req() request: DeskRequest, @Res() reply: FastifyReply) {
    return this.render(request, reply, 200, 'overview', 'Administration', await this.pages.overview());
  }

  @Get('people')
  async people(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Query('notice') key?: string) {
    return this.render(request, reply, 200, 'people', 'People', {
      ...(await this.pages.people()),
      notice: adminNotice(key),
      invite: { email: '', name: '', roleChoices: this.pages.roleChoices([]) },
      formError: null,
      errors: { email: null, name: null, roles: null },
    });
  }

  @Post('people')
  async invite(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Body() body: FormBody) {
    const typed = {
      email: this.forms.text(body, 'email').trim(),
      name: this.forms.text(body, 'name').trim(),
      roles: this.list(body, 'roles'),
    };
    try {
      const created = await this.users.create(this.actor(request), await formDto(CreateUserDto, typed));
      return this.forms.redirect(reply, `/desk/admin/people/${created.id}?notice=invited`);
    } catch (error) {
      return this.render(request, reply, this.forms.refusal(error), 'people', 'People', {
        ...(await this.pages.people()),
        notice: null,
        invite: { email: typed.email, name: typed.name, roleChoices: this.pages.roleChoices(typed.roles) },
        ...this.forms.fieldErrors(error, INVITE_FIELDS, 'email'),
      });
    }
  }

  @Get('people/:id')
  async person(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Query('notice') key?: string,
  ) {
    const model = await this.pages.person(id);
    return this.render(request, reply, 200, 'person', model.person.name, {
      ...model,
      notice: adminNotice(key),
      formError: null,
    });
  }

  /** A refused action on a person's page: the page again, the reason at the top, the roles as ticked. */
  private async personRefused(
    request: DeskRequest,
    reply: FastifyReply,
    id: string,
    error: unknown,
    roles?: string[],
  ) {
    const status = this.forms.refusal(error);
    const model = await this.pages.person(id);
    return this.render(request, reply, status, 'person', model.person.name, {
      ...model,
      roleChoices: roles ? this.pages.roleChoices(roles) : model.roleChoices,
      notice: null,
      formError: refusalText(error),
    });
  }

  @Post('people/:id/roles')
  async changeRoles(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
  ) {
    const roles = this.list(body, 'roles');
    try {
      await this.users.changeRoles(this.actor(request), id, await formDto(ChangeRolesDto, { roles }));
      return this.forms.redirect(reply, `/desk/admin/people/${id}?notice=roles`);
    } catch (error) {
      return this.personRefused(request, reply, id, error, roles);
    }
  }

  @Post('people/:id/invitation')
  async resendInvitation(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    try {
      await this.users.resendInvitation(this.actor(request), id);
      return this.forms.redirect(reply, `/desk/admin/people/${id}?notice=reinvited`);
    } catch (error) {
      return this.personRefused(request, reply, id, error);
    }
  }

  @Post('people/:id/deactivate')
  async deactivate(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
  ) {
    try {
      await this.users.deactivate(this.actor(request), id);
      return this.forms.redirect(reply, `/desk/admin/people/${id}?notice=deactivated`);
    } catch (error) {
      return this.personRefused(request, reply, id, error);
    }
  }

  @Get('licences')
  async licences(@Req() request: DeskRequest, @Res() reply: FastifyReply) {
    return this.render(request, reply, 200, 'licences', 'Reviewer licences', await this.pages.licences());
  }

  @Get('licences/:id')
  async licence(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Query('notice') key?: string,
  ) {
    const model = await this.pages.licence(id);
    return this.render(request, reply, 200, 'licence', `Reviewer profile of ${model.person.name}`, {
      ...model,
      notice: adminNotice(key),
      formError: null,
      errors: Object.fromEntries(PROFILE_FIELDS.map((field) => [field, null])),
    });
  }

  @Post('licences/:id')
  async saveLicence(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: FormBody,
  ) {
    const values = Object.fromEntries(
      PROFILE_FIELDS.map((field) => [field, this.forms.text(body, field).trim()]),
    );
    try {
      const dto = await formDto(ReviewerProfileDto, {
        ...values,
        specialties: values.specialties
          .split(',')
          .map((specialty) => specialty.trim())
          .filter(Boolean),
      });
      await this.users.putReviewerProfile(this.actor(request), id, dto);
      return this.forms.redirect(reply, `/desk/admin/licences/${id}?notice=profile`);
    } catch (error) {
      const status = this.forms.refusal(error);
      const model = await this.pages.licence(id);
      return this.render(request, reply, status, 'licence', `Reviewer profile of ${model.person.name}`, {
        ...model,
        values,
        notice: null,
        ...this.forms.fieldErrors(error, PROFILE_FIELDS, 'licenseExpiresOn'),
      });
    }
  }

  @Get('emails')
  async outbox(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Query('status') status?: string,
    @Query('notice') key?: string,
  ) {
    return this.render(request, reply, 200, 'emails', 'E-mail outbox', {
      ...(await this.pages.outbox(status)),
      notice: adminNotice(key),
      formError: null,
    });
  }

  /** Runs an outbox action; a refusal shows the outbox again with the reason at the top. */
  private async outboxAction(
    request: DeskRequest,
    reply: FastifyReply,
    action: () => Promise<unknown>,
    done: keyof typeof ADMIN_NOTICES,
  ) {
    try {
      await action();
      return this.forms.redirect(reply, `/desk/admin/emails?notice=${done}`);
    } catch (error) {
      return this.render(request, reply, this.forms.refusal(error), 'emails', 'E-mail outbox', {
        ...(await this.pages.outbox(undefined)),
        notice: null,
        formError: refusalText(error),
      });
    }
  }

  @Post('emails/:id/retry')
  retry(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Param('id', ParseUUIDPipe) id: string) {
    return this.outboxAction(request, reply, () => this.emails.retry(this.actor(request), id), 'retried');
  }

  @Post('emails/:id/mark-sent')
  markSent(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Param('id', ParseUUIDPipe) id: string) {
    return this.outboxAction(
      request,
      reply,
      () => this.emails.markSent(this.actor(request), id),
      'marked-sent',
    );
  }

  @Get('audit')
  async auditChain(@Req() request: DeskRequest, @Res() reply: FastifyReply) {
    return this.render(request, reply, 200, 'audit', 'Audit chain', await this.pages.auditChain());
  }
}
