import type { FieldChange } from './revision-diff.js';

/**
 * A diff's changes as UTF-8 JSON, one buffer per change, made where the diff ran (the diff thread): the event
 * loop then builds a page by copying bytes instead of cloning, serialising and encoding a hundred thousand word
 * objects (#15 §7). `size` is the characters of text the change carries (what a page is capped by); `whole` is
 * the change without its `words`, present only for a change too large for a page with them.
 */
export interface ChangeJson {
  json: Uint8Array;
  size: number;
  whole: Uint8Array | null;
}

/** Characters of text one page of a diff may carry (a change larger than this alone loses its `words`). */
export const DIFF_PAGE_CHARS = 500_000;

/** The characters of text a change carries: before, after, path and its words (with a little per word). */
export function sizeOfChange(change: FieldChange): number {
  let size = (change.before?.length ?? 0) + (change.after?.length ?? 0) + change.path.length + 32;
  for (const word of change.words ?? []) size += word.text.length + 16;
  return size;
}

/** The change without its word marks (how a change too large for one page is shown). */
export function wholeOf(change: FieldChange): FieldChange {
  const { words: _words, granularity: _granularity, ...whole } = change;
  return whole;
}

export function toChangeJson(changes: FieldChange[]): ChangeJson[] {
  return changes.map((change) => {
    const size = sizeOfChange(change);
    return {
      json: Buffer.from(JSON.stringify(change), 'utf8'),
      size,
      whole:
        size > DIFF_PAGE_CHARS && change.words ? Buffer.from(JSON.stringify(wholeOf(change)), 'utf8') : null,
    };
  });
}

const COMMA = Buffer.from(',');

/**
 * Up to `limit` changes from `offset`, as the parts of a JSON array (`[`, changes and commas, `]`), stopping early
 * once the page holds DIFF_PAGE_CHARS characters of text; a page always holds at least one change (if any is
 * left), without its `words` if it alone is over the cap.
 */
export function pageJsonOf(
  changes: ChangeJson[],
  offset: number,
  limit: number,
): { changes: Uint8Array[]; total: number; offset: number; nextOffset: number | null } {
  const page: Uint8Array[] = [];
  let chars = 0;
  let index = offset;
  for (; index < changes.length && page.length < limit; index++) {
    const change = changes[index];
    if (page.length && chars + change.size > DIFF_PAGE_CHARS) break;
    page.push(change.whole ?? change.json);
    chars += change.size;
  }
  const parts: Uint8Array[] = [Buffer.from('[')];
  page.forEach((change, position) => parts.push(...(position ? [COMMA, change] : [change])));
  parts.push(Buffer.from(']'));
  return {
    changes: parts,
    total: changes.length,
    offset,
    nextOffset: index < changes.length ? index : null,
  };
}
