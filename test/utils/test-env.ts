import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the tests find PostgreSQL and Redis; override with TEST_DATABASE_URL / TEST_REDIS_URL. */
export const TEST_DATABASE_BASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/mrs_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export function templateDatabase(): string {
  return process.env.MRS_TEST_TEMPLATE ?? 'mrs_tpl_manual';
}

export function databaseUrl(name: string): string {
  const url = new URL(TEST_DATABASE_BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export const ADMIN = { email: 'admin@test.local', password: 'admin-password-for-tests' };

/** The environment a test app (or a spawned service process) runs with. */
export function testEnv(databaseName: string, queuePrefix: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    ENV_FILE: 'none',
    DATABASE_URL: databaseUrl(databaseName),
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    JWT_SECRET: 'test-secret-that-is-at-least-32-characters',
    AUDIT_KEY: 'test-audit-key-that-is-at-least-32-characters',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PUBLIC_BASE_URL: 'http://localhost:3000',
    PUBLICATION_TIMEZONE: 'America/New_York',
    RUN_MIGRATIONS: 'true',
    // Never the developer's var/ folders: each test app writes its mail and exports to a temp folder.
    MAIL_DIR: join(tmpdir(), `${queuePrefix}-mail`),
    PUBLISH_DIR: join(tmpdir(), `${queuePrefix}-publish`),
    AUDIT_CHECKPOINT_DIR: join(tmpdir(), `${queuePrefix}-audit`),
    // Seal promptly, so a test waiting for the chain (test/utils/audit.ts) waits little.
    AUDIT_SEAL_EVERY_MS: '50',
    // argon2id at 1 MiB and 1 pass (about 2 ms) instead of 64 MiB and 3 passes (about 280 ms on this machine):
    // the suite hashes and checks hundreds of passwords. Allowed with NODE_ENV=test only (src/core/config).
    PASSWORD_HASH_MEMORY_KIB: '1024',
    PASSWORD_HASH_PASSES: '1',
    PASSWORD_HASH_LANES: '1',
  };
}
