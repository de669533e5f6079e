import type { ChildNode, Element } from 'domhandler';
import { isTag, isText } from 'domhandler';
import { findAll, getAttributeValue, textContent } from 'domutils';
import { parseDocument } from 'htmlparser2';
import { parseByline, parseReviewDate } from '../byline-parser.js';
import type { AttestedReviewInput, ImportProblem, ParsedArticle, ParsedContent } from '../parsed-article.js';
import { assemble, type Block } from './blocks.js';

/** Never read: what they hold is code, chrome or forms, not article text. */
const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'object',
  'embed',
  'svg',
  'math',
  'form',
  'button',
  'nav',
  'footer',
  'head',
]);
const INLINE = new Set([
  'a',
  'span',
  'strong',
  'em',
  'b',
  'i',
  'u',
  'br',
  'code',
  'sup',
  'sub',
  'small',
  'mark',
  'abbr',
  'cite',
  'time',
  'q',
  's',
]);
const HEADINGS = new Set(['h2', 'h3', 'h4', 'h5', 'h6']);

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : value == null ? [] : [value]);
const str = (value: unknown): string => (typeof value === 'string' ? squash(value) : '');
const nameOf = (value: unknown): string =>
  typeof value === 'string' ? squash(value) : isObject(value) ? str(value.name) : '';
const hasType = (node: JsonObject, type: string) => asArray(node['@type']).includes(type);

/** Text of an HTML fragment (a JSON-LD answer may carry markup). */
function fragmentText(html: string): string {
  return squash(
    textContent(parseDocument(html).children.filter((node) => !isTag(node) || !SKIPPED.has(node.name))),
  );
}

function resolveUrl(raw: string, base: string | null): string {
  const value = raw.trim();
  if (!base) return value;
  try {
    return new URL(value, base).toString();
  } catch {
    return value;
  }
}

interface Scraped {
  blocks: Block[];
  title: string;
  bylineText: string | null;
  author: string | null;
}

class Scraper {
  readonly blocks: Block[] = [];
  title = '';
  bylineText: string | null = null;
  author: string | null = null;

  constructor(
    private readonly base: string | null,
    /** The page has an h1: what comes before it is site chrome (logo, menus), not the article. */
    private readonly hasTitle: boolean,
  ) {}

  private push(block: Block): void {
    if (this.hasTitle && !this.title) return;
    this.blocks.push(block);
  }

  /** Inline text with http(s) links kept as Markdown links. */
  inline(nodes: ChildNode[]): string {
    let out = '';
    for (const node of nodes) {
      if (isText(node)) out += node.data;
      else if (isTag(node)) {
        if (SKIPPED.has(node.name) || node.name === 'img') continue;
        if (node.name === 'br') out += ' ';
        else if (node.name === 'a') {
          const text = squash(this.inline(node.children));
          const href = resolveUrl(getAttributeValue(node, 'href') ?? '', this.base);
          out += /^https?:\/\//i.test(href) && text ? `[${text.replace(/[[\]]/g, '')}](${href})` : text;
        } else out += this.inline(node.children);
      }
    }
    return out;
  }

  images(node: Element): void {
    for (const img of findAll((el) => el.name === 'img', node.children)) this.image(img, null);
  }

  image(img: Element, caption: string | null): void {
    const src = getAttributeValue(img, 'src') ?? '';
    if (!src.trim()) return;
    this.push({
      kind: 'image',
      url: resolveUrl(src, this.base),
      alt: squash(getAttributeValue(img, 'alt') ?? ''),
      caption,
    });
  }

  paragraph(text: string): void {
    const clean = squash(text);
    if (!clean) return;
    // The review line of the page header ("Medically reviewed by …", or a short "· Reviewed by …").
    if (
      this.bylineText === null &&
      /^\W*(medically\s+)?reviewed\s+by\b/i.test(clean) &&
      clean.length <= 300
    ) {
      this.bylineText = clean.replace(/^[^A-Za-z]+/, '');
      return;
    }
    const by = /^(?:written\s+)?by\s+(.{2,80})$/i.exec(clean);
    if (by && this.author === null && this.blocks.length < 3) {
      this.author = by[1].trim();
      return;
    }
    this.push({ kind: 'paragraph', text: clean });
  }

