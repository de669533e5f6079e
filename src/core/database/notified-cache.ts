import { LRUCache } from 'lru-cache';
import type { ChangeChannel, ChangeSubscriber, RowChangeListener } from './row-change-listener.js';

export interface NotifiedCacheOptions<V> {
  /** The bound: entries go least recently used first once their sizes add up to more. */
  maxSize: number;
  /** The size an entry counts for (bytes, for cached responses; 1, to bound by count). */
  sizeOf: (value: V) => number;
  /** A backstop: even with every notification heard, nothing is served older than this. */
  maxAgeMs: number;
}

/** How long a key invalidated inside a transaction stays uncacheable if its notification never comes. */
const PENDING_MS = 10_000;

/**
 * Rows cached in memory by id, dropped when PostgreSQL notifies (RowChangeListener) that the row changed, in
 * any process. Nothing is served or stored while the listener is down. A value read before a drop is not stored
 * after it (`ticket`/`set`), so a read racing a change never puts the old row back.
 *
 * `invalidate` is for a change this process is making inside a transaction: the key is dropped at once and
 * stays uncacheable until the commit's notification arrives, so this process never answers from memory with
 * the row as it was once the change has committed (the next read goes to the database).
 */
export class NotifiedCache<V extends object> implements ChangeSubscriber {
  private readonly entries: LRUCache<string, V>;
  private readonly pending = new Map<string, number>();
  private generation = 0;

  constructor(
    private readonly listener: RowChangeListener,
    private readonly channel: ChangeChannel,
    options: NotifiedCacheOptions<V>,
  ) {
    this.entries = new LRUCache<string, V>({
      maxSize: options.maxSize,
      sizeCalculation: (value) => Math.max(1, options.sizeOf(value)),
      ttl: options.maxAgeMs,
    });
    listener.subscribe(channel, this);
  }

  /** Starts the process's listener (idempotent); nothing is cached before it listens. */
  start(): Promise<void> {
    return this.listener.start();
  }

  get(id: string): V | undefined {
    if (!this.listener.listening) return undefined;
    return this.entries.get(id);
  }

  /** A token to hand back to `set`: a value read from PostgreSQL after taking it may be stored. */
  ticket(): number {
    return this.generation;
  }

  set(id: string, value: V, ticket: number): void {
    if (!this.listener.listening || ticket !== this.generation) return;
    const pendingSince = this.pending.get(id);
    if (pendingSince !== undefined) {
      if (Date.now() - pendingSince < PENDING_MS) return;
      this.pending.delete(id);
    }
    this.entries.set(id, value);
  }

  /**
   * This process is changing the row (inside its transaction): drop it, and store nothing until it commits. The
   * other caches of the process that hear the same channel drop it too (RowChangeListener.changing).
   */
  invalidate(id: string): void {
    this.changing(id);
    this.listener.changing(this.channel, id, this);
  }

  /** Another cache of this process heard that the row is being changed (see `invalidate`). */
  changing(id: string): void {
    this.generation += 1;
    this.pending.set(id, Date.now());
    this.entries.delete(id);
  }

  changed(id: string): void {
    this.generation += 1;
    this.pending.delete(id);
    this.entries.delete(id);
  }

  reset(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /** Entries and their total size, for tests and diagnostics. */
  get stats(): { entries: number; size: number } {
    return { entries: this.entries.size, size: this.entries.calculatedSize };
  }
}
