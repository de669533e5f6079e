import type { ArticleContent, RenderedContent } from '../articles/article-content.js';
import { SLUG_MAX_LENGTH } from '../articles/slug.js';
import { localDay } from '../sign-offs/byline.js';
import { httpUrl, trimBase } from './safe-url.js';
import { jsonForScript, schemaOrgSpecialty } from './structured-data.js';

/** Who signed the revision a page shows, as snapshotted in the sign-off (never the reviewer's current profile). */
export interface PageSigner {
  signOffId: string;
  reviewerId: string;
  displayName: string;
  credentials: string;
  affiliation: string;
  signedAt: Date;
}

export interface RelatedLink {
  slug: string;
  title: string;
}

/**
 * The parts of a revision's content a page shows. The Markdown sources (section bodies, FAQ answers, bottom
 * line) are not among them: the page uses the sanitised HTML rendered from them when the revision was saved.
 */
export type PageContent = Omit<ArticleContent, 'sections' | 'faq' | 'bottomLine'> & {
  sections: { heading: string }[];
  faq: { question: string }[];
};

/** Everything a page is made of. The same source always renders to the same bytes (no clock, no randomness). */
export interface PageSource {
  articleId: string;
  revisionNumber: number;
  revisionCreatedAt: Date;
  content: PageContent;
  /** Sanitised HTML produced when the revision was saved; used as is, never re-rendered here. */
  rendered: RenderedContent;
  authorName: string;
  signer: PageSigner | null;
  firstPublishedAt: Date | null;
  nextReviewDueAt: Date | null;
  /** Related articles that are live, in the order the writer listed them. */
  related: RelatedLink[];
}

export interface SiteSettings {
  siteName: string;
  publicBaseUrl: string;
  timeZone: string;
  lang: string;
}

export interface PageOptions {
  /** Shown at the top of previews. */
  banner?: string | null;
  noindex?: boolean;
}

export interface BylineView {
  reviewerUrl: string;
  reviewerName: string;
  credentials: string;
  affiliation: string;
  dateIso: string;
  dateText: string;
}

export interface SectionView {
  anchor: string;
  heading: string;
  images: { url: string; alt: string; caption: string | null }[];
  html: string;
}

/** The keys templates/layouts/page.hbs and its partials use; `css` is added by the renderer. */
export interface PageViewModel {
  lang: string;
  siteName: string;
  title: string;
  description: string;
  canonicalUrl: string;
  noindex: boolean;
  banner: string | null;
  jsonLd: string;
  specialty: string;
  authorName: string;
  byline: BylineView | null;
  keyTakeaways: string[];
  sections: SectionView[];
  faq: { question: string; answerHtml: string }[];
  bottomLineHtml: string;
  references: { url: string | null; title: string; publisher: string; year: number | null }[];
  related: { url: string; title: string }[];
  nextReview: { iso: string; text: string } | null;
}

export interface IndexViewModel {
  lang: string;
  siteName: string;
  canonicalUrl: string;
  articles: { url: string; title: string; description: string; lastReviewedText: string | null }[];
  /** When the index has more than one page: where this page is, and links to its neighbours. */
  pagination?: { page: number; pages: number; previousUrl: string | null; nextUrl: string | null };
}

export interface ReviewerViewModel {
  lang: string;
  siteName: string;
  canonicalUrl: string;
  reviewer: { displayName: string; credentials: string; affiliation: string; specialties: string[] };
  articles: { url: string; title: string }[];
}

export function articleUrl(site: SiteSettings, slug: string): string {
  return `${trimBase(site.publicBaseUrl)}/public/articles/${encodeURIComponent(slug)}`;
}

export function reviewerUrl(site: SiteSettings, reviewerId: string): string {
  return `${trimBase(site.publicBaseUrl)}/public/reviewers/${encodeURIComponent(reviewerId)}`;
}

/** The longest URL an article can have on this site (a slug of the longest length): what sizes a sitemap file. */
export function longestArticleUrl(site: SiteSettings): string {
  return articleUrl(site, 'x'.repeat(SLUG_MAX_LENGTH));
}

/** A sitemap file (`sitemap.xml`, `sitemap-<n>.xml`) as the service serves it. */
export function sitemapUrl(site: SiteSettings, file: string): string {
  return `${trimBase(site.publicBaseUrl)}/public/${file}`;
}

export function indexUrl(site: SiteSettings): string {
  return `${trimBase(site.publicBaseUrl)}/public/articles`;
}

/** "neurology" -> "Neurology", "infectious-disease" -> "Infectious disease". */
function specialtyLabel(specialty: string): string {
  const words = specialty.trim().replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function anchorsFor(headings: string[]): string[] {
  const used = new Set<string>();
  return headings.map((heading, index) => {
    const base =
      heading
        .normalize('NFKD')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 80)
        .replace(/-+$/, '') || `section-${index + 1}`;
    let anchor = base;
    for (let n = 2; used.has(anchor); n++) anchor = `${base}-${n}`;
    used.add(anchor);
    return anchor;
  });
}

/** The later of two instants: a re-review modifies the page as much as an edit does. */
export function pageModifiedAt(source: Pick<PageSource, 'revisionCreatedAt' | 'signer'>): Date {
  const signed = source.signer?.signedAt;
  return signed && signed > source.revisionCreatedAt ? signed : source.revisionCreatedAt;
}

