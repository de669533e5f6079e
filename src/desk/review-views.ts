import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import type { LayoutContext } from './desk-pages.js';
import { DeskViewRenderer } from './desk-view-renderer.js';

export const REVIEW_VIEWS = [
  'reviews/my-reviews',
  'reviews/review',
  'reviews/receipt',
  'articles/state',
  'articles/verify',
] as const;
export type ReviewView = (typeof REVIEW_VIEWS)[number];

export type ReviewLayoutContext = LayoutContext;

/**
 * The review desk's pages, inside the desk's one layout (`templates/desk/layout.hbs`). Compiled once in strict
 * mode. The revision under review is shown with the publication's own partials (`templates/partials/*.hbs`,
 * registered here as `publication/<name>`), fed the same view model the published page gets.
 */
@Injectable()
export class ReviewViews extends DeskViewRenderer<ReviewView> {
  constructor(config: AppConfig) {
    super(config, {
      views: REVIEW_VIEWS,
      fragments: ['reviews/changes', 'reviews/publication'],
      publicationPartials: true,
      partials: ['reviews/words', 'reviews/comment'],
      styles: ['reviews/review.css'],
    });
  }
}
