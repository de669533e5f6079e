import { readFileSync } from 'node:fs';
import type { ArticleContent } from '../../src/articles/article-content.js';

/** The seed article bench:publish (and its ceiling) exports N copies of. */
export function seed(): ArticleContent {
  const content = JSON.parse(readFileSync('test/fixtures/seed-article.json', 'utf8')) as ArticleContent;
  return {
    ...content,
    references: content.references.map((r) => ({ ...r, year: r.year ?? null })),
    images: content.images.map((i) => ({
      ...i,
      caption: i.caption ?? null,
      sectionIndex: i.sectionIndex ?? null,
    })),
  };
}

export function articleContent(base: ArticleContent, index: number): ArticleContent {
  return { ...base, slug: `${base.slug}-${index}`, title: `${base.title} (${index})` };
}
