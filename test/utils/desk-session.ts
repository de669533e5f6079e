import type { TestApp } from './test-app.js';

/** The cookies of a Set-Cookie list as one Cookie header (name=value; …), later ones replacing earlier ones. */
function mergeCookies(header: string, setCookies: string[] | string | undefined): string {
  const jar = new Map(
    header
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)] as const),
  );
  for (const line of ([] as string[]).concat(setCookies ?? [])) {
    const [pair] = line.split(';');
    const index = pair.indexOf('=');
    jar.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** The `_csrf` value of the first form of a page. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]*)"/.exec(html);
  if (!match) throw new Error('the page has no form with a CSRF token');
  return match[1];
}

export interface DeskSession {
  cookie: string;
  origin: string;
  /** A page as the signed-in browser gets it. */
  get(path: string): Promise<{ status: number; text: string; headers: Record<string, string> }>;
  /** Posts a form the way the browser does: same Origin and the session's CSRF token, unless told otherwise. */
  post(
    path: string,
    fields: Record<string, string>,
    options?: { origin?: string | null; csrf?: string | null },
  ): Promise<{ status: number; text: string; headers: Record<string, string> }>;
}

/** Signs in through the desk's login form, as a browser would, and returns the session's cookie. */
export async function deskSession(t: TestApp, email: string, password: string): Promise<DeskSession> {
  const origin = t.env.PUBLIC_BASE_URL ?? 'http://localhost:3000';
  const loginPage = await t.http().get('/desk/login');
  let cookie = mergeCookies('', loginPage.headers['set-cookie']);
  const login = await t
    .http()
    .post('/desk/login')
    .set('Cookie', cookie)
    .set('Origin', origin)
    .type('form')
    .send({ _csrf: csrfOf(loginPage.text), email, password, next: '/desk' });
  if (login.status !== 303) throw new Error(`desk login failed: ${login.status} ${login.text.slice(0, 300)}`);
  cookie = mergeCookies(cookie, login.headers['set-cookie']);
  // Every signed-in page carries the session's token (the layout's sign-out form at least).
  const token = csrfOf((await t.http().get('/desk/reviews').set('Cookie', cookie)).text);
  const session: DeskSession = {
    cookie,
    origin,
    async get(path) {
      const res = await t.http().get(path).set('Cookie', cookie);
      return { status: res.status, text: res.text, headers: res.headers };
    },
    async post(path, fields, options = {}) {
      const csrf = options.csrf === undefined ? token : options.csrf;
      const request = t.http().post(path).set('Cookie', cookie).type('form');
      const sentOrigin = options.origin === undefined ? origin : options.origin;
      if (sentOrigin !== null) request.set('Origin', sentOrigin);
      const res = await request.send({ ...fields, ...(csrf === null ? {} : { _csrf: csrf }) });
      return { status: res.status, text: res.text, headers: res.headers };
    },
  };
  return session;
}
