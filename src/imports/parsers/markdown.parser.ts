import { parse as parseYaml } from 'yaml';
import { parseByline, parseReviewDate } from '../byline-parser.js';
import {
  MalformedSourceError,
  type AttestedReviewInput,
  type ParsedArticle,
  type ParsedContent,
} from '../parsed-article.js';
import { assemble, type Block } from './blocks.js';

type FrontMatter = Record<string, unknown>;
const str = (value: unknown): string =>
  typeof value === 'string'
    ? value.trim()
    : value instanceof Date
      ? value.toISOString().slice(0, 10)
      : typeof value === 'number'
        ? String(value)
        : '';
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value == null ? [] : [value]);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const LINK = /^\[([^\]]+)\]\((\S+?)\)\s*(.*)$/;

/** Markdown body blocks: ATX headings, paragraphs, bullet lists, images on a line of their own. */
function markdownBlocks(body: string): Block[] {
  const blocks: Block[] = [];
  const chunks = body.replace(/\r\n?/g, '\n').split(/\n\s*\n/);
  for (const chunk of chunks) {
    const lines = chunk.split('\n').filter((line) => line.trim() !== '');
    let paragraph: string[] = [];
    const flush = () => {
      if (paragraph.length) blocks.push({ kind: 'paragraph', text: paragraph.join('\n') });
      paragraph = [];
    };
    for (const line of lines) {
      const heading = /^#{1,6}\s+(.*?)\s*#*$/.exec(line);
      const image = /^!\[([^\]]*)\]\((\S+?)(?:\s+"([^"]*)")?\)\s*$/.exec(line.trim());
      const bullet = /^\s*(?:[-*+]|\d+[.)])\s+(.*)$/.exec(line);
      if (heading) {
        flush();
        blocks.push({ kind: 'heading', text: heading[1] });
      } else if (image) {
        flush();
        blocks.push({ kind: 'image', url: image[2], alt: image[1].trim(), caption: image[3] ?? null });
      } else if (bullet) {
        flush();
        const text = bullet[1].trim();
        const link = LINK.exec(text);
        const item = link ? { text: `${link[1]} ${link[3]}`.trim(), url: link[2] } : { text, url: null };
        const last = blocks[blocks.length - 1];
        if (last?.kind === 'list') last.items.push(item);
        else blocks.push({ kind: 'list', items: [item] });
      } else {
        paragraph.push(line);
      }
    }
    flush();
  }
  return blocks;
}

function reviewFrom(front: FrontMatter, timeZone: string): AttestedReviewInput | null {
  const review = isObject(front.review) ? front.review : front;
  const byline = str(review.byline) || str(front.medically_reviewed_by);
  const printed = byline
    ? parseByline(byline.startsWith('Medically') ? byline : `Medically reviewed by ${byline}`, timeZone)
    : null;
  const reviewer = review.reviewer ?? review.reviewed_by ?? review.reviewedBy;
  const date = str(
    review.date ?? review.reviewed_on ?? review.reviewedOn ?? review.last_reviewed ?? review.lastReviewed,
  );
  const reviewedOn = date ? parseReviewDate(date, timeZone) : (printed?.reviewedOn ?? null);
  if (isObject(reviewer)) {
    return {
      reviewerName: str(reviewer.name ?? reviewer.displayName),
      credentials: str(reviewer.credentials),
      affiliation: str(reviewer.affiliation),
      reviewedOn,
      byline: printed?.byline ?? null,
    };
  }
  if (typeof reviewer === 'string') {
    const parsed = parseByline(`Medically reviewed by ${reviewer}`, timeZone)!;
    return { ...parsed, reviewedOn: reviewedOn ?? parsed.reviewedOn, byline: printed?.byline ?? null };
  }
  return printed ? { ...printed, reviewedOn } : null;
}

/** Markdown with YAML front matter, as Hugo and Jekyll keep it. */
export function parseMarkdown(text: string, sourceName: string, timeZone: string): ParsedArticle {
  const match = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!match) throw new MalformedSourceError('no YAML front matter (a --- block at the top) was found');
  let front: unknown;
  try {
    front = parseYaml(match[1], { maxAliasCount: 50 });
  } catch (error) {
    throw new MalformedSourceError(
      `the front matter is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (!isObject(front)) throw new MalformedSourceError('the front matter is not a mapping of fields');
  const base: Partial<ParsedContent> = {
    title: str(front.title),
    description: str(front.description ?? front.summary),
  };
  const slug = str(front.slug);
  if (slug) base.slug = slug;
  const specialty = str(front.specialty ?? list(front.categories)[0]);
  if (specialty) base.specialty = specialty.toLowerCase();
  const takeaways = list(front.key_takeaways ?? front.keyTakeaways)
    .map(str)
    .filter(Boolean);
  if (takeaways.length) base.keyTakeaways = takeaways;
  const references = list(front.references).filter(isObject);
  if (references.length) {
    base.references = references.map((reference) => ({
      title: str(reference.title),
      url: str(reference.url),
      publisher: str(reference.publisher),
      year: typeof reference.year === 'number' ? reference.year : null,
    }));
  }
  const faq = list(front.faq).filter(isObject);
  if (faq.length)
    base.faq = faq.map((entry) => ({ question: str(entry.question), answer: str(entry.answer) }));
  const related = list(front.related ?? front.relatedSlugs)
    .map(str)
    .filter(Boolean);
  if (related.length) base.relatedSlugs = related;

  const blocks = markdownBlocks(match[2]);
  const first = blocks[0];
  if (first?.kind === 'heading' && (!base.title || first.text.trim() === base.title)) {
    base.title = first.text.trim();
    blocks.shift();
  }
  const { content, problems } = assemble(blocks, base);
  const author = str(list(front.author ?? front.authors)[0]);
  return {
    kind: 'markdown',
    sourceName,
    sourceUrl: str(front.source_url ?? front.url ?? front.canonical) || null,
    author: author || null,
    content,
    review: reviewFrom(front, timeZone),
    problems,
  };
}
