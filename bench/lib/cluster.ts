import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  API_NODE_OPTIONS,
  type ChildService,
  databaseUrl,
  deleteRedisPrefix,
  dropDatabase,
  freePort,
  recreateDatabase,
  REDIS_URL,
  SERVICE_ENTRY,
  spawnUntilReady,
} from './service.js';

export interface ClusterSetup {
  /** Part of the database name (mrs_bench_<name>) and of the queue prefix. */
  name: string;
  apis: number;
  workers: number;
  /** Extra environment of every process (the same for all, as one deployment's configuration). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export interface ClusterProcess extends ChildService {
  role: 'api' | 'worker';
  label: string;
}

export interface Cluster {
  apis: ClusterProcess[];
  workers: ClusterProcess[];
  admin: { email: string; password: string };
  databaseName: string;
  databaseUrl: string;
  queuePrefix: string;
  /** The environment every process shares (without PORT and APP_ROLE). */
  env: Record<string, string>;
}

/**
 * One deployment as `docker compose up --scale api=N --scale worker=M` runs it: N `APP_ROLE=api` and M
 * `APP_ROLE=worker` processes of the compiled service, all started at once on one fresh database
 * `mrs_bench_<name>`, one Redis prefix and one JWT secret. Every process migrates at start-up under the advisory
 * lock (RUN_MIGRATIONS=true), as the README says several instances may; the API processes each listen on a port
 * of their own. `stopCluster` stops them and deletes the database and the keys.
 */
export async function startCluster(setup: ClusterSetup): Promise<Cluster> {
  const databaseName = `mrs_bench_${setup.name.replaceAll('-', '_')}`;
  const queuePrefix = `mrs-bench-${setup.name}`;
  await recreateDatabase(databaseName);
  await deleteRedisPrefix(queuePrefix);
  const ports = await Promise.all(Array.from({ length: setup.apis }, () => freePort()));
  const admin = { email: 'bench-admin@bench.local', password: randomBytes(12).toString('hex') };
  const env: Record<string, string> = {
    ENV_FILE: 'none',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    // One public address for the whole deployment (a load balancer's), as in production.
    PUBLIC_BASE_URL: `http://127.0.0.1:${ports[0]}`,
    DATABASE_URL: databaseUrl(databaseName),
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    RUN_MIGRATIONS: 'true',
    JWT_SECRET: randomBytes(32).toString('hex'),
    // One audit key for all four processes (the workers seal and sign, the API verifies); checkpoint files in
    // one directory they share, as the compose file's `audit` volume does.
    AUDIT_KEY: randomBytes(32).toString('hex'),
    AUDIT_CHECKPOINT_DIR: join(tmpdir(), `mrs-bench-cluster-audit-${randomBytes(4).toString('hex')}`),
    JWT_TTL: 'PT1H',
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    ...setup.env,
  };
  const timeout = setup.startTimeoutMs ?? 120_000;
  const starting: Promise<ClusterProcess>[] = [
    ...ports.map(async (port, index) => {
      const label = `api ${String.fromCharCode(65 + index)}`;
      const child = await spawnUntilReady(
        label,
        SERVICE_ENTRY,
        [],
        { ...env, APP_ROLE: 'api', NODE_OPTIONS: API_NODE_OPTIONS, PORT: String(port) },
        /listening on/,
        `http://127.0.0.1:${port}`,
        timeout,
      );
      return { ...child, role: 'api' as const, label };
    }),
    ...Array.from({ length: setup.workers }, async (_, index) => {
      const label = `worker ${index + 1}`;
      const child = await spawnUntilReady(
        label,
        SERVICE_ENTRY,
        [],
        { ...env, APP_ROLE: 'worker' },
        /worker started/,
        '',
        timeout,
      );
      return { ...child, role: 'worker' as const, label };
    }),
  ];
  const settled = await Promise.allSettled(starting);
  const started = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((process) => process.stop()));
    throw failed.reason;
  }
  return {
    apis: started.filter((p) => p.role === 'api'),
    workers: started.filter((p) => p.role === 'worker'),
    admin,
    databaseName,
    databaseUrl: env.DATABASE_URL,
    queuePrefix,
    env,
  };
}

/** Stops every process (workers finish their jobs on SIGTERM), then drops the database and deletes the keys. */
export async function stopCluster(cluster: Cluster | undefined): Promise<void> {
  if (!cluster) return;
  await Promise.all([...cluster.apis, ...cluster.workers].map((process) => process.stop()));
  if (process.env.BENCH_KEEP_DATABASE !== '1') await dropDatabase(cluster.databaseName);
  await deleteRedisPrefix(cluster.queuePrefix);
}
