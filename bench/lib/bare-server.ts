/**
 * The reference for bench/public-page.ts: a bare Fastify 5 server (the version the service runs on, no Nest, no
 * database, no logging, no plugins) serving the same pages from memory with the same content type, in the coding
 * Accept-Encoding asks for (brotli and gzip made once at start, as the service keeps them).
 *
 *   node dist/bench/bench/lib/bare-server.js <pages.json> <port> [--service-headers]
 *
 * pages.json: { "contentType": "...", "pages": { "<slug>": "<html>" }, "documents": { "<path>": { "contentType":
 * "...", "body": "..." } } } (documents: the index and the sitemap, each at its own path). Prints
 * `listening on <port>`.
 *
 * `--service-headers`: the same server sending the headers the service sends, set the way the service sets them:
 * the security headers and a uuid request id from the service's own onRequest hook (registerSecurityHeaders), and
 * ETag, Cache-Control, Vary and the coding from the service's own sendEncoded. Still no Nest, no database, no
 * logging: what is left between it and the service is the service's framework, not its headers.
 */
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { registerSecurityHeaders } from '../../src/core/http/security-headers.js';
import {
  chooseCoding,
  encodePage,
  type EncodedPage,
  sendEncoded,
} from '../../src/publishing/encoded-page.js';
import { PUBLIC_CACHE_CONTROL } from '../../src/publishing/public-site.controller.js';

interface Pages {
  contentType: string;
  pages: Record<string, string>;
  documents?: Record<string, { contentType: string; body: string }>;
}

async function main(): Promise<void> {
  const [file, port, ...flags] = process.argv.slice(2);
  const serviceHeaders = flags.includes('--service-headers');
  const { contentType, pages, documents = {} } = JSON.parse(readFileSync(file, 'utf8')) as Pages;
  const bodies = new Map(
    Object.entries(pages).map(([slug, html]) => [slug, encodePage(html, '"bare"', contentType)]),
  );
  const app = serviceHeaders
    ? Fastify({ logger: false, genReqId: () => randomUUID() })
    : Fastify({ logger: false });
  if (serviceHeaders) registerSecurityHeaders(app);
  const send = (
    request: Parameters<typeof sendEncoded>[0],
    reply: Parameters<typeof sendEncoded>[1],
    encoded: EncodedPage,
  ) => {
    if (serviceHeaders) return sendEncoded(request, reply, encoded, PUBLIC_CACHE_CONTROL);
    const coding = chooseCoding(request.headers['accept-encoding']);
    if (coding !== 'identity')
      void reply.header('content-encoding', coding).header('vary', 'Accept-Encoding');
    return reply.header('content-type', encoded.contentType).send(encoded[coding]);
  };
  app.get<{ Params: { slug: string } }>('/public/articles/:slug', (request, reply) => {
    const body = bodies.get(request.params.slug);
    if (!body) return reply.status(404).send();
    return send(request, reply, body);
  });
  for (const [path, document] of Object.entries(documents)) {
    const encoded = encodePage(document.body, '"bare"', document.contentType);
    app.get(path, (request, reply) => send(request, reply, encoded));
  }
  await app.listen({ host: '127.0.0.1', port: Number(port) });
  console.log(`listening on ${port}`);
  const close = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
