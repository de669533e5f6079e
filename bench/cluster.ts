/**
 * `npm run bench:cluster`: several processes, one system (#15 §4). BENCH_API_PROCESSES (2) `APP_ROLE=api` and
 * BENCH_WORKER_PROCESSES (2) `APP_ROLE=worker` processes of the compiled service on one PostgreSQL database and
 * one Redis prefix, as `docker compose up --scale api=2 --scale worker=2` runs them, under both loads at once:
 *
 * 1. Starts an SMTP sink in this process and the processes all at once (each migrates under the advisory lock;
 *    one JWT secret, one queue prefix, SMTP_URL to the sink, SWEEP_EVERY=PT1S so the workers' own sweep picks up
 *    due reminders within a second). A fresh database mrs_bench_cluster, prefix mrs-bench-cluster.
 * 2. Seeds BENCH_ARTICLES (50) signed articles (bench/lib/seed.ts), a writer and a publisher invited through
 *    POST /users, and publishes BENCH_PROPAGATION_TRIALS (10) of them through the API; loads BENCH_REMINDERS
 *    (5,000) articles whose reminder is due, their schedules held back (bench/lib/reminders.ts).
 * 3. Warm-up: BENCH_WARMUP_SECONDS (3) of reads on every API process.
 * 4. Then, at the same moment:
 *    - the article-read load: autocannon GET /articles/:id with the writer's JWT, BENCH_CONNECTIONS (50) split
 *      evenly over the API processes, for BENCH_SECONDS (30); req/s summed over the processes;
 *    - the reminder load: the due schedules are inserted; the workers' sweep queues them, the workers render,
 *      dedupe and send through the sink; e-mails/s from the insert until every reminder's outbox row is `sent`;
 *    - propagation trials, spread over the read load: a new signed revision of a live article (SQL, as the
 *      review would leave it) whose old page the other API process has just served (twice: cached in memory);
 *      POST /articles/:id/publish on one API process (A, then B, alternately); GET /public/articles/:slug polled
 *      back to back on the other until it serves the new page (its ETag is the publish answer's htmlChecksum and
 *      its body has the new title). The delay is from the publish answer to that response; the maximum is
 *      judged against 1 s.
 * 5. Duplicates: each message the sink received, counted by Message-ID (the outbox row id): every reminder's
 *    row must have arrived exactly once, and no message at all twice.
 * Targets: the article-read targets (>= 1,500 req/s, p99 < 100 ms) for the whole deployment, >= 300 reminder
 * e-mails/s (bench:schedule's), publish-to-other-process <= 1,000 ms (maximum of the trials), 0 duplicates.
 * Writes bench/results/cluster.json. The database and the Redis keys are deleted afterwards
 * (BENCH_KEEP_DATABASE=1 keeps the database).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type Cluster, type ClusterProcess, startCluster, stopCluster } from './lib/cluster.js';
import { gitCommit } from './lib/history.js';
import {
  assertClean,
  intEnv,
  judge,
  type Judged,
  judgedRow,
  load,
  type LoadResult,
  printTable,
  progress,
  type Row,
} from './lib/load.js';
import { loadAverage, machineInfo, RESULTS_DIR } from './lib/machine.js';
import { loadDueReminders, releaseDueReminders } from './lib/reminders.js';
import { signNewRevision } from './lib/revise.js';
import { insertSignedArticles, type SeededArticle } from './lib/seed.js';
import { api, cpuSeconds as cpuOf, createUser, login, type RunningService } from './lib/service.js';
import { outboxIdOf, type SmtpSink, startSmtpSink } from './lib/smtp-sink.js';

const API_PROCESSES = intEnv('BENCH_API_PROCESSES', 2);
const WORKER_PROCESSES = intEnv('BENCH_WORKER_PROCESSES', 2);
const ARTICLES = intEnv('BENCH_ARTICLES', 50);
const CONNECTIONS = intEnv('BENCH_CONNECTIONS', 50);
const SECONDS = intEnv('BENCH_SECONDS', 30);
const WARMUP_SECONDS = intEnv('BENCH_WARMUP_SECONDS', 3, 0);
const REMINDERS = intEnv('BENCH_REMINDERS', 5_000);
const TRIALS = intEnv('BENCH_PROPAGATION_TRIALS', 10);
const REMINDER_TIMEOUT_MS = intEnv('BENCH_REMINDER_TIMEOUT_S', 300) * 1000;
/** A trial whose page is not served within this is recorded as this long (and misses the target). */
const PROPAGATION_GIVE_UP_MS = 10_000;
const TARGETS = { requestsPerSecond: 1500, p99Ms: 100, emailsPerSecond: 300, propagationMs: 1000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};

