import type { FastifyReply, FastifyRequest } from 'fastify';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** A public document with its compressed forms, made once when it enters the cache (#15 §2). */
export interface EncodedPage {
  etag: string;
  contentType: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

export type ContentCoding = 'br' | 'gzip' | 'identity';

/** Beyond this size brotli's quality drops (a 50,000-URL sitemap at quality 11 would take seconds). */
const BROTLI_FAST_ABOVE = 200_000;

export function encodePage(body: string | Buffer, etag: string, contentType: string): EncodedPage {
  const identity = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return {
    etag,
    contentType,
    identity,
    gzip: gzipSync(identity, { level: 9 }),
    br: brotliCompressSync(identity, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: identity.length > BROTLI_FAST_ABOVE ? 5 : 11,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: identity.length,
      },
    }),
  };
}

/**
 * The coding to send for an Accept-Encoding header (RFC 9110 §12.5.3): brotli, then gzip, among those the
 * client accepts with q > 0 (`*` counts for both); identity otherwise.
 */
export function chooseCoding(acceptEncoding: string | string[] | undefined): ContentCoding {
  const header = Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : (acceptEncoding ?? '');
  // Browsers send a handful of distinct headers: parse each once (a public page's CPU is counted in µs).
  const known = codingOf.get(header);
  if (known) return known;
  const coding = parseCoding(header);
  if (header.length <= 256) {
    if (codingOf.size >= 256) codingOf.clear();
    codingOf.set(header, coding);
  }
  return coding;
}

/** Accept-Encoding header to the coding chosen for it; bounded (cleared when full). */
const codingOf = new Map<string, ContentCoding>();

function parseCoding(header: string): ContentCoding {
  const quality = new Map<string, number>();
  for (const item of header.split(',')) {
    const [name, ...params] = item.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((param) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(param)).find(Boolean);
    const value = q ? Number(q[1]) : 1;
    quality.set(name, Number.isFinite(value) ? value : 0);
  }
  const accepts = (coding: string) => (quality.get(coding) ?? quality.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip') || (quality.get('x-gzip') ?? 0) > 0) return 'gzip';
  return 'identity';
}

export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}

/**
 * Sends a page's bytes in the coding the client accepts, with `Vary: Accept-Encoding` (on 304 too), or 304 when
 * If-None-Match names its ETag. The ETag is the same for every coding: it names the document, and caches keep
 * the codings apart by Vary.
 */
export function sendEncoded(
  request: FastifyRequest,
  reply: FastifyReply,
  page: EncodedPage,
  cacheControl: string,
): FastifyReply {
  void reply
    .header('etag', page.etag)
    .header('cache-control', cacheControl)
    .header('vary', 'Accept-Encoding');
  if (etagMatches(request.headers['if-none-match'], page.etag)) return reply.status(304).send();
  const coding = chooseCoding(request.headers['accept-encoding']);
  if (coding !== 'identity') void reply.header('content-encoding', coding);
  return reply.status(200).header('content-type', page.contentType).send(page[coding]);
}
