import { Injectable } from '@nestjs/common';
import type { ArticleContent } from './article-content.js';
import { normaliseContent } from './article-content.rules.js';
import type { Article } from './article.entity.js';

/** An article row at one version, with the content and hash of its current revision at that version. */
export interface ArticleAtVersion {
  article: Article;
  current: { content: ArticleContent; contentHash: string };
  /**
   * The tsvector (text form) PostgreSQL gave for each piece of this version's search text (`searchParts`), by
   * the piece's text: the next edit gives these instead of parsing the same text again.
   */
  searchVectors?: ReadonlyMap<string, string>;
}

/** Characters of text kept in all (a few MB): a writer's next save finds what the last one left. */
const MAX_CHARS = 8_000_000;

/**
 * What this process's last write of an article left, by article id: the row and its current content at the
 * version that write produced, so the next edit of it need not read them back. Nothing here is ever stale:
 * every change of an article row bumps its version and a version is never reused, so the state at
 * (id, version) never changes, and `get` answers only for the exact version asked. An edit on a version that
 * has since moved on (another process, a submit, a sign-off) misses here, or is refused by its conditional
 * UPDATE on that version. Bounded by characters of text, least recently written out first.
 */
@Injectable()
export class LastWrittenArticles {
  private readonly entries = new Map<string, ArticleAtVersion & { chars: number }>();
  private chars = 0;

  /** The article at exactly `version`, if this process wrote that version; copies, free to change. */
  get(id: string, version: number): ArticleAtVersion | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.article.version !== version) return undefined;
    return {
      article: { ...entry.article },
      current: { content: normaliseContent(entry.current.content), contentHash: entry.current.contentHash },
      searchVectors: entry.searchVectors,
    };
  }

  /** Keeps the state a write just committed (copied: the caller's objects stay the caller's). */
  remember(
    article: Article,
    content: ArticleContent,
    contentHash: string,
    searchVectors?: ReadonlyMap<string, string>,
  ): void {
    this.forget(article.id);
    const copy = normaliseContent(content);
    let chars = textLength(copy);
    // The map is the caller's to give away (never changed afterwards): kept as it is.
    for (const [text, vector] of searchVectors ?? []) chars += text.length + vector.length;
    if (chars > MAX_CHARS / 8) return;
    this.entries.set(article.id, {
      article: { ...article },
      current: { content: copy, contentHash },
      searchVectors,
      chars,
    });
    this.chars += chars;
    for (const [id, entry] of this.entries) {
      if (this.chars <= MAX_CHARS) break;
      this.entries.delete(id);
      this.chars -= entry.chars;
    }
  }

  /** Drops what is kept about the article at `version` (or at any version when none is given). */
  forget(id: string, version?: number): void {
    const entry = this.entries.get(id);
    if (!entry || (version !== undefined && entry.article.version !== version)) return;
    this.entries.delete(id);
    this.chars -= entry.chars;
  }
}

/** Characters of every text of the content (a size bound, not an exact byte count). */
function textLength(content: ArticleContent): number {
  let chars = content.title.length + content.description.length + content.bottomLine.length + 256;
  for (const text of content.keyTakeaways) chars += text.length;
  for (const section of content.sections) chars += section.heading.length + section.body.length;
  for (const entry of content.faq) chars += entry.question.length + entry.answer.length;
  for (const reference of content.references) chars += reference.title.length + reference.url.length + 32;
  for (const image of content.images) chars += image.url.length + image.alt.length + (image.caption ?? '').length;
  return chars;
}
