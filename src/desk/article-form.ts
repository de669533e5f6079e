import type { ArticleContent } from '../articles/article-content.js';
import type { ErrorDetail } from '../core/http/api-error.js';
import type { FormBody } from './desk-forms.js';

/**
 * The writer's editor as an HTML form: the whole ArticleContent in flat field names that are exactly the paths the
 * API's validation and completeness check report (`title`, `keyTakeaways[0]`, `sections[2].heading`,
 * `references[1].url`), so a refusal lands beside the field it names. Lists are edited without JavaScript: every
 * add / remove / move button posts the whole form with `op` (`sections.add`, `faq.remove.2`, `images.up.1`), and
 * the form is re-rendered with the list changed and nothing saved. No rule lives here: the posted text goes to the
 * API's own validation and services unchanged.
 */

/** The posted form: every value as typed (years and section numbers included), lists in posted order. */
export interface ArticleForm {
  title: string;
  slug: string;
  description: string;
  specialty: string;
  keyTakeaways: string[];
  sections: { heading: string; body: string }[];
  faq: { question: string; answer: string }[];
  references: { title: string; url: string; publisher: string; year: string }[];
  bottomLine: string;
  relatedSlugs: string[];
  images: { url: string; alt: string; caption: string; sectionIndex: string }[];
  changeNote: string;
}

export const LIST_NAMES = [
  'keyTakeaways',
  'sections',
  'faq',
  'references',
  'relatedSlugs',
  'images',
] as const;
export type ListName = (typeof LIST_NAMES)[number];

/** More items than any list may hold (the largest limit is 100 references): a posted index beyond is ignored. */
const MAX_POSTED_ITEMS = 120;

const ITEM_FIELDS = {
  sections: ['heading', 'body'],
  faq: ['question', 'answer'],
  references: ['title', 'url', 'publisher', 'year'],
  images: ['url', 'alt', 'caption', 'sectionIndex'],
} as const;

type ObjectList = keyof typeof ITEM_FIELDS;
const isObjectList = (list: ListName): list is ObjectList => Object.hasOwn(ITEM_FIELDS, list);

export function emptyForm(): ArticleForm {
  return {
    title: '',
    slug: '',
    description: '',
    specialty: '',
    keyTakeaways: [],
    sections: [],
    faq: [],
    references: [],
    bottomLine: '',
    relatedSlugs: [],
    images: [],
    changeNote: '',
  };
}

function emptyItem(list: ListName): ArticleForm[ListName][number] {
  if (!isObjectList(list)) return '';
  return Object.fromEntries(ITEM_FIELDS[list].map((field) => [field, ''])) as never;
}

/** The form of stored content, for the editor to open with. */
export function formOf(content: ArticleContent): ArticleForm {
  return {
    title: content.title,
    slug: content.slug,
    description: content.description,
    specialty: content.specialty,
    keyTakeaways: [...content.keyTakeaways],
    sections: content.sections.map(({ heading, body }) => ({ heading, body })),
    faq: content.faq.map(({ question, answer }) => ({ question, answer })),
    references: content.references.map(({ title, url, publisher, year }) => ({
      title,
      url,
      publisher,
      year: year === null ? '' : String(year),
    })),
    bottomLine: content.bottomLine,
    relatedSlugs: [...content.relatedSlugs],
    images: content.images.map(({ url, alt, caption, sectionIndex }) => ({
      url,
      alt,
      caption: caption ?? '',
      sectionIndex: sectionIndex === null || sectionIndex === undefined ? '' : String(sectionIndex),
    })),
    changeNote: '',
  };
}

function text(body: FormBody, name: string): string {
  const value = body?.[name];
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  // A browser sends every line break of a text area as CR LF; the writer typed (and the API stores) LF.
  return typeof first === 'string' ? first.replaceAll('\r\n', '\n') : '';
}

/** The posted indexes of a list, in order (a gap left by a hand-made request is closed, never filled). */
function postedIndexes(body: FormBody, list: ListName): number[] {
  const pattern = new RegExp(`^${list}\\[(\\d{1,4})\\]`);
  const indexes = new Set<number>();
  for (const key of Object.keys(body ?? {})) {
    const match = pattern.exec(key);
    if (match && Number(match[1]) < MAX_POSTED_ITEMS) indexes.add(Number(match[1]));
  }
  return [...indexes].sort((a, b) => a - b);
}

