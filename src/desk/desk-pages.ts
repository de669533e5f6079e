import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../core/config/app-config.js';
import type { DeskNavLink } from './desk-menu.js';

export const DESK_PAGES = ['login', 'setup', 'reset', 'forgot', 'password', 'home', 'error'] as const;
export type DeskPage = (typeof DESK_PAGES)[number];

/** What the layout needs on every page. */
export interface LayoutContext {
  title: string;
  /** The signed-in person (header with their name and "Sign out"), or null on the pages before signing in. */
  user: { name: string } | null;
  csrfToken: string;
  /** The links the person's roles permit (src/desk/desk-menu.ts); none before signing in. */
  nav?: DeskNavLink[];
}

type Compiled = (context: Record<string, unknown>) => string;

/**
 * The desk's pages: `${TEMPLATES_DIR}/desk/layout.hbs` around one page template, all read and compiled once at
 * start-up in strict mode (a missing file, a syntax error or, at render time, a missing variable is an error).
 * Handlebars escapes every `{{value}}`; only the rendered page itself goes into the layout unescaped.
 */
@Injectable()
export class DeskPages {
  private readonly handlebars = Handlebars.create();
  private readonly layout: Compiled;
  private readonly pages = new Map<DeskPage, Compiled>();
  private readonly siteName: string;

  constructor(config: AppConfig) {
    const root = join(config.env.TEMPLATES_DIR, 'desk');
    const compile = (name: string): Compiled => {
      const file = join(root, `${name}.hbs`);
      try {
        return this.handlebars.compile(this.handlebars.parse(readFileSync(file, 'utf8')), { strict: true });
      } catch (error) {
        throw new Error(`desk template ${file} cannot be loaded: ${(error as Error).message}`, {
          cause: error,
        });
      }
    };
    this.handlebars.registerPartial('field', readFileSync(join(root, 'field.hbs'), 'utf8'));
    this.layout = compile('layout');
    for (const page of DESK_PAGES) this.pages.set(page, compile(page));
    this.siteName = config.env.SITE_NAME;
  }

  render(page: DeskPage, layout: LayoutContext, context: Record<string, unknown>): string {
    const body = this.pages.get(page)!({ ...layout, ...context, siteName: this.siteName });
    return this.layout({ ...layout, siteName: this.siteName, body });
  }
}
