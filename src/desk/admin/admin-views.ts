import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../../core/config/app-config.js';
import type { LayoutContext } from '../desk-pages.js';

export const ADMIN_VIEWS = [
  'overview',
  'people',
  'person',
  'licences',
  'licence',
  'emails',
  'audit',
] as const;
export type AdminView = (typeof ADMIN_VIEWS)[number];

type Compiled = (context: Record<string, unknown>) => string;

/**
 * The admin's pages (`templates/desk/admin/*.hbs`) inside the desk's one layout, compiled once in strict mode;
 * the desk's `field` partial is shared, so a form field looks and reads the same everywhere.
 */
@Injectable()
export class AdminViews {
  private readonly handlebars = Handlebars.create();
  private readonly layout: Compiled;
  private readonly views = new Map<AdminView, Compiled>();
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
    this.handlebars.registerPartial('field', readFileSync(join(desk, 'field.hbs'), 'utf8'));
    this.layout = compile(join(desk, 'layout.hbs'));
    for (const view of ADMIN_VIEWS) this.views.set(view, compile(join(desk, 'admin', `${view}.hbs`)));
    this.style = readFileSync(join(desk, 'admin', 'admin.css'), 'utf8');
    this.siteName = config.env.SITE_NAME;
  }

  render(view: AdminView, layout: LayoutContext, context: Record<string, unknown>): string {
    const page = this.views.get(view)!({ ...layout, ...context, siteName: this.siteName });
    return this.layout({ ...layout, siteName: this.siteName, body: `<style>${this.style}</style>\n${page}` });
  }
}
