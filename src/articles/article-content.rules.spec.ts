import { readFileSync } from 'node:fs';
import type { ArticleContent } from './article-content.js';
import {
  changedFields,
  EMPTY_CONTENT,
  hashContent,
  missingForReview,
  normaliseContent,
  searchText,
} from './article-content.rules.js';

const seed = (): ArticleContent =>
  JSON.parse(readFileSync(new URL('../../test/fixtures/seed-article.json', import.meta.url), 'utf8'));

/** The same object with its keys in reverse order, at every level. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, item]) => [key, reverseKeys(item)]),
    );
  }
  return value;
}

describe('content hash', () => {
  it('is a SHA-256 in hex, the same for the same content whatever the key order or JSON whitespace', () => {
    const content = seed();
    const hash = hashContent(content);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashContent(reverseKeys(content) as ArticleContent)).toBe(hash);
    expect(hashContent(JSON.parse(JSON.stringify(content, null, 4)))).toBe(hash);
  });

  it('does not change when an optional image field is omitted instead of null', () => {
    const withNulls = seed();
    withNulls.images = [{ url: 'https://x.example/a.jpg', alt: 'A', caption: null, sectionIndex: null }];
    const omitted = seed();
    omitted.images = [{ url: 'https://x.example/a.jpg', alt: 'A' }];
    expect(hashContent(omitted)).toBe(hashContent(withNulls));
  });

  it('changes with anything a reader could see: one character, whitespace, order of sections, a reference year', () => {
    const base = hashContent(seed());
    const edits: ((content: ArticleContent) => void)[] = [
      (c) => (c.title += '!'),
      (c) => (c.sections[2].body = c.sections[2].body.replace('anxiety', 'Anxiety')),
      (c) => (c.sections[2].body += ' '),
      (c) => (c.sections[0].body = c.sections[0].body.replace('\n\n', '\n\n\n')),
      (c) => (c.sections = [c.sections[1], c.sections[0], ...c.sections.slice(2)]),
      (c) => (c.keyTakeaways[3] = c.keyTakeaways[3].replace('.', '')),
      (c) => (c.references[0].year = 2025),
      (c) => (c.images[0].alt = c.images[0].alt.toLowerCase()),
      (c) => (c.faq[1].question = c.faq[1].question.replace('?', ' ?')),
      (c) => (c.title = c.title.normalize('NFD').replace('e', 'e\u0301')),
    ];
    const hashes = edits.map((edit) => {
      const content = seed();
      edit(content);
      return hashContent(content);
    });
    for (const hash of hashes) expect(hash).not.toBe(base);
    expect(new Set(hashes).size).toBe(edits.length);
  });
});

describe('changedFields', () => {
  it('names the top-level fields that differ, whatever the key order', () => {
    const after = seed();
    after.description += ' More.';
    after.faq[0].answer = 'Changed.';
    expect(changedFields(reverseKeys(seed()) as ArticleContent, after)).toEqual(['description', 'faq']);
  });
});

describe('normaliseContent', () => {
  it('keeps Unicode and whitespace exactly as typed and drops nothing a reader sees', () => {
    const title = '  Café – 北京 🧠 ';
    const content = normaliseContent({ ...EMPTY_CONTENT, title, specialty: 'neurology' });
    expect(content.title).toBe(title);
  });

  it('expresses the seed article without loss', () => {
    expect(normaliseContent(seed())).toEqual({
      ...seed(),
      images: seed().images.map((image) => ({ caption: null, ...image })),
    });
  });
});

describe('missingForReview', () => {
  it('accepts the seed article', () => {
    expect(missingForReview(seed())).toEqual([]);
  });

  it('lists every missing piece field by field', () => {
    const content = seed();
    content.title = ' ';
    content.faq[1].answer = '';
    content.faq[2].question = '\n';
    content.images[0].alt = '';
    content.references = [];
    expect(missingForReview(content)).toEqual([
      { field: 'title', reason: 'is empty' },
      { field: 'faq[1].answer', reason: expect.stringContaining('answer') },
      { field: 'faq[2].question', reason: expect.stringContaining('question') },
      { field: 'images[0].alt', reason: expect.stringContaining('alt text') },
      { field: 'references', reason: 'needs at least one reference' },
    ]);
  });

  it('asks for at least one section', () => {
    expect(missingForReview({ ...seed(), sections: [], images: [] })).toEqual([
      { field: 'sections', reason: 'needs at least one section' },
    ]);
  });
});

describe('searchText', () => {
  it('covers title, description, takeaways, headings, bodies, FAQ and bottom line', () => {
    const text = searchText(seed());
    for (const needle of [
      'Is Baclofen a Benzodiazepine?',
      'GABA-B',
      'intrathecal pump',
      'Is baclofen addictive?',
      'Cerebral palsy',
      'personalized medical guidance',
    ]) {
      expect(text).toContain(needle);
    }
  });
});
