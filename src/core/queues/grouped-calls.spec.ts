import { GroupedCalls } from './grouped-calls.js';

/** A promise resolved from outside. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('GroupedCalls', () => {
  it('runs a lone call at once, and groups the calls made while a group runs (at most maxGroup each)', async () => {
    const groups: number[][] = [];
    const gate = deferred<void>();
    const calls = new GroupedCalls<number, string>(async (inputs) => {
      groups.push(inputs);
      if (groups.length === 1) await gate.promise;
      return inputs.map((n) => `#${n}`);
    }, 3);

    const first = calls.call(1);
    expect(groups).toEqual([[1]]);
    const later = [2, 3, 4, 5, 6].map((n) => calls.call(n));
    // Nothing else starts while the first group runs.
    await Promise.resolve();
    expect(groups).toEqual([[1]]);
    gate.resolve();

    expect(await first).toBe('#1');
    expect(await Promise.all(later)).toEqual(['#2', '#3', '#4', '#5', '#6']);
    expect(groups).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('fails every call of a group that throws, and runs the next group', async () => {
    const gate = deferred<void>();
    let runs = 0;
    const calls = new GroupedCalls<number, number>(async (inputs) => {
      runs += 1;
      if (runs === 1) await gate.promise;
      if (inputs.includes(13)) throw new Error('unlucky group');
      return inputs.map((n) => n * 2);
    }, 2);

    const first = calls.call(1);
    const bad = [calls.call(13), calls.call(14)];
    const good = calls.call(15);
    gate.resolve();

    expect(await first).toBe(2);
    await expect(bad[0]).rejects.toThrow('unlucky group');
    await expect(bad[1]).rejects.toThrow('unlucky group');
    expect(await good).toBe(30);
    // A call after everything settled starts a new group at once.
    expect(await calls.call(4)).toBe(8);
  });

  it('refuses a run that answers the wrong number of results', async () => {
    const calls = new GroupedCalls<number, number>(() => Promise.resolve([]), 4);
    await expect(calls.call(1)).rejects.toThrow('a group of 1 calls answered 0 results');
  });
});
