/**
 * bench:publish's export process: the service's own export process (src/publishing/export-process.ts, the one
 * `npm run export` forks, with the same node flags), plus what the benchmark counts inside it: the SQL statements
 * every pg client sends (start-up included) and, with BENCH_EXPORT_SAMPLE_HEAP=1 and --expose-gc, the heap kept
 * after a full collection at 10% and at 100% of the rendered pages (the time those collections take is reported
 * and taken off the export's time), and the process's CPU time.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { serveExportRequest } from '../src/publishing/export-process.js';

let statements = 0;
{
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  prototype.query = function (this: unknown, ...args: unknown[]): unknown {
    statements += 1;
    return original.apply(this, args);
  };
}

const gc = process.env.BENCH_EXPORT_SAMPLE_HEAP === '1' ? (globalThis as { gc?: () => void }).gc : undefined;
let retainedAt10 = 0;
let retainedAtEnd = 0;
let collectingMs = 0;
const heapAfterCollection = (): number => {
  const started = performance.now();
  gc!();
  const used = process.memoryUsage().heapUsed;
  collectingMs += performance.now() - started;
  return used;
};

serveExportRequest({
  onProgress: ({ phase, done, total }) => {
    if (!gc || phase !== 'render' || !total) return;
    if (done / total >= 0.1 && !retainedAt10) retainedAt10 = heapAfterCollection();
    if (done / total >= 1 && !retainedAtEnd) retainedAtEnd = heapAfterCollection();
  },
  extra: () => {
    // User and system CPU of the whole process (its threads and libuv's pool included), from start-up.
    const cpu = process.cpuUsage();
    return { statements, retainedAt10, retainedAtEnd, collectingMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  },
});