function sectionsOf(source: PageSource): SectionView[] {
  const { content, rendered } = source;
  const anchors = anchorsFor(content.sections.map((s) => s.heading));
  const sections: SectionView[] = content.sections.map((section, index) => ({
    anchor: anchors[index],
    heading: section.heading,
    images: [],
    html: rendered.sections[index] ?? '',
  }));
  for (const image of content.images) {
    const url = httpUrl(image.url);
    // An image whose URL is not http(s) is left out entirely: its alt text must never become page text.
    if (!url || sections.length === 0) continue;
    const index = image.sectionIndex ?? 0;
    const section = sections[index >= 0 && index < sections.length ? index : 0];
    section.images.push({ url, alt: image.alt, caption: image.caption ?? null });
  }
  return sections;
}

function structuredData(
  source: PageSource,
  site: SiteSettings,
  canonicalUrl: string,
  references: PageViewModel['references'],
  faq: PageViewModel['faq'],
): string {
  const { content, signer } = source;
  const page: Record<string, unknown> = {
    '@type': 'MedicalWebPage',
    '@id': canonicalUrl,
    url: canonicalUrl,
    name: content.title,
    headline: content.title,
    description: content.description,
    inLanguage: site.lang,
    isPartOf: { '@type': 'WebSite', name: site.siteName, url: trimBase(site.publicBaseUrl) },
    publisher: { '@type': 'Organization', name: site.siteName },
    author: { '@type': 'Person', name: source.authorName },
    specialty: schemaOrgSpecialty(content.specialty),
    dateModified: pageModifiedAt(source).toISOString(),
    citation: references.map((reference) => ({
      '@type': 'CreativeWork',
      name: reference.title,
      ...(reference.url ? { url: reference.url } : {}),
      ...(reference.publisher.trim()
        ? { publisher: { '@type': 'Organization', name: reference.publisher } }
        : {}),
      ...(reference.year ? { datePublished: String(reference.year) } : {}),
    })),
  };
  if (source.firstPublishedAt) page.datePublished = source.firstPublishedAt.toISOString();
  if (signer) {
    page.lastReviewed = localDay(signer.signedAt, site.timeZone).iso;
    page.reviewedBy = {
      '@type': 'Person',
      '@id': reviewerUrl(site, signer.reviewerId),
      url: reviewerUrl(site, signer.reviewerId),
      name: signer.displayName.trim(),
      ...(signer.credentials.trim() ? { honorificSuffix: signer.credentials.trim() } : {}),
      ...(signer.affiliation.trim()
        ? { affiliation: { '@type': 'Organization', name: signer.affiliation.trim() } }
        : {}),
    };
  }
  const graph: Record<string, unknown>[] = [page];
  if (faq.length) {
    graph.push({
      '@type': 'FAQPage',
      '@id': `${canonicalUrl}#faq`,
      url: canonicalUrl,
      mainEntity: faq.map((entry) => ({
        '@type': 'Question',
        name: entry.question,
        acceptedAnswer: { '@type': 'Answer', text: entry.answerHtml },
      })),
    });
  }
  return jsonForScript({ '@context': 'https://schema.org', '@graph': graph });
}

/**
 * The view model of an article page. Everything a writer typed stays plain text here (Handlebars escapes it);
 * only the stored sanitised HTML goes out as HTML, and only http(s) URLs become links or image sources.
 */
export function buildPageViewModel(
  source: PageSource,
  site: SiteSettings,
  options: PageOptions = {},
): PageViewModel {
  const { content, signer } = source;
  const canonicalUrl = articleUrl(site, content.slug);
  const faq = content.faq.map((entry, index) => ({
    question: entry.question,
    answerHtml: source.rendered.faq[index] ?? '',
  }));
  const references = content.references.map((reference) => ({
    url: httpUrl(reference.url),
    title: reference.title,
    publisher: reference.publisher,
    year: reference.year ?? null,
  }));
  return {
    lang: site.lang,
    siteName: site.siteName,
    title: content.title,
    description: content.description,
    canonicalUrl,
    noindex: options.noindex ?? false,
    banner: options.banner ?? null,
    jsonLd: structuredData(source, site, canonicalUrl, references, faq),
    specialty: specialtyLabel(content.specialty),
    authorName: source.authorName,
    byline: signer
      ? {
          reviewerUrl: reviewerUrl(site, signer.reviewerId),
          reviewerName: signer.displayName.trim(),
          credentials: signer.credentials.trim(),
          affiliation: signer.affiliation.trim(),
          dateIso: localDay(signer.signedAt, site.timeZone).iso,
          dateText: localDay(signer.signedAt, site.timeZone).text,
        }
      : null,
    keyTakeaways: content.keyTakeaways,
    sections: sectionsOf(source),
    faq,
    bottomLineHtml: source.rendered.bottomLine,
    references,
    related: source.related.map((link) => ({ url: articleUrl(site, link.slug), title: link.title })),
    nextReview: source.nextReviewDueAt ? localDay(source.nextReviewDueAt, site.timeZone) : null,
  };
}
