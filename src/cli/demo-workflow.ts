import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

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
}

class DemoError extends Error {}

/** A JSON body as the demo reads it: only the fields it prints or passes on. */
interface Json {
  [key: string]: unknown;
  id?: string;
  slug?: string;
  contentHash?: string;
  reviewerId?: string;
  accessToken?: string;
  publicUrl?: string;
  nextReviewDueAt?: string;
  changes?: { path: string }[];
  signOff?: { byline: string };
}

/** The whole workflow, driven through the public HTTP API exactly as the people who use it would. */
export async function runDemoWorkflow(options: DemoOptions): Promise<DemoResult> {
  const { baseUrl, log } = options;
  const call = async (
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
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
    return {
      status: response.status,
      body: json as Json,
      etag: response.headers.get('etag') ?? '',
      text,
    };
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

  log('2. The writer drafts the seed article "Is Baclofen a Benzodiazepine?" from the fixture');
  const content = JSON.parse(readFileSync(options.seedFile, 'utf8')) as Record<string, unknown> & {
    keyTakeaways: string[];
  };
  const draft = await call('POST', '/articles', writer.token, content);
  const articleId = draft.body.id as string;
  log(`   article ${articleId}, revision 1, content hash ${String(draft.body.contentHash).slice(0, 12)}…`);

  log('3. The writer submits it for medical review');
  await call('POST', `/articles/${articleId}/submit`, writer.token);

  log('4. The editor assigns a reviewer (automatic choice by specialty, licence and load)');
  const assignment = await call('POST', `/articles/${articleId}/assignments`, editor.token, {});
  log(
    `   assigned to ${assignment.body.reviewerId === alan.id ? 'Alan Lucks, MD' : assignment.body.reviewerId}`,
  );
  await call('POST', `/assignments/${assignment.body.id}/accept`, alan.token);
  log('   Alan accepts the assignment');

  log('5. Alan reads revision 1 and requests a change');
  await call('POST', `/articles/${articleId}/reviews`, alan.token, {
    decision: 'request_changes',
    revision: 1,
    comments: 'Add a takeaway on the FDA boxed warning for benzodiazepines.',
  });

  log('6. The writer makes the change (revision 2) and resubmits');
  const current = await call('GET', `/articles/${articleId}`, writer.token);
  await call(
    'PATCH',
    `/articles/${articleId}`,
    writer.token,
    {
      keyTakeaways: [
        ...content.keyTakeaways,
        'Benzodiazepines carry an FDA boxed warning about abuse, dependence and withdrawal; baclofen does not.',
      ],
      changeNote: 'Added the FDA boxed warning, as the reviewer asked',
    },
    { 'if-match': current.etag },
  );
  await call('POST', `/articles/${articleId}/submit`, writer.token);
  const diff = await call('GET', `/articles/${articleId}/diff?from=1&to=2`, alan.token);
  log(`   what changed since revision 1: ${(diff.body.changes ?? []).map((c) => c.path).join(', ')}`);

  log('7. Alan re-enters his password and signs revision 2');
  const signed = await call('POST', `/articles/${articleId}/reviews`, alan.token, {
    decision: 'approve',
    revision: 2,
    password: alan.password,
  });
  const byline = signed.body.signOff?.byline ?? '';
  log(`   "${byline}"`);

  log('8. The publisher publishes the signed revision');
  const publication = await call('POST', `/articles/${articleId}/publish`, publisher.token, {});
  const publicUrl = String(publication.body.publicUrl);
  const page = await call('GET', new URL(publicUrl).pathname);
  if (!page.text.includes('Medically reviewed by')) throw new DemoError('the public page has no byline');
  log(`   live at ${publicUrl}`);
  const exportedFile = resolve(join(options.publishDir, String(draft.body.slug), 'index.html'));
  await waitFor(() => existsSync(exportedFile), 15_000, 'the directory export');
  log(`   exported to ${exportedFile}`);

  const article = await call('GET', `/articles/${articleId}`, editor.token);
  log(
    `9. A compressed re-review cycle: next review due ${String(article.body.nextReviewDueAt)}; waiting for the reminder…`,
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
  return { articleId, publicUrl, exportedFile, byline, reminderEmail: resolve(reminderEmail) };
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
