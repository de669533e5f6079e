import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ExportOptions, ExportProgress, ExportSummary } from './directory-export.types.js';

/**
 * Node flags of the export's own process. The export streams pages in batches (the heap it keeps after a full
 * collection is flat in the number of pages); left alone, V8 lets the heap grow with garbage long before it
 * collects, which is what made the export's resident size grow with N. A capped old space and small semi-spaces
 * keep it collected early. `EXPORT_NODE_ARGS` (space-separated) is appended, to try other settings.
 */
export const EXPORT_PROCESS_NODE_ARGS = ['--max-old-space-size=128', '--max-semi-space-size=8'];

/** What the parent asks of the export process (the options, less the callback). */
export type ExportRequest = Omit<ExportOptions, 'onProgress'>;

export type ExportProcessMessage =
  | { type: 'progress'; progress: ExportProgress }
  | { type: 'summary'; summary: ExportSummary; peakRssBytes: number; extra?: Record<string, number> }
  | { type: 'error'; message: string };

export interface ExportProcessResult {
  summary: ExportSummary;
  /** The export process's peak resident size (its high-water mark, from start-up to the end of the export). */
  peakRssBytes: number;
  /** Figures the entry adds (the benchmark's statement count and heap samples). */
  extra: Record<string, number>;
}

/** Pages between two progress messages to the parent (a phase change or the end is always sent). */
const PROGRESS_EVERY = 100;

/**
 * Exports in this process: boots the export's own application context (ExportProcessModule: what the export
 * reaches, not the whole AppModule; no queue workers, no HTTP), runs the export and closes. Used by the export
 * process's entry; the parent has run the migrations.
 */
export async function exportHere(
  request: ExportRequest,
  onProgress?: (progress: ExportProgress) => void,
): Promise<ExportSummary> {
  // This process exports and exits: it runs no queue workers, whatever APP_ROLE says.
  process.env.APP_ROLE = 'api';
  const { NestFactory } = await import('@nestjs/core');
  const { ExportProcessModule } = await import('../bootstrap/export-process.module.js');
  const { DirectoryExportService } = await import('./directory-export.service.js');
  const app = await NestFactory.createApplicationContext(ExportProcessModule, { logger: ['error', 'warn'] });
  try {
    return await app.get(DirectoryExportService).run({ ...request, onProgress });
  } finally {
    await app.close();
  }
}

/**
 * The export process's side: takes one request from the parent, exports, sends progress (every PROGRESS_EVERY
 * pages and at each phase), then the summary with its peak resident size, and exits. `hooks` lets a benchmark
 * add figures of its own.
 */
export function serveExportRequest(hooks?: {
  onProgress?: (progress: ExportProgress) => void;
  extra?: () => Record<string, number>;
}): void {
  const send = (message: ExportProcessMessage): Promise<void> =>
    new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
  process.once('message', (request: ExportRequest) => {
    let lastPhase = '';
    let lastDone = -PROGRESS_EVERY;
    exportHere(request, (progress) => {
      hooks?.onProgress?.(progress);
      if (progress.phase === lastPhase && progress.done - lastDone < PROGRESS_EVERY) return;
      lastPhase = progress.phase;
      lastDone = progress.done;
      void send({ type: 'progress', progress });
    })
      .then((summary) =>
        send({
          type: 'summary',
          summary,
          // maxRSS is in kilobytes: the process's high-water mark, not a sample.
          peakRssBytes: process.resourceUsage().maxRSS * 1024,
          extra: hooks?.extra?.(),
        }),
      )
      .catch((error: unknown) =>
        send({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => process.disconnect());
  });
}

/**
 * Runs an export in a process of its own (the compiled entry `export-process.child.js` beside this file, or
 * `entry`), with EXPORT_PROCESS_NODE_ARGS, relaying its progress; resolves with its summary and peak RSS.
 */
export function exportInChildProcess(
  request: ExportRequest,
  options: {
    onProgress?: (progress: ExportProgress) => void;
    entry?: string;
    execArgv?: string[];
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<ExportProcessResult> {
  const entry = options.entry ?? fileURLToPath(new URL('./export-process.child.js', import.meta.url));
  const execArgv = options.execArgv ?? [
    ...EXPORT_PROCESS_NODE_ARGS,
    ...(process.env.EXPORT_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
  ];
  return new Promise((resolve, reject) => {
    const child = fork(entry, [], { execArgv, env: options.env ?? process.env, stdio: 'inherit' });
    let result: ExportProcessResult | undefined;
    let failure: Error | undefined;
    child.on('message', (message: ExportProcessMessage) => {
      if (message.type === 'progress') options.onProgress?.(message.progress);
      else if (message.type === 'summary')
        result = { summary: message.summary, peakRssBytes: message.peakRssBytes, extra: message.extra ?? {} };
      else failure = new Error(message.message);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result && code === 0) resolve(result);
      else reject(failure ?? new Error(`the export process ended with ${signal ?? code} before its summary`));
    });
    child.send(request);
  });
}
