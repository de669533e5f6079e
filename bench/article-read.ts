/**
 * `npm run bench:article-read`: authenticated reads of articles under load, and the API process's memory.
 *
 * 1. Starts the compiled service (dist/bench/src/main.js) as a child process with APP_ROLE=api (the HTTP API
 *    only; queue workers would run in a separate process and are not needed for reads), NODE_ENV=production,
 *    LOG_LEVEL=warn, a fresh database mrs_bench_article_read, queue prefix mrs-bench-article-read.
 * 2. Seeds BENCH_ARTICLES (50) seed-sized articles in SQL, written by a writer created through POST /users, who
 *    logs in through POST /auth/login: a real JWT, checked by the real guard on every request.
 * 3. autocannon, in this process: GET /articles/:id with the bearer token, every connection cycling through all
 *    the article ids; BENCH_CONNECTIONS (50) connections, BENCH_WARMUP_SECONDS (3) of warm-up, then
 *    BENCH_SECONDS (10) measured. Targets: >= 1,500 req/s with p99 < 100 ms.
 * 4. Memory: the API process's resident size (VmRSS in /proc/<pid>/status) idle after start-up, idle after the
 *    warm-up, and its maximum while under load (sampled every 100 ms), plus the kernel's peak (VmHWM).
 *    Target: < 250 MB under load.
 * Writes bench/results/article-read.json and bench/results/memory.json. The database and the Redis keys are
 * deleted afterwards (BENCH_KEEP_DATABASE=1 keeps the database).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertClean, intEnv, load, printTable, progress, type Row, verdict } from './lib/load.js';
import { loadAverage, machineInfo, RESULTS_DIR } from './lib/machine.js';
import { insertSignedArticles } from './lib/seed.js';
import {
  API_NODE_OPTIONS,
  createUser,
  login,
  residentBytes,
  type RunningService,
  startService,
  stopService,
} from './lib/service.js';

const ARTICLES = intEnv('BENCH_ARTICLES', 50);
const CONNECTIONS = intEnv('BENCH_CONNECTIONS', 50);
const SECONDS = intEnv('BENCH_SECONDS', 10);
const WARMUP_SECONDS = intEnv('BENCH_WARMUP_SECONDS', 3, 0);
const TARGETS = { requestsPerSecond: 1500, p99Ms: 100, rssUnderLoadMb: 250 };
const SAMPLE_EVERY_MS = 100;

const mb = (bytes: number | undefined) =>
  bytes === undefined ? NaN : Math.round((bytes / 1024 / 1024) * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The process's resident size now; it must still be running. */
