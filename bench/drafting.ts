/**
 * Drafting benchmark: creates articles with several revisions each through the service layer, then measures
 * reads and full-text listing over HTTP, the size of a revision in PostgreSQL, and prints the search plan.
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench/bench/drafting.js
 *
 * Environment: BENCH_ARTICLES (10000), BENCH_REVISIONS (5), BENCH_CONCURRENCY (8), BENCH_READS (2000),
 * BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/mrs_bench_drafting, dropped and created fresh),
 * REDIS_URL (redis://127.0.0.1:6379), BENCH_KEEP_DATABASE=1 to keep the database afterwards. Results go to
 * bench/results/drafting.json (or BENCH_RESULTS_DIR). The machine's load average is printed: other work on it
 * skews every figure.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { ArticleContent } from '../src/articles/article-content.js';
import { ArticlesRepository } from '../src/articles/articles.repository.js';
import { ArticleDrafts } from '../src/articles/article-drafts.service.js';
import type { AuthUser } from '../src/auth/auth-user.js';
import { RESULTS_DIR } from './lib/machine.js';

const root = join(import.meta.dirname, '..', '..', '..');
const ARTICLES = Number(process.env.BENCH_ARTICLES ?? 10_000);
const REVISIONS = Number(process.env.BENCH_REVISIONS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const READS = Number(process.env.BENCH_READS ?? 2_000);
const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/mrs_bench_drafting';
const TARGETS = { revisionsPerSecond: 600, searchP99Ms: 50 }; // issue #15: revision writes >= 600/s

/** Forty topics: a topic word matches about 1 article in 40; "benzodiazepines" (from the seed) matches all. */
const TOPICS = [
  'metformin',
  'lisinopril',
  'atorvastatin',
  'levothyroxine',
  'amlodipine',
  'omeprazole',
  'sertraline',
  'gabapentin',
  'tramadol',
  'prednisone',
  'warfarin',
  'insulin',
  'albuterol',
  'montelukast',
  'losartan',
  'furosemide',
  'citalopram',
  'trazodone',
  'tamsulosin',
  'meloxicam',
  'clopidogrel',
  'bupropion',
  'pantoprazole',
  'escitalopram',
  'rosuvastatin',
  'duloxetine',
  'venlafaxine',
  'carvedilol',
  'allopurinol',
  'spironolactone',
  'topiramate',
  'lamotrigine',
  'quetiapine',
  'cyclobenzaprine',
  'methotrexate',
  'hydroxychloroquine',
  'ondansetron',
  'propranolol',
  'buspirone',
  'melatonin',
];
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'sa',
  'te',
  'vo',
  'zi',
  'pa',
  'do',
  'fe',
  'gu',
  'hi',
  'ja',
  'ko',
];

/** A made-up word unique to article i ("kalomivo…"), so a search can match exactly one article. */
function uniqueWord(i: number): string {
  let word = 'qu';
  let n = i;
  do {
    word += SYLLABLES[n % SYLLABLES.length];
    n = Math.floor(n / SYLLABLES.length);
  } while (n > 0);
  return `${word}rix`;
}

const capitalise = (word: string) => word[0].toUpperCase() + word.slice(1);

function articleContent(seed: ArticleContent, i: number): ArticleContent {
  const topic = TOPICS[i % TOPICS.length];
  const swap = (text: string) => text.replaceAll('Baclofen', capitalise(topic)).replaceAll('baclofen', topic);
  const word = uniqueWord(i);
  return {
    ...seed,
    title: `Is ${capitalise(topic)} a Benzodiazepine? Guide ${i + 1}`,
    slug: `bench-${i + 1}-${topic}`,
    description: swap(seed.description),
    keyTakeaways: seed.keyTakeaways.map(swap),
    sections: seed.sections.map((section, index) => ({
      heading: swap(section.heading),
      body: swap(section.body) + (index === 0 ? `\n\nCase note ${word}: reviewed for this guide.` : ''),
    })),
    faq: seed.faq.map((entry) => ({ question: swap(entry.question), answer: swap(entry.answer) })),
    bottomLine: swap(seed.bottomLine),
  };
}

