/**
 * `npm run bench:publish [-- <articles>]` (or `BENCH_SIZES=10000,50000`, the default): at each size N, in a fresh
 * process and a fresh database, inserts N signed seed-sized articles (in SQL), publishes BENCH_PUBLISH_SAMPLE (2,000)
 * of them through the gate, makes the rest live in SQL as the gate leaves them, exports them all, and prints each
 * figure beside its target:
 *   - publish through the gate: articles per second of `publishNow`, BENCH_PUBLISHERS (4) publishers at once, each
 *     publish its own transaction (target >= 500/s), the SQL statements each publish sends, and the CPU time per
 *     publish of this process (the service runs in it) and of the PostgreSQL backends serving its database,
 *   - the service's full export path (PostgreSQL -> page -> atomic file -> checksums), in the export's own process
 *     as `npm run export` runs it (bench/publish-export-child.ts around src/publishing/export-process.ts, same node
 *     flags), against its ceiling: the same templates rendered from in-memory content and written the same way, no
 *     database, no framework, in a process forked with the same flags (bench/publish-ceiling-child.ts). Both are
 *     timed from the fork to the result, start-up included (target: the median export rate at 70% of the median
 *     ceiling rate or better; the rates without start-up are printed for information),
 *   - the export process's peak resident size, its own maxRSS high-water mark (target < 250 MB), and the heap it
 *     keeps after a full collection at 10% and at 100% of the pages (flat: pages are streamed in batches),
 *   - the time to re-export everything after one article changed (target: under 1 second; BENCH_REEXPORTS (1)
 *     times, a different article each, the median reported),
 *   - across sizes, "flat in N": peak RSS at the largest N at most 1.25x the smallest's, articles/s at least 0.8x.
 * The export and the ceiling run in alternating rounds and the medians are reported (the machine may be shared).
 * Each size runs against a database and a Redis prefix of its own (dropped afterwards); writes publish.json in
 * bench/results (or BENCH_RESULTS_DIR). `BENCH_SQL_TRACE=1` also prints the statements of the publish phase by total
 * time. `BENCH_KEEP_DATABASE=1` keeps each size's database, Redis prefix and directories (for EXPLAIN; drop them
 * after).
 * `BENCH_PUBLISH_PROFILE=<file>` writes a CPU profile of the publish phase alone (open it in Chrome DevTools).
 * `BENCH_CHILD_NODE_ARGS` (space-separated) is added to the export's and the ceiling's node flags, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` for a profile of each round.
 */
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SingleBar } from 'cli-progress';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg, { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { ArticleContent, RenderedContent } from '../src/articles/article-content.js';
import { renderContent } from '../src/articles/markdown-renderer.js';
import type { AuthUser } from '../src/auth/auth-user.js';
import { getConfig, resetConfigForTests } from '../src/core/config/app-config.js';
import { contentHash } from '../src/core/crypto/content-hash.js';
import { dataSourceOptions } from '../src/core/database/data-source-options.js';
import { ensureDatabase } from '../src/core/database/ensure-database.js';
import { runMigrationsWithLock } from '../src/core/database/migrate.js';
import { DirectoryExportService } from '../src/publishing/directory-export.service.js';
import {
  EXPORT_PROCESS_NODE_ARGS,
  type ExportProcessMessage,
  type ExportProcessResult,
  type ExportRequest,
} from '../src/publishing/export-process.js';
import { PageRendering } from '../src/publishing/page-rendering.service.js';
import type { PageSigner, PageSource } from '../src/publishing/page-view-model.js';
import { livePageValues } from '../src/publishing/published-pages.repository.js';
import { PublishingService } from '../src/publishing/publishing.service.js';
import { bylineText } from '../src/sign-offs/byline.js';
import { type Judged, judge, judgedRow, printTable, type Row, verdict } from './lib/load.js';
import { loadAverage, REPO_ROOT, RESULTS_DIR } from './lib/machine.js';
import type { CeilingMessage, CeilingRequest } from './publish-ceiling-child.js';
import { articleContent, seed } from './lib/publish-content.js';
import { cpuSeconds } from './lib/service.js';

/** Set in the child process that measures one size. */
const CHILD_SIZE = process.env.BENCH_PUBLISH_CHILD_SIZE;
const CHILD_OUT = process.env.BENCH_PUBLISH_CHILD_OUT;
const ARTICLES = Number(CHILD_SIZE ?? 0);
const BATCH = 200;
/** Rounds of (ceiling, full export); the figures are their medians. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Publishers calling "publish now" at once (each its own transaction, as concurrent requests would). */
const PUBLISHERS = Number(process.env.BENCH_PUBLISHERS ?? 4);
/**
 * Articles published through the gate (and timed); the rest are made live in SQL as the gate leaves them, to keep
 * the 50,000 run short (the export's first round checks that it finds every such page exactly as stored).
 */
const PUBLISH_SAMPLE = Number(process.env.BENCH_PUBLISH_SAMPLE ?? 2_000);
/** Re-exports after one change (a different article each), reported as their median. */
const REEXPORTS = Math.max(1, Number(process.env.BENCH_REEXPORTS ?? 1));
const TARGET_PUBLISH_RATE = 500;
const TARGET_RATIO = 0.7;
const TARGET_PEAK_RSS_MB = 250;
const TARGET_REEXPORT_SECONDS = 1;
/** The heap kept at the end of the export may exceed the heap kept after 10% by this factor and count as flat. */
const FLAT_MEMORY_FACTOR = 1.25;
/** Flat in N: the largest size's peak RSS at most this factor of the smallest's ... */
const FLAT_RSS_FACTOR = 1.25;
/** ... and its export rate at least this fraction of the smallest's. */
const FLAT_RATE_FACTOR = 0.8;

/** The sizes to measure: the command line's one, else BENCH_SIZES (comma-separated), else 10,000 and 50,000. */
function sizes(): number[] {
  const raw = process.argv[2] ?? process.env.BENCH_SIZES ?? process.env.BENCH_ARTICLES ?? '10000,50000';
  const list = raw.split(',').map((part) => Number(part.trim().replaceAll('_', '')));
  if (!list.length || list.some((n) => !Number.isInteger(n) || n < 10))
    throw new Error(`BENCH_SIZES must list article counts of at least 10, comma-separated (got "${raw}")`);
  return list;
}

/**
 * Counts the SQL statements every pg client of this process sends (TypeORM's included), and with `trace` their
 * time by statement text.
 */
const sql = {
  statements: 0,
  trace: process.env.BENCH_SQL_TRACE === '1',
  byText: new Map<string, { count: number; ms: number }>(),
};
{
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  prototype.query = function (this: unknown, ...args: unknown[]): unknown {
    sql.statements += 1;
    const result = original.apply(this, args);
    if (sql.trace && result instanceof Promise) {
      const first = args[0] as string | { text?: string };
      const text = (typeof first === 'string' ? first : (first?.text ?? '?'))
        .replace(/\s+/g, ' ')
        .slice(0, 110);
      const started = performance.now();
      const done = () => {
        const entry = sql.byText.get(text) ?? { count: 0, ms: 0 };
        entry.count += 1;
        entry.ms += performance.now() - started;
        sql.byText.set(text, entry);
      };
      result.then(done, done);
    }
    return result;
  };
}

const REVIEWER = {
  displayName: 'Alan Lucks',
  credentials: 'MD',
  affiliation: 'Alan Lucks MDPC Private Practice - New York',
};

function bar(label: string): SingleBar {
  return new SingleBar({
    format: ` ${label.padEnd(28)} {bar} {percentage}% | {value}/{total}`,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  });
}

interface Measured<T> {
  result: T;
  /** Wall time, less the full collections forced to measure retained memory. */
  seconds: number;
  peakRss: number;
  /** Resident size when the work started (after a full collection). */
  startRss: number;
  /** Heap still in use after a full garbage collection, at 10% of the work and at its end (0: not measured). */
  retainedAt10: number;
  retainedAtEnd: number;
}

/**
 * Times `work` and samples its memory: the peak resident size and, when `retained` is set (and node runs with
 * --expose-gc, as npm run bench:publish does), the heap kept after a full collection at 10% and at 100% of the
 * items (`progress(fraction)` is called by the work). Flat memory means the second is not above the first.
 */
async function measured<T>(
  work: (progress: (fraction: number) => void) => Promise<T>,
  retained = false,
): Promise<Measured<T>> {
  // What came before (seeding, publishing, the other side of the round) is collected first: the peak is this work's.
  (globalThis as { gc?: () => void }).gc?.();
  const gc = retained ? (globalThis as { gc?: () => void }).gc : undefined;
  const startRss = process.memoryUsage.rss();
  let peakRss = startRss;
  let retainedAt10 = 0;
  let retainedAtEnd = 0;
  let collecting = 0;
  const heapAfterCollection = (): number => {
    const started = performance.now();
    gc?.();
    const used = process.memoryUsage().heapUsed;
    collecting += performance.now() - started;
    return used;
  };
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 25);
  const started = performance.now();
  try {
    const result = await work((fraction) => {
      if (!gc) return;
      if (fraction >= 0.1 && !retainedAt10) retainedAt10 = heapAfterCollection();
      if (fraction >= 1 && !retainedAtEnd) retainedAtEnd = heapAfterCollection();
    });
    const seconds = (performance.now() - started - collecting) / 1000;
    return {
      result,
      seconds,
      peakRss: Math.max(peakRss, process.memoryUsage.rss()),
      startRss,
      retainedAt10,
      retainedAtEnd,
    };
  } finally {
    clearInterval(sampler);
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

function prepareEnvironment(): {
  databaseName: string;
  prefix: string;
  publishDir: string;
  ceilingDir: string;
} {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/medical_review');
  const databaseName = `mrs_bench_publish_${process.pid}`;
  base.pathname = `/${databaseName}`;
  const prefix = `mrs-bench-publish-${process.pid}`;
  const publishDir = mkdtempSync(join(tmpdir(), 'mrs-bench-publish-'));
  const ceilingDir = mkdtempSync(join(tmpdir(), 'mrs-bench-ceiling-'));
  Object.assign(process.env, {
    ENV_FILE: 'none',
    APP_ROLE: 'api',
    LOG_LEVEL: 'warn',
    DATABASE_URL: base.toString(),
    QUEUE_PREFIX: prefix,
    PUBLISH_DIR: publishDir,
    RUN_MIGRATIONS: 'true',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    JWT_SECRET: process.env.JWT_SECRET ?? 'bench-only-secret-0123456789abcdef-0123',
    AUDIT_KEY: randomBytes(32).toString('hex'),
    AUDIT_CHECKPOINT_DIR: join(tmpdir(), `mrs-bench-audit-${randomBytes(4).toString('hex')}`),
    ADMIN_EMAIL: process.env.ADMIN_EMAIL ?? 'admin@example.com',
    ADMIN_PASSWORD: process.env.ADMIN_PASSWORD ?? 'bench-admin-password',
    WEBHOOK_URLS: '',
  });
  resetConfigForTests();
  return { databaseName, prefix, publishDir, ceilingDir };
}

interface Cast {
  writerId: string;
  reviewerId: string;
  publisher: AuthUser;
}

async function insertPeople(dataSource: DataSource): Promise<Cast> {
  const [writerId, reviewerId, publisherId] = [randomUUID(), randomUUID(), randomUUID()];
  const people: [string, string, string, string][] = [
    [writerId, 'bench-writer@example.com', 'Wendy Writer', 'writer'],
    [reviewerId, 'bench-reviewer@example.com', REVIEWER.displayName, 'reviewer'],
    [publisherId, 'bench-publisher@example.com', 'Pat Publisher', 'publisher'],
  ];
  for (const [id, email, name, role] of people) {
    await dataSource.query(
      `INSERT INTO users (id, email, name, password_hash, roles) VALUES ($1, $2, $3, 'not-a-hash', ARRAY[$4])`,
      [id, email, name, role],
    );
  }
  await dataSource.query(
    `INSERT INTO reviewer_profiles (user_id, display_name, credentials, affiliation, specialties, license_number,
       license_region, license_expires_on) VALUES ($1, $2, $3, $4, '{neurology}', 'NY-209431', 'US-NY', '2030-06-30')`,
    [reviewerId, REVIEWER.displayName, REVIEWER.credentials, REVIEWER.affiliation],
  );
  return {
    writerId,
    reviewerId,
    publisher: {
      id: publisherId,
      email: 'bench-publisher@example.com',
      name: 'Pat Publisher',
      roles: ['publisher'],
    },
  };
}

/** Inserts signed articles in bulk, as the drafting and review modules would have left them: approved. */
async function insertSignedArticles(
  dataSource: DataSource,
  cast: Cast,
  base: ArticleContent,
  rendered: RenderedContent,
  signedAt: Date,
  timeZone: string,
): Promise<string[]> {
  const ids: string[] = [];
  const progress = bar('inserting signed articles');
  progress.start(ARTICLES, 0);
  const renderedJson = JSON.stringify(rendered);
  for (let start = 0; start < ARTICLES; start += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, ARTICLES - start) }, (_, k) => {
      const content = articleContent(base, start + k);
      return { id: randomUUID(), signOffId: randomUUID(), content, hash: contentHash(content) };
    });
    const byline = bylineText(
      {
        reviewerDisplayName: REVIEWER.displayName,
        reviewerCredentials: REVIEWER.credentials,
        reviewerAffiliation: REVIEWER.affiliation,
        signedAt,
      },
      timeZone,
    );
    await dataSource.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO articles (id, slug, title, specialty, status, author_id, current_revision, latest_sign_off,
                               last_reviewed_at, next_review_due_at)
         SELECT a.id, a.slug, a.title, 'neurology', 'approved', $4, 1, a.latest, $5, $6
           FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $7::jsonb[]) AS a(id, slug, title, latest)`,
        [
          rows.map((r) => r.id),
          rows.map((r) => r.content.slug),
          rows.map((r) => r.content.title),
          cast.writerId,
          signedAt,
          new Date(signedAt.getTime() + 365 * 24 * 3600 * 1000),
          rows.map((r) =>
            JSON.stringify({
              id: r.signOffId,
              revision: 1,
              contentHash: r.hash,
              reviewerId: cast.reviewerId,
              signedAt: signedAt.toISOString(),
              byline,
            }),
          ),
        ],
      );
      await tx.query(
        `INSERT INTO revisions (article_id, number, content, rendered, content_hash, created_by_id, created_at)
         SELECT r.id, 1, r.content, $3::jsonb, r.hash, $4, $5
           FROM unnest($1::uuid[], $2::jsonb[], $6::char(64)[]) AS r(id, content, hash)`,
        [
          rows.map((r) => r.id),
          rows.map((r) => JSON.stringify(r.content)),
          renderedJson,
          cast.writerId,
          new Date(signedAt.getTime() - 3600_000),
          rows.map((r) => r.hash),
        ],
      );
      await tx.query(
        `INSERT INTO sign_offs (id, article_id, revision_number, content_hash, reviewer_id, decision_id,
                                reviewer_display_name, reviewer_credentials, reviewer_affiliation, license_number,
                                license_region, license_expires_on, signed_at)
         SELECT s.id, s.article_id, 1, s.hash, $4, gen_random_uuid(), $5, $6, $7, 'NY-209431', 'US-NY', '2030-06-30', $8
           FROM unnest($1::uuid[], $2::uuid[], $3::char(64)[]) AS s(id, article_id, hash)`,
        [
          rows.map((r) => r.signOffId),
          rows.map((r) => r.id),
          rows.map((r) => r.hash),
          cast.reviewerId,
          REVIEWER.displayName,
          REVIEWER.credentials,
          REVIEWER.affiliation,
          signedAt,
        ],
      );
    });
    ids.push(...rows.map((r) => r.id));
    progress.update(ids.length);
  }
  progress.stop();
  return ids;
}

/**
 * Makes the approved articles live in SQL, as the gate leaves them: each page rendered by the service's own
 * PageRendering from what the export will read, stored live, the article published. (Publication rows and audit
 * events, which the export does not read, are left out.)
 */
async function publishRestInSql(
  dataSource: DataSource,
  rendering: PageRendering,
  count: number,
): Promise<void> {
  if (count <= 0) return;
  const progress = bar('the rest made live in SQL');
  progress.start(count, 0);
  const publishedAt = new Date();
  let afterId = '00000000-0000-0000-0000-000000000000';
  let done = 0;
  for (;;) {
    const rows = await dataSource.query<
      {
        id: string;
        next_review_due_at: Date | null;
        content: ArticleContent;
        rendered: RenderedContent;
        created_at: Date;
        sign_off_id: string;
        reviewer_id: string;
        reviewer_display_name: string;
        reviewer_credentials: string;
        reviewer_affiliation: string;
        signed_at: Date;
        author_name: string;
      }[]
    >(
      `SELECT a.id, a.next_review_due_at, r.content, r.rendered, r.created_at, s.id AS sign_off_id, s.reviewer_id,
              s.reviewer_display_name, s.reviewer_credentials, s.reviewer_affiliation, s.signed_at,
              u.name AS author_name
         FROM articles a
         JOIN revisions r ON r.article_id = a.id AND r.number = a.current_revision
         JOIN sign_offs s ON s.article_id = a.id AND s.revision_number = r.number
         JOIN users u ON u.id = a.author_id
        WHERE a.status = 'approved' AND a.id > $1
        ORDER BY a.id LIMIT 250`,
      [afterId],
    );
    if (!rows.length) break;
    afterId = rows[rows.length - 1].id;
    const pages = rows.map((row) => {
      const source: PageSource = {
        articleId: row.id,
        revisionNumber: 1,
        revisionCreatedAt: row.created_at,
        content: row.content,
        rendered: row.rendered,
        authorName: row.author_name,
        signer: {
          signOffId: row.sign_off_id,
          reviewerId: row.reviewer_id,
          displayName: row.reviewer_display_name,
          credentials: row.reviewer_credentials,
          affiliation: row.reviewer_affiliation,
          signedAt: row.signed_at,
        },
        firstPublishedAt: publishedAt,
        nextReviewDueAt: row.next_review_due_at,
        related: [],
      };
      return {
        articleId: row.id,
        ...livePageValues(source, rendering.renderPage(source), rendering.fingerprint),
      };
    });
    await dataSource.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO published_pages (article_id, slug, live, title, description, revision_number, sign_off_id,
                                      reviewer_id, last_reviewed_at, next_review_due_at, modified_at, related_slugs,
                                      html, html_checksum, render_fingerprint, stale)
         SELECT p.article_id, p.slug, true, p.title, p.description, 1, p.sign_off_id, p.reviewer_id,
                p.last_reviewed_at, p.next_review_due_at, p.modified_at,
                ARRAY(SELECT jsonb_array_elements_text(p.related)), p.html, p.checksum, $12, false
           FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::text[], $5::uuid[], $6::uuid[],
                       $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::jsonb[], $11::text[], $13::text[])
                AS p(article_id, slug, title, description, sign_off_id, reviewer_id, last_reviewed_at,
                     next_review_due_at, modified_at, related, html, checksum)`,
        [
          pages.map((p) => p.articleId),
          pages.map((p) => p.slug),
          pages.map((p) => p.title),
          pages.map((p) => p.description),
          pages.map((p) => p.signOffId),
          pages.map((p) => p.reviewerId),
          pages.map((p) => p.lastReviewedAt),
          pages.map((p) => p.nextReviewDueAt),
          pages.map((p) => p.modifiedAt),
          pages.map((p) => JSON.stringify(p.relatedSlugs)),
          pages.map((p) => p.html),
          rendering.fingerprint,
          pages.map((p) => p.htmlChecksum),
        ],
      );
      await tx.query(
        `UPDATE articles SET status = 'published', published_revision = current_revision,
                first_published_at = $2, version = version + 1, updated_at = $2
          WHERE id = ANY($1::uuid[])`,
        [pages.map((p) => p.articleId), publishedAt],
      );
    });
    done += rows.length;
    progress.update(done);
  }
  progress.stop();
  if (done !== count) throw new Error(`made ${done} articles live in SQL, expected ${count}`);
}

