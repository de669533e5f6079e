import { setImmediate as nextTurn } from 'node:timers/promises';
import { diffWordsWithSpace } from 'diff';
import type { ArticleContent } from './article-content.js';
import { alignIds, internAll } from './sequence-alignment.js';

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
  /**
   * How finely `words` marks the change: `word`, or `paragraph` when some paragraphs were too large or the diff's
   * budget ran out and are shown whole (removed, then added). Absent with `words`: the text is shown whole.
   */
  granularity?: DiffGranularity;
}

/**
 * The work a diff may do is bounded (#15 §7): a word diff costs time proportional to text length times edits, so
 * two heavily rewritten 800 KB revisions once took 70 s of CPU on the event loop. Every diff now has a budget of
 * its own CPU time; a text is word-diffed paragraph hunk by paragraph hunk, each call stopped at the time left;
 * past the budget (or for a hunk too large to word-diff) the hunk is shown whole (removed, then added), and a text
 * whose paragraphs cannot even be aligned in time is shown whole.
 */
export interface DiffBudget {
  /** CPU time (ms) this diff may spend on word and paragraph alignment, summed over all fields. */
  budgetMs: number;
  /** The longest one alignment call may run before it gives up (ms): bounds each synchronous slice. */
  sliceMs: number;
}

export const DEFAULT_DIFF_BUDGET: DiffBudget = { budgetMs: 80, sliceMs: 15 };

/** Texts up to this size are word-diffed in one call; larger ones are first aligned by paragraph. */
const DIRECT_WORD_DIFF_CHARS = 8_000;
/** A changed hunk larger than this is never word-diffed (tokenising alone would be slow): shown whole. */
const MAX_HUNK_CHARS = 40_000;
/** Paragraph alignment gives up past this many paragraph edits (memory grows with its square): shown whole. */
const MAX_PARAGRAPH_EDITS = 1_000;
/** A text larger than this is not aligned at all: shown whole. */
const MAX_ALIGNED_CHARS = 1_200_000;

/** How finely a changed text's `words` are marked. */
export type DiffGranularity = 'word' | 'paragraph';

class BudgetClock {
  private spent = 0;
  constructor(private readonly budget: DiffBudget) {}
  /** The time one alignment call may take now (0 when the budget is spent). */
  slice(): number {
    return Math.max(0, Math.min(this.budget.sliceMs, this.budget.budgetMs - this.spent));
  }
  run<T>(work: (timeout: number) => T): T | undefined {
    const timeout = this.slice();
    if (timeout <= 0) return undefined;
    const started = performance.now();
    try {
      return work(timeout);
    } finally {
      this.spent += performance.now() - started;
    }
  }
}

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

function toWordChanges(parts: { added?: boolean; removed?: boolean; value: string }[]): WordChange[] {
  return parts.map((part) => ({
    op: part.added ? 'added' : part.removed ? 'removed' : 'equal',
    text: part.value,
  }));
}

function directWords(before: string, after: string, clock: BudgetClock): WordChange[] | undefined {
  // With whitespace as tokens, a paragraph split or joined shows up; plain word diffs would hide it.
  const parts = clock.run((timeout) => diffWordsWithSpace(before, after, { timeout }));
  return parts ? toWordChanges(parts) : undefined;
}

/** Paragraphs with the blank lines between them as tokens of their own, so that joining them is a change. */
const paragraphsOf = (text: string) => text.split(/(\n\s*\n)/).filter((part) => part !== '');

/**
 * A large text: align its paragraphs first (cheap: few tokens), then word-diff each changed hunk (the removed
 * paragraphs against the added ones) within the time left; a hunk past the budget is shown whole.
 */
function* hunkWords(
  before: string,
  after: string,
  clock: BudgetClock,
): Generator<void, { words: WordChange[]; granularity: DiffGranularity } | undefined> {
  if (before.length + after.length > MAX_ALIGNED_CHARS || clock.slice() <= 0) return undefined;
  const [from, to] = [paragraphsOf(before), paragraphsOf(after)];
  const aligned = clock.run(() => {
    const [a, b] = internAll(from, to);
    return alignIds(a, b, MAX_PARAGRAPH_EDITS);
  });
  if (!aligned) return undefined;
  let x = 0;
  let y = 0;
  const words: WordChange[] = [];
  let granularity: DiffGranularity = 'word';
  let removed: string[] = [];
  let added: string[] = [];
  const wordDiff = (from: string, to: string) => {
    const marked =
      from && to && from.length + to.length <= MAX_HUNK_CHARS ? directWords(from, to, clock) : undefined;
    if (marked) return words.push(...marked);
    if (from && to) granularity = 'paragraph';
    if (from) words.push({ op: 'removed', text: from });
    if (to) words.push({ op: 'added', text: to });
  };
  function* flush(): Generator<void, void> {
    const from = removed.join('');
    const to = added.join('');
    if (from.length + to.length <= DIRECT_WORD_DIFF_CHARS || !removed.length || !added.length) {
      wordDiff(from, to);
    } else {
      // A large hunk (every paragraph of a rewritten text): the paragraphs side by side, by position.
      const common = Math.min(removed.length, added.length);
      for (let index = 0; index < common; index++) {
        wordDiff(removed[index], added[index]);
        yield;
      }
      wordDiff(removed.slice(common).join(''), added.slice(common).join(''));
    }
    removed = [];
    added = [];
  }
  for (const run of aligned) {
    if (run.op === 'removed') removed.push(...from.slice(x, (x += run.count)));
    else if (run.op === 'added') added.push(...to.slice(y, (y += run.count)));
    else {
      yield* flush();
      yield;
      words.push({ op: 'equal', text: from.slice(x, (x += run.count)).join('') });
      y += run.count;
    }
  }
  yield* flush();
  return { words, granularity };
}

