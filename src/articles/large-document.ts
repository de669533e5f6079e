import type { ArticleContent } from './article-content.js';

const WORDS = [
  'patients',
  'dose',
  'baclofen',
  'spasticity',
  'renal',
  'clinical',
  'trial',
  'reduce',
  'risk',
  'therapy',
  'the',
  'of',
  'and',
  'with',
  'in',
  'withdrawal',
  'tolerance',
  'sedation',
  'monitoring',
  'weeks',
];

/** A deterministic pseudo-random sequence (Park–Miller), so that every run builds the same documents. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
}

function prose(length: number, next: () => number): string {
  let text = '';
  while (text.length < length) {
    text += WORDS[Math.floor(next() * WORDS.length)];
    text += next() < 0.05 ? '.\n\n' : ' ';
  }
  return text.slice(0, length);
}

/**
 * The hostile case of #15 §7, for tests and the diff benchmark: an article of `sections` sections of `chars`
 * characters each (40 × 20,000 = 800 KB, inside the 1 MiB body limit), and a second revision in which one word
 * in `every` is replaced throughout, so that a word diff has edits everywhere.
 */
export function largeRevisionPair(
  base: ArticleContent,
  options: { sections?: number; chars?: number; every?: number; seed?: number } = {},
): { before: ArticleContent; after: ArticleContent } {
  const { sections = 40, chars = 20_000, every = 10, seed = 7 } = options;
  const next = random(seed);
  const bodies = Array.from({ length: sections }, () => prose(chars, next));
  const before: ArticleContent = {
    ...base,
    sections: bodies.map((body, index) => ({ heading: `Part ${index + 1}`, body })),
  };
  const after: ArticleContent = {
    ...base,
    sections: bodies.map((body, index) => ({
      heading: `Part ${index + 1}`,
      body: body
        .split(' ')
        .map((word, position) => (position % every === 3 ? `${word}ly` : word))
        .join(' '),
    })),
  };
  return { before, after };
}
