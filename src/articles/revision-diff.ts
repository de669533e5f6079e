import { diffWordsWithSpace } from 'diff';
import type { ArticleContent } from './article-content.js';

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface WordChange {
  op: 'equal' | 'added' | 'removed';
  text: string;
}

export interface FieldChange {
  /** Where the change is: `title`, `keyTakeaways[2]`, `sections[3].body`, `sections[4]`, `faq[1].answer`, … */
  path: string;
  kind: ChangeKind;
  before?: string;
  after?: string;
  /** For a changed text: the words of both versions in order, each kept, added or removed. */
  words?: WordChange[];
}

/** Beyond this many edits a word diff is not computed (before and after are still given in full). */
const MAX_WORD_EDITS = 5000;

const isWhitespace = (text: string) => /^\s+$/.test(text);

function commonWhitespace(a: string, b: string, end: 'start' | 'end'): string {
  let length = 0;
  const at = (text: string, i: number) => (end === 'start' ? text[i] : text[text.length - 1 - i]);
  while (
    length < a.length &&
    length < b.length &&
    at(a, length) === at(b, length) &&
    /\s/.test(at(a, length))
  ) {
    length++;
  }
  return end === 'start' ? a.slice(0, length) : a.slice(a.length - length);
}

/**
 * Groups a run of changes into one removed and one added part, so that "helps avoid" -> "prevents" reads as
 * [-helps avoid-][+prevents+] rather than alternating single words; whitespace shared by both stays equal.
 */
function coalesce(parts: WordChange[]): WordChange[] {
  const out: WordChange[] = [];
  const push = (part: WordChange) => {
    if (!part.text) return;
    const last = out[out.length - 1];
    if (last && last.op === part.op) last.text += part.text;
    else out.push({ ...part });
  };
  for (let i = 0; i < parts.length;) {
    if (parts[i].op === 'equal') {
      push(parts[i++]);
      continue;
    }
    let removed = '';
    let added = '';
    for (; i < parts.length; i++) {
      const part = parts[i];
      if (part.op === 'removed') removed += part.text;
      else if (part.op === 'added') added += part.text;
      else if (isWhitespace(part.text) && parts[i + 1] && parts[i + 1].op !== 'equal') {
        removed += part.text;
        added += part.text;
      } else break;
    }
    const lead = removed && added ? commonWhitespace(removed, added, 'start') : '';
    const trail =
      removed && added ? commonWhitespace(removed.slice(lead.length), added.slice(lead.length), 'end') : '';
    push({ op: 'equal', text: lead });
    push({ op: 'removed', text: removed.slice(lead.length, removed.length - trail.length) });
    push({ op: 'added', text: added.slice(lead.length, added.length - trail.length) });
    push({ op: 'equal', text: trail });
  }
  return out;
}

function wordChanges(before: string, after: string): WordChange[] | undefined {
  // With whitespace as tokens, a paragraph split or joined shows up; plain word diffs would hide it.
  const parts = diffWordsWithSpace(before, after, { maxEditLength: MAX_WORD_EDITS });
  if (!parts) return undefined;
  return coalesce(
    parts.map((part) => ({
      op: part.added ? 'added' : part.removed ? 'removed' : 'equal',
      text: part.value,
    })),
  );
}

function compareText(
  changes: FieldChange[],
  path: string,
  before: string | null,
  after: string | null,
): void {
  if (before === after) return;
  if (before === null) {
    changes.push({ path, kind: 'added', after: after! });
  } else if (after === null) {
    changes.push({ path, kind: 'removed', before });
  } else {
    const words = wordChanges(before, after);
    changes.push({ path, kind: 'changed', before, after, ...(words ? { words } : {}) });
  }
}

/**
 * Compares two lists item by item (by position): common positions field by field, extra positions as one
 * whole item added or removed.
 */
function compareList<T>(
  changes: FieldChange[],
  path: string,
  before: T[],
  after: T[],
  fields: Record<string, (item: T) => string | null> | null,
  asText: (item: T) => string,
): void {
  const common = Math.min(before.length, after.length);
  for (let index = 0; index < common; index++) {
    if (fields) {
      for (const [name, read] of Object.entries(fields)) {
        compareText(changes, `${path}[${index}].${name}`, read(before[index]), read(after[index]));
      }
    } else {
      compareText(changes, `${path}[${index}]`, asText(before[index]), asText(after[index]));
    }
  }
  for (let index = common; index < after.length; index++) {
    changes.push({ path: `${path}[${index}]`, kind: 'added', after: asText(after[index]) });
  }
  for (let index = common; index < before.length; index++) {
    changes.push({ path: `${path}[${index}]`, kind: 'removed', before: asText(before[index]) });
  }
}

const numberText = (value: number | null) => (value === null ? null : String(value));
const joinParts = (...parts: (string | number | null)[]) =>
  parts.filter((part) => part !== null && part !== '').join('\n\n');

/**
 * What changed between two revisions, field by field and section by section, in reading order. Sections, FAQ
 * entries and other lists are matched by position; a list that grew or shrank reports whole items added or
 * removed at the end.
 */
export function diffContent(before: ArticleContent, after: ArticleContent): FieldChange[] {
  const changes: FieldChange[] = [];
  compareText(changes, 'title', before.title, after.title);
  compareText(changes, 'slug', before.slug, after.slug);
  compareText(changes, 'description', before.description, after.description);
  compareText(changes, 'specialty', before.specialty, after.specialty);
  compareList(changes, 'keyTakeaways', before.keyTakeaways, after.keyTakeaways, null, (text) => text);
  compareList(
    changes,
    'sections',
    before.sections,
    after.sections,
    { heading: (section) => section.heading, body: (section) => section.body },
    (section) => joinParts(section.heading, section.body),
  );
  compareList(
    changes,
    'faq',
    before.faq,
    after.faq,
    { question: (entry) => entry.question, answer: (entry) => entry.answer },
    (entry) => joinParts(entry.question, entry.answer),
  );
  compareList(
    changes,
    'references',
    before.references,
    after.references,
    {
      title: (reference) => reference.title,
      url: (reference) => reference.url,
      publisher: (reference) => reference.publisher,
      year: (reference) => numberText(reference.year),
    },
    (reference) => joinParts(reference.title, reference.publisher, reference.year, reference.url),
  );
  compareText(changes, 'bottomLine', before.bottomLine, after.bottomLine);
  compareList(changes, 'relatedSlugs', before.relatedSlugs, after.relatedSlugs, null, (slug) => slug);
  compareList(
    changes,
    'images',
    before.images,
    after.images,
    {
      url: (image) => image.url,
      alt: (image) => image.alt,
      caption: (image) => image.caption ?? null,
      sectionIndex: (image) => numberText(image.sectionIndex ?? null),
    },
    (image) => joinParts(image.url, image.alt, image.caption ?? null),
  );
  return changes;
}
