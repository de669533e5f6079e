import type { FieldChange } from './revision-diff.js';
import { RevisionDiffCache } from './revision-diff-cache.js';
import { DIFF_PAGE_CHARS, pageJsonOf, sizeOfChange, toChangeJson } from './revision-diff-json.js';
import { RevisionDiffThread } from './revision-diff-thread.js';
import { largeRevisionPair } from './large-document.js';
import { readFileSync } from 'node:fs';
import type { ArticleContent } from './article-content.js';

const seed = (): ArticleContent =>
  JSON.parse(readFileSync(new URL('../../test/fixtures/seed-article.json', import.meta.url), 'utf8'));

const text = (chars: number) => 'word '.repeat(Math.ceil(chars / 5)).slice(0, chars);
const changed = (path: string, chars: number): FieldChange => ({
  path,
  kind: 'changed',
  before: text(chars),
  after: `${text(chars)}!`,
  words: [
    { op: 'equal', text: text(chars) },
    { op: 'added', text: '!' },
  ],
  granularity: 'word',
});
const parse = (page: ReturnType<typeof pageJsonOf>) =>
  JSON.parse(Buffer.concat(page.changes).toString('utf8')) as FieldChange[];

/** Pages joined from changes serialised on the diff thread (#15 §7): the same answer as the objects. */
describe('pageJsonOf', () => {
  it('gives the changes from offset up to limit, exactly as serialised objects, and the next offset', () => {
    const changes = ['title', 'description', 'sections[0].body', 'faq[1].answer'].map((path) =>
      changed(path, 10),
    );
    const json = toChangeJson(changes);
    const first = pageJsonOf(json, 0, 3);
    expect(parse(first)).toEqual(changes.slice(0, 3));
    expect(first).toMatchObject({ total: 4, offset: 0, nextOffset: 3 });
    const last = pageJsonOf(json, 3, 3);
    expect(parse(last)).toEqual(changes.slice(3));
    expect(last.nextOffset).toBeNull();
    const past = pageJsonOf(json, 4, 3);
    expect(parse(past)).toEqual([]);
    expect(past).toMatchObject({ total: 4, offset: 4, nextOffset: null });
  });

  it('stops a page at DIFF_PAGE_CHARS of text, and shows a change too large alone without its words', () => {
    const half = changed('sections[0].body', DIFF_PAGE_CHARS / 4);
    const huge = changed('sections[1].body', DIFF_PAGE_CHARS);
    const json = toChangeJson([half, half, half, huge]);
    expect(sizeOfChange(huge)).toBeGreaterThan(DIFF_PAGE_CHARS);
    const first = pageJsonOf(json, 0, 100);
    // Three changes of about a quarter's text each (before and after): the page stops at the cap.
    expect(parse(first).length).toBeLessThan(3);
    expect(first.nextOffset).toBe(parse(first).length);
    const alone = pageJsonOf(json, 3, 100);
    const { words: _words, granularity: _granularity, ...whole } = huge;
    expect(parse(alone)).toEqual([whole]);
    expect(alone.nextOffset).toBeNull();
  });
});

describe('RevisionDiffCache.changesJson', () => {
  it('diffs contents given as JSON text, once per pair of hashes, the same as the objects', async () => {
    const cache = new RevisionDiffCache(new RevisionDiffThread(null));
    const pair = largeRevisionPair({ ...seed(), slug: 'json-pair' }, { sections: 3, chars: 2_000 });
    let loads = 0;
    const load = () => {
      loads++;
      return Promise.resolve({ before: JSON.stringify(pair.before), after: JSON.stringify(pair.after) });
    };
    const [json, again] = await Promise.all([
      cache.changesJson('a', 'b', load),
      cache.changesJson('a', 'b', load),
    ]);
    expect(again).toBe(json);
    expect(loads).toBe(1);
    const objects = await cache.changes('a', 'b', () => Promise.resolve(pair));
    // Each diff is budgeted in time, so two runs may mark words differently: the places and texts are the same.
    const strip = ({ path, kind, before, after }: FieldChange) => ({ path, kind, before, after });
    const parsed = json.map((change) => JSON.parse(Buffer.from(change.json).toString('utf8')) as FieldChange);
    expect(parsed.map(strip)).toEqual(objects.map(strip));
    expect(parsed.map((change) => change.path)).toEqual([0, 1, 2].map((i) => `sections[${i}].body`));
    await cache.changesJson('a', 'b', load);
    expect(loads).toBe(1);
    await cache.close();
  });
});
