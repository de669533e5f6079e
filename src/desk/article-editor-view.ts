import {
  type ArticleForm,
  fieldId,
  fieldValues,
  itemId,
  labelOf,
  type ListName,
  listId,
} from './article-form.js';

/** One box of the editor, with the refusal beside it and, after an edit conflict, what the newer revision says. */
export interface FieldView {
  id: string;
  name: string;
  label: string;
  /** The label is read by screen readers only: the item's legend already says it on screen. */
  labelHidden: boolean;
  value: string;
  hint: string | null;
  error: string | null;
  /** The newer revision's text of this field, when it differs from what was typed (edit conflict). */
  newer: string | null;
  textarea: boolean;
  rows: number;
  select: boolean;
  options: { value: string; label: string; selected: boolean }[];
  inputType: string;
}

export interface ItemView {
  id: string;
  legend: string;
  fields: FieldView[];
  upOp: string | null;
  downOp: string | null;
  removeOp: string;
  comments: CommentView[];
}

export interface ListView {
  id: string;
  heading: string;
  hint: string;
  addOp: string;
  addLabel: string;
  error: string | null;
  newer: string | null;
  items: ItemView[];
  empty: string;
}

export interface CommentView {
  authorName: string;
  body: string;
  at: { iso: string; text: string };
  revision: number | null;
  where: string;
}

export interface EditorViewInput {
  form: ArticleForm;
  errors: Map<string, string>;
  /** The newer revision's fields by path, during an edit conflict. */
  newer: Map<string, string> | null;
  /** Comments by the index of the section they are about in this form; `whole` for the whole article. */
  commentsBySection: Map<number, CommentView[]>;
}

interface FieldSpec {
  label: string;
  hint?: string;
  textarea?: boolean;
  rows?: number;
  inputType?: string;
}

const TOP_FIELDS: Record<'title' | 'slug' | 'description' | 'specialty' | 'bottomLine', FieldSpec> = {
  title: { label: 'Title' },
  slug: {
    label: 'Slug',
    hint: 'The page address: lower-case letters, digits and hyphens. Left empty, it comes from the title.',
  },
  description: {
    label: 'Description',
    hint: 'One or two sentences for search results.',
    textarea: true,
    rows: 3,
  },
  specialty: { label: 'Specialty', hint: 'Lower-case, e.g. neurology.' },
  bottomLine: { label: 'Bottom line', hint: 'Markdown.', textarea: true, rows: 4 },
};

const ITEM_SPECS: Record<Exclude<ListName, 'keyTakeaways' | 'relatedSlugs'>, Record<string, FieldSpec>> = {
  sections: {
    heading: { label: 'Heading' },
    body: {
      label: 'Text',
      hint: 'Markdown: blank line between paragraphs, - for a list, **bold**.',
      textarea: true,
      rows: 10,
    },
  },
  faq: {
    question: { label: 'Question' },
    answer: { label: 'Answer', hint: 'Markdown.', textarea: true, rows: 4 },
  },
  references: {
    title: { label: 'Title' },
    url: { label: 'URL', inputType: 'url' },
    publisher: { label: 'Publisher' },
    year: { label: 'Year', inputType: 'text' },
  },
  images: {
    url: { label: 'Image URL', inputType: 'url' },
    alt: { label: 'Alt text', hint: 'What the image shows, for people who cannot see it.' },
    caption: { label: 'Caption' },
    sectionIndex: { label: 'Placed after' },
  },
};

const LISTS: Record<ListName, { heading: string; item: string; hint: string; add: string; empty: string }> = {
  keyTakeaways: {
    heading: 'Key takeaways',
    item: 'Takeaway',
    hint: 'Short sentences shown in a box at the top.',
    add: 'Add a takeaway',
    empty: 'No takeaways yet.',
  },
  sections: {
    heading: 'Sections',
    item: 'Section',
    hint: 'Each section is a heading and its text.',
    add: 'Add a section',
    empty: 'No sections yet: an article needs at least one before review.',
  },
  faq: {
    heading: 'Frequently asked questions',
    item: 'Question',
    hint: 'Every question needs its answer.',
    add: 'Add a question',
    empty: 'No questions yet.',
  },
  references: {
    heading: 'References',
    item: 'Reference',
    hint: 'The sources the article rests on: at least one before review.',
    add: 'Add a reference',
    empty: 'No references yet.',
  },
  relatedSlugs: {
    heading: 'Related articles',
    item: 'Related article',
    hint: 'The slug of another article, e.g. what-are-benzodiazepines.',
    add: 'Add a related article',
    empty: 'No related articles.',
  },
  images: {
    heading: 'Images',
    item: 'Image',
    hint: 'Every image needs alt text.',
    add: 'Add an image',
    empty: 'No images.',
  },
};

