import { contentHash } from '../core/crypto/content-hash.js';
import type { ErrorDetail } from '../core/http/api-error.js';
import type { ArticleContent, Reference } from './article-content.js';

/** Content as it may arrive from a client: optional parts may be missing, nested objects may carry extras. */
export interface ContentInput extends Omit<ArticleContent, 'references'> {
  references: (Omit<Reference, 'publisher' | 'year'> & { publisher?: string; year?: number | null })[];
}

/** A new article before the writer has filled anything in. */
export const EMPTY_CONTENT: ArticleContent = {
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
};

/**
 * The one shape a revision is stored and hashed in: every field present, optional ones as null, nothing else.
 * Nothing a reader sees is trimmed or rewritten, so Unicode and whitespace survive exactly as typed.
 */
export function normaliseContent(input: ContentInput): ArticleContent {
  return {
    title: input.title,
    slug: input.slug,
    description: input.description,
    specialty: input.specialty,
    keyTakeaways: [...input.keyTakeaways],
    sections: input.sections.map(({ heading, body }) => ({ heading, body })),
    faq: input.faq.map(({ question, answer }) => ({ question, answer })),
    references: input.references.map(({ title, url, publisher, year }) => ({
      title,
      url,
      publisher: publisher ?? '',
      year: year ?? null,
    })),
    bottomLine: input.bottomLine,
    relatedSlugs: [...input.relatedSlugs],
    images: input.images.map(({ url, alt, caption, sectionIndex }) => ({
      url,
      alt,
      caption: caption ?? null,
      sectionIndex: sectionIndex ?? null,
    })),
  };
}

/** SHA-256 of the RFC 8785 serialisation of normalised content: what a sign-off is bound to. */
export function hashContent(content: ArticleContent): string {
  return contentHash(normaliseContent(content));
}

/** The top-level fields whose value differs between two revisions (for the audit trail). */
export function changedFields(before: ArticleContent, after: ArticleContent): (keyof ArticleContent)[] {
  // Normalised content has one key order (jsonb returns another), so plain JSON then compares it exactly.
  const [a, b] = [normaliseContent(before), normaliseContent(after)];
  return (Object.keys(b) as (keyof ArticleContent)[]).filter(
    (key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]),
  );
}

/** Problems in content that make it invalid in any state (400), beyond what the request shape checks. */
export function structuralProblems(content: ArticleContent): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  content.images.forEach((image, index) => {
    const sectionIndex = image.sectionIndex ?? null;
    if (sectionIndex !== null && sectionIndex >= content.sections.length) {
      problems.push({
        field: `images[${index}].sectionIndex`,
        reason: `points at section ${sectionIndex}, but the article has ${content.sections.length} section(s) (numbered from 0)`,
      });
    }
  });
  return problems;
}

const isBlank = (text: string) => text.trim() === '';

/** What a draft still lacks before a physician can review it; empty when it is complete. */
export function missingForReview(content: ArticleContent): ErrorDetail[] {
  const missing: ErrorDetail[] = [];
  if (isBlank(content.title)) missing.push({ field: 'title', reason: 'is empty' });
  if (content.sections.length === 0) {
    missing.push({ field: 'sections', reason: 'needs at least one section' });
  }
  content.sections.forEach((section, index) => {
    if (isBlank(section.heading)) missing.push({ field: `sections[${index}].heading`, reason: 'is empty' });
    if (isBlank(section.body)) missing.push({ field: `sections[${index}].body`, reason: 'is empty' });
  });
  content.faq.forEach((entry, index) => {
    if (isBlank(entry.question)) {
      missing.push({ field: `faq[${index}].question`, reason: 'is empty: every FAQ entry needs a question' });
    }
    if (isBlank(entry.answer)) {
      missing.push({ field: `faq[${index}].answer`, reason: 'is empty: every FAQ entry needs an answer' });
    }
  });
  content.images.forEach((image, index) => {
    if (isBlank(image.alt)) {
      missing.push({ field: `images[${index}].alt`, reason: 'is empty: every image needs alt text' });
    }
  });
  if (content.references.length === 0) {
    missing.push({ field: 'references', reason: 'needs at least one reference' });
  }
  content.references.forEach((reference, index) => {
    if (isBlank(reference.title)) missing.push({ field: `references[${index}].title`, reason: 'is empty' });
  });
  return missing;
}

/**
 * The pieces of text full-text search looks in, in reading order: title, description, each key takeaway, each
 * section (heading and body), each FAQ entry (question and answer) and the bottom line. The search document is
 * the concatenation (`tsvector || tsvector`) of each piece's own tsvector, so that an edit, which usually
 * changes one section, re-parses only the pieces it changed (the parse and stemming of the whole text was the
 * largest cost of a revision write, issue #15). Each piece's text is what `searchText` holds at that place.
 */
export function searchParts(content: ArticleContent): string[] {
  return [
    content.title,
    content.description,
    ...content.keyTakeaways,
    ...content.sections.map((section) => `${section.heading}\n${section.body}`),
    ...content.faq.map((entry) => `${entry.question}\n${entry.answer}`),
    content.bottomLine,
  ];
}

/** The text full-text search looks in: title, description and every piece of the body a reader sees. */
export function searchText(content: ArticleContent): string {
  return searchParts(content).join('\n');
}