/** A writer's edit of one article, signed again: what "one article changed" means for the re-export. */
async function changeOneArticle(
  dataSource: DataSource,
  articleId: string,
  cast: Cast,
  at: Date,
): Promise<void> {
  const [revision] = await dataSource.query<{ content: ArticleContent; rendered: RenderedContent }[]>(
    'SELECT content, rendered FROM revisions WHERE article_id = $1 AND number = 1',
    [articleId],
  );
  const content = { ...revision.content, title: `${revision.content.title} (revised)` };
  const hash = contentHash(content);
  await dataSource.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO revisions (article_id, number, content, rendered, content_hash, created_by_id, created_at)
       VALUES ($1, 2, $2, $3, $4, $5, $6)`,
      [articleId, JSON.stringify(content), JSON.stringify(revision.rendered), hash, cast.writerId, at],
    );
    await tx.query(
      `INSERT INTO sign_offs (id, article_id, revision_number, content_hash, reviewer_id, decision_id,
                              reviewer_display_name, reviewer_credentials, reviewer_affiliation, license_number,
                              license_region, license_expires_on, signed_at)
       VALUES (gen_random_uuid(), $1, 2, $2, $3, gen_random_uuid(), $4, $5, $6, 'NY-209431', 'US-NY', '2030-06-30', $7)`,
      [
        articleId,
        hash,
        cast.reviewerId,
        REVIEWER.displayName,
        REVIEWER.credentials,
        REVIEWER.affiliation,
        at,
      ],
    );
    await tx.query(
      `UPDATE articles SET current_revision = 2, title = $2, version = version + 1 WHERE id = $1`,
      [articleId, content.title],
    );
  });
}

/** Before the application starts: its start-up hooks (the first admin) need the schema. */
async function migrate(databaseUrl: string): Promise<void> {
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl)).initialize();
  try {
    await runMigrationsWithLock(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

async function cleanUp(databaseName: string, prefix: string, dirs: string[]): Promise<void> {
  if (process.env.BENCH_KEEP_DATABASE === '1') {
    console.log(
      `kept (BENCH_KEEP_DATABASE=1): database ${databaseName}, Redis prefix ${prefix}, ${dirs.join(', ')}`,
    );
    return;
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  const admin = new URL(process.env.DATABASE_URL!);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await client.end();
  const redis = new Redis(process.env.REDIS_URL!);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}

/** What one size's child process measured. */
interface SizeResult {
  articles: number;
  loadBefore: [number, number, number];
  loadAfter: [number, number, number];
  setupSeconds: number;
  publish: {
    publishers: number;
    articles: number;
    seconds: number;
    articlesPerSecond: number;
    statementsPerArticle: number;
    /** CPU time of this (the service's) process per publish, user + system; PostgreSQL's is not counted. */
    cpuMsPerArticle: number;
    /**
     * CPU time of the PostgreSQL backends serving this database during the publish phase, per publish (from
     * /proc: only when the server runs on this machine; the WAL writer and other server processes not counted).
     */
    postgresCpuMsPerArticle: number | null;
  };
  export: {
    articlesPerSecond: number;
    secondsPerRound: number[];
    peakRssMb: number;
    startupSeconds: number;
    nodeArgs: string;
    /** Without the process's start-up: the export's own duration. */
    workArticlesPerSecond: number;
    retainedHeapAfter10PercentMb: number;
    retainedHeapAtEndMb: number;
    statementsPerPage: number;
    /** CPU per page of the export's process (start-up included), median of the rounds. */
    cpuMsPerPage: number;
    /**
     * CPU per page of the PostgreSQL backends serving the export's process (sampled from /proc every 100 ms while
     * it runs, so the last ≤ 100 ms of each is missed), median of the rounds; null when not readable here.
     */
    postgresCpuMsPerPage: number | null;
  };
  ceiling: {
    articlesPerSecond: number;
    secondsPerRound: number[];
    startupSeconds: number;
    peakRssMb: number;
    workArticlesPerSecond: number;
    /** CPU per page of the ceiling's process (start-up included), median of the rounds. */
    cpuMsPerPage: number;
  };
  /** Per round: ceiling seconds / export seconds. */
  perRoundRatio: number[];
  reexportSeconds: number;
  reexportSecondsEach: number[];
  measuredAfterGarbageCollection: boolean;
}

/** One size, in this (child) process: its own database, Redis prefix and directories. */
async function measureOneSize(): Promise<SizeResult> {
  const env = prepareEnvironment();
  const config = getConfig();
  try {
    await ensureDatabase(config.env.DATABASE_URL);
    await migrate(config.env.DATABASE_URL);
    const { AppModule } = await import('../src/app.module.js');
    const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
    try {
      return await run(app, config.env.PUBLICATION_TIMEZONE, env.ceilingDir);
    } finally {
      await app.close();
    }
  } finally {
    await cleanUp(env.databaseName, env.prefix, [env.publishDir, env.ceilingDir]);
  }
}

async function run(app: INestApplicationContext, timeZone: string, ceilingDir: string): Promise<SizeResult> {
  const loadBefore = loadAverage();
  const dataSource = app.get(DataSource);
  const publishing = app.get(PublishingService);
  const exporter = app.get(DirectoryExportService);
  const site = app.get(PageRendering).site;
  const signedAt = new Date('2026-01-10T20:00:00Z');
  const base = seed();
  const rendered = renderContent(base);

  // Setup: signed articles, as the review flow leaves them.
  const setupStarted = performance.now();
  const cast = await insertPeople(dataSource);
  const ids = await insertSignedArticles(dataSource, cast, base, rendered, signedAt, timeZone);
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  // Publish PUBLISH_SAMPLE of them through the gate (sign-off check, render, publication rows, audit event), by
  // PUBLISHERS publishers at once, each publish its own transaction; the others in SQL, untimed.
  const changed = Array.from(
    { length: REEXPORTS },
    (_, k) => ids[(Math.floor(ARTICLES / 2) + k) % ids.length],
  );
  ids.length = Math.min(ids.length, PUBLISH_SAMPLE);
  const publishBar = bar('publishing through the gate');
  publishBar.start(ids.length, 0);
  const backendsBefore = await backendCpu(dataSource);
  const statementsBeforePublish = sql.statements;
  sql.byText.clear();
  let published = 0;
  const profiler = await startPublishProfile();
  const cpuBefore = process.cpuUsage();
  const publish = await measured(async () => {
    const publisher = async () => {
      while (published < ids.length) {
        const id = ids[published++];
        await publishing.publishNow(cast.publisher, id);
        publishBar.increment();
      }
    };
    await Promise.all(Array.from({ length: PUBLISHERS }, publisher));
  });
  const cpu = process.cpuUsage(cpuBefore);
  const publishStatements = sql.statements - statementsBeforePublish;
  const backendsAfter = await backendCpu(dataSource);
  await profiler?.();
  publishBar.stop();
  const publishedThroughGate = ids.length;
  if (sql.trace) printTrace(publishedThroughGate);
  ids.length = 0;
  await publishRestInSql(dataSource, app.get(PageRendering), ARTICLES - publishedThroughGate);

  // The service's full export path and the ceiling, in the same run, in alternating rounds: on a shared machine
  // the load changes, and each pair of measurements runs back to back. Round 1 writes into empty directories,
  // later rounds rewrite every page (the export with force).
  const signer: PageSigner = {
    signOffId: randomUUID(),
    reviewerId: cast.reviewerId,
    ...REVIEWER,
    signedAt,
  };
  const rounds: {
    full: ChildRun<ExportProcessResult>;
    ceiling: ChildRun<CeilingDone>;
    /** CPU seconds of the backends that served the export's process (null: not readable here). */
    exportBackendsCpu: number | null;
  }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const ceilingBar = bar(`ceiling, round ${round}/${ROUNDS}`);
    ceilingBar.start(ARTICLES, 0);
    const top = await inChild<CeilingDone, CeilingMessage>(
      CEILING_ENTRY,
      [],
      {
        articles: ARTICLES,
        signer: { ...signer, signedAt: signer.signedAt.toISOString() },
        site,
        directory: ceilingDir,
        every: 100,
      } satisfies CeilingRequest,
      (message) => {
        if (message.type === 'progress') ceilingBar.update(message.done);
        return message.type === 'done' ? message : undefined;
      },
    );
    ceilingBar.stop();

    const exportBar = bar(`full export, round ${round}/${ROUNDS}`);
    exportBar.start(ARTICLES, 0);
    const backends = sampleBackends(dataSource);
    const full = await inChild<ExportProcessResult, ExportProcessMessage>(
      EXPORT_ENTRY,
      round === 1 ? ['--expose-gc'] : [],
      { mode: 'full', force: round > 1, trigger: 'bench' } satisfies ExportRequest,
      (message) => {
        if (message.type === 'progress' && message.progress.phase === 'render')
          exportBar.update(message.progress.done);
        if (message.type === 'error') throw new Error(`the export process failed: ${message.message}`);
        return message.type === 'summary'
          ? { summary: message.summary, peakRssBytes: message.peakRssBytes, extra: message.extra ?? {} }
          : undefined;
      },
      { BENCH_EXPORT_SAMPLE_HEAP: round === 1 ? '1' : '0' },
    );
    exportBar.stop();
    const exportBackendsCpu = await backends.stop();
    const summary = full.result.summary;
    if (summary.written !== ARTICLES) throw new Error(`the export wrote ${summary.written} pages`);
    if (summary.changed !== 0)
      throw new Error(`the export found ${summary.changed} pages other than stored: the setup is wrong`);
    rounds.push({ full, ceiling: top, exportBackendsCpu });
  }
  const [first] = rounds;

  // One article changes (edited, signed again, published); then everything is re-exported. REEXPORTS times, a
  // different article each time; the median is reported.
  const reexports: number[] = [];
  for (let k = 0; k < REEXPORTS; k++) {
    await changeOneArticle(dataSource, changed[k], cast, new Date(signedAt.getTime() + 86_400_000));
    await publishing.publishNow(cast.publisher, changed[k]);
    const again = await measured(() => exporter.run({ mode: 'incremental', trigger: 'bench' }));
    if (again.result.written !== 1)
      throw new Error(`the re-export wrote ${again.result.written} pages, not 1`);
    reexports.push(again.seconds);
  }

  return {
    articles: ARTICLES,
    loadBefore,
    loadAfter: loadAverage(),
    setupSeconds: Number(setupSeconds.toFixed(1)),
    publish: {
      publishers: PUBLISHERS,
      articles: publishedThroughGate,
      seconds: Number(publish.seconds.toFixed(1)),
      articlesPerSecond: publishedThroughGate / publish.seconds,
      statementsPerArticle: Number((publishStatements / publishedThroughGate).toFixed(1)),
      cpuMsPerArticle: Number(((cpu.user + cpu.system) / 1000 / publishedThroughGate).toFixed(2)),
      postgresCpuMsPerArticle:
        backendsBefore && backendsAfter
          ? Number(((cpuDelta(backendsBefore, backendsAfter) * 1000) / publishedThroughGate).toFixed(2))
          : null,
    },
    export: {
      articlesPerSecond: median(rounds.map((r) => ARTICLES / r.full.seconds)),
      secondsPerRound: rounds.map((r) => Number(r.full.seconds.toFixed(2))),
      peakRssMb: mb(Math.max(...rounds.map((r) => r.full.result.peakRssBytes))),
      startupSeconds: median(
        rounds.map((r) => Number((r.full.seconds - r.full.result.summary.durationMs / 1000).toFixed(2))),
      ),
      nodeArgs: EXPORT_PROCESS_NODE_ARGS.join(' '),
      workArticlesPerSecond: median(rounds.map((r) => ARTICLES / (r.full.result.summary.durationMs / 1000))),
      retainedHeapAfter10PercentMb: mb(first.full.result.extra.retainedAt10 ?? 0),
      retainedHeapAtEndMb: mb(first.full.result.extra.retainedAtEnd ?? 0),
      statementsPerPage: Number(
        (median(rounds.map((r) => r.full.result.extra.statements ?? 0)) / ARTICLES).toFixed(3),
      ),
      cpuMsPerPage: Number((median(rounds.map((r) => r.full.result.extra.cpuMs ?? 0)) / ARTICLES).toFixed(3)),
      postgresCpuMsPerPage: rounds.every((r) => r.exportBackendsCpu !== null)
        ? Number(((median(rounds.map((r) => r.exportBackendsCpu!)) * 1000) / ARTICLES).toFixed(3))
        : null,
    },
    ceiling: {
      articlesPerSecond: median(rounds.map((r) => ARTICLES / r.ceiling.seconds)),
      secondsPerRound: rounds.map((r) => Number(r.ceiling.seconds.toFixed(2))),
      startupSeconds: median(
        rounds.map((r) => Number((r.ceiling.seconds - r.ceiling.result.workSeconds).toFixed(2))),
      ),
      peakRssMb: mb(Math.max(...rounds.map((r) => r.ceiling.result.peakRssBytes))),
      workArticlesPerSecond: median(rounds.map((r) => ARTICLES / r.ceiling.result.workSeconds)),
      cpuMsPerPage: Number(
        ((median(rounds.map((r) => r.ceiling.result.cpuSeconds)) * 1000) / ARTICLES).toFixed(3),
      ),
    },
    perRoundRatio: rounds.map((r) => Number((r.ceiling.seconds / r.full.seconds).toFixed(2))),
    reexportSeconds: median(reexports),
    reexportSecondsEach: reexports.map((seconds) => Number(seconds.toFixed(3))),
    measuredAfterGarbageCollection: first.full.result.extra.retainedAt10 > 0,
  };
}

const EXPORT_ENTRY = fileURLToPath(new URL('./publish-export-child.js', import.meta.url));
const CEILING_ENTRY = fileURLToPath(new URL('./publish-ceiling-child.js', import.meta.url));

interface ChildRun<T> {
  result: T;
  /** From the fork to the result: start-up included, the full collections the child timed taken off. */
  seconds: number;
}

/**
 * Forks `entry` with the export process's node flags (plus `extraArgs`), sends it `request` and times it until
 * `read` makes a result of one of its messages. The export and the ceiling are both measured this way.
 */
function inChild<T, M>(
  entry: string,
  extraArgs: string[],
  request: object,
  read: (message: M) => T | undefined,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildRun<T>> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = fork(entry, [], {
      execArgv: [
        ...EXPORT_PROCESS_NODE_ARGS,
        ...extraArgs,
        ...(process.env.BENCH_CHILD_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
      ],
      env: { ...process.env, ...env },
      stdio: 'inherit',
    });
    let run: ChildRun<T> | undefined;
    let failure: Error | undefined;
    child.on('message', (message) => {
      try {
        const result = read(message as M);
        if (result === undefined) return;
        const collectingMs = (result as { extra?: { collectingMs?: number } }).extra?.collectingMs ?? 0;
        run = { result, seconds: (performance.now() - started - collectingMs) / 1000 };
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (run && code === 0) resolve(run);
      else reject(failure ?? new Error(`${entry} ended with ${signal ?? code} before its result`));
    });
    child.send(request);
  });
}

interface CeilingDone {
  workSeconds: number;
  peakRssBytes: number;
  cpuSeconds: number;
}

/**
 * BENCH_PUBLISH_PROFILE=<file.cpuprofile>: a CPU profile of this process during the publish phase only (not the
 * seeding nor the export); returns the function that stops it and writes the file.
 */
async function startPublishProfile(): Promise<(() => Promise<void>) | null> {
  const file = process.env.BENCH_PUBLISH_PROFILE;
  if (!file) return null;
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`publish-phase CPU profile written to ${file}`);
  };
}

/**
 * CPU seconds (user + system) used so far by each PostgreSQL backend connected to this database, by pid; null when
 * the server's processes are not readable here (another machine or container).
 */
async function backendCpu(dataSource: DataSource): Promise<Map<number, number> | null> {
  const rows = await dataSource.query<{ pid: number }[]>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const seconds = cpuSeconds(pid);
    if (seconds !== undefined) cpu.set(pid, seconds);
  }
  return cpu.size ? cpu : null;
}

/**
 * Samples, every 100 ms until stopped, the CPU of every other backend of this database (the export process's
 * connections come and go with it): `stop()` gives the CPU seconds they used while sampled (a backend first seen
 * meanwhile: all of its), or null when the server's processes are not readable here.
 */
function sampleBackends(dataSource: DataSource): { stop: () => Promise<number | null> } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let readable = false;
  let sampling = true;
  let started = false;
  const sample = async () => {
    const rows = await dataSource.query<{ pid: number }[]>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    for (const { pid } of rows) {
      const seconds = cpuSeconds(pid);
      if (seconds === undefined) continue;
      readable = true;
      if (!first.has(pid)) first.set(pid, started ? 0 : seconds);
      last.set(pid, seconds);
    }
  };
  const loop = (async () => {
    await sample();
    started = true;
    while (sampling) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await sample();
    }
  })();
  return {
    stop: async () => {
      sampling = false;
      await loop;
      if (!readable) return null;
      let seconds = 0;
      for (const [pid, used] of last) seconds += used - (first.get(pid) ?? 0);
      return seconds;
    },
  };
}

/** CPU seconds the backends of `after` used since `before` (a backend that connected meanwhile: all of its). */
function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let seconds = 0;
  for (const [pid, used] of after) seconds += used - (before.get(pid) ?? 0);
  return seconds;
}

/** BENCH_SQL_TRACE=1: the publish phase's statements by total time, with their count per article. */
function printTrace(articles: number): void {
  const top = [...sql.byText].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
  console.log('\nSQL during the publish phase (per article, total ms, statement):');
  for (const [text, { count, ms }] of top)
    console.log(`  ${(count / articles).toFixed(2).padStart(6)}  ${ms.toFixed(0).padStart(7)} ms  ${text}`);
}

/** Runs one size in a child process of its own (fresh heap and RSS), showing its progress. */
function measureInChild(size: number): Promise<SizeResult> {
  const folder = mkdtempSync(join(tmpdir(), 'mrs-bench-publish-result-'));
  const out = join(folder, 'result.json');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
      env: { ...process.env, BENCH_PUBLISH_CHILD_SIZE: String(size), BENCH_PUBLISH_CHILD_OUT: out },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      try {
        if (code !== 0) throw new Error(`the run at ${size} articles ended with ${signal ?? code}`);
        resolve(JSON.parse(readFileSync(out, 'utf8')) as SizeResult);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    });
  });
}

const fmtLoad = (load: [number, number, number]) => load.join(' ');

function sizeRows(result: SizeResult): { rows: Row[]; judged: Judged[] } {
  const n = result.articles.toLocaleString('en-US');
  const publishJudged = judge(result.publish.articlesPerSecond, '>=', TARGET_PUBLISH_RATE);
  const exportJudged = judge(
    result.export.articlesPerSecond,
    '>=',
    result.ceiling.articlesPerSecond * TARGET_RATIO,
  );
  const ratio = result.export.articlesPerSecond / result.ceiling.articlesPerSecond;
  const rssJudged = judge(result.export.peakRssMb, '<', TARGET_PEAK_RSS_MB);
  const heapGrowth = result.export.retainedHeapAtEndMb / result.export.retainedHeapAfter10PercentMb;
  const heapJudged = judge(heapGrowth, '<=', FLAT_MEMORY_FACTOR, 2);
  const reexportJudged = judge(result.reexportSeconds, '<', TARGET_REEXPORT_SECONDS, 3);
  const rows: Row[] = [
    judgedRow(
      `[${n}] publish through the gate (articles/s, ${result.publish.articles.toLocaleString('en-US')} of them, ${result.publish.publishers === 1 ? 'one at a time' : `${result.publish.publishers} publishers at once`})`,
      publishJudged,
    ),
    [`[${n}] SQL statements per publish`, `${result.publish.statementsPerArticle}`, '(information)', '-'],
    [`[${n}] CPU ms per publish (this process)`, `${result.publish.cpuMsPerArticle}`, '(information)', '-'],
    [
      `[${n}] PostgreSQL backends' CPU ms per publish`,
      `${result.publish.postgresCpuMsPerArticle ?? 'not measured (server not on this machine)'}`,
      '(information)',
      '-',
    ],
    [
      `[${n}] full export in its own process, fork to summary (articles/s, median of ${result.export.secondsPerRound.length})`,
      exportJudged.measured,
      `${exportJudged.target} (${TARGET_RATIO * 100}% of ceiling)`,
      `${ratio.toFixed(2)} of ceiling (rounds ${result.perRoundRatio.join(', ')}), ${verdict(exportJudged.met)}`,
    ],
    [
      `[${n}] ceiling, same process model, no DB/framework (articles/s, median)`,
      `${Math.round(result.ceiling.articlesPerSecond)}`,
      '-',
      '1.00',
    ],
    judgedRow(`[${n}] export process peak RSS (MB, its maxRSS, max of the rounds)`, rssJudged),
    [
      `[${n}] heap kept by the export (MB)`,
      `${result.export.retainedHeapAfter10PercentMb} at 10% -> ${result.export.retainedHeapAtEndMb} at 100%`,
      `flat (<= ${FLAT_MEMORY_FACTOR}x)`,
      `${heapJudged.measured}x, ${verdict(heapJudged.met)}`,
    ],
    [
      `[${n}] start-up in the rounds' time, export / ceiling (s); ceiling peak RSS (MB); node flags`,
      `${result.export.startupSeconds} / ${result.ceiling.startupSeconds}; ${result.ceiling.peakRssMb}; ${result.export.nodeArgs}`,
      '(information)',
      '-',
    ],
    [
      `[${n}] the same without start-up: export's own run (summary.durationMs) / ceiling's work (articles/s, median)`,
      `${Math.round(result.export.workArticlesPerSecond)} / ${Math.round(result.ceiling.workArticlesPerSecond)}`,
      '(information)',
      (result.export.workArticlesPerSecond / result.ceiling.workArticlesPerSecond).toFixed(2),
    ],
    [`[${n}] SQL statements per exported page`, `${result.export.statementsPerPage}`, '(information)', '-'],
    [
      `[${n}] CPU ms per page, start-up included: export process + its PostgreSQL backends / ceiling process`,
      `${result.export.cpuMsPerPage} + ${result.export.postgresCpuMsPerPage ?? '?'} / ${result.ceiling.cpuMsPerPage}`,
      '(information)',
      result.export.postgresCpuMsPerPage === null
        ? '-'
        : `${((result.export.cpuMsPerPage + result.export.postgresCpuMsPerPage) / result.ceiling.cpuMsPerPage).toFixed(2)}x the ceiling's CPU`,
    ],
    judgedRow(
      `[${n}] re-export after 1 change (s${result.reexportSecondsEach.length > 1 ? `, median of ${result.reexportSecondsEach.join(', ')}` : ''})`,
      reexportJudged,
    ),
    [
      `[${n}] load average (1 5 15 min), before -> after`,
      `${fmtLoad(result.loadBefore)} -> ${fmtLoad(result.loadAfter)}`,
      `${cpus().length} CPUs`,
      '-',
    ],
  ];
  return { rows, judged: [publishJudged, exportJudged, rssJudged, heapJudged, reexportJudged] };
}

