import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { REPO_ROOT } from './machine.js';

/** The service as `npm run bench:build` compiles it. */
export const SERVICE_ENTRY = join(REPO_ROOT, 'dist', 'bench', 'src', 'main.js');

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of a database of this name on the benchmark's PostgreSQL server. */
export function databaseUrl(name: string): string {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withMaintenance(work: (admin: Client) => Promise<unknown>): Promise<void> {
  const admin = new Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}

function checkedName(name: string): string {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  return name;
}

export async function recreateDatabase(name: string): Promise<void> {
  await withMaintenance(async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${checkedName(name)}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${checkedName(name)}"`);
  });
}

export async function dropDatabase(name: string): Promise<void> {
  await withMaintenance((admin) =>
    admin.query(`DROP DATABASE IF EXISTS "${checkedName(name)}" WITH (FORCE)`),
  );
}

/** Deletes this run's keys only (the Redis server is shared: never FLUSHALL). */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** A TCP port free right now on 127.0.0.1 (main.js prints its configured URL, not the port it bound). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A child process the benchmark started and will stop. */
export interface ChildService {
  pid: number;
  baseUrl: string;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Spawns `node <entry>` with `env` (plus PATH and HOME) from the repository root and waits until it prints
 * `ready` (a regular expression), failing with its output if it exits or does not get there in time.
 */
export async function spawnUntilReady(
  name: string,
  entry: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  baseUrl: string,
  timeoutMs = 60_000,
  /** The Node.js binary to run it on (bench/article-read.ts compares runtimes); the runner's own by default. */
  node: string = process.execPath,
): Promise<ChildService> {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run bench:build first`);
  // e.g. BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the service under load.
  const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(node, [...nodeArgs, entry, ...args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      // e.g. BENCH_SERVICE_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the service under load.
      ...(process.env.BENCH_SERVICE_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS }
        : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let started = false;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 100) lines.shift();
      if (ready.test(line)) started = true;
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const service: ChildService = {
    pid: child.pid ?? 0,
    baseUrl,
    output: () => lines.join('\n'),
    stop: async () => {
      if (exit) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (!started) {
    if (exit)
      throw new Error(`${name} exited during start-up (${JSON.stringify(exit)}):\n${service.output()}`);
    if (Date.now() > deadline) {
      await service.stop();
      throw new Error(`${name} did not start within ${timeoutMs} ms:\n${service.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return service;
}

/**
 * How production runs an API process (docker-compose.yml sets the same NODE_OPTIONS on the api service): the
 * old-space heap capped, so V8 collects before the process grows past what a container would allow. Without
 * it, the article-read load measured 277–341 MB resident; with it about 190–230 MB, at some cost in req/s.
 * The young generation is set too (16 MB semi-spaces): with the old space capped, Node 24 otherwise kept its
 * semi-spaces small and spent about a third of its busy time in the scavenger under the read load (2,299 req/s and
 * 0.713 ms of CPU per request, against 7,200 req/s and 0.145 ms with it; Node 20 8,359 req/s either way).
 * `BENCH_API_NODE_OPTIONS` replaces it, to compare settings.
 */
export const API_NODE_OPTIONS =
  process.env.BENCH_API_NODE_OPTIONS ?? '--max-old-space-size=160 --max-semi-space-size=16';

export interface ServiceSetup {
  /** Part of the database name (mrs_bench_<name>) and of the queue prefix. */
  name: string;
  role: 'api' | 'worker' | 'all';
  /** Extra environment of the service process. */
  env?: Record<string, string>;
  /** The Node.js binary to run the service on; the runner's own by default. */
  node?: string;
}

export interface RunningService extends ChildService {
  admin: { email: string; password: string };
  databaseName: string;
  databaseUrl: string;
  queuePrefix: string;
  env: Record<string, string>;
}

/**
 * Starts the compiled service as a production process on a fresh database `mrs_bench_<name>` and its own
 * queue prefix; it migrates the database and creates the first admin itself, as in production.
 */
export async function startService(setup: ServiceSetup): Promise<RunningService> {
  const databaseName = `mrs_bench_${setup.name.replaceAll('-', '_')}`;
  const queuePrefix = `mrs-bench-${setup.name}`;
  await recreateDatabase(databaseName);
  await deleteRedisPrefix(queuePrefix);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const admin = { email: `bench-admin@bench.local`, password: randomBytes(12).toString('hex') };
  const env: Record<string, string> = {
    ENV_FILE: 'none',
    NODE_ENV: 'production',
    APP_ROLE: setup.role,
    ...(setup.role === 'api' ? { NODE_OPTIONS: API_NODE_OPTIONS } : {}),
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_BASE_URL: baseUrl,
    DATABASE_URL: databaseUrl(databaseName),
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    RUN_MIGRATIONS: 'true',
    JWT_SECRET: randomBytes(32).toString('hex'),
    AUDIT_KEY: randomBytes(32).toString('hex'),
    AUDIT_CHECKPOINT_DIR: join(tmpdir(), `mrs-bench-audit-${randomBytes(4).toString('hex')}`),
    JWT_TTL: 'PT1H',
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    ...setup.env,
  };
  const child = await spawnUntilReady(
    `the service (${setup.name})`,
    SERVICE_ENTRY,
    [],
    env,
    /listening on/,
    baseUrl,
    60_000,
    setup.node,
  );
  return { ...child, admin, databaseName, databaseUrl: env.DATABASE_URL, queuePrefix, env };
}

/** Stops the service, then drops its database and deletes its Redis keys. */
export async function stopService(service: RunningService | undefined): Promise<void> {
  if (!service) return;
  await service.stop();
  if (process.env.BENCH_KEEP_DATABASE !== '1') await dropDatabase(service.databaseName);
  await deleteRedisPrefix(service.queuePrefix);
}

/** Resident memory of a process in bytes (VmRSS), or the peak so far (VmHWM); undefined once it has exited. */
export function residentBytes(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in seconds; undefined once it has exited. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in USER_HZ.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** One JSON call to the service; anything but `expected` is an error with the response body. */
export async function api<T>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; expected?: number } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  if (response.status !== (options.expected ?? 200)) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function login(baseUrl: string, email: string, password: string): Promise<string> {
  const { accessToken } = await api<{ accessToken: string }>(baseUrl, 'POST', '/auth/login', {
    body: { email, password },
  });
  return accessToken;
}

/**
 * A user invited by the admin through POST /users, who chooses a password from the invitation's link (read from
 * the outbox, as the e-mail would carry it) through POST /auth/invitations/accept, which signs them in.
 */
export async function createUser(
  service: RunningService,
  adminToken: string,
  email: string,
  name: string,
  roles: string[],
): Promise<{ id: string; token: string }> {
  const user = await api<{ id: string }>(service.baseUrl, 'POST', '/users', {
    token: adminToken,
    body: { email, name, roles },
    expected: 201,
  });
  const client = new Client({ connectionString: service.databaseUrl });
  await client.connect();
  let setupUrl: string;
  try {
    const { rows } = await client.query<{ url: string }>(
      `SELECT context->>'setupUrl' AS url FROM email_outbox WHERE to_user_id = $1 AND template = 'invitation'`,
      [user.id],
    );
    setupUrl = rows[0].url;
  } finally {
    await client.end();
  }
  const { accessToken } = await api<{ accessToken: string }>(
    service.baseUrl,
    'POST',
    '/auth/invitations/accept',
    {
      body: {
        token: new URL(setupUrl).searchParams.get('token'),
        password: `bench ${randomBytes(12).toString('hex')}`,
      },
    },
  );
  return { id: user.id, token: accessToken };
}
