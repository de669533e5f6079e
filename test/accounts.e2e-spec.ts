import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { eventually } from './utils/poll.js';
import {
  bearer,
  createTestApp,
  createUser,
  linkFromOutbox,
  type TestApp,
  tokenFromOutbox,
} from './utils/test-app.js';
import { ADMIN } from './utils/test-env.js';
import { assignAndAccept, createReviewer, draftSeed, submit } from './utils/workflow.js';

const ORIGIN = 'http://localhost:3000';
const HOUR = 3600_000;

function newEmail(prefix = 'person'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@test.local`;
}
const goodPassword = () => `a long pass phrase ${randomBytes(4).toString('hex')}`;

describe('accounts people own: invitations, own passwords, resets, revocation, hardening', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const invite = async (roles: string[] = ['writer'], email = newEmail()) => {
    const res = await t
      .http()
      .post('/users')
      .set(bearer(t.adminToken))
      .send({ email, name: 'Ivy Invited', roles });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, email };
  };
  const accept = (token: string, password: string) =>
    t.http().post('/auth/invitations/accept').send({ token, password });
  const login = (email: string, password: string) => t.http().post('/auth/login').send({ email, password });
  /** The app on a real port, so that a request can come from another client address. */
  const listening = async (): Promise<AddressInfo> => {
    const server = t.app.getHttpServer();
    if (!server.listening) await t.app.listen({ port: 0, host: '0.0.0.0' });
    return server.address() as AddressInfo;
  };
  const postFrom = (localAddress: string, port: number, path: string, body: object) =>
    new Promise<number>((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          localAddress,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const auditActions = async (userId: string) =>
    (
      await t.dataSource.query<{ action: string }[]>(
        'SELECT action FROM audit_events WHERE entity_id = $1 ORDER BY id',
        [userId],
      )
    ).map((row) => row.action);

  describe('invitations', () => {
    it('creates the account without a password and e-mails a single-use setup link that signs the person in', async () => {
      const { id, email } = await invite(['reviewer']);
      const link = await linkFromOutbox(t, email);
      expect(`${link.origin}${link.pathname}`).toBe(`${t.env.PUBLIC_BASE_URL}/desk/account/setup`);
      const token = link.searchParams.get('token')!;
      // Stored only as a hash: the raw token is nowhere in the accounts tables.
      const [stored] = await t.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM account_tokens WHERE token_hash = encode(sha256($1::bytea), 'hex')`,
        [token],
      );
      expect(stored.n).toBe(1);
      expect(
        (await t.dataSource.query(`SELECT 1 FROM account_tokens WHERE token_hash = $1`, [token])).length,
      ).toBe(0);
      // No password yet: nobody can sign in as the person.
      expect((await login(email, 'any password at all')).status).toBe(401);

      const password = goodPassword();
      const accepted = await accept(token, password);
      expect(accepted.status).toBe(200);
      expect((await t.http().get('/articles').set(bearer(accepted.body.accessToken))).status).toBe(200);
      expect((await login(email, password)).status).toBe(200);

      // Used twice: refused, and the password stays the one the person chose.
      const again = await accept(token, goodPassword());
      expect(again.status).toBe(400);
      expect(again.body.details).toEqual([
        { field: 'token', reason: 'was already used or replaced by a newer one' },
      ]);
      expect((await login(email, password)).status).toBe(200);
      expect(await auditActions(id)).toEqual(
        expect.arrayContaining(['user.created', 'user.invitation_sent', 'user.invitation_accepted']),
      );
    });

    it('refuses a password field on POST /users with 400, creating nothing', async () => {
      const email = newEmail();
      const res = await t
        .http()
        .post('/users')
        .set(bearer(t.adminToken))
        .send({ email, name: 'Pat Preset', roles: ['writer'], password: 'an admin-chosen password' });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'password' })]),
      );
      expect(await t.dataSource.query('SELECT 1 FROM users WHERE email = $1', [email])).toEqual([]);
    });

    it('voids the old link when the admin sends a new invitation', async () => {
      const { id, email } = await invite();
      const first = await tokenFromOutbox(t, email);
      const resent = await t.http().post(`/users/${id}/invitations`).set(bearer(t.adminToken));
      expect(resent.status).toBe(201);
      const second = await tokenFromOutbox(t, email);
      expect(second).not.toBe(first);
      expect((await accept(first, goodPassword())).status).toBe(400);
      expect((await accept(second, goodPassword())).status).toBe(200);
      // Once the password is chosen, no new invitation: the person resets instead.
      expect((await t.http().post(`/users/${id}/invitations`).set(bearer(t.adminToken))).status).toBe(409);
    });

    it('refuses an expired invitation link', async () => {
      const { email } = await invite();
      const token = await tokenFromOutbox(t, email);
      t.clock.advance(3 * 24 * HOUR + 1000);
      try {
        const res = await accept(token, goodPassword());
        expect(res.status).toBe(400);
        expect(res.body.details).toEqual([{ field: 'token', reason: 'has expired' }]);
      } finally {
        t.clock.advance(-(3 * 24 * HOUR + 1000));
      }
    });

    it('applies the password rules: length, common passwords, the e-mail itself', async () => {
      const { email } = await invite(['writer'], newEmail('marguerite'));
      const token = await tokenFromOutbox(t, email);
      const local = email.split('@')[0];
      for (const [password, reason] of [
        ['short', /at least 12/],
        ['1q2w3e4r5t6y', /most common passwords/],
        [`my ${local} password`, /e-mail/],
        ['x'.repeat(201), /at most 200/],
      ] as const) {
        const res = await accept(token, password);
        expect(res.status).toBe(400);
        expect(res.body.details[0]).toEqual({ field: 'password', reason: expect.stringMatching(reason) });
      }
      // The refusals did not use the link up.
      expect((await accept(token, goodPassword())).status).toBe(200);
    });
  });

  describe('own password and revocation', () => {
    it('changes the password (204) and every earlier token stops working', async () => {
      const user = await createUser(t, ['writer']);
      const second = (await login(user.email, user.password)).body.accessToken as string;
      const newPassword = goodPassword();
      const wrong = await t
        .http()
        .post('/auth/password')
        .set(user.auth)
        .send({ currentPassword: 'not the current one', newPassword });
      expect(wrong.status).toBe(400);
      expect(wrong.body.details).toEqual([{ field: 'currentPassword', reason: 'is wrong' }]);

      const changed = await t
        .http()
        .post('/auth/password')
        .set(user.auth)
        .send({ currentPassword: user.password, newPassword });
      expect(changed.status).toBe(204);
      for (const token of [user.token, second]) {
        expect((await t.http().get('/articles').set(bearer(token))).status).toBe(401);
      }
      expect((await login(user.email, user.password)).status).toBe(401);
      const fresh = await login(user.email, newPassword);
      expect(fresh.status).toBe(200);
      expect((await t.http().get('/articles').set(bearer(fresh.body.accessToken))).status).toBe(200);
      expect(await auditActions(user.id)).toEqual(
        expect.arrayContaining([
          'auth.current_password_wrong',
          'user.password_changed',
          'user.sessions_revoked',
        ]),
      );
    });

    it('ends the tokens of a deactivated person at once', async () => {
      const user = await createUser(t, ['writer']);
      expect((await t.http().post(`/users/${user.id}/deactivate`).set(bearer(t.adminToken))).status).toBe(
        200,
      );
      expect((await t.http().get('/articles').set(user.auth)).status).toBe(401);
    });
  });

  describe('password reset', () => {
    it('answers 202 for known and unknown addresses alike, and e-mails a single-use link to the known one', async () => {
      const user = await createUser(t, ['writer']);
      const unknown = await t
        .http()
        .post('/auth/password-reset')
        .send({ email: newEmail('nobody') });
      const known = await t.http().post('/auth/password-reset').send({ email: user.email.toUpperCase() });
      expect([unknown.status, known.status]).toEqual([202, 202]);
      expect(unknown.text).toBe(known.text);

      const link = await eventually(
        () => linkFromOutbox(t, user.email, 'password-reset').catch(() => undefined),
        'the reset e-mail',
      );
      expect(`${link.origin}${link.pathname}`).toBe(`${t.env.PUBLIC_BASE_URL}/desk/account/reset`);
      const token = link.searchParams.get('token')!;
      // An invitation's endpoint does not take a reset link (a link of another kind, for another purpose).
      expect((await accept(token, goodPassword())).status).toBe(400);

      const newPassword = goodPassword();
      const confirmed = await t.http().post('/auth/password-reset/confirm').send({ token, newPassword });
      expect(confirmed.status).toBe(204);
      expect((await t.http().get('/articles').set(user.auth)).status).toBe(401);
      expect((await login(user.email, newPassword)).status).toBe(200);
      const twice = await t
        .http()
        .post('/auth/password-reset/confirm')
        .send({ token, newPassword: goodPassword() });
      expect(twice.status).toBe(400);
      expect((await login(user.email, newPassword)).status).toBe(200);
      expect(await auditActions(user.id)).toEqual(
        expect.arrayContaining([
          'user.password_reset_requested',
          'user.password_reset',
          'user.sessions_revoked',
        ]),
      );
    });

    it('refuses an expired reset link, and a reset link opens only its own account', async () => {
      const [a, b] = [await createUser(t, ['writer']), await createUser(t, ['writer'])];
      expect((await t.http().post('/auth/password-reset').send({ email: a.email })).status).toBe(202);
      const link = await eventually(
        () => linkFromOutbox(t, a.email, 'password-reset').catch(() => undefined),
        'the reset e-mail',
      );
      const token = link.searchParams.get('token')!;
      t.clock.advance(HOUR + 1000);
      try {
        const expired = await t
          .http()
          .post('/auth/password-reset/confirm')
          .send({ token, newPassword: goodPassword() });
        expect(expired.status).toBe(400);
        expect(expired.body.details).toEqual([{ field: 'token', reason: 'has expired' }]);
      } finally {
        t.clock.advance(-(HOUR + 1000));
      }
      // Used in time, it changes A's password only; B (who holds no link) keeps theirs.
      const newPassword = goodPassword();
      expect((await t.http().post('/auth/password-reset/confirm').send({ token, newPassword })).status).toBe(
        204,
      );
      expect((await login(a.email, newPassword)).status).toBe(200);
      expect((await login(b.email, newPassword)).status).toBe(401);
      expect((await login(b.email, b.password)).status).toBe(200);
    });
  });

  describe('hardening', () => {
    it('lets at most 10 of 40 parallel wrong logins reach the password hash; the rest are 429', async () => {
      const victim = await createUser(t, ['reviewer']);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => login(victim.email, `wrong password number ${i}`)),
      );
      const statuses = results.map((res) => res.status).sort();
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(30);
      expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
      // Each 401 is a verification that ran; the audit trail counts the hashes checked.
      const failed = await t.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'auth.login_failed' AND entity_id = $1`,
        [victim.id],
      );
      expect(failed[0].n).toBe(statuses.filter((s) => s === 401).length);
      expect(failed[0].n).toBeGreaterThan(0);
      const limited = await t.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'auth.login_limited' AND after->>'email' = $1`,
        [victim.email],
      );
      expect(limited[0].n).toBe(1);
    });

    it('consumes signing-password attempts before the hash: of 12 parallel wrong ones at most 5 are checked', async () => {
      const [writer, editor] = [await createUser(t, ['writer']), await createUser(t, ['editor'])];
      const reviewer = await createReviewer(t, { displayName: 'Sig Parallel' });
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, reviewer, article.id);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          t
            .http()
            .post(`/articles/${article.id}/reviews`)
            .set(reviewer.auth)
            .send({ decision: 'approve', revision: 1, password: `wrong signing password ${i}` }),
        ),
      );
      const statuses = results.map((res) => res.status);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(7);
      expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
      const wrong = await t.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'auth.signing_password_wrong' AND entity_id = $1`,
        [reviewer.id],
      );
      expect(wrong[0].n).toBe(statuses.filter((s) => s === 401).length);
      expect(
        (await t.dataSource.query('SELECT 1 FROM sign_offs WHERE article_id = $1', [article.id])).length,
      ).toBe(0);
    });

    it('limits per account and address: a stranger elsewhere does not lock the person out', async () => {
      const user = await createUser(t, ['writer']);
      // The stranger connects from another loopback address (a real other client address, no proxy header).
      const { port } = await listening();
      const fromStranger = () =>
        postFrom('127.0.0.2', port, '/auth/login', { email: user.email, password: 'a stranger guessing' });
      const stranger: number[] = [];
      for (let i = 0; i < 11; i++) stranger.push(await fromStranger());
      expect(stranger).toEqual([...Array(10).fill(401), 429]);
      // The physician, from their own address, still signs in.
      expect(
        await postFrom('127.0.0.1', port, '/auth/login', { email: user.email, password: user.password }),
      ).toBe(200);
    });

    it('records logins in the audit trail', async () => {
      const user = await createUser(t, ['writer']);
      expect((await login(user.email, user.password)).status).toBe(200);
      expect((await login(user.email, 'not my password at all')).status).toBe(401);
      expect(await auditActions(user.id)).toEqual(
        expect.arrayContaining(['auth.login_succeeded', 'auth.login_failed']),
      );
    });
  });

  describe('desk pages over HTTP: sessions, CSRF, Origin', () => {
    /** A browser-like client: keeps cookies, reads the form's CSRF token from the page. */
    class Browser {
      cookies = new Map<string, string>();
      constructor(private readonly app: TestApp) {}
      private jar(): string {
        return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      }
      private keep(res: request.Response) {
        const set = res.headers['set-cookie'] as unknown as string[] | undefined;
        for (const line of set ?? []) {
          const [pair, ...attributes] = line.split(';');
          const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
          if (attributes.some((a) => a.trim() === 'Max-Age=0')) this.cookies.delete(name);
          else this.cookies.set(name, value);
        }
        return res;
      }
      async get(path: string) {
        return this.keep(await this.app.http().get(path).set('cookie', this.jar()));
      }
      async post(path: string, form: Record<string, string>, origin: string | null = ORIGIN) {
        let req = this.app.http().post(path).set('cookie', this.jar()).type('form');
        if (origin) req = req.set('origin', origin);
        return this.keep(await req.send(form));
      }
      static csrf(html: string): string {
        return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
      }
    }

    it('sets an HttpOnly SameSite=Lax session cookie on login; logout ends the session', async () => {
      const user = await createUser(t, ['reviewer', 'editor']);
      const browser = new Browser(t);
      const page = await browser.get('/desk/login?next=/desk');
      expect(page.status).toBe(200);
      const signedIn = await browser.post('/desk/login', {
        _csrf: Browser.csrf(page.text),
        email: user.email,
        password: user.password,
        next: '/desk',
      });
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.location).toBe('/desk');
      const cookie = (signedIn.headers['set-cookie'] as unknown as string[]).find((c) =>
        c.startsWith('mrs_session='),
      )!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      const raw = browser.cookies.get('mrs_session')!;
      expect(raw.length).toBeGreaterThanOrEqual(43);
      // Stored hashed only.
      expect(await t.dataSource.query('SELECT 1 FROM desk_sessions WHERE id_hash = $1', [raw])).toEqual([]);

      const home = await browser.get('/desk');
      expect(home.status).toBe(200);
      expect(home.text).toContain('reviewer');
      expect(home.text).toContain('editor');

      const out = await browser.post('/desk/logout', { _csrf: Browser.csrf(home.text) });
      expect(out.status).toBe(303);
      // The old cookie value no longer opens anything.
      const replay = await t.http().get('/desk').set('cookie', `mrs_session=${raw}`);
      expect(replay.status).toBe(303);
      expect(replay.headers.location).toBe('/desk/login?next=%2Fdesk');
    });

    it('refuses a form posted without the CSRF token or from another origin (403), writing nothing', async () => {
      const user = await createUser(t, ['writer']);
      const browser = new Browser(t);
      const page = await browser.get('/desk/login');
      const before = await t.dataSource.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM desk_sessions',
      );
      const noToken = await browser.post('/desk/login', { email: user.email, password: user.password });
      expect(noToken.status).toBe(403);
      const otherOrigin = await browser.post(
        '/desk/login',
        { _csrf: Browser.csrf(page.text), email: user.email, password: user.password },
        'https://evil.example',
      );
      expect(otherOrigin.status).toBe(403);
      const after = await t.dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM desk_sessions');
      expect(after[0].n).toBe(before[0].n);

      // Signed in, a forged password change is refused and the password stays.
      const signedIn = await browser.post('/desk/login', {
        _csrf: Browser.csrf(page.text),
        email: user.email,
        password: user.password,
      });
      expect(signedIn.status).toBe(303);
      const forged = await browser.post(
        '/desk/account/password',
        { currentPassword: user.password, newPassword: goodPassword(), confirm: 'x' },
        'https://evil.example',
      );
      expect(forged.status).toBe(403);
      const noCsrf = await browser.post('/desk/account/password', {
        currentPassword: user.password,
        newPassword: 'another long pass phrase',
        confirm: 'another long pass phrase',
      });
      expect(noCsrf.status).toBe(403);
      expect((await login(user.email, user.password)).status).toBe(200);
    });

    it('ends a desk session after 30 idle minutes, and after a password change elsewhere', async () => {
      const user = await createUser(t, ['writer']);
      const browser = new Browser(t);
      const page = await browser.get('/desk/login');
      await browser.post('/desk/login', {
        _csrf: Browser.csrf(page.text),
        email: user.email,
        password: user.password,
      });
      expect((await browser.get('/desk')).status).toBe(200);
      t.clock.advance(29 * 60_000);
      expect((await browser.get('/desk')).status).toBe(200);
      t.clock.advance(30 * 60_000);
      expect((await browser.get('/desk')).status).toBe(303);

      const again = new Browser(t);
      const form = await again.get('/desk/login');
      await again.post('/desk/login', {
        _csrf: Browser.csrf(form.text),
        email: user.email,
        password: user.password,
      });
      expect((await again.get('/desk')).status).toBe(200);
      const changed = await t
        .http()
        .post('/auth/password')
        .set(bearer((await login(user.email, user.password)).body.accessToken))
        .send({ currentPassword: user.password, newPassword: goodPassword() });
      expect(changed.status).toBe(204);
      expect((await again.get('/desk')).status).toBe(303);
    });

    it('ends a desk session at its 12-hour maximum age however active it is, and marks it ended', async () => {
      const user = await createUser(t, ['writer']);
      const browser = new Browser(t);
      const page = await browser.get('/desk/login');
      await browser.post('/desk/login', {
        _csrf: Browser.csrf(page.text),
        email: user.email,
        password: user.password,
      });
      // A request every 20 minutes: never idle; 11 h 40 min after sign-in it still works.
      for (let minutes = 20; minutes < 12 * 60; minutes += 20) {
        t.clock.advance(20 * 60_000);
        expect({ minutes, status: (await browser.get('/desk')).status }).toEqual({ minutes, status: 200 });
      }
      t.clock.advance(20 * 60_000);
      expect((await browser.get('/desk')).status).toBe(303);
      const [session] = await t.dataSource.query<{ ended_at: Date | null }[]>(
        'SELECT ended_at FROM desk_sessions WHERE user_id = $1',
        [user.id],
      );
      expect(session.ended_at).toEqual(t.clock.now());
    });

    it('sends only same-origin /desk paths after login', async () => {
      const user = await createUser(t, ['writer']);
      const browser = new Browser(t);
      const page = await browser.get('/desk/login?next=https://evil.example/desk');
      expect(page.text).not.toContain('evil.example');
      const res = await browser.post('/desk/login', {
        _csrf: Browser.csrf(page.text),
        email: user.email,
        password: user.password,
        next: '//evil.example/desk',
      });
      expect(res.headers.location).toBe('/desk');
    });

    it('shows a used or unknown setup link as a page that says so', async () => {
      const res = await t.http().get('/desk/account/setup?token=' + 'A'.repeat(43));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('This link is not valid');
    });

    it('the bootstrap admin still signs in with the operator-chosen password', async () => {
      expect((await login(ADMIN.email, ADMIN.password)).status).toBe(200);
    });
  });
});