function flatRows(results: SizeResult[]): { rows: Row[]; judged: Judged[] } {
  if (results.length < 2) return { rows: [], judged: [] };
  const small = results.reduce((a, b) => (b.articles < a.articles ? b : a));
  const large = results.reduce((a, b) => (b.articles > a.articles ? b : a));
  const span = `${large.articles.toLocaleString('en-US')} vs ${small.articles.toLocaleString('en-US')}`;
  const rss = judge(large.export.peakRssMb / small.export.peakRssMb, '<=', FLAT_RSS_FACTOR, 2);
  const rate = judge(
    large.export.articlesPerSecond / small.export.articlesPerSecond,
    '>=',
    FLAT_RATE_FACTOR,
    2,
  );
  return {
    rows: [
      [
        `flat in N: export peak RSS, ${span} (ratio)`,
        `${rss.measured} (${large.export.peakRssMb} / ${small.export.peakRssMb} MB)`,
        rss.target,
        verdict(rss.met),
      ],
      [
        `flat in N: export articles/s, ${span} (ratio)`,
        `${rate.measured} (${Math.round(large.export.articlesPerSecond)} / ${Math.round(small.export.articlesPerSecond)})`,
        rate.target,
        verdict(rate.met),
      ],
    ],
    judged: [rss, rate],
  };
}

