/**
 * `npm run bench:desk`: the physician's review page under load, beside the JSON read of the same article.
 *
 * 1. Starts the compiled service (dist/bench/src/main.js) as an APP_ROLE=api child process, NODE_ENV=production,
 *    on a fresh database mrs_bench_desk.
 * 2. Seeds, in SQL, the seed article signed at revision 1 by a reviewer (bench/lib/seed.ts), then revision 2 with
 *    3 changed sections and an accepted re-review assignment for that reviewer, whose password is set here.
 * 3. Opens BENCH_SESSIONS (10) desk sessions through the real login form (CSRF token, form cookie, Origin), and
 *    a JWT through POST /auth/login.
 * 4. BENCH_SESSIONS concurrent loops (one per session, each request waiting for the previous one, as a browser
 *    tab would) GET /desk/reviews/:assignmentId for BENCH_SECONDS (10) after BENCH_WARMUP_SECONDS (3); then the
 *    same number of loops GET /articles/:id with the JWT. Every latency is kept, so p95 is exact.
 *    Beside each route's figures, the CPU time the service process spent per request (from /proc): the share of
 *    the machine each route costs, less sensitive than throughput to other load on the machine.
 * Targets: the page's p95 < 150 ms; its throughput >= 0.5 of the JSON route's. Writes bench/results/desk.json.
 */
import * as argon2 from 'argon2';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { ArticleContent } from '../src/articles/article-content.js';
import { renderContent } from '../src/articles/markdown-renderer.js';
import { contentHash } from '../src/core/crypto/content-hash.js';
import { intEnv, printTable, type Row, verdict } from './lib/load.js';
import { loadAverage, machineInfo, RESULTS_DIR } from './lib/machine.js';
import { insertSignedArticles, seedArticle } from './lib/seed.js';
import { cpuSeconds, login, type RunningService, startService, stopService } from './lib/service.js';

const SESSIONS = intEnv('BENCH_SESSIONS', 10);
const SECONDS = intEnv('BENCH_SECONDS', 10);
const WARMUP_SECONDS = intEnv('BENCH_WARMUP_SECONDS', 3, 0);
const TARGETS = { pageP95Ms: 150, throughputRatio: 0.5 };
const REVIEWER_EMAIL = 'bench-reviewer@bench.local';

interface Loop {
  latenciesMs: number[];
  failures: number;
  lastFailure: string;
}

interface Measured {
  requests: number;
  /** CPU time (user + system) the service process spent per request, from /proc: less sensitive to other load. */
  serviceCpuMsPerRequest: number;
  requestsPerSecond: number;
  failures: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
}

const cpuMs = (pid: number) => (cpuSeconds(pid) ?? NaN) * 1000;

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;
const round = (value: number) => Math.round(value * 10) / 10;

/** `loops` concurrent request loops for `seconds`, each with its own headers (its own session). */
async function run(
  pid: number,
  baseUrl: string,
  path: string,
  headersPerLoop: Record<string, string>[],
  seconds: number,
  expect: string,
): Promise<Measured> {
  const until = performance.now() + seconds * 1000;
  const cpuBefore = cpuMs(pid);
  const loops: Loop[] = await Promise.all(
    headersPerLoop.map(async (headers) => {
      const loop: Loop = { latenciesMs: [], failures: 0, lastFailure: '' };
      while (performance.now() < until) {
        const started = performance.now();
        const response = await fetch(`${baseUrl}${path}`, { headers });
        const body = await response.text();
        const elapsed = performance.now() - started;
        if (response.status !== 200 || !body.includes(expect)) {
          loop.failures += 1;
          loop.lastFailure = `${response.status} ${body.slice(0, 200)}`;
        } else {
          loop.latenciesMs.push(elapsed);
        }
      }
      return loop;
    }),
  );
  const cpuUsed = cpuMs(pid) - cpuBefore;
  const all = loops.flatMap((loop) => loop.latenciesMs).sort((a, b) => a - b);
  const failures = loops.reduce((sum, loop) => sum + loop.failures, 0);
  if (failures)
    throw new Error(
      `${failures} failed requests to ${path}, e.g. ${loops.find((l) => l.failures)!.lastFailure}`,
    );
  return {
    requests: all.length,
    serviceCpuMsPerRequest: Math.round((cpuUsed / Math.max(1, all.length)) * 100) / 100,
    requestsPerSecond: round(all.length / seconds),
    failures,
    latencyMs: {
      p50: round(percentile(all, 50)),
      p95: round(percentile(all, 95)),
      p99: round(percentile(all, 99)),
      max: round(all[all.length - 1] ?? NaN),
    },
  };
}

