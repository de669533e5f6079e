import type { ArticleContent } from './article-content.js';
import { type ChangeKind, diffContent, type FieldChange, type WordChange } from './revision-diff.js';

/** One changed field inside a group: its label ("Text", "Heading", "Takeaway 2"), its words marked. */
export interface HeadingChangePart {
  label: string;
  kind: ChangeKind;
  before: string | null;
  after: string | null;
  /** The words of both versions in order, each kept, added or removed (a whole text for added/removed). */
  words: WordChange[];
}

/** The changes of one place a reader recognises: a section by its heading, the FAQ entry by its question… */
export interface HeadingChange {
  /** What the reader sees as the place: the section's heading (the new one if it was renamed), "Key takeaways". */
  heading: string;
  /** For a section: its index in the newer revision (or the older one if it was removed); otherwise null. */
  sectionIndex: number | null;
  /** added/removed: the whole place is new or gone; changed: something inside it changed. */
  kind: ChangeKind;
  parts: HeadingChangePart[];
}

const DETAIL_LABELS: Record<string, string> = {
  title: 'Title',
  slug: 'Address (slug)',
  description: 'Description',
  specialty: 'Specialty',
};
const FIELD_LABELS: Record<string, string> = {
  heading: 'Heading',
  body: 'Text',
  question: 'Question',
  answer: 'Answer',
  title: 'Title',
  url: 'Address',
  publisher: 'Publisher',
  year: 'Year',
  alt: 'Alternative text',
  caption: 'Caption',
  sectionIndex: 'Placed in section',
};

const PATH = /^([a-zA-Z]+)(?:\[(\d+)\])?(?:\.([a-zA-Z]+))?$/;

function wordsOf(change: FieldChange): WordChange[] {
  if (change.words) return change.words;
  const parts: WordChange[] = [];
  if (change.before !== undefined) parts.push({ op: 'removed', text: change.before });
  if (change.after !== undefined) parts.push({ op: 'added', text: change.after });
  return parts;
}

interface Place {
  key: string;
  heading: string;
  sectionIndex: number | null;
  /** The whole place was added or removed (a list item beyond the other revision's length). */
  whole: boolean;
  label: string;
}

function placeOf(change: FieldChange, before: ArticleContent, after: ArticleContent): Place {
  const match = PATH.exec(change.path);
  const [, list = change.path, indexText, field] = match ?? [];
  const index = indexText === undefined ? null : Number(indexText);
  const whole = index !== null && field === undefined && change.kind !== 'changed';
  const position = index === null ? '' : ` ${index + 1}`;
  const fieldLabel = field ? (FIELD_LABELS[field] ?? field) : null;
  switch (list) {
    case 'sections': {
      const section = after.sections[index!] ?? before.sections[index!];
      return {
        key: `sections[${index}]`,
        heading: section?.heading ?? `Section${position}`,
        sectionIndex: index,
        whole,
        label: fieldLabel ?? 'Section',
      };
    }
    case 'faq': {
      const entry = after.faq[index!] ?? before.faq[index!];
      return {
        key: `faq[${index}]`,
        heading: `FAQ: ${entry?.question ?? `question${position}`}`,
        sectionIndex: null,
        whole,
        label: fieldLabel ?? 'Question and answer',
      };
    }
    case 'keyTakeaways':
      return {
        key: list,
        heading: 'Key takeaways',
        sectionIndex: null,
        whole: false,
        label: `Takeaway${position}`,
      };
    case 'references':
      return {
        key: list,
        heading: 'References',
        sectionIndex: null,
        whole: false,
        label: `Reference${position}${fieldLabel ? `: ${fieldLabel.toLowerCase()}` : ''}`,
      };
    case 'images':
      return {
        key: list,
        heading: 'Images',
        sectionIndex: null,
        whole: false,
        label: `Image${position}${fieldLabel ? `: ${fieldLabel.toLowerCase()}` : ''}`,
      };
    case 'relatedSlugs':
      return {
        key: list,
        heading: 'Related articles',
        sectionIndex: null,
        whole: false,
        label: `Related${position}`,
      };
    case 'bottomLine':
      return { key: list, heading: 'Bottom line', sectionIndex: null, whole: false, label: 'Text' };
    default:
      return {
        key: 'details',
        heading: 'Title and description',
        sectionIndex: null,
        whole: false,
        label: DETAIL_LABELS[list] ?? list,
      };
  }
}

/**
 * What changed between two revisions, grouped the way a physician reads the article: by section heading (a
 * renamed section under its new heading), then the FAQ entries, key takeaways, bottom line and references, in
 * reading order. Built on diffContent, so the words marked are the same as the API's diff (pass `changes` when
 * they were computed already, e.g. by diffContentAsync).
 */
export function changesByHeading(
  before: ArticleContent,
  after: ArticleContent,
  changes: FieldChange[] = diffContent(before, after),
): HeadingChange[] {
  const groups = new Map<string, HeadingChange>();
  for (const change of changes) {
    const place = placeOf(change, before, after);
    let group = groups.get(place.key);
    if (!group) {
      group = {
        heading: place.heading,
        sectionIndex: place.sectionIndex,
        kind: place.whole ? change.kind : 'changed',
        parts: [],
      };
      groups.set(place.key, group);
    }
    group.parts.push({
      label: place.label,
      kind: change.kind,
      before: change.before ?? null,
      after: change.after ?? null,
      words: wordsOf(change),
    });
  }
  return [...groups.values()];
}

/** One line of an e-mail's change list: the place by its heading, and what happened there. */
export interface ChangeLine {
  field: string;
  summary: string;
}

const MAX_LINES = 50;

/** The e-mails' change list: "What Is Baclofen?": "text changed", never "sections[3].body: changed". */
export function changeLines(before: ArticleContent, after: ArticleContent): ChangeLine[] {
  // The lines name places and kinds only: no word diff is needed, so none is computed (budget 0).
  return changesByHeading(before, after, diffContent(before, after, { budgetMs: 0, sliceMs: 0 }))
    .slice(0, MAX_LINES)
    .map((group) => ({ field: group.heading, summary: summarise(group) }));
}

function summarise(group: HeadingChange): string {
  if (group.kind === 'added') return group.sectionIndex === null ? 'added' : 'new section';
  if (group.kind === 'removed') return group.sectionIndex === null ? 'removed' : 'section removed';
  const labels = [...new Set(group.parts.map((part) => `${part.label.toLowerCase()} ${part.kind}`))];
  return labels.join(', ');
}
