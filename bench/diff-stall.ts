/**
 * `npm run bench:diff-stall`: can large diffs stall the API process? (#15 §7)
 *
 * 1. Starts the compiled service as APP_ROLE=api on a fresh database mrs_bench_diff_stall.
 * 2. A writer (created through POST /users) saves BENCH_DIFFS (10) articles of BENCH_SECTIONS (40) sections of
 *    BENCH_SECTION_CHARS (20,000) characters (800 KB each, inside the 1 MiB body limit), then a second revision
 *    of each with one word in ten changed throughout: the worst case for a word diff. Each article has its own
 *    text, so no diff is answered from another's cache entry.
 * 3. While one client asks GET /health back to back, BENCH_DIFFS clients each ask
 *    GET /articles/:id/diff?from=1&to=2 of their own article and follow nextOffset through every page, at once.
 *    Figures: /health p99 during the diffs (target < 100 ms) and the slowest diff, all pages (target <= 2 s).
 *    The run is repeated BENCH_ROUNDS (1) times on fresh revision pairs; the cache is never warm. A probe with no
 *    answer in BENCH_PROBE_TIMEOUT_MS (10,000) is a failure (Infinity in the percentiles), not a capped time.
 * Writes bench/results/diff-stall.json; the database and Redis keys are deleted afterwards.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArticleContent } from '../src/articles/article-content.js';
import { largeRevisionPair } from '../src/articles/large-document.js';
import { intEnv, judge, judgedRow, printTable, type Row } from './lib/load.js';
import { loadAverage, machineInfo, REPO_ROOT, RESULTS_DIR } from './lib/machine.js';
import {
  api,
  cpuSeconds,
  createUser,
  login,
  type RunningService,
  startService,
  stopService,
} from './lib/service.js';

const DIFFS = intEnv('BENCH_DIFFS', 10);
const SECTIONS = intEnv('BENCH_SECTIONS', 40);
const SECTION_CHARS = intEnv('BENCH_SECTION_CHARS', 20_000);
const ROUNDS = intEnv('BENCH_ROUNDS', 1);
const TARGETS = { healthP99Ms: 100, diffMs: 2000 };

/** The nearest-rank percentile of `values` (p in 0..100). */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * A /health probe that has no answer after this long is stopped and counted as a failure: it enters the
 * percentiles as Infinity (the verdict is MISSED), never as the time it was cut off at.
 */
const PROBE_TIMEOUT_MS = intEnv('BENCH_PROBE_TIMEOUT_MS', 10_000);