/** Revision 2 of the article: 3 sections changed, and a re-review assignment the reviewer has accepted. */
async function seedReReview(databaseUrl: string, articleId: string, writerId: string, password: string) {
  const base = seedArticle();
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const [{ content }] = (
      await client.query<{ content: ArticleContent }>(
        'SELECT content FROM revisions WHERE article_id = $1 AND number = 1',
        [articleId],
      )
    ).rows;
    const next: ArticleContent = {
      ...content,
      sections: content.sections.map((section, index) =>
        [1, 3, 5].includes(index)
          ? { ...section, body: `${section.body}\n\nA paragraph added for the re-review (${index}).` }
          : section,
      ),
    };
    await client.query(
      `INSERT INTO revisions (article_id, number, content, rendered, content_hash, created_by_id)
       VALUES ($1, 2, $2, $3, $4, $5)`,
      [articleId, JSON.stringify(next), JSON.stringify(renderContent(next)), contentHash(next), writerId],
    );
    await client.query(`UPDATE articles SET current_revision = 2, status = 'published' WHERE id = $1`, [
      articleId,
    ]);
    const [{ id: reviewerId }] = (
      await client.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [REVIEWER_EMAIL])
    ).rows;
    await client.query('UPDATE users SET password_hash = $2 WHERE id = $1', [
      reviewerId,
      await argon2.hash(password, { type: argon2.argon2id }),
    ]);
    const assignmentId = randomUUID();
    await client.query(
      `INSERT INTO assignments (id, article_id, reviewer_id, kind, status, due_at, responded_at)
       VALUES ($1, $2, $3, 're_review', 'accepted', now() + interval '7 days', now())`,
      [assignmentId, articleId, reviewerId],
    );
    return { assignmentId, title: base.title };
  } finally {
    await client.end();
  }
}

