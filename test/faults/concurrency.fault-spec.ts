import { freePort } from '../utils/private-postgres.js';
import { buildService, type ServiceProcess, startService } from '../utils/spawn-service.js';
import { createTestApp, createUser, type TestApp, type TestUser } from '../utils/test-app.js';
import { assignAndAccept, createReviewer, draftSeed, submit } from '../utils/workflow.js';
import { reportFault } from './fault-report.js';

/**
 * Fault: many clients act on one article at the same instant. The requests go over real HTTP to a spawned API
 * process (the production build, its own pool of 20 connections), fired all at once, so they truly overlap in
 * PostgreSQL; the in-process app only sets up the data (APP_ROLE=api, so nothing else runs jobs).
 *
 * What must hold: of 100 edits of the same version exactly one wins and 99 get 412, with one revision written;
 * of 20 approvals by the assigned reviewer exactly one signs, the others get a 409 naming the state, with one
 * sign-off written. Every answer is in the one error body, none is a 500, and the audit chain still verifies.
 */
const EDITS = 100;
const APPROVALS = 20;

interface Answer {
  status: number;
  body: {
    statusCode?: number;
    error?: string;
    message?: string;
    signOff?: { id: string } | null;
    content?: { description?: string };
  };
}

describe('faults: concurrent edits and approvals of one article', () => {
  let t: TestApp;
  let api: ServiceProcess;
  let baseUrl: string;
  let writer: TestUser;
  let editor: TestUser;
  let reviewer: TestUser;
  let buildMs = 0;

  beforeAll(async () => {
    buildMs = buildService();
    t = await createTestApp({ env: { APP_ROLE: 'api' } });
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    api = await startService('api', { ...t.env, APP_ROLE: 'api', PORT: String(port), LOG_LEVEL: 'warn' });
    writer = await createUser(t, ['writer']);
    editor = await createUser(t, ['editor']);
    reviewer = await createReviewer(t);
  }, 180_000);

  afterAll(async () => {
    await api?.kill();
    await t?.close();
  });

  /** Fires every request at once against the spawned API and waits for all the answers. */
  async function burst(
    count: number,
    request: (i: number) => { method: string; path: string; headers: Record<string, string>; body: unknown },
  ): Promise<Answer[]> {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const { method, path, headers, body } = request(i);
        const response = await fetch(`${baseUrl}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        return { status: response.status, body: (await response.json()) as Answer['body'] };
      }),
    );
  }

  const statuses = (answers: Answer[]) =>
    answers.reduce<Record<number, number>>(
      (tally, { status }) => ({ ...tally, [status]: (tally[status] ?? 0) + 1 }),
      {},
    );

  const count = async (sql: string, params: unknown[]) =>
    (await t.dataSource.query<{ n: number }[]>(sql, params))[0].n;

  it(`${EDITS} edits of one version: exactly one wins, ${EDITS - 1} get 412, one revision written`, async () => {
    const article = await draftSeed(t, writer);
    expect(article.version).toBe('"1"');

    const answers = await burst(EDITS, (i) => ({
      method: 'PATCH',
      path: `/articles/${article.id}`,
      headers: { authorization: writer.auth.Authorization, 'if-match': article.version },
      body: { description: `Concurrent edit number ${i} of the same version.` },
    }));
    expect(api.exited()).toBe(false);

    const winners = answers.filter((answer) => answer.status === 200);
    const losers = answers.filter((answer) => answer.status !== 200);
    expect(statuses(answers)).toEqual({ 200: 1, 412: EDITS - 1 });
    for (const loser of losers) {
      expect(loser.body).toEqual({
        statusCode: 412,
        error: 'Precondition Failed',
        code: 'precondition_failed',
        message: expect.stringMatching(/version/i) as unknown,
        // Whoever lost learns the version that won, even those that lost inside the transaction.
        details: [{ field: 'If-Match', reason: 'is stale', sentVersion: 1, currentVersion: 2 }],
      });
    }

    // In PostgreSQL: one new revision, the winner's, and one audited edit.
    const [row] = await t.dataSource.query<
      { version: number; current_revision: number; description: string }[]
    >(
      `SELECT a.version, a.current_revision, r.content->>'description' AS description
         FROM articles a JOIN revisions r ON r.article_id = a.id AND r.number = a.current_revision
        WHERE a.id = $1`,
      [article.id],
    );
    expect(row).toEqual({
      version: 2,
      current_revision: 2,
      description: winners[0].body.content?.description,
    });
    expect(await count('SELECT count(*)::int AS n FROM revisions WHERE article_id = $1', [article.id])).toBe(
      2,
    );
    expect(
      await count(
        `SELECT count(*)::int AS n FROM audit_events WHERE article_id = $1 AND action = 'article.edited'`,
        [article.id],
      ),
    ).toBe(1);

    reportFault({
      scenario: `${EDITS} concurrent edits of one version`,
      trials: EDITS,
      lost: 0,
      duplicated:
        (await count('SELECT count(*)::int AS n FROM revisions WHERE article_id = $1', [article.id])) - 2,
      recoveredS: null,
      detail: `answers ${JSON.stringify(statuses(answers))}; 1 revision written (tsc build ${(buildMs / 1000).toFixed(1)} s)`,
    });
  }, 120_000);

  it(`${APPROVALS} approvals by the assigned reviewer: exactly one sign-off, the rest 409 or 429`, async () => {
    const article = await draftSeed(t, writer);
    await submit(t, writer, article.id);
    await assignAndAccept(t, editor, reviewer, article.id);

    const answers = await burst(APPROVALS, () => ({
      method: 'POST',
      path: `/articles/${article.id}/reviews`,
      headers: { authorization: reviewer.auth.Authorization },
      body: { decision: 'approve', revision: article.currentRevision, password: reviewer.password },
    }));
    expect(api.exited()).toBe(false);

    const winners = answers.filter((answer) => answer.status === 200);
    // Signing-password attempts are consumed before the hash (5 per 5 minutes per person): of 20 at once, those
    // past the limit answer 429 without reaching it; every other loser finds the revision already decided.
    const counted = statuses(answers);
    expect(counted[200]).toBe(1);
    expect((counted[409] ?? 0) + (counted[429] ?? 0)).toBe(APPROVALS - 1);
    expect(winners[0].body.signOff?.id).toEqual(expect.any(String));
    for (const loser of answers.filter((answer) => answer.status === 409)) {
      expect(loser.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        code: 'review.already_decided',
        message: expect.stringMatching(/approved/) as unknown,
      });
    }
    for (const limited of answers.filter((answer) => answer.status === 429)) {
      expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    }

    // In PostgreSQL: one decision, one sign-off (the winner's), one completed assignment, a whole audit chain.
    const signOffs = await t.dataSource.query<{ id: string }[]>(
      'SELECT id FROM sign_offs WHERE article_id = $1',
      [article.id],
    );
    expect(signOffs.map((signOff) => signOff.id)).toEqual([winners[0].body.signOff!.id]);
    expect(
      await count('SELECT count(*)::int AS n FROM review_decisions WHERE article_id = $1', [article.id]),
    ).toBe(1);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM assignments WHERE article_id = $1 AND status = 'completed'`,
        [article.id],
      ),
    ).toBe(1);
    const verify = await t.http().get('/audit/verify').set('Authorization', `Bearer ${t.adminToken}`);
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual(expect.objectContaining({ valid: true, firstBroken: null }));

    reportFault({
      scenario: `${APPROVALS} concurrent approvals of one article`,
      trials: APPROVALS,
      lost: 0,
      duplicated: signOffs.length - 1,
      recoveredS: null,
      detail: `answers ${JSON.stringify(statuses(answers))}; 1 sign-off written; audit chain valid`,
    });
  }, 120_000);
});
