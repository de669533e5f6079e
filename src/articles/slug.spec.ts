import { firstFreeSlug, SLUG_MAX_LENGTH, SLUG_PATTERN, slugFromTitle, withSuffix } from './slug.js';

describe('slugs', () => {
  it.each([
    ['Is Baclofen a Benzodiazepine?', 'is-baclofen-a-benzodiazepine'],
    ['Ärzte über Ödeme: Ça va?', 'arzte-uber-odeme-ca-va'],
    ['北京的医学', 'bei-jing-de-yi-xue'],
    ['💊 Pills & 🧠 brains', 'pills-brains'],
    ['  --Spaces   and__underscores--  ', 'spaces-and-underscores'],
    ['🧠💊', 'article'],
  ])('derives %j -> %j', (title, slug) => {
    expect(slugFromTitle(title)).toBe(slug);
    expect(slug).toMatch(SLUG_PATTERN);
  });

  it('stays within the maximum length and never ends with a hyphen', () => {
    const slug = slugFromTitle('word '.repeat(100));
    expect(slug.length).toBeLessThanOrEqual(SLUG_MAX_LENGTH);
    expect(slug).toMatch(SLUG_PATTERN);
    const suffixed = withSuffix(slug, 12);
    expect(suffixed.length).toBeLessThanOrEqual(SLUG_MAX_LENGTH);
    expect(suffixed).toMatch(/-12$/);
    expect(suffixed).toMatch(SLUG_PATTERN);
  });

  it('appends -2, -3, … to a taken slug', () => {
    expect(firstFreeSlug('baclofen', new Set())).toBe('baclofen');
    expect(firstFreeSlug('baclofen', new Set(['baclofen']))).toBe('baclofen-2');
    expect(firstFreeSlug('baclofen', new Set(['baclofen', 'baclofen-2', 'baclofen-4']))).toBe('baclofen-3');
  });
});
