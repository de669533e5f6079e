import { randomBytes } from 'node:crypto';
import { JobName, jobOptions, QueueName } from '../src/core/queues/queues.js';
import { DESK_ADMIN_PAGES } from './security/access-policy.js';
import { servedRoutes } from './security/support.js';
import { csrfOf, deskSession, type DeskSession } from './utils/desk-session.js';
import { SmtpSink } from './utils/smtp-sink.js';
import { bearer, createTestApp, createUser, type TestApp, type TestUser } from './utils/test-app.js';
import { queueOf, waitForJob, waitUntil } from './utils/wait-for-jobs.js';
import { ADMIN } from './utils/test-env.js';
import { createReviewer } from './utils/workflow.js';

/**
 * The admin's desk (issue 14, part 3) over HTTP as a browser sends it (forms, cookies, CSRF): people, roles and
 * deactivation ending sessions, the outbox, licence-expiry e-mails on a controlled clock, the role-aware home and
 * navigation, and who may open the admin pages and the queue dashboard. The Chromium run of the same pages is
 * test/newsroom-admin-browser.e2e-spec.ts.
 */
const NOW = new Date('2026-12-01T15:00:00Z');

type Page = { status: number; text: string; headers: Record<string, string> };

/** The text a person reads: tags dropped, entities of the escaped values decoded, spaces collapsed. */
function visible(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The hrefs of the layout's "Desk" navigation. */
function navLinks(html: string): string[] {
  const nav = /<nav class="desk-nav" aria-label="Desk">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
  return [...nav.matchAll(/href="([^"]+)"/g)].map((match) => match[1]);
}

/** The hrefs of the home page's own links (inside <main>). */
function mainLinks(html: string): string[] {
  const main = /<main[^>]*>([\s\S]*?)<\/main>/.exec(html)?.[1] ?? '';
  return [...main.matchAll(/href="([^"]+)"/g)].map((match) => match[1]);
}

describe('the admin desk: people, licences, outbox, home and navigation', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let admin: DeskSession;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await createTestApp({ env: { SMTP_URL: sink.url }, now: NOW });
    admin = await deskSession(t, ADMIN.email, ADMIN.password);
  }, 240_000);

  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const mailbox = (label: string) => `${label}-${randomBytes(4).toString('hex')}@test.local`;

  /**
   * Posts a form as urlencoded pairs (a repeated name, as checkboxes send it), with the session's CSRF token
   * and the site's Origin.
   */
  async function post(session: DeskSession, path: string, pairs: [string, string][]): Promise<Page> {
    const token = csrfOf((await session.get('/desk/reviews')).text);
    const body = new URLSearchParams([['_csrf', token], ...pairs]).toString();
    const res = await t
      .http()
      .post(path)
      .set('Cookie', session.cookie)
      .set('Origin', session.origin)
      .type('form')
      .send(body);
    return { status: res.status, text: res.text, headers: res.headers };
  }

  /** The person opens the invitation's link from the delivered e-mail and chooses a password on the page. */
  async function acceptInvitation(email: string, password: string): Promise<string> {
    const message = await sink.waitForMessageTo(email);
    const link = new URL(/https?:\/\/\S+\/desk\/account\/setup\?token=[A-Za-z0-9_-]+/.exec(message.text)![0]);
    const page = await t.http().get(`${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    const formCookie = ([] as string[])
      .concat(page.headers['set-cookie'] ?? [])
      .map((line) => line.split(';')[0])
      .join('; ');
    const done = await t
      .http()
      .post('/desk/account/setup')
      .set('Cookie', formCookie)
      .set('Origin', admin.origin)
      .type('form')
      .send({
        _csrf: csrfOf(page.text),
        token: link.searchParams.get('token')!,
        password,
        confirm: password,
      });
    expect(done.status).toBe(303);
    return link.toString();
  }

  async function invite(name: string, email: string, roles: string[]): Promise<{ id: string; page: Page }> {
    const page = await post(admin, '/desk/admin/people', [
      ['name', name],
      ['email', email],
      ...roles.map((role): [string, string] => ['roles', role]),
    ]);
    expect(page.status).toBe(303);
    const id = /^\/desk\/admin\/people\/([0-9a-f-]{36})\?notice=invited$/.exec(page.headers.location)?.[1];
    expect(id).toBeDefined();
    return { id: id!, page };
  }

  describe('people', () => {
    it('invites through the page; the e-mail arrives; the person sets a password and sees only their links', async () => {
      const email = mailbox('wendy');
      const { id } = await invite('Wendy Writer', email, ['writer', 'editor']);
      const person = await admin.get(`/desk/admin/people/${id}?notice=invited`);
      expect(visible(person.text)).toContain('The invitation is sent.');
      expect(visible(person.text)).toContain('writer, editor');
      expect(visible(person.text)).toContain('invited');

      const invitation = await sink.waitForMessageTo(email);
      expect(invitation.subject).toContain('review desk');
      const password = `wendy pass phrase ${randomBytes(4).toString('hex')}`;
      await acceptInvitation(email, password);

      const wendy = await deskSession(t, email, password);
      const home = await wendy.get('/desk');
      expect(home.status).toBe(200);
      expect(navLinks(home.text)).toEqual(['/desk/write', '/desk/editor']);
      expect(mainLinks(home.text)).toEqual(['/desk/write', '/desk/editor']);
      expect(visible(home.text)).toMatch(/You work on the desk as: writer\s*,\s*editor\s*\./);
      expect((await admin.get(`/desk/admin/people/${id}`)).text).toMatch(/<dt>State<\/dt><dd>active<\/dd>/);
    });

    it('refuses a bad invitation beside the field, keeping what was typed', async () => {
      const noRole = await post(admin, '/desk/admin/people', [
        ['name', 'Nora <b>Noroles</b>'],
        ['email', mailbox('nora')],
      ]);
      expect(noRole.status).toBe(400);
      expect(noRole.text).toContain('id="invite-roles-error">Choose at least one role</span>');
      expect(noRole.text).toContain('value="Nora &lt;b&gt;Noroles&lt;/b&gt;"');

      const badEmail = await post(admin, '/desk/admin/people', [
        ['name', 'Bad Email'],
        ['email', 'not-an-address'],
        ['roles', 'writer'],
      ]);
      expect(badEmail.status).toBe(400);
      expect(badEmail.text).toMatch(/id="invite-email-error">[^<]*email must be an email/);
      expect(badEmail.text).toMatch(/<input type="checkbox" name="roles" value="writer" checked>/);

      const taken = await post(admin, '/desk/admin/people', [
        ['name', 'Again'],
        ['email', ADMIN.email],
        ['roles', 'writer'],
      ]);
      expect(taken.status).toBe(409);
      expect(taken.text).toMatch(/id="invite-email-error">[^<]*already exists/);

      const unknownRole = await post(admin, '/desk/admin/people', [
        ['name', 'Root'],
        ['email', mailbox('root')],
        ['roles', 'superuser'],
      ]);
      expect(unknownRole.status).toBe(400);
    });

    it('re-sends an invitation: a new e-mail, and the earlier link stops working', async () => {
      const email = mailbox('late');
      const { id } = await invite('Lee Late', email, ['publisher']);
      const first = await sink.waitForMessageTo(email);
      const firstLink = new URL(/https?:\/\/\S+\/desk\/account\/setup\?token=\S+/.exec(first.text)![0]);

      const resent = await post(admin, `/desk/admin/people/${id}/invitation`, []);
      expect(resent.status).toBe(303);
      expect(resent.headers.location).toBe(`/desk/admin/people/${id}?notice=reinvited`);
      await waitUntil('the second invitation', () => sink.messagesTo(email).length === 2);
      expect((await t.http().get(`${firstLink.pathname}${firstLink.search}`)).status).toBeGreaterThanOrEqual(
        400,
      );

      // Once the person has a password, there is nothing to re-send: the page says why.
      const second = sink.messagesTo(email)[1];
      const link = new URL(/https?:\/\/\S+\/desk\/account\/setup\?token=\S+/.exec(second.text)![0]);
      const accepted = await t
        .http()
        .post('/auth/invitations/accept')
        .send({ token: link.searchParams.get('token'), password: 'lee pass phrase 12345' });
      expect(accepted.status).toBe(200);
      const refused = await post(admin, `/desk/admin/people/${id}/invitation`, []);
      expect(refused.status).toBe(409);
      expect(visible(refused.text)).toContain('already chosen a password');
    });

    it('a role change takes effect at once: the session and the token end, the new sign-in has the new links', async () => {
      const person = await createUser(t, ['writer', 'publisher']);
      const before = await deskSession(t, person.email, person.password);
      expect(navLinks((await before.get('/desk')).text)).toEqual(['/desk/write', '/desk/publisher']);

      const changed = await post(admin, `/desk/admin/people/${person.id}/roles`, [['roles', 'writer']]);
      expect(changed.status).toBe(303);
      expect(changed.headers.location).toBe(`/desk/admin/people/${person.id}?notice=roles`);

      const ended = await before.get('/desk');
      expect(ended.status).toBe(303);
      expect(ended.headers.location).toBe('/desk/login?next=%2Fdesk');
      expect((await t.http().get('/articles').set(person.auth)).status).toBe(401);

      const after = await deskSession(t, person.email, person.password);
      const home = await after.get('/desk');
      expect(navLinks(home.text)).toEqual(['/desk/write']);
      expect(home.text).not.toContain('/desk/publisher');

      const audit = await t
        .http()
        .get(`/audit?entityId=${person.id}&action=user.roles_changed`)
        .set(bearer(t.adminToken));
      expect(audit.body[0]).toMatchObject({
        before: { roles: ['writer', 'publisher'] },
        after: { roles: ['writer'] },
      });

      // No role at all is refused beside the roles, and nothing changes.
      const none = await post(admin, `/desk/admin/people/${person.id}/roles`, []);
      expect(none.status).toBe(400);
      expect(visible(none.text)).toContain('roles: Choose at least one role');
      expect((await after.get('/desk')).status).toBe(200);
    });

    it('an admin cannot take the admin role from themselves', async () => {
      const me = (await t.http().get('/users').set(bearer(t.adminToken))).body.find(
        (user: { email: string }) => user.email === ADMIN.email,
      );
      const refused = await post(admin, `/desk/admin/people/${me.id}/roles`, [['roles', 'editor']]);
      expect(refused.status).toBe(409);
      expect(visible(refused.text)).toContain('You cannot remove the admin role from your own account');
      expect((await admin.get('/desk/admin')).status).toBe(200);
    });

    it('deactivation ends the session and the token; the person can no longer sign in', async () => {
      const person = await createUser(t, ['editor']);
      const session = await deskSession(t, person.email, person.password);
      expect((await session.get('/desk')).status).toBe(200);

      const done = await post(admin, `/desk/admin/people/${person.id}/deactivate`, []);
      expect(done.status).toBe(303);
      const page = await admin.get(done.headers.location);
      expect(visible(page.text)).toContain('The account is deactivated.');
      expect(page.text).not.toContain(`/desk/admin/people/${person.id}/roles`);

      expect((await session.get('/desk')).status).toBe(303);
      expect((await t.http().get('/articles').set(person.auth)).status).toBe(401);
      await expect(deskSession(t, person.email, person.password)).rejects.toThrow(/desk login failed/);
    });
  });

  describe('reviewer profiles and licences', () => {
    it('shows licences by expiry and saves a profile through the same rules as the API', async () => {
      const reviewer = await createUser(t, ['reviewer'], { name: 'Rita Reviewer' });
      const list = await admin.get('/desk/admin/licences');
      expect(visible(list.text)).toContain('no profile or licence on file');

      const bad = await post(admin, `/desk/admin/licences/${reviewer.id}`, [
        ['displayName', 'Rita Reviewer'],
        ['credentials', 'MD'],
        ['affiliation', 'Clinic'],
        ['specialties', 'Neurology!'],
        ['licenseNumber', 'NY-1'],
        ['licenseRegion', 'US-NY'],
        ['licenseExpiresOn', '2027-02-31'],
      ]);
      expect(bad.status).toBe(400);
      expect(bad.text).toMatch(/id="licenseExpiresOn-error">[^<]+/);
      expect(bad.text).toMatch(/id="specialties-error">[^<]*specialty/);
      expect(bad.text).toContain('value="Neurology!"');

      const saved = await post(admin, `/desk/admin/licences/${reviewer.id}`, [
        ['displayName', 'Rita Reviewer'],
        ['credentials', 'MD'],
        ['affiliation', 'Rita Clinic - Boston'],
        ['specialties', 'neurology, cardiology'],
        ['licenseNumber', 'MA-555'],
        ['licenseRegion', 'US-MA'],
        ['licenseExpiresOn', '2027-01-15'],
      ]);
      expect(saved.status).toBe(303);
      const users = (await t.http().get('/users').set(bearer(t.adminToken))).body as {
        id: string;
        reviewerProfile: Record<string, unknown> | null;
      }[];
      expect(users.find((user) => user.id === reviewer.id)?.reviewerProfile).toMatchObject({
        specialties: ['neurology', 'cardiology'],
        licenseExpiresOn: '2027-01-15',
      });
      // December 1st, 2026 (New York) to January 15th, 2027: 45 days.
      expect(visible((await admin.get('/desk/admin/licences')).text)).toMatch(
        /MA-555 \(US-MA\) Jan 15, 2027 45 days left/,
      );

      // A person without the reviewer role cannot get a profile: the service refuses (409), the page says why.
      const writer = await createUser(t, ['writer']);
      const refused = await post(admin, `/desk/admin/licences/${writer.id}`, [
        ['displayName', 'W'],
        ['credentials', 'MD'],
        ['affiliation', 'A'],
        ['specialties', ''],
        ['licenseNumber', 'X'],
        ['licenseRegion', 'Y'],
        ['licenseExpiresOn', '2028-01-01'],
      ]);
      expect(refused.status).toBe(409);
      expect(visible(refused.text)).toContain('Only users with the reviewer role');
    });
  });

  describe('the e-mail outbox', () => {
    it('a failed e-mail is retried from the page and arrives; an unknown one is marked sent', async () => {
      const bounced = mailbox('bounced');
      sink.rejectRecipient(bounced);
      await invite('Bo Bounced', bounced, ['writer']);
      const failed = await waitUntil('the failed invitation in the outbox', async () => {
        const page = await admin.get('/desk/admin/emails?status=failed');
        const match = new RegExp(`/desk/admin/emails/([0-9a-f-]{36})/retry"[\\s\\S]*?to ${bounced}`).exec(
          page.text,
        );
        return match?.[1];
      });
      const listed = await admin.get('/desk/admin/emails');
      expect(visible(listed.text)).toContain(bounced);
      expect(visible(listed.text)).toMatch(/failed/);

      // mark-sent is for unknown deliveries only: the service refuses, the page says why.
      const wrong = await post(admin, `/desk/admin/emails/${failed}/mark-sent`, []);
      expect(wrong.status).toBe(409);
      expect(visible(wrong.text)).toContain('only an email whose delivery is unknown can be marked sent');

      sink.acceptRecipient(bounced);
      const retried = await post(admin, `/desk/admin/emails/${failed}/retry`, []);
      expect(retried.status).toBe(303);
      expect(retried.headers.location).toBe('/desk/admin/emails?notice=retried');
      const arrived = await sink.waitForMessageTo(bounced);
      expect(arrived.text).toContain('/desk/account/setup?token=');
      const sent = await admin.get('/desk/admin/emails?status=sent');
      expect(visible(sent.text)).toContain(bounced);

      const maybe = mailbox('maybe');
      sink.dropConnectionAfterData(maybe);
      await invite('May Maybe', maybe, ['writer']);
      const unknown = await waitUntil(
        'the unknown invitation in the outbox',
        async () => {
          const page = await admin.get('/desk/admin/emails?status=unknown');
          const match = new RegExp(`/desk/admin/emails/([0-9a-f-]{36})/mark-sent"[\\s\\S]*?to ${maybe}`).exec(
            page.text,
          );
          return match?.[1];
        },
        { timeoutMs: 30_000 },
      );
      const marked = await post(admin, `/desk/admin/emails/${unknown}/mark-sent`, []);
      expect(marked.status).toBe(303);
      const after = (await t.http().get('/admin/emails?status=sent').set(bearer(t.adminToken))).body as {
        id: string;
        status: string;
      }[];
      expect(after.find((email) => email.id === unknown)?.status).toBe('sent');
      const audit = await t.http().get(`/audit?entityId=${unknown}`).set(bearer(t.adminToken));
      expect(audit.body.map((event: { action: string }) => event.action)).toContain('email.marked_sent');
      sink.acceptRecipient(maybe);
    }, 90_000);
  });

  describe('audit chain', () => {
    it('verifies the chain with the same service as GET /audit/verify', async () => {
      const api = await t.http().get('/audit/verify').set(bearer(t.adminToken));
      const page = await admin.get('/desk/admin/audit');
      expect(page.status).toBe(200);
      expect(visible(page.text)).toContain('The chain is intact.');
      const checked = Number(/(\d+) events checked/.exec(visible(page.text))?.[1]);
      expect(checked).toBeGreaterThanOrEqual(api.body.checked as number);
    });
  });

  describe('home and navigation by role, and who may open the admin pages', () => {
    it("each role's home and navigation show only its links", async () => {
      const expected: Record<string, string[]> = {
        writer: ['/desk/write'],
        editor: ['/desk/editor'],
        publisher: ['/desk/publisher'],
        admin: [
          '/desk/admin',
          '/desk/admin/people',
          '/desk/admin/licences',
          '/desk/admin/emails',
          '/admin/queues',
          '/desk/admin/audit',
        ],
      };
      for (const [role, links] of Object.entries(expected)) {
        const person = await createUser(t, [role]);
        const session = await deskSession(t, person.email, person.password);
        const home = await session.get('/desk');
        expect({ role, status: home.status, nav: navLinks(home.text) }).toEqual({
          role,
          status: 200,
          nav: links,
        });
        expect({ role, main: mainLinks(home.text) }).toEqual({ role, main: links });
      }
      // A physician's desk is his reviews; the navigation there shows his one link.
      const reviewer = await createReviewer(t, { displayName: 'Nav Reviewer' });
      const session = await deskSession(t, reviewer.email, reviewer.password);
      expect((await session.get('/desk')).headers.location).toBe('/desk/reviews');
      const reviews = await session.get('/desk/reviews');
      expect(navLinks(reviews.text)).toEqual(['/desk/reviews']);
      expect(reviews.text).toMatch(/<a href="\/desk\/reviews" aria-current="page">My reviews<\/a>/);
    });

    it('lists every served /desk/admin route in the access table', () => {
      const served = servedRoutes(t)
        .filter((route) => route.path.startsWith('/desk/admin'))
        .map((route) => `${route.method} ${route.path}`)
        .sort();
      expect(served).toEqual(Object.keys(DESK_ADMIN_PAGES).sort());
    });

    it('refuses every admin page to other roles (403, nothing written) and sends a browser without a session to sign in', async () => {
      const victim = await createUser(t, ['writer', 'editor']);
      const outbox = (await t.http().get('/admin/emails?status=sent').set(bearer(t.adminToken))).body as {
        id: string;
      }[];
      const path = (pattern: string) =>
        pattern.replace('{id}', pattern.includes('/emails/') ? outbox[0].id : victim.id);
      const others: DeskSession[] = [];
      for (const roles of [['writer'], ['editor'], ['publisher'], ['writer', 'editor', 'publisher']]) {
        const person = await createUser(t, roles);
        others.push(await deskSession(t, person.email, person.password));
      }
      const reviewer = await createReviewer(t, { displayName: 'Other Reviewer' });
      others.push(await deskSession(t, reviewer.email, reviewer.password));

      for (const route of Object.keys(DESK_ADMIN_PAGES)) {
        const [method, pattern] = route.split(' ');
        for (const session of others) {
          const res =
            method === 'GET'
              ? await session.get(path(pattern))
              : await post(session, path(pattern), [
                  ['roles', 'admin'],
                  ['name', 'x'],
                  ['email', mailbox('x')],
                ]);
          expect({
            route,
            status: res.status,
            text: res.status === 403 ? '' : res.text.slice(0, 2000),
          }).toEqual({
            route,
            status: 403,
            text: '',
          });
        }
        const anonymous =
          method === 'GET'
            ? await t.http().get(path(pattern))
            : await t.http().post(path(pattern)).set('Origin', admin.origin).type('form').send('roles=admin');
        expect({ route, status: anonymous.status }).toEqual({ route, status: method === 'GET' ? 303 : 403 });
        if (method === 'GET') {
          expect(anonymous.headers.location).toBe(`/desk/login?next=${encodeURIComponent(path(pattern))}`);
        }
      }
      const users = (await t.http().get('/users').set(bearer(t.adminToken))).body as {
        id: string;
        roles: string[];
        active: boolean;
      }[];
      expect(users.find((user) => user.id === victim.id)).toMatchObject({
        roles: ['writer', 'editor'],
        active: true,
      });
    }, 120_000);

    it('opens the queue dashboard with an admin desk session, and refuses every other session', async () => {
      const page = await t.http().get('/admin/queues').set('Cookie', admin.cookie);
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/<html/i);
      const api = await t.http().get('/admin/queues/api/queues').set('Cookie', admin.cookie);
      expect(api.status).toBe(200);
      expect(JSON.stringify(api.body)).toContain(QueueName.Scheduling);

      const writer = await createUser(t, ['writer', 'editor', 'publisher']);
      const session = await deskSession(t, writer.email, writer.password);
      const refused = await t.http().get('/admin/queues/api/queues').set('Cookie', session.cookie);
      expect(refused.status).toBe(403);
      expect((await t.http().get('/admin/queues').set('Cookie', session.cookie)).status).toBe(403);
      expect((await t.http().get('/admin/queues/api/queues')).status).toBe(401);

      // A change from another site with the admin's cookie is refused; from the desk's own origin it passes.
      const foreign = await t
        .http()
        .put('/admin/queues/api/queues/scheduling/pause')
        .set('Cookie', admin.cookie)
        .set('Origin', 'https://evil.example');
      expect(foreign.status).toBe(403);
      expect(await queueOf(t.app, QueueName.Scheduling).isPaused()).toBe(false);
    });
  });
  describe('licence-expiry e-mails on a controlled clock', () => {
    it('sends the 60- and 14-day notices exactly once each, to the physician and every admin', async () => {
      const secondAdmin = await createUser(t, ['admin'], { name: 'Ada Admin' });
      const secondAdminEmail = secondAdmin.email;
      const physician: TestUser = await createReviewer(t, {
        displayName: 'Paula Physician',
        licenseNumber: 'NY-777',
        licenseExpiresOn: '2027-06-30',
      });
      const admins = (
        (await t.http().get('/users').set(bearer(t.adminToken))).body as {
          email: string;
          roles: string[];
          active: boolean;
        }[]
      )
        .filter((user) => user.active && user.roles.includes('admin'))
        .map((user) => user.email);
      expect(admins).toEqual(expect.arrayContaining([ADMIN.email, secondAdminEmail]));
      const recipients = [physician.email, ...admins];
      const each = recipients.length;
      const notices = () =>
        recipients.map(
          (to) => sink.messagesTo(to).filter((message) => message.subject.includes('expires in')).length,
        );
      const queue = queueOf(t.app, QueueName.Scheduling);
      let run = 0;
      /** The worker's job, as the daily scheduler runs it, at noon in New York on `day`. */
      async function runOn(day: string): Promise<number> {
        t.clock.set(new Date(`${day}T16:00:00Z`));
        run += 1;
        const job = await queue.add(
          JobName.LicenceExpiryNotices,
          {},
          jobOptions(JobName.LicenceExpiryNotices, { jobId: `licence-test-${run}` }),
        );
        const done = await waitForJob(queue, job.id!);
        expect(done.state).toBe('completed');
        return done.returnvalue as number;
      }

      expect(await runOn('2027-04-30')).toBe(0); // 61 days before
      expect(await runOn('2027-05-01')).toBe(each); // 60 days before
      await waitUntil('the 60-day notices', () => notices().every((n) => n === 1));
      expect(await runOn('2027-05-01')).toBe(0); // the same day again (a rerun, a retried job)
      expect(await runOn('2027-05-02')).toBe(0);
      expect(await runOn('2027-06-15')).toBe(0); // 15 days before
      expect(await runOn('2027-06-16')).toBe(each); // 14 days before
      await waitUntil('the 14-day notices', () => notices().every((n) => n === 2));
      expect(await runOn('2027-06-17')).toBe(0);
      expect(await runOn('2027-06-30')).toBe(0); // the last valid day
      expect(await runOn('2027-07-01')).toBe(0); // expired

      const toPhysician = sink.messagesTo(physician.email).filter((m) => m.subject.includes('expires in'));
      expect(toPhysician.map((m) => m.subject)).toEqual([
        'Your medical licence NY-777 expires in 60 days',
        'Your medical licence NY-777 expires in 14 days',
      ]);
      expect(toPhysician[0].text).toContain('expires on June 30, 2027');
      const toAdmin = sink.messagesTo(secondAdminEmail).filter((m) => m.subject.includes('expires in'));
      expect(toAdmin.map((m) => m.subject)).toEqual([
        'Licence of Paula Physician expires in 60 days',
        'Licence of Paula Physician expires in 14 days',
      ]);
      expect(toAdmin[0].text).toContain(`/desk/admin/licences/${physician.id}`);
      expect(notices()).toEqual(recipients.map(() => 2));

      // A renewed licence (a new expiry date) gets its own notices, when its own day comes. (The admin's earlier
      // session ended with the months the clock moved: a fresh one.)
      const later = await deskSession(t, ADMIN.email, ADMIN.password);
      const renewed = await post(later, `/desk/admin/licences/${physician.id}`, [
        ['displayName', 'Paula Physician'],
        ['credentials', 'MD'],
        ['affiliation', 'Alan Lucks MDPC Private Practice - New York'],
        ['specialties', 'neurology'],
        ['licenseNumber', 'NY-777'],
        ['licenseRegion', 'US-NY'],
        ['licenseExpiresOn', '2029-06-30'],
      ]);
      expect(renewed.status).toBe(303);
      expect(await runOn('2027-07-02')).toBe(0);
      expect(await runOn('2029-05-01')).toBe(each);
      t.clock.set(NOW);
    }, 120_000);
  });
});
