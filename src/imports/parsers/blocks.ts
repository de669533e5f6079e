import type { ImportProblem, ParsedContent } from '../parsed-article.js';
import { emptyContent } from '../parsed-article.js';

/** A source's body reduced to the few kinds of block an article is made of, in reading order. */
export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: { text: string; url: string | null }[] }
  | { kind: 'image'; url: string; alt: string; caption: string | null }
  | { kind: 'qa'; question: string; answer: string };

type Part = 'body' | 'takeaways' | 'faq' | 'references' | 'bottomLine' | 'related';

const PART_HEADINGS: [RegExp, Part][] = [
  [/^key\s+(take\s*aways?|points)$/i, 'takeaways'],
  [/^(frequently\s+asked\s+questions|faqs?)$/i, 'faq'],
  [/^(references|sources|citations)$/i, 'references'],
  [/^(the\s+)?bottom\s+line$/i, 'bottomLine'],
  [/^related\s+(articles|reading|posts)$/i, 'related'],
];

function partOf(heading: string): Part {
  const text = heading.trim().replace(/[:.]$/, '');
  return PART_HEADINGS.find(([pattern]) => pattern.test(text))?.[1] ?? 'body';
}

const URL_IN_TEXT = /https?:\/\/[^\s)\]>"]+/i;

/** The opening words of a text, to name it in a problem. */
export function opening(text: string, words = 8): string {
  const all = text.replace(/\s+/g, ' ').trim().split(' ');
  return all.slice(0, words).join(' ') + (all.length > words ? '…' : '');
}

/**
 * An image's alt text run into the heading after it, as on the seed's page ("…onto a blue surface.Differences
 * Between…"): a sentence end glued to a capitalised heading. Returns both parts, or null.
 */
export function splitRunInAlt(text: string): { alt: string; heading: string } | null {
  const match = /^(.*[a-z0-9)][.!?])([A-Z][^.!]*)$/.exec(text.trim());
  if (!match || match[1].length < 10 || match[2].trim().length < 3) return null;
  return { alt: match[1].trim(), heading: match[2].trim() };
}

