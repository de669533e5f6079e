import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import {
  approve,
  assignAndAccept,
  createReviewer,
  draftSeed,
  edit,
  getArticle,
  submit,
} from './utils/workflow.js';

/**
 * Who may sign a revision, walked through the API by users holding several roles: nobody signs a revision they
 * wrote, whatever the sequence. And re-review cadences are bounded, so no cadence can break signing.
 */
describe('the signing rule across roles, and bounded cadences', () => {
  let t: TestApp;
  let writer: TestUser;
  let editor: TestUser;

  const count = async (sql: string, params: unknown[] = []) =>
    ((await t.dataSource.query<{ n: number }[]>(sql, params))[0]?.n ?? 0);
  const signOffCount = (articleId: string) =>
    count('SELECT count(*)::int AS n FROM sign_offs WHERE article_id = $1', [articleId]);
  const assign = (by: TestUser, articleId: string, reviewerId?: string) =>
    t
      .http()
      .post(`/articles/${articleId}/assignments`)
      .set(by.auth)
      .send(reviewerId ? { reviewerId } : {});

  beforeAll(async () => {
    t = await createTestApp({ now: new Date('2026-01-10T15:00:00Z') });
    writer = await createUser(t, ['writer'], { name: 'Wendy Writer' });
    editor = await createUser(t, ['editor'], { name: 'Eddie Editor' });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('nobody signs a revision they wrote', () => {
    it('an editor-reviewer who edited the article can neither be assigned, assign themself, nor sign', async () => {
      const both = await createReviewer(t, { displayName: 'Erin Both', specialties: ['neurology'] }, [
        'editor',
      ]);
      const article = await draftSeed(t, writer);
      // As an editor they may edit anyone's draft: they now wrote revision 2.
      await edit(t, both, article.id, { title: 'Is Baclofen a Benzodiazepine? (edited by Erin)' });
      await submit(t, writer, article.id);

      const byEditor = await assign(editor, article.id, both.id);
      expect(byEditor.status).toBe(409);
      expect(byEditor.body.code).toBe('sign_off.revision_writer_may_not_sign');

      const self = await assign(both, article.id, both.id);
      expect(self.status).toBe(409);
      expect(self.body.code).toBe('sign_off.revision_writer_may_not_sign');
      expect(self.body.message).toContain('wrote a revision');

      // Even with an assignment row forged past the API, the decision and the sign-off record refuse.
      await t.dataSource.query(
        `INSERT INTO assignments (article_id, reviewer_id, kind, status, due_at)
         VALUES ($1, $2, 'initial', 'accepted', now() + interval '1 day')`,
        [article.id, both.id],
      );
      const signed = await approve(t, both, article.id, 2);
      expect(signed.status).toBe(403);
      expect(signed.body.code).toBe('sign_off.revision_writer_may_not_sign');
      expect(await signOffCount(article.id)).toBe(0);
      expect((await getArticle(t, writer, article.id)).body.status).toBe('in_review');
    });

    it('an assigned reviewer who then writes a revision (as an editor) can no longer decide on it', async () => {
      const reviewerEditor = await createReviewer(t, { displayName: 'Rob Both' }, ['editor']);
      const article = await draftSeed(t, writer);
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, reviewerEditor, article.id);
      const changes = await t
        .http()
        .post(`/articles/${article.id}/reviews`)
        .set(reviewerEditor.auth)
        .send({ decision: 'request_changes', revision: 1, comments: 'Cite the 2024 guideline.' });
      expect(changes.status).toBe(200);

      // The reviewer fixes it themself, and the writer resubmits: the accepted assignment is still theirs.
      await edit(t, reviewerEditor, article.id, { title: 'Is Baclofen a Benzodiazepine? (2024 guideline)' });
      await submit(t, writer, article.id);

      const signed = await approve(t, reviewerEditor, article.id, 2);
      expect(signed.status).toBe(403);
      expect(signed.body.code).toBe('sign_off.revision_writer_may_not_sign');
      const again = await t
        .http()
        .post(`/articles/${article.id}/reviews`)
        .set(reviewerEditor.auth)
        .send({ decision: 'request_changes', revision: 2, comments: 'More changes.' });
      expect(again.status).toBe(403);
      expect(await signOffCount(article.id)).toBe(0);
      expect((await getArticle(t, writer, article.id)).body.status).toBe('in_review');
    });

    it('the automatic choice passes over a reviewer who wrote a revision', async () => {
      // The only toxicology reviewer wrote revision 2: nobody is eligible, and the refusal says why.
      const first = await createReviewer(t, { displayName: 'Tess Tox', specialties: ['toxicology'] }, [
        'editor',
      ]);
      const article = await draftSeed(t, writer, { specialty: 'toxicology' });
      await edit(t, first, article.id, { title: 'Is Baclofen a Benzodiazepine? (toxicology)' });
      await submit(t, writer, article.id);
      const none = await assign(editor, article.id);
      expect(none.status).toBe(409);
      expect(none.body.code).toBe('review.no_eligible_reviewer');
      expect(none.body.message).toContain('1 wrote a revision');

      // A second toxicology reviewer, newer (so the first would win a tie): the choice falls on them.
      const second = await createReviewer(t, { displayName: 'Toby Tox', specialties: ['toxicology'] });
      const picked = await assign(editor, article.id);
      expect(picked.status).toBe(201);
      expect(picked.body.reviewerId).toBe(second.id);
    });
  });

  describe('re-review cadences are bounded (P1D to P5Y)', () => {
    it('answers 400 naming the field to P999999Y and other out-of-range cadences; approvals keep working', async () => {
      for (const cadence of ['P999999Y', 'P6Y', 'PT1S', 'PT23H', 'P-1D', '3 years']) {
        const res = await t.http().put('/review-policies/neurology').set(editor.auth).send({ cadence });
        expect({ cadence, status: res.status }).toEqual({ cadence, status: 400 });
        expect(res.body.details[0].field).toBe('cadence');
        expect(JSON.stringify(res.body.details[0])).toContain('P1D to P5Y');
      }
      const article = await draftSeed(t, writer);
      const onArticle = await t
        .http()
        .put(`/articles/${article.id}/review-policy`)
        .set(editor.auth)
        .send({ cadence: 'P999999Y' });
      expect(onArticle.status).toBe(400);
      expect(onArticle.body.details[0].field).toBe('cadence');

      expect(
        (await t.http().put('/review-policies/neurology').set(editor.auth).send({ cadence: 'P5Y' })).status,
      ).toBe(200);
      const reviewer = await createReviewer(t, { displayName: 'Nora Neuro' });
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, reviewer, article.id);
      const signed = await approve(t, reviewer, article.id, 1);
      expect(signed.status).toBe(200);
      expect((await getArticle(t, writer, article.id)).body.nextReviewDueAt).toBe('2031-01-10T15:00:00.000Z');
    });

    it('ignores a bad cadence found stored (written before the bound existed): signing still works', async () => {
      await t.dataSource.query(
        `INSERT INTO specialty_policies (specialty, cadence) VALUES ('oncology', 'P999999Y')
         ON CONFLICT (specialty) DO UPDATE SET cadence = 'P999999Y'`,
      );
      const reviewer = await createReviewer(t, { displayName: 'Olly Onco', specialties: ['oncology'] });
      const article = await draftSeed(t, writer, { specialty: 'oncology' });
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, reviewer, article.id);
      const signed = await approve(t, reviewer, article.id, 1);
      expect(signed.status).toBe(200);
      // The default cadence (P12M) applies instead of the unusable one.
      expect((await getArticle(t, writer, article.id)).body.nextReviewDueAt).toBe('2027-01-10T15:00:00.000Z');
    });
  });
});
