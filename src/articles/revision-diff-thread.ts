import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ArticleContent } from './article-content.js';
import { diffContentAsync, type FieldChange } from './revision-diff.js';
import { type ChangeJson, toChangeJson } from './revision-diff-json.js';

/** The compiled worker beside this file; absent when running from TypeScript sources (Jest), see below. */
const WORKER_FILE = new URL('./revision-diff.worker.js', import.meta.url);

/** A revision's content: parsed, or the JSON text PostgreSQL holds (parsed on the thread). */
export type ContentInput = ArticleContent | string;

/** Two revisions' contents, or the article and revision numbers for the thread to read them itself. */
export type DiffSource =
  { before: ContentInput; after: ContentInput } | { articleId: string; from: number; to: number };

const parsed = (content: ContentInput): ArticleContent =>
  typeof content === 'string' ? (JSON.parse(content) as ArticleContent) : content;

interface Waiting {
  resolve: (result: { changes?: FieldChange[]; json?: ChangeJson[] }) => void;
  reject: (e: Error) => void;
  /** The thread it was sent to. */
  thread: number;
}

/**
 * Threads per process: as many as there are cores, at most 2. Each thread lowers its own scheduling priority
 * (nice 10, see revision-diff.worker.ts), so on a busy machine the event loop still comes first: the threads use
 * what CPU the loop leaves.
 */
const THREADS = Math.max(1, Math.min(2, availableParallelism()));

/**
 * Runs diffs on worker threads (THREADS, each taking the next diff when it is the least busy), each in order. Each diff is bounded by its budget, but ten of them at once on the
 * event loop would still be ten budgets' worth of CPU between two answers to `/health`; on the thread the loop
 * only loads (contents as text: the thread parses them), joins pages and sends. Where the compiled worker file is
 * missing (tests run the TypeScript sources), diffs run on the event loop with diffContentAsync, which yields
 * every few milliseconds.
 */
export class RevisionDiffThread {
  private readonly workers: (Worker | undefined)[];
  /** Diffs sent to each thread and not answered yet. */
  private readonly load: number[];
  private readonly pending = new Map<number, Waiting>();
  private nextId = 0;

  /** `databaseUrl`: the threads may read revisions themselves, each on a connection of its own (see readsDatabase). */
  constructor(
    private readonly file: URL | null = existsSync(fileURLToPath(WORKER_FILE)) ? WORKER_FILE : null,
    private readonly databaseUrl?: string,
    threads = THREADS,
  ) {
    this.workers = new Array<Worker | undefined>(threads).fill(undefined);
    this.load = new Array<number>(threads).fill(0);
  }

  /** Whether diffs run on the thread (false: on the event loop, yielding). */
  get threaded(): boolean {
    return this.file !== null;
  }

  /** Whether the thread reads the revisions itself: a DiffSource may name them instead of holding them. */
  get readsDatabase(): boolean {
    return this.file !== null && !!this.databaseUrl;
  }

  /** Diffs sent and not answered yet. */
  get queued(): number {
    return this.pending.size;
  }

  /** The changes as objects (for pages that group and render them). */
  async diff(source: DiffSource): Promise<FieldChange[]> {
    if (!this.file) return diffContentAsync(...this.here(source));
    return (await this.post(source, false)).changes!;
  }

  /** The changes as UTF-8 JSON, one buffer per change, serialised on the thread (for the API's pages). */
  async diffJson(source: DiffSource): Promise<ChangeJson[]> {
    if (!this.file) return toChangeJson(await diffContentAsync(...this.here(source)));
    return (await this.post(source, true)).json!;
  }

  /** The contents to diff on the event loop (no thread, so no reading by it either). */
  private here(source: DiffSource): [ArticleContent, ArticleContent] {
    if (!('before' in source)) throw new Error('without the diff thread, the contents must be given');
    return [parsed(source.before), parsed(source.after)];
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0, this.workers.length, ...this.workers.map(() => undefined));
    await Promise.all(workers.flatMap((worker) => (worker ? [worker.terminate()] : [])));
  }

  private post(source: DiffSource, json: boolean): Promise<{ changes?: FieldChange[]; json?: ChangeJson[] }> {
    if (!('before' in source) && !this.readsDatabase)
      throw new Error('the diff thread has no database: give the contents');
    const thread = this.load.indexOf(Math.min(...this.load));
    const worker = (this.workers[thread] ??= this.start(this.file!, thread));
    const id = this.nextId++;
    this.load[thread] += 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, thread });
      worker.postMessage({ id, json, ...source });
    });
  }

  private start(file: URL, thread: number): Worker {
    const worker = new Worker(file, { workerData: { databaseUrl: this.databaseUrl } });
    // The thread never keeps the process alive: a shutdown does not wait for it.
    worker.unref();
    worker.on(
      'message',
      (message: { id: number; changes?: FieldChange[]; json?: ChangeJson[]; error?: string }) => {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (waiting) this.load[waiting.thread] -= 1;
        if (message.error !== undefined) waiting?.reject(new Error(`diff failed: ${message.error}`));
        else waiting?.resolve(message);
      },
    );
    const fail = (error: Error) => {
      if (this.workers[thread] === worker) this.workers[thread] = undefined;
      for (const [id, waiting] of this.pending) {
        if (waiting.thread !== thread) continue;
        this.pending.delete(id);
        waiting.reject(error);
      }
      this.load[thread] = 0;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the diff thread exited (code ${code})`)));
    return worker;
  }
}