function rssOf(service: RunningService): number {
  const bytes = residentBytes(service.pid);
  if (bytes === undefined) throw new Error(`the service (pid ${service.pid}) is gone:\n${service.output()}`);
  return bytes;
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  console.log(
    `bench:article-read: ${ARTICLES} articles, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ` +
      `${SECONDS} s measured; the service runs as APP_ROLE=api (HTTP only, no queue workers); ` +
      `load average ${loadBefore.join(' ')}`,
  );
  let service: RunningService | undefined;
  try {
    console.log('starting the service (fresh database mrs_bench_article_read)...');
    service = await startService({ name: 'article-read', role: 'api' });
    // Start-up work (migrations, the first admin) is over once it listens; let it settle a moment.
    await sleep(1000);
    const idleAfterStart = rssOf(service);
    console.log(`  API process pid ${service.pid}: ${mb(idleAfterStart)} MB resident, idle after start-up`);

    const adminToken = await login(service.baseUrl, service.admin.email, service.admin.password);
    const writer = await createUser(service, adminToken, 'bench-writer@bench.local', 'Wendy Writer', [
      'writer',
    ]);
    const articles = await insertSignedArticles(service.databaseUrl, writer.id, ARTICLES, (done) =>
      progress(`  seeding articles: ${done}/${ARTICLES}`, done === ARTICLES),
    );
    const headers = { authorization: `Bearer ${writer.token}` };
    const paths = articles.map((article) => `/articles/${article.id}`);
    // Every id answers 200 with its own article before the load starts.
    let responseBytes = 0;
    for (const [index, path] of paths.entries()) {
      const response = await fetch(`${service.baseUrl}${path}`, { headers });
      const body = await response.text();
      if (response.status !== 200 || !body.includes(articles[index].id))
        throw new Error(`GET ${path} answered ${response.status}: ${body.slice(0, 300)}`);
      responseBytes = Math.max(responseBytes, Buffer.byteLength(body, 'utf8'));
    }

    const settings = { baseUrl: service.baseUrl, paths, headers, connections: CONNECTIONS, pid: service.pid };
    if (WARMUP_SECONDS) await load({ ...settings, label: 'warm-up', seconds: WARMUP_SECONDS });
    await sleep(2000);
    const idleAfterWarmup = rssOf(service);
    console.log(`  ${mb(idleAfterWarmup)} MB resident, idle after the warm-up`);

    let maxUnderLoad = 0;
    let samples = 0;
    const pid = service.pid;
    const sampler = setInterval(() => {
      const bytes = residentBytes(pid);
      if (bytes === undefined) return;
      maxUnderLoad = Math.max(maxUnderLoad, bytes);
      samples += 1;
    }, SAMPLE_EVERY_MS);
    const result = await load({ ...settings, label: 'GET /articles/:id', seconds: SECONDS }).finally(() =>
      clearInterval(sampler),
    );
    assertClean('GET /articles/:id', result);
    const afterLoad = rssOf(service);
    const peak = residentBytes(service.pid, 'VmHWM') ?? 0;
    const machine = machineInfo(loadBefore);

    const rpsMet = result.requestsPerSecond >= TARGETS.requestsPerSecond;
    const p99Met = result.latencyMs.p99 < TARGETS.p99Ms;
    const memoryMet = mb(maxUnderLoad) < TARGETS.rssUnderLoadMb;
    const rows: Row[] = [
      [
        'GET /articles/:id with a JWT (req/s)',
        String(result.requestsPerSecond),
        `>= ${TARGETS.requestsPerSecond}`,
        `${(result.requestsPerSecond / TARGETS.requestsPerSecond).toFixed(2)} of target, ${verdict(rpsMet)}`,
      ],
      ['latency p50 (ms)', String(result.latencyMs.p50), '-', '-'],
      [
        'latency p99 (ms)',
        String(result.latencyMs.p99),
        `< ${TARGETS.p99Ms}`,
        `${(result.latencyMs.p99 / TARGETS.p99Ms).toFixed(2)} of limit, ${verdict(p99Met)}`,
      ],
      [
        'API process CPU per request (ms)',
        String(result.serverCpuMsPerRequest ?? '?'),
        '-',
        `${result.serverCpuCores ?? '?'} cores busy`,
      ],
      ['API RSS idle after start-up (MB)', String(mb(idleAfterStart)), '-', '-'],
      ['API RSS idle after warm-up (MB)', String(mb(idleAfterWarmup)), '-', '-'],
      [
        `API RSS max under load (MB, ${samples} samples)`,
        String(mb(maxUnderLoad)),
        `< ${TARGETS.rssUnderLoadMb}`,
        `${(mb(maxUnderLoad) / TARGETS.rssUnderLoadMb).toFixed(2)} of limit, ${verdict(memoryMet)}`,
      ],
      ['API RSS peak since start (VmHWM, MB)', String(mb(peak)), '-', '-'],
    ];
    printTable(rows);
    console.log(
      `\nmachine: ${machine.cores} x ${machine.cpu}, ${machine.memoryMb} MB, node ${machine.node}; ` +
        `load average ${machine.loadAverage.before.join(' ')} before, ${machine.loadAverage.after.join(' ')} after`,
    );

    const ranAt = new Date().toISOString();
    const parameters = {
      articles: ARTICLES,
      connections: CONNECTIONS,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      paths:
        'GET /articles/:id with Authorization: Bearer <JWT from POST /auth/login>; every connection cycles through all the ids',
      serviceRole: 'api (HTTP only; queue workers not running)',
      serviceEnv: `NODE_ENV=production LOG_LEVEL=warn NODE_OPTIONS=${API_NODE_OPTIONS}`,
      loadGenerator: 'autocannon (library) in the benchmark process; the service in a child process',
    };
    const read = {
      benchmark: 'article-read',
      ranAt,
      command: 'npm run bench:article-read',
      machine,
      parameters,
      responseBytes,
      result,
      targets: {
        requestsPerSecond: { target: TARGETS.requestsPerSecond, met: rpsMet },
        p99Ms: { target: TARGETS.p99Ms, met: p99Met },
      },
    };
    const memory = {
      benchmark: 'memory',
      ranAt,
      command: 'npm run bench:article-read',
      machine,
      parameters: { ...parameters, sampleEveryMs: SAMPLE_EVERY_MS },
      process: 'the API process (APP_ROLE=api), VmRSS from /proc/<pid>/status',
      rssMb: {
        idleAfterStart: mb(idleAfterStart),
        idleAfterWarmup: mb(idleAfterWarmup),
        maxUnderLoad: mb(maxUnderLoad),
        afterLoad: mb(afterLoad),
        peakSinceStart: mb(peak),
      },
      samplesUnderLoad: samples,
      target: { maxUnderLoadMb: TARGETS.rssUnderLoadMb, met: memoryMet },
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'article-read.json'), `${JSON.stringify(read, null, 2)}\n`);
    writeFileSync(join(RESULTS_DIR, 'memory.json'), `${JSON.stringify(memory, null, 2)}\n`);
    console.log('written to bench/results/article-read.json and bench/results/memory.json');
  } finally {
    await stopService(service);
  }
}

main().catch((error: unknown) => {
  console.error(
    `bench:article-read failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
