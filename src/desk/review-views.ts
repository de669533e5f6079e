import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../core/config/app-config.js';
import type { DeskNavLink } from './desk-menu.js';

export const REVIEW_VIEWS = [
  'reviews/my-reviews',
  'reviews/review',
  'reviews/receipt',
  'articles/state',
  'articles/verify',
] as const;
export type ReviewView = (typeof REVIEW_VIEWS)[number];

export interface ReviewLayoutContext {
  title: string;
  user: { name: string } | null;
  csrfToken: string;
  nav?: DeskNavLink[];
}

type Compiled = (context: Record<string, unknown>) => string;

/**
 * The review desk's pages, inside the desk's one layout (`templates/desk/layout.hbs`). Compiled once in strict
 * mode. The revision under review is shown with the publication's own partials (`templates/partials/*.hbs`,
 * registered here as `publication/<name>`), fed the same view model the published page gets.
 */
@Injectable()
export class ReviewViews {
  private readonly handlebars = Handlebars.create();
  private readonly layout: Compiled;
  private readonly views = new Map<ReviewView, Compiled>();
  private readonly siteName: string;
  private readonly style: string;

  constructor(config: AppConfig) {
    const root = config.env.TEMPLATES_DIR;
    const desk = join(root, 'desk');
    const compile = (file: string): Compiled => {
      try {
        return this.handlebars.compile(this.handlebars.parse(readFileSync(file, 'utf8')), { strict: true });
      } catch (error) {
        throw new Error(`desk template ${file} cannot be loaded: ${(error as Error).message}`, {
          cause: error,
        });
      }
    };
    const partials = join(root, 'partials');
    if (existsSync(partials)) {
      for (const name of readdirSync(partials).filter((file) => file.endsWith('.hbs'))) {
        this.handlebars.registerPartial(
          `publication/${name.replace(/\.hbs$/, '')}`,
          readFileSync(join(partials, name), 'utf8'),
        );
      }
    }
    for (const partial of ['reviews/words', 'reviews/comment']) {
      this.handlebars.registerPartial(partial, readFileSync(join(desk, `${partial}.hbs`), 'utf8'));
    }
    this.layout = compile(join(desk, 'layout.hbs'));
    for (const view of REVIEW_VIEWS) this.views.set(view, compile(join(desk, `${view}.hbs`)));
    this.style = readFileSync(join(desk, 'reviews', 'review.css'), 'utf8');
    this.siteName = config.env.SITE_NAME;
  }

  render(view: ReviewView, layout: ReviewLayoutContext, context: Record<string, unknown>): string {
    const page = this.views.get(view)!({ ...layout, ...context, siteName: this.siteName });
    const body = `<style>${this.style}</style>\n${page}`;
    return this.layout({ ...layout, siteName: this.siteName, body });
  }
}