/** Reads the posted form: every field as typed; a missing field is empty. */
export function readForm(body: FormBody): ArticleForm {
  const form = emptyForm();
  for (const field of ['title', 'slug', 'description', 'specialty', 'bottomLine', 'changeNote'] as const) {
    form[field] = text(body, field);
  }
  for (const list of LIST_NAMES) {
    const items = postedIndexes(body, list).map((index) =>
      isObjectList(list)
        ? Object.fromEntries(
            ITEM_FIELDS[list].map((field) => [field, text(body, `${list}[${index}].${field}`)]),
          )
        : text(body, `${list}[${index}]`),
    );
    (form[list] as unknown[]) = items;
  }
  return form;
}

/** A number typed in a box: a whole number becomes one, empty is null, anything else stays for validation to name. */
function typedNumber(value: string): number | string | null {
  if (value.trim() === '') return null;
  return /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : value;
}

/**
 * The request body the JSON API would receive for this form: a year or section number as a number (or null
 * when empty), an empty caption as none. Every other value exactly as typed. `forCreate` leaves out an empty
 * slug, which the service then derives from the title, as with POST /articles.
 */
export function requestBodyOf(form: ArticleForm, options: { forCreate: boolean }): Record<string, unknown> {
  const { changeNote, ...content } = form;
  const body: Record<string, unknown> = {
    ...content,
    references: form.references.map((reference) => ({ ...reference, year: typedNumber(reference.year) })),
    images: form.images.map((image) => ({
      ...image,
      caption: image.caption === '' ? null : image.caption,
      sectionIndex: typedNumber(image.sectionIndex),
    })),
  };
  if (changeNote !== '') body.changeNote = changeNote;
  if (options.forCreate && form.slug === '') delete body.slug;
  return body;
}

export interface ListOperation {
  list: ListName;
  action: 'add' | 'remove' | 'up' | 'down';
  index: number;
}

/** `sections.add`, `faq.remove.2`, `images.up.1`, `references.down.0`; anything else is not a list operation. */
export function parseOperation(op: string): ListOperation | null {
  const match = /^([a-zA-Z]+)\.(add|remove|up|down)(?:\.(\d{1,4}))?$/.exec(op);
  if (!match || !(LIST_NAMES as readonly string[]).includes(match[1])) return null;
  const action = match[2] as ListOperation['action'];
  if ((action === 'add') !== (match[3] === undefined)) return null;
  return { list: match[1] as ListName, action, index: match[3] === undefined ? -1 : Number(match[3]) };
}

/**
 * The form with one list changed, and the id of the element to bring the writer back to (the new, moved or
 * next item). When sections move or go, the images placed after a section follow it.
 */
export function applyOperation(
  form: ArticleForm,
  operation: ListOperation,
): { form: ArticleForm; focus: string } {
  const { list, action, index } = operation;
  const items = [...(form[list] as unknown[])];
  const next: ArticleForm = { ...form, [list]: items };
  let position = index;
  if (action === 'add') {
    if (items.length < MAX_POSTED_ITEMS) items.push(emptyItem(list));
    position = items.length - 1;
  } else if (index >= items.length) {
    position = items.length - 1;
  } else if (action === 'remove') {
    items.splice(index, 1);
    if (list === 'sections')
      next.images = reindexImages(form.images, (i) => (i === index ? null : i > index ? i - 1 : i));
    position = Math.min(index, items.length - 1);
  } else {
    const other = action === 'up' ? index - 1 : index + 1;
    if (other >= 0 && other < items.length) {
      [items[index], items[other]] = [items[other], items[index]];
      if (list === 'sections') {
        next.images = reindexImages(form.images, (i) => (i === index ? other : i === other ? index : i));
      }
      position = other;
    }
  }
  return { form: next, focus: position >= 0 ? itemId(list, position) : listId(list) };
}

function reindexImages(images: ArticleForm['images'], move: (index: number) => number | null) {
  return images.map((image) => {
    if (!/^\d{1,4}$/.test(image.sectionIndex)) return image;
    const moved = move(Number(image.sectionIndex));
    return { ...image, sectionIndex: moved === null ? '' : String(moved) };
  });
}

/** `sections[2].heading` -> `f-sections-2-heading`: an element id (and link target) for a field path. */
export function fieldId(path: string): string {
  return `f-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '')}`;
}
export const itemId = (list: ListName, index: number) => fieldId(`${list}[${index}]`);
export const listId = (list: ListName) => fieldId(list);