/** One desk session through the login form, as a browser opens it: its Cookie header. */
async function deskSession(baseUrl: string, password: string): Promise<string> {
  const page = await fetch(`${baseUrl}/desk/login`);
  const cookies = page.headers.getSetCookie().map((line) => line.split(';')[0]);
  const csrf = /name="_csrf" value="([^"]*)"/.exec(await page.text())?.[1] ?? '';
  const response = await fetch(`${baseUrl}/desk/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: baseUrl,
      cookie: cookies.join('; '),
    },
    body: new URLSearchParams({ _csrf: csrf, email: REVIEWER_EMAIL, password, next: '/desk' }).toString(),
  });
  if (response.status !== 303)
    throw new Error(`desk login answered ${response.status}: ${await response.text()}`);
  return [...cookies, ...response.headers.getSetCookie().map((line) => line.split(';')[0])].join('; ');
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  console.log(
    `bench:desk: the review page of the seed article with 3 changed sections, ${SESSIONS} concurrent sessions, ` +
      `${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured, beside GET /articles/:id; load average ${loadBefore.join(' ')}`,
  );
  let service: RunningService | undefined;
  try {
    service = await startService({ name: 'desk', role: 'api' });
    const writerId = randomUUID();
    const client = new Client({ connectionString: service.databaseUrl });
    await client.connect();
    await client.query(
      `INSERT INTO users (id, email, name, password_hash, roles) VALUES ($1, 'bench-writer@bench.local', 'Wendy Writer', NULL, ARRAY['writer'])`,
      [writerId],
    );
    await client.end();
    const [article] = await insertSignedArticles(service.databaseUrl, writerId, 1);
    const password = randomBytes(12).toString('hex');
    const { assignmentId, title } = await seedReReview(service.databaseUrl, article.id, writerId, password);
    const token = await login(service.baseUrl, REVIEWER_EMAIL, password);
    const sessions: Record<string, string>[] = [];
    for (let i = 0; i < SESSIONS; i++)
      sessions.push({ cookie: await deskSession(service.baseUrl, password) });
    const bearer = Array.from({ length: SESSIONS }, () => ({ authorization: `Bearer ${token}` }));

    const pagePath = `/desk/reviews/${assignmentId}`;
    const first = await fetch(`${service.baseUrl}${pagePath}`, { headers: sessions[0] });
    const html = await first.text();
    const changed = (html.match(/class="change-group"/g) ?? []).length;
    if (first.status !== 200 || changed !== 3)
      throw new Error(
        `the review page answered ${first.status} with ${changed} changed sections (expected 3)`,
      );
    console.log(`  review page: ${Buffer.byteLength(html)} bytes, ${changed} changed sections shown`);

    if (WARMUP_SECONDS) {
      await run(service.pid, service.baseUrl, pagePath, sessions, WARMUP_SECONDS, 'change-group');
      await run(service.pid, service.baseUrl, `/articles/${article.id}`, bearer, WARMUP_SECONDS, article.id);
    }
    const page = await run(service.pid, service.baseUrl, pagePath, sessions, SECONDS, title.slice(0, 20));
    const json = await run(
      service.pid,
      service.baseUrl,
      `/articles/${article.id}`,
      bearer,
      SECONDS,
      article.id,
    );
    const ratio = Math.round((page.requestsPerSecond / json.requestsPerSecond) * 100) / 100;
    const p95Met = page.latencyMs.p95 < TARGETS.pageP95Ms;
    const ratioMet = ratio >= TARGETS.throughputRatio;
    const rows: Row[] = [
      ['review page p95 (ms)', String(page.latencyMs.p95), `< ${TARGETS.pageP95Ms}`, verdict(p95Met)],
      ['review page p50 / p99 (ms)', `${page.latencyMs.p50} / ${page.latencyMs.p99}`, '-', '-'],
      ['review page (req/s)', String(page.requestsPerSecond), '-', '-'],
      ['GET /articles/:id (req/s)', String(json.requestsPerSecond), '-', '-'],
      ['GET /articles/:id p95 (ms)', String(json.latencyMs.p95), '-', '-'],
      ['throughput ratio page / JSON', String(ratio), `>= ${TARGETS.throughputRatio}`, verdict(ratioMet)],
      [
        'service CPU per request, page / JSON (ms)',
        `${page.serviceCpuMsPerRequest} / ${json.serviceCpuMsPerRequest}`,
        '-',
        '-',
      ],
    ];
    printTable(rows);
    const machine = machineInfo(loadBefore);
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(
      join(RESULTS_DIR, 'desk.json'),
      `${JSON.stringify(
        {
          benchmark: 'desk',
          ranAt: new Date().toISOString(),
          command: 'npm run bench:desk',
          machine,
          parameters: {
            sessions: SESSIONS,
            seconds: SECONDS,
            warmupSeconds: WARMUP_SECONDS,
            changedSections: 3,
          },
          page,
          json,
          targets: {
            pageP95Ms: { target: TARGETS.pageP95Ms, met: p95Met },
            throughputRatio: { target: TARGETS.throughputRatio, value: ratio, met: ratioMet },
          },
        },
        null,
        2,
      )}\n`,
    );
    console.log(`written to ${join(RESULTS_DIR, 'desk.json')}`);
  } finally {
    await stopService(service);
  }
}

main().catch((error: unknown) => {
  console.error(
    `bench:desk failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
