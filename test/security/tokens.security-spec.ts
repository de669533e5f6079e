import { createHmac, createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { JWT_AUDIENCE, JWT_ISSUER } from '../../src/auth/token.service.js';
import { bearer, createTestApp, createUser, type TestApp, type TestUser } from '../utils/test-app.js';
import { draftSeed } from '../utils/workflow.js';
import { errorShapeProblem, mapLimit, reportSecurity } from './support.js';

const b64 = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function hmacToken(
  claims: object,
  secret: string,
  alg: 'HS256' | 'HS384' | 'HS512' = 'HS256',
  header: object = {},
): string {
  const unsigned = `${b64({ alg, typ: 'JWT', ...header })}.${b64(claims)}`;
  const digest = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  return `${unsigned}.${createHmac(digest, secret).update(unsigned).digest('base64url')}`;
}

function rs256Token(claims: object): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
}

/** Routes of every kind: admin-only, any role, a write, an object route, and the dashboard's own hook. */
const ROUTES: {
  name: string;
  call: (t: TestApp, articleId: string) => ReturnType<ReturnType<TestApp['http']>['get']>;
}[] = [
  { name: 'GET /users', call: (t) => t.http().get('/users') },
  { name: 'GET /articles', call: (t) => t.http().get('/articles') },
  { name: 'GET /articles/{id}', call: (t, id) => t.http().get(`/articles/${id}`) },
  {
    name: 'POST /articles/{id}/comments',
    call: (t, id) => t.http().post(`/articles/${id}/comments`).send({ body: 'Hello' }),
  },
  { name: 'GET /audit', call: (t) => t.http().get('/audit') },
  { name: 'GET /admin/queues/api/queues', call: (t) => t.http().get('/admin/queues/api/queues') },
];

