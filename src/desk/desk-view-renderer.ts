import Handlebars from 'handlebars';
import type { FastifyReply } from 'fastify';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../core/config/app-config.js';
import type { DeskCsrf, DeskRequest } from './desk-access.js';
import { deskNavigation } from './desk-menu.js';
import type { LayoutContext } from './desk-pages.js';

type Compiled = (context: Record<string, unknown>) => string;

/** One desk's set of views: which templates, partials, helpers and stylesheets it uses. */
export interface DeskViewSet<V extends string> {
  views: readonly V[];
  /** Parts of pages rendered on their own, without the layout (e.g. to be cached): `templates/desk/<name>.hbs`. */
  fragments?: readonly string[];
  /** The view's template, relative to `templates/desk` (default `<view>.hbs`). */
  file?: (view: V) => string;
  /** Partials registered under their name, read from `templates/desk/<name>.hbs`. */
  partials?: string[];
  /** Registers the publication's own partials (`templates/partials/*.hbs`) as `publication/<name>`. */
  publicationPartials?: boolean;
  helpers?: Record<string, Handlebars.HelperDelegate>;
  /** Stylesheets, relative to `templates/desk`, put before the page (joined by a new line). */
  styles?: string[];
  /** Keeps a partial's indentation out of every line of its output (text areas' values). */
  preventIndent?: boolean;
}

/**
 * A desk's pages inside the desk's one layout (`templates/desk/layout.hbs`): every template is read and compiled
 * once at start-up in strict mode (a missing file, a syntax error or, at render time, a missing variable is an
 * error). Handlebars escapes every `{{value}}`; only the rendered page itself goes into the layout unescaped.
 */
export class DeskViewRenderer<V extends string> {
  private readonly handlebars = Handlebars.create();
  private readonly layout: Compiled;
  private readonly views = new Map<V, Compiled>();
  private readonly fragments = new Map<string, Compiled>();
  private readonly siteName: string;
  private readonly style: string | null;

  constructor(config: AppConfig, set: DeskViewSet<V>) {
    const root = config.env.TEMPLATES_DIR;
    const desk = join(root, 'desk');
    const compile = (file: string): Compiled => {
      try {
        return this.handlebars.compile(this.handlebars.parse(readFileSync(file, 'utf8')), {
          strict: true,
          ...(set.preventIndent ? { preventIndent: true } : {}),
        });
      } catch (error) {
        throw new Error(`desk template ${file} cannot be loaded: ${(error as Error).message}`, {
          cause: error,
        });
      }
    };
    const publication = join(root, 'partials');
    if (set.publicationPartials && existsSync(publication)) {
      for (const name of readdirSync(publication).filter((file) => file.endsWith('.hbs'))) {
        this.handlebars.registerPartial(
          `publication/${name.replace(/\.hbs$/, '')}`,
          readFileSync(join(publication, name), 'utf8'),
        );
      }
    }
    for (const partial of set.partials ?? []) {
      this.handlebars.registerPartial(partial, readFileSync(join(desk, `${partial}.hbs`), 'utf8'));
    }
    for (const [name, helper] of Object.entries(set.helpers ?? {}))
      this.handlebars.registerHelper(name, helper);
    this.layout = compile(join(desk, 'layout.hbs'));
    const file = set.file ?? ((view: V) => `${view}.hbs`);
    for (const view of set.views) this.views.set(view, compile(join(desk, file(view))));
    for (const fragment of set.fragments ?? [])
      this.fragments.set(fragment, compile(join(desk, `${fragment}.hbs`)));
    this.style = set.styles?.length
      ? set.styles.map((style) => readFileSync(join(desk, style), 'utf8')).join('\n')
      : null;
    this.siteName = config.env.SITE_NAME;
  }

  /** A fragment's HTML alone (escaped like any view), to be put into a page unescaped. */
  fragment(name: string, context: Record<string, unknown>): string {
    const compiled = this.fragments.get(name);
    if (!compiled) throw new Error(`desk fragment ${name} is not registered`);
    return compiled(context);
  }

  render(view: V, layout: LayoutContext, context: Record<string, unknown>): string {
    const page = this.views.get(view)!({ ...layout, ...context, siteName: this.siteName });
    const body = this.style === null ? page : `<style>${this.style}</style>\n${page}`;
    return this.layout({ ...layout, siteName: this.siteName, body });
  }
}

/**
 * Answers a signed-in visit with a desk view: the layout gets the title, the person's name, the CSRF token of
 * their session and the navigation their roles permit; the page is never cached.
 */
export function sendDeskView<V extends string>(
  renderer: DeskViewRenderer<V>,
  csrf: DeskCsrf,
  request: DeskRequest,
  reply: FastifyReply,
  page: { status: number; view: V; title: string; context: Record<string, unknown> },
  options: { referrerPolicy?: boolean } = {},
): FastifyReply {
  const visit = request.deskVisit!;
  const html = renderer.render(
    page.view,
    {
      title: page.title,
      user: { name: visit.user.name },
      csrfToken: csrf.tokenFor(visit.rawId),
      nav: deskNavigation(visit.user.roles, request.url),
    },
    page.context,
  );
  reply
    .status(page.status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store');
  if (options.referrerPolicy) reply.header('referrer-policy', 'same-origin');
  return reply.send(html);
}
