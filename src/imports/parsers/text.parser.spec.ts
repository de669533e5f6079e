import { readFileSync } from 'node:fs';
import { checkParsed } from '../content-checks.js';
import { parseSource } from './detect.js';

const seed = readFileSync(new URL('../../../test/fixtures/import/seed-article.txt', import.meta.url), 'utf8');

describe("the seed's plain text", () => {
  const [parsed] = parseSource('seed-article.txt', seed, 'America/New_York').map(checkParsed);

  it('finds the title, the writer and the attested review of January 10th, 2026', () => {
    expect(parsed.kind).toBe('text');
    expect(parsed.content.title).toBe('Is Baclofen a Benzodiazepine?');
    expect(parsed.author).toBe('Alan Lucks | MD');
    expect(parsed.review).toMatchObject({
      reviewerName: 'Alan Lucks',
      credentials: 'MD',
      affiliation: 'Alan Lucks MDPC Private Practice - New York',
      reviewedOn: '2026-01-10',
    });
  });

  it('keeps takeaways, sections with their headings, the FAQ answers and the bottom line', () => {
    expect(parsed.content.keyTakeaways).toHaveLength(4);
    expect(parsed.content.sections.map((section) => section.heading)).toEqual(
      expect.arrayContaining([
        'How Baclofen and Benzodiazepines Work on the GABA System',
        'What Is Baclofen and How Does It Work?',
        'Differences Between Baclofen and Benzodiazepines',
        'Understanding Your Treatment Options',
      ]),
    );
    expect(
      parsed.content.sections.find((s) => s.heading === 'Common Conditions Treated with Baclofen')?.body,
    ).toBe('- Multiple sclerosis\n- Spinal cord injuries\n- Cerebral palsy\n- Stroke-related spasticity');
    expect(parsed.content.faq).toHaveLength(4);
    expect(parsed.content.faq.every((entry) => entry.question === '' && entry.answer.length > 20)).toBe(true);
    expect(parsed.content.bottomLine).toMatch(/^Baclofen is not a benzodiazepine and works differently/);
    // Nothing invented: no references, no image (its address is not in the text).
    expect(parsed.content.references).toEqual([]);
    expect(parsed.content.images).toEqual([]);
  });

  it('reports the lost FAQ questions, the empty references and the alt text run into a heading', () => {
    const codes = parsed.problems.map((problem) => `${problem.code} ${problem.field}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'faq_answer_without_question faq[0].question',
        'faq_answer_without_question faq[3].question',
        'empty_references references',
        'alt_text_in_heading sections[4].heading',
      ]),
    );
    expect(parsed.problems.find((p) => p.code === 'alt_text_in_heading')?.message).toContain(
      'White pill bottle tipped over, tablets spilling onto a blue surface.',
    );
  });
});
