import { alignIds, type AlignmentRun, internAll } from './sequence-alignment.js';

/** Applies the runs to `a`, checking every equal item, and returns the result, which must be `b`. */
function apply<T>(a: T[], b: T[], runs: AlignmentRun[]): T[] {
  const out: T[] = [];
  let x = 0;
  let y = 0;
  for (const run of runs) {
    for (let i = 0; i < run.count; i++) {
      if (run.op === 'equal') {
        expect(a[x]).toEqual(b[y]);
        out.push(a[x++]);
        y++;
      } else if (run.op === 'removed') x++;
      else out.push(b[y++]);
    }
  }
  expect(x).toBe(a.length);
  return out;
}

const edits = (runs: AlignmentRun[]) =>
  runs.filter((run) => run.op !== 'equal').reduce((n, r) => n + r.count, 0);

describe('alignIds', () => {
  it('finds the shortest edit script', () => {
    const [a, b] = internAll('ABCABBA'.split(''), 'CBABAC'.split(''));
    const runs = alignIds(a, b, 100)!;
    expect(apply(a, b, runs)).toEqual(b);
    expect(edits(runs)).toBe(5);
  });

  it('handles empty and identical sequences', () => {
    expect(alignIds([], [], 10)).toEqual([]);
    expect(alignIds([1, 2], [], 10)).toEqual([{ op: 'removed', count: 2 }]);
    expect(alignIds([], [1], 10)).toEqual([{ op: 'added', count: 1 }]);
    expect(alignIds([1, 2, 3], [1, 2, 3], 0)).toEqual([{ op: 'equal', count: 3 }]);
  });

  it('gives up past maxEdits', () => {
    expect(alignIds([1, 2, 3], [4, 5, 6], 5)).toBeUndefined();
    expect(alignIds([1, 2, 3], [4, 5, 6], 6)).toBeDefined();
  });

  it('aligns random sequences correctly', () => {
    let state = 11;
    const next = () => (state = (state * 16807) % 2147483647) % 5;
    for (let round = 0; round < 200; round++) {
      const a = Array.from({ length: next() * 3 }, next);
      const b = Array.from({ length: next() * 3 }, next);
      expect(apply(a, b, alignIds(a, b, 1000)!)).toEqual(b);
    }
  });
});