interface Trial {
  trial: number;
  publishedThrough: string;
  servedBy: string;
  slug: string;
  /** The publish request's own time, ms. */
  publishMs: number;
  /** From the publish answer to the first response of the other process with the new page, ms. */
  delayMs: number;
  /** From sending the publish request to that response, ms. */
  fromRequestMs: number;
  /** When the poll that got the new page was sent, after the publish answer (a lower bound of the delay), ms. */
  pollSentAfterMs: number | null;
  polls: number;
  served: boolean;
  /** Whether the new page was served while the read load still ran (filled in when it is over). */
  duringReadLoad?: boolean;
  /** performance.now() when the new page was served (or the trial gave up). */
  endedAt: number;
}

async function ensureServing(base: string, slug: string, etag: string, label: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const response = await fetch(`${base}/public/articles/${slug}`);
    await response.arrayBuffer();
    if (response.status !== 200 || response.headers.get('etag') !== etag)
      throw new Error(
        `${label} served /public/articles/${slug} with ${response.status} ${response.headers.get('etag')}, expected ${etag}`,
      );
  }
}

/**
 * One trial: `to` serves the article's current page twice (so that it holds it in its memory cache, which a
 * missed notification would leave stale for up to a minute); a new signed revision is written; `from` publishes
 * it; `to` is asked back to back until it serves the new bytes.
 */
async function propagationTrial(
  trial: number,
  pg: Client,
  publisherToken: string,
  article: SeededArticle & { etag: string },
  from: ClusterProcess,
  to: ClusterProcess,
): Promise<Trial> {
  await ensureServing(to.baseUrl, article.slug, article.etag, to.label);
  const marker = `update ${trial}`;
  const { title } = await signNewRevision(pg, article.id, marker);
  const requested = performance.now();
  const publication = await api<{ htmlChecksum: string }>(
    from.baseUrl,
    'POST',
    `/articles/${article.id}/publish`,
    { token: publisherToken, body: {} },
  );
  const answered = performance.now();
  const etag = `"${publication.htmlChecksum}"`;
  let polls = 0;
  let servedAt = 0;
  let pollSentAt = 0;
  while (performance.now() - answered < PROPAGATION_GIVE_UP_MS) {
    pollSentAt = performance.now();
    const response = await fetch(`${to.baseUrl}/public/articles/${article.slug}`);
    const body = await response.text();
    polls += 1;
    if (response.status === 200 && response.headers.get('etag') === etag) {
      if (!body.includes(`[${marker}]`))
        throw new Error(
          `${to.label} served the new ETag for ${article.slug} without the new title "${title}"`,
        );
      servedAt = performance.now();
      break;
    }
  }
  article.etag = etag;
  const served = servedAt > 0;
  const end = served ? servedAt : answered + PROPAGATION_GIVE_UP_MS;
  return {
    trial,
    publishedThrough: from.label,
    servedBy: to.label,
    slug: article.slug,
    publishMs: Number((answered - requested).toFixed(1)),
    delayMs: Number((end - answered).toFixed(1)),
    fromRequestMs: Number((end - requested).toFixed(1)),
    pollSentAfterMs: served ? Number((pollSentAt - answered).toFixed(1)) : null,
    polls,
    served,
    endedAt: end,
  };
}

interface ReminderRun {
  seconds: number;
  emailsPerSecond: number;
  sent: number;
  finished: boolean;
  outbox: Record<string, number>;
}