/** What the editor template reads: every field and list of the form, flat, with its error and conflict text. */
export function editorView(input: EditorViewInput) {
  const { form, errors, newer } = input;
  const mine = fieldValues(form);
  const field = (path: string, spec: FieldSpec, value: string): FieldView => {
    const theirs = newer?.get(path);
    return {
      id: fieldId(path),
      name: path,
      label: spec.label,
      labelHidden: false,
      value,
      hint: spec.hint ?? null,
      error: errors.get(path) ?? null,
      newer:
        newer && theirs !== value
          ? theirs === undefined
            ? '(not in the newer revision)'
            : theirs || '(empty)'
          : null,
      textarea: spec.textarea ?? false,
      rows: spec.rows ?? 3,
      select: false,
      options: [],
      inputType: spec.inputType ?? 'text',
    };
  };
  const top = Object.fromEntries(
    Object.entries(TOP_FIELDS).map(([name, spec]) => [name, field(name, spec, mine.get(name) ?? '')]),
  ) as Record<keyof typeof TOP_FIELDS, FieldView>;

  const list = (name: ListName): ListView => {
    const meta = LISTS[name];
    const values = form[name] as unknown[];
    const items = values.map((value, index): ItemView => {
      const path = `${name}[${index}]`;
      const fields =
        typeof value === 'string'
          ? [
              // The item's box is the item itself: its id is the item's with `-text`, so the two never clash.
              {
                ...field(
                  path,
                  { label: `${meta.item} ${index + 1}`, textarea: name === 'keyTakeaways', rows: 2 },
                  value,
                ),
                id: `${itemId(name, index)}-text`,
                labelHidden: true,
              },
            ]
          : Object.entries(ITEM_SPECS[name as keyof typeof ITEM_SPECS]).map(([key, spec]) =>
              field(`${path}.${key}`, spec, (value as Record<string, string>)[key]),
            );
      if (name === 'images') {
        const placement = fields.find((f) => f.name.endsWith('.sectionIndex'))!;
        placement.select = true;
        placement.options = [
          { value: '', label: 'The top of the article', selected: placement.value === '' },
          ...form.sections.map((section, i) => ({
            value: String(i),
            label: `Section ${i + 1}: ${section.heading || '(no heading yet)'}`,
            selected: placement.value === String(i),
          })),
        ];
        if (placement.value !== '' && !placement.options.some((o) => o.selected)) {
          placement.options.push({
            value: placement.value,
            label: `Section ${placement.value}`,
            selected: true,
          });
        }
      }
      return {
        id: itemId(name, index),
        legend: labelOf(path),
        fields,
        upOp: index > 0 ? `${name}.up.${index}` : null,
        downOp: index < values.length - 1 ? `${name}.down.${index}` : null,
        removeOp: `${name}.remove.${index}`,
        comments: name === 'sections' ? (input.commentsBySection.get(index) ?? []) : [],
      };
    });
    const newerCount = newer ? countOf(newer, name) : null;
    return {
      id: listId(name),
      heading: meta.heading,
      hint: meta.hint,
      addOp: `${name}.add`,
      addLabel: meta.add,
      error: errors.get(name) ?? null,
      newer:
        newerCount !== null && newerCount !== values.length
          ? `The newer revision has ${newerCount} ${newerCount === 1 ? meta.item.toLowerCase() : `${meta.item.toLowerCase()}s`}; your text has ${values.length}.`
          : null,
      items,
      empty: meta.empty,
    };
  };

  return {
    fields: top,
    lists: {
      keyTakeaways: list('keyTakeaways'),
      sections: list('sections'),
      faq: list('faq'),
      references: list('references'),
      relatedSlugs: list('relatedSlugs'),
      images: list('images'),
    },
    changeNote: field(
      'changeNote',
      { label: 'Change note (optional)', hint: 'Why you made this revision.' },
      form.changeNote,
    ),
    wholeArticleComments: input.commentsBySection.get(-1) ?? [],
  };
}

function countOf(values: Map<string, string>, list: ListName): number {
  const indexes = new Set<string>();
  for (const key of values.keys()) {
    const match = new RegExp(`^${list}\\[(\\d+)\\]`).exec(key);
    if (match) indexes.add(match[1]);
  }
  return indexes.size;
}
