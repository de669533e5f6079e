import { readFileSync } from 'node:fs';
import type { ArticleContent } from './article-content.js';
import { normaliseContent } from './article-content.rules.js';
import { diffContent } from './revision-diff.js';

const seed = (): ArticleContent =>
  normaliseContent(
    JSON.parse(readFileSync(new URL('../../test/fixtures/seed-article.json', import.meta.url), 'utf8')),
  );

/** The word marks are tested, not the clock: a budget a loaded machine cannot run out of (the default is 80 ms). */
const UNHURRIED = { budgetMs: 60_000, sliceMs: 60_000 };

describe('diffContent', () => {
  it('finds nothing between identical revisions', () => {
    expect(diffContent(seed(), seed())).toEqual([]);
  });

  it('names exactly the key takeaway and the section paragraph that changed, with the changed words marked', () => {
    const before = seed();
    const after = seed();
    after.keyTakeaways[1] = after.keyTakeaways[1].replace('sleep disorders', 'insomnia');
    after.sections[2].body = after.sections[2].body.replace(
      'They are generally prescribed for short-term use',
      'They are usually prescribed for short-term use',
    );

    const changes = diffContent(before, after, UNHURRIED);
    expect(changes.map((change) => [change.path, change.kind])).toEqual([
      ['keyTakeaways[1]', 'changed'],
      ['sections[2].body', 'changed'],
    ]);
    const [takeaway, body] = changes;
    expect(takeaway.before).toBe(before.keyTakeaways[1]);
    expect(takeaway.after).toBe(after.keyTakeaways[1]);
    expect(takeaway.words!.filter((word) => word.op !== 'equal')).toEqual([
      { op: 'removed', text: 'sleep disorders' },
      { op: 'added', text: 'insomnia' },
    ]);
    expect(body.words!.filter((word) => word.op !== 'equal')).toEqual([
      { op: 'removed', text: 'generally' },
      { op: 'added', text: 'usually' },
    ]);
    // Read in order, the words give back both versions.
    const text = (ops: string[]) =>
      body
        .words!.filter((word) => ops.includes(word.op))
        .map((word) => word.text)
        .join('');
    expect(text(['equal', 'removed'])).toBe(before.sections[2].body);
    expect(text(['equal', 'added'])).toBe(after.sections[2].body);
  });

  it('groups neighbouring changed words into one removal and one addition', () => {
    const before = seed();
    const after = seed();
    after.keyTakeaways[2] = after.keyTakeaways[2].replace('helps avoid confusion', 'prevents confusion');
    const [change] = diffContent(before, after, UNHURRIED);
    expect(change.words).toEqual([
      { op: 'equal', text: 'Understanding the differences between baclofen and benzodiazepines ' },
      { op: 'removed', text: 'helps avoid' },
      { op: 'added', text: 'prevents' },
      { op: 'equal', text: ' confusion about their effects, uses, and potential side effects.' },
    ]);
  });

  it('shows a paragraph split, which a word-only diff would hide', () => {
    const before = seed();
    const after = seed();
    after.sections[0].body = after.sections[0].body.replace('\n\n', ' ');
    const [change] = diffContent(before, after, UNHURRIED);
    expect(change.path).toBe('sections[0].body');
    expect(change.words!.filter((word) => word.op !== 'equal')).toEqual([
      { op: 'removed', text: '\n\n' },
      { op: 'added', text: ' ' },
    ]);
  });

  it('reports sections, FAQ entries and references added or removed at the end, and field-level changes', () => {
    const before = seed();
    const after = seed();
    after.sections.push({ heading: 'Sources', body: 'See the references.' });
    after.faq.pop();
    after.references[0].year = 2025;
    after.images[0].caption = 'Baclofen tablets';
    after.title = 'Is Baclofen a Benzodiazepine? What to Know';

    expect(
      diffContent(before, after).map(({ path, kind, before: b, after: a }) => ({ path, kind, b, a })),
    ).toEqual([
      { path: 'title', kind: 'changed', b: before.title, a: after.title },
      { path: 'sections[9]', kind: 'added', b: undefined, a: 'Sources\n\nSee the references.' },
      {
        path: 'faq[3]',
        kind: 'removed',
        b: `${before.faq[3].question}\n\n${before.faq[3].answer}`,
        a: undefined,
      },
      { path: 'references[0].year', kind: 'changed', b: '2024', a: '2025' },
      { path: 'images[0].caption', kind: 'added', b: undefined, a: 'Baclofen tablets' },
    ]);
  });
});
