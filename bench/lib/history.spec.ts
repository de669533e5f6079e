import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendHistory,
  assessChange,
  betterDirection,
  type HistoryEntry,
  leadingNumber,
  median,
  readHistory,
  scaledMad,
  seriesByFigure,
} from './history.js';

const entry = (ranAt: string, figures: Record<string, number>, benchmark = 'article-read'): HistoryEntry => ({
  benchmark,
  ranAt,
  commit: 'abc123',
  commitSource: 'result',
  node: 'v20.20.2',
  loadAverage: [1, 1, 1],
  figures,
});

describe('leadingNumber', () => {
  it('reads the first number of a measured cell, thousands separators included', () => {
    expect(leadingNumber('1,347 (0.56 of the ceiling)')).toBe(1347);
    expect(leadingNumber('0.18 / 3.2')).toBe(0.18);
    expect(leadingNumber('-4.5')).toBe(-4.5);
    expect(leadingNumber('152')).toBe(152);
  });

  it('has nothing for a cell without a leading number', () => {
    expect(leadingNumber('yes')).toBeUndefined();
    expect(leadingNumber('-')).toBeUndefined();
    expect(leadingNumber('')).toBeUndefined();
  });
});

describe('median and scaled MAD', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('scales the median absolute deviation by 1.4826 and ignores one wild value', () => {
    // deviations from the median 10: 1, 0, 1, 90 → median 1
    expect(scaledMad([9, 10, 11, 100])).toBeCloseTo(1.4826 * 1, 6);
  });
});

describe('assessChange', () => {
  it('does not judge before three earlier runs', () => {
    expect(assessChange([500, 510, 2000])).toEqual({ kind: 'too-few', previous: 2 });
    expect(assessChange([])).toEqual({ kind: 'too-few', previous: 0 });
  });

  it('keeps a change inside k × noise unflagged', () => {
    // previous median 580, MAD 10 → noise 14.8; 600 is 20 away: 1.35 × noise
    const change = assessChange([570, 580, 590, 560, 600, 600]);
    expect(change.kind).toBe('within-noise');
  });

  it('flags a drop beyond k × noise, with the distance in units of noise', () => {
    const change = assessChange([570, 580, 590, 560, 600, 450]);
    expect(change.kind).toBe('beyond-noise');
    if (change.kind === 'too-few') throw new Error('judged');
    expect(change.previousMedian).toBe(580);
    expect(change.noise).toBeCloseTo(14.826, 3);
    expect(change.score).toBeCloseTo(130 / 14.826, 3);
    expect(change.relative).toBeCloseTo(-130 / 580, 6);
  });

  it('flags a rise the same way', () => {
    expect(assessChange([570, 580, 590, 560, 600, 700]).kind).toBe('beyond-noise');
  });

  it('is not made blind by one odd run in the history', () => {
    // One run at load 11 gave 100; the rest are within ±10 of 580. 450 is still flagged.
    expect(assessChange([570, 580, 100, 590, 585, 450]).kind).toBe('beyond-noise');
  });

  it('floors the noise at 2% of the median when every earlier run was identical', () => {
    expect(assessChange([100, 100, 100, 105]).kind).toBe('within-noise'); // 5 < 3 × 2
    expect(assessChange([100, 100, 100, 107]).kind).toBe('beyond-noise'); // 7 > 3 × 2
  });

  it('flags any change from a history of zeros (a noise of 0)', () => {
    const change = assessChange([0, 0, 0, 1]);
    expect(change.kind).toBe('beyond-noise');
    if (change.kind === 'too-few') throw new Error('judged');
    expect(change.relative).toBeNull();
    expect(assessChange([0, 0, 0, 0]).kind).toBe('within-noise');
  });

  it('uses the rule it is given', () => {
    const series = [570, 580, 590, 560, 600, 620];
    expect(assessChange(series).kind).toBe('within-noise');
    expect(assessChange(series, { k: 2, minimumPrevious: 3, relativeFloor: 0 }).kind).toBe('beyond-noise');
  });
});

describe('betterDirection', () => {
  it('reads the comparison of a target', () => {
    expect(betterDirection('≥ 1,500')).toBe('up');
    expect(betterDirection('>= 200.0')).toBe('up');
    expect(betterDirection('< 100')).toBe('down');
    expect(betterDirection('<= 1000.0')).toBe('down');
    expect(betterDirection('-')).toBeUndefined();
    expect(betterDirection('ceiling')).toBeUndefined();
  });
});

describe('seriesByFigure', () => {
  it('orders each figure by run date, for one benchmark only', () => {
    const history = [
      entry('2026-11-28T10:00:00Z', { rps: 600, p99: 170 }),
      entry('2026-11-26T10:00:00Z', { rps: 581 }),
      entry('2026-11-27T10:00:00Z', { rps: 1 }, 'public-page'),
    ];
    const series = seriesByFigure(history, 'article-read');
    expect(series.get('rps')).toEqual([
      { ranAt: '2026-11-26T10:00:00Z', value: 581 },
      { ranAt: '2026-11-28T10:00:00Z', value: 600 },
    ]);
    expect(series.get('p99')).toEqual([{ ranAt: '2026-11-28T10:00:00Z', value: 170 }]);
  });
});

describe('the history file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-history-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('only ever appends, and takes a run once however often the report is built', () => {
    const path = join(dir, 'history.jsonl');
    const first = entry('2026-11-26T10:00:00Z', { rps: 581 });
    expect(appendHistory(path, [first])).toHaveLength(1);
    const before = readFileSync(path, 'utf8');
    const second = entry('2026-11-28T10:00:00Z', { rps: 600 });
    expect(appendHistory(path, [first, second, second])).toEqual([second]);
    const after = readFileSync(path, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after.trim().split('\n')).toHaveLength(2);
    expect(readHistory(path)).toEqual([first, second]);
  });

  it('keeps the same date of two benchmarks apart', () => {
    const path = join(dir, 'history.jsonl');
    writeFileSync(path, `${JSON.stringify(entry('2026-11-26T10:00:00Z', { rps: 581 }))}\n`);
    const other = entry('2026-11-26T10:00:00Z', { mb: 190 }, 'memory');
    expect(appendHistory(path, [other])).toEqual([other]);
    expect(readHistory(path)).toHaveLength(2);
  });
});