/** The r-th edit (r >= 2) of an article: one section paragraph, and every other time one key takeaway. */
function editOf(content: ArticleContent, r: number): Partial<ArticleContent> & { changeNote: string } {
  const sections = content.sections.map((section) => ({ ...section }));
  const target = r % sections.length;
  sections[target].body += `\n\nRevision ${r}: clarified dosing guidance after editorial review.`;
  const edit: Partial<ArticleContent> & { changeNote: string } = { sections, changeNote: `edit ${r}` };
  if (r % 2 === 0) {
    edit.keyTakeaways = content.keyTakeaways.map((text, index) =>
      index === 0 ? `${text} (updated ${r})` : text,
    );
  }
  return edit;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summarise(samples: number[]): { n: number; p50: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1]),
  };
}

function progress(line: string, done = false): void {
  if (process.stdout.isTTY) process.stdout.write(`\r${line.padEnd(100)}${done ? '\n' : ''}`);
  else console.log(line);
}

async function withMaintenanceDatabase(url: string, work: (admin: Client, name: string) => Promise<void>) {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`bad database name ${name}`);
  target.pathname = '/postgres';
  const admin = new Client({ connectionString: target.toString() });
  await admin.connect();
  try {
    await work(admin, name);
  } finally {
    await admin.end();
  }
}

