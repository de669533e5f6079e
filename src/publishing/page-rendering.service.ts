import { Injectable, Logger } from '@nestjs/common';
import { hash } from 'node:crypto';
import { resolve } from 'node:path';
import { AppConfig } from '../core/config/app-config.js';
import { sha256Hex } from '../core/crypto/content-hash.js';
import { PageRenderer } from './page-renderer.js';
import {
  buildPageViewModel,
  type IndexViewModel,
  type PageOptions,
  type PageSource,
  type PageViewModel,
  type ReviewerViewModel,
  type SiteSettings,
} from './page-view-model.js';

export interface RenderedPage {
  html: string;
  checksum: string;
  model: PageViewModel;
}

/** The template set of TEMPLATES_DIR, compiled once at start-up, with this site's settings. */
@Injectable()
export class PageRendering {
  private readonly logger = new Logger('Publishing');
  readonly renderer: PageRenderer;
  readonly site: SiteSettings;
  /** Changes when the templates or the site settings change: pages rendered under another one are re-rendered. */
  readonly fingerprint: string;

  constructor(config: AppConfig) {
    const dir = resolve(config.env.TEMPLATES_DIR);
    this.renderer = PageRenderer.fromDirectory(dir);
    this.site = {
      siteName: config.env.SITE_NAME,
      publicBaseUrl: config.env.PUBLIC_BASE_URL,
      timeZone: config.env.PUBLICATION_TIMEZONE,
      lang: 'en',
    };
    this.fingerprint = sha256Hex(`${this.renderer.fingerprint}\n${JSON.stringify(this.site)}`);
    this.logger.log(`page templates loaded from ${dir} (fingerprint ${this.fingerprint.slice(0, 12)})`);
  }

  renderPage(source: PageSource, options: PageOptions = {}): RenderedPage {
    const model = buildPageViewModel(source, this.site, options);
    const html = this.renderer.renderPage(model);
    return { html, checksum: hash('sha256', html, 'hex'), model };
  }

  /** The page as UTF-8 bytes and their SHA-256 (for exports of many pages: encoded once, hashed once). */
  renderPageBytes(source: PageSource): { html: string; bytes: Buffer; checksum: string } {
    const html = this.renderer.renderPage(buildPageViewModel(source, this.site));
    const bytes = Buffer.from(html, 'utf8');
    return { html, bytes, checksum: hash('sha256', bytes, 'hex') };
  }

  renderIndex(model: Omit<IndexViewModel, 'lang' | 'siteName'>): string {
    return this.renderer.renderIndex({ ...model, lang: this.site.lang, siteName: this.site.siteName });
  }

  renderReviewer(model: Omit<ReviewerViewModel, 'lang' | 'siteName'>): string {
    return this.renderer.renderReviewer({ ...model, lang: this.site.lang, siteName: this.site.siteName });
  }
}
