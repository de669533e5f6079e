import Handlebars from 'handlebars';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { IndexViewModel, PageViewModel, ReviewerViewModel } from './page-view-model.js';

/** A file shipped with the templates (assets/…) that exports copy beside the pages. */
export interface TemplateAsset {
  path: string;
  content: Buffer;
}

export class TemplateError extends Error {}

/**
 * Strict: a key missing from a view model throws instead of rendering as empty. knownHelpersOnly: a template set
 * can use the built-in helpers (if, each, with, unless) and nothing else. Prototype access stays forbidden
 * (Handlebars' default; its allow-options are never set).
 */
const COMPILE_OPTIONS: CompileOptions = { strict: true, knownHelpersOnly: true };

const LAYOUTS = ['page', 'index', 'reviewer'] as const;
type Layout = (typeof LAYOUTS)[number];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .sort();
}

/**
 * The page templates of one folder (TEMPLATES_DIR): layouts/{page,index,reviewer}.hbs, partials/*.hbs and
 * assets/page.css. Compiled once, in an isolated Handlebars environment; templates only ever come from this
 * folder, never from a request. Pure: view model in, HTML out, so tests and the benchmark use it directly.
 */
export class PageRenderer {
  private constructor(
    private readonly layouts: Record<Layout, HandlebarsTemplateDelegate>,
    readonly css: string,
    readonly assets: TemplateAsset[],
    /** SHA-256 over every template and asset file: changes whenever the rendered output may change. */
    readonly fingerprint: string,
  ) {}

  static fromDirectory(root: string): PageRenderer {
    const handlebars = Handlebars.create();
    const hash = createHash('sha256');
    const read = (path: string): string => {
      const text = readFileSync(path, 'utf8');
      hash.update(relative(root, path).split(sep).join('/')).update('\0').update(text).update('\0');
      return text;
    };
    const compile = (path: string): HandlebarsTemplateDelegate => {
      try {
        return handlebars.compile(read(path), COMPILE_OPTIONS);
      } catch (error) {
        throw new TemplateError(`template ${path} does not compile: ${(error as Error).message}`);
      }
    };

    for (const path of filesUnder(join(root, 'partials')).filter((p) => p.endsWith('.hbs'))) {
      const name = relative(join(root, 'partials'), path)
        .split(sep)
        .join('/')
        .replace(/\.hbs$/, '');
      handlebars.registerPartial(name, compile(path));
    }
    const layouts = {} as Record<Layout, HandlebarsTemplateDelegate>;
    for (const layout of LAYOUTS) {
      const path = join(root, 'layouts', `${layout}.hbs`);
      if (!existsSync(path)) throw new TemplateError(`template ${path} is missing`);
      layouts[layout] = compile(path);
    }
    const assets = filesUnder(join(root, 'assets')).map((path) => ({
      path: relative(join(root, 'assets'), path).split(sep).join('/'),
      content: Buffer.from(read(path), 'utf8'),
    }));
    const css = assets.find((asset) => asset.path === 'page.css')?.content.toString('utf8') ?? '';
    const renderer = new PageRenderer(layouts, css, assets, hash.digest('hex'));
    renderer.selfTest();
    return renderer;
  }

  renderPage(model: PageViewModel): string {
    return this.run('page', model);
  }

  renderIndex(model: IndexViewModel): string {
    return this.run('index', model);
  }

  renderReviewer(model: ReviewerViewModel): string {
    return this.run('reviewer', model);
  }

  private run(layout: Layout, model: object): string {
    try {
      return this.layouts[layout]({ ...model, css: this.css });
    } catch (error) {
      throw new TemplateError(`layouts/${layout}.hbs failed to render: ${(error as Error).message}`);
    }
  }

  /** Renders every layout once at start-up, so a broken or replaced template set fails then, not at a publish. */
  private selfTest(): void {
    const lang = 'en';
    const siteName = 'Self-test';
    const canonicalUrl = 'https://example.org/';
    this.renderPage({
      lang,
      siteName,
      title: 'Title',
      description: 'Description',
      canonicalUrl,
      noindex: true,
      banner: 'Banner',
      jsonLd: '{}',
      specialty: 'Neurology',
      authorName: 'Author',
      byline: {
        reviewerUrl: canonicalUrl,
        reviewerName: 'Reviewer',
        credentials: 'MD',
        affiliation: 'Clinic',
        dateIso: '2026-01-10',
        dateText: 'January 10th, 2026',
      },
      keyTakeaways: ['Takeaway'],
      sections: [
        {
          anchor: 'a',
          heading: 'Heading',
          images: [{ url: canonicalUrl, alt: 'Alt', caption: 'Caption' }],
          html: '<p>Body</p>',
        },
      ],
      faq: [{ question: 'Question?', answerHtml: '<p>Answer</p>' }],
      bottomLineHtml: '<p>Bottom line</p>',
      references: [
        { url: canonicalUrl, title: 'Reference', publisher: 'Publisher', year: 2024 },
        { url: null, title: 'Reference', publisher: '', year: null },
      ],
      related: [{ url: canonicalUrl, title: 'Related' }],
      nextReview: { iso: '2027-01-10', text: 'January 10th, 2027' },
    });
    this.renderIndex({
      lang,
      siteName,
      canonicalUrl,
      articles: [{ url: canonicalUrl, title: 'Title', description: 'Description', lastReviewedText: 'x' }],
    });
    this.renderReviewer({
      lang,
      siteName,
      canonicalUrl,
      reviewer: { displayName: 'Reviewer', credentials: 'MD', affiliation: 'Clinic', specialties: ['x'] },
      articles: [{ url: canonicalUrl, title: 'Title' }],
    });
  }
}
