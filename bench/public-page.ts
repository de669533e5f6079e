/**
 * `npm run bench:public-page`: how close does the service's public page come to a bare Fastify server sending the
 * same bytes?
 *
 * 1. Starts the compiled service (dist/bench/src/main.js) as a child process: NODE_ENV=production,
 *    LOG_LEVEL=warn, APP_ROLE=api, a fresh database mrs_bench_public_page, queue prefix mrs-bench-public-page.
 * 2. Seeds BENCH_ARTICLES (100) signed, seed-sized articles in SQL and publishes each one through
 *    POST /articles/:id/publish as a publisher (the real publish gate renders and stores the page).
 * 3. Fetches every page once and starts a bare Fastify 5 server (bench/lib/bare-server.ts, another child
 *    process) that serves those bytes from memory with the same content type, at the same paths, compressed
 *    the same way as the service (brotli and gzip kept in memory, chosen by Accept-Encoding).
 *    The load asks with Accept-Encoding BENCH_ACCEPT_ENCODING (`br, gzip`, as browsers do).
 * 4. autocannon, in this process, against GET /public/articles/:slug of each server in turn: every connection
 *    cycles through all the slugs in order; BENCH_CONNECTIONS (50) connections, BENCH_WARMUP_SECONDS (3) of
 *    warm-up then BENCH_SECONDS (10) measured, BENCH_ROUNDS (1) rounds (medians reported).
 * 5. Prints req/s, p50 and p99 of both and the ratio service / bare (target >= 0.8); writes
 *    bench/results/public-page.json. The database and the Redis keys are deleted afterwards
 *    (BENCH_KEEP_DATABASE=1 keeps the database).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertClean,
  intEnv,
  load,
  type LoadResult,
  printTable,
  progress,
  type Row,
  judge,
  verdict,
} from './lib/load.js';
import { loadAverage, machineInfo, REPO_ROOT, RESULTS_DIR } from './lib/machine.js';
import { insertSignedArticles, runSql } from './lib/seed.js';
import {
  api,
  type ChildService,
  API_NODE_OPTIONS,
  createUser,
  freePort,
  login,
  type RunningService,
  spawnUntilReady,
  startService,
  stopService,
} from './lib/service.js';

const ARTICLES = intEnv('BENCH_ARTICLES', 100);
const CONNECTIONS = intEnv('BENCH_CONNECTIONS', 50);
const SECONDS = intEnv('BENCH_SECONDS', 10);
const WARMUP_SECONDS = intEnv('BENCH_WARMUP_SECONDS', 3, 0);
const ROUNDS = intEnv('BENCH_ROUNDS', 1);
const TARGET_RATIO = 0.8; // issue #15: >= 0.8 of bare Fastify serving the same compressed bytes
/**
 * What the load generator asks for (#15 §2): a browser's `br, gzip` by default, so both servers send the same
 * compressed bytes; BENCH_ACCEPT_ENCODING=identity compares uncompressed pages.
 */
const ACCEPT_ENCODING = process.env.BENCH_ACCEPT_ENCODING ?? 'br, gzip';
const BARE_SERVER = join(REPO_ROOT, 'dist', 'bench', 'bench', 'lib', 'bare-server.js');

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const optionalMedian = (values: (number | undefined)[]): number | undefined =>
  values.every((value) => value !== undefined) ? Number(median(values).toFixed(3)) : undefined;

/** Each figure's median over the rounds (with one round: that round). */
function medianOf(results: LoadResult[]): LoadResult {
  const of = (pick: (r: LoadResult) => number) => Number(median(results.map(pick)).toFixed(2));
  return {
    requests: of((r) => r.requests),
    requestsPerSecond: Math.round(of((r) => r.requestsPerSecond)),
    latencyMs: {
      p50: of((r) => r.latencyMs.p50),
      p90: of((r) => r.latencyMs.p90),
      p99: of((r) => r.latencyMs.p99),
      max: of((r) => r.latencyMs.max),
      mean: of((r) => r.latencyMs.mean),
    },
    bytesPerSecond: Math.round(of((r) => r.bytesPerSecond)),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    timeouts: results.reduce((sum, r) => sum + r.timeouts, 0),
    seconds: of((r) => r.seconds),
    serverCpuMsPerRequest: optionalMedian(results.map((r) => r.serverCpuMsPerRequest)),
    serverCpuCores: optionalMedian(results.map((r) => r.serverCpuCores)),
  };
}

