/** The structured content of one revision (what a writer edits and a physician signs). */
export interface ArticleSection {
  heading: string;
  body: string;
}
export interface FaqEntry {
  question: string;
  answer: string;
}
export interface Reference {
  title: string;
  url: string;
  publisher: string;
  year: number | null;
}
export interface ArticleImage {
  url: string;
  alt: string;
  caption?: string | null;
  sectionIndex?: number | null;
}
export interface ArticleContent {
  title: string;
  slug: string;
  description: string;
  specialty: string;
  keyTakeaways: string[];
  sections: ArticleSection[];
  faq: FaqEntry[];
  references: Reference[];
  bottomLine: string;
  relatedSlugs: string[];
  images: ArticleImage[];
}

/** Sanitised HTML rendered from the Markdown fields once, when the revision is saved. */
export interface RenderedContent {
  sections: string[];
  faq: string[];
  bottomLine: string;
}
