import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import type { LayoutContext } from './desk-pages.js';
import { DeskViewRenderer } from './desk-view-renderer.js';

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

export type OfficeLayoutContext = LayoutContext;

/**
 * The editor's and the publisher's pages (`templates/desk/office/`), inside the desk's one layout, with the
 * review desk's stylesheet and their own. Compiled once in strict mode; Handlebars escapes every `{{value}}`.
 */
@Injectable()
export class OfficeViews extends DeskViewRenderer<OfficeView> {
  constructor(config: AppConfig) {
    super(config, {
      views: OFFICE_VIEWS,
      partials: ['office/nav', 'office/more'],
      helpers: { eq: (a: unknown, b: unknown) => a === b },
      styles: ['reviews/review.css', 'office/office.css'],
    });
  }
}
