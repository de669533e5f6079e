/** Small readers of the rendered pages, for asserting what a reader of the page would see. */

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#x27': "'",
  '#39': "'",
  '#x3D': '=',
  '#x60': '`',
};

export function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#x27|#39|#x3D|#x60);/g, (_, name: string) => ENTITIES[name]);
}

/** The visible text of an HTML fragment, whitespace collapsed. */
export function textOf(html: string): string {
  return decode(
    html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' '),
  )
    .replace(/\s+/g, ' ')
    .replace(/ ([,.!?;:])/g, '$1')
    .trim();
}

/** The inner HTML of the first element with this class. */
export function byClass(html: string, tag: string, className: string): string | undefined {
  const match = new RegExp(`<${tag} class="${className}"[^>]*>([\\s\\S]*?)</${tag}>`).exec(html);
  return match?.[1];
}

export function all(html: string, pattern: RegExp): string[] {
  return [
    ...html.matchAll(
      new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'),
    ),
  ].map((m) => m[1]);
}

export function headings(html: string, level: 1 | 2 | 3): string[] {
  return all(html, new RegExp(`<h${level}[^>]*>([\\s\\S]*?)</h${level}>`)).map(textOf);
}

export interface JsonLdNode {
  '@type': string;
  [key: string]: unknown;
}

export function jsonLd(html: string): { '@context': string; '@graph': JsonLdNode[] } {
  const match = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error('no JSON-LD in the page');
  return JSON.parse(match[1]) as { '@context': string; '@graph': JsonLdNode[] };
}

export function node(html: string, type: string): JsonLdNode {
  const found = jsonLd(html)['@graph'].find((n) => n['@type'] === type);
  if (!found) throw new Error(`no ${type} in the JSON-LD`);
  return found;
}

export function meta(html: string, attribute: 'name' | 'property', key: string): string | undefined {
  const match = new RegExp(`<meta ${attribute}="${key}" content="([^"]*)">`).exec(html);
  return match ? decode(match[1]) : undefined;
}
