import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, SHIPPED_SECRETS } from './app-config.js';

const minimal = {
  ENV_FILE: 'none',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_SECRET: 'a'.repeat(32),
  AUDIT_KEY: 'k'.repeat(32),
  ADMIN_EMAIL: 'admin@example.com',
  ADMIN_PASSWORD: 'long-enough-password',
};

describe('configuration', () => {
  it('applies documented defaults', () => {
    const config = loadConfig({ ...minimal });
    expect(config.role).toBe('all');
    expect(config.env.PORT).toBe(3000);
    expect(config.env.PUBLICATION_TIMEZONE).toBe('America/New_York');
    expect(config.env.REVIEW_CADENCE.toISO()).toBe('P12M');
    expect(config.env.REMINDER_OFFSETS.map((d) => d.toISO())).toEqual(['P30D', 'P7D']);
  });

  it('hashes passwords with argon2id at 64 MiB and 3 passes unless told otherwise', () => {
    const { env } = loadConfig({ ...minimal });
    expect([env.PASSWORD_HASH_MEMORY_KIB, env.PASSWORD_HASH_PASSES, env.PASSWORD_HASH_LANES]).toEqual([
      65_536, 3, 4,
    ]);
  });

  it('refuses password hashing below OWASP minimum outside NODE_ENV=test, naming what to do', () => {
    for (const NODE_ENV of ['production', 'development']) {
      expect(() => loadConfig({ ...minimal, NODE_ENV, PASSWORD_HASH_MEMORY_KIB: '1024' })).toThrow(
        /Refusing to start: PASSWORD_HASH_MEMORY_KIB \(1024\).*allowed only with NODE_ENV=test; unset them/,
      );
      expect(() => loadConfig({ ...minimal, NODE_ENV, PASSWORD_HASH_PASSES: '1' })).toThrow(ConfigError);
    }
    const lowered = { PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_PASSES: '1', PASSWORD_HASH_LANES: '1' };
    expect(loadConfig({ ...minimal, NODE_ENV: 'test', ...lowered }).env.PASSWORD_HASH_MEMORY_KIB).toBe(1024);
    expect(
      loadConfig({ ...minimal, PASSWORD_HASH_MEMORY_KIB: '19456', PASSWORD_HASH_PASSES: '2' }).env
        .PASSWORD_HASH_PASSES,
    ).toBe(2);
  });

  it('names a missing DATABASE_URL in one line', () => {
    const { DATABASE_URL: _omit, ...rest } = minimal;
    expect(() => loadConfig(rest)).toThrow(ConfigError);
    expect(() => loadConfig(rest)).toThrow(/^Invalid configuration: DATABASE_URL is required/);
  });

  it('names malformed values and what is wrong', () => {
    expect(() => loadConfig({ ...minimal, PUBLICATION_TIMEZONE: 'Mars/Olympus' })).toThrow(
      /PUBLICATION_TIMEZONE must be an IANA time zone/,
    );
    expect(() => loadConfig({ ...minimal, APP_ROLE: 'both' })).toThrow(/APP_ROLE/);
    expect(() => loadConfig({ ...minimal, REDIS_URL: 'http://x' })).toThrow(
      /REDIS_URL must be a URL starting with redis:/,
    );
    expect(() => loadConfig({ ...minimal, REVIEW_CADENCE: '12 months' })).toThrow(
      /REVIEW_CADENCE must be an ISO-8601 duration/,
    );
    // Bounded, so a huge value can never overflow a due date inside a signing transaction.
    expect(() => loadConfig({ ...minimal, REVIEW_CADENCE: 'P999999Y' })).toThrow(
      /REVIEW_CADENCE must be an ISO-8601 duration from PT1S to P5Y/,
    );
    expect(() => loadConfig({ ...minimal, REMINDER_OFFSETS: 'P30D,P999Y' })).toThrow(
      /REMINDER_OFFSETS each offset must be from PT1S to P1Y/,
    );
    expect(() => loadConfig({ ...minimal, REMINDER_OFFSETS: 'PT0S' })).toThrow(/REMINDER_OFFSETS/);
    expect(() => loadConfig({ ...minimal, OVERDUE_REMINDER_EVERY: 'P20Y' })).toThrow(
      /OVERDUE_REMINDER_EVERY must be an ISO-8601 duration from PT1S to P1Y/,
    );
    expect(
      loadConfig({ ...minimal, REMINDER_OFFSETS: 'P60D, P7D, PT20S' }).env.REMINDER_OFFSETS,
    ).toHaveLength(3);
    expect(() => loadConfig({ ...minimal, JWT_SECRET: 'short' })).toThrow(
      /JWT_SECRET must be at least 32 characters/,
    );
    expect(() => loadConfig({ ...minimal, AUDIT_KEY: 'short' })).toThrow(
      /AUDIT_KEY must be at least 32 characters/,
    );
    const { AUDIT_KEY: _noKey, ...withoutKey } = minimal;
    expect(() => loadConfig(withoutKey)).toThrow(/AUDIT_KEY is required/);
  });

  it('refuses a JWT_TTL over one hour', () => {
    expect(() => loadConfig({ ...minimal, JWT_TTL: 'PT2H' })).toThrow(
      /JWT_TTL must be a duration of at most PT1H/,
    );
    expect(loadConfig({ ...minimal, JWT_TTL: 'PT1H' }).env.JWT_TTL.as('minutes')).toBe(60);
  });

  it('refuses to start in production with a secret shipped in .env.example or docker-compose.yml', () => {
    for (const value of SHIPPED_SECRETS.JWT_SECRET) {
      expect(() => loadConfig({ ...minimal, NODE_ENV: 'production', JWT_SECRET: value })).toThrow(
        /^Refusing to start: JWT_SECRET is the value shipped/,
      );
    }
    for (const value of SHIPPED_SECRETS.AUDIT_KEY) {
      expect(() => loadConfig({ ...minimal, NODE_ENV: 'production', AUDIT_KEY: value })).toThrow(
        /^Refusing to start: AUDIT_KEY is the value shipped/,
      );
    }
    expect(() =>
      loadConfig({ ...minimal, NODE_ENV: 'production', ADMIN_PASSWORD: 'change-me-admin-password' }),
    ).toThrow(/^Refusing to start: ADMIN_PASSWORD is the value shipped/);
    // The same values are fine on a developer machine, and fresh ones in production.
    expect(loadConfig({ ...minimal, JWT_SECRET: SHIPPED_SECRETS.JWT_SECRET[0] }).env.NODE_ENV).toBe(
      'development',
    );
    expect(loadConfig({ ...minimal, NODE_ENV: 'production' }).env.NODE_ENV).toBe('production');
  });

  it('ships .env.example with exactly the secrets the production check knows', () => {
    const example = readFileSync('.env.example', 'utf8');
    const value = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(example)?.[1];
    expect(SHIPPED_SECRETS.JWT_SECRET).toContain(value('JWT_SECRET'));
    expect(SHIPPED_SECRETS.AUDIT_KEY).toContain(value('AUDIT_KEY'));
    expect(SHIPPED_SECRETS.ADMIN_PASSWORD).toContain(value('ADMIN_PASSWORD'));
  });
});
