import { LRUCache } from 'lru-cache';
import type { ChangeLine } from '../articles/changes-by-heading.js';

/** Pairs of revisions whose change list is kept (each list is at most 50 short lines). */
const MAX_PAIRS = 5_000;

/**
 * The reminder e-mails' change lists, by the pair of content hashes they compare (signed, current). A revision's
 * content never changes once written and its hash is of that content, so an entry can never go stale: nothing is
 * invalidated, and the LRU bound is the only reason an entry leaves. A different pair of hashes is a different key.
 */
export class ChangeLinesCache {
  private readonly lists = new LRUCache<string, readonly ChangeLine[]>({ max: MAX_PAIRS });

  /** Lists computed (cache misses) so far. */
  misses = 0;

  /** The lines between the revisions hashed `before` and `after`; `diff` computes them on a miss. */
  get(before: string, after: string, diff: () => ChangeLine[]): ChangeLine[] {
    const key = `${before}:${after}`;
    let lines = this.lists.get(key);
    if (!lines) {
      this.misses += 1;
      lines = diff();
      this.lists.set(key, lines);
    }
    // A copy: the caller puts it in an e-mail's context, which must not share arrays with the cache.
    return lines.map((line) => ({ ...line }));
  }

  get size(): number {
    return this.lists.size;
  }
}
