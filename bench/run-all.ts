/**
 * `npm run bench`: builds, then runs every benchmark one after another, each as its own child process
 * (node dist/bench/bench/<name>.js; --expose-gc for publish, which measures retained heap), with its output
 * streamed as it comes; then writes the summary page (bench/report.ts).
 *
 *   BENCH_ONLY=public-page,article-read npm run bench     # a subset, in this order
 *
 * A benchmark that fails is reported and the others still run; the exit code is non-zero if any failed. Each
 * benchmark reads its own BENCH_* variables from the environment, which is passed through unchanged.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './lib/machine.js';

const BENCHMARKS: { name: string; nodeArgs: string[] }[] = [
  { name: 'drafting', nodeArgs: [] },
  { name: 'publish', nodeArgs: ['--expose-gc'] },
  { name: 'schedule', nodeArgs: [] },
  { name: 'public-page', nodeArgs: [] },
  { name: 'article-read', nodeArgs: [] },
  { name: 'diff-stall', nodeArgs: [] },
  { name: 'cluster', nodeArgs: [] },
];

/** Runs one compiled script with the terminal as its output; resolves with its exit code (or signal). */
function run(
  script: string,
  nodeArgs: string[],
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, join(REPO_ROOT, 'dist', 'bench', 'bench', script)], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

const minutes = (ms: number) => {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
};

function selected(): typeof BENCHMARKS {
  const only = (process.env.BENCH_ONLY ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (!only.length) return BENCHMARKS;
  const unknown = only.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length) {
    throw new Error(
      `BENCH_ONLY names unknown benchmarks: ${unknown.join(', ')} (known: ${BENCHMARKS.map((b) => b.name).join(', ')})`,
    );
  }
  return only.map((name) => BENCHMARKS.find((b) => b.name === name)!);
}

async function main(): Promise<number> {
  const list = selected();
  // Which runtime (#15 §6): every benchmark, and every service it starts, runs on this same binary.
  const runtime = `Node.js ${process.version} (${process.execPath})`;
  console.log(`bench: running on ${runtime}`);
  const outcomes: { name: string; ok: boolean; ms: number; how: string }[] = [];
  const started = Date.now();
  for (const [index, benchmark] of list.entries()) {
    const banner = `=== [${index + 1}/${list.length}] ${benchmark.name} (${new Date().toISOString()}) ===`;
    console.log(`\n${'='.repeat(banner.length)}\n${banner}\n${'='.repeat(banner.length)}`);
    const t0 = Date.now();
    let how: string;
    let ok = false;
    try {
      const { code, signal } = await run(`${benchmark.name}.js`, benchmark.nodeArgs);
      ok = code === 0;
      how = signal ? `killed by ${signal}` : `exit code ${code}`;
    } catch (error) {
      how = `could not start: ${error instanceof Error ? error.message : String(error)}`;
    }
    const ms = Date.now() - t0;
    outcomes.push({ name: benchmark.name, ok, ms, how });
    console.log(
      `=== [${index + 1}/${list.length}] ${benchmark.name}: ${ok ? 'done' : `FAILED (${how})`} in ${minutes(ms)} ===`,
    );
  }

  console.log('\n=== report ===');
  const report = await run('report.js', []).catch(() => ({ code: 1, signal: null }));

  console.log(`\nbenchmarks run on ${runtime} (${minutes(Date.now() - started)} in all):`);
  for (const outcome of outcomes) {
    console.log(
      `  ${outcome.ok ? 'ok    ' : 'FAILED'}  ${outcome.name.padEnd(14)} ${minutes(outcome.ms).padStart(12)}  ${outcome.ok ? '' : outcome.how}`,
    );
  }
  if (report.code !== 0) console.log('  FAILED  report');
  const failed = outcomes.filter((o) => !o.ok).length + (report.code === 0 ? 0 : 1);
  if (failed)
    console.log(
      `\n${failed} failed; the results of a failed benchmark are those of its last successful run, if any`,
    );
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
