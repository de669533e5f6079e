import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createApiClient, ok, type ApiSchemas } from '../api-client/client.js';

export interface DemoOptions {
  baseUrl: string;
  adminEmail: string;
  adminPassword: string;
  seedFile: string;
  mailDir: string;
  publishDir: string;
  /** How long to wait for the first re-review reminder to be written. */
  reminderTimeoutMs: number;
  log: (line: string) => void;
}

export interface DemoResult {
  articleId: string;
  publicUrl: string;
  exportedFile: string;
  byline: string;
  reminderEmail: string;
  /** The demo people and the passwords they chose, so a newcomer can sign in to the desk as each of them. */
  people: { name: string; email: string; password: string }[];
}

class DemoError extends Error {}

/** A JSON body as the demo reads it: only the fields it prints or passes on. */
interface Json {
  [key: string]: unknown;
  id?: string;
  accessToken?: string;
}

/** The whole workflow, driven through the public HTTP API exactly as the people who use it would. */
export async function runDemoWorkflow(options: DemoOptions): Promise<DemoResult> {
  const { baseUrl, log } = options;
  // Logging in and creating the team (step 1) use plain fetch; every later call uses the generated client.
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json =
      text && response.headers.get('content-type')?.includes('json')
        ? (JSON.parse(text) as Record<string, unknown>)
        : {};
    if (response.status >= 400) {
      const message = typeof json.message === 'string' ? json.message : text.slice(0, 200);
      throw new DemoError(`${method} ${path} answered ${response.status}: ${message}`);
    }
    return { body: json as Json };
  };
  const login = async (email: string, password: string) =>
    (await call('POST', '/auth/login', undefined, { email, password })).body.accessToken as string;

  const admin = await login(options.adminEmail, options.adminPassword);
  const invitedSince = Date.now() - 1000;
  // The admin invites; each person opens the invitation e-mail and chooses a password nobody else knows.
  const person = async (name: string, email: string, roles: string[]) => {
    const created = await call('POST', '/users', admin, { email, name, roles });
    const token = await waitFor(
      () => invitationToken(options.mailDir, email, invitedSince),
      30_000,
      `the invitation e-mail to ${email}`,
    );
    const password = `demo pass phrase ${randomBytes(6).toString('hex')}`;
    const accepted = await call('POST', '/auth/invitations/accept', undefined, { token, password });
    return { id: created.body.id as string, token: String(accepted.body.accessToken), password, email };
  };

  log('1. The admin invites the team: a writer, a physician reviewer, an editor and a publisher;');
  log('   each chooses their own password from the link in their invitation e-mail');
  const writer = await person('Wendy Writer', 'writer@demo.example', ['writer']);
  const alan = await person('Alan Lucks', 'alan.lucks@demo.example', ['reviewer']);
  const editor = await person('Eddie Editor', 'editor@demo.example', ['editor']);
  const publisher = await person('Pat Publisher', 'publisher@demo.example', ['publisher']);
  await call('PUT', `/users/${alan.id}/reviewer-profile`, admin, {
    displayName: 'Alan Lucks',
    credentials: 'MD',
    affiliation: 'Alan Lucks MDPC Private Practice - New York',
    specialties: ['neurology'],
    licenseNumber: 'NY-209431',
    licenseRegion: 'US-NY',
    licenseExpiresOn: '2030-06-30',
  });
  log(
    '   Alan Lucks, MD (Alan Lucks MDPC Private Practice - New York), neurology, licence valid to 2030-06-30',
  );

  // From here on every call goes through the client generated from the OpenAPI document (src/api-client).
  const api = (token: string) => createApiClient(baseUrl, token);
  const asWriter = api(writer.token);
  const asEditor = api(editor.token);
  const asAlan = api(alan.token);
  const asPublisher = api(publisher.token);

  log('2. The writer drafts the seed article "Is Baclofen a Benzodiazepine?" from the fixture');
  const content = JSON.parse(readFileSync(options.seedFile, 'utf8')) as ApiSchemas['CreateArticleDto'];
  const { data: draft } = await ok('POST /articles', asWriter.POST('/articles', { body: content }));
  const articleId = draft.id;
  const path = { id: articleId };
  log(`   article ${articleId}, revision 1, content hash ${draft.contentHash.slice(0, 12)}…`);

  log('3. The writer submits it for medical review');
  await ok('submit', asWriter.POST('/articles/{id}/submit', { params: { path } }));

  log('4. The editor assigns a reviewer (automatic choice by specialty, licence and load)');
  const { data: assignment } = await ok(
    'assign',
    asEditor.POST('/articles/{id}/assignments', { params: { path }, body: {} }),
  );
  log(`   assigned to ${assignment.reviewerId === alan.id ? 'Alan Lucks, MD' : assignment.reviewerId}`);
  await ok('accept', asAlan.POST('/assignments/{id}/accept', { params: { path: { id: assignment.id } } }));
  log('   Alan accepts the assignment');

  log('5. Alan reads revision 1 and requests a change');
  await ok(
    'request changes',
    asAlan.POST('/articles/{id}/reviews', {
      params: { path },
      body: {
        decision: 'request_changes',
        revision: 1,
        comments: 'Add a takeaway on the FDA boxed warning for benzodiazepines.',
      },
    }),
  );

  log('6. The writer makes the change (revision 2) and resubmits');
  const current = await ok('GET article', asWriter.GET('/articles/{id}', { params: { path } }));
  await ok(
    'PATCH article',
    asWriter.PATCH('/articles/{id}', {
      params: { path, header: { 'If-Match': current.response.headers.get('etag') ?? '' } },
      body: {
        keyTakeaways: [
          ...(content.keyTakeaways ?? []),
          'Benzodiazepines carry an FDA boxed warning about abuse, dependence and withdrawal; baclofen does not.',
        ],
        changeNote: 'Added the FDA boxed warning, as the reviewer asked',
      },
    }),
  );
  await ok('resubmit', asWriter.POST('/articles/{id}/submit', { params: { path } }));
  const { data: diff } = await ok(
    'diff',
    asAlan.GET('/articles/{id}/diff', { params: { path, query: { from: 1, to: 2 } } }),
  );
  log(`   what changed since revision 1: ${diff.changes.map((c) => c.path).join(', ')}`);

  log('7. Alan re-enters his password and signs revision 2');
  const { data: signed } = await ok(
    'approve',
    asAlan.POST('/articles/{id}/reviews', {
      params: { path },
      body: { decision: 'approve', revision: 2, password: alan.password },
    }),
  );
  const byline = signed.signOff?.byline ?? '';
  log(`   "${byline}"`);

  log('8. The publisher publishes the signed revision');
  const { data: publication, response: published } = await ok(
    'publish',
    asPublisher.POST('/articles/{id}/publish', { params: { path }, body: {} }),
  );
  if (published.status !== 200 || !('publicUrl' in publication))
    throw new DemoError(`publish answered ${published.status}, not a publication`);
  const publicUrl = publication.publicUrl;
  const { data: page } = await ok(
    'public page',
    createApiClient(baseUrl).GET('/public/articles/{slug}', {
      params: { path: { slug: publication.slug } },
      parseAs: 'text',
    }),
  );
  if (!page.includes('Medically reviewed by')) throw new DemoError('the public page has no byline');
  log(`   live at ${publicUrl}`);
  const exportedFile = resolve(join(options.publishDir, draft.slug, 'index.html'));
  await waitFor(() => existsSync(exportedFile), 15_000, 'the directory export');
  log(`   exported to ${exportedFile}`);

  const { data: article } = await ok('GET article', asEditor.GET('/articles/{id}', { params: { path } }));
  log(
    `9. A compressed re-review cycle: next review due ${String(article.nextReviewDueAt)}; waiting for the reminder…`,
  );
  const started = Date.now();
  const reminderEmail = await waitFor(
    () => {
      if (!existsSync(options.mailDir)) return undefined;
      return readdirSync(options.mailDir)
        .filter((name) => name.endsWith('.eml'))
        .map((name) => join(options.mailDir, name))
        .filter((file) => statSync(file).mtimeMs >= started - 60_000)
        .find((file) => /^Subject: .*re-review/im.test(readFileSync(file, 'utf8')));
    },
    options.reminderTimeoutMs,
    'the re-review reminder email',
  );
  const subject = /^Subject: (.*)$/m.exec(readFileSync(reminderEmail, 'utf8'))?.[1] ?? '';
  log(`   reminder to alan.lucks@demo.example: "${subject}"`);
  const people = [
    { name: 'Wendy Writer', ...writer },
    { name: 'Alan Lucks', ...alan },
    { name: 'Eddie Editor', ...editor },
    { name: 'Pat Publisher', ...publisher },
  ].map(({ name, email, password }) => ({ name, email, password }));
  return { articleId, publicUrl, exportedFile, byline, reminderEmail: resolve(reminderEmail), people };
}

/** The token of the newest invitation e-mail to `email` written to the mail folder (quoted-printable or not). */
function invitationToken(mailDir: string, email: string, since: number): string | undefined {
  if (!existsSync(mailDir)) return undefined;
  const found = readdirSync(mailDir)
    .filter((name) => name.endsWith('.eml'))
    .map((name) => join(mailDir, name))
    .filter((file) => statSync(file).mtimeMs >= since)
    .map((file) => ({
      file,
      text: readFileSync(file, 'utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=3D/gi, '='),
    }))
    .filter(({ text }) => new RegExp(`^To: .*${email.replace(/[.+]/g, '\\$&')}`, 'mi').test(text))
    .map(({ file, text }) => ({
      mtime: statSync(file).mtimeMs,
      token: /\/desk\/account\/setup\?token=([A-Za-z0-9_-]{43})/.exec(text)?.[1],
    }))
    .filter((entry) => entry.token)
    .sort((a, b) => b.mtime - a.mtime);
  return found[0]?.token;
}

async function waitFor<T>(check: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new DemoError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolveTimer) => setTimeout(resolveTimer, 250));
  }
}
