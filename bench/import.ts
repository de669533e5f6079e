/**
 * Import benchmark: moves BENCH_ARTICLES (10,000) articles in through the real ImportsService, as
 * `npm run import` does, and prints articles/s beside the target (>= 200/s).
 *
 *   npm run bench:import            (npm run bench:build && node dist/bench/bench/import.js)
 *
 * The sources are generated in memory from the seed, in four kinds: HTML pages with the seed's byline (40%),
 * Markdown with front matter (30%), ArticleContent JSON with a review block (20%) and the seed's plain text
 * form (10%), each with its own title, slug and source URL. Every one carries a review by Alan Lucks, MD, who
 * has a reviewer profile, so each import creates an article, its revision 1, an attested review, a re-review
 * schedule and one comment per problem found (the text form has seven). BENCH_CONCURRENCY (4) batches of
 * BENCH_BATCH (250) files run at once. The application runs in this process with APP_ROLE=api (no workers).
 *
 * Environment: BENCH_ARTICLES, BENCH_CONCURRENCY, BENCH_BATCH, BENCH_DATABASE (mrs_bench_import, dropped and
 * created fresh, dropped afterwards unless BENCH_KEEP_DATABASE=1), REDIS_URL. Results: bench/results/import.json.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { AuthUser } from '../src/auth/auth-user.js';
import type { ImportReport } from '../src/imports/import-report.js';
import type { SourceFile } from '../src/imports/imports.service.js';
import { intEnv, judge, printTable, progress, verdict, type Row } from './lib/load.js';
import { loadAverage, machineInfo, REPO_ROOT, RESULTS_DIR } from './lib/machine.js';
import { seedArticle } from './lib/seed.js';
import { databaseUrl, deleteRedisPrefix, dropDatabase, recreateDatabase, REDIS_URL } from './lib/service.js';

const ARTICLES = intEnv('BENCH_ARTICLES', 10_000);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 4);
const BATCH = intEnv('BENCH_BATCH', 250);
const DATABASE = process.env.BENCH_DATABASE ?? 'mrs_bench_import';
const PREFIX = 'mrs-bench-import';
const TARGET_PER_SECOND = 200;
const BYLINE =
  'Medically reviewed by Alan Lucks | MD, Alan Lucks MDPC Private Practice - New York on January 10th, 2026.';

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The i-th source file: the seed's content under its own title, slug and URL, in one of four kinds. */
function sourceFile(i: number): SourceFile {
  const seed = seedArticle();
  const title = `${seed.title.replace(/\?$/, '')} (guide ${i + 1})?`;
  const slug = `import-bench-${i + 1}`;
  const url = `https://old-site.example.com/articles/${slug}`;
  const kind = i % 10;
  if (kind < 4) {
    const sections = seed.sections
      .map(
        (section) =>
          `<h2>${escapeHtml(section.heading)}</h2>\n${section.body
            .split('\n\n')
            .map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`)
            .join('\n')}`,
      )
      .join('\n');
    const faq = seed.faq
      .map((entry) => `<h3>${escapeHtml(entry.question)}</h3><p>${escapeHtml(entry.answer)}</p>`)
      .join('\n');
    const references = seed.references
      .map(
        (reference) =>
          `<li><a href="${reference.url}">${escapeHtml(reference.title)}</a> ${reference.year ?? ''}</li>`,
      )
      .join('');
    return {
      name: `${slug}.html`,
      content: `<!doctype html><html><head><title>${escapeHtml(title)}</title><link rel="canonical" href="${url}">
<meta name="description" content="${escapeHtml(seed.description)}"></head><body><article>
<h1>${escapeHtml(title)}</h1><p class="author">By Bench Writer</p><p class="byline">${BYLINE}</p>
<h2>Key Takeaways</h2><ul>${seed.keyTakeaways.map((text) => `<li>${escapeHtml(text)}</li>`).join('')}</ul>
${sections}
<h2>Frequently Asked Questions</h2>${faq}
<h2>References</h2><ol>${references}</ol>
<h2>The Bottom Line</h2><p>${escapeHtml(seed.bottomLine)}</p>
</article></body></html>`,
    };
  }
  if (kind < 7) {
    const front = [
      '---',
      `title: ${JSON.stringify(title)}`,
      `slug: ${slug}`,
      `description: ${JSON.stringify(seed.description)}`,
      `specialty: ${seed.specialty}`,
      'author: Bench Writer',
      `source_url: ${url}`,
      'review:',
      '  reviewer: { name: Alan Lucks, credentials: MD, affiliation: Alan Lucks MDPC Private Practice - New York }',
      '  date: 2026-01-10',
      'key_takeaways:',
      ...seed.keyTakeaways.map((text) => `  - ${JSON.stringify(text)}`),
      'references:',
      ...seed.references.map(
        (r) => `  - { title: ${JSON.stringify(r.title)}, url: ${JSON.stringify(r.url)} }`,
      ),
      'faq:',
      ...seed.faq.map(
        (f) => `  - { question: ${JSON.stringify(f.question)}, answer: ${JSON.stringify(f.answer)} }`,
      ),
      '---',
    ].join('\n');
    const body = seed.sections.map((section) => `## ${section.heading}\n\n${section.body}`).join('\n\n');
    return { name: `${slug}.md`, content: `${front}\n${body}\n\n## The Bottom Line\n\n${seed.bottomLine}\n` };
  }
  if (kind < 9) {
    return {
      name: `${slug}.json`,
      content: JSON.stringify({
        ...seed,
        title,
        slug,
        sourceUrl: url,
        author: 'Bench Writer',
        review: {
          reviewer: {
            displayName: 'Alan Lucks',
            credentials: 'MD',
            affiliation: 'Alan Lucks MDPC Private Practice - New York',
          },
          reviewedOn: '2026-01-10',
        },
      }),
    };
  }
  const text = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'import', 'seed-article.txt'), 'utf8');
  return { name: `${slug}.txt`, content: text.replace(/^.*\n/, `${title}\n`) };
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const adminPassword = randomBytes(12).toString('hex');
  Object.assign(process.env, {
    ENV_FILE: 'none',
    NODE_ENV: 'production',
    APP_ROLE: 'api',
    DATABASE_URL: databaseUrl(DATABASE),
    REDIS_URL,
    QUEUE_PREFIX: PREFIX,
    JWT_SECRET: randomBytes(32).toString('hex'),
    AUDIT_KEY: randomBytes(32).toString('hex'),
    AUDIT_CHECKPOINT_DIR: join(tmpdir(), `mrs-bench-audit-${randomBytes(4).toString('hex')}`),
    ADMIN_EMAIL: 'bench-admin@bench.local',
    ADMIN_PASSWORD: adminPassword,
    LOG_LEVEL: 'warn',
    RUN_MIGRATIONS: 'true',
  });
  console.log(
    `import benchmark: ${ARTICLES} articles, ${CONCURRENCY} concurrent batches of ${BATCH}, database ${DATABASE}`,
  );
  await recreateDatabase(DATABASE);
  await deleteRedisPrefix(PREFIX);

  const { getConfig } = await import('../src/core/config/app-config.js');
  const { createApp } = await import('../src/bootstrap/create-app.js');
  const { UsersService } = await import('../src/users/users.service.js');
  const { ImportsService } = await import('../src/imports/imports.service.js');
  const app = await createApp(getConfig());
  await app.init();
  const users = app.get(UsersService);
  // People are invited by the bootstrap admin; nobody here needs to log in, so no invitation is accepted.
  const [admin] = await app
    .get(DataSource)
    .query<AuthUser[]>('SELECT id, email, name, roles FROM users WHERE email = $1', [
      getConfig().env.ADMIN_EMAIL.toLowerCase(),
    ]);
  const editorUser = await users.create(admin, {
    email: 'bench-editor@bench.local',
    name: 'Bench Editor',
    roles: ['editor'],
  });
  const editor: AuthUser = {
    id: editorUser.id,
    email: editorUser.email,
    name: editorUser.name,
    roles: editorUser.roles,
  };
  const reviewer = await users.create(admin, {
    email: 'bench-reviewer@bench.local',
    name: 'Alan Lucks',
    roles: ['reviewer'],
  });
  await users.putReviewerProfile(editor, reviewer.id, {
    displayName: 'Alan Lucks',
    credentials: 'MD',
    affiliation: 'Alan Lucks MDPC Private Practice - New York',
    specialties: ['neurology'],
    licenseNumber: 'NY-209431',
    licenseRegion: 'US-NY',
    licenseExpiresOn: '2030-06-30',
  });

  // Round trips to PostgreSQL (BEGIN and COMMIT included), counted at the query runner every query goes through.
  const runnerPrototype = Object.getPrototypeOf(app.get(DataSource).createQueryRunner()) as {
    query: (...args: unknown[]) => Promise<unknown>;
  };
  const runQuery = runnerPrototype.query;
  let queries = 0;
  runnerPrototype.query = function (this: unknown, ...args: unknown[]) {
    queries += 1;
    return runQuery.apply(this, args);
  };
  const files = Array.from({ length: ARTICLES }, (_, i) => sourceFile(i));
  const bytes = files.reduce((sum, file) => sum + Buffer.byteLength(file.content), 0);
  const imports = app.get(ImportsService);
  const reports: ImportReport[] = [];
  let done = 0;
  let nextBatch = 0;
  const started = performance.now();
  const ticker = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    progress(
      `imported ${done.toLocaleString()} / ${ARTICLES.toLocaleString()} (${Math.round(done / seconds)}/s)`,
    );
  }, 1000);
  const worker = async () => {
    for (let b = nextBatch++; b * BATCH < ARTICLES; b = nextBatch++) {
      const batch = files.slice(b * BATCH, (b + 1) * BATCH);
      let before = 0;
      reports.push(
        await imports.run(editor, batch, { dryRun: false, publish: false }, (count) => {
          done += count - before;
          before = count;
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(ticker);
  const seconds = (performance.now() - started) / 1000;
  runnerPrototype.query = runQuery;
  const queriesPerArticle = queries / ARTICLES;
  const perSecond = ARTICLES / seconds;
  progress(
    `imported ${ARTICLES.toLocaleString()} in ${seconds.toFixed(1)} s (${Math.round(perSecond)}/s)`,
    true,
  );

  const totals = { created: 0, updated: 0, skipped: 0, refused: 0, problems: 0 };
  for (const report of reports) {
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += report.totals[key];
  }
  const [counts] = await app
    .get(DataSource)
    .query<{ articles: string; attested: string; schedules: string; comments: string }[]>(
      `SELECT (SELECT count(*) FROM articles) AS articles, (SELECT count(*) FROM attested_reviews) AS attested,
              (SELECT count(*) FROM review_schedules) AS schedules, (SELECT count(*) FROM comments) AS comments`,
    );
  await app.close();
  await deleteRedisPrefix(PREFIX);
  if (process.env.BENCH_KEEP_DATABASE !== '1') await dropDatabase(DATABASE);

  // Judged on the figure as printed (whole articles per second), not on the unrounded rate (#15 §3).
  const rateJudged = judge(perSecond, '>=', TARGET_PER_SECOND);
  const rows: Row[] = [
    [
      'articles imported per second',
      rateJudged.measured,
      rateJudged.target,
      `${rateJudged.ratio} of target, ${verdict(rateJudged.met)}`,
    ],
    ['articles created', String(totals.created), String(ARTICLES), verdict(totals.created === ARTICLES)],
    ['refused', String(totals.refused), '0', verdict(totals.refused === 0)],
    [
      'attested reviews / schedules',
      `${counts.attested} / ${counts.schedules}`,
      `${ARTICLES} / ${ARTICLES}`,
      verdict(Number(counts.attested) === ARTICLES && Number(counts.schedules) === ARTICLES),
    ],
    ['problems reported (comments)', `${totals.problems} (${counts.comments})`, '-', '-'],
    ['database round trips per article', queriesPerArticle.toFixed(1), '-', '-'],
    ['source bytes', `${(bytes / 1e6).toFixed(1)} MB`, '-', '-'],
  ];
  printTable(rows);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    join(RESULTS_DIR, 'import.json'),
    `${JSON.stringify(
      {
        benchmark: 'import',
        articles: ARTICLES,
        concurrency: CONCURRENCY,
        batch: BATCH,
        seconds: Number(seconds.toFixed(2)),
        articlesPerSecond: Number(perSecond.toFixed(1)),
        queriesPerArticle: Number(queriesPerArticle.toFixed(1)),
        target: { articlesPerSecond: TARGET_PER_SECOND },
        met: rateJudged.met,
        totals,
        counts: Object.fromEntries(Object.entries(counts).map(([key, value]) => [key, Number(value)])),
        machine: machineInfo(loadBefore),
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
