import { existsSync } from 'node:fs';
import { Duration } from 'luxon';
import { IANAZone } from 'luxon';
import { z } from 'zod';

export type AppRole = 'api' | 'worker' | 'all';

const isoDuration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((value) => Duration.fromISO(value).isValid, 'must be an ISO-8601 duration such as P12M or PT30S')
    .transform((value) => Duration.fromISO(value));

const isoDurationList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .refine(
      (parts) => parts.every((part) => Duration.fromISO(part).isValid),
      'must be a comma-separated list of ISO-8601 durations such as P30D,P7D',
    )
    .transform((parts) => parts.map((part) => Duration.fromISO(part)))
    .refine(
      (offsets) => offsets.every((offset) => inRange(offset, 'PT1S', 'P1Y')),
      'each offset must be from PT1S to P1Y before the due date',
    );

/** Whether a duration lies within [min, max] (months and years at their average length). */
function inRange(duration: Duration, min: string, max: string): boolean {
  const length = duration.toMillis();
  return (
    Number.isFinite(length) &&
    length >= Duration.fromISO(min).toMillis() &&
    length <= Duration.fromISO(max).toMillis()
  );
}

const boundedDuration = (fallback: string, min: string, max: string) =>
  isoDuration(fallback).refine(
    (value) => inRange(value, min, max),
    `must be an ISO-8601 duration from ${min} to ${max}`,
  );

const optionalBoundedDuration = (min: string, max: string) =>
  z
    .string()
    .optional()
    .refine(
      (value) =>
        value === undefined ||
        (Duration.fromISO(value).isValid && inRange(Duration.fromISO(value), min, max)),
      `must be an ISO-8601 duration from ${min} to ${max}`,
    )
    .transform((value) => (value === undefined ? undefined : Duration.fromISO(value)));

