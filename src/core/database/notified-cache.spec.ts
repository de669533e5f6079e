import { NotifiedCache } from './notified-cache.js';
import type { ChangeSubscriber, RowChangeListener } from './row-change-listener.js';

/** The listener as a cache sees it: whether it listens, and the subscriber it hands notifications to. */
function fakeListener(): { listener: RowChangeListener; subscriber: () => ChangeSubscriber } {
  let subscriber: ChangeSubscriber | undefined;
  const listener = {
    listening: true,
    subscribe: (_channel: string, s: ChangeSubscriber) => (subscriber = s),
    start: () => Promise.resolve(),
    changing: () => undefined,
  } as unknown as RowChangeListener;
  return { listener, subscriber: () => subscriber! };
}

const entry = (text: string) => ({ text });
const options = { maxSize: 10, sizeOf: (value: { text: string }) => value.text.length, maxAgeMs: 60_000 };

describe('NotifiedCache', () => {
  it('serves what was stored until the row is notified as changed', () => {
    const { listener, subscriber } = fakeListener();
    const cache = new NotifiedCache(listener, 'articles_changed', options);
    cache.set('a', entry('one'), cache.ticket());
    expect(cache.get('a')).toEqual(entry('one'));
    subscriber().changed('a');
    expect(cache.get('a')).toBeUndefined();
  });

  it('does not store a value read before a change was heard', () => {
    const { listener, subscriber } = fakeListener();
    const cache = new NotifiedCache(listener, 'articles_changed', options);
    const ticket = cache.ticket();
    subscriber().changed('a');
    cache.set('a', entry('old'), ticket);
    expect(cache.get('a')).toBeUndefined();
  });

  it("keeps a row this process is changing out of memory until its commit's notification", () => {
    const { listener, subscriber } = fakeListener();
    const cache = new NotifiedCache(listener, 'users_changed', options);
    cache.set('u', entry('v1'), cache.ticket());
    cache.invalidate('u');
    expect(cache.get('u')).toBeUndefined();
    // A read between the change and its commit sees the old row: it must not be kept.
    cache.set('u', entry('v1'), cache.ticket());
    expect(cache.get('u')).toBeUndefined();
    subscriber().changed('u');
    cache.set('u', entry('v2'), cache.ticket());
    expect(cache.get('u')).toEqual(entry('v2'));
  });

  it('serves and stores nothing while the listener is down, and forgets everything on a reset', () => {
    const { listener, subscriber } = fakeListener();
    const cache = new NotifiedCache(listener, 'articles_changed', options);
    cache.set('a', entry('one'), cache.ticket());
    (listener as { listening: boolean }).listening = false;
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', entry('two'), cache.ticket());
    (listener as { listening: boolean }).listening = true;
    expect(cache.get('b')).toBeUndefined();
    subscriber().reset();
    expect(cache.get('a')).toBeUndefined();
  });

  it('is bounded by size, least recently used out first', () => {
    const { listener } = fakeListener();
    const cache = new NotifiedCache(listener, 'articles_changed', options);
    cache.set('a', entry('aaaa'), cache.ticket());
    cache.set('b', entry('bbbb'), cache.ticket());
    cache.get('a');
    cache.set('c', entry('cccc'), cache.ticket());
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual(entry('aaaa'));
    expect(cache.stats.size).toBeLessThanOrEqual(10);
  });
});
