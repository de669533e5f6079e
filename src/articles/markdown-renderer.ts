import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import type { ArticleContent, RenderedContent } from './article-content.js';

/** Raw HTML in Markdown is shown as text, never parsed; bare URLs become links. */
const markdown = new MarkdownIt({ html: false, linkify: true });

const EXTERNAL_HREF = /^https?:\/\//i;

/**
 * What a rendered body may contain. Bodies sit under the page's h1 (title) and h2 (section headings), so a
 * writer's h1/h2 become h3 and the page keeps its heading order.
 */
const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'h3',
    'h4',
    'h5',
    'h6',
    'ul',
    'ol',
    'li',
    'strong',
    'em',
    'code',
    'pre',
    'blockquote',
    'a',
    'br',
    'hr',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'title', 'rel'], ol: ['start'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    h1: 'h3',
    h2: 'h3',
    a: (tagName, attribs) => {
      const { rel: _writerRel, ...rest } = attribs;
      return {
        tagName,
        attribs: EXTERNAL_HREF.test(rest.href ?? '') ? { ...rest, rel: 'noopener noreferrer' } : rest,
      };
    },
  },
};

/**
 * The last few megabytes of Markdown rendered by this process. An edit usually changes one section and
 * resubmits the others unchanged; rendering is pure, so their HTML is taken from here instead of being
 * rendered again (it is per process, so a new version of the renderer never reuses an old result).
 */
class RenderCache {
  private readonly entries = new Map<string, string>();
  private size = 0;

  constructor(private readonly maxChars: number) {}

  get(source: string): string | undefined {
    const html = this.entries.get(source);
    if (html !== undefined) {
      this.entries.delete(source);
      this.entries.set(source, html);
    }
    return html;
  }

  set(source: string, html: string): void {
    const cost = source.length + html.length;
    if (cost > this.maxChars / 8) return;
    this.entries.set(source, html);
    this.size += cost;
    for (const [oldest, oldestHtml] of this.entries) {
      if (this.size <= this.maxChars) break;
      this.entries.delete(oldest);
      this.size -= oldest.length + oldestHtml.length;
    }
  }
}

const recentlyRendered = new RenderCache(8_000_000);

/**
 * Markdown to sanitised HTML. Pure and deterministic; called when a revision is saved (sanitising is far too
 * slow for the publish path), and the result is stored with the revision.
 */
export function renderMarkdown(source: string): string {
  if (!source.trim()) return '';
  const cached = recentlyRendered.get(source);
  if (cached !== undefined) return cached;
  const html = sanitizeHtml(markdown.render(source), SANITIZE_OPTIONS).trim();
  recentlyRendered.set(source, html);
  return html;
}

/** The HTML of every Markdown field of a revision: section bodies, FAQ answers and the bottom line. */
export function renderContent(content: ArticleContent): RenderedContent {
  return {
    sections: content.sections.map((section) => renderMarkdown(section.body)),
    faq: content.faq.map((entry) => renderMarkdown(entry.answer)),
    bottomLine: renderMarkdown(content.bottomLine),
  };
}
