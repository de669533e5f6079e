import type { DeskNavLink } from './desk-menu.js';
import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../core/config/app-config.js';

export const OFFICE_VIEWS = [
  'office/editor',
  'office/assign',
  'office/policies',
  'office/timeline',
  'office/publisher',
  'office/publisher-article',
  'office/live',
  'office/exports',
] as const;
export type OfficeView = (typeof OFFICE_VIEWS)[number];

export interface OfficeLayoutContext {
  title: string;
  user: { name: string } | null;
  csrfToken: string;
  nav?: DeskNavLink[];
}

type Compiled = (context: Record<string, unknown>) => string;

/**
 * The editor's and the publisher's pages (`templates/desk/office/`), inside the desk's one layout, with the
 * review desk's stylesheet and their own. Compiled once in strict mode; Handlebars escapes every `{{value}}`.
 */
@Injectable()
export class OfficeViews {
  private readonly handlebars = Handlebars.create();
  private readonly layout: Compiled;
  private readonly views = new Map<OfficeView, Compiled>();
  private readonly siteName: string;
  private readonly style: string;

  constructor(config: AppConfig) {
    const desk = join(config.env.TEMPLATES_DIR, 'desk');
    const compile = (file: string): Compiled => {
      try {
        return this.handlebars.compile(this.handlebars.parse(readFileSync(file, 'utf8')), { strict: true });
      } catch (error) {
        throw new Error(`desk template ${file} cannot be loaded: ${(error as Error).message}`, {
          cause: error,
        });
      }
    };
    this.handlebars.registerPartial('office/nav', readFileSync(join(desk, 'office', 'nav.hbs'), 'utf8'));
    this.handlebars.registerPartial('office/more', readFileSync(join(desk, 'office', 'more.hbs'), 'utf8'));
    this.handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.layout = compile(join(desk, 'layout.hbs'));
    for (const view of OFFICE_VIEWS) this.views.set(view, compile(join(desk, `${view}.hbs`)));
    this.style = [
      readFileSync(join(desk, 'reviews', 'review.css'), 'utf8'),
      readFileSync(join(desk, 'office', 'office.css'), 'utf8'),
    ].join('\n');
    this.siteName = config.env.SITE_NAME;
  }

  render(view: OfficeView, layout: OfficeLayoutContext, context: Record<string, unknown>): string {
    const page = this.views.get(view)!({ ...layout, ...context, siteName: this.siteName });
    const body = `<style>${this.style}</style>\n${page}`;
    return this.layout({ ...layout, siteName: this.siteName, body });
  }
}
