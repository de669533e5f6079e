/** Where to go after signing in: only a path of the desk on this origin, never another site. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000) return '/desk';
  if (!next.startsWith('/desk') || next.includes('\\') || hasControlCharacter(next)) return '/desk';
  let url: URL;
  try {
    url = new URL(next, 'http://desk.invalid');
  } catch {
    return '/desk';
  }
  if (url.origin !== 'http://desk.invalid') return '/desk';
  if (url.pathname !== '/desk' && !url.pathname.startsWith('/desk/')) return '/desk';
  return `${url.pathname}${url.search}`;
}

function hasControlCharacter(text: string): boolean {
  return Array.from(text).some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);
}

/** The fixed sentences a redirect may ask a page to show (the query names one; its text is never echoed). */
export const NOTICES = {
  'signed-out': 'You are signed out.',
  reset: 'Your new password is saved, and every earlier session has ended. Sign in with it.',
  changed: 'Your password is changed. Every other session and API token you had has ended.',
  welcome: 'Your password is saved and you are signed in.',
  expired: 'Your session ended. Sign in again to continue.',
} as const;

export function notice(key: unknown): string | null {
  return typeof key === 'string' && Object.hasOwn(NOTICES, key) ? NOTICES[key as keyof typeof NOTICES] : null;
}
