import { DESK_OFFICE_PAGES } from './security/access-policy.js';
import { servedRoutes } from './security/support.js';
import { decode, textOf } from './utils/publishing-html.js';
import { deskSession, type DeskSession } from './utils/desk-session.js';
import { createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import {
  approve,
  assignAndAccept,
  createReviewer,
  draftSeed,
  edit,
  signedSeed,
  submit,
} from './utils/workflow.js';

/**
 * The editor's and the publisher's desk pages (issue 14), over HTTP as a browser posts them: the dashboard's
 * buckets, assigning through the page (with the API's refusals), review policies, the timeline, publishing,
 * scheduling, cancelling and unpublishing through the publisher's page, the ready-to-publish e-mail, and who may
 * open what. test/newsroom-office-browser.e2e-spec.ts walks the same pages in Chromium.
 */
const NOW = new Date('2026-11-30T15:00:00Z');
const DAY = 24 * 3600 * 1000;

/** The HTML of the element with this id, up to its closing </section> (the dashboard's buckets are sections). */
function section(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  if (start < 0) throw new Error(`no section #${id}`);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('the newsroom: the editor’s and the publisher’s pages', () => {
  let t: TestApp;
  let writer: TestUser;
  let editor: TestUser;
  let publisher: TestUser;
  let alan: TestUser;
  let editorDesk: DeskSession;
  let publisherDesk: DeskSession;

  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
    writer = await createUser(t, ['writer'], { name: 'Wren Writer' });
    editor = await createUser(t, ['editor'], { name: 'Erin Editor' });
    publisher = await createUser(t, ['publisher'], { name: 'Pat Publisher' });
    alan = await createReviewer(t);
    editorDesk = await deskSession(t, editor.email, editor.password);
    publisherDesk = await deskSession(t, publisher.email, publisher.password);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const statusOf = async (id: string) =>
    (await t.http().get(`/articles/${id}`).set(editor.auth)).body.status as string;

  describe('access', () => {
    it('lists every served /desk/editor and /desk/publisher route in the access table, and nothing else', () => {
      const served = servedRoutes(t)
        .filter((route) => /^\/desk\/(editor|publisher)/.test(route.path))
        .map((route) => `${route.method} ${route.path}`)
        .sort();
      expect(served).toEqual(Object.keys(DESK_OFFICE_PAGES).sort());
    });

    it('without a session: every GET goes to the login page, every POST is 403', async () => {
      const article = await draftSeed(t, writer);
      for (const route of Object.keys(DESK_OFFICE_PAGES)) {
        const [method, pattern] = route.split(' ');
        const path = pattern.replace('{id}', article.id).replace('{specialty}', 'neurology');
        if (method === 'GET') {
          const res = await t.http().get(path);
          expect({ route, status: res.status, location: res.headers.location }).toEqual({
            route,
            status: 303,
            location: `/desk/login?next=${encodeURIComponent(path)}`,
          });
        } else {
          const res = await t.http().post(path).set('Origin', t.env.PUBLIC_BASE_URL).type('form').send({});
          expect({ route, status: res.status }).toEqual({ route, status: 403 });
        }
      }
    });

    it('each role opens exactly the pages the table gives it; the others answer 403 and write nothing', async () => {
      const admin = await createUser(t, ['admin'], { name: 'Ada Admin' });
      const people: Record<string, TestUser> = { writer, reviewer: alan, editor, publisher, admin };
      const { article } = await signedSeed(t, writer, editor, alan);
      const desks: Record<string, DeskSession> = {};
      for (const [role, person] of Object.entries(people)) {
        desks[role] = await deskSession(t, person.email, person.password);
      }
      for (const [route, roles] of Object.entries(DESK_OFFICE_PAGES)) {
        const [method, pattern] = route.split(' ');
        const path = pattern.replace('{id}', article.id).replace('{specialty}', 'no-such-specialty');
        for (const [role, desk] of Object.entries(desks)) {
          if (method === 'GET') {
            const res = await desk.get(path);
            const expected = (roles as readonly string[]).includes(role) ? 200 : 403;
            expect({ route, role, status: res.status }).toEqual({ route, role, status: expected });
          } else if (!(roles as readonly string[]).includes(role)) {
            const res = await desk.post(path, { cadence: 'P1Y', specialty: 'neurology', publishAt: '' });
            expect({ route, role, status: res.status }).toEqual({ route, role, status: 403 });
            expect(res.text).toContain('role');
          }
        }
      }
      // Nothing was published, assigned or set by the refused posts.
      expect(await statusOf(article.id)).toBe('approved');
      expect((await t.http().get('/review-policies').set(editor.auth)).body.specialties).toEqual([]);
    });

    it('refuses a form without its CSRF token, or from another origin, with 403, and writes nothing', async () => {
      const { article } = await signedSeed(t, writer, editor, alan);
      for (const options of [{ csrf: null }, { csrf: 'A'.repeat(43) }, { origin: 'http://evil.example' }]) {
        const publish = await publisherDesk.post(
          `/desk/publisher/articles/${article.id}/publish`,
          {},
          options,
        );
        expect(publish.status).toBe(403);
        const policy = await editorDesk.post(
          '/desk/editor/policies',
          { specialty: 'neurology', cadence: 'P3M' },
          options,
        );
        expect(policy.status).toBe(403);
      }
      expect(await statusOf(article.id)).toBe('approved');
      expect((await t.http().get('/review-policies').set(editor.auth)).body.specialties).toEqual([]);
    });
  });

  describe('the editor', () => {
    it('sees each article in the right bucket, overdue re-reviews with days overdue, and the workload', async () => {
      // A re-review that fell due 35 days ago: signed and published 400 days back (the cadence is 12 months).
      t.clock.set(new Date(NOW.getTime() - 400 * DAY));
      const old = await signedSeed(t, writer, editor, alan, { title: 'Bucket overdue re-review' });
      expect((await t.http().post(`/articles/${old.article.id}/publish`).set(publisher.auth)).status).toBe(
        200,
      );
      t.clock.set(NOW);

      const waiting = await draftSeed(t, writer, { title: 'Bucket waiting' });
      await submit(t, writer, waiting.id);
      const inReview = await draftSeed(t, writer, { title: 'Bucket in review' });
      await submit(t, writer, inReview.id);
      await assignAndAccept(t, editor, alan, inReview.id);
      const changes = await draftSeed(t, writer, { title: 'Bucket changes requested' });
      await submit(t, writer, changes.id);
      await assignAndAccept(t, editor, alan, changes.id);
      const requested = await t
        .http()
        .post(`/articles/${changes.id}/reviews`)
        .set(alan.auth)
        .send({ decision: 'request_changes', revision: 1, comments: 'Cite the 2024 guideline.' });
      expect(requested.status).toBe(200);
      const approved = await signedSeed(t, writer, editor, alan, { title: 'Bucket approved' });
      const draft = await draftSeed(t, writer, { title: 'Bucket draft only' });

      const page = await editorDesk.get('/desk/editor');
      expect(page.status).toBe(200);
      const html = page.text;
      const buckets = {
        waiting: section(html, 'waiting'),
        'in-review': section(html, 'in-review'),
        'changes-requested': section(html, 'changes-requested'),
        approved: section(html, 'approved'),
        're-reviews': section(html, 're-reviews'),
      };
      const where = (title: string) =>
        Object.entries(buckets)
          .filter(([, text]) => text.includes(title))
          .map(([name]) => name);
      expect(where('Bucket waiting')).toEqual(['waiting']);
      expect(where('Bucket in review')).toEqual(['in-review']);
      expect(where('Bucket changes requested')).toEqual(['changes-requested']);
      expect(where('Bucket approved')).toEqual(['approved']);
      expect(where('Bucket overdue re-review')).toEqual(['re-reviews']);
      expect(where('Bucket draft only')).toEqual([]);
      expect(buckets['in-review']).toMatch(
        /Bucket in review[\s\S]*reviewer <strong>Alan Lucks<\/strong> \(accepted\)/,
      );
      expect(buckets['re-reviews']).toContain('35 days overdue');
      expect(buckets.waiting).toContain(`/desk/editor/articles/${waiting.id}/assign`);
      const workload = section(html, 'workload');
      expect(workload).toMatch(/<td>Alan Lucks<\/td><td class="num">\d+<\/td>/);
      // The workload counts what the reviews module counts: pending and accepted assignments.
      const open = await t.dataSource.query(
        "SELECT count(*)::int AS n FROM assignments WHERE reviewer_id = $1 AND status IN ('pending','accepted')",
        [alan.id],
      );
      expect(workload).toContain(`<td>Alan Lucks</td><td class="num">${open[0].n}</td>`);
      expect(approved.article.id).toBeTruthy();
      expect(draft.id).toBeTruthy();
    });

    it('assigns through the page with the automatic choice preselected, and shows the API’s refusals', async () => {
      const expired = await createReviewer(t, { displayName: 'Ed Expired', licenseExpiresOn: '2025-01-31' });
      const writingReviewer = await createReviewer(t, { displayName: 'Wanda Writes' }, ['writer']);
      const article = await draftSeed(t, writingReviewer, { title: 'Assign through the page' });
      await submit(t, writingReviewer, article.id);

      const form = await editorDesk.get(`/desk/editor/articles/${article.id}/assign`);
      expect(form.status).toBe(200);
      const selected = /<option value="([^"]*)" selected>/.exec(form.text);
      const suggestion = await t.app
        .get((await import('../src/reviews/assignments.service.js')).AssignmentsService)
        .suggestReviewer(article.id);
      expect(suggestion.reviewerId).not.toBeNull();
      expect(selected?.[1]).toBe(suggestion.reviewerId);
      expect(form.text).toContain('(automatic choice)');

      // The same refusals, in the same words, as POST /articles/:id/assignments.
      for (const who of [expired, writingReviewer]) {
        const api = await t
          .http()
          .post(`/articles/${article.id}/assignments`)
          .set(editor.auth)
          .send({ reviewerId: who.id });
        expect(api.status).toBe(409);
        const res = await editorDesk.post(`/desk/editor/articles/${article.id}/assign`, {
          reviewerId: who.id,
          dueAt: '',
        });
        expect(res.status).toBe(api.status);
        expect(decode(res.text)).toContain(api.body.message);
        expect(res.text).toContain(`<option value="${who.id}" selected>`);
      }
      const pastDue = await editorDesk.post(`/desk/editor/articles/${article.id}/assign`, {
        reviewerId: alan.id,
        dueAt: '2026-01-01',
      });
      expect(pastDue.status).toBe(400);
      expect(pastDue.text).toContain('dueAt: must be in the future');
      const badDate = await editorDesk.post(`/desk/editor/articles/${article.id}/assign`, {
        reviewerId: alan.id,
        dueAt: 'next week',
      });
      expect(badDate.status).toBe(400);
      expect(badDate.text).toContain('dueAt: must be a date (YYYY-MM-DD)');
      expect((await t.http().get(`/assignments?articleId=${article.id}`).set(editor.auth)).body).toEqual([]);

      const ok = await editorDesk.post(`/desk/editor/articles/${article.id}/assign`, {
        reviewerId: alan.id,
        dueAt: '2026-12-15',
      });
      expect(ok.status).toBe(303);
      expect(ok.headers.location).toBe('/desk/editor?notice=assigned');
      const [assignment] = (await t.http().get(`/assignments?articleId=${article.id}`).set(editor.auth)).body;
      expect(assignment).toMatchObject({ reviewerId: alan.id, status: 'pending' });
      // The end of that day in the publication's time zone (America/New_York in the tests).
      expect(new Date(assignment.dueAt).toISOString()).toBe('2026-12-16T04:59:59.999Z');

      // Reassigning cancels the open assignment and opens one for the new reviewer.
      const other = await createReviewer(t, { displayName: 'Olga Other' });
      const again = await editorDesk.post(`/desk/editor/articles/${article.id}/assign`, {
        reviewerId: other.id,
        dueAt: '',
      });
      expect(again.status).toBe(303);
      const all = (await t.http().get(`/assignments?articleId=${article.id}`).set(editor.auth)).body as {
        reviewerId: string;
        status: string;
      }[];
      expect(all.map((a) => [a.reviewerId, a.status]).sort()).toEqual(
        [
          [alan.id, 'cancelled'],
          [other.id, 'pending'],
        ].sort(),
      );
      const same = await editorDesk.post(`/desk/editor/articles/${article.id}/assign`, {
        reviewerId: other.id,
        dueAt: '',
      });
      expect(same.status).toBe(409);
      expect(same.text).toContain('already assigned');
    });

    it('sets and removes review policies with the API’s validation', async () => {
      const bad = await editorDesk.post('/desk/editor/policies', { specialty: 'neurology', cadence: 'P10Y' });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('cadence must be');
      expect(bad.text).toContain('value="P10Y"');
      const badSpecialty = await editorDesk.post('/desk/editor/policies', {
        specialty: 'Neuro Logy',
        cadence: 'P3M',
      });
      expect(badSpecialty.status).toBe(400);
      expect(badSpecialty.text).toContain('specialty must be lower-case a-z, 0-9 or -');
      expect((await t.http().get('/review-policies').set(editor.auth)).body.specialties).toEqual([]);

      const ok = await editorDesk.post('/desk/editor/policies', { specialty: 'neurology', cadence: 'P3M' });
      expect(ok.status).toBe(303);
      const policies = (await t.http().get('/review-policies').set(editor.auth)).body;
      expect(policies.specialties).toEqual([
        expect.objectContaining({ specialty: 'neurology', cadence: 'P3M' }),
      ]);
      const page = await editorDesk.get('/desk/editor/policies?notice=policy-saved');
      expect(page.text).toContain('<strong>neurology</strong>: every <strong>P3M</strong>');
      expect(page.text).toContain('The review policy is saved.');

      const removed = await editorDesk.post('/desk/editor/policies/neurology/remove', {});
      expect(removed.status).toBe(303);
      expect((await t.http().get('/review-policies').set(editor.auth)).body.specialties).toEqual([]);
      const missing = await editorDesk.post('/desk/editor/policies/neurology/remove', {});
      expect(missing.status).toBe(404);
    });
  });

  describe('from assignment to the public page', () => {
    it('assign on the page, changes and sign-off by helpers, publish on the publisher’s page; schedule, cancel, unpublish', async () => {
      const article = await draftSeed(t, writer, { title: 'Baclofen through the newsroom' });
      await submit(t, writer, article.id);
      const assigned = await editorDesk.post(`/desk/editor/articles/${article.id}/assign`, {
        reviewerId: alan.id,
        dueAt: '',
      });
      expect(assigned.status).toBe(303);
      const [assignment] = (await t.http().get(`/assignments?articleId=${article.id}`).set(editor.auth)).body;
      expect((await t.http().post(`/assignments/${assignment.id}/accept`).set(alan.auth)).status).toBe(200);
      const requested = await t
        .http()
        .post(`/articles/${article.id}/reviews`)
        .set(alan.auth)
        .send({ decision: 'request_changes', revision: 1, comments: 'Name the withdrawal risk.' });
      expect(requested.status).toBe(200);
      await edit(t, writer, article.id, {
        description: 'Baclofen is not a benzodiazepine; withdrawal risk.',
      });
      await submit(t, writer, article.id);
      expect((await approve(t, alan, article.id, 2)).status).toBe(200);

      // The ready-to-publish e-mail goes to the publishers, with the publisher's page; the writer gets a note.
      const outbox = await t.dataSource.query<{ template: string; to_address: string; url: string }[]>(
        `SELECT template, to_address, coalesce(context->>'publishUrl', context->>'articleUrl') AS url
           FROM email_outbox WHERE article_id = $1 AND template IN ('ready-to-publish', 'approved')`,
        [article.id],
      );
      expect(outbox).toEqual(
        expect.arrayContaining([
          {
            template: 'ready-to-publish',
            to_address: publisher.email,
            url: `${t.env.PUBLIC_BASE_URL}/desk/publisher/articles/${article.id}`,
          },
          {
            template: 'approved',
            to_address: writer.email,
            url: `${t.env.PUBLIC_BASE_URL}/desk/articles/${article.id}`,
          },
        ]),
      );
      expect(outbox.filter((row) => row.to_address === writer.email).map((r) => r.template)).toEqual([
        'approved',
      ]);

      const ready = await publisherDesk.get('/desk/publisher');
      expect(section(ready.text, 'ready-heading')).toContain('Baclofen through the newsroom');
      expect(ready.text).toContain('Medically reviewed by Alan Lucks');
      const published = await publisherDesk.post(`/desk/publisher/articles/${article.id}/publish`, {});
      expect(published.status).toBe(303);
      expect(published.headers.location).toBe(`/desk/publisher/articles/${article.id}?notice=published`);
      const slug = (await t.http().get(`/articles/${article.id}`).set(editor.auth)).body.slug as string;
      const publicPage = await t.http().get(`/public/articles/${slug}`);
      expect(publicPage.status).toBe(200);
      expect(textOf(publicPage.text)).toContain(
        'Medically reviewed by Alan Lucks, MD, Alan Lucks MDPC Private Practice - New York on November 30th, 2026',
      );
      const live = await publisherDesk.get('/desk/publisher/live');
      expect(live.text).toContain('Baclofen through the newsroom');
      expect(live.text).toMatch(/Last reviewed <time datetime="[^"]+">November 30th, 2026<\/time>/);
      expect(live.text).toMatch(/next review due <time datetime="[^"]+">November 30th, 2027<\/time>/);
      // A draft without a sign-off: the page refuses it in the API's words, and nothing goes live.
      const unsigned = await draftSeed(t, writer, { title: 'Never signed' });
      const api = await t.http().post(`/articles/${unsigned.id}/publish`).set(publisher.auth);
      expect(api.status).toBe(409);
      const refused = await publisherDesk.post(`/desk/publisher/articles/${unsigned.id}/publish`, {});
      expect(refused.status).toBe(409);
      expect(decode(refused.text)).toContain(api.body.message);
      expect(await statusOf(unsigned.id)).toBe('draft');

      // Schedule and cancel, on another signed article.
      const { article: other } = await signedSeed(t, writer, editor, alan, {
        title: 'Scheduled through the page',
      });
      const past = await publisherDesk.post(`/desk/publisher/articles/${other.id}/schedule`, {
        publishAt: '2026-11-29T09:00',
      });
      expect(past.status).toBe(400);
      expect(past.text).toContain('publishAt must be later than');
      const garbled = await publisherDesk.post(`/desk/publisher/articles/${other.id}/schedule`, {
        publishAt: 'tomorrow',
      });
      expect(garbled.status).toBe(400);
      expect(garbled.text).toContain('value="tomorrow"');
      const scheduled = await publisherDesk.post(`/desk/publisher/articles/${other.id}/schedule`, {
        publishAt: '2026-12-01T09:00',
      });
      expect(scheduled.status).toBe(303);
      const schedule = await t.http().get(`/articles/${other.id}/scheduled-publish`).set(publisher.auth);
      expect(schedule.status).toBe(200);
      // 9:00 in New York (the publication's time zone in the tests) is 14:00 UTC in December.
      expect(schedule.body.publishAt).toBe('2026-12-01T14:00:00.000Z');
      const list = await publisherDesk.get('/desk/publisher');
      expect(section(list.text, 'scheduled-heading')).toContain('Scheduled through the page');
      expect(list.text).toContain('December 1st, 2026, 9:00 AM EST');
      const cancelled = await publisherDesk.post(`/desk/publisher/articles/${other.id}/cancel-schedule`, {});
      expect(cancelled.status).toBe(303);
      expect(section((await publisherDesk.get('/desk/publisher')).text, 'scheduled-heading')).toContain(
        'No publishing is scheduled.',
      );
      const cancelAgain = await publisherDesk.post(
        `/desk/publisher/articles/${other.id}/cancel-schedule`,
        {},
      );
      expect(cancelAgain.status).toBe(404);

      // Unpublish: the public page is gone, the article archived.
      const unpublished = await publisherDesk.post(`/desk/publisher/articles/${article.id}/unpublish`, {});
      expect(unpublished.status).toBe(303);
      expect((await t.http().get(`/public/articles/${slug}`)).status).toBe(404);
      expect(await statusOf(article.id)).toBe('archived');

      // The timeline, from the audit trail: revisions, decisions, sign-offs, publications, in order.
      const timeline = await editorDesk.get(`/desk/editor/articles/${article.id}/timeline`);
      expect(timeline.status).toBe(200);
      const kinds = [...timeline.text.matchAll(/<span class="kind">([^<]+)<\/span>/g)].map((m) => m[1]);
      expect(kinds).toEqual([
        'Revision',
        'Submission',
        'Assignment',
        'Assignment',
        'Decision',
        'Revision',
        'Submission',
        'Decision',
        'Sign-off',
        'Assignment',
        'Publication',
        'Publication',
      ]);
      const text = decode(timeline.text);
      expect(text).toContain('Changes requested on revision 1: “Name the withdrawal risk.”');
      expect(text).toContain('Signed revision 2');
      expect(text).toContain('Published revision 2');
      expect(text).toContain('Unpublished (revision 2 taken down)');
    });

    it('escapes what writers and reviewers typed on every office page', async () => {
      const hostile = '<img src=x onerror=alert(1)>"><script>alert(2)</script>';
      const article = await draftSeed(t, writer, { title: `XSS ${hostile}` });
      await submit(t, writer, article.id);
      await assignAndAccept(t, editor, alan, article.id);
      const requested = await t
        .http()
        .post(`/articles/${article.id}/reviews`)
        .set(alan.auth)
        .send({ decision: 'request_changes', revision: 1, comments: hostile });
      expect(requested.status).toBe(200);
      await edit(t, writer, article.id, { description: 'Edited.', changeNote: hostile });
      await submit(t, writer, article.id);
      expect((await approve(t, alan, article.id, 2)).status).toBe(200);
      const pages = [
        await editorDesk.get('/desk/editor'),
        await editorDesk.get(`/desk/editor/articles/${article.id}/assign`),
        await editorDesk.get(`/desk/editor/articles/${article.id}/timeline`),
        await publisherDesk.get('/desk/publisher'),
        await publisherDesk.get(`/desk/publisher/articles/${article.id}`),
      ];
      for (const page of pages) {
        expect(page.status).toBe(200);
        expect(page.text).not.toContain('<img src=x');
        expect(page.text).not.toContain('<script>alert');
      }
      expect(pages[2].text).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
      expect(pages[3].text).toContain('XSS &lt;img');
    });

    it('shows export runs with their summary, and starts one', async () => {
      const started = await publisherDesk.post('/desk/publisher/exports', {});
      expect(started.status).toBe(303);
      const page = await publisherDesk.get('/desk/publisher/exports?notice=export-started');
      expect(page.status).toBe(200);
      expect(page.text).toContain('The export has started');
      expect(page.text).toMatch(/full export \(admin\)/);
    });
  });
});
