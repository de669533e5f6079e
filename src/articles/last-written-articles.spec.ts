import type { ArticleContent } from './article-content.js';
import { EMPTY_CONTENT } from './article-content.rules.js';
import type { Article } from './article.entity.js';
import { LastWrittenArticles } from './last-written-articles.js';

const article = (id: string, version: number) => ({ id, version, status: 'draft' }) as Article;
const content = (title: string, body = 'text'): ArticleContent => ({
  ...EMPTY_CONTENT,
  title,
  sections: [{ heading: 'One', body }],
});

describe('LastWrittenArticles', () => {
  it('answers only for the exact version written', () => {
    const kept = new LastWrittenArticles();
    kept.remember(article('a', 2), content('Two'), 'hash-2');
    expect(kept.get('a', 2)?.current).toEqual({ content: content('Two'), contentHash: 'hash-2' });
    expect(kept.get('a', 1)).toBeUndefined();
    expect(kept.get('a', 3)).toBeUndefined();
    expect(kept.get('b', 2)).toBeUndefined();
    kept.remember(article('a', 3), content('Three'), 'hash-3');
    expect(kept.get('a', 2)).toBeUndefined();
    expect(kept.get('a', 3)?.current.content.title).toBe('Three');
  });

  it('hands out copies: changing what it gave, or what it was given, changes nothing kept', () => {
    const kept = new LastWrittenArticles();
    const written = content('Title');
    const row = article('a', 1);
    kept.remember(row, written, 'hash');
    written.sections[0].body = 'changed by the caller';
    row.version = 7;
    const got = kept.get('a', 1)!;
    got.current.content.sections[0].body = 'changed by the reader';
    got.article.status = 'in_review';
    expect(kept.get('a', 1)?.current.content.sections[0].body).toBe('text');
    expect(kept.get('a', 1)?.article.status).toBe('draft');
  });

  it('forgets a version on request, and only that version', () => {
    const kept = new LastWrittenArticles();
    kept.remember(article('a', 2), content('Two'), 'hash-2');
    kept.forget('a', 1);
    expect(kept.get('a', 2)).toBeDefined();
    kept.forget('a', 2);
    expect(kept.get('a', 2)).toBeUndefined();
  });

  it('keeps the search pieces\' tsvectors of the version written, and counts them in its bound', () => {
    const kept = new LastWrittenArticles();
    kept.remember(article('a', 1), content('One'), 'hash-1', new Map([['One', "'one':1"]]));
    expect(kept.get('a', 1)?.searchVectors?.get('One')).toBe("'one':1");
    kept.remember(article('a', 2), content('Two'), 'hash-2');
    expect(kept.get('a', 2)?.searchVectors).toBeUndefined();
    const big = new Map([['x', 'y'.repeat(1_100_000)]]);
    kept.remember(article('b', 1), content('Big'), 'hash', big);
    expect(kept.get('b', 1)).toBeUndefined();
  });

  it('is bounded: the least recently written go first', () => {
    const kept = new LastWrittenArticles();
    const body = 'x'.repeat(500_000);
    for (let i = 0; i < 40; i++) kept.remember(article(`a${i}`, 1), content(`T${i}`, body), `h${i}`);
    expect(kept.get('a0', 1)).toBeUndefined();
    expect(kept.get('a39', 1)).toBeDefined();
  });
});
