import { readFileSync } from 'node:fs';
import type { ArticleContent } from './article-content.js';
import { normaliseContent } from './article-content.rules.js';
import { changeLines } from './changes-by-heading.js';
import { largeRevisionPair } from './large-document.js';
import { diffContent, diffContentAsync, type FieldChange } from './revision-diff.js';

const seed = (): ArticleContent =>
  normaliseContent(
    JSON.parse(readFileSync(new URL('../../test/fixtures/seed-article.json', import.meta.url), 'utf8')),
  );

/** Read in order, a change's words give back both versions, whatever the granularity. */
function expectFaithful(change: FieldChange): void {
  const text = (ops: string[]) =>
    change
      .words!.filter((word) => ops.includes(word.op))
      .map((word) => word.text)
      .join('');
  expect(text(['equal', 'removed'])).toBe(change.before);
  expect(text(['equal', 'added'])).toBe(change.after);
}

describe('diffContent on a large document (#15 §7)', () => {
  it('stays within its budget on 40 sections x 20,000 characters rewritten throughout, falling back per paragraph', () => {
    const { before, after } = largeRevisionPair(seed());
    const started = performance.now();
    const changes = diffContent(before, after, { budgetMs: 100, sliceMs: 10 });
    const elapsed = performance.now() - started;
    expect(changes).toHaveLength(40);
    for (const change of changes) {
      expect(change.path).toMatch(/^sections\[\d+\]\.body$/);
      if (change.words) expectFaithful(change);
    }
    // The budget ran out before the last section: its words fall back to whole paragraphs.
    expect(changes.some((change) => change.granularity === 'paragraph' || !change.words)).toBe(true);
    // A generous sanity bound (the benchmark measures it): 70 s before the budget existed.
    expect(elapsed).toBeLessThan(10_000);
  });

  it('marks every word of a large rewrite when the budget allows it (paragraphs aligned, then words)', () => {
    const { before, after } = largeRevisionPair(seed(), { sections: 4 });
    const changes = diffContent(before, after, { budgetMs: 60_000, sliceMs: 60_000 });
    expect(changes.map((change) => change.granularity)).toEqual(['word', 'word', 'word', 'word']);
    for (const change of changes) expectFaithful(change);
    expect(changes[0].words!.filter((word) => word.op === 'added')[0].text).toMatch(/ly$/);
  });

  it('word-diffs a small edit in a large section exactly, aligned by paragraph first', () => {
    const { before } = largeRevisionPair(seed(), { sections: 2 });
    const after = structuredClone(before);
    after.sections[1].body = after.sections[1].body.replace(/withdrawal/, 'discontinuation');
    // The alignment is what is tested, not the clock: the default budget (80 ms of wall time) can run out on a
    // loaded machine and fall back to paragraphs, as it should; so this test gives it time it cannot run out of.
    const [change] = diffContent(before, after, { budgetMs: 60_000, sliceMs: 60_000 });
    expect(change).toMatchObject({ path: 'sections[1].body', granularity: 'word' });
    expect(change.words!.filter((word) => word.op !== 'equal')).toEqual([
      { op: 'removed', text: 'withdrawal' },
      { op: 'added', text: 'discontinuation' },
    ]);
    expectFaithful(change);
  });

  it('shows a text whole when the budget is spent (budget 0), and the async form gives the same answer', async () => {
    const { before, after } = largeRevisionPair(seed(), { sections: 3, chars: 5_000 });
    const none = diffContent(before, after, { budgetMs: 0, sliceMs: 0 });
    expect(none.map((change) => change.words)).toEqual([undefined, undefined, undefined]);
    expect(none[0]).toMatchObject({ before: before.sections[0].body, after: after.sections[0].body });
    const generous = { budgetMs: 60_000, sliceMs: 60_000 };
    expect(await diffContentAsync(before, after, generous)).toEqual(diffContent(before, after, generous));
  });

  it("gives the e-mails' change lines without any word diff", () => {
    const { before, after } = largeRevisionPair(seed());
    const lines = changeLines(before, after);
    expect(lines).toHaveLength(40);
    expect(lines[0]).toEqual({ field: 'Part 1', summary: 'text changed' });
  });
});
