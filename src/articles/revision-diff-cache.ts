import type { FieldChange } from './revision-diff.js';
import { type ChangeJson, sizeOfChange } from './revision-diff-json.js';
import { type DiffSource, RevisionDiffThread } from './revision-diff-thread.js';

export { DIFF_PAGE_CHARS, pageJsonOf } from './revision-diff-json.js';

/** Characters of text (before, after, words) the cache may hold in all; the oldest entries go first. */
const CACHE_CHARS = 12_000_000;

export type { DiffSource } from './revision-diff-thread.js';

/**
 * Diffs by the pair of content hashes: a revision's content never changes once written (the revisions table is
 * append-only), so the pair names the answer. Bounded by characters held, least recently used first out; the
 * same pair asked for by many requests at once is computed once. A pair is held as objects (`changes`, for pages
 * that render them) or as JSON text (`changesJson`, for the API's pages), each computed on the diff thread.
 */
export class RevisionDiffCache {
  private readonly done = new Map<string, { value: unknown; size: number }>();
  private readonly running = new Map<string, Promise<unknown>>();
  private held = 0;

  constructor(
    private readonly thread = new RevisionDiffThread(),
    private readonly capacityChars = CACHE_CHARS,
  ) {}

  /** The changes from the content hashed `fromHash` to that hashed `toHash`; `load` reads them on a miss. */
  changes(fromHash: string, toHash: string, load: () => Promise<DiffSource>): Promise<FieldChange[]> {
    return this.cached(
      `objects:${fromHash}:${toHash}`,
      async () => this.thread.diff(await load()),
      (changes) => changes.reduce((size, change) => size + sizeOfChange(change), 0),
    );
  }

  /** The same changes as JSON text, one string per change (see ChangeJson); `load` reads them on a miss. */
  changesJson(fromHash: string, toHash: string, load: () => Promise<DiffSource>): Promise<ChangeJson[]> {
    return this.cached(
      `json:${fromHash}:${toHash}`,
      async () => this.thread.diffJson(await load()),
      (changes) =>
        changes.reduce((size, change) => size + change.json.byteLength + (change.whole?.byteLength ?? 0), 0),
    );
  }

  /** Whether `load` may name the revisions (article, numbers) for the diff thread to read itself. */
  get readsDatabase(): boolean {
    return this.thread.readsDatabase;
  }

  /** Stops the diff thread, if one was started. */
  close(): Promise<void> {
    return this.thread.close();
  }

  /** Entries and characters held (for tests). */
  stats(): { entries: number; chars: number } {
    return { entries: this.done.size, chars: this.held };
  }

  private async cached<T>(key: string, compute: () => Promise<T>, sizeOf: (value: T) => number): Promise<T> {
    const hit = this.done.get(key);
    if (hit) {
      this.done.delete(key);
      this.done.set(key, hit);
      return hit.value as T;
    }
    const running = this.running.get(key);
    if (running) return running as Promise<T>;
    const computing = compute()
      .then((value) => {
        this.remember(key, value, sizeOf(value));
        return value;
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, computing);
    return computing;
  }

  private remember(key: string, value: unknown, size: number): void {
    if (size > this.capacityChars) return;
    this.done.set(key, { value, size });
    this.held += size;
    for (const [oldest, entry] of this.done) {
      if (this.held <= this.capacityChars) break;
      this.done.delete(oldest);
      this.held -= entry.size;
    }
  }
}

export const DIFF_PAGE_LIMIT_DEFAULT = 100;
export const DIFF_PAGE_LIMIT_MAX = 500;