/** Turns blocks into article content, reporting what the source lacks; nothing is made up to fill a gap. */
export function assemble(
  blocks: Block[],
  base: Partial<ParsedContent> = {},
): {
  content: ParsedContent;
  problems: ImportProblem[];
} {
  const content: ParsedContent = { ...emptyContent(), ...base };
  const problems: ImportProblem[] = [];
  const fromBase = {
    takeaways: content.keyTakeaways.length > 0,
    faq: content.faq.length > 0,
    references: content.references.length > 0,
    bottomLine: content.bottomLine !== '',
  };
  const bottomLine: string[] = [];
  let part: Part = 'body';
  let section: { heading: string; parts: string[] } | null = null;
  let pendingQuestion: string | null = null;
  let referencesHeading = false;
  let relatedLines = 0;
  const sections: { heading: string; parts: string[] }[] = [];

  const flushQuestion = () => {
    if (pendingQuestion !== null) {
      content.faq.push({ question: pendingQuestion, answer: '' });
      pendingQuestion = null;
    }
  };

  for (const block of blocks) {
    if (block.kind === 'heading') {
      let heading = block.text.trim();
      const runIn = splitRunInAlt(heading);
      if (runIn) {
        heading = runIn.heading;
        problems.push({
          code: 'alt_text_in_heading',
          field: `sections[${sections.length}].heading`,
          message: `The alt text of an image ("${runIn.alt}") ran into the heading "${heading}". The heading was separated from it; the image itself is not in the source, so it was not imported.`,
        });
      }
      const next = partOf(heading);
      if (part === 'related' && next === 'body') {
        relatedLines += 1;
        continue;
      }
      if (part === 'faq') flushQuestion();
      if (next === 'faq' && part === 'faq') continue;
      if (part === 'faq' && next === 'body' && /\?$/.test(heading)) {
        pendingQuestion = heading;
        continue;
      }
      part = next;
      if (part === 'references') referencesHeading = true;
      if (part === 'body') {
        section = { heading, parts: [] };
        sections.push(section);
      }
      continue;
    }
    if (block.kind === 'image') {
      content.images.push({
        url: block.url,
        alt: block.alt,
        caption: block.caption,
        sectionIndex: sections.length ? sections.length - 1 : null,
      });
      continue;
    }
    if (part === 'related') {
      relatedLines += block.kind === 'list' ? block.items.length : 1;
      continue;
    }
    if (part === 'takeaways' && !fromBase.takeaways) {
      if (block.kind === 'list') content.keyTakeaways.push(...block.items.map((item) => item.text));
      else if (block.kind === 'paragraph') content.keyTakeaways.push(block.text);
      continue;
    }
    if (part === 'faq') {
      if (fromBase.faq) continue;
      if (block.kind === 'qa') {
        flushQuestion();
        content.faq.push({ question: block.question, answer: block.answer });
      } else {
        const text =
          block.kind === 'list' ? block.items.map((item) => `- ${item.text}`).join('\n') : block.text;
        if (block.kind === 'paragraph' && /\?$/.test(text.trim()) && text.length <= 300) {
          flushQuestion();
          pendingQuestion = text.trim();
        } else if (pendingQuestion !== null) {
          content.faq.push({ question: pendingQuestion, answer: text });
          pendingQuestion = null;
        } else {
          const last = content.faq[content.faq.length - 1];
          // A second paragraph of an answer whose question is known belongs to that answer.
          if (last && last.question && last.answer) last.answer += `\n\n${text}`;
          else content.faq.push({ question: '', answer: text });
        }
      }
      continue;
    }
    if (part === 'references') {
      if (fromBase.references) continue;
      const items =
        block.kind === 'list'
          ? block.items
          : block.kind === 'paragraph'
            ? [{ text: block.text, url: null }]
            : [];
      for (const item of items) {
        const url = item.url ?? URL_IN_TEXT.exec(item.text)?.[0] ?? null;
        const title =
          item.text
            .replace(URL_IN_TEXT, '')
            .replace(/[\s:–-]+$/, '')
            .trim() ||
          (url ?? '');
        if (!url) {
          problems.push({
            code: 'not_imported',
            field: 'references',
            message: `The reference "${opening(item.text, 12)}" has no link, so it was not imported; add its URL.`,
          });
          continue;
        }
        const year = /\b(1[5-9]\d\d|2[01]\d\d)\b/.exec(item.text)?.[1];
        content.references.push({ title, url, publisher: '', year: year ? Number(year) : null });
      }
      continue;
    }
    if (part === 'bottomLine') {
      if (!fromBase.bottomLine) bottomLine.push(blockMarkdown(block));
      continue;
    }
    if (!section) {
      section = { heading: '', parts: [] };
      sections.push(section);
    }
    section.parts.push(blockMarkdown(block));
  }
  if (part === 'faq') flushQuestion();

  content.sections = [
    ...content.sections,
    ...sections.map(({ heading, parts }) => ({ heading, body: parts.join('\n\n') })),
  ];
  if (!fromBase.bottomLine) content.bottomLine = bottomLine.join('\n\n');
  if (referencesHeading && content.references.length === 0) {
    problems.push({
      code: 'empty_references',
      field: 'references',
      message:
        'The source has a References heading with nothing under it: add the references before submitting.',
    });
  }
  if (relatedLines > 0) {
    problems.push({
      code: 'not_imported',
      field: 'relatedSlugs',
      message: `The "Related Articles" block (${relatedLines} line(s)) was not imported: related articles are linked by slug here; add them to relatedSlugs.`,
    });
  }
  return { content, problems };
}

function blockMarkdown(block: Exclude<Block, { kind: 'heading' } | { kind: 'image' }>): string {
  if (block.kind === 'paragraph') return block.text;
  if (block.kind === 'qa') return `**${block.question}**\n\n${block.answer}`;
  return block.items.map((item) => `- ${item.text}`).join('\n');
}
