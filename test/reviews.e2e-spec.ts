import { bearer, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import { createTestApp } from './utils/test-app.js';
import {
  ALAN,
  approve,
  assignAndAccept,
  createReviewer,
  draftSeed,
  edit,
  getArticle,
  putProfile,
  seedContent,
  submit,
} from './utils/workflow.js';

const ALAN_BYLINE = 'Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on';

describe('medical review and sign-off', () => {
  let t: TestApp;
  let writer: TestUser;
  let editor: TestUser;
  let alan: TestUser;

  const count = async (sql: string, params: unknown[] = []) =>
    (await t.dataSource.query(sql, params))[0].n as number;
  const signOffCount = (articleId: string) =>
    count('SELECT count(*)::int AS n FROM sign_offs WHERE article_id = $1', [articleId]);

  beforeAll(async () => {
    t = await createTestApp({ now: new Date('2026-01-10T15:00:00Z') });
    writer = await createUser(t, ['writer'], { name: 'Wendy Writer' });
    editor = await createUser(t, ['editor'], { name: 'Eddie Editor' });
    alan = await createReviewer(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs draft → submit → assign → accept → request changes → edit → resubmit → approve on the seed article', async () => {
    const article = await draftSeed(t, writer);
    await submit(t, writer, article.id);
    const assignmentId = await assignAndAccept(t, editor, alan, article.id, false);

    const queue = await t.http().get('/assignments?mine=true').set(alan.auth);
    expect(queue.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: assignmentId, status: 'accepted', kind: 'initial' }),
      ]),
    );

    const changes = await t.http().post(`/articles/${article.id}/reviews`).set(alan.auth).send({
      decision: 'request_changes',
      revision: 1,
      comments: 'Cite the FDA boxed warning on benzodiazepines.',
    });
    expect(changes.status).toBe(200);
    expect(changes.body).toMatchObject({ articleStatus: 'changes_requested', signOff: null });
    expect((await getArticle(t, writer, article.id)).body.status).toBe('changes_requested');

    const takeaways = seedContent().keyTakeaways;
    await edit(t, writer, article.id, {
      keyTakeaways: [...takeaways, 'Benzodiazepines carry an FDA boxed warning.'],
      changeNote: 'per review',
    });
    await submit(t, writer, article.id);
    const resubmitted = await getArticle(t, writer, article.id);
    expect(resubmitted.body).toMatchObject({ status: 'in_review', currentRevision: 2 });

    // The same reviewer is asked again: their assignment is still open and they decide on revision 2.
    const stale = await approve(t, alan, article.id, 1);
    expect(stale.status).toBe(409);
    expect(stale.body.message).toContain('revision 2');

    t.clock.set(new Date('2026-01-10T23:30:00-05:00'));
    const approved = await approve(t, alan, article.id, 2);
    expect(approved.status).toBe(200);
    expect(approved.body.articleStatus).toBe('approved');
    expect(approved.body.signOff).toMatchObject({
      revision: 2,
      meaning: 'medical review',
      reviewer: { id: alan.id, displayName: 'Alan Lucks', credentials: 'MD', affiliation: ALAN.affiliation },
      // 23:30 in New York is already January 11th in UTC; the byline keeps the New York day.
      byline: `${ALAN_BYLINE} January 10th, 2026`,
    });

    const signOffs = await t.http().get(`/articles/${article.id}/sign-offs`).set(writer.auth);
    expect(signOffs.body).toHaveLength(1);
    expect(signOffs.body[0].contentHash).toBe(resubmitted.body.contentHash);

    const after = await getArticle(t, writer, article.id);
    expect(after.body.signOff).toMatchObject({
      status: 'current',
      revision: 2,
      id: approved.body.signOff.id,
    });
    expect(after.body.lastReviewedAt).toBe('2026-01-11T04:30:00.000Z');

    const audit = await t.http().get(`/audit?articleId=${article.id}&limit=200`).set(editor.auth);
    const actions = audit.body.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'assignment.created',
        'assignment.accepted',
        'review.changes_requested',
        'review.approved',
        'sign_off.created',
        'assignment.completed',
      ]),
    );

    const outbox = await t.dataSource.query(
      'SELECT template, to_address FROM email_outbox WHERE article_id = $1',
      [article.id],
    );
    expect(outbox).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ template: 'review-requested', to_address: alan.email }),
        expect.objectContaining({ template: 'changes-requested', to_address: writer.email }),
        expect.objectContaining({ template: 'approved', to_address: writer.email }),
      ]),
    );
    t.clock.set(new Date('2026-01-10T15:00:00Z'));
  });

  it('dates a signature at 00:30 New York time on that New York day', async () => {
    const article = await draftSeed(t, writer);
    await submit(t, writer, article.id);
    await assignAndAccept(t, editor, alan, article.id);
    t.clock.set(new Date('2026-01-11T00:30:00-05:00'));
    const res = await approve(t, alan, article.id, 1);
    t.clock.set(new Date('2026-01-10T15:00:00Z'));
    expect(res.body.signOff.byline).toBe(`${ALAN_BYLINE} January 11th, 2026`);
  });

  describe('rules', () => {
    it('never lets the author review or sign their own article', async () => {
      const writerReviewer = await createReviewer(t, { displayName: 'Rita Both' }, ['writer']);
      const article = await draftSeed(t, writerReviewer);
      await submit(t, writerReviewer, article.id);

      const explicit = await t
        .http()
        .post(`/articles/${article.id}/assignments`)
        .set(editor.auth)
        .send({ reviewerId: writerReviewer.id });
      expect(explicit.status).toBe(409);
      expect(explicit.body.message).toMatch(/author/);

      // Automatic choice passes over the author.
      const auto = await t.http().post(`/articles/${article.id}/assignments`).set(editor.auth).send({});
      expect(auto.status).toBe(201);
      expect(auto.body.reviewerId).not.toBe(writerReviewer.id);

      const self = await approve(t, writerReviewer, article.id, 1);
      expect(self.status).toBe(403);
      expect(self.body.message).toMatch(/author/);
      expect(await signOffCount(article.id)).toBe(0);

      // Even with a forged assignment row, the sign-off rule itself refuses the author.
      await t.dataSource.query(`UPDATE assignments SET status = 'cancelled' WHERE article_id = $1`, [
        article.id,
      ]);
      await t.dataSource.query(
        `INSERT INTO assignments (article_id, reviewer_id, kind, status, due_at) VALUES ($1, $2, 'initial', 'accepted', now() + interval '1 day')`,
        [article.id, writerReviewer.id],
      );
      expect((await approve(t, writerReviewer, article.id, 1)).status).toBe(403);
      expect(await signOffCount(article.id)).toBe(0);
    });

    it('lets only the assigned reviewer decide', async () => {
      const other = await createReviewer(t, { displayName: 'Olga Other' });
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, alan, article.id);
      const res = await approve(t, other, article.id, 1);
      expect(res.status).toBe(403);
      const changes = await t
        .http()
        .post(`/articles/${article.id}/reviews`)
        .set(other.auth)
        .send({ decision: 'request_changes', revision: 1, comments: 'no' });
      expect(changes.status).toBe(403);
      expect(await signOffCount(article.id)).toBe(0);
      expect((await getArticle(t, writer, article.id)).body.status).toBe('in_review');
    });

    it('refuses a second decision on a revision sent back and resubmitted unchanged (409, not 500)', async () => {
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, alan, article.id);
      const changes = await t
        .http()
        .post(`/articles/${article.id}/reviews`)
        .set(alan.auth)
        .send({ decision: 'request_changes', revision: 1, comments: 'Cite the 2024 guideline.' });
      expect(changes.status).toBe(200);
      await submit(t, writer, article.id);
      const again = await approve(t, alan, article.id, 1);
      expect(again.status).toBe(409);
      expect(again.body.message).toMatch(/already decided on revision 1/);
      expect(await signOffCount(article.id)).toBe(0);
    });

    it('refuses to sign with an expired licence (409 naming the expiry)', async () => {
      const reviewer = await createReviewer(t, { displayName: 'Eve Expiring' });
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, reviewer, article.id);
      await putProfile(t, reviewer.id, { displayName: 'Eve Expiring', licenseExpiresOn: '2026-01-09' });
      const res = await approve(t, reviewer, article.id, 1);
      expect(res.status).toBe(409);
      expect(res.body.message).toContain('expired on 2026-01-09');
      expect(await signOffCount(article.id)).toBe(0);
      expect((await getArticle(t, writer, article.id)).body.status).toBe('in_review');
    });

    it('signs nothing on a wrong password (401) and rate-limits repeated failures (429)', async () => {
      const reviewer = await createReviewer(t, { displayName: 'Paul Password' });
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, reviewer, article.id);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await t
          .http()
          .post(`/articles/${article.id}/reviews`)
          .set(reviewer.auth)
          .send({ decision: 'approve', revision: 1, password: `wrong-${i}` });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      expect((await approve(t, reviewer, article.id, 1)).status).toBe(429);
      expect(await signOffCount(article.id)).toBe(0);

      const noPassword = await t
        .http()
        .post(`/articles/${article.id}/reviews`)
        .set(alan.auth)
        .send({ decision: 'approve', revision: 1 });
      expect(noPassword.status).toBe(400);
    });

    it('binds a sign-off to exactly one revision: a later edit makes it stale', async () => {
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, alan, article.id);
      const signed = await approve(t, alan, article.id, 1);
      expect(signed.status).toBe(200);

      await edit(t, writer, article.id, { title: 'Is Baclofen a Benzodiazepine? (updated)' });
      const after = await getArticle(t, writer, article.id);
      expect(after.body.currentRevision).toBe(2);
      expect(after.body.signOff).toMatchObject({ status: 'stale', revision: 1, id: signed.body.signOff.id });
    });

    it('creates a new sign-off on the same revision for a re-review of unchanged content', async () => {
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, alan, article.id);
      const first = await approve(t, alan, article.id, 1);
      expect(first.status).toBe(200);

      t.clock.advance(400 * 24 * 3600 * 1000);
      const reReview = await assignAndAccept(t, editor, alan, article.id);
      const assignment = await t.http().get(`/assignments?articleId=${article.id}`).set(editor.auth);
      expect(assignment.body.find((a: { id: string }) => a.id === reReview).kind).toBe('re_review');
      const second = await approve(t, alan, article.id, 1);
      t.clock.set(new Date('2026-01-10T15:00:00Z'));
      expect(second.status).toBe(200);
      expect(second.body.signOff.revision).toBe(1);
      expect(second.body.signOff.id).not.toBe(first.body.signOff.id);
      expect(second.body.signOff.contentHash).toBe(first.body.signOff.contentHash);
      expect(second.body.signOff.byline).toContain('February 14th, 2027');

      const list = await t.http().get(`/articles/${article.id}/sign-offs`).set(writer.auth);
      expect(list.body.map((s: { revision: number }) => s.revision)).toEqual([1, 1]);
      expect((await getArticle(t, writer, article.id)).body.signOff).toMatchObject({
        status: 'current',
        id: second.body.signOff.id,
      });
    });

    it('refuses sign-offs and decisions on articles that are not in review', async () => {
      const article = await draftSeed(t, writer);
      const res = await approve(t, alan, article.id, 1);
      expect(res.status).toBe(409);
      expect(res.body.message).toContain('draft');
      const assign = await t
        .http()
        .post(`/articles/${article.id}/assignments`)
        .set(editor.auth)
        .send({ reviewerId: alan.id });
      expect(assign.status).toBe(409);
      expect(await signOffCount(article.id)).toBe(0);
    });

    it('answers bad decisions with 400 and writes nothing', async () => {
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, alan, article.id);
      const post = (body: object) =>
        t.http().post(`/articles/${article.id}/reviews`).set(alan.auth).send(body);

      const unknown = await post({ decision: 'rubber_stamp', revision: 1, password: alan.password });
      expect(unknown.status).toBe(400);
      expect(unknown.body.details[0].field).toBe('decision');
      const empty = await post({ decision: 'request_changes', revision: 1, comments: '   ' });
      expect(empty.status).toBe(400);
      expect(empty.body.details[0].field).toBe('comments');
      const missing = await post({ decision: 'approve', revision: 99, password: alan.password });
      expect(missing.status).toBe(400);
      expect(missing.body.message).toContain('does not exist');

      expect(
        await count('SELECT count(*)::int AS n FROM review_decisions WHERE article_id = $1', [article.id]),
      ).toBe(0);
      expect(await signOffCount(article.id)).toBe(0);
    });

    it('creates exactly one sign-off from 20 concurrent approvals', async () => {
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, alan, article.id);
      const results = await Promise.all(Array.from({ length: 20 }, () => approve(t, alan, article.id, 1)));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      // Signing-password attempts are consumed before the hash (5 per 5 minutes), so of 20 at once some are 429.
      expect(statuses.filter((s) => s !== 200).every((s) => s === 403 || s === 409 || s === 429)).toBe(true);
      expect(await signOffCount(article.id)).toBe(1);
    });
  });

  describe('assignment', () => {
    it('chooses automatically by specialty, licence and load, deterministically', async () => {
      const specialty = 'toxicology';
      const busy = await createReviewer(t, { displayName: 'Busy Neuro', specialties: [specialty] });
      await createReviewer(t, {
        displayName: 'Expired Neuro',
        specialties: [specialty],
        licenseExpiresOn: '2025-12-31',
      });
      await createReviewer(t, { displayName: 'Cardio Only', specialties: ['cardiology'] });
      const free = await createReviewer(t, {
        displayName: 'Free Neuro',
        specialties: [specialty, 'neurology'],
      });

      const first = await draftSeed(t, writer, { specialty });
      await submit(t, writer, first.id);
      await t
        .http()
        .post(`/articles/${first.id}/assignments`)
        .set(editor.auth)
        .send({ reviewerId: busy.id })
        .expect(201);

      const second = await draftSeed(t, writer, { specialty });
      await submit(t, writer, second.id);
      const auto = await t.http().post(`/articles/${second.id}/assignments`).set(editor.auth).send({});
      expect(auto.status).toBe(201);
      expect(auto.body.reviewerId).toBe(free.id);

      // Now both valid reviewers have one open assignment: the tie goes to the longest-standing account.
      const third = await draftSeed(t, writer, { specialty });
      await submit(t, writer, third.id);
      const tie = await t.http().post(`/articles/${third.id}/assignments`).set(editor.auth).send({});
      expect(tie.body.reviewerId).toBe(busy.id);

      const none = await draftSeed(t, writer, { specialty: 'dermatology' });
      await submit(t, writer, none.id);
      const noOne = await t.http().post(`/articles/${none.id}/assignments`).set(editor.auth).send({});
      expect(noOne.status).toBe(409);
      expect(noOne.body.message).toContain('dermatology');
    });

    it('frees the article when a reviewer declines, and tells the editors', async () => {
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      const assigned = await t
        .http()
        .post(`/articles/${article.id}/assignments`)
        .set(editor.auth)
        .send({ reviewerId: alan.id });
      const again = await t
        .http()
        .post(`/articles/${article.id}/assignments`)
        .set(editor.auth)
        .send({ reviewerId: alan.id });
      expect(again.status).toBe(409);

      const blank = await t
        .http()
        .post(`/assignments/${assigned.body.id}/decline`)
        .set(alan.auth)
        .send({ reason: ' ' });
      expect(blank.status).toBe(400);
      const declined = await t
        .http()
        .post(`/assignments/${assigned.body.id}/decline`)
        .set(alan.auth)
        .send({ reason: 'Conflict of interest' });
      expect(declined.status).toBe(200);
      expect(declined.body).toMatchObject({ status: 'declined', declineReason: 'Conflict of interest' });

      const outbox = await t.dataSource.query(
        `SELECT to_address FROM email_outbox WHERE template = 'review-declined' AND article_id = $1`,
        [article.id],
      );
      expect(outbox.map((r: { to_address: string }) => r.to_address)).toContain(editor.email);

      const other = await createReviewer(t, { displayName: 'Second Opinion' });
      const reassigned = await t
        .http()
        .post(`/articles/${article.id}/assignments`)
        .set(editor.auth)
        .send({ reviewerId: other.id });
      expect(reassigned.status).toBe(201);
    });

    it('cancels the open assignment when the author withdraws the article', async () => {
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      const assignmentId = await assignAndAccept(t, editor, alan, article.id);
      const withdrawn = await t.http().post(`/articles/${article.id}/withdraw`).set(writer.auth);
      expect(withdrawn.status).toBe(200);
      const list = await t.http().get(`/assignments?articleId=${article.id}`).set(editor.auth);
      expect(list.body.find((a: { id: string }) => a.id === assignmentId).status).toBe('cancelled');
      expect((await approve(t, alan, article.id, 1)).status).toBe(409);
    });

    it('lets only the assigned reviewer accept, and only editors assign', async () => {
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      const byWriter = await t.http().post(`/articles/${article.id}/assignments`).set(writer.auth).send({});
      expect(byWriter.status).toBe(403);
      const assigned = await t
        .http()
        .post(`/articles/${article.id}/assignments`)
        .set(editor.auth)
        .send({ reviewerId: alan.id });
      const other = await createReviewer(t, { displayName: 'Not Assigned' });
      expect((await t.http().post(`/assignments/${assigned.body.id}/accept`).set(other.auth)).status).toBe(
        403,
      );
    });
  });

  describe('verification', () => {
    it("confirms an intact signed revision and reports one altered behind the service's back", async () => {
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, alan, article.id);
      const signed = await approve(t, alan, article.id, 1);
      const url = `/articles/${article.id}/sign-offs/${signed.body.signOff.id}/verify`;

      const good = await t.http().get(url).set(bearer(t.adminToken));
      expect(good.status).toBe(200);
      expect(good.body).toMatchObject({ valid: true, revision: 1 });

      await t.dataSource.query('ALTER TABLE revisions DISABLE TRIGGER revisions_immutable');
      await t.dataSource.query(
        `UPDATE revisions SET content = jsonb_set(content, '{bottomLine}', '"Baclofen is a benzodiazepine."') WHERE article_id = $1 AND number = 1`,
        [article.id],
      );
      await t.dataSource.query('ALTER TABLE revisions ENABLE TRIGGER revisions_immutable');

      const bad = await t.http().get(url).set(bearer(t.adminToken));
      expect(bad.body).toMatchObject({ valid: false });
      expect(bad.body.recomputedHash).not.toBe(bad.body.signedHash);
    });

    it('the database refuses to change or delete a sign-off', async () => {
      await expect(
        t.dataSource.query(`UPDATE sign_offs SET reviewer_display_name = 'Someone Else'`),
      ).rejects.toThrow(/immutable/);
      await expect(t.dataSource.query(`DELETE FROM sign_offs`)).rejects.toThrow(/immutable/);
    });
  });
});
