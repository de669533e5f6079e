import type { DeskNavLink } from './desk-menu.js';
import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../core/config/app-config.js';

export const WRITE_VIEWS = ['write/my-articles', 'write/editor'] as const;
export type WriteView = (typeof WRITE_VIEWS)[number];

type Compiled = (context: Record<string, unknown>) => string;

/**
 * The writer's pages inside the desk's one layout (`templates/desk/layout.hbs`), compiled once in strict mode.
 * Every value is escaped by Handlebars: nothing a writer types becomes markup on these pages.
 */
@Injectable()
export class WriteViews {
  private readonly handlebars = Handlebars.create();
  private readonly layout: Compiled;
  private readonly views = new Map<WriteView, Compiled>();
  private readonly siteName: string;
  private readonly style: string;

  constructor(config: AppConfig) {
    const desk = join(config.env.TEMPLATES_DIR, 'desk');
    const compile = (file: string): Compiled => {
      try {
        return this.handlebars.compile(this.handlebars.parse(readFileSync(file, 'utf8')), {
          strict: true,
          // A partial's indentation would otherwise be added to every line of a text area's value.
          preventIndent: true,
        });
      } catch (error) {
        throw new Error(`desk template ${file} cannot be loaded: ${(error as Error).message}`, {
          cause: error,
        });
      }
    };
    for (const partial of ['write/field', 'write/comments', 'write/list']) {
      this.handlebars.registerPartial(partial, readFileSync(join(desk, `${partial}.hbs`), 'utf8'));
    }
    this.layout = compile(join(desk, 'layout.hbs'));
    for (const view of WRITE_VIEWS) this.views.set(view, compile(join(desk, `${view}.hbs`)));
    this.style = readFileSync(join(desk, 'write', 'write.css'), 'utf8');
    this.siteName = config.env.SITE_NAME;
  }

  render(
    view: WriteView,
    layout: { title: string; user: { name: string }; csrfToken: string; nav?: DeskNavLink[] },
    context: Record<string, unknown>,
  ): string {
    const page = this.views.get(view)!({ ...layout, ...context, siteName: this.siteName });
    return this.layout({ ...layout, siteName: this.siteName, body: `<style>${this.style}</style>\n${page}` });
  }
}
