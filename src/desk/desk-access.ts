import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Injectable,
  Logger,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../core/config/app-config.js';
import { isDomainError } from '../core/errors/domain-error.js';
import { toErrorBody } from '../core/http/error.filter.js';
import { cookieNames, readCookie } from './desk-cookies.js';
import { DeskPages } from './desk-pages.js';
import { DeskSessionsService, type DeskVisit } from './desk-sessions.service.js';
import { CsrfTokens, sameOrigin } from './csrf.js';

export type DeskRequest = FastifyRequest & { deskVisit?: DeskVisit };

const SIGNED_IN = 'desk:signed-in';
/** The page needs a signed-in person; without a session the browser goes to the login page and comes back. */
export const SignedIn = () => SetMetadata(SIGNED_IN, true);

/** No session (or an ended one): go to the login page, then back to `next`. */
export class DeskLoginRequired extends Error {
  constructor(readonly next: string) {
    super('Sign in to continue');
  }
}

/** A state-changing form without its CSRF token, or posted from another origin: 403, nothing written. */
export class DeskForbidden extends Error {}

@Injectable()
export class DeskCsrf extends CsrfTokens {
  constructor(config: AppConfig) {
    super(config.env.JWT_SECRET);
  }
}

/**
 * Every desk request: the session behind the cookie (if any) is attached; pages marked @SignedIn() need one;
 * every POST must carry the form's CSRF token and come from the service's own origin.
 */
@Injectable()
export class DeskGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: DeskSessionsService,
    private readonly csrf: DeskCsrf,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<DeskRequest>();
    const names = cookieNames(this.config);
    const visit = await this.sessions.resolve(readCookie(request, names.session));
    request.deskVisit = visit;
    if (request.method === 'POST') {
      const header = (name: string) => {
        const value = request.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      if (!sameOrigin(this.config.env.PUBLIC_BASE_URL, header('origin'), header('referer'))) {
        throw new DeskForbidden('This form was sent from another site; nothing was changed.');
      }
      const body = request.body as Record<string, unknown> | undefined;
      const bindings = [visit?.rawId, readCookie(request, names.form)];
      if (!this.csrf.matches(body?._csrf, bindings)) {
        throw new DeskForbidden(
          'This form has expired or was not sent from this site; nothing was changed. Open the page again and resend it.',
        );
      }
    }
    const needsSession = this.reflector.getAllAndOverride<boolean>(SIGNED_IN, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (needsSession && !visit) throw new DeskLoginRequired(request.method === 'GET' ? request.url : '/desk');
    return true;
  }
}

/** Desk errors are pages, not JSON: a redirect to sign in, or a page that says what happened. */
@Catch()
export class DeskErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Desk');

  constructor(private readonly pages: DeskPages) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof DeskLoginRequired) {
      void reply
        .status(303)
        .header('location', `/desk/login?next=${encodeURIComponent(error.next)}`)
        .send();
      return;
    }
    let status = 500;
    let heading = 'Something went wrong';
    let message = 'The page could not be shown. Try again in a moment.';
    if (error instanceof DeskForbidden) {
      status = 403;
      heading = 'Not sent';
      message = error.message;
    } else if (error instanceof HttpException || isDomainError(error)) {
      const body = toErrorBody(error);
      status = body.statusCode;
      heading = status === 404 ? 'Page not found' : 'That did not work';
      message = /[.!?]$/.test(body.message) ? body.message : `${body.message}.`;
    } else {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    const html = this.pages.render(
      'error',
      { title: heading, user: null, csrfToken: '' },
      { heading, message, backUrl: '/desk', backLabel: 'Back to the desk' },
    );
    void reply.status(status).header('content-type', 'text/html; charset=utf-8').send(html);
  }
}
