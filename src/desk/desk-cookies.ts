import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../core/config/app-config.js';

export interface DeskCookieNames {
  session: string;
  /** A random value that binds the CSRF token of the forms shown before signing in. */
  form: string;
}

/** `__Host-` (Secure, Path=/, no Domain: no other host or subdomain can set or read it) when served over https. */
export function cookieNames(config: AppConfig): DeskCookieNames {
  const prefix = isHttps(config) ? '__Host-' : '';
  return { session: `${prefix}mrs_session`, form: `${prefix}mrs_form` };
}

export function isHttps(config: AppConfig): boolean {
  return new URL(config.env.PUBLIC_BASE_URL).protocol === 'https:';
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** Adds a Set-Cookie header (HttpOnly, SameSite=Lax, Path=/, Secure over https); maxAge 0 deletes it. */
export function setCookie(
  reply: FastifyReply,
  config: AppConfig,
  name: string,
  value: string,
  maxAgeSeconds: number,
): void {
  const attributes = [
    `${name}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
  ];
  if (isHttps(config)) attributes.push('Secure');
  const existing = reply.getHeader('set-cookie');
  const list = Array.isArray(existing) ? existing : existing ? [String(existing)] : [];
  void reply.header('set-cookie', [...list, attributes.join('; ')]);
}
