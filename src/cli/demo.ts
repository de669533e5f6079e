import 'reflect-metadata';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { createApp } from '../bootstrap/create-app.js';
import { ConfigError, getConfig, loadConfig } from '../core/config/app-config.js';
import { runDemoWorkflow } from './demo-workflow.js';

const DEMO_DATABASE = 'medical_review_demo';
const DEMO_PREFIX = 'mrs-demo';

/**
 * `npm run demo`: a fresh database, the service on PORT, and the whole workflow driven through its HTTP API,
 * with a re-review cycle compressed to seconds. The service keeps running afterwards (Ctrl+C to stop) so the
 * public page can be opened; `--exit` (or CI=true) stops when the demo is done.
 */
async function main(): Promise<void> {
  const exitWhenDone = process.argv.includes('--exit') || process.env.CI === 'true';
  const base = loadConfig();
  const databaseUrl = new URL(base.env.DATABASE_URL);
  databaseUrl.pathname = `/${DEMO_DATABASE}`;
  const mailDir = resolve('var/demo/mail');
  const publishDir = resolve('var/demo/publish');
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl.toString(),
    QUEUE_PREFIX: DEMO_PREFIX,
    MAIL_DIR: mailDir,
    PUBLISH_DIR: publishDir,
    REVIEW_CADENCE: 'PT40S',
    REMINDER_OFFSETS: 'PT20S',
    OVERDUE_REMINDER_EVERY: 'PT20S',
    SWEEP_EVERY: 'PT2S',
    SWEEP_WINDOW: 'PT4S',
    LOG_LEVEL: process.env.DEMO_LOG_LEVEL ?? 'warn',
  });

  console.log(`Preparing a fresh demo database "${DEMO_DATABASE}" and Redis prefix "${DEMO_PREFIX}"…`);
  await resetDatabase(databaseUrl);
  await resetRedis(base.env.REDIS_URL);
  rmSync(resolve('var/demo'), { recursive: true, force: true });

  const config = getConfig();
  const app = await createApp(config);
  await app.listen({ port: config.env.PORT, host: config.env.HOST });
  const baseUrl = `http://127.0.0.1:${config.env.PORT}`;
  console.log(
    `Service running at ${config.env.PUBLIC_BASE_URL} (API docs at ${config.env.PUBLIC_BASE_URL}/docs)\n`,
  );

  try {
    const result = await runDemoWorkflow({
      baseUrl,
      adminEmail: config.env.ADMIN_EMAIL,
      adminPassword: config.env.ADMIN_PASSWORD,
      seedFile: resolve('test/fixtures/seed-article.json'),
      mailDir,
      publishDir,
      reminderTimeoutMs: 90_000,
      log: (line) => console.log(line),
    });
    console.log('\nDone.');
    console.log(`  exported page:   ${result.exportedFile}`);
    console.log(`  public URL:      ${result.publicUrl}`);
    console.log(`  reminder email:  ${result.reminderEmail}`);
    console.log(`  all emails:      ${mailDir}`);
    console.log(`  review desk:     ${config.env.PUBLIC_BASE_URL}/desk/login`);
    for (const person of result.people) {
      console.log(`    ${person.name.padEnd(14)} ${person.email.padEnd(26)} password: ${person.password}`);
    }
  } catch (error) {
    console.error(`\nThe demo stopped: ${(error as Error).message}`);
    console.error('Check that PostgreSQL and Redis are running, then run `npm run demo` again.');
    await app.close();
    process.exit(1);
  }
  if (exitWhenDone) {
    await app.close();
    return;
  }
  console.log('\nThe service keeps running so you can open the page; press Ctrl+C to stop.');
}

async function resetDatabase(url: URL): Promise<void> {
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${DEMO_DATABASE}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${DEMO_DATABASE}"`);
  } finally {
    await client.end();
  }
}

async function resetRedis(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${DEMO_PREFIX}:*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(`The demo could not start: ${(error as Error).message}`);
  console.error('Check that PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are running.');
  process.exit(1);
});