async function main(): Promise<void> {
  if (CHILD_SIZE) {
    if (!Number.isInteger(ARTICLES) || ARTICLES < 10)
      throw new Error('give a number of articles of at least 10');
    const result = await measureOneSize();
    writeFileSync(CHILD_OUT!, JSON.stringify(result));
    return;
  }
  const list = sizes();
  console.log(
    `bench:publish: ${list.map((n) => n.toLocaleString('en-US')).join(' and ')} seed-sized articles, ` +
      `${cpus().length} CPUs, node ${process.version}, load average ${fmtLoad(loadAverage())}`,
  );
  const results: SizeResult[] = [];
  for (const [index, size] of list.entries()) {
    console.log(
      `\n[${index + 1}/${list.length}] ${size.toLocaleString('en-US')} articles (a process of its own)`,
    );
    results.push(await measureInChild(size));
  }
  const perSize = results.map(sizeRows);
  const flat = flatRows(results);
  printTable([...perSize.flatMap((s) => s.rows), ...flat.rows]);

  const bySize = results.map((r, i) => ({
    articles: r.articles,
    loadAverage: { before: r.loadBefore, after: r.loadAfter },
    setupSeconds: r.setupSeconds,
    publishThroughGate: {
      publishers: r.publish.publishers,
      articles: r.publish.articles,
      seconds: r.publish.seconds,
      articlesPerSecond: Math.round(r.publish.articlesPerSecond),
      statementsPerArticle: r.publish.statementsPerArticle,
      cpuMsPerArticle: r.publish.cpuMsPerArticle,
      postgresCpuMsPerArticle: r.publish.postgresCpuMsPerArticle,
      target: TARGET_PUBLISH_RATE,
      met: perSize[i].judged[0].met,
    },
    fullExport: {
      articlesPerSecond: Math.round(r.export.articlesPerSecond),
      secondsPerRound: r.export.secondsPerRound,
      peakRssMb: r.export.peakRssMb,
      peakRssTargetMb: TARGET_PEAK_RSS_MB,
      peakRssMet: perSize[i].judged[2].met,
      startupSeconds: r.export.startupSeconds,
      nodeArgs: r.export.nodeArgs,
      workArticlesPerSecond: Math.round(r.export.workArticlesPerSecond),
      retainedHeapAfter10PercentMb: r.export.retainedHeapAfter10PercentMb,
      retainedHeapAtEndMb: r.export.retainedHeapAtEndMb,
      statementsPerPage: r.export.statementsPerPage,
    },
    ceiling: {
      articlesPerSecond: Math.round(r.ceiling.articlesPerSecond),
      secondsPerRound: r.ceiling.secondsPerRound,
      startupSeconds: r.ceiling.startupSeconds,
      peakRssMb: r.ceiling.peakRssMb,
      workArticlesPerSecond: Math.round(r.ceiling.workArticlesPerSecond),
    },
    fullToCeilingRatio: {
      value: Number((r.export.articlesPerSecond / r.ceiling.articlesPerSecond).toFixed(2)),
      statistic: 'median export rate / median ceiling rate',
      perRound: r.perRoundRatio,
      target: TARGET_RATIO,
      met: perSize[i].judged[1].met,
    },
    reexportAfterOneChange: {
      seconds: Number(r.reexportSeconds.toFixed(3)),
      each: r.reexportSecondsEach,
      target: TARGET_REEXPORT_SECONDS,
      met: perSize[i].judged[4].met,
    },
    memory: {
      measuredAfterGarbageCollection: r.measuredAfterGarbageCollection,
      retainedAtEndOverAfter10Percent: Number(perSize[i].judged[3].measured),
      target: `<= ${FLAT_MEMORY_FACTOR}`,
      met: perSize[i].judged[3].met,
    },
  }));
  // The top-level figures are those of the first size (the summary page reads them); every size is in bySize.
  const output = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, memoryMb: mb(totalmem()), node: process.version },
    ...bySize[0],
    flatInN: flat.judged.length
      ? {
          peakRssRatio: {
            value: Number(flat.judged[0].measured),
            target: `<= ${FLAT_RSS_FACTOR}`,
            met: flat.judged[0].met,
          },
          articlesPerSecondRatio: {
            value: Number(flat.judged[1].measured),
            target: `>= ${FLAT_RATE_FACTOR}`,
            met: flat.judged[1].met,
          },
        }
      : null,
    bySize,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const resultPath = join(RESULTS_DIR, 'publish.json');
  writeFileSync(resultPath, `${JSON.stringify(output, null, 2)}\n`);
  const shown = relative(REPO_ROOT, resultPath);
  console.log(
    `\nload average now ${fmtLoad(loadAverage())}; written to ${shown.startsWith('..') ? resultPath : shown}`,
  );
}

main().catch((error: unknown) => {
  console.error(
    `bench:publish failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
