import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { ArticleContent } from '../articles/article-content.js';
import { changesByHeading } from '../articles/changes-by-heading.js';
import { RevisionDiffCache } from '../articles/revision-diff-cache.js';
import type { Revision } from '../articles/revision.entity.js';
import { buildPageViewModel } from '../publishing/page-view-model.js';
import { PageRendering } from '../publishing/page-rendering.service.js';
import { ReviewViews } from './review-views.js';

/** What the review page shows of one revision's content, the same for every reader. */
export interface RevisionDigest {
  specialty: string;
  title: string;
  description: string;
  /** The sections' headings and their anchors in the rendered revision, in order. */
  sections: { index: number; heading: string; anchor: string }[];
  /** The revision through the publication's own partials (`templates/desk/reviews/publication.hbs`). */
  html: string;
}

/** The changes between two revisions as the review page shows them. */
export interface ChangesDigest {
  /** How many places changed (each one a `change-group`). */
  groups: number;
  inline: string;
  sideBySide: string;
}

/**
 * Characters of HTML each cache may hold (the least recently used entries go first): 4M characters are at most 8 MB
 * (two-byte strings), about 130 revisions of the seed's size, well inside the API's 160 MB heap.
 */
const REVISIONS_CHARS = 4_000_000;
const CHANGES_CHARS = 4_000_000;
/** The word diffs behind the rendered changes are only needed on a miss of the changes cache: a small one. */
const DIFF_CHARS = 2_000_000;

/**
 * The review page's expensive, reader-independent parts, computed once: the revision rendered through the
 * publication's partials, and the word diff between the reviewer's last revision and the current one, grouped by
 * section and rendered.
 *
 * Every key is made of content hashes (with the revision numbers the page prints): a revision's content never
 * changes once written (the revisions table is append-only, and its hash is of that content), and the templates
 * and site settings are fixed for the life of the process, so an entry can never go stale and nothing needs to be
 * invalidated. Both caches are bounded LRUs. Nothing about the reader is in them: names, the CSRF token, the
 * assignment, comments and decisions are read and rendered on every request.
 */
@Injectable()
export class ReviewPageCache implements OnModuleDestroy {
  private readonly revisions = new LRUCache<string, RevisionDigest>({
    maxSize: REVISIONS_CHARS,
    sizeCalculation: (digest) => Math.max(1, digest.html.length),
  });
  private readonly changes = new LRUCache<string, ChangesDigest>({
    maxSize: CHANGES_CHARS,
    sizeCalculation: (digest) => Math.max(1, digest.inline.length + digest.sideBySide.length),
  });
  /** The word diffs themselves, by pair of content hashes, computed off the event loop (#15 §7). */
  private readonly diffs = new RevisionDiffCache(undefined, DIFF_CHARS);

  constructor(
    private readonly views: ReviewViews,
    private readonly rendering: PageRendering,
  ) {}

  /** The revision hashed `contentHash`; `load` reads it on a miss. */
  async revision(contentHash: string, load: () => Promise<Revision | null>): Promise<RevisionDigest | null> {
    const hit = this.revisions.get(contentHash);
    if (hit) return hit;
    const revision = await load();
    if (!revision) return null;
    if (revision.contentHash !== contentHash) throw new Error('the revision loaded is not the one asked for');
    const digest = this.digest(revision);
    this.revisions.set(contentHash, digest);
    return digest;
  }

  /**
   * The changes from revision `from` to revision `to` (numbers and content hashes); `load` reads both contents on
   * a miss. `toSections` gives the anchors of the newer revision's sections (the "Read … in the revision" links).
   */
  async changesBetween(
    from: { number: number; contentHash: string },
    to: { number: number; contentHash: string },
    toSections: RevisionDigest['sections'],
    load: () => Promise<{ before: ArticleContent; after: ArticleContent }>,
  ): Promise<ChangesDigest> {
    const key = `${from.contentHash}:${to.contentHash}:${from.number}:${to.number}`;
    const hit = this.changes.get(key);
    if (hit) return hit;
    let contents: { before: ArticleContent; after: ArticleContent } | undefined;
    const loadOnce = async () => (contents ??= await load());
    const fieldChanges = await this.diffs.changes(from.contentHash, to.contentHash, loadOnce);
    const { before, after } = await loadOnce();
    const groups = changesByHeading(before, after, fieldChanges).map((group) => ({
      heading: group.heading,
      kindText: group.kind === 'added' ? 'new' : group.kind === 'removed' ? 'removed' : 'changed',
      anchor: group.sectionIndex === null ? null : (toSections[group.sectionIndex]?.anchor ?? null),
      parts: group.parts.map((part) => ({
        label: part.label,
        before: part.before ?? '',
        after: part.after ?? '',
        words: part.words.map((word) => ({
          text: word.text,
          added: word.op === 'added',
          removed: word.op === 'removed',
        })),
      })),
    }));
    const render = (sideBySide: boolean) =>
      this.views.fragment('reviews/changes', {
        groups,
        sideBySide,
        fromRevision: from.number,
        toRevision: to.number,
      });
    const digest = { groups: groups.length, inline: render(false), sideBySide: render(true) };
    this.changes.set(key, digest);
    return digest;
  }

  /** Entries held (for tests). */
  stats(): { revisions: number; changes: number } {
    return { revisions: this.revisions.size, changes: this.changes.size };
  }

  onModuleDestroy(): Promise<void> {
    return this.diffs.close();
  }

  private digest(revision: Revision): RevisionDigest {
    const model = buildPageViewModel(
      {
        articleId: revision.articleId,
        revisionNumber: revision.number,
        revisionCreatedAt: revision.createdAt,
        content: revision.content,
        rendered: revision.rendered,
        authorName: '',
        signer: null,
        firstPublishedAt: null,
        nextReviewDueAt: null,
        related: [],
      },
      this.rendering.site,
      { noindex: true },
    );
    return {
      specialty: model.specialty,
      title: model.title,
      description: model.description,
      sections: model.sections.map((section, index) => ({
        index,
        heading: section.heading,
        anchor: section.anchor,
      })),
      // Only the content-derived parts of the model reach the partials (no author, dates or reader).
      html: this.views.fragment('reviews/publication', {
        keyTakeaways: model.keyTakeaways,
        sections: model.sections,
        faq: model.faq,
        bottomLineHtml: model.bottomLineHtml,
        references: model.references,
      }),
    };
  }
}
