import { HttpException, Injectable } from '@nestjs/common';
import { isDomainError } from '../core/errors/domain-error.js';
import type { ErrorBody } from '../core/http/api-error.js';
import { toErrorBody } from '../core/http/error.filter.js';
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '../core/config/app-config.js';
import { ApiError, type ErrorDetail } from '../core/http/api-error.js';
import { DeskCsrf, type DeskRequest } from './desk-access.js';
import { cookieNames, readCookie, setCookie } from './desk-cookies.js';
import { deskNavigation } from './desk-menu.js';
import { type DeskPage, DeskPages } from './desk-pages.js';

/** A urlencoded form as @fastify/formbody parses it: a repeated name becomes an array. */
export type FormBody = Record<string, unknown> | undefined;

const FORM_COOKIE_SECONDS = 12 * 3600;

/** The plumbing every desk page shares: render with the layout and a CSRF token, redirect, cookies, form errors. */
@Injectable()
export class DeskForms {
  private readonly names;

  constructor(
    private readonly pages: DeskPages,
    private readonly csrf: DeskCsrf,
    private readonly config: AppConfig,
  ) {
    this.names = cookieNames(config);
  }

  /** Renders the page inside the layout, with the CSRF token of what this browser holds. */
  page(
    request: DeskRequest,
    reply: FastifyReply,
    status: number,
    page: DeskPage,
    title: string,
    context: Record<string, unknown>,
  ): FastifyReply {
    const visit = request.deskVisit;
    let binding = visit?.rawId;
    if (!binding) {
      binding = readCookie(request, this.names.form);
      if (!binding || !/^[A-Za-z0-9_-]{43}$/.test(binding)) {
        binding = randomBytes(32).toString('base64url');
        setCookie(reply, this.config, this.names.form, binding, FORM_COOKIE_SECONDS);
      }
    }
    const html = this.pages.render(
      page,
      {
        title,
        user: visit ? { name: visit.user.name } : null,
        csrfToken: this.csrf.tokenFor(binding),
        nav: visit ? deskNavigation(visit.user.roles, request.url) : [],
      },
      { user: visit ? { name: visit.user.name } : null, ...context },
    );
    return (
      reply
        .status(status)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        // helmet's no-referrer makes Chromium send `Origin: null` with a form POST; same-origin keeps the real
        // Origin (and Referer) for the desk's own forms and still sends nothing to any other site.
        .header('referrer-policy', 'same-origin')
        .send(html)
    );
  }

  /** Post/redirect/get: 303 so the browser follows with a GET. */
  redirect(reply: FastifyReply, location: string): FastifyReply {
    return reply.status(303).header('location', location).header('cache-control', 'no-store').send();
  }

  /** The session cookie of a session just started (the session id changes at every sign-in). */
  signIn(reply: FastifyReply, rawSessionId: string): void {
    setCookie(
      reply,
      this.config,
      this.names.session,
      rawSessionId,
      this.config.env.SESSION_MAX_AGE.as('seconds'),
    );
  }

  signOut(reply: FastifyReply): void {
    setCookie(reply, this.config, this.names.session, '', 0);
  }

  /** A form field as one string ('' when missing, the first value when repeated). */
  text(body: FormBody, name: string): string {
    const value = body?.[name];
    const first = Array.isArray(value) ? (value[0] as unknown) : value;
    return typeof first === 'string' ? first : '';
  }

  /** The two password boxes must agree: a typing slip, told beside the second box before anything is checked. */
  confirmMatches(body: FormBody, field: string): void {
    if (this.text(body, field) !== this.text(body, 'confirm')) {
      throw ApiError.badRequest('The two passwords are not the same', [
        { field: 'confirm', reason: 'The two passwords are not the same; type the new password twice.' },
      ]);
    }
  }

  /** The status of a refusal the form shows; anything that is not a refusal is rethrown (an error page). */
  refusal(error: unknown): number {
    return refusalBody(error).statusCode;
  }

  /** A service's refusal as messages beside the fields it names; the rest at the top of the form. */
  fieldErrors(
    error: unknown,
    fields: string[],
    fallbackField: string,
  ): { formError: string | null; errors: Record<string, string | null> } {
    const body = refusalBody(error);
    const details = (body.details ?? []) as ErrorDetail[];
    const errors: Record<string, string | null> = Object.fromEntries(fields.map((field) => [field, null]));
    let formError: string | null = null;
    for (const detail of details) {
      const field =
        detail.field === 'newPassword' && !fields.includes('newPassword') ? fallbackField : detail.field;
      if (field && fields.includes(field)) {
        errors[field] = sentence(field, detail.reason);
      } else if (field === 'token') {
        formError = asSentence(body.message);
      }
    }
    if (!details.length) {
      const message = asSentence(body.message);
      if (fields.includes(fallbackField) && body.statusCode !== 400) {
        errors[fallbackField] = message;
      } else {
        formError = message;
      }
    }
    return { formError, errors };
  }
}

/**
 * A refusal (a domain error or a 4xx HTTP exception) as the one error body the JSON API would answer; anything
 * else (a 5xx, an unexpected error) is rethrown, to become an error page.
 */
export function refusalBody(error: unknown): ErrorBody {
  if (!isDomainError(error) && !(error instanceof HttpException)) throw error;
  const body = toErrorBody(error);
  if (body.statusCode >= 500) throw error;
  return body;
}

/** A message as a sentence: ends with a full stop. */
export function asSentence(message: string): string {
  return /[.!?]$/.test(message) ? message : `${message}.`;
}

/** "must be at least 12 characters" reads as "The password must be at least 12 characters." beside the box. */
function sentence(field: string, reason: string): string {
  if (/^[A-Z]/.test(reason)) return reason;
  const subject: Record<string, string> = {
    password: 'The password',
    newPassword: 'The new password',
    currentPassword: 'The current password',
    email: 'The e-mail',
    confirm: 'The repeated password',
  };
  return `${subject[field] ?? 'This'} ${reason}.`;
}