const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`,
  );

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  APP_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  REDIS_URL: url(['redis:', 'rediss:']),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:_-]+$/, 'must contain only letters, digits, : _ -')
    .default('mrs'),
  RUN_MIGRATIONS: booleanFlag(true),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  JWT_TTL: isoDuration('PT15M').refine(
    (ttl) => ttl.as('seconds') > 0 && ttl.as('seconds') <= 3600,
    'must be a duration of at most PT1H (bearer tokens are short-lived; log in again for a new one)',
  ),
  ADMIN_EMAIL: z.email('must be an email address'),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters'),
  PUBLIC_BASE_URL: url(['http:', 'https:']).default('http://localhost:3000'),
  PUBLICATION_TIMEZONE: z
    .string()
    .default('America/New_York')
    .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as America/New_York'),
  SITE_NAME: z.string().min(1).default('Health Library'),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).default('Medical Review <no-reply@localhost>'),
  MAIL_DIR: z.string().default('var/mail'),
  PUBLISH_DIR: z.string().default('var/publish'),
  TEMPLATES_DIR: z.string().default('templates'),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOGIN_MAX_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  INVITATION_TTL: isoDuration('P3D'),
  PASSWORD_RESET_TTL: isoDuration('PT1H'),
  SESSION_IDLE_TIMEOUT: isoDuration('PT30M'),
  SESSION_MAX_AGE: isoDuration('PT12H'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
  ASSIGNMENT_DUE: isoDuration('P7D'),
  REVIEW_CADENCE: boundedDuration('P12M', 'PT1S', 'P5Y'),
  REMINDER_OFFSETS: isoDurationList('P30D,P7D'),
  OVERDUE_REMINDER_EVERY: boundedDuration('P7D', 'PT1S', 'P1Y'),
  SWEEP_EVERY: isoDuration('PT5M'),
  SWEEP_WINDOW: isoDuration('PT10M'),
  DIGEST_CRON: z.string().default('0 8 * * *'),
  /** Replaces the grace of every template re-sent automatically (src/notifications/resend-policy.ts). */
  EMAIL_RESEND_GRACE: optionalBoundedDuration('PT1S', 'P1D'),
  WEBHOOK_URLS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .refine(
      (urls) => urls.every((u) => /^https?:\/\//.test(u)),
      'must be a comma-separated list of http(s) URLs',
    ),
  WEBHOOK_SECRET: z.string().default(''),
  AUDIT_KEY: z.string().min(32, 'must be at least 32 characters'),
  AUDIT_CHECKPOINT_DIR: z.string().min(1).default('var/audit'),
  AUDIT_SEAL_EVERY_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  AUDIT_SEAL_BATCH: z.coerce.number().int().min(1).max(10_000).default(2000),
  AUDIT_BACKLOG_LIMIT: z.coerce.number().int().min(1).default(50_000),
  /**
   * argon2id's cost for passwords and signing passwords: memory (KiB), passes and lanes. The defaults are the
   * argon2 library's (64 MiB, 3, 4). Outside NODE_ENV=test nothing below OWASP's minimum (19 MiB and 2 passes)
   * is accepted; the test suite lowers them, since it hashes and checks hundreds of passwords (a hash records its
   * own parameters, so every hash still verifies whatever the current setting).
   */
  PASSWORD_HASH_MEMORY_KIB: z.coerce.number().int().min(64).max(4_194_304).default(65_536),
  PASSWORD_HASH_PASSES: z.coerce.number().int().min(1).max(100).default(3),
  PASSWORD_HASH_LANES: z.coerce.number().int().min(1).max(16).default(4),
});

export type Env = z.output<typeof envSchema>;

/**
 * Secrets that ship with the project (.env.example, and the values docker-compose.yml used to fall back to):
 * anyone can read them, so a production process refuses to start with one of them.
 */
export const SHIPPED_SECRETS: Readonly<
  Record<'JWT_SECRET' | 'AUDIT_KEY' | 'ADMIN_PASSWORD', readonly string[]>
> = {
  JWT_SECRET: ['dev-only-secret-change-me-0123456789abcdef', 'compose-only-secret-change-me-0123456789'],
  AUDIT_KEY: ['dev-only-audit-key-change-me-0123456789abcdef'],
  ADMIN_PASSWORD: ['change-me-admin-password'],
};

function shippedSecretInProduction(env: Env): string | undefined {
  if (env.NODE_ENV !== 'production') return undefined;
  for (const name of ['JWT_SECRET', 'AUDIT_KEY', 'ADMIN_PASSWORD'] as const) {
    if (SHIPPED_SECRETS[name].includes(env[name])) {
      const how =
        name !== 'ADMIN_PASSWORD'
          ? "generate one with: node -e \"console.log(require('node:crypto').randomBytes(48).toString('base64url'))\""
          : 'choose a password of your own';
      return `${name} is the value shipped in .env.example or docker-compose.yml and NODE_ENV is production; ${how}`;
    }
  }
  return undefined;
}

/** OWASP's minimum for argon2id (Password Storage Cheat Sheet): 19 MiB of memory and 2 passes. */
export const PASSWORD_HASH_MINIMUM = { memoryKib: 19_456, passes: 2 } as const;

function weakPasswordHashingOutsideTests(env: Env): string | undefined {
  if (env.NODE_ENV === 'test') return undefined;
  if (
    env.PASSWORD_HASH_MEMORY_KIB < PASSWORD_HASH_MINIMUM.memoryKib ||
    env.PASSWORD_HASH_PASSES < PASSWORD_HASH_MINIMUM.passes
  ) {
    return (
      `PASSWORD_HASH_MEMORY_KIB (${env.PASSWORD_HASH_MEMORY_KIB}) and PASSWORD_HASH_PASSES (${env.PASSWORD_HASH_PASSES}) ` +
      `are below argon2id's minimum of ${PASSWORD_HASH_MINIMUM.memoryKib} KiB and ${PASSWORD_HASH_MINIMUM.passes} passes, ` +
      `allowed only with NODE_ENV=test; unset them for the defaults (65536 KiB, 3 passes)`
    );
  }
  return undefined;
}

/** The one typed configuration object, validated at start-up. Inject it by its class. */
export class AppConfig {
  constructor(readonly env: Env) {}

  get role(): AppRole {
    return this.env.APP_ROLE;
  }
  get runsApi(): boolean {
    return this.env.APP_ROLE !== 'worker';
  }
  get runsWorkers(): boolean {
    return this.env.APP_ROLE !== 'api';
  }
}

export class ConfigError extends Error {}

/** Loads `.env` (unless ENV_FILE=none) without overriding variables already set, then validates. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const envFile = source.ENV_FILE ?? '.env';
  if (source === process.env && envFile !== 'none' && existsSync(envFile)) {
    process.loadEnvFile(envFile);
  }
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const reason =
        issue.code === 'invalid_type' && source[name] === undefined ? 'is required' : issue.message;
      return `${name} ${reason}`;
    });
    throw new ConfigError(`Invalid configuration: ${lines.join('; ')} (see .env.example)`);
  }
  const shipped = shippedSecretInProduction(parsed.data);
  if (shipped) throw new ConfigError(`Refusing to start: ${shipped}`);
  const weak = weakPasswordHashingOutsideTests(parsed.data);
  if (weak) throw new ConfigError(`Refusing to start: ${weak}`);
  return new AppConfig(parsed.data);
}

let cached: AppConfig | undefined;

/** The process-wide configuration, loaded once. */
export function getConfig(): AppConfig {
  cached ??= loadConfig();
  return cached;
}

export function resetConfigForTests(): void {
  cached = undefined;
}
