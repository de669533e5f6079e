import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../core/config/app-config.js';
import { DeskViewRenderer } from '../desk-view-renderer.js';

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

/**
 * The admin's pages (`templates/desk/admin/*.hbs`) inside the desk's one layout, compiled once in strict mode;
 * the desk's `field` partial is shared, so a form field looks and reads the same everywhere.
 */
@Injectable()
export class AdminViews extends DeskViewRenderer<AdminView> {
  constructor(config: AppConfig) {
    super(config, {
      views: ADMIN_VIEWS,
      file: (view) => `admin/${view}.hbs`,
      partials: ['field'],
      styles: ['admin/admin.css'],
    });
  }
}