async function outboxCounts(pg: Client): Promise<Record<string, number>> {
  const { rows } = await pg.query<{ status: string; n: string }>(
    `SELECT status, count(*) AS n FROM email_outbox WHERE template = 'review-reminder' GROUP BY status`,
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

/** Releases the due reminders and waits until every one's outbox row is `sent` (or the timeout). */
async function reminderRun(
  pg: Client,
  monitor: Client,
  reviewerId: string,
  smtp: SmtpSink,
): Promise<ReminderRun> {
  const started = performance.now();
  await releaseDueReminders(pg, reviewerId);
  let outbox: Record<string, number>;
  let lastPrint = 0;
  for (;;) {
    outbox = await outboxCounts(monitor);
    const now = performance.now();
    if ((outbox.sent ?? 0) >= REMINDERS) break;
    if (now - started > REMINDER_TIMEOUT_MS) {
      console.log(`  reminders: gave up after ${REMINDER_TIMEOUT_MS / 1000} s (BENCH_REMINDER_TIMEOUT_S)`);
      break;
    }
    if (now - lastPrint >= 5000) {
      lastPrint = now;
      progress(
        `  reminders: ${((now - started) / 1000).toFixed(0)} s, ${fmtInt(smtp.total())} messages received, outbox ` +
          Object.entries(outbox)
            .map(([status, n]) => `${status} ${fmtInt(n)}`)
            .join(', '),
      );
    }
    await sleep(100);
  }
  const seconds = (performance.now() - started) / 1000;
  const sent = outbox.sent ?? 0;
  return {
    seconds: Number(seconds.toFixed(2)),
    emailsPerSecond: Number((sent / seconds).toFixed(1)),
    sent,
    finished: sent >= REMINDERS,
    outbox,
  };
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  console.log(
    `bench:cluster: ${API_PROCESSES} API + ${WORKER_PROCESSES} worker processes on one PostgreSQL and one Redis; ` +
      `${CONNECTIONS} connections for ${SECONDS} s (+${WARMUP_SECONDS} s warm-up), ${fmtInt(REMINDERS)} reminders, ` +
      `${TRIALS} propagation trials; load average ${loadBefore.join(' ')}`,
  );
  if (API_PROCESSES < 2)
    throw new Error('BENCH_API_PROCESSES must be at least 2 (a page published on one, served by another)');
  if (TRIALS > ARTICLES) throw new Error('BENCH_PROPAGATION_TRIALS must not exceed BENCH_ARTICLES');
  const publishDir = mkdtempSync(join(tmpdir(), 'mrs-bench-cluster-'));
  const smtp = await startSmtpSink();
  let cluster: Cluster | undefined;
  const clients: Client[] = [];
  try {
    console.log(
      `starting ${API_PROCESSES + WORKER_PROCESSES} processes at once (fresh database mrs_bench_cluster)...`,
    );
    const startedAt = performance.now();
    cluster = await startCluster({
      name: 'cluster',
      apis: API_PROCESSES,
      workers: WORKER_PROCESSES,
      env: {
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        SWEEP_EVERY: 'PT1S',
        PUBLISH_DIR: publishDir,
      },
    });
    console.log(
      `  up in ${((performance.now() - startedAt) / 1000).toFixed(1)} s: ` +
        [...cluster.apis, ...cluster.workers]
          .map((p) => `${p.label} pid ${p.pid}${p.baseUrl ? ` ${p.baseUrl}` : ''}`)
          .join(', '),
    );
    const [apiA] = cluster.apis;
    const asService: RunningService = { ...apiA, ...cluster, databaseUrl: cluster.databaseUrl };
    const adminToken = await login(apiA.baseUrl, cluster.admin.email, cluster.admin.password);
    const writer = await createUser(asService, adminToken, 'bench-writer@bench.local', 'Wendy Writer', [
      'writer',
    ]);
    const publisher = await createUser(
      asService,
      adminToken,
      'bench-publisher@bench.local',
      'Pat Publisher',
      ['publisher'],
    );
    const articles = await insertSignedArticles(cluster.databaseUrl, writer.id, ARTICLES, (done) =>
      progress(`  seeding articles: ${done}/${ARTICLES}`, done === ARTICLES),
    );
    const live: (SeededArticle & { etag: string })[] = [];
    for (const article of articles.slice(0, TRIALS)) {
      const publication = await api<{ htmlChecksum: string }>(
        apiA.baseUrl,
        'POST',
        `/articles/${article.id}/publish`,
        { token: publisher.token, body: {} },
      );
      live.push({ ...article, etag: `"${publication.htmlChecksum}"` });
    }
    console.log(`  ${live.length} articles published through ${apiA.label}`);

    const pg = new Client({ connectionString: cluster.databaseUrl });
    const monitor = new Client({ connectionString: cluster.databaseUrl });
    clients.push(pg, monitor);
    await pg.connect();
    await monitor.connect();
    // Every API process must hold its page cache's LISTEN connection, or the trials would read PostgreSQL
    // directly and measure no cache invalidation at all.
    const { rows: listeners } = await monitor.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND query = 'LISTEN published_pages_changed'`,
    );
    if (Number(listeners[0].n) < API_PROCESSES)
      throw new Error(`only ${listeners[0].n} of ${API_PROCESSES} API processes listen for page changes`);
    console.log(`  ${listeners[0].n} connections LISTEN published_pages_changed (one per API process)`);
    progress(`  loading ${fmtInt(REMINDERS)} articles with a reminder due (schedules held back)`);
    const reviewerId = await loadDueReminders(pg, REMINDERS, Date.now());
    progress(`  loaded ${fmtInt(REMINDERS)} articles with a reminder due (schedules held back)`, true);

    const headers = { authorization: `Bearer ${writer.token}` };
    const paths = articles.map((article) => `/articles/${article.id}`);
    for (const process of cluster.apis) {
      for (const [index, path] of paths.entries()) {
        const response = await fetch(`${process.baseUrl}${path}`, { headers });
        const body = await response.text();
        if (response.status !== 200 || !body.includes(articles[index].id))
          throw new Error(`${process.label}: GET ${path} answered ${response.status}: ${body.slice(0, 300)}`);
      }
    }
    const perProcess = Math.max(1, Math.floor(CONNECTIONS / API_PROCESSES));
    const settings = (process: ClusterProcess) => ({
      baseUrl: process.baseUrl,
      paths,
      headers,
      connections: perProcess,
      pid: process.pid,
    });
    if (WARMUP_SECONDS)
      await Promise.all(
        cluster.apis.map((p) =>
          load({ ...settings(p), label: `warm-up ${p.label}`, seconds: WARMUP_SECONDS }),
        ),
      );

    // ---------------------------------------------------------------------------------- both loads at once
    console.log(
      `\nboth loads at once: ${perProcess} connections on each API process for ${SECONDS} s; ` +
        `${fmtInt(REMINDERS)} reminders released; ${TRIALS} propagation trials`,
    );
    const loadStarted = performance.now();
    const cpuBefore = new Map(
      [...cluster.apis, ...cluster.workers].map((p) => [p.pid, cpuOf(p.pid)] as const),
    );
    const reads = Promise.all(
      cluster.apis.map((p) =>
        load({ ...settings(p), label: `GET /articles/:id on ${p.label}`, seconds: SECONDS }),
      ),
    );
    const reminders = reminderRun(pg, monitor, reviewerId, smtp);
    const trials = (async () => {
      const done: Trial[] = [];
      const revisionClient = new Client({ connectionString: cluster.databaseUrl });
      clients.push(revisionClient);
      await revisionClient.connect();
      const gap = (SECONDS * 1000) / (TRIALS + 1);
      for (let trial = 1; trial <= TRIALS; trial++) {
        const wait = loadStarted + trial * gap - performance.now();
        if (wait > 0) await sleep(wait);
        const from = cluster.apis[(trial - 1) % 2];
        const to = cluster.apis[trial % 2];
        const result = await propagationTrial(
          trial,
          revisionClient,
          publisher.token,
          live[trial - 1],
          from,
          to,
        );
        done.push(result);
        progress(
          `  trial ${trial}: published through ${from.label} in ${result.publishMs} ms, served by ${to.label} ` +
            `${result.served ? `${result.delayMs} ms after the answer (${result.polls} polls, the last sent at ${result.pollSentAfterMs} ms)` : 'NOT within 10 s'}`,
          true,
        );
      }
      return done;
    })();
    const [readResults, reminderResult, trialResults] = await Promise.all([reads, reminders, trials]);
    const readsEnded = loadStarted + Math.max(...readResults.map((r) => r.seconds)) * 1000;
    for (const trial of trialResults) trial.duringReadLoad = trial.endedAt <= readsEnded;
    for (const [index, result] of readResults.entries())
      assertClean(`GET /articles/:id on ${cluster.apis[index].label}`, result);
    const cpuUsed = [...cluster.apis, ...cluster.workers].map((p) => ({
      label: p.label,
      cpuSeconds: Number(((cpuOf(p.pid) ?? 0) - (cpuBefore.get(p.pid) ?? 0)).toFixed(1)),
    }));

    // ---------------------------------------------------------------------------------- duplicates
    await sleep(2000); // a second send of any row would arrive now
    const { rows: reminderRows } = await monitor.query<{ id: string; article_id: string }>(
      `SELECT id, article_id FROM email_outbox WHERE template = 'review-reminder'`,
    );
    const arrivals = new Map<string, number>();
    for (const [messageId, count] of smtp.byMessageId) {
      const id = outboxIdOf(messageId);
      if (id) arrivals.set(id, (arrivals.get(id) ?? 0) + count);
    }
    const reminderArrivals = reminderRows.map((row) => arrivals.get(row.id) ?? 0);
    const remindersTwice = reminderArrivals.filter((n) => n > 1).length;
    const remindersMissing = reminderArrivals.filter((n) => n === 0).length;
    const articlesReminded = new Set(reminderRows.map((row) => row.article_id)).size;
    const anyTwice = [...smtp.byMessageId.values()].filter((n) => n > 1).length;
    const machine = machineInfo(loadBefore);

    // ---------------------------------------------------------------------------------- figures
    const totalRps = readResults.reduce((sum, r) => sum + r.requestsPerSecond, 0);
    const worstP99 = Math.max(...readResults.map((r) => r.latencyMs.p99));
    const delays = trialResults.map((t) => t.delayMs);
    const maxDelay = Math.max(...delays);
    // Polls answered with the old page after the publish had been answered: the other process's stale window.
    const staleAnswers = trialResults.reduce((sum, t) => sum + (t.served ? t.polls - 1 : t.polls), 0);
    const rps = judge(totalRps, '>=', TARGETS.requestsPerSecond);
    const p99 = judge(worstP99, '<', TARGETS.p99Ms);
    const emails = judge(reminderResult.emailsPerSecond, '>=', TARGETS.emailsPerSecond, 1);
    const propagation = judge(maxDelay, '<=', TARGETS.propagationMs, 1);
    const duplicates = judge(remindersTwice + anyTwice, '<=', 0);
    const overlap = Math.max(0, Math.min(readsEnded - loadStarted, reminderResult.seconds * 1000) / 1000);
    const emailsJudged = reminderResult.finished ? emails : { ...emails, met: false };
    const judgedMet = new Map<Row, boolean>();
    const judgedAs = (label: string, judged: Judged): Row => {
      const row = judgedRow(label, judged);
      judgedMet.set(row, judged.met);
      return row;
    };
    const rows: Row[] = [
      judgedAs(`GET /articles/:id, ${API_PROCESSES} API processes (req/s)`, rps),
      ...readResults.map((r, i): Row => [
        `  on ${cluster!.apis[i].label} (req/s, p50 / p99 ms)`,
        `${r.requestsPerSecond} (${r.latencyMs.p50} / ${r.latencyMs.p99})`,
        '-',
        `${r.serverCpuMsPerRequest ?? '?'} ms CPU/request`,
      ]),
      judgedAs('latency p99, slowest API process (ms)', p99),
      judgedAs(
        `reminder e-mails/s end to end, ${WORKER_PROCESSES} workers (${fmtInt(REMINDERS)} due at once)`,
        emailsJudged,
      ),
      [
        '  all sent after (s); overlapped the reads for (s)',
        `${reminderResult.seconds}; ${overlap.toFixed(1)}`,
        '-',
        reminderResult.finished ? 'all sent' : `only ${fmtInt(reminderResult.sent)} sent: MISSED`,
      ],
      judgedAs(`publish on one API process -> served by the other, max of ${TRIALS} (ms)`, propagation),
      [
        "  median; max of the answering poll's own round trip; from the publish request, max (ms)",
        `${median(delays).toFixed(1)}; ${Math.max(...trialResults.map((t) => t.delayMs - (t.pollSentAfterMs ?? 0))).toFixed(1)}; ` +
          `${Math.max(...trialResults.map((t) => t.fromRequestMs)).toFixed(1)}`,
        '-',
        `${trialResults.filter((t) => t.served).length}/${TRIALS} served within 10 s, ${staleAnswers} old page(s) ` +
          `served after a publish answer, ` +
          `${trialResults.filter((t) => t.duringReadLoad).length} during the read load`,
      ],
      judgedAs('reminders (or any message) received twice', duplicates),
      [
        '  reminder rows received once / rows / articles',
        `${fmtInt(reminderArrivals.filter((n) => n === 1).length)} / ${fmtInt(reminderRows.length)} / ${fmtInt(articlesReminded)}`,
        `${fmtInt(REMINDERS)}`,
        remindersMissing ? `${remindersMissing} rows never arrived` : 'each exactly once',
      ],
    ];
    printTable(rows);
    // The report shows these rows as printed, with the verdicts judged here (judge(): on the printed figure).
    const figures = rows.map((row) => ({
      label: row[0].trim(),
      measured: row[1],
      target: row[2],
      verdict: judgedMet.has(row) ? (judgedMet.get(row) ? 'pass' : 'miss') : 'info',
    }));
    console.log(
      `\nCPU seconds during the loads: ${cpuUsed.map((c) => `${c.label} ${c.cpuSeconds}`).join(', ')}` +
        `\nmachine: ${machine.cores} x ${machine.cpu}, ${machine.memoryMb} MB, node ${machine.node}; ` +
        `load average ${machine.loadAverage.before.join(' ')} before, ${machine.loadAverage.after.join(' ')} after`,
    );

    const output = {
      benchmark: 'cluster',
      ranAt: new Date().toISOString(),
      commit: gitCommit(),
      command: 'npm run bench:cluster',
      machine,
      parameters: {
        apiProcesses: API_PROCESSES,
        workerProcesses: WORKER_PROCESSES,
        articles: ARTICLES,
        connections: CONNECTIONS,
        connectionsPerApiProcess: perProcess,
        seconds: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        reminders: REMINDERS,
        propagationTrials: TRIALS,
        serviceEnv:
          'NODE_ENV=production LOG_LEVEL=warn SWEEP_EVERY=PT1S; api: NODE_OPTIONS=--max-old-space-size=160',
      },
      targets: TARGETS,
      figures,
      reads: {
        requestsPerSecond: totalRps,
        p99MsWorst: worstP99,
        perProcess: readResults.map((r: LoadResult, i) => ({ process: cluster!.apis[i].label, ...r })),
        met: { requestsPerSecond: rps.met, p99Ms: p99.met },
      },
      reminders: {
        ...reminderResult,
        overlapWithReadsSeconds: Number(overlap.toFixed(1)),
        rows: reminderRows.length,
        articles: articlesReminded,
        receivedTwice: remindersTwice,
        neverReceived: remindersMissing,
        messagesReceived: smtp.total(),
        anyMessageTwice: anyTwice,
        met: { emailsPerSecond: emailsJudged.met, duplicates: duplicates.met },
      },
      propagation: {
        maxMs: maxDelay,
        medianMs: median(delays),
        staleAnswersAfterPublish: staleAnswers,
        met: propagation.met,
        trials: trialResults.map(({ endedAt: _, ...trial }) => trial),
      },
      cpuSecondsDuringLoads: cpuUsed,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'cluster.json'), `${JSON.stringify(output, null, 2)}\n`);
    console.log(`written to ${join(RESULTS_DIR, 'cluster.json')}`);
  } finally {
    for (const client of clients) await client.end().catch(() => undefined);
    await stopCluster(cluster);
    await smtp.close();
    rmSync(publishDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(
    `bench:cluster failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
