const XML_SPECIAL = /[&<>"']/;

function xmlEscape(text: string): string {
  if (!XML_SPECIAL.test(text)) return text;
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export interface SitemapEntry {
  loc: string;
  /** A Date, or already its toISOString() (the directory export has PostgreSQL format it). */
  lastmod: Date | string;
}

const iso = (lastmod: Date | string): string =>
  typeof lastmod === 'string' ? lastmod : lastmod.toISOString();

/** sitemaps.org 0.9: at most 50,000 URLs in one sitemap file (and in one sitemap index) ... */
export const SITEMAP_URL_LIMIT = 50_000;
/** ... and at most 50 MB (52,428,800 bytes) uncompressed. */
export const SITEMAP_BYTE_LIMIT = 52_428_800;

/** The file (and public route) of the sitemap, and of the index that replaces it past the limit. */
export const SITEMAP_FILE = 'sitemap.xml';
/** Shards are numbered from 1. */
export const sitemapShardFile = (shard: number): string => `sitemap-${shard}.xml`;
/** `sitemap-<n>.xml`: a shard's file name, with n a whole number from 1. */
export const SITEMAP_SHARD_FILE = /^sitemap-([1-9][0-9]{0,8})\.xml$/;

const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n';
const TAIL = '</urlset>\n';
const INDEX_HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n';
const INDEX_TAIL = '</sitemapindex>\n';

function urls(entries: SitemapEntry[]): string {
  return entries
    .map(
      (entry) => `  <url><loc>${xmlEscape(entry.loc)}</loc><lastmod>${iso(entry.lastmod)}</lastmod></url>\n`,
    )
    .join('');
}

/** The bytes of one line of the urlset besides its location. */
const URL_LINE_OVERHEAD = urls([{ loc: '', lastmod: new Date(0) }]).length;

/**
 * How many URLs one sitemap file may list: `limit` (SITEMAP_URL_LIMIT outside tests), fewer only if
 * `limit` lines as long as `longestLoc` (the longest location the site can have) could pass 50 MB.
 */
export function sitemapUrlsPerFile(limit: number, longestLoc: string): number {
  const line = URL_LINE_OVERHEAD + Buffer.byteLength(xmlEscape(longestLoc), 'utf8');
  const fit = Math.floor((SITEMAP_BYTE_LIMIT - HEAD.length - TAIL.length) / line);
  return Math.max(1, Math.min(limit, SITEMAP_URL_LIMIT, fit));
}

/**
 * How a site of `urls` URLs is laid out: 0 when sitemap.xml lists them all (up to `perFile`), otherwise the
 * number of shards (sitemap-1.xml …, each `perFile` URLs in a stable order, the last one the rest) that
 * sitemap.xml indexes.
 */
export function sitemapShardCount(urls: number, perFile: number): number {
  return urls <= perFile ? 0 : Math.ceil(urls / perFile);
}

/** sitemap.xml (sitemaps.org 0.9) as a stream of chunks, one per batch of entries, for large sites. */
export async function* sitemapChunks(batches: AsyncIterable<SitemapEntry[]>): AsyncGenerator<string> {
  yield HEAD;
  for await (const batch of batches) yield urls(batch);
  yield TAIL;
}

export function sitemapXml(entries: SitemapEntry[]): string {
  return HEAD + urls(entries) + TAIL;
}

/** A sitemap index: each shard's location and the latest lastmod of its entries. */
export function sitemapIndexXml(shards: SitemapEntry[]): string {
  return (
    INDEX_HEAD +
    shards
      .map(
        (shard) =>
          `  <sitemap><loc>${xmlEscape(shard.loc)}</loc><lastmod>${iso(shard.lastmod)}</lastmod></sitemap>\n`,
      )
      .join('') +
    INDEX_TAIL
  );
}
