import { readFileSync } from 'node:fs';
import type { ArticleContent } from './article-content.js';
import { normaliseContent } from './article-content.rules.js';
import { changeLines, changesByHeading } from './changes-by-heading.js';

const seed = (): ArticleContent =>
  normaliseContent(
    JSON.parse(readFileSync(new URL('../../test/fixtures/seed-article.json', import.meta.url), 'utf8')),
  );

describe('changesByHeading', () => {
  it('finds nothing between identical revisions', () => {
    expect(changesByHeading(seed(), seed())).toEqual([]);
    expect(changeLines(seed(), seed())).toEqual([]);
  });

  it('names a changed section by its heading and marks the changed words inline', () => {
    const before = seed();
    const after = seed();
    after.sections[2].body = after.sections[2].body.replace(
      'They are generally prescribed for short-term use',
      'They are usually prescribed for short-term use',
    );
    const [group, ...rest] = changesByHeading(before, after);
    expect(rest).toEqual([]);
    expect(group.heading).toBe('What Are Benzodiazepines?');
    expect(group.sectionIndex).toBe(2);
    expect(group.kind).toBe('changed');
    expect(group.parts).toHaveLength(1);
    expect(group.parts[0].label).toBe('Text');
    expect(group.parts[0].words.filter((w) => w.op !== 'equal')).toEqual([
      { op: 'removed', text: 'generally' },
      { op: 'added', text: 'usually' },
    ]);
    expect(changeLines(before, after)).toEqual([
      { field: 'What Are Benzodiazepines?', summary: 'text changed' },
    ]);
  });

  it('puts a renamed section under its new heading, with heading and text as two parts of one group', () => {
    const before = seed();
    const after = seed();
    after.sections[1].heading = 'What Is Baclofen?';
    after.sections[1].body += '\n\nA new closing paragraph.';
    const groups = changesByHeading(before, after);
    expect(groups.map((g) => g.heading)).toEqual(['What Is Baclofen?']);
    expect(groups[0].parts.map((p) => p.label)).toEqual(['Heading', 'Text']);
    expect(changeLines(before, after)[0]).toEqual({
      field: 'What Is Baclofen?',
      summary: 'heading changed, text changed',
    });
  });

  it('reports a new and a removed section as whole places, and other fields by their reading names', () => {
    const before = seed();
    const after = seed();
    after.sections.push({ heading: 'Brand-new section', body: 'New text.' });
    after.title = 'Baclofen and benzodiazepines';
    after.keyTakeaways[0] = 'Changed takeaway.';
    after.faq[0].answer = 'A different answer.';
    after.bottomLine = 'A new bottom line.';
    const lines = changeLines(before, after);
    expect(lines).toEqual([
      { field: 'Title and description', summary: 'title changed' },
      { field: 'Key takeaways', summary: 'takeaway 1 changed' },
      { field: 'Brand-new section', summary: 'new section' },
      { field: 'FAQ: Is baclofen addictive?', summary: 'answer changed' },
      { field: 'Bottom line', summary: 'text changed' },
    ]);
    expect(lines.some((line) => /\[\d+\]/.test(line.field))).toBe(false);

    const removed = changesByHeading(after, before).find((g) => g.heading === 'Brand-new section')!;
    expect(removed.kind).toBe('removed');
    expect(removed.parts[0].words).toEqual([{ op: 'removed', text: 'Brand-new section\n\nNew text.' }]);
  });
});
