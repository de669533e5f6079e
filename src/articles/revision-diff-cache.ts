import type { ArticleContent } from './article-content.js';
import type { FieldChange } from './revision-diff.js';
import { RevisionDiffThread } from './revision-diff-thread.js';

/** Characters of text (before, after, words) the cache may hold in all; the oldest entries go first. */
const CACHE_CHARS = 12_000_000;

function sizeOf(changes: FieldChange[]): number {
  let size = 0;
  for (const change of changes) {
    size += (change.before?.length ?? 0) + (change.after?.length ?? 0) + change.path.length + 32;
    for (const word of change.words ?? []) size += word.text.length + 16;
  }
  return size;
}

/**
 * Diffs by the pair of content hashes: a revision's content never changes once written (the revisions table is
 * append-only), so the pair names the answer. Bounded by characters held, least recently used first out; the
 * same pair asked for by many requests at once is computed once.
 */
export class RevisionDiffCache {
  private readonly done = new Map<string, { changes: FieldChange[]; size: number }>();
  private readonly running = new Map<string, Promise<FieldChange[]>>();
  private held = 0;

  constructor(
    private readonly thread = new RevisionDiffThread(),
    private readonly capacityChars = CACHE_CHARS,
  ) {}

  /** The changes from the content hashed `fromHash` to that hashed `toHash`; `load` reads them on a miss. */
  async changes(
    fromHash: string,
    toHash: string,
    load: () => Promise<{ before: ArticleContent; after: ArticleContent }>,
  ): Promise<FieldChange[]> {
    const key = `${fromHash}:${toHash}`;
    const hit = this.done.get(key);
    if (hit) {
      this.done.delete(key);
      this.done.set(key, hit);
      return hit.changes;
    }
    const running = this.running.get(key);
    if (running) return running;
    const computing = load()
      .then(({ before, after }) => this.thread.diff(before, after))
      .then((changes) => {
        this.remember(key, changes);
        return changes;
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, computing);
    return computing;
  }

  /** Stops the diff thread, if one was started. */
  close(): Promise<void> {
    return this.thread.close();
  }

  /** Entries and characters held (for tests). */
  stats(): { entries: number; chars: number } {
    return { entries: this.done.size, chars: this.held };
  }

  private remember(key: string, changes: FieldChange[]): void {
    const size = sizeOf(changes);
    if (size > this.capacityChars) return;
    this.done.set(key, { changes, size });
    this.held += size;
    for (const [oldest, entry] of this.done) {
      if (this.held <= this.capacityChars) break;
      this.done.delete(oldest);
      this.held -= entry.size;
    }
  }
}

/** One page of a diff's changes. */
export interface DiffPage {
  changes: FieldChange[];
  total: number;
  offset: number;
  nextOffset: number | null;
}

/** Characters of text one page of a diff may carry (a change larger than this alone loses its `words`). */
export const DIFF_PAGE_CHARS = 500_000;
export const DIFF_PAGE_LIMIT_DEFAULT = 100;
export const DIFF_PAGE_LIMIT_MAX = 500;

/**
 * Up to `limit` changes from `offset`, stopping early once the page holds DIFF_PAGE_CHARS characters of text; a
 * page always holds at least one change (if any is left), without its `words` if it alone is over the cap.
 */
export function pageOf(changes: FieldChange[], offset: number, limit: number): DiffPage {
  const page: FieldChange[] = [];
  let chars = 0;
  let index = offset;
  for (; index < changes.length && page.length < limit; index++) {
    const change = changes[index];
    const size = sizeOf([change]);
    if (page.length && chars + size > DIFF_PAGE_CHARS) break;
    if (size > DIFF_PAGE_CHARS && change.words) {
      const { words: _words, granularity: _granularity, ...whole } = change;
      page.push(whole);
    } else page.push(change);
    chars += size;
  }
  return {
    changes: page,
    total: changes.length,
    offset,
    nextOffset: index < changes.length ? index : null,
  };
}
