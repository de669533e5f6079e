import { createHmac, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/core/database/data-source-options.js';
import { runMigrationsWithLock } from '../src/core/database/migrate.js';
import { bearer, createTestApp, createUser, dropDatabase, type TestApp } from './utils/test-app.js';
import { ADMIN, databaseUrl } from './utils/test-env.js';
import { waitForAuditSealed } from './utils/audit.js';

function base64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function signHs256(payload: object, secret: string, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const unsigned = `${base64url(header)}.${base64url(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describe('service foundation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('login and tokens', () => {
    it('logs the bootstrap admin in and refuses a wrong password with 401', async () => {
      const ok = await t.http().post('/auth/login').send(ADMIN);
      expect(ok.status).toBe(200);
      expect(ok.body.accessToken).toEqual(expect.any(String));
      expect(ok.body.tokenType).toBe('Bearer');

      const wrong = await t
        .http()
        .post('/auth/login')
        .send({ email: ADMIN.email, password: 'not-the-password' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        code: 'unauthorized',
        message: 'Email or password is wrong',
      });
    });

    it('answers 401 to a missing, forged, alg:none, wrong-audience and expired token', async () => {
      const me = await createUser(t, ['admin']);
      const sub = me.id;
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        sub,
        // The version the genuine token carries: raising it (password change, deactivation) revokes tokens.
        ver: (JSON.parse(Buffer.from(me.token.split('.')[1], 'base64url').toString()) as { ver: number }).ver,
        aud: 'medical-review-api',
        iss: 'medical-review-service',
        iat: now,
        exp: now + 600,
      };
      const secret = t.env.JWT_SECRET;

      const valid = signHs256(claims, secret);
      expect((await t.http().get('/users').set(bearer(valid))).status).toBe(200);

      const cases: Record<string, string | undefined> = {
        missing: undefined,
        forged: signHs256(claims, 'some-other-secret-of-at-least-32-chars!!'),
        algNone: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`,
        hs512: signHs256(claims, secret, { alg: 'HS512', typ: 'JWT' }).replace(/\.[^.]+$/, (sig) => sig),
        wrongAudience: signHs256({ ...claims, aud: 'someone-else' }, secret),
        expired: signHs256({ ...claims, iat: now - 3600, exp: now - 60 }, secret),
        garbage: 'not-a-token',
      };
      for (const [name, token] of Object.entries(cases)) {
        const req = t.http().get('/users');
        const res = token === undefined ? await req : await req.set(bearer(token));
        expect({ name, status: res.status }).toEqual({ name, status: 401 });
        expect(res.body.error).toBe('Unauthorized');
      }
    });

    it('rate-limits the eleventh wrong password for one account within a minute (429)', async () => {
      const victim = await createUser(t, ['writer']);
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const res = await t
          .http()
          .post('/auth/login')
          .send({ email: victim.email, password: `wrong-${i}-password` });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses[10]).toBe(429);
      // Even the right password is refused while the account is locked out.
      const right = await t
        .http()
        .post('/auth/login')
        .send({ email: victim.email, password: victim.password });
      expect(right.status).toBe(429);
    });

    it('forbids a writer from admin endpoints (403)', async () => {
      const writer = await createUser(t, ['writer']);
      const res = await t.http().get('/users').set(writer.auth);
      expect(res.status).toBe(403);
      expect(res.body.message).toContain('admin');
    });

    it('stops a deactivated user from logging in or acting', async () => {
      const user = await createUser(t, ['admin']);
      expect((await t.http().get('/users').set(user.auth)).status).toBe(200);
      const off = await t.http().post(`/users/${user.id}/deactivate`).set(bearer(t.adminToken));
      expect(off.status).toBe(200);
      expect(off.body.active).toBe(false);
      expect((await t.http().get('/users').set(user.auth)).status).toBe(401);
      const login = await t.http().post('/auth/login').send({ email: user.email, password: user.password });
      expect(login.status).toBe(401);
    });

    it('never returns password hashes', async () => {
      const res = await t.http().get('/users').set(bearer(t.adminToken));
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|argon2/);
    });
  });

  describe('bad input', () => {
    const valid = () => ({
      email: `u-${randomBytes(3).toString('hex')}@test.local`,
      name: 'Val Idation',
      roles: ['writer'],
    });

    it('rejects an unknown field, a wrong type and a missing field with 400 naming the field', async () => {
      const admin = bearer(t.adminToken);
      const unknown = await t
        .http()
        .post('/users')
        .set(admin)
        .send({ ...valid(), isSuperuser: true });
      expect(unknown.status).toBe(400);
      expect(unknown.body.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'isSuperuser' })]),
      );

      const wrongType = await t
        .http()
        .post('/users')
        .set(admin)
        .send({ ...valid(), roles: 'writer' });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.details.map((d: { field: string }) => d.field)).toContain('roles');

      const { name: _name, ...missingName } = valid();
      const missing = await t.http().post('/users').set(admin).send(missingName);
      expect(missing.status).toBe(400);
      expect(missing.body.details.map((d: { field: string }) => d.field)).toContain('name');
      expect(missing.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });

      const users = await t.dataSource.query('SELECT count(*)::int AS n FROM users WHERE name = $1', [
        'Val Idation',
      ]);
      expect(users[0].n).toBe(0);
    });

    it('answers a NUL character (which PostgreSQL cannot store) with 400 naming the field, not 500', async () => {
      const res = await t
        .http()
        .post('/users')
        .set(bearer(t.adminToken))
        .send({ ...valid(), name: 'Nul\u0000Byte' });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'name' })]);
    });

    it('answers 413 in the one error shape to an oversized body', async () => {
      const res = await t
        .http()
        .post('/users')
        .set(bearer(t.adminToken))
        .send({ ...valid(), name: 'x'.repeat(2 * 1024 * 1024) });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    });

    it('answers 404 in the one error shape for an unknown route', async () => {
      const res = await t.http().get('/no-such-route').set(bearer(t.adminToken));
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });

    it('sets helmet headers and a request id', async () => {
      const res = await t.http().get('/health');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
    });

    it('echoes a request id on every answer: a 200, a 404, a refused URL, and one the client sent', async () => {
      const ok = await t.http().get('/health');
      const missing = await t.http().get('/no-such-route');
      // Fastify's router refuses a malformed percent-encoding before any route or hook runs.
      const refused = await t.http().get('/public/articles/%zz');
      const given = await t.http().get('/public/articles/no-such-page').set('x-request-id', 'trace-123');
      expect([ok.status, missing.status, refused.status, given.status]).toEqual([200, 404, 400, 404]);
      for (const res of [ok, missing, refused]) {
        expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
      }
      expect(new Set([ok, missing, refused].map((res) => res.headers['x-request-id'])).size).toBe(3);
      expect(given.headers['x-request-id']).toBe('trace-123');
    });
  });

  describe('audit trail', () => {
    it('records user creation, and the database refuses UPDATE and DELETE', async () => {
      const user = await createUser(t, ['editor']);
      const events = await t.http().get(`/audit?entityId=${user.id}`).set(bearer(t.adminToken));
      expect(events.status).toBe(200);
      // Newest first: invited by the admin, then the person chose their own password.
      expect(events.body).toEqual([
        expect.objectContaining({
          action: 'user.invitation_accepted',
          entityType: 'user',
          entityId: user.id,
        }),
        expect.objectContaining({ action: 'user.invitation_sent', entityType: 'user', entityId: user.id }),
        expect.objectContaining({ action: 'user.created', entityType: 'user', entityId: user.id }),
      ]);

      await expect(t.dataSource.query(`UPDATE audit_events SET action = 'forged'`)).rejects.toThrow(
        /immutable/,
      );
      await expect(t.dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(/immutable/);
    });

    it("verifies the chain, and reports a row changed behind the service's back", async () => {
      await createUser(t, ['writer']);
      await waitForAuditSealed(t.dataSource);
      const good = await t.http().get('/audit/verify').set(bearer(t.adminToken));
      expect(good.status).toBe(200);
      expect(good.body).toMatchObject({ valid: true, firstBroken: null });
      expect(good.body.checked).toBeGreaterThan(2);

      const [{ id }] = await t.dataSource.query(`SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET 1`);
      await t.dataSource.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable');
      await t.dataSource.query(`UPDATE audit_events SET after = '{"roles":["admin"]}' WHERE id = $1`, [id]);
      await t.dataSource.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_immutable');

      const bad = await t.http().get('/audit/verify').set(bearer(t.adminToken));
      expect(bad.body).toMatchObject({ valid: false, firstBroken: { id: String(id) } });
    });
  });

  describe('operability', () => {
    it('reports PostgreSQL and Redis on /health without login', async () => {
      const res = await t.http().get('/health');
      expect(res.status).toBe(200);
      expect(res.body.info).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
    });

    it('serves the OpenAPI document with bearer auth', async () => {
      const res = await t.http().get('/docs-json');
      expect(res.status).toBe(200);
      expect(res.body.paths).toHaveProperty(['/auth/login']);
      expect(res.body.paths).toHaveProperty(['/users/{id}/reviewer-profile']);
      expect(res.body.components.securitySchemes).toHaveProperty('bearer');
    });
  });
});

describe('migrations', () => {
  it('apply exactly once when two instances start at once on an empty database, and match the entities', async () => {
    const name = `mrs_test_mig_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: databaseUrl('postgres') });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const a = await new DataSource(dataSourceOptions(databaseUrl(name))).initialize();
    const b = await new DataSource(dataSourceOptions(databaseUrl(name))).initialize();
    try {
      const [fromA, fromB] = await Promise.all([runMigrationsWithLock(a), runMigrationsWithLock(b)]);
      const total = a.migrations.length;
      expect(total).toBeGreaterThan(0);
      expect(fromA.length + fromB.length).toBe(total);
      const rows = await a.query('SELECT name, count(*)::int AS n FROM migrations GROUP BY name');
      expect(rows).toHaveLength(total);
      expect(rows.every((row: { n: number }) => row.n === 1)).toBe(true);

      const pending = await a.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await a.destroy();
      await b.destroy();
      await dropDatabase(name);
    }
  });
});
