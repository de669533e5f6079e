import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../core/config/app-config.js';
import type { EmailTemplate } from './notifications.service.js';

/**
 * The context keys each email template reads; every one must be present (null or '' are values, undefined is
 * not). Handlebars' strict mode catches a missing key only on the branch that reads it (and never inside
 * `{{#if}}`), so the top level is checked here for every email, whatever branch it takes.
 */
export const EMAIL_TEMPLATE_KEYS: Readonly<Record<EmailTemplate, readonly string[]>> = {
  'review-requested': ['recipientName', 'articleTitle', 'reviewerName', 'dueDateText', 'reviewUrl'],
  'review-declined': ['recipientName', 'articleTitle', 'reviewerName', 'reason', 'articleUrl'],
  'changes-requested': ['recipientName', 'articleTitle', 'reviewerName', 'comments', 'articleUrl'],
  approved: ['recipientName', 'articleTitle', 'reviewerName', 'byline', 'articleUrl'],
  'ready-to-publish': ['recipientName', 'articleTitle', 'reviewerName', 'byline', 'publishUrl'],
  'review-reminder': [
    'recipientName',
    'articleTitle',
    'dueDateText',
    'daysText',
    'overdue',
    'changes',
    'reviewUrl',
  ],
  'overdue-escalation': [
    'recipientName',
    'articleTitle',
    'reviewerName',
    'dueDateText',
    'daysOverdue',
    'reviewUrl',
  ],
  digest: ['recipientName', 'dateText', 'overdue', 'dueSoon'],
  invitation: ['recipientName', 'inviterName', 'roles', 'siteName', 'setupUrl', 'expiresText'],
  'password-reset': ['recipientName', 'resetUrl', 'expiresText'],
  'licence-expiry': [
    'recipientName',
    'forPhysician',
    'physicianName',
    'licenseNumber',
    'licenseRegion',
    'expiresText',
    'daysText',
    'profileUrl',
  ],
};

export const EMAIL_TEMPLATES = Object.keys(EMAIL_TEMPLATE_KEYS) as EmailTemplate[];

export function isEmailTemplate(name: string): name is EmailTemplate {
  return Object.hasOwn(EMAIL_TEMPLATE_KEYS, name);
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** The context does not fit the template: retrying cannot fix it, so the email fails for good. */
export class EmailRenderError extends Error {
  override readonly name = 'EmailRenderError';
}

type CompiledTemplate = (context: Record<string, unknown>) => string;
type CompiledEmail = Record<keyof RenderedEmail, CompiledTemplate>;

const PARTS: (keyof RenderedEmail)[] = ['subject', 'html', 'text'];

/**
 * The email templates of `${TEMPLATES_DIR}/emails/<kind>/{subject,html,text}.hbs`, read and parsed once at
 * start-up (a missing file or a syntax error stops the process) and compiled in strict mode. Only these files
 * are ever compiled; the contexts are data. Prototype access stays at Handlebars' safe default.
 */
@Injectable()
export class EmailTemplates {
  private readonly handlebars = Handlebars.create();
  private readonly compiled = new Map<EmailTemplate, CompiledEmail>();

  /**
   * Loaded in the constructor, synchronously: the worker that sends email depends on this class, so no job can
   * reach render() before every template is in memory (an async onModuleInit raced the first jobs).
   */
  constructor(config: AppConfig) {
    const root = join(config.env.TEMPLATES_DIR, 'emails');
    for (const template of EMAIL_TEMPLATES) {
      const parts = PARTS.map((part) => {
        const file = join(root, template, `${part}.hbs`);
        let source: string;
        try {
          source = readFileSync(file, 'utf8');
        } catch (error) {
          throw new Error(`email template ${file} cannot be read: ${(error as Error).message}`, {
            cause: error,
          });
        }
        try {
          const ast = this.handlebars.parse(source);
          return [part, this.handlebars.compile(ast, { strict: true })] as const;
        } catch (error) {
          throw new Error(`email template ${file} is not valid Handlebars: ${(error as Error).message}`, {
            cause: error,
          });
        }
      });
      this.compiled.set(template, Object.fromEntries(parts) as CompiledEmail);
    }
  }

  /** Renders the three parts, or throws EmailRenderError when the context lacks a key the template needs. */
  render(template: string, context: Record<string, unknown>): RenderedEmail {
    const compiled = isEmailTemplate(template) ? this.compiled.get(template) : undefined;
    if (!isEmailTemplate(template) || !compiled) {
      throw new EmailRenderError(`There is no email template "${template}"`);
    }
    const missing = EMAIL_TEMPLATE_KEYS[template].filter((key) => context[key] === undefined);
    if (missing.length) {
      throw new EmailRenderError(
        `Email template "${template}" needs context keys that are missing: ${missing.join(', ')}`,
      );
    }
    try {
      return {
        // A header is one line: a title with line breaks must not fold the subject.
        subject: compiled.subject(context).replace(/\s+/g, ' ').trim(),
        text: compiled.text(context),
        html: compiled.html(context),
      };
    } catch (error) {
      throw new EmailRenderError(`Email template "${template}" cannot render: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
