import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../core/config/app-config.js';
import { cookieNames, readCookie, setCookie } from './desk-cookies.js';

const config = (url: string) => ({ env: { PUBLIC_BASE_URL: url } }) as AppConfig;

function fakeReply() {
  const headers: Record<string, unknown> = {};
  const reply = {
    getHeader: (name: string) => headers[name],
    header: (name: string, value: unknown) => {
      headers[name] = value;
      return reply;
    },
  };
  return { reply: reply as unknown as FastifyReply, headers };
}

describe('desk cookies', () => {
  it('are __Host- prefixed and Secure over https, HttpOnly and SameSite=Lax always', () => {
    const https = config('https://desk.example.org');
    expect(cookieNames(https)).toEqual({ session: '__Host-mrs_session', form: '__Host-mrs_form' });
    const { reply, headers } = fakeReply();
    setCookie(reply, https, '__Host-mrs_session', 'abc', 43200);
    expect(headers['set-cookie']).toEqual([
      '__Host-mrs_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure',
    ]);
  });

  it('over plain http (a developer machine) have no prefix and no Secure, which the browser would refuse', () => {
    const http = config('http://localhost:3000');
    expect(cookieNames(http).session).toBe('mrs_session');
    const { reply, headers } = fakeReply();
    setCookie(reply, http, 'mrs_session', 'abc', 60);
    setCookie(reply, http, 'mrs_form', '', 0);
    expect(headers['set-cookie']).toEqual([
      'mrs_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60',
      'mrs_form=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0',
    ]);
  });

  it('reads one cookie out of the header', () => {
    const request = { headers: { cookie: 'a=1; mrs_session=xyz; b=2' } } as unknown as FastifyRequest;
    expect(readCookie(request, 'mrs_session')).toBe('xyz');
    expect(readCookie(request, 'missing')).toBeUndefined();
  });
});
