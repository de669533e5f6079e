/**
 * The reference for bench/public-page.ts: a bare Fastify 5 server (the version the service runs on, no Nest, no
 * database, no logging, no plugins) serving the same pages from memory with the same content type, in the coding
 * Accept-Encoding asks for (brotli and gzip made once at start, as the service keeps them).
 *
 *   node dist/bench/bench/lib/bare-server.js <pages.json> <port>
 *
 * pages.json: { "contentType": "...", "pages": { "<slug>": "<html>" }, "documents": { "<path>": { "contentType":
 * "...", "body": "..." } } } (documents: the index and the sitemap, each at its own path). Prints
 * `listening on <port>`.
 */
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';
import { chooseCoding, encodePage } from '../../src/publishing/encoded-page.js';

interface Pages {
  contentType: string;
  pages: Record<string, string>;
  documents?: Record<string, { contentType: string; body: string }>;
}

async function main(): Promise<void> {
  const [file, port] = process.argv.slice(2);
  const { contentType, pages, documents = {} } = JSON.parse(readFileSync(file, 'utf8')) as Pages;
  const bodies = new Map(
    Object.entries(pages).map(([slug, html]) => [slug, encodePage(html, '"bare"', contentType)]),
  );
  const app = Fastify({ logger: false });
  app.get<{ Params: { slug: string } }>('/public/articles/:slug', (request, reply) => {
    const body = bodies.get(request.params.slug);
    if (!body) return reply.status(404).send();
    const coding = chooseCoding(request.headers['accept-encoding']);
    if (coding !== 'identity')
      void reply.header('content-encoding', coding).header('vary', 'Accept-Encoding');
    return reply.header('content-type', contentType).send(body[coding]);
  });
  for (const [path, document] of Object.entries(documents)) {
    const encoded = encodePage(document.body, '"bare"', document.contentType);
    app.get(path, (request, reply) => {
      const coding = chooseCoding(request.headers['accept-encoding']);
      if (coding !== 'identity')
        void reply.header('content-encoding', coding).header('vary', 'Accept-Encoding');
      return reply.header('content-type', document.contentType).send(encoded[coding]);
    });
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
