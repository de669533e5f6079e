import { createTestApp, type TestApp } from '../utils/test-app.js';
import {
  ACCESS_POLICY,
  type Access,
  allows,
  CALLERS,
  type Caller,
  describeAccess,
  UNDOCUMENTED_ROUTES,
} from './access-policy.js';
import {
  createWorld,
  errorShapeProblem,
  fetchOpenApi,
  fillPath,
  headersFor,
  mapLimit,
  type Operation,
  operationsOf,
  reportSecurity,
  type ServedRoute,
  servedRoutes,
  type World,
} from './support.js';

interface Call {
  route: string;
  caller: Caller;
  access: Access;
  method: string;
  url: string;
  body?: object;
}

interface Mismatch {
  route: string;
  caller: Caller;
  access: string;
  status: number;
  problem: string;
}

/** What a caller must get: 401 without a token, 403 with the wrong role, anything but those two otherwise. */
function judge(call: Call, status: number, shape: string | undefined): Mismatch | undefined {
  const allowed = allows(call.access, call.caller);
  const base = { route: call.route, caller: call.caller, access: describeAccess(call.access), status };
  if (status >= 500) return { ...base, problem: 'server error' };
  if (allowed && (status === 401 || status === 403)) return { ...base, problem: 'refused an allowed caller' };
  if (!allowed) {
    const expected = call.caller === 'anonymous' ? 401 : 403;
    if (status !== expected)
      return { ...base, problem: `let through or answered wrongly (expected ${expected})` };
    if (shape) return { ...base, problem: `refusal not in the one error shape: ${shape}` };
  }
  return undefined;
}

function undocumentedAccess(route: ServedRoute): Access | undefined {
  return UNDOCUMENTED_ROUTES.find((entry) => route.path.startsWith(entry.prefix))?.access;
}

describe('authorisation matrix: every route × every role, from the OpenAPI document', () => {
  let t: TestApp;
  let world: World;
  let operations: Operation[];
  let served: ServedRoute[];

  beforeAll(async () => {
    t = await createTestApp();
    world = await createWorld(t);
    operations = operationsOf(await fetchOpenApi(t));
    served = servedRoutes(t);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  async function perform(call: Call): Promise<{ status: number; shape?: string }> {
    const method = call.method.toLowerCase() as 'get';
    let req = t.http()[method](call.url).set(headersFor(world, call.caller));
    if (call.body) req = req.send(call.body);
    const res = await req;
    return {
      status: res.status,
      shape:
        call.method === 'HEAD'
          ? undefined
          : errorShapeProblem({ status: res.status, headers: res.headers, text: res.text ?? '' }),
    };
  }

  it('has a decision for every documented route, and documents every route it decides', () => {
    const documented = operations.map((op) => op.key);
    expect({
      documentedButUndecided: documented.filter((key) => !Object.hasOwn(ACCESS_POLICY, key)),
      decidedButGone: Object.keys(ACCESS_POLICY).filter((key) => !documented.includes(key)),
    }).toEqual({ documentedButUndecided: [], decidedButGone: [] });
  });

  it('serves nothing outside the OpenAPI document but the listed routes (queue dashboard, API docs)', () => {
    const documented = new Set(operations.map((op) => op.key));
    // The route tree was read: it holds every documented route, and more.
    expect(served.length).toBeGreaterThan(operations.length);
    expect({
      servedButUnlisted: served
        .filter((route) => !documented.has(`${route.method} ${route.path}`) && !undocumentedAccess(route))
        .map((route) => `${route.method} ${route.path}`),
      documentedButNotServed: operations
        .filter((op) => !served.some((route) => `${route.method} ${route.path}` === op.key))
        .map((op) => op.key),
    }).toEqual({ servedButUnlisted: [], documentedButNotServed: [] });
  });

  it('answers every documented route as the access policy says: 401 without a token, 403 for other roles', async () => {
    const calls: Call[] = operations.flatMap((op) =>
      CALLERS.map((caller) => ({
        route: op.key,
        caller,
        access: ACCESS_POLICY[op.key],
        method: op.method,
        // Random ids: the guard decides before any lookup, so the allowed get 404 (or 400), never 401/403.
        url: fillPath(op.path),
        body: op.spec.requestBody ? {} : undefined,
      })),
    );
    const results = await mapLimit(calls, 6, perform);
    const mismatches = calls
      .map((call, i) => judge(call, results[i].status, results[i].shape))
      .filter((m): m is Mismatch => !!m);
    const refused = results.filter((r) => r.status === 401 || r.status === 403).length;
    reportSecurity(
      'authz matrix',
      `${operations.length} routes × ${CALLERS.length} callers = ${calls.length} requests`,
      `${refused} refused, ${calls.length - refused} let through`,
      `${mismatches.length} mismatches`,
    );
    expect(mismatches).toEqual([]);
    // Not vacuous: both outcomes occur for every caller but the admin (who is refused the others' work too).
    for (const caller of CALLERS) {
      const statuses = calls.flatMap((call, i) => (call.caller === caller ? [results[i].status] : []));
      expect({ caller, refusedSome: statuses.some((s) => s === 401 || s === 403) }).toEqual({
        caller,
        refusedSome: true,
      });
    }
  }, 120_000);

  it('refuses HEAD as well as GET without a token on every signed-in route', async () => {
    const calls: Call[] = operations
      .filter((op) => op.method === 'GET' && ACCESS_POLICY[op.key] !== 'public')
      .map((op) => ({
        route: `HEAD ${op.path}`,
        caller: 'anonymous',
        access: ACCESS_POLICY[op.key],
        method: 'HEAD',
        url: fillPath(op.path),
      }));
    const results = await mapLimit(calls, 6, perform);
    const mismatches = calls.map((call, i) => judge(call, results[i].status, undefined)).filter(Boolean);
    reportSecurity(
      'authz matrix',
      `HEAD without a token on ${calls.length} signed-in GET routes`,
      `${mismatches.length} mismatches`,
    );
    expect(calls.length).toBeGreaterThan(10);
    expect(mismatches).toEqual([]);
  });

  it('guards the routes outside the OpenAPI document as listed (queue dashboard: admins; API docs: public)', async () => {
    const calls: Call[] = [];
    let skipped = 0;
    for (const route of served) {
      const access = undocumentedAccess(route);
      if (!access) continue;
      for (const caller of CALLERS) {
        // An admin's dashboard actions (pause, empty, obliterate…) would really act: only GETs are let through.
        if (route.method !== 'GET' && allows(access, caller)) {
          skipped += 1;
          continue;
        }
        calls.push({
          route: `${route.method} ${route.path}`,
          caller,
          access,
          method: route.method,
          url: fillPath(route.path),
          body: route.method === 'GET' ? undefined : {},
        });
      }
    }
    const results = await mapLimit(calls, 6, perform);
    const mismatches = calls
      .map((call, i) => judge(call, results[i].status, results[i].shape))
      .filter((m): m is Mismatch => !!m);
    const routes = new Set(calls.map((call) => call.route)).size;
    reportSecurity(
      'authz matrix',
      `${routes} undocumented routes (${UNDOCUMENTED_ROUTES.map((u) => u.prefix).join(', ')}) = ${calls.length} requests`,
      `${skipped} admin dashboard actions not performed`,
      `${mismatches.length} mismatches`,
    );
    expect(routes).toBeGreaterThan(20);
    expect(mismatches).toEqual([]);
    // The dashboard itself answers its admins (the hook is not refusing everybody).
    expect((await t.http().get('/admin/queues/api/queues').set(world.users.admin.auth)).status).toBe(200);
  }, 120_000);
});
