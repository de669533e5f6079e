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
 *    The index (GET /public/articles, its first page) and the sitemap (GET /public/sitemap.xml) are fetched too,
 *    and the bare server sends their bytes at the same paths, the same way.
 * 4. autocannon, in this process, against each of the three documents #15 §2 names, on each server in turn: the
 *    page (GET /public/articles/:slug, every connection cycling through all the slugs in order), the index and
 *    the sitemap. BENCH_CONNECTIONS (50) connections, BENCH_WARMUP_SECONDS (3) of warm-up then BENCH_SECONDS (10)
 *    measured, BENCH_ROUNDS (1) rounds (medians reported). BENCH_DOCUMENTS=page,index,sitemap (all by default)
 *    picks some of them.
 *    A second bare server (`--service-headers`) sends the same bytes with the service's own headers, set by the
 *    service's own code (its security-header and request-id hook, its sendEncoded): the service / that ratio is
 *    printed beside the target's (information), to tell what the headers cost from what the framework costs.
 * 5. Prints req/s, p50 and p99 of both and the ratio service / bare of each document (target >= 0.8); writes
 *    bench/results/public-page.json (the page's figures at the top level, as before; the index's and the
 *    sitemap's under `documents`). The database and the Redis keys are deleted afterwards
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

/** The public documents besides the pages that #15 §2 holds to the same target, at their paths. */
const OTHER_DOCUMENTS = [
  { key: 'index', label: 'GET /public/articles (the index, first page)', path: '/public/articles' },
  { key: 'sitemap', label: 'GET /public/sitemap.xml', path: '/public/sitemap.xml' },
] as const;
type DocumentKey = 'page' | (typeof OTHER_DOCUMENTS)[number]['key'];
const DOCUMENT_KEYS: DocumentKey[] = ['page', ...OTHER_DOCUMENTS.map((document) => document.key)];
const CHOSEN = (process.env.BENCH_DOCUMENTS ?? DOCUMENT_KEYS.join(','))
  .split(',')
  .map((key) => key.trim())
  .filter(Boolean);
for (const key of CHOSEN)
  if (!DOCUMENT_KEYS.includes(key as DocumentKey))
    throw new Error(`BENCH_DOCUMENTS: unknown document "${key}"; choose among ${DOCUMENT_KEYS.join(', ')}`);

/** A document as the service sends it (uncompressed), for the bare server to send the same. */
interface BareDocument {
  contentType: string;
  body: string;
}

async function fetchDocument(baseUrl: string, path: string): Promise<BareDocument> {
  const response = await fetch(`${baseUrl}${path}`);
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
  return { contentType: response.headers.get('content-type') ?? '', body: await response.text() };
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
  let withHeaders: ChildService | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'mrs-bench-public-page-'));
  try {
    console.log('starting the service (fresh database mrs_bench_public_page)...');
    service = await startService({ name: 'public-page', role: 'api' });
    const slugs = await publishAll(service);
    const { contentType, pages } = await fetchPages(service.baseUrl, slugs);
    const sizes = Object.values(pages).map((html) => Buffer.byteLength(html, 'utf8'));
    const documents: Record<string, BareDocument> = {};
    for (const document of OTHER_DOCUMENTS)
      documents[document.path] = await fetchDocument(service.baseUrl, document.path);
    const pagesFile = join(scratch, 'pages.json');
    writeFileSync(pagesFile, JSON.stringify({ contentType, pages, documents }));
    const barePort = await freePort();
    bare = await spawnUntilReady(
      'the bare Fastify server',
      BARE_SERVER,
      [pagesFile, String(barePort)],
      {},
      /listening on/,
      `http://127.0.0.1:${barePort}`,
    );
    const headersPort = await freePort();
    withHeaders = await spawnUntilReady(
      "the bare Fastify server with the service's headers",
      BARE_SERVER,
      [pagesFile, String(headersPort), '--service-headers'],
      {},
      /listening on/,
      `http://127.0.0.1:${headersPort}`,
    );
    // The same bytes from both, or the comparison means nothing; the same header names from the second one.
    for (const server of [bare, withHeaders]) {
      const check = await fetch(`${server.baseUrl}/public/articles/${slugs[0]}`);
      if ((await check.text()) !== pages[slugs[0]] || check.headers.get('content-type') !== contentType)
        throw new Error('the bare server does not send the same page');
      for (const [path, document] of Object.entries(documents)) {
        const same = await fetchDocument(server.baseUrl, path);
        if (same.body !== document.body || same.contentType !== document.contentType)
          throw new Error(`the bare server does not send the same ${path}`);
      }
    }
    for (const path of [`/public/articles/${slugs[0]}`, ...Object.keys(documents)]) {
      const names = async (baseUrl: string) => {
        const response = await fetch(`${baseUrl}${path}`, {
          headers: { 'accept-encoding': ACCEPT_ENCODING },
        });
        await response.arrayBuffer();
        return [...response.headers.keys()].sort().join(', ');
      };
      const [theService, theCopy] = [await names(service.baseUrl), await names(withHeaders.baseUrl)];
      if (theService !== theCopy)
        throw new Error(`${path}: the service sends headers ${theService}, its copy ${theCopy}`);
    }

    const targets: { key: DocumentKey; label: string; paths: string[]; bytes: number[] }[] = [
      {
        key: 'page' as const,
        label: 'GET /public/articles/:slug',
        paths: slugs.map((slug) => `/public/articles/${slug}`),
        bytes: sizes,
      },
      ...OTHER_DOCUMENTS.map((document) => ({
        key: document.key,
        label: document.label,
        paths: [document.path],
        bytes: [Buffer.byteLength(documents[document.path].body, 'utf8')],
      })),
    ].filter((target) => CHOSEN.includes(target.key));
    const servers = [
      { key: 'service' as const, label: 'service', baseUrl: service.baseUrl, pid: service.pid },
      { key: 'bare' as const, label: 'bare Fastify', baseUrl: bare.baseUrl, pid: bare.pid },
      {
        key: 'headers' as const,
        label: "bare Fastify + service's headers",
        baseUrl: withHeaders.baseUrl,
        pid: withHeaders.pid,
      },
    ];
    interface Compared {
      label: string;
      paths: number;
      bytes: { min: number; max: number };
      service: LoadResult;
      bare: LoadResult;
      /** The bare server sending the service's headers too (information). */
      withHeaders: LoadResult;
      rounds: { service: LoadResult; bare: LoadResult; withHeaders: LoadResult }[];
      ratio: { value: number; target: number; met: boolean };
      /** service / the bare server with the service's headers. */
      ratioToWithHeaders: number;
      judged: ReturnType<typeof judge>;
    }
    const compared = new Map<DocumentKey, Compared>();
    for (const target of targets) {
      const measured: Record<'service' | 'bare' | 'headers', LoadResult[]> = {
        service: [],
        bare: [],
        headers: [],
      };
      for (let round = 1; round <= ROUNDS; round++) {
        // Alternate which goes first, so a change in the machine's load does not always favour the same one.
        const order = round % 2 ? servers : [...servers].reverse();
        for (const server of order) {
          const settings = {
            baseUrl: server.baseUrl,
            paths: target.paths,
            headers: { 'accept-encoding': ACCEPT_ENCODING },
            connections: CONNECTIONS,
            pid: server.pid,
          };
          const name = `${server.label}, ${target.key}`;
          if (WARMUP_SECONDS) await load({ ...settings, label: `${name} warm-up`, seconds: WARMUP_SECONDS });
          const result = await load({
            ...settings,
            label: `${name}, round ${round}/${ROUNDS}`,
            seconds: SECONDS,
          });
          assertClean(`${server.label} ${target.label}`, result);
          measured[server.key].push(result);
        }
      }
      const serviceResult = medianOf(measured.service);
      const bareResult = medianOf(measured.bare);
      const headersResult = medianOf(measured.headers);
      const ratio = serviceResult.requestsPerSecond / bareResult.requestsPerSecond;
      // Judged on the two figures printed: the service's median req/s against 80% of the bare server's (#15 §3).
      const judged = judge(
        serviceResult.requestsPerSecond,
        '>=',
        bareResult.requestsPerSecond * TARGET_RATIO,
      );
      compared.set(target.key, {
        label: target.label,
        paths: target.paths.length,
        bytes: { min: Math.min(...target.bytes), max: Math.max(...target.bytes) },
        service: serviceResult,
        bare: bareResult,
        withHeaders: headersResult,
        rounds: measured.service.map((s, index) => ({
          service: s,
          bare: measured.bare[index],
          withHeaders: measured.headers[index],
        })),
        ratio: { value: Number(ratio.toFixed(3)), target: TARGET_RATIO, met: judged.met },
        ratioToWithHeaders: Number(
          (serviceResult.requestsPerSecond / headersResult.requestsPerSecond).toFixed(3),
        ),
        judged,
      });
    }
    const machine = machineInfo(loadBefore);

    const rows: Row[] = [];
    for (const [key, result] of compared) {
      rows.push(
        [
          `service ${result.label} (req/s)`,
          result.judged.measured,
          `${result.judged.target} (${TARGET_RATIO * 100}% of bare)`,
          `${result.ratio.value.toFixed(2)} of bare, ${verdict(result.judged.met)}`,
        ],
        [`  bare Fastify, same bytes (req/s)`, String(result.bare.requestsPerSecond), '(ceiling)', '1.00'],
        [
          "  bare Fastify, same bytes and the service's headers (req/s)",
          String(result.withHeaders.requestsPerSecond),
          '(information)',
          `${(result.withHeaders.requestsPerSecond / result.bare.requestsPerSecond).toFixed(2)} of bare; ` +
            `service ${result.ratioToWithHeaders.toFixed(2)} of it`,
        ],
        [
          '  latency p50 / p99, service / bare / bare with headers (ms)',
          `${result.service.latencyMs.p50} / ${result.service.latencyMs.p99}; ` +
            `${result.bare.latencyMs.p50} / ${result.bare.latencyMs.p99}; ` +
            `${result.withHeaders.latencyMs.p50} / ${result.withHeaders.latencyMs.p99}`,
          '-',
          '-',
        ],
        [
          '  server process CPU per request, service / bare / bare with headers (ms)',
          `${result.service.serverCpuMsPerRequest ?? '?'} / ${result.bare.serverCpuMsPerRequest ?? '?'} / ` +
            `${result.withHeaders.serverCpuMsPerRequest ?? '?'}`,
          '-',
          `cores busy ${result.service.serverCpuCores ?? '?'} / ${result.bare.serverCpuCores ?? '?'} / ` +
            `${result.withHeaders.serverCpuCores ?? '?'}`,
        ],
        [
          '  size uncompressed (bytes' + (result.paths > 1 ? ', min-max)' : ')'),
          result.paths > 1 ? `${result.bytes.min}-${result.bytes.max}` : String(result.bytes.min),
          '-',
          key === 'page' ? `${result.paths} slugs rotated` : '-',
        ],
      );
    }
    printTable(rows);
    console.log(
      `\nmachine: ${machine.cores} x ${machine.cpu}, ${machine.memoryMb} MB, node ${machine.node}; ` +
        `load average ${machine.loadAverage.before.join(' ')} before, ${machine.loadAverage.after.join(' ')} after`,
    );

    const page = compared.get('page');
    const others = Object.fromEntries(
      [...compared]
        .filter(([key]) => key !== 'page')
        .map(([key, result]) => {
          const { judged: _judged, ...figures } = result;
          return [key, { path: OTHER_DOCUMENTS.find((d) => d.key === key)!.path, ...figures }];
        }),
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
        documents: targets.map((target) => target.key),
        paths:
          'GET /public/articles/:slug (every connection cycles through all the slugs in order); ' +
          'GET /public/articles (the index, first page); GET /public/sitemap.xml',
        acceptEncoding: ACCEPT_ENCODING,
        bare: 'the same body, compressed the same way (src/publishing/encoded-page.ts) and chosen by Accept-Encoding, and content-type from memory; none of the other service headers (security headers, ETag, cache-control, request id)',
        withHeaders:
          "the bare server with --service-headers: the same bytes and the service's header names, set by the service's registerSecurityHeaders (onRequest) and sendEncoded, a uuid request id; no Nest, no database, no logging",
        serviceRole: 'api',
        serviceEnv: `NODE_ENV=production LOG_LEVEL=warn NODE_OPTIONS=${API_NODE_OPTIONS}`,
        loadGenerator:
          'autocannon (library) in the benchmark process; service and bare server in child processes',
      },
      ...(page
        ? {
            page: { contentType, minBytes: page.bytes.min, maxBytes: page.bytes.max },
            service: page.service,
            bare: page.bare,
            withHeaders: page.withHeaders,
            rounds: page.rounds,
            ratio: page.ratio,
            ratioToWithHeaders: page.ratioToWithHeaders,
          }
        : {}),
      documents: others,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'public-page.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`written to ${join(RESULTS_DIR, 'public-page.json')}`);
  } finally {
    await bare?.stop();
    await withHeaders?.stop();
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