function* wordChanges(
  before: string,
  after: string,
  clock: BudgetClock,
): Generator<void, { words: WordChange[]; granularity: DiffGranularity } | undefined> {
  if (before.length + after.length <= DIRECT_WORD_DIFF_CHARS) {
    const words = directWords(before, after, clock);
    return words ? { words: coalesce(words), granularity: 'word' } : undefined;
  }
  const hunks = yield* hunkWords(before, after, clock);
  return hunks ? { words: coalesce(hunks.words), granularity: hunks.granularity } : undefined;
}

function* compareText(
  changes: FieldChange[],
  path: string,
  before: string | null,
  after: string | null,
  clock: BudgetClock,
): Generator<void, void> {
  if (before === after) return;
  if (before === null) {
    changes.push({ path, kind: 'added', after: after! });
  } else if (after === null) {
    changes.push({ path, kind: 'removed', before });
  } else {
    const marked = yield* wordChanges(before, after, clock);
    changes.push({ path, kind: 'changed', before, after, ...(marked ?? {}) });
  }
  yield;
}

/**
 * Compares two lists item by item (by position): common positions field by field, extra positions as one
 * whole item added or removed.
 */
function* compareList<T>(
  changes: FieldChange[],
  clock: BudgetClock,
  path: string,
  before: T[],
  after: T[],
  fields: Record<string, (item: T) => string | null> | null,
  asText: (item: T) => string,
): Generator<void, void> {
  const common = Math.min(before.length, after.length);
  for (let index = 0; index < common; index++) {
    if (fields) {
      for (const [name, read] of Object.entries(fields)) {
        yield* compareText(
          changes,
          `${path}[${index}].${name}`,
          read(before[index]),
          read(after[index]),
          clock,
        );
      }
    } else {
      yield* compareText(changes, `${path}[${index}]`, asText(before[index]), asText(after[index]), clock);
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
 * removed at the end. Runs as steps, so that the async form can yield the event loop between them.
 */
function* diffSteps(
  before: ArticleContent,
  after: ArticleContent,
  budget: DiffBudget,
): Generator<void, FieldChange[]> {
  const changes: FieldChange[] = [];
  const clock = new BudgetClock(budget);
  yield* compareText(changes, 'title', before.title, after.title, clock);
  yield* compareText(changes, 'slug', before.slug, after.slug, clock);
  yield* compareText(changes, 'description', before.description, after.description, clock);
  yield* compareText(changes, 'specialty', before.specialty, after.specialty, clock);
  yield* compareList(
    changes,
    clock,
    'keyTakeaways',
    before.keyTakeaways,
    after.keyTakeaways,
    null,
    (text) => text,
  );
  yield* compareList(
    changes,
    clock,
    'sections',
    before.sections,
    after.sections,
    { heading: (section) => section.heading, body: (section) => section.body },
    (section) => joinParts(section.heading, section.body),
  );
  yield* compareList(
    changes,
    clock,
    'faq',
    before.faq,
    after.faq,
    { question: (entry) => entry.question, answer: (entry) => entry.answer },
    (entry) => joinParts(entry.question, entry.answer),
  );
  yield* compareList(
    changes,
    clock,
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
  yield* compareText(changes, 'bottomLine', before.bottomLine, after.bottomLine, clock);
  yield* compareList(
    changes,
    clock,
    'relatedSlugs',
    before.relatedSlugs,
    after.relatedSlugs,
    null,
    (slug) => slug,
  );
  yield* compareList(
    changes,
    clock,
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

/** The diff in one synchronous run: bounded by the budget (for e-mails and pages that need it in one call). */
export function diffContent(
  before: ArticleContent,
  after: ArticleContent,
  budget: DiffBudget = DEFAULT_DIFF_BUDGET,
): FieldChange[] {
  const steps = diffSteps(before, after, budget);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs of synchronous work between two yields of the event loop stay under this (ms). */
const YIELD_AFTER_MS = 8;

/**
 * The same diff, giving the event loop back every few milliseconds: many large diffs at once leave `/health` and
 * other requests answered in between.
 */
export async function diffContentAsync(
  before: ArticleContent,
  after: ArticleContent,
  budget: DiffBudget = DEFAULT_DIFF_BUDGET,
): Promise<FieldChange[]> {
  const steps = diffSteps(before, after, budget);
  let sliceStarted = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStarted >= YIELD_AFTER_MS) {
      await nextTurn();
      sliceStarted = performance.now();
    }
  }
}
