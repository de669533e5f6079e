import { Injectable } from '@nestjs/common';
import { AppConfig } from '../core/config/app-config.js';
import { DeskViewRenderer } from './desk-view-renderer.js';

export const WRITE_VIEWS = ['write/my-articles', 'write/editor'] as const;
export type WriteView = (typeof WRITE_VIEWS)[number];

/**
 * The writer's pages inside the desk's one layout (`templates/desk/layout.hbs`), compiled once in strict mode.
 * Every value is escaped by Handlebars: nothing a writer types becomes markup on these pages.
 */
@Injectable()
export class WriteViews extends DeskViewRenderer<WriteView> {
  constructor(config: AppConfig) {
    super(config, {
      views: WRITE_VIEWS,
      partials: ['write/field', 'write/comments', 'write/list'],
      styles: ['write/write.css'],
      // A partial's indentation would otherwise be added to every line of a text area's value.
      preventIndent: true,
    });
  }
}