const loadAverage = () =>
  loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const adminPassword = randomBytes(12).toString('hex');
  Object.assign(process.env, {
    ENV_FILE: 'none',
    NODE_ENV: 'production',
    APP_ROLE: 'api',
    DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: 'mrs-bench-drafting',
    JWT_SECRET: randomBytes(32).toString('hex'),
    AUDIT_KEY: randomBytes(32).toString('hex'),
    AUDIT_CHECKPOINT_DIR: join(tmpdir(), `mrs-bench-audit-${randomBytes(4).toString('hex')}`),
    JWT_TTL: 'PT1H',
    ADMIN_EMAIL: 'bench-admin@bench.local',
    ADMIN_PASSWORD: adminPassword,
    LOG_LEVEL: 'warn',
    RUN_MIGRATIONS: 'true',
  });
  console.log(
    `drafting benchmark: ${ARTICLES} articles x ${REVISIONS} revisions, ${CONCURRENCY} concurrent writers, ` +
      `${cpus().length} CPUs, database ${DATABASE_URL}`,
  );
  console.log(`load average before: ${loadAverage()}`);
  await withMaintenanceDatabase(DATABASE_URL, async (admin, name) => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  });

  const { getConfig } = await import('../src/core/config/app-config.js');
  const { createApp } = await import('../src/bootstrap/create-app.js');
  const { UsersService } = await import('../src/users/users.service.js');
  const { CredentialsService } = await import('../src/users/credentials.service.js');
  const app = await createApp(getConfig());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = await app.getUrl();
  const dataSource = app.get(DataSource);
  const articles = app.get(ArticleDrafts);
  // The audit sealer runs in worker processes; this one serves the API only, so it starts one itself: the
  // writes are measured with the sealing they cause running beside them, as in APP_ROLE=all.
  const { AppConfig } = await import('../src/core/config/app-config.js');
  const { Clock } = await import('../src/core/clock/clock.js');
  const { AuditSealer } = await import('../src/audit/audit-sealer.js');
  const { AuditCheckpointFiles } = await import('../src/audit/audit-checkpoint-files.js');
  const sealer = new AuditSealer(app.get(AppConfig), app.get(Clock), app.get(AuditCheckpointFiles));
  sealer.start();

  // The writer is invited by the bootstrap admin and chooses a password from the invitation's link.
  const password = randomBytes(12).toString('hex');
  const [admin] = await dataSource.query<AuthUser[]>(
    'SELECT id, email, name, roles FROM users WHERE email = $1',
    [getConfig().env.ADMIN_EMAIL.toLowerCase()],
  );
  const user = await app.get(UsersService).create(admin, {
    email: 'bench-writer@bench.local',
    name: 'Bench Writer',
    roles: ['writer'],
  });
  const [invitation] = await dataSource.query<{ url: string }[]>(
    "SELECT context->>'setupUrl' AS url FROM email_outbox WHERE to_user_id = $1",
    [user.id],
  );
  await app
    .get(CredentialsService)
    .acceptInvitation(new URL(invitation.url).searchParams.get('token') ?? '', password);
  const writer: AuthUser = { id: user.id, email: user.email, name: user.name, roles: user.roles };
  const login = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email, password }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const auth = { authorization: `Bearer ${accessToken}` };

  const seed = JSON.parse(
    readFileSync(join(root, 'test', 'fixtures', 'seed-article.json'), 'utf8'),
  ) as ArticleContent;

  // 1. Writes: each article is created (revision 1) and edited REVISIONS - 1 times, on its current version.
  const ids: string[] = new Array<string>(ARTICLES);
  const total = ARTICLES * REVISIONS;
  let written = 0;
  let next = 0;
  // Load-independent figures: CPU time of this process (the service's work, the sealer's and the load
  // generator's, which is small) and SQL statements sent through the service's pool (START TRANSACTION and
  // COMMIT included; the sealer's own connection is not counted) per revision written.
  let statements = 0;
  const logger = dataSource.logger;
  const logQuery = logger.logQuery.bind(logger);
  logger.logQuery = (...args: Parameters<typeof logQuery>): void => {
    statements += 1;
    logQuery(...args);
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const ticker = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    progress(
      `writes: ${written.toLocaleString()} / ${total.toLocaleString()} revisions (${Math.round(written / seconds)}/s)`,
    );
  }, 1000);
  const worker = async () => {
    for (let i = next++; i < ARTICLES; i = next++) {
      let content = articleContent(seed, i);
      let view = await articles.create(writer, content);
      written += 1;
      for (let r = 2; r <= REVISIONS; r++) {
        const edit = editOf(content, r);
        view = await articles.edit(writer, view.id, `"${view.version}"`, edit);
        content = view.content;
        written += 1;
      }
      ids[i] = view.id;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(ticker);
  const writeSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  logger.logQuery = logQuery;
  const cpuMsPerRevision = (cpu.user + cpu.system) / 1000 / total;
  const statementsPerRevision = statements / total;
  const loadAfterWrites = loadAverage();
  const revisionsPerSecond = total / writeSeconds;
  progress(
    `writes: ${total.toLocaleString()} revisions in ${writeSeconds.toFixed(1)} s (${Math.round(revisionsPerSecond)}/s)`,
    true,
  );
  console.log(
    `writes: ${cpuMsPerRevision.toFixed(3)} ms CPU per revision (this process: service, sealer and load), ` +
      `${statementsPerRevision.toFixed(2)} SQL statements per revision; load average ${loadAfterWrites}`,
  );
  const unsealed = async () =>
    (
      await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM audit_events WHERE seq IS NULL')
    )[0].n;
  const unsealedAtEnd = await unsealed();
  const sealStarted = performance.now();
  while ((await unsealed()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  const sealCatchUpSeconds = (performance.now() - sealStarted) / 1000;
  console.log(
    `audit: ${unsealedAtEnd} events unsealed when the writes ended, all sealed ${sealCatchUpSeconds.toFixed(2)} s later`,
  );
  await sealer.onApplicationShutdown();

  // What autovacuum would have done by now on a live system: fresh statistics and no dead row versions.
  await dataSource.query('VACUUM (ANALYZE) articles');
  await dataSource.query('ANALYZE revisions');

  // 2. Reads over HTTP, one at a time (latency, not throughput).
  const timed = async (path: string): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(`${baseUrl}${path}`, { headers: auth });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    return performance.now() - t0;
  };
  const random = (n: number) => Math.floor(Math.random() * n);
  for (let i = 0; i < 50; i++) await timed(`/articles/${ids[random(ARTICLES)]}`);
  const getSamples: number[] = [];
  for (let i = 0; i < READS; i++) {
    getSamples.push(await timed(`/articles/${ids[random(ARTICLES)]}`));
    if (i % 250 === 0) progress(`GET /articles/:id ${i} / ${READS}`);
  }
  progress(`GET /articles/:id ${READS} / ${READS}`, true);

  const queryKinds: Record<string, () => string> = {
    'one article (unique word)': () => uniqueWord(random(ARTICLES)),
    'a topic (1 in 40)': () => TOPICS[random(TOPICS.length)],
    'every article': () => 'benzodiazepines',
    'phrase, every article': () => '"muscle spasticity"',
    'no article': () => 'xylophone',
  };
  const searchByKind: Record<string, number[]> = {};
  const searchSamples: number[] = [];
  const kinds = Object.keys(queryKinds);
  for (let i = 0; i < READS; i++) {
    const kind = kinds[i % kinds.length];
    const ms = await timed(`/articles?limit=20&q=${encodeURIComponent(queryKinds[kind]())}`);
    (searchByKind[kind] ??= []).push(ms);
    searchSamples.push(ms);
    if (i % 250 === 0) progress(`GET /articles?q= ${i} / ${READS}`);
  }
  progress(`GET /articles?q= ${READS} / ${READS}`, true);

  // 3. The plan of the listing query, exactly as the API builds it.
  const repository = app.get(ArticlesRepository);
  const explain = async (q: string): Promise<string> => {
    const [sql, parameters] = repository.listingQuery({ q, limit: 21 }).getQueryAndParameters();
    const rows = await dataSource.query<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN (ANALYZE, BUFFERS) ${sql}`,
      parameters,
    );
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  };
  const plans = {
    [`q=${uniqueWord(42)} (one article)`]: await explain(uniqueWord(42)),
    [`q=${TOPICS[3]} (a topic)`]: await explain(TOPICS[3]),
    'q=benzodiazepines (every article)': await explain('benzodiazepines'),
  };

  // 4. Storage.
  const [size] = await dataSource.query<
    {
      revisions: string;
      revision_bytes: string;
      articles_bytes: string;
      audit_bytes: string;
      database_bytes: string;
      avg_content: string;
    }[]
  >(`SELECT (SELECT count(*) FROM revisions) AS revisions,
            pg_total_relation_size('revisions') AS revision_bytes,
            pg_total_relation_size('articles') AS articles_bytes,
            pg_total_relation_size('audit_events') AS audit_bytes,
            pg_database_size(current_database()) AS database_bytes,
            (SELECT avg(octet_length(content::text) + octet_length(rendered::text)) FROM revisions) AS avg_content`);
  const revisionCount = Number(size.revisions);
  const bytesPerRevision = Number(size.revision_bytes) / revisionCount;
  const [postgres] = await dataSource.query<{ version: string }[]>('SELECT version()');

  await app.close();
  const loadAfter = loadAverage();
  if (process.env.BENCH_KEEP_DATABASE !== '1') {
    await withMaintenanceDatabase(DATABASE_URL, (admin, name) =>
      admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined),
    );
  }

  const get = summarise(getSamples);
  const search = summarise(searchSamples);
  const rows: [string, string, string, string][] = [
    [
      'revisions written per second',
      revisionsPerSecond.toFixed(0),
      `>= ${TARGETS.revisionsPerSecond}`,
      (revisionsPerSecond / TARGETS.revisionsPerSecond).toFixed(2),
    ],
    ['CPU ms per revision written (this process)', cpuMsPerRevision.toFixed(3), '-', '-'],
    ['SQL statements per revision written', statementsPerRevision.toFixed(2), '-', '-'],
    ['GET /articles/:id p50 (ms)', String(get.p50), '-', '-'],
    ['GET /articles/:id p99 (ms)', String(get.p99), '-', '-'],
    ['listing with q p50 (ms)', String(search.p50), '-', '-'],
    [
      'listing with q p99 (ms)',
      String(search.p99),
      `< ${TARGETS.searchP99Ms}`,
      (search.p99 / TARGETS.searchP99Ms).toFixed(2),
    ],
    ['PostgreSQL bytes per revision (table, TOAST, index)', bytesPerRevision.toFixed(0), '-', '-'],
    ['whole database bytes per revision', (Number(size.database_bytes) / revisionCount).toFixed(0), '-', '-'],
  ];
  const widths = [0, 1, 2, 3].map((c) =>
    Math.max(...rows.map((row) => row[c].length), ['metric', 'measured', 'target', 'ratio'][c].length),
  );
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  console.log(
    `\n${line(['metric', 'measured', 'target', 'ratio'])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`,
  );
  for (const row of rows) console.log(line(row));
  console.log('\nlisting with q by kind of query (ms):');
  for (const [kind, samples] of Object.entries(searchByKind)) {
    const s = summarise(samples);
    console.log(
      `  ${kind.padEnd(28)} p50 ${String(s.p50).padStart(7)}  p99 ${String(s.p99).padStart(7)}  max ${String(s.max).padStart(7)}`,
    );
  }
  for (const [name, plan] of Object.entries(plans)) {
    console.log(
      `\nEXPLAIN ANALYZE of the listing query, ${name}; GIN index IDX_articles_search used: ${plan.includes('IDX_articles_search') ? 'yes' : 'no'}\n${plan}`,
    );
  }
  console.log(
    `\nstorage: ${revisionCount} revisions, revisions ${(Number(size.revision_bytes) / 1e6).toFixed(1)} MB, ` +
      `articles ${(Number(size.articles_bytes) / 1e6).toFixed(1)} MB, audit ${(Number(size.audit_bytes) / 1e6).toFixed(1)} MB, ` +
      `database ${(Number(size.database_bytes) / 1e6).toFixed(1)} MB; average content + rendered JSON ${Number(size.avg_content).toFixed(0)} bytes`,
  );

  const results = {
    ranAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      node: process.version,
      postgres: postgres.version,
    },
    parameters: {
      articles: ARTICLES,
      revisionsPerArticle: REVISIONS,
      concurrency: CONCURRENCY,
      reads: READS,
    },
    writes: {
      revisions: total,
      seconds: Number(writeSeconds.toFixed(2)),
      revisionsPerSecond: Math.round(revisionsPerSecond),
      target: TARGETS.revisionsPerSecond,
      cpuMsPerRevision: Number(cpuMsPerRevision.toFixed(3)),
      statementsPerRevision: Number(statementsPerRevision.toFixed(2)),
      loadAverageAfterWrites: loadAfterWrites,
      auditUnsealedAtEnd: unsealedAtEnd,
      auditSealCatchUpSeconds: Number(sealCatchUpSeconds.toFixed(2)),
    },
    getArticle: get,
    listingWithSearch: {
      ...search,
      target: TARGETS.searchP99Ms,
      byKind: Object.fromEntries(Object.entries(searchByKind).map(([k, v]) => [k, summarise(v)])),
    },
    storage: {
      revisions: revisionCount,
      bytesPerRevision: Math.round(bytesPerRevision),
      databaseBytesPerRevision: Math.round(Number(size.database_bytes) / revisionCount),
      revisionsBytes: Number(size.revision_bytes),
      articlesBytes: Number(size.articles_bytes),
      auditBytes: Number(size.audit_bytes),
      databaseBytes: Number(size.database_bytes),
      averageContentAndRenderedJsonBytes: Math.round(Number(size.avg_content)),
    },
    plans,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'drafting.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nload average after: ${loadAfter} (1, 5, 15 min; ${cpus().length} CPUs)`);
  console.log(`written to ${join(RESULTS_DIR, 'drafting.json')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
