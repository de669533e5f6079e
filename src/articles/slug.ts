import { slugify } from 'transliteration';

export const SLUG_MAX_LENGTH = 120;
/** Lower-case a-z, 0-9 and single hyphens between them: what a public URL path segment may be. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Used when a title has nothing that transliterates to a-z0-9 (an emoji-only title, say). */
const FALLBACK_SLUG = 'article';

function tidy(text: string): string {
  return text
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/-+$/, '');
}

/** A URL slug from a title in any script: "Ärzte über Ödeme" -> "arzte-uber-odeme", "北京" -> "bei-jing". */
export function slugFromTitle(title: string): string {
  return tidy(slugify(title, { lowercase: true, separator: '-' })) || FALLBACK_SLUG;
}

/** The slug with a numeric suffix ("-2", "-3", …), shortened so that the result stays within the limit. */
export function withSuffix(slug: string, n: number): string {
  const suffix = `-${n}`;
  return `${slug.slice(0, SLUG_MAX_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`;
}

/** The first of `base`, `base-2`, `base-3`, … that is not taken. */
export function firstFreeSlug(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = withSuffix(base, n);
    if (!taken.has(candidate)) return candidate;
  }
}