/** Every text field of the form by its path, as the form posts it. */
export function fieldValues(form: ArticleForm): Map<string, string> {
  const values = new Map<string, string>();
  for (const field of ['title', 'slug', 'description', 'specialty', 'bottomLine'] as const) {
    values.set(field, form[field]);
  }
  for (const list of LIST_NAMES) {
    (form[list] as unknown[]).forEach((item, index) => {
      if (typeof item === 'string') values.set(`${list}[${index}]`, item);
      else {
        for (const [field, value] of Object.entries(item as Record<string, string>)) {
          values.set(`${list}[${index}].${field}`, value);
        }
      }
    });
  }
  return values;
}

/**
 * A refusal's details as sentences by field path. A detail naming a field of the form goes beside it; one naming a
 * list (`sections: needs at least one section`, `keyTakeaways: each value …`) beside the list; `keyTakeaways.3`
 * style paths are read as `keyTakeaways[3]`. Returns what could be placed and what could not (shown at the top).
 */
export function errorsByField(
  details: ErrorDetail[],
  form: ArticleForm,
): { byField: Map<string, string>; unplaced: string[] } {
  const known = fieldValues(form);
  const byField = new Map<string, string>();
  const unplaced: string[] = [];
  for (const detail of details) {
    const path = (detail.field ?? '').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
    const message = sentenceFor(path, detail.reason);
    const target = known.has(path) || isListPath(path) ? path : listOfPath(path);
    if (target) byField.set(target, byField.has(target) ? `${byField.get(target)} ${message}` : message);
    else unplaced.push(path ? `${labelOf(path)}: ${message}` : message);
  }
  return { byField, unplaced };
}

function isListPath(path: string): boolean {
  return (LIST_NAMES as readonly string[]).includes(path);
}

/** `sections[7].heading` when the form has no section 7: the list's own place. */
function listOfPath(path: string): string | null {
  const list = /^([a-zA-Z]+)\[/.exec(path)?.[1];
  return list && isListPath(list) ? list : null;
}

const FIELD_LABELS: Record<string, string> = {
  title: 'Title',
  slug: 'Slug',
  description: 'Description',
  specialty: 'Specialty',
  bottomLine: 'Bottom line',
  changeNote: 'Change note',
  heading: 'Heading',
  body: 'Text',
  question: 'Question',
  answer: 'Answer',
  url: 'URL',
  publisher: 'Publisher',
  year: 'Year',
  alt: 'Alt text',
  caption: 'Caption',
  sectionIndex: 'Placed after',
  keyTakeaways: 'Key takeaways',
  sections: 'Sections',
  faq: 'FAQ',
  references: 'References',
  relatedSlugs: 'Related articles',
  images: 'Images',
};

const ITEM_NAMES: Record<ListName, string> = {
  keyTakeaways: 'Takeaway',
  sections: 'Section',
  faq: 'Question',
  references: 'Reference',
  relatedSlugs: 'Related article',
  images: 'Image',
};

/** A field path as a person reads it: `sections[2].heading` -> "Section 3, heading". */
export function labelOf(path: string): string {
  const match = /^([a-zA-Z]+)\[(\d+)\](?:\.([a-zA-Z]+))?$/.exec(path);
  if (!match) return FIELD_LABELS[path] ?? path;
  const [, list, index, field] = match;
  const item = `${ITEM_NAMES[list as ListName] ?? list} ${Number(index) + 1}`;
  if (list === 'references' && field === 'title') return `${item}, title`;
  return field ? `${item}, ${(FIELD_LABELS[field] ?? field).toLowerCase()}` : item;
}

/** "url must be an http or https URL" beside the URL box reads "URL must be an http or https URL." */
function sentenceFor(path: string, reason: string): string {
  const leaf = /([a-zA-Z]+)$/.exec(path)?.[1] ?? '';
  let sentence = reason;
  if (leaf && sentence.startsWith(`${leaf} `))
    sentence = `${FIELD_LABELS[leaf] ?? leaf}${sentence.slice(leaf.length)}`;
  else if (!/^[A-Z]/.test(sentence) && !sentence.startsWith('each ')) {
    sentence = `${FIELD_LABELS[leaf] ?? 'This'} ${sentence}`;
  }
  sentence = sentence.charAt(0).toUpperCase() + sentence.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}
