import { parseByline } from '../byline-parser.js';
import { MalformedSourceError, type ParsedArticle } from '../parsed-article.js';
import { assemble, splitRunInAlt, type Block } from './blocks.js';

const BULLET = /^\s*[•·▪●◦*-]\s+/;

/** A line on its own that reads like a heading: short, capitalised, not a sentence that ends in a full stop. */
function looksLikeHeading(line: string): boolean {
  const text = line.trim();
  if (splitRunInAlt(text)) return true;
  return (
    text.length <= 120 &&
    /^[A-Z0-9"“'‘]/.test(text) &&
    !/[.,;:!]$/.test(text) &&
    text.split(/\s+/).length <= 16
  );
}

/**
 * The plain text of a published page (a copy from a browser, like the seed): the title on the first line, the
 * writer, the "Medically reviewed by …" byline, then one paragraph, bullet or heading per line.
 */
export function parseText(text: string, sourceName: string, timeZone: string): ParsedArticle {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .filter((line) => line.trim() !== '');
  if (lines.length < 2)
    throw new MalformedSourceError('the text has fewer than two lines: no title and body');
  const title = lines[0].trim();
  let review = null;
  let author: string | null = null;
  let index = 1;
  // The header: the writer and the byline, in either order, before the first heading or paragraph.
  for (; index < Math.min(lines.length, 4); index++) {
    const line = lines[index].trim();
    const byline = parseByline(line, timeZone);
    if (byline) {
      review = byline;
      continue;
    }
    if (!review && !author && line.length <= 120 && !/[.!?]$/.test(line) && !/^key\s+takeaways/i.test(line)) {
      author = line;
      continue;
    }
    break;
  }

  const blocks: Block[] = [];
  for (const raw of lines.slice(index)) {
    const line = raw.trim();
    if (BULLET.test(raw)) {
      const item = { text: line.replace(BULLET, '').trim(), url: null };
      const last = blocks[blocks.length - 1];
      if (last?.kind === 'list') last.items.push(item);
      else blocks.push({ kind: 'list', items: [item] });
    } else if (looksLikeHeading(line)) {
      blocks.push({ kind: 'heading', text: line });
    } else {
      blocks.push({ kind: 'paragraph', text: line });
    }
  }
  const { content, problems } = assemble(blocks, { title });
  return { kind: 'text', sourceName, sourceUrl: null, author, content, review, problems };
}
