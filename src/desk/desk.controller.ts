import {
  Body,
  Controller,
  Get,
  HttpException,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/decorators.js';
import { AuthService } from '../auth/auth.service.js';
import { CredentialsService } from '../users/credentials.service.js';
import { DeskErrorFilter, DeskGuard, type DeskRequest, SignedIn } from './desk-access.js';
import { asSentence, DeskForms, type FormBody } from './desk-forms.js';
import { deskHomeSections } from './desk-menu.js';
import { notice, safeNext } from './desk-navigation.js';
import { DeskSessionsService } from './desk-sessions.service.js';

/**
 * The desk's account pages. Each handler gathers what its page needs and renders it, or calls the same service
 * as the JSON API and redirects (post/redirect/get); a refusal re-renders the form with the message beside the
 * field. No rule lives here.
 */
@ApiExcludeController()
@Public()
@UseGuards(DeskGuard)
@UseFilters(DeskErrorFilter)
@Controller('desk')
export class DeskController {
  constructor(
    private readonly forms: DeskForms,
    private readonly auth: AuthService,
    private readonly credentials: CredentialsService,
    private readonly sessions: DeskSessionsService,
  ) {}

  @Get()
  @SignedIn()
  home(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Query('notice') key?: string) {
    const { user } = request.deskVisit!;
    // A physician's desk is his reviews (src/desk/review-pages.controller.ts); other roles keep this page.
    if (user.roles.length === 1 && user.roles[0] === 'reviewer') {
      return this.forms.redirect(reply, notice(key) ? `/desk/reviews?notice=${key}` : '/desk/reviews');
    }
    return this.forms.page(request, reply, 200, 'home', 'Your desk', {
      sections: deskHomeSections(user.roles),
      notice: notice(key),
    });
  }

  @Get('login')
  login(
    @Req() request: DeskRequest,
    @Res() reply: FastifyReply,
    @Query('next') next?: string,
    @Query('notice') key?: string,
  ) {
    if (request.deskVisit) return this.forms.redirect(reply, safeNext(next));
    return this.forms.page(request, reply, 200, 'login', 'Sign in', {
      next: safeNext(next),
      email: '',
      notice: notice(key),
      formError: null,
      errors: { email: null, password: null },
    });
  }

  @Post('login')
  async signIn(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Body() body: FormBody) {
    const email = this.forms.text(body, 'email');
    const next = safeNext(body?.next);
    try {
      const person = await this.auth.checkLogin(email, this.forms.text(body, 'password'), request.ip);
      this.forms.signIn(reply, await this.sessions.start(person, request.ip));
      return this.forms.redirect(reply, next);
    } catch (error) {
      const status = this.forms.refusal(error);
      return this.forms.page(request, reply, status, 'login', 'Sign in', {
        next,
        email,
        notice: null,
        formError: null,
        errors: { email: null, password: asSentence((error as HttpException).message) },
      });
    }
  }

  @Post('logout')
  @SignedIn()
  async signOut(@Req() request: DeskRequest, @Res() reply: FastifyReply) {
    await this.sessions.end(request.deskVisit!);
    this.forms.signOut(reply);
    return this.forms.redirect(reply, '/desk/login?notice=signed-out');
  }

  @Get('account/setup')
  async setup(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Query('token') token?: string) {
    await this.credentials.checkLink(String(token ?? ''), 'invitation');
    return this.forms.page(request, reply, 200, 'setup', 'Choose your password', {
      token,
      formError: null,
      errors: { password: null, confirm: null },
    });
  }

  @Post('account/setup')
  async chooseFirstPassword(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Body() body: FormBody) {
    const token = this.forms.text(body, 'token');
    try {
      this.forms.confirmMatches(body, 'password');
      const person = await this.credentials.acceptInvitation(token, this.forms.text(body, 'password'));
      this.forms.signIn(reply, await this.sessions.start(person, request.ip));
      return this.forms.redirect(reply, '/desk?notice=welcome');
    } catch (error) {
      return this.forms.page(request, reply, this.forms.refusal(error), 'setup', 'Choose your password', {
        token,
        ...this.forms.fieldErrors(error, ['password', 'confirm'], 'password'),
      });
    }
  }

  @Get('account/forgot')
  forgot(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Query('sent') sent?: string) {
    return this.forms.page(request, reply, 200, 'forgot', 'Reset your password', {
      sent: sent === '1',
      email: '',
      formError: null,
      errors: { email: null },
    });
  }

  @Post('account/forgot')
  async askForReset(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Body() body: FormBody) {
    const email = this.forms.text(body, 'email');
    try {
      await this.auth.requestPasswordReset(email, request.ip);
      return this.forms.redirect(reply, '/desk/account/forgot?sent=1');
    } catch (error) {
      return this.forms.page(request, reply, this.forms.refusal(error), 'forgot', 'Reset your password', {
        sent: false,
        email,
        ...this.forms.fieldErrors(error, ['email'], 'email'),
      });
    }
  }

  @Get('account/reset')
  async reset(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Query('token') token?: string) {
    await this.credentials.checkLink(String(token ?? ''), 'password_reset');
    return this.forms.page(request, reply, 200, 'reset', 'Choose a new password', {
      token,
      formError: null,
      errors: { password: null, confirm: null },
    });
  }

  @Post('account/reset')
  async chooseNewPassword(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Body() body: FormBody) {
    const token = this.forms.text(body, 'token');
    try {
      this.forms.confirmMatches(body, 'password');
      await this.auth.confirmPasswordReset(token, this.forms.text(body, 'password'));
      this.forms.signOut(reply);
      return this.forms.redirect(reply, '/desk/login?notice=reset');
    } catch (error) {
      return this.forms.page(request, reply, this.forms.refusal(error), 'reset', 'Choose a new password', {
        token,
        ...this.forms.fieldErrors(error, ['password', 'confirm'], 'password'),
      });
    }
  }

  @Get('account/password')
  @SignedIn()
  password(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Query('notice') key?: string) {
    return this.forms.page(request, reply, 200, 'password', 'Change your password', {
      notice: notice(key),
      formError: null,
      errors: { currentPassword: null, newPassword: null, confirm: null },
    });
  }

  @Post('account/password')
  @SignedIn()
  async changePassword(@Req() request: DeskRequest, @Res() reply: FastifyReply, @Body() body: FormBody) {
    const { user } = request.deskVisit!;
    try {
      this.forms.confirmMatches(body, 'newPassword');
      const person = await this.auth.changePassword(
        user,
        this.forms.text(body, 'currentPassword'),
        this.forms.text(body, 'newPassword'),
      );
      // Every earlier session ended with the change; this browser continues in a new one.
      this.forms.signIn(reply, await this.sessions.start(person, request.ip));
      return this.forms.redirect(reply, '/desk/account/password?notice=changed');
    } catch (error) {
      return this.forms.page(request, reply, this.forms.refusal(error), 'password', 'Change your password', {
        notice: null,
        ...this.forms.fieldErrors(error, ['currentPassword', 'newPassword', 'confirm'], 'newPassword'),
      });
    }
  }
}
