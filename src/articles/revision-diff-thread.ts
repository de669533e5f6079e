import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ArticleContent } from './article-content.js';
import { diffContentAsync, type FieldChange } from './revision-diff.js';
import { type ChangeJson, toChangeJson } from './revision-diff-json.js';

/** The compiled worker beside this file; absent when running from TypeScript sources (Jest), see below. */
const WORKER_FILE = new URL('./revision-diff.worker.js', import.meta.url);

/** A revision's content: parsed, or the JSON text PostgreSQL holds (parsed on the thread). */
export type ContentInput = ArticleContent | string;

const parsed = (content: ContentInput): ArticleContent =>
  typeof content === 'string' ? (JSON.parse(content) as ArticleContent) : content;

interface Waiting {
  resolve: (result: { changes?: FieldChange[]; json?: ChangeJson[] }) => void;
  reject: (e: Error) => void;
}

/**
 * Runs diffs on one worker thread, in order. Each diff is bounded by its budget, but ten of them at once on the
 * event loop would still be ten budgets' worth of CPU between two answers to `/health`; on the thread the loop
 * only loads (contents as text: the thread parses them), joins pages and sends. Where the compiled worker file is
 * missing (tests run the TypeScript sources), diffs run on the event loop with diffContentAsync, which yields
 * every few milliseconds.
 */
export class RevisionDiffThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Waiting>();
  private nextId = 0;

  constructor(
    private readonly file: URL | null = existsSync(fileURLToPath(WORKER_FILE)) ? WORKER_FILE : null,
  ) {}

  /** Whether diffs run on the thread (false: on the event loop, yielding). */
  get threaded(): boolean {
    return this.file !== null;
  }

  /** Diffs sent and not answered yet. */
  get queued(): number {
    return this.pending.size;
  }

  /** The changes as objects (for pages that group and render them). */
  async diff(before: ContentInput, after: ContentInput): Promise<FieldChange[]> {
    if (!this.file) return diffContentAsync(parsed(before), parsed(after));
    return (await this.post(before, after, false)).changes!;
  }

  /** The changes as JSON text, one string per change, serialised on the thread (for the API's pages). */
  async diffJson(before: ContentInput, after: ContentInput): Promise<ChangeJson[]> {
    if (!this.file) return toChangeJson(await diffContentAsync(parsed(before), parsed(after)));
    return (await this.post(before, after, true)).json!;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private post(
    before: ContentInput,
    after: ContentInput,
    json: boolean,
  ): Promise<{ changes?: FieldChange[]; json?: ChangeJson[] }> {
    const worker = (this.worker ??= this.start(this.file!));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, before, after, json });
    });
  }

  private start(file: URL): Worker {
    const worker = new Worker(file);
    // The thread never keeps the process alive: a shutdown does not wait for it.
    worker.unref();
    worker.on(
      'message',
      (message: { id: number; changes?: FieldChange[]; json?: ChangeJson[]; error?: string }) => {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error !== undefined) waiting?.reject(new Error(`diff failed: ${message.error}`));
        else waiting?.resolve(message);
      },
    );
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the diff thread exited (code ${code})`)));
    return worker;
  }
}
