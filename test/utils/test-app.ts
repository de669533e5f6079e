import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/core/database/data-source-options.js';
import { runMigrationsWithLock } from '../../src/core/database/migrate.js';
import { Clock, FixedClock } from '../../src/core/clock/clock.js';
import { type ObservedResponse, type OpenApiLike, OpenApiContract } from './openapi-contract.js';
import { databaseUrl, templateDatabase, testEnv, ADMIN } from './test-env.js';

export interface TestApp {
  app: NestFastifyApplication;
  dataSource: DataSource;
  clock: FixedClock;
  env: Record<string, string>;
  /** Supertest against the app; every response is checked against the live /docs-json (see withContract). */
  http: () => ReturnType<typeof request>;
  /** The contract every response of http() is checked against. */
  contract: OpenApiContract;
  adminToken: string;
  close: () => Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment (e.g. short scheduling durations). */
  env?: Record<string, string>;
  /** Start time of the test clock. */
  now?: Date;
  /** Use the real clock (for flows that wait on real BullMQ delays, like the demo). */
  realClock?: boolean;
}

const TEMPLATE_LOCK = 727_399_001;

/** Creates and migrates this run's template database once, whichever test file asks first. */
async function ensureTemplate(admin: Client): Promise<void> {
  await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [templateDatabase()]);
    if (found.rowCount) return;
    await admin.query(`CREATE DATABASE "${templateDatabase()}"`);
    const dataSource = await new DataSource(dataSourceOptions(databaseUrl(templateDatabase()))).initialize();
    try {
      await runMigrationsWithLock(dataSource);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
  }
}

async function cloneTemplate(name: string): Promise<void> {
  const admin = new Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  try {
    await ensureTemplate(admin);
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase()}"`);
        return;
      } catch (error) {
        if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * Boots the whole application against real PostgreSQL (a database of its own, cloned from the migrated
 * template) and real Redis (a key prefix of its own), with a clock the test controls.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const suffix = randomBytes(4).toString('hex');
  const databaseName = `mrs_test_${suffix}`;
  await cloneTemplate(databaseName);
  const env = { ...testEnv(databaseName, `mrs-test-${suffix}`), ...options.env };
  Object.assign(process.env, env);

  // Loaded after the environment is set: module decorators read the configuration.
  const { resetConfigForTests, getConfig } = await import('../../src/core/config/app-config.js');
  resetConfigForTests();
  const config = getConfig();
  // htmlparser2 (an ES module) is imported by our parsers and require()d by sanitize-html (CommonJS). On Node 24,
  // Jest loads a require()d ES module synchronously, and refuses one that the same import walk is still loading
  // ("Cannot require() ES Module … in a cycle"); plain Node does not. Loading it first, alone, settles it.
  await import('htmlparser2');
  const { AppModule } = await import('../../src/app.module.js');
  const { configureApp, createFastifyAdapter, prepareDatabase } =
    await import('../../src/bootstrap/create-app.js');

  const clock = new FixedClock(options.now ?? new Date());
  const builder = Test.createTestingModule({ imports: [AppModule] });
  if (!options.realClock) builder.overrideProvider(Clock).useValue(clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(config), {
    logger: process.env.TEST_LOG ? ['error', 'warn'] : false,
  });
  await prepareDatabase(app, config);
  configureApp(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();

  const served = await request(app.getHttpServer()).get('/docs-json');
  if (served.status !== 200) throw new Error(`GET /docs-json answered ${served.status}`);
  const contract = new OpenApiContract(served.body as OpenApiLike);
  const http = () => withContract(request(app.getHttpServer()), contract);
  const login = await http().post('/auth/login').send(ADMIN);
  if (login.status !== 200)
    throw new Error(`admin login failed: ${login.status} ${JSON.stringify(login.body)}`);

  return {
    app,
    dataSource: app.get(DataSource),
    clock,
    env,
    http,
    contract,
    adminToken: login.body.accessToken as string,
    close: async () => {
      await app.close();
      await dropDatabase(databaseName);
    },
  };
}

/** What the contract check needs from a supertest response. */
export function observe(res: request.Response): ObservedResponse {
  const contentType = res.headers['content-type'] as string | undefined;
  const text = typeof res.text === 'string' ? res.text : '';
  const url = new URL(res.request.url);
  const isJson = /[/+]json\b/.test(contentType ?? '');
  return {
    method: res.request.method,
    path: url.pathname,
    status: res.status,
    contentType,
    body: isJson ? (res.body as unknown) : text,
    empty: text === '' && !Buffer.isBuffer(res.body),
  };
}

const VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

/**
 * Wraps a supertest agent so that every request it makes asserts, when its response arrives, that the response
 * matches the OpenAPI document: a mismatch rejects the request's promise with the operation and the field.
 */
export function withContract<T extends object>(agent: T, contract: OpenApiContract): T {
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof property !== 'string' || !VERBS.has(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        (value as (...a: unknown[]) => request.Test)
          .apply(target, args)
          .expect((res: request.Response) => contract.assert(observe(res)));
    },
  });
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
  auth: { Authorization: string };
}

let userCounter = 0;

/**
 * The link of the newest e-mail of `template` to `email` (an invitation or a password reset), read from the
 * outbox as the recipient would read it in their mailbox.
 */
export async function linkFromOutbox(
  t: TestApp,
  email: string,
  template: 'invitation' | 'password-reset' = 'invitation',
): Promise<URL> {
  const key = template === 'invitation' ? 'setupUrl' : 'resetUrl';
  const rows = await t.dataSource.query<{ url: string }[]>(
    `SELECT context->>'${key}' AS url FROM email_outbox WHERE to_address = $1 AND template = $2
     ORDER BY created_at DESC, id DESC LIMIT 1`,
    [email.toLowerCase(), template],
  );
  if (!rows[0]?.url) throw new Error(`no ${template} e-mail to ${email} in the outbox`);
  return new URL(rows[0].url);
}

/** The token of the newest invitation (or reset) e-mailed to `email`. */
export async function tokenFromOutbox(
  t: TestApp,
  email: string,
  template: 'invitation' | 'password-reset' = 'invitation',
): Promise<string> {
  return (await linkFromOutbox(t, email, template)).searchParams.get('token') ?? '';
}

/**
 * Creates a person as they really come in: the admin invites them (no password), they open the invitation's
 * link from the e-mail and choose their own password, which signs them in.
 */
export async function createUser(
  t: TestApp,
  roles: string[],
  overrides: { name?: string; email?: string } = {},
): Promise<TestUser> {
  userCounter += 1;
  const email =
    overrides.email ?? `${roles.join('-')}-${userCounter}-${randomBytes(3).toString('hex')}@test.local`;
  const password = `pass phrase ${randomBytes(6).toString('hex')}`;
  const created = await t
    .http()
    .post('/users')
    .set('Authorization', `Bearer ${t.adminToken}`)
    .send({ email, name: overrides.name ?? `${roles[0]} ${userCounter}`, roles });
  if (created.status !== 201)
    throw new Error(`create user failed: ${created.status} ${JSON.stringify(created.body)}`);
  const token = await tokenFromOutbox(t, email);
  const accepted = await t.http().post('/auth/invitations/accept').send({ token, password });
  if (accepted.status !== 200)
    throw new Error(`accept invitation failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  const accessToken = accepted.body.accessToken as string;
  return {
    id: created.body.id,
    email,
    password,
    token: accessToken,
    auth: { Authorization: `Bearer ${accessToken}` },
  };
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}
