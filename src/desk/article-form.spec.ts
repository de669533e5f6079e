import { readFileSync } from 'node:fs';
import type { ArticleContent } from '../articles/article-content.js';
import { normaliseContent } from '../articles/article-content.rules.js';
import {
  applyOperation,
  emptyForm,
  errorsByField,
  formOf,
  labelOf,
  parseOperation,
  readForm,
  requestBodyOf,
} from './article-form.js';

const seed = (): ArticleContent =>
  JSON.parse(
    readFileSync(new URL('../../test/fixtures/seed-article.json', import.meta.url), 'utf8'),
  ) as ArticleContent;

/** The flat fields a browser posts for a form (text areas with CR LF line breaks). */
function posted(content: ArticleContent): Record<string, string> {
  const form = formOf(content);
  const fields: Record<string, string> = {
    title: form.title,
    slug: form.slug,
    description: form.description,
    specialty: form.specialty,
    bottomLine: form.bottomLine.replaceAll('\n', '\r\n'),
  };
  form.keyTakeaways.forEach((text, i) => (fields[`keyTakeaways[${i}]`] = text));
  form.sections.forEach((s, i) => {
    fields[`sections[${i}].heading`] = s.heading;
    fields[`sections[${i}].body`] = s.body.replaceAll('\n', '\r\n');
  });
  form.faq.forEach((f, i) =>
    Object.assign(fields, { [`faq[${i}].question`]: f.question, [`faq[${i}].answer`]: f.answer }),
  );
  form.references.forEach((r, i) => {
    for (const [key, value] of Object.entries(r)) fields[`references[${i}].${key}`] = value;
  });
  form.images.forEach((image, i) => {
    for (const [key, value] of Object.entries(image)) fields[`images[${i}].${key}`] = value;
  });
  return fields;
}

describe('the editor form', () => {
  it('reads back exactly the content it was filled with (the seed article), CR LF as LF', () => {
    const content = seed();
    const body = requestBodyOf(readForm(posted(content)), { forCreate: false });
    expect(normaliseContent(body as never)).toEqual(normaliseContent(content));
  });

  it('keeps typed years and section numbers that are not numbers, for validation to name', () => {
    const form = readForm({
      'references[0].title': 'T',
      'references[0].url': 'https://example.org',
      'references[0].year': 'last year',
      'images[0].url': 'https://example.org/a.png',
      'images[0].alt': 'A',
      'images[0].sectionIndex': '',
    });
    const body = requestBodyOf(form, { forCreate: true }) as {
      references: { year: unknown }[];
      images: { sectionIndex: unknown; caption: unknown }[];
      slug?: string;
    };
    expect(body.references[0].year).toBe('last year');
    expect(body.images[0]).toMatchObject({ sectionIndex: null, caption: null });
    expect(body.slug).toBeUndefined();
  });

  it('ignores indexes no list could hold, and closes gaps without inventing items', () => {
    const form = readForm({ 'keyTakeaways[5]': 'b', 'keyTakeaways[2]': 'a', 'keyTakeaways[999999]': 'x' });
    expect(form.keyTakeaways).toEqual(['a', 'b']);
  });

  it('parses only the list operations the buttons post', () => {
    expect(parseOperation('sections.add')).toEqual({ list: 'sections', action: 'add', index: -1 });
    expect(parseOperation('faq.remove.2')).toEqual({ list: 'faq', action: 'remove', index: 2 });
    for (const op of ['save', 'sections.add.1', 'faq.remove', 'constructor.add', 'sections.drop.1', '']) {
      expect(parseOperation(op)).toBeNull();
    }
  });

  it('adds, moves and removes items; images follow the section they are placed after', () => {
    const form = formOf(seed());
    const down = applyOperation(form, parseOperation('sections.down.3')!);
    expect(down.form.sections[4].heading).toBe(form.sections[3].heading);
    expect(down.form.images[0].sectionIndex).toBe('4');
    expect(down.focus).toBe('f-sections-4');
    const removed = applyOperation(form, parseOperation('sections.remove.3')!);
    expect(removed.form.sections).toHaveLength(form.sections.length - 1);
    expect(removed.form.images[0].sectionIndex).toBe('');
    const earlier = applyOperation(form, parseOperation('sections.remove.0')!);
    expect(earlier.form.images[0].sectionIndex).toBe('2');
    const added = applyOperation(emptyForm(), parseOperation('references.add')!);
    expect(added.form.references).toEqual([{ title: '', url: '', publisher: '', year: '' }]);
    const top = applyOperation(form, parseOperation('faq.up.0')!);
    expect(top.form.faq).toEqual(form.faq);
  });

  it('places each refusal beside its field, a list problem beside the list, and says it as a sentence', () => {
    const form = formOf(seed());
    const { byField, unplaced } = errorsByField(
      [
        { field: 'references[1].url', reason: 'url must be an http or https URL' },
        { field: 'sections[2].heading', reason: 'is empty' },
        { field: 'sections[40].body', reason: 'is empty' },
        { field: 'If-Match', reason: 'is stale' },
      ],
      form,
    );
    expect(byField.get('references[1].url')).toBe('URL must be an http or https URL.');
    expect(byField.get('sections[2].heading')).toBe('Heading is empty.');
    expect(byField.get('sections')).toBe('Text is empty.');
    expect(unplaced).toEqual(['If-Match: This is stale.']);
    expect(labelOf('faq[0].answer')).toBe('Question 1, answer');
  });
});
