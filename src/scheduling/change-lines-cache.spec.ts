import { ChangeLinesCache } from './change-lines-cache.js';

describe('ChangeLinesCache', () => {
  const lines = (summary: string) => [{ field: 'Overview', summary }];

  it('computes a pair of content hashes once, and a different pair on its own', () => {
    const cache = new ChangeLinesCache();
    let computed = 0;
    const diff = (summary: string) => () => {
      computed += 1;
      return lines(summary);
    };
    expect(cache.get('h1', 'h2', diff('first'))).toEqual(lines('first'));
    expect(cache.get('h1', 'h2', diff('not used'))).toEqual(lines('first'));
    expect(computed).toBe(1);
    // A newer current revision is another key: its own lines, never the old pair's.
    expect(cache.get('h1', 'h3', diff('newer'))).toEqual(lines('newer'));
    // The order of the pair matters (signed, current).
    expect(cache.get('h2', 'h1', diff('reversed'))).toEqual(lines('reversed'));
    expect(computed).toBe(3);
    expect(cache.misses).toBe(3);
  });

  it('hands out copies, so an e-mail context cannot change what is cached', () => {
    const cache = new ChangeLinesCache();
    const first = cache.get('a', 'b', () => lines('text changed'));
    first[0].summary = 'tampered';
    first.push({ field: 'x', summary: 'y' });
    expect(cache.get('a', 'b', () => lines('recomputed'))).toEqual(lines('text changed'));
  });
});
