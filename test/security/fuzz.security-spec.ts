import fc from 'fast-check';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestApp, type TestApp } from '../utils/test-app.js';
import { buildRequest, type FuzzPlan, type FuzzRequest, type PathValues, planFor } from './fuzz-cases.js';
import {
  createWorld,
  errorShapeProblem,
  fetchOpenApi,
  mapLimit,
  type OpenApiDocument,
  operationsOf,
  reportSecurity,
  type World,
} from './support.js';

/**
 * Property: whatever is broken in a request the schema would allow, the service answers 4xx in the one error
 * shape, never 5xx, never 2xx, and writes nothing. Reproduce a run with FUZZ_SEED=<seed> (and FUZZ_RUNS).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_126);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const CONCURRENCY = 8;
/** A UUID no row has: deterministic, unlike a random one, so a seed reproduces the exact requests. */
const MISSING = '00000000-0000-4000-8000-000000000000';

interface Outcome {
  request: FuzzRequest;
  status: number;
  problem?: string;
  text: string;
}

/**
 * Every table's row count and a digest of its rows: equal snapshots mean nothing was written. Security events
 * (`auth.*` audit rows: a refused login, a limit reached) are the one write a refused request must make, so they
 * are left out of the comparison.
 */
async function snapshot(t: TestApp): Promise<Map<string, string>> {
  const tables = await t.dataSource.query<{ table_name: string }[]>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const state = new Map<string, string>();
  for (const { table_name: table } of tables) {
    const [row] = await t.dataSource.query<{ n: number; digest: string }[]>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM "${table}" t` +
        (table === 'audit_events' ? ` WHERE t.action NOT LIKE 'auth.%'` : ''),
    );
    state.set(table, `${row.n} rows, ${row.digest}`);
  }
  return state;
}

describe('fuzzer: malformed requests generated from the OpenAPI document', () => {
  let t: TestApp;
  let world: World;
  let doc: OpenApiDocument;
  let baseUrl: string;
  // Connections are reused (as a real client would): the run measures the service, not TCP handshakes.
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  beforeAll(async () => {
    // API only: no worker moves outbox rows or runs jobs in the background while the database is compared.
    t = await createTestApp({ env: { APP_ROLE: 'api' } });
    world = await createWorld(t);
    doc = await fetchOpenApi(t);
    // Over a real socket: malformed encodings, oversized heads and bodies go through Node's HTTP parser.
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    agent.destroy();
    await t?.close();
  });

  const pathValues: PathValues = (op, name) => {
    if (name === 'number') return ['1', '2'];
    if (name === 'specialty') return ['neurology', 'cardiology'];
    if (name === 'slug') return [world.published.slug, 'no-such-article'];
    if (name === 'jobId') return [world.exportJobId, 'export-missing'];
    if (name === 'commentId') return [world.commentId, MISSING];
    if (name === 'signOffId') return [world.published.signOffId, MISSING];
    if (op.path.startsWith('/users/')) return [world.users.writer.id, world.users.reviewer.id, MISSING];
    if (op.path.startsWith('/assignments/')) return [world.inReview.assignmentId, MISSING];
    if (op.path.startsWith('/admin/emails/')) return [world.emailId, MISSING];
    if (op.path.startsWith('/public/reviewers/')) return [world.users.reviewer.id, MISSING];
    return [world.draft.id, world.inReview.id, world.published.id, MISSING];
  };

  async function send(fuzz: FuzzRequest): Promise<Outcome> {
    let call = request(baseUrl)
      [fuzz.method.toLowerCase() as 'get'](fuzz.url)
      .set(world.users[fuzz.caller].auth);
    for (const [name, value] of Object.entries(fuzz.headers)) call = call.set(name, value);
    if (fuzz.body !== undefined) call = call.send(fuzz.body);
    try {
      const res = await call;
      const outcome: Outcome = { request: fuzz, status: res.status, text: res.text ?? '' };
      if (res.status >= 500) outcome.problem = `${res.status}: server error`;
      else if (res.status < 400) outcome.problem = `${res.status}: invalid input accepted`;
      else {
        const shape = errorShapeProblem({ status: res.status, headers: res.headers, text: res.text ?? '' });
        if (shape) outcome.problem = `${res.status}: not the one error shape (${shape})`;
      }
      return outcome;
    } catch (error) {
      return { request: fuzz, status: 0, text: '', problem: `no response: ${(error as Error).message}` };
    }
  }

  it(`answers ${RUNS} malformed requests with a 4xx in the one error shape, and writes nothing`, async () => {
    const operations = operationsOf(doc);
    const plans = operations.map((op) => planFor(doc, op)).filter((plan): plan is FuzzPlan => !!plan);
    const skipped = operations
      .filter((op) => !plans.some((plan) => plan.op.key === op.key))
      .map((op) => op.key);
    const requests = fc.sample(
      fc.oneof(
        ...plans.map((plan) => ({
          weight: plan.weight,
          arbitrary: fc.gen().map((g) => buildRequest(g, doc, plan, pathValues)),
        })),
      ),
      { seed: SEED, numRuns: RUNS },
    );

    const before = await snapshot(t);
    const outcomes = await mapLimit(requests, CONCURRENCY, send);
    const after = await snapshot(t);

    const byStatus = new Map<number, number>();
    const byMutation = new Map<string, number>();
    for (const { status, request: fuzz } of outcomes) {
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      const kind = fuzz.mutation.split(':')[0];
      byMutation.set(kind, (byMutation.get(kind) ?? 0) + 1);
    }
    const histogram = [...byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    const failures = outcomes.filter((outcome) => outcome.problem);
    const changed = [...before.keys()].filter((table) => before.get(table) !== after.get(table));
    const operationsHit = new Set(requests.map((r) => r.op)).size;
    reportSecurity(
      'fuzzer',
      `seed ${SEED}`,
      `${outcomes.length} requests over ${operationsHit} operations (not fuzzed, no inputs: ${skipped.join(', ') || 'none'})`,
      `callers ${['admin', 'writer', 'reviewer', 'editor', 'publisher'].map((c) => `${c}×${requests.filter((r) => r.caller === c).length}`).join(' ')}`,
      `statuses ${histogram.join(' ')}`,
      `${failures.length} problems`,
      `${changed.length} of ${before.size} tables changed`,
    );
    reportSecurity(
      'fuzzer',
      `mutations ${[...byMutation.entries()]
        .sort()
        .map(([k, n]) => `${k}×${n}`)
        .join(' ')}`,
    );

    expect(operationsHit).toBe(plans.length);
    // One line per kind of problem (what went wrong, where, with which mutation), with one example to replay.
    const grouped = new Map<string, { count: number; example: Outcome }>();
    for (const failure of failures) {
      const key = `${failure.problem!.replace(/\(.*/, '').trim()} | ${failure.request.op} | ${failure.request.mutation.split(':')[0]}`;
      const entry = grouped.get(key) ?? { count: 0, example: failure };
      entry.count += 1;
      grouped.set(key, entry);
    }
    expect(
      [...grouped.entries()].map(([key, { count, example }]) => ({
        problem: `${key} ×${count} (seed ${SEED})`,
        caller: example.request.caller,
        mutation: example.request.mutation.slice(0, 120),
        url: example.request.url.slice(0, 120),
        body: example.request.body?.slice(0, 120),
        response: example.text.slice(0, 160),
      })),
    ).toEqual([]);
    expect(changed.map((table) => ({ table, before: before.get(table), after: after.get(table) }))).toEqual(
      [],
    );
  }, 600_000);
});