  walk(nodes: ChildNode[]): void {
    let inlineRun: ChildNode[] = [];
    const flush = () => {
      if (inlineRun.length) this.paragraph(this.inline(inlineRun));
      inlineRun = [];
    };
    for (const node of nodes) {
      if (isText(node) || (isTag(node) && INLINE.has(node.name))) {
        if (
          isTag(node) &&
          /author/i.test(
            `${getAttributeValue(node, 'class') ?? ''} ${getAttributeValue(node, 'rel') ?? ''} ${getAttributeValue(node, 'itemprop') ?? ''}`,
          ) &&
          this.author === null
        ) {
          flush();
          this.author = squash(textContent(node)).replace(/^(written\s+)?by\s+/i, '') || null;
          continue;
        }
        inlineRun.push(node);
        continue;
      }
      flush();
      if (!isTag(node) || SKIPPED.has(node.name)) continue;
      this.element(node);
    }
    flush();
  }

  element(node: Element): void {
    const name = node.name;
    const classes = `${getAttributeValue(node, 'class') ?? ''} ${getAttributeValue(node, 'rel') ?? ''} ${getAttributeValue(node, 'itemprop') ?? ''}`;
    if (name === 'h1') {
      if (!this.title) this.title = squash(this.inline(node.children));
      return;
    }
    if (HEADINGS.has(name)) {
      this.images(node);
      const text = squash(this.inline(node.children));
      if (text) this.push({ kind: 'heading', text });
      return;
    }
    if (/\bauthor\b/i.test(classes) && !/reviewed/i.test(textContent(node)) && this.author === null) {
      this.author = squash(textContent(node)).replace(/^(written\s+)?by\s+/i, '') || null;
      return;
    }
    if (name === 'p' || name === 'blockquote' || name === 'pre') {
      this.images(node);
      this.paragraph((name === 'blockquote' ? '> ' : '') + this.inline(node.children));
      return;
    }
    if (name === 'ul' || name === 'ol') {
      const items = node.children
        .filter((child): child is Element => isTag(child) && child.name === 'li')
        .map((li) => {
          const link = findAll((el) => el.name === 'a', li.children)[0];
          const href = link ? resolveUrl(getAttributeValue(link, 'href') ?? '', this.base) : '';
          return {
            text: squash(this.inline(li.children).replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')),
            url: href || null,
          };
        })
        .filter((item) => item.text || item.url);
      if (items.length) this.push({ kind: 'list', items });
      return;
    }
    if (name === 'img') {
      this.image(node, null);
      return;
    }
    if (name === 'figure') {
      const caption = findAll((el) => el.name === 'figcaption', node.children)[0];
      const captionText = caption ? squash(textContent(caption)) || null : null;
      for (const img of findAll((el) => el.name === 'img', node.children)) this.image(img, captionText);
      return;
    }
    if (name === 'details') {
      const summary = node.children.find(
        (child): child is Element => isTag(child) && child.name === 'summary',
      );
      const rest = node.children.filter((child) => child !== summary);
      this.push({
        kind: 'qa',
        question: summary ? squash(this.inline(summary.children)) : '',
        answer: squash(this.inline(rest.flatMap((child) => (isTag(child) ? child.children : [child])))),
      });
      return;
    }
    if (name === 'dl') {
      let question: string | null = null;
      for (const child of node.children) {
        if (!isTag(child)) continue;
        if (child.name === 'dt') question = squash(this.inline(child.children));
        if (child.name === 'dd') {
          this.push({
            kind: 'qa',
            question: question ?? '',
            answer: squash(this.inline(child.children)),
          });
          question = null;
        }
      }
      return;
    }
    this.walk(node.children);
  }
}

function scrape(root: ChildNode[], base: string | null): Scraped {
  const scraper = new Scraper(base, findAll((el) => el.name === 'h1', root).length > 0);
  scraper.walk(root);
  return {
    blocks: scraper.blocks,
    title: scraper.title,
    bylineText: scraper.bylineText,
    author: scraper.author,
  };
}

/** Every JSON-LD node of the page, @graph and arrays flattened. */
function jsonLdNodes(scripts: Element[], problems: ImportProblem[]): JsonObject[] {
  const nodes: JsonObject[] = [];
  for (const script of scripts) {
    try {
      const value = JSON.parse(textContent(script)) as unknown;
      for (const item of asArray(value)) {
        if (!isObject(item)) continue;
        nodes.push(item, ...asArray(item['@graph']).filter(isObject));
      }
    } catch {
      problems.push({
        code: 'not_imported',
        message: 'A JSON-LD block of the page is not valid JSON; the page was read from its HTML instead.',
      });
    }
  }
  return nodes;
}

function reviewFromJsonLd(page: JsonObject, timeZone: string): AttestedReviewInput | null {
  const reviewer = asArray(page.reviewedBy)[0];
  if (!reviewer) return null;
  const name = nameOf(reviewer);
  if (!name) return null;
  const credentials = isObject(reviewer)
    ? str(reviewer.honorificSuffix) || nameOf(asArray(reviewer.hasCredential)[0]) || ''
    : '';
  const affiliation = isObject(reviewer) ? nameOf(asArray(reviewer.affiliation)[0]) : '';
  const lastReviewed = str(page.lastReviewed);
  return {
    reviewerName: name,
    credentials,
    affiliation,
    reviewedOn: lastReviewed ? parseReviewDate(lastReviewed, timeZone) : null,
    byline: null,
  };
}

/**
 * A published article page. JSON-LD (MedicalWebPage, FAQPage) is preferred where present; the rest is read
 * from the markup: the h1, the byline, key takeaways, sections, FAQ, references and images. Scripts, styles,
 * forms and frames are never read, and nothing is fetched: relative image addresses are resolved against the
 * page's canonical URL, as text.
 */
export function parseHtml(
  html: string,
  sourceName: string,
  timeZone: string,
  defaults: { sourceUrl?: string | null; kind?: 'html' | 'wxr' } = {},
): ParsedArticle {
  const document = parseDocument(html);
  const problems: ImportProblem[] = [];
  const all = document.children;
  const scripts = findAll(
    (el) =>
      el.name === 'script' && (getAttributeValue(el, 'type') ?? '').toLowerCase() === 'application/ld+json',
    all,
  );
  const nodes = jsonLdNodes(scripts, problems);
  const page = nodes.find(
    (node) => hasType(node, 'MedicalWebPage') || hasType(node, 'WebPage') || hasType(node, 'Article'),
  );
  const faqPage = nodes.find((node) => hasType(node, 'FAQPage'));

  const canonical = findAll(
    (el) => el.name === 'link' && (getAttributeValue(el, 'rel') ?? '').toLowerCase() === 'canonical',
    all,
  )[0];
  const ogUrl = findAll((el) => el.name === 'meta' && getAttributeValue(el, 'property') === 'og:url', all)[0];
  const sourceUrl =
    defaults.sourceUrl ??
    (str(page?.url) ||
      (canonical ? (getAttributeValue(canonical, 'href') ?? '') : '') ||
      (ogUrl ? (getAttributeValue(ogUrl, 'content') ?? '') : '') ||
      null);
  const base = sourceUrl && /^https?:\/\//i.test(sourceUrl) ? sourceUrl : null;

  const body = findAll((el) => el.name === 'body', all)[0];
  const scope =
    findAll((el) => el.name === 'article', body ? [body] : all)[0] ??
    findAll((el) => el.name === 'main', body ? [body] : all)[0] ??
    body;
  const scraped = scrape(scope ? [scope] : all, base);
  const titleElement = findAll((el) => el.name === 'title', all)[0];
  const metaDescription = findAll(
    (el) => el.name === 'meta' && getAttributeValue(el, 'name') === 'description',
    all,
  )[0];

  const base_: Partial<ParsedContent> = {
    title:
      str(page?.name) ||
      str(page?.headline) ||
      scraped.title ||
      (titleElement ? squash(textContent(titleElement)) : ''),
    description:
      str(page?.description) ||
      (metaDescription ? squash(getAttributeValue(metaDescription, 'content') ?? '') : ''),
  };
  if (faqPage) {
    base_.faq = asArray(faqPage.mainEntity)
      .filter(isObject)
      .map((question) => ({
        question: str(question.name),
        answer: fragmentText(str(asArray(question.acceptedAnswer).filter(isObject)[0]?.text)),
      }));
  }
  const citations = page ? asArray(page.citation) : [];
  if (citations.length) {
    base_.references = citations.map((citation) => {
      const year = isObject(citation) ? /\b(\d{4})\b/.exec(str(citation.datePublished))?.[1] : undefined;
      return {
        title: nameOf(citation),
        url: isObject(citation) ? str(citation.url) : '',
        publisher: isObject(citation) ? nameOf(citation.publisher) : '',
        year: year ? Number(year) : null,
      };
    });
  }
  const { content, problems: assembled } = assemble(scraped.blocks, base_);
  const printed = scraped.bylineText ? parseByline(scraped.bylineText, timeZone) : null;
  const structured = page ? reviewFromJsonLd(page, timeZone) : null;
  const review = structured
    ? {
        ...structured,
        reviewedOn: structured.reviewedOn ?? printed?.reviewedOn ?? null,
        byline: printed?.byline ?? null,
      }
    : printed;
  const author = (page ? nameOf(asArray(page.author)[0]) : '') || scraped.author;
  return {
    kind: defaults.kind ?? 'html',
    sourceName,
    sourceUrl,
    author: author || null,
    content,
    review,
    problems: [...problems, ...assembled],
  };
}
