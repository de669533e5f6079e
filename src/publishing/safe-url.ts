/**
 * Writers type reference and image URLs. Only absolute http(s) URLs reach a page; anything else (javascript:,
 * data:, vbscript:, relative or malformed) is dropped. The WHATWG parser strips the tabs, newlines and leading
 * control characters that browsers ignore, so "java\tscript:" is seen for what it is.
 */
export function httpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

/** The base URL without trailing slashes, so paths can be appended with one "/". */
export function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}