describe('bearer tokens: every forged, foreign or stale token is a 401 in the one error shape', () => {
  let t: TestApp;
  let admin: TestUser;
  let articleId: string;
  let claims: Record<string, unknown>;
  let deactivatedToken: string;

  beforeAll(async () => {
    t = await createTestApp();
    // An admin who is also a writer: one valid token passes every route above, so a 401 is the token's doing.
    admin = await createUser(t, ['admin', 'writer', 'editor']);
    articleId = (await draftSeed(t, admin)).id;
    const now = Math.floor(Date.now() / 1000);
    // The token version the genuine token carries (raised when the password was chosen from the invitation).
    const { ver } = JSON.parse(Buffer.from(admin.token.split('.')[1], 'base64url').toString()) as {
      ver: number;
    };
    claims = { sub: admin.id, ver, aud: JWT_AUDIENCE, iss: JWT_ISSUER, iat: now, exp: now + 600 };

    const leaver = await createUser(t, ['admin', 'writer', 'editor']);
    deactivatedToken = leaver.token;
    const off = await t.http().post(`/users/${leaver.id}/deactivate`).set(bearer(t.adminToken));
    expect(off.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it('accepts the genuine tokens on every route (the control)', async () => {
    const refused: { route: string; status: number }[] = [];
    // The token login issued, and one this test signs the same way: the forgeries below differ in one thing.
    for (const token of [admin.token, hmacToken(claims, t.env.JWT_SECRET)]) {
      for (const route of ROUTES) {
        const res = await route.call(t, articleId).set(bearer(token));
        if (res.status >= 400) refused.push({ route: route.name, status: res.status });
      }
    }
    expect(refused).toEqual([]);
  });

  it('refuses each bad token on each route with 401', async () => {
    const secret = t.env.JWT_SECRET;
    const now = Math.floor(Date.now() / 1000);
    const [header, payload, signature] = admin.token.split('.');
    const flipped = signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    const authorizations: Record<string, string | undefined> = {
      'no Authorization header': undefined,
      'Bearer with nothing': 'Bearer',
      'Bearer and a space': 'Bearer ',
      'a garbage string': 'Bearer not-a-token',
      'a garbage string with spaces': 'Bearer a b c',
      'the Basic scheme': `Basic ${Buffer.from('admin@test.local:admin-password-for-tests').toString('base64')}`,
      'the token without a scheme': admin.token,
      'two tokens': `Bearer ${admin.token}, Bearer ${admin.token}`,
      'alg none, no signature': `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
      'alg None, no signature': `Bearer ${b64({ alg: 'None', typ: 'JWT' })}.${b64(claims)}.`,
      'alg none, the real signature': `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}`,
      'HS512 with the real secret': `Bearer ${hmacToken(claims, secret, 'HS512')}`,
      'HS384 with the real secret': `Bearer ${hmacToken(claims, secret, 'HS384')}`,
      'RS256 signed with an attacker key': `Bearer ${rs256Token(claims)}`,
      'RS256 header, HMAC with the secret (key confusion)': `Bearer ${(() => {
        const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
        return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
      })()}`,
      'a wrong signature (one character changed)': `Bearer ${header}.${payload}.${flipped}`,
      'no signature': `Bearer ${header}.${payload}.`,
      'signed with another secret': `Bearer ${hmacToken(claims, 'another-secret-of-at-least-32-characters')}`,
      'a payload swapped under a real signature': `Bearer ${header}.${b64({ ...claims, sub: randomUUID() })}.${signature}`,
      'a wrong audience': `Bearer ${hmacToken({ ...claims, aud: 'some-other-api' }, secret)}`,
      'no audience': `Bearer ${hmacToken({ ...claims, aud: undefined }, secret)}`,
      'a wrong issuer': `Bearer ${hmacToken({ ...claims, iss: 'someone-else' }, secret)}`,
      'no issuer': `Bearer ${hmacToken({ ...claims, iss: undefined }, secret)}`,
      'expired a minute ago': `Bearer ${hmacToken({ ...claims, iat: now - 3600, exp: now - 60 }, secret)}`,
      'not valid before next hour': `Bearer ${hmacToken({ ...claims, nbf: now + 3600 }, secret)}`,
      'no subject': `Bearer ${hmacToken({ ...claims, sub: undefined }, secret)}`,
      'a subject that is no user': `Bearer ${hmacToken({ ...claims, sub: randomUUID() }, secret)}`,
      'a subject that is not a UUID': `Bearer ${hmacToken({ ...claims, sub: "' OR '1'='1" }, secret)}`,
      'a numeric subject': `Bearer ${hmacToken({ ...claims, sub: 1 }, secret)}`,
      'a deactivated user': `Bearer ${deactivatedToken}`,
      'no token version': `Bearer ${hmacToken({ ...claims, ver: undefined }, secret)}`,
      'an earlier token version (revoked)': `Bearer ${hmacToken({ ...claims, ver: Number(claims.ver) - 1 }, secret)}`,
    };

    const cases = Object.entries(authorizations).flatMap(([name, authorization]) =>
      ROUTES.map((route) => ({ name, authorization, route })),
    );
    const results = await mapLimit(cases, 6, async ({ name, authorization, route }) => {
      let req = route.call(t, articleId);
      if (authorization !== undefined) req = req.set('Authorization', authorization);
      const res = await req;
      return {
        token: name,
        route: route.name,
        status: res.status,
        shape: errorShapeProblem({ status: res.status, headers: res.headers, text: res.text ?? '' }) ?? 'ok',
      };
    });
    const wrong = results.filter((r) => r.status !== 401 || r.shape !== 'ok');
    reportSecurity(
      'tokens',
      `${Object.keys(authorizations).length} bad tokens × ${ROUTES.length} routes = ${results.length} requests`,
      `${results.length - wrong.length} answered 401 in the one error shape`,
      `${wrong.length} wrong`,
    );
    expect(wrong).toEqual([]);
  }, 60_000);
});