async function publishAll(service: RunningService): Promise<string[]> {
  const adminToken = await login(service.baseUrl, service.admin.email, service.admin.password);
  const writer = await createUser(service, adminToken, 'bench-writer@bench.local', 'Wendy Writer', [
    'writer',
  ]);
  const publisher = await createUser(service, adminToken, 'bench-publisher@bench.local', 'Pat Publisher', [
    'publisher',
  ]);
  const articles = await insertSignedArticles(service.databaseUrl, writer.id, ARTICLES, (done) =>
    progress(`  seeding signed articles: ${done}/${ARTICLES}`, done === ARTICLES),
  );
  for (const [index, article] of articles.entries()) {
    await api(service.baseUrl, 'POST', `/articles/${article.id}/publish`, {
      token: publisher.token,
      body: {},
    });
    if ((index + 1) % 25 === 0 || index + 1 === ARTICLES)
      progress(
        `  publishing through POST /articles/:id/publish: ${index + 1}/${ARTICLES}`,
        index + 1 === ARTICLES,
      );
  }
  await runSql(service.databaseUrl, 'VACUUM (ANALYZE) published_pages');
  return articles.map((article) => article.slug);
}

/** Each live page as the service sends it, and its content type (the same for every page). */
async function fetchPages(
  baseUrl: string,
  slugs: string[],
): Promise<{ contentType: string; pages: Record<string, string> }> {
  const pages: Record<string, string> = {};
  let contentType = '';
  for (const slug of slugs) {
    const response = await fetch(`${baseUrl}/public/articles/${slug}`);
    if (response.status !== 200) throw new Error(`GET /public/articles/${slug} answered ${response.status}`);
    contentType = response.headers.get('content-type') ?? '';
    pages[slug] = await response.text();
  }
  return { contentType, pages };
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  console.log(
    `bench:public-page: ${ARTICLES} published articles, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ` +
      `${SECONDS} s measured per server, ${ROUNDS} round(s); service as APP_ROLE=api; load average ${loadBefore.join(' ')}`,
  );
  let service: RunningService | undefined;
  let bare: ChildService | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'mrs-bench-public-page-'));
  try {
    console.log('starting the service (fresh database mrs_bench_public_page)...');
    service = await startService({ name: 'public-page', role: 'api' });
    const slugs = await publishAll(service);
    const { contentType, pages } = await fetchPages(service.baseUrl, slugs);
    const sizes = Object.values(pages).map((html) => Buffer.byteLength(html, 'utf8'));
    const pagesFile = join(scratch, 'pages.json');
    writeFileSync(pagesFile, JSON.stringify({ contentType, pages }));
    const barePort = await freePort();
    bare = await spawnUntilReady(
      'the bare Fastify server',
      BARE_SERVER,
      [pagesFile, String(barePort)],
      {},
      /listening on/,
      `http://127.0.0.1:${barePort}`,
    );
    // The same bytes from both, or the comparison means nothing.
    const check = await fetch(`${bare.baseUrl}/public/articles/${slugs[0]}`);
    if ((await check.text()) !== pages[slugs[0]] || check.headers.get('content-type') !== contentType)
      throw new Error('the bare server does not send the same page');

    const paths = slugs.map((slug) => `/public/articles/${slug}`);
    const servers = [
      { key: 'service' as const, label: 'service', baseUrl: service.baseUrl, pid: service.pid },
      { key: 'bare' as const, label: 'bare Fastify', baseUrl: bare.baseUrl, pid: bare.pid },
    ];
    const measured: Record<'service' | 'bare', LoadResult[]> = { service: [], bare: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate which goes first, so a change in the machine's load does not always favour the same one.
      const order = round % 2 ? servers : [...servers].reverse();
      for (const server of order) {
        const settings = {
          baseUrl: server.baseUrl,
          paths,
          headers: { 'accept-encoding': ACCEPT_ENCODING },
          connections: CONNECTIONS,
          pid: server.pid,
        };
        if (WARMUP_SECONDS) {
          await load({ ...settings, label: `${server.label} warm-up`, seconds: WARMUP_SECONDS });
        }
        const result = await load({
          ...settings,
          label: `${server.label}, round ${round}/${ROUNDS}`,
          seconds: SECONDS,
        });
        assertClean(server.label, result);
        measured[server.key].push(result);
      }
    }
    const serviceResult = medianOf(measured.service);
    const bareResult = medianOf(measured.bare);
    const ratio = serviceResult.requestsPerSecond / bareResult.requestsPerSecond;
    // Judged on the two figures printed: the service's median req/s against half the bare server's (#15 §3).
    const judged = judge(serviceResult.requestsPerSecond, '>=', bareResult.requestsPerSecond * TARGET_RATIO);
    const machine = machineInfo(loadBefore);

    const rows: Row[] = [
      [
        'service GET /public/articles/:slug (req/s)',
        judged.measured,
        `${judged.target} (${TARGET_RATIO * 100}% of bare)`,
        `${ratio.toFixed(2)} of bare, ${verdict(judged.met)}`,
      ],
      ['bare Fastify, same bytes (req/s)', String(bareResult.requestsPerSecond), '(ceiling)', '1.00'],
      [
        'service latency p50 / p99 (ms)',
        `${serviceResult.latencyMs.p50} / ${serviceResult.latencyMs.p99}`,
        '-',
        '-',
      ],
      ['bare latency p50 / p99 (ms)', `${bareResult.latencyMs.p50} / ${bareResult.latencyMs.p99}`, '-', '-'],
      [
        'server process CPU per request, service / bare (ms)',
        `${serviceResult.serverCpuMsPerRequest ?? '?'} / ${bareResult.serverCpuMsPerRequest ?? '?'}`,
        '-',
        `cores busy ${serviceResult.serverCpuCores ?? '?'} / ${bareResult.serverCpuCores ?? '?'}`,
      ],
      [
        'page size (bytes, min-max)',
        `${Math.min(...sizes)}-${Math.max(...sizes)}`,
        '-',
        `${slugs.length} slugs rotated`,
      ],
    ];
    printTable(rows);
    console.log(
      `\nmachine: ${machine.cores} x ${machine.cpu}, ${machine.memoryMb} MB, node ${machine.node}; ` +
        `load average ${machine.loadAverage.before.join(' ')} before, ${machine.loadAverage.after.join(' ')} after`,
    );

    const results = {
      benchmark: 'public-page',
      ranAt: new Date().toISOString(),
      command: 'npm run bench:public-page',
      machine,
      parameters: {
        articles: ARTICLES,
        connections: CONNECTIONS,
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        rounds: ROUNDS,
        paths: 'GET /public/articles/:slug; every connection cycles through all the slugs in order',
        acceptEncoding: ACCEPT_ENCODING,
        bare: 'the same body, compressed the same way (src/publishing/encoded-page.ts) and chosen by Accept-Encoding, and content-type from memory; none of the other service headers (helmet, ETag, cache-control, request id)',
        serviceRole: 'api',
        serviceEnv: `NODE_ENV=production LOG_LEVEL=warn NODE_OPTIONS=${API_NODE_OPTIONS}`,
        loadGenerator:
          'autocannon (library) in the benchmark process; service and bare server in child processes',
      },
      page: {
        contentType,
        minBytes: Math.min(...sizes),
        maxBytes: Math.max(...sizes),
      },
      service: serviceResult,
      bare: bareResult,
      rounds: measured.service.map((s, index) => ({ service: s, bare: measured.bare[index] })),
      ratio: { value: Number(ratio.toFixed(3)), target: TARGET_RATIO, met: judged.met },
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'public-page.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`written to ${join(RESULTS_DIR, 'public-page.json')}`);
  } finally {
    await bare?.stop();
    await stopService(service);
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(
    `bench:public-page failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
