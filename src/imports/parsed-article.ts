import type { ArticleImage, FaqEntry, Reference } from '../articles/article-content.js';

export const SOURCE_KINDS = ['html', 'markdown', 'wxr', 'json', 'text'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Something in a source the import could not carry over as is; it becomes a comment on the draft. */
export interface ImportProblem {
  code:
    | 'faq_answer_without_question'
    | 'empty_references'
    | 'alt_text_in_heading'
    | 'no_review_date'
    | 'no_reviewer'
    | 'unknown_reviewer'
    | 'slug_taken'
    | 'unsafe_url'
    | 'relative_url'
    | 'missing_field'
    | 'not_imported'
    | 'not_published';
  message: string;
  /** The content field the problem is about, like `faq[2].question`. */
  field?: string;
}

/** The past review a source attests: "Medically reviewed by NAME | CREDENTIALS, AFFILIATION on DATE". */
export interface AttestedReviewInput {
  reviewerName: string;
  credentials: string;
  affiliation: string;
  /** YYYY-MM-DD, a calendar date in the publication's time zone; null when the source gives none. */
  reviewedOn: string | null;
  /** The byline as printed, when the source printed one. */
  byline: string | null;
}

/** Article content as found in a source: every field the parser could fill, nothing invented. */
export interface ParsedContent {
  title: string;
  slug?: string;
  description: string;
  specialty?: string;
  keyTakeaways: string[];
  sections: { heading: string; body: string }[];
  faq: FaqEntry[];
  references: Reference[];
  bottomLine: string;
  relatedSlugs: string[];
  images: ArticleImage[];
}

/** One article found in a source file (a WordPress export holds many). */
export interface ParsedArticle {
  kind: SourceKind;
  /** The file name, with `#item` for one of several articles in a file. */
  sourceName: string;
  sourceUrl: string | null;
  author: string | null;
  content: ParsedContent;
  review: AttestedReviewInput | null;
  problems: ImportProblem[];
}

/** A file that could not be read as any source kind, or whose content is not an article. */
export class MalformedSourceError extends Error {}

export function emptyContent(): ParsedContent {
  return {
    title: '',
    description: '',
    keyTakeaways: [],
    sections: [],
    faq: [],
    references: [],
    bottomLine: '',
    relatedSlugs: [],
    images: [],
  };
}