async function timedGet(
  url: string,
  headers: Record<string, string> = {},
  accepted = [200],
  timeoutMs?: number,
): Promise<{ ms: number; body: string }> {
  const started = performance.now();
  const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  const response = await fetch(url, { headers, signal });
  const body = await response.text();
  if (!accepted.includes(response.status))
    throw new Error(`GET ${url} answered ${response.status}: ${body.slice(0, 300)}`);
  return { ms: performance.now() - started, body };
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  console.log(
    `bench:diff-stall: ${DIFFS} diffs at once of ${SECTIONS} sections x ${SECTION_CHARS} characters, ` +
      `${ROUNDS} round(s); node ${process.version}; load average ${loadBefore.join(' ')}`,
  );
  const base = JSON.parse(
    readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'seed-article.json'), 'utf8'),
  ) as ArticleContent;
  let service: RunningService | undefined;
  try {
    service = await startService({ name: 'diff-stall', role: 'api' });
    const adminToken = await login(service.baseUrl, service.admin.email, service.admin.password);
    const writer = await createUser(service, adminToken, 'bench-writer@bench.local', 'Wendy Writer', [
      'writer',
    ]);
    const headers = { authorization: `Bearer ${writer.token}` };

    const health: number[] = [];
    const diffMs: number[] = [];
    const firstPageMs: number[] = [];
    let pages = 0;
    let apiCpuSeconds = 0;
    let diffPhaseSeconds = 0;
    let responseBytes = 0;
    let probeTimeouts = 0;
    for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
      const ids: string[] = [];
      for (let index = 0; index < DIFFS; index++) {
        const pair = largeRevisionPair(
          { ...base, slug: `large-${roundIndex}-${index}` },
          { sections: SECTIONS, chars: SECTION_CHARS, seed: 1000 * roundIndex + index + 1 },
        );
        const created = await api<{ id: string }>(service.baseUrl, 'POST', '/articles', {
          token: writer.token,
          body: pair.before,
          expected: 201,
        });
        const response = await fetch(`${service.baseUrl}/articles/${created.id}`, {
          method: 'PATCH',
          headers: { ...headers, 'content-type': 'application/json', 'if-match': '"1"' },
          body: JSON.stringify({ sections: pair.after.sections }),
        });
        if (response.status !== 200)
          throw new Error(`PATCH answered ${response.status}: ${await response.text()}`);
        ids.push(created.id);
      }
      console.log(`  round ${roundIndex + 1}: ${DIFFS} articles of 2 revisions saved; diffing them at once`);

      const cpuBefore = cpuSeconds(service.pid) ?? 0;
      const phaseStarted = performance.now();
      let running = true;
      // APP_ROLE=api runs no scheduler, so /health answers 503 "start a worker" after checking PostgreSQL and
      // Redis: the same work as a 200, which is what is timed here.
      const baseUrl = service.baseUrl;
      const prober = (async () => {
        while (running) {
          try {
            health.push((await timedGet(`${baseUrl}/health`, {}, [200, 503], PROBE_TIMEOUT_MS)).ms);
          } catch (error) {
            if (!(error instanceof DOMException && error.name === 'TimeoutError')) throw error;
            probeTimeouts++;
            health.push(Number.POSITIVE_INFINITY);
          }
        }
      })();
      prober.catch(() => undefined);
      await Promise.all(
        ids.map(async (id) => {
          const started = performance.now();
          let offset: number | null = 0;
          while (offset !== null) {
            const page = await timedGet(
              `${service!.baseUrl}/articles/${id}/diff?from=1&to=2&offset=${offset}`,
              headers,
            );
            if (offset === 0) firstPageMs.push(page.ms);
            pages++;
            responseBytes = Math.max(responseBytes, Buffer.byteLength(page.body));
            offset = (JSON.parse(page.body) as { nextOffset: number | null }).nextOffset;
          }
          diffMs.push(performance.now() - started);
        }),
      ).finally(() => (running = false));
      await prober;
      apiCpuSeconds += (cpuSeconds(service.pid) ?? 0) - cpuBefore;
      diffPhaseSeconds += (performance.now() - phaseStarted) / 1000;
    }

    const healthP99 = round1(percentile(health, 99));
    const slowest = Math.round(Math.max(...diffMs));
    // Each verdict judges the statistic printed beside it (#15 §3): the p99 of the probes, the slowest diff.
    const healthJudged = judge(healthP99, '<', TARGETS.healthP99Ms, 1);
    const diffJudged = judge(slowest, '<=', TARGETS.diffMs);
    const rows: Row[] = [
      // With fewer than 100 probes the p99 is the slowest probe.
      judgedRow(`/health p99 during ${DIFFS} diffs at once (ms, ${health.length} probes)`, healthJudged),
      [`/health probes with no answer in ${PROBE_TIMEOUT_MS} ms (failures)`, String(probeTimeouts), '0', '-'],
      ['/health p50 (ms)', String(round1(percentile(health, 50))), '-', '-'],
      ['/health max (ms)', String(round1(Math.max(...health))), '-', '-'],
      judgedRow(`slowest diff, all pages (ms, of ${diffMs.length})`, diffJudged),
      ['median diff, all pages (ms)', String(Math.round(percentile(diffMs, 50))), '-', '-'],
      ['slowest first page (ms)', String(Math.round(Math.max(...firstPageMs))), '-', '-'],
      [
        'API process CPU during the diffs (s, all threads) / wall (s)',
        `${apiCpuSeconds.toFixed(2)} / ${diffPhaseSeconds.toFixed(2)}`,
        '-',
        'below 1 core: the machine is shared',
      ],
      ['pages fetched / largest page (KB)', `${pages} / ${Math.round(responseBytes / 1024)}`, '-', '-'],
    ];
    printTable(rows);
    const machine = machineInfo(loadBefore);
    console.log(
      `\nmachine: ${machine.cores} x ${machine.cpu}, node ${machine.node}; load average ` +
        `${machine.loadAverage.before.join(' ')} before, ${machine.loadAverage.after.join(' ')} after`,
    );
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(
      join(RESULTS_DIR, 'diff-stall.json'),
      `${JSON.stringify(
        {
          benchmark: 'diff-stall',
          ranAt: new Date().toISOString(),
          command: 'npm run bench:diff-stall',
          machine,
          parameters: { diffs: DIFFS, sections: SECTIONS, sectionChars: SECTION_CHARS, rounds: ROUNDS },
          result: {
            healthMs: {
              p50: percentile(health, 50),
              p99: healthP99,
              max: Math.max(...health),
              probes: health.length,
              timedOut: probeTimeouts,
              probeTimeoutMs: PROBE_TIMEOUT_MS,
            },
            diffMs: { slowest, median: percentile(diffMs, 50), all: diffMs.map(Math.round) },
            firstPageMs: firstPageMs.map(Math.round),
            pages,
            apiCpuSeconds,
            diffPhaseSeconds,
            largestPageBytes: responseBytes,
          },
          targets: {
            healthP99Ms: {
              target: TARGETS.healthP99Ms,
              statistic: 'p99',
              met: healthJudged.met,
            },
            diffMs: { target: TARGETS.diffMs, statistic: 'max', met: diffJudged.met },
          },
        },
        null,
        2,
      )}\n`,
    );
    console.log(`written to ${join(RESULTS_DIR, 'diff-stall.json')}`);
  } finally {
    await stopService(service);
  }
}

main().catch((error: unknown) => {
  console.error(
    `bench:diff-stall failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
