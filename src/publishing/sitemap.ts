function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export interface SitemapEntry {
  loc: string;
  lastmod: Date;
}

const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n';
const TAIL = '</urlset>\n';

function urls(entries: SitemapEntry[]): string {
  return entries
    .map(
      (entry) =>
        `  <url><loc>${xmlEscape(entry.loc)}</loc><lastmod>${entry.lastmod.toISOString()}</lastmod></url>\n`,
    )
    .join('');
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
