import { ApiError } from '../core/http/api-error.js';

/** The ETag of an article: its version, quoted. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

const IF_MATCH = /^(?:W\/)?"(\d{1,9})"$|^(\d{1,9})$/;

/**
 * The version a client says it edited, from If-Match: `"3"`, `3` or `W/"3"`. Undefined when the header is
 * absent; 400 when it is something else (a list, `*`), because only an exact version makes an edit safe.
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = IF_MATCH.exec(header.trim());
  if (!match) {
    throw ApiError.badRequest('If-Match must be the article version from its ETag, such as "3"', [
      { field: 'If-Match', reason: 'must be one version, such as "3"' },
    ]);
  }
  return Number(match[1] ?? match[2]);
}

/** Whether If-None-Match names this ETag (or `*`); weak and strong forms compare equal, as for GET. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}
