import { createHmac } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { AppConfig } from '../src/core/config/app-config.js';
import { Clock } from '../src/core/clock/clock.js';
import { auditEventHash, GENESIS_HASH } from '../src/audit/audit-chain.js';
import { AuditCheckpointFiles } from '../src/audit/audit-checkpoint-files.js';
import { AUDIT_SEALER_LOCK, AuditSealer } from '../src/audit/audit-sealer.js';
import { AuditService } from '../src/audit/audit.service.js';
import { waitForAuditSealed } from './utils/audit.js';
import { eventually } from './utils/poll.js';
import { bearer, createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import { draftSeed, createReviewer, signedSeed } from './utils/workflow.js';

/**
 * Issue #15 §1: audit events are appended without a lock and sealed afterwards by one sealer, which signs each
 * batch's head with AUDIT_KEY into the database and into append-only files outside it.
 */
describe('audit trail: sealing and tamper evidence', () => {
  let t: TestApp;
  let editor: TestUser;
  let writer: TestUser;
  let files: AuditCheckpointFiles;

  const verify = async () => {
    const res = await t.http().get('/audit/verify').set(bearer(t.adminToken));
    expect(res.status).toBe(200);
    return res.body as {
      valid: boolean;
      checked: number;
      firstBroken: { id: string; reason: string } | null;
      unsealed: number;
      backlogLimit: number;
      checkpoints: { database: number; files: number; lastSeq: string | null };
    };
  };
  const counts = async () => {
    const [row] = await t.dataSource.query<{ total: number; sealed: number; max_seq: string | null }[]>(
      `SELECT count(*)::int AS total, count(seq)::int AS sealed, max(seq) AS max_seq FROM audit_events`,
    );
    return row;
  };
  /** Stops the app's own sealer, as if its worker had gone; `startSealer` starts another, as another worker would. */
  const stopSealer = async () => {
    await t.app.get(AuditSealer).onApplicationShutdown();
  };
  const startSealer = () => {
    const sealer = new AuditSealer(t.app.get(AppConfig), t.app.get(Clock), files);
    sealer.onApplicationBootstrap();
    return sealer;
  };
  let extraSealers: AuditSealer[] = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { AUDIT_BACKLOG_LIMIT: '15' } });
    files = t.app.get(AuditCheckpointFiles);
    editor = await createUser(t, ['editor']);
    writer = await createUser(t, ['writer']);
  });
  afterAll(async () => {
    for (const sealer of extraSealers) await sealer.onApplicationShutdown();
    await t?.close();
  });

  it('chains every event of concurrent writers into one total, valid chain, signed in the database and in files', async () => {
    const articles = await Promise.all(Array.from({ length: 12 }, () => draftSeed(t, writer)));
    await Promise.all(
      articles.map((article) =>
        t.http().post(`/articles/${article.id}/comments`).set(editor.auth).send({ body: 'Cite a source.' }),
      ),
    );
    await waitForAuditSealed(t.dataSource);

    const { total, sealed, max_seq } = await counts();
    expect(sealed).toBe(total);
    expect(max_seq).toBe(String(total)); // seq 1..n, no gap (the unique index forbids repeats)
    const report = await verify();
    expect(report).toMatchObject({ valid: true, firstBroken: null, checked: total, unsealed: 0 });
    expect(report.checkpoints.lastSeq).toBe(String(total));
    // Each checkpoint is in the database and, as one JSON line, in the file; the last signs the head.
    const lines = readFileSync(files.path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(report.checkpoints.database);
    const [head] = await t.dataSource.query(`SELECT hash FROM audit_events WHERE seq = $1`, [max_seq]);
    expect(lines[lines.length - 1]).toMatchObject({ seq: max_seq, headHash: head.hash });
    const key = t.env.AUDIT_KEY;
    const last = lines[lines.length - 1];
    const signed = createHmac('sha256', key)
      .update(
        JSON.stringify({
          firstSeq: last.firstSeq,
          headHash: last.headHash,
          sealedAt: last.sealedAt,
          seq: last.seq,
        }),
      )
      .digest('hex');
    expect(last.hmac).toBe(signed);
    // The API lists sealed events with their place in the chain.
    const listed = await t.http().get(`/audit?articleId=${articles[0].id}`).set(bearer(t.adminToken));
    expect(listed.body[0]).toMatchObject({ seq: expect.stringMatching(/^\d+$/), hash: expect.any(String) });
  });

  it('never seals an event before one whose transaction is still running, whatever the id and commit order', async () => {
    const audit = t.app.get(AuditService);
    // A transaction takes its id first, then inserts its event last: its event gets the highest id.
    const slow = t.dataSource.createQueryRunner();
    await slow.connect();
    await slow.startTransaction();
    const [{ xid }] = await slow.query(`SELECT pg_current_xact_id()::text AS xid`);
    try {
      // Meanwhile other writers commit their events (lower ids than the slow one's, higher transaction ids).
      const quick = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t.dataSource.transaction((tx) =>
            audit.record(tx, {
              actorId: null,
              action: 'article.edited',
              entityType: 'test',
              entityId: `quick-${i}`,
            }),
          ),
        ),
      );
      // The sealer has had many rounds: none of them is sealed while the older transaction runs.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const waiting = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE entity_type = 'test' AND seq IS NULL`,
      );
      expect(waiting[0].n).toBe(quick.length);
      const late = await audit.record(slow.manager, {
        actorId: null,
        action: 'article.edited',
        entityType: 'test',
        entityId: 'slow',
      });
      expect(BigInt(late.id)).toBeGreaterThan(BigInt(quick[quick.length - 1].id));
      await slow.commitTransaction();
    } finally {
      await slow.release();
    }
    await waitForAuditSealed(t.dataSource);
    const rows = await t.dataSource.query<{ entity_id: string; seq: string; txid: string }[]>(
      `SELECT entity_id, seq, txid::text FROM audit_events WHERE entity_type = 'test' ORDER BY seq`,
    );
    // The chain follows transaction order: the slow transaction's event comes first, with the id it drew last.
    expect(rows[0]).toMatchObject({ entity_id: 'slow', txid: xid });
    expect(rows).toHaveLength(11);
    expect(await verify()).toMatchObject({ valid: true, unsealed: 0 });
  });

  it('loses nothing when the sealer stops or its connection dies; /health reports the backlog past the ceiling', async () => {
    await stopSealer();
    const health = async () => (await t.http().get('/health')).body.details.audit;
    // No sealer: events are still recorded (writes do not wait for it), and stay unsealed.
    for (let i = 0; i < 20; i++) await draftSeed(t, writer);
    const before = await counts();
    expect(before.total - before.sealed).toBeGreaterThanOrEqual(20);
    expect(await health()).toMatchObject({
      status: 'degraded',
      exceeded: true,
      limit: 15,
      sealerRunning: false,
    });
    expect(await verify()).toMatchObject({
      valid: true,
      unsealed: before.total - before.sealed,
      backlogLimit: 15,
    });

    // A checkpoint committed but never written to the file (a crash between the two) is filed by the next sealer.
    const text = readFileSync(files.path, 'utf8').trim().split('\n');
    writeFileSync(
      files.path,
      text
        .slice(0, -1)
        .map((line) => line + '\n')
        .join(''),
    );
    expect(await verify()).toMatchObject({ valid: true }); // the files may lag the database, never disagree

    const next = startSealer();
    extraSealers.push(next);
    await waitForAuditSealed(t.dataSource);
    expect(await health()).toMatchObject({ status: 'up', unsealed: 0, sealerRunning: true });
    let report = await verify();
    expect(report).toMatchObject({ valid: true, unsealed: 0, checked: before.total });
    await eventually(
      async () => (await verify()).checkpoints.files === report.checkpoints.database,
      'filing',
    );

    // The database kills the sealer's connection: its lock goes with it, it reconnects and carries on.
    await t.dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`,
      [AUDIT_SEALER_LOCK],
    );
    for (let i = 0; i < 5; i++) await draftSeed(t, writer);
    await waitForAuditSealed(t.dataSource);
    report = await verify();
    const after = await counts();
    expect(after.sealed).toBe(after.total);
    expect(report).toMatchObject({ valid: true, checked: after.total });
  });

  it('lets one sealer at a time seal, even with several workers', async () => {
    const second = startSealer();
    const third = startSealer();
    extraSealers.push(second, third);
    await Promise.all(Array.from({ length: 20 }, () => draftSeed(t, writer)));
    await waitForAuditSealed(t.dataSource);
    // The app's own sealer was stopped above; of the workers' sealers running now, one holds the lock.
    expect(extraSealers.length).toBeGreaterThanOrEqual(3);
    expect(extraSealers.filter((sealer) => sealer.isSealer)).toHaveLength(1);
    expect(await verify()).toMatchObject({ valid: true, unsealed: 0 });
  });

  it('refuses changes to decisions, and to assignments and comments beyond what their workflow changes', async () => {
    const reviewer = await createReviewer(t);
    const { article } = await signedSeed(t, writer, editor, reviewer);
    const sql = (text: string, params: unknown[] = []) => t.dataSource.query(text, params);
    await expect(
      sql(`UPDATE review_decisions SET decision = 'request_changes' WHERE article_id = $1`, [article.id]),
    ).rejects.toThrow(/immutable/);
    await expect(sql(`DELETE FROM review_decisions WHERE article_id = $1`, [article.id])).rejects.toThrow(
      /immutable/,
    );
    await expect(sql(`TRUNCATE review_decisions CASCADE`)).rejects.toThrow(/not allowed/);
    // The completed assignment is final; who and when never change.
    await expect(
      sql(`UPDATE assignments SET status = 'cancelled' WHERE article_id = $1`, [article.id]),
    ).rejects.toThrow(/assignments is not allowed/);
    await expect(sql(`DELETE FROM assignments WHERE article_id = $1`, [article.id])).rejects.toThrow(
      /not allowed/,
    );
    const other = await draftSeed(t, writer);
    await t.http().post(`/articles/${other.id}/submit`).set(writer.auth).expect(200);
    const assigned = await t
      .http()
      .post(`/articles/${other.id}/assignments`)
      .set(editor.auth)
      .send({ reviewerId: reviewer.id });
    expect(assigned.status).toBe(201);
    await expect(
      sql(`UPDATE assignments SET reviewer_id = $2 WHERE id = $1`, [assigned.body.id, editor.id]),
    ).rejects.toThrow(/not allowed/);
    await expect(
      sql(`UPDATE assignments SET due_at = now() WHERE id = $1`, [assigned.body.id]),
    ).rejects.toThrow(/not allowed/);
    // What the workflow does is allowed: the reviewer accepts through the API.
    expect((await t.http().post(`/assignments/${assigned.body.id}/accept`).set(reviewer.auth)).status).toBe(
      200,
    );

    const comment = await t
      .http()
      .post(`/articles/${other.id}/comments`)
      .set(editor.auth)
      .send({ body: 'A source?' });
    expect(comment.status).toBe(201);
    await expect(sql(`UPDATE comments SET body = 'forged' WHERE id = $1`, [comment.body.id])).rejects.toThrow(
      /comments is not allowed/,
    );
    await expect(sql(`DELETE FROM comments WHERE id = $1`, [comment.body.id])).rejects.toThrow(/not allowed/);
    const resolved = await t
      .http()
      .post(`/articles/${other.id}/comments/${comment.body.id}/resolve`)
      .set(editor.auth);
    expect(resolved.status).toBe(200);
    await expect(
      sql(`UPDATE comments SET resolved_at = now() WHERE id = $1`, [comment.body.id]),
    ).rejects.toThrow(/resolved, once/);
    // A sealed audit event cannot be changed, and an unsealed one only sealed.
    await waitForAuditSealed(t.dataSource);
    await expect(sql(`UPDATE audit_events SET seq = seq + 1000000 WHERE seq = 1`)).rejects.toThrow(
      /immutable/,
    );
  });

  it('reports an event rewritten with database access alone, its chain re-linked and its checkpoints re-signed', async () => {
    await waitForAuditSealed(t.dataSource);
    expect(await verify()).toMatchObject({ valid: true });
    const events = await t.dataSource.query(
      `SELECT id, seq, occurred_at, actor_id, action, entity_type, entity_id, article_id, before, after, prev_hash
         FROM audit_events WHERE seq IS NOT NULL ORDER BY seq`,
    );
    const target = events[Math.floor(events.length / 3)];

    // The attacker is the postgres superuser: triggers off, the event rewritten, every hash after it recomputed.
    await t.dataSource.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable');
    await t.dataSource.query('ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_immutable');
    await stopSealer();
    for (const sealer of extraSealers) await sealer.onApplicationShutdown();
    extraSealers = [];
    target.after = { roles: ['admin'], forged: true };
    let prevHash = target.seq === '1' ? GENESIS_HASH : target.prev_hash;
    const rehashed = new Map<string, string>();
    for (const event of events.filter((e: { seq: string }) => BigInt(e.seq) >= BigInt(target.seq))) {
      const hash = auditEventHash({
        id: event.id,
        seq: event.seq,
        occurredAt: event.occurred_at,
        actorId: event.actor_id,
        action: event.action,
        entityType: event.entity_type,
        entityId: event.entity_id,
        articleId: event.article_id,
        before: event.before,
        after: event.id === target.id ? target.after : event.after,
        prevHash,
      });
      await t.dataSource.query(
        `UPDATE audit_events SET after = $2, prev_hash = $3, hash = $4 WHERE id = $1`,
        [event.id, JSON.stringify(event.id === target.id ? target.after : event.after), prevHash, hash],
      );
      rehashed.set(event.seq, hash);
      prevHash = hash;
    }
    // The chain alone now links: only the signed checkpoints can tell.
    let report = await verify();
    expect(report.valid).toBe(false);
    expect(report.firstBroken?.reason).toMatch(/checkpoint/);

    // The attacker re-signs the database's checkpoints too, without AUDIT_KEY (which is not in the database).
    const checkpoints = await t.dataSource.query(`SELECT seq, first_seq, sealed_at FROM audit_checkpoints`);
    for (const checkpoint of checkpoints) {
      if (!rehashed.has(checkpoint.seq)) continue;
      const headHash = rehashed.get(checkpoint.seq)!;
      const sealedAt = new Date(checkpoint.sealed_at).toISOString();
      const hmac = createHmac('sha256', 'a-key-the-attacker-guessed-0123456789')
        .update(JSON.stringify({ firstSeq: checkpoint.first_seq, headHash, sealedAt, seq: checkpoint.seq }))
        .digest('hex');
      await t.dataSource.query(`UPDATE audit_checkpoints SET head_hash = $2, hmac = $3 WHERE seq = $1`, [
        checkpoint.seq,
        headHash,
        hmac,
      ]);
    }
    report = await verify();
    expect(report.valid).toBe(false);
    expect(report.firstBroken?.reason).toBe(
      'the checkpoint file and the database disagree on this checkpoint',
    );

    // Without the files, the HMAC under AUDIT_KEY still tells.
    renameSync(files.path, `${files.path}.aside`);
    try {
      report = await verify();
      expect(report.valid).toBe(false);
      expect(report.firstBroken).toMatchObject({
        id: expect.any(String),
        reason: expect.stringMatching(/is not signed with AUDIT_KEY/),
      });
    } finally {
      renameSync(`${files.path}.aside`, files.path);
    }
  });
});
