import Fastify from 'fastify';
import helmet from 'helmet';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HELMET_OPTIONS, registerSecurityHeaders, securityHeaders } from './security-headers.js';

/** The headers helmet's own middleware puts on a real Node response, run the usual way, per request. */
async function helmetPerRequest(): Promise<IncomingHttpHeaders> {
  const middleware = helmet({ ...HELMET_OPTIONS });
  const server = createServer((req, res) => {
    res.setHeader('X-Powered-By', 'test');
    middleware(req, res, () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`);
    return Object.fromEntries(response.headers.entries());
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const ANSWER_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

describe('securityHeaders', () => {
  it('decides the same headers helmet sets when it runs on every request', async () => {
    const expected = await helmetPerRequest();
    for (const name of ANSWER_HEADERS) delete expected[name];
    const decided = Object.fromEntries(
      securityHeaders().set.map(([name, value]) => [name.toLowerCase(), value]),
    );
    expect(decided).toEqual(expected);
    expect(Object.keys(decided).length).toBeGreaterThan(8);
  });

  it('keeps our policy: frames refused, scripts from our origin only, same-origin referrer', () => {
    const headers = new Map(securityHeaders().set.map(([name, value]) => [name.toLowerCase(), value]));
    expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(headers.get('content-security-policy')).toContain("object-src 'none'");
    expect(headers.get('referrer-policy')).toBe('same-origin');
    expect(securityHeaders().removed).toContain('X-Powered-By');
  });

  it('refuses options helmet refuses, at start-up', () => {
    expect(() =>
      securityHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ["'self'", 'not a source;'] } } }),
    ).toThrow();
  });

  it('puts them on every Fastify answer, errors and unknown routes included', async () => {
    const fastify = Fastify();
    registerSecurityHeaders(fastify);
    fastify.get('/ok', (_request, reply) => reply.send('ok'));
    fastify.get('/fails', () => {
      throw new Error('boom');
    });
    try {
      for (const url of ['/ok', '/fails', '/missing']) {
        const response = await fastify.inject({ method: 'GET', url });
        expect(response.headers['content-security-policy']).toContain("default-src 'self'");
        expect(response.headers['x-content-type-options']).toBe('nosniff');
        expect(response.headers['referrer-policy']).toBe('same-origin');
      }
    } finally {
      await fastify.close();
    }
  });
});
