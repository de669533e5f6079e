import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { REPO_ROOT } from './machine.js';

/**
 * The history of every benchmark figure (#15 §3): bench/results/history.jsonl, append-only, one line per
 * benchmark run (its date, git commit, Node version, load average and figures). The report renders each
 * figure's history and flags a change beyond the run-to-run noise.
 */
export interface HistoryEntry {
  benchmark: string;
  /** When the benchmark ran (its result file's ranAt). */
  ranAt: string;
  /** The commit the run measured (`-dirty` when the tree had changes), or null when unknown. */
  commit: string | null;
  /** Where the commit came from: the result file itself, the git history of the result file, or HEAD when the
   * report took the run in (the run may have measured another commit then). */
  commitSource: 'result' | 'git-history' | 'head-at-ingest';
  node: string | null;
  /** 1, 5 and 15 minute load averages before the run, when recorded. */
  loadAverage: number[] | null;
  /** Figure label → the number shown first in its "measured" cell. */
  figures: Record<string, number>;
}

/** The commit of the working tree, `-dirty` when anything tracked is changed; null outside git. */
export function gitCommit(cwd = REPO_ROOT): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}

export function readHistory(path: string): HistoryEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as HistoryEntry);
}

/** Appends the entries that are not in the file yet (same benchmark and ranAt); returns those appended. */
export function appendHistory(path: string, entries: HistoryEntry[]): HistoryEntry[] {
  const known = new Set(readHistory(path).map(entryKey));
  const fresh = entries.filter((entry) => !known.has(entryKey(entry)));
  const unique = fresh.filter(
    (entry, index) => fresh.findIndex((e) => entryKey(e) === entryKey(entry)) === index,
  );
  if (unique.length) appendFileSync(path, unique.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
  return unique;
}

const entryKey = (entry: Pick<HistoryEntry, 'benchmark' | 'ranAt'>) =>
  `${entry.benchmark}\u0000${entry.ranAt}`;

/** The first number of a "measured" cell ("1,347 (0.56 of the ceiling)" → 1347); undefined when there is none. */
export function leadingNumber(text: string): number | undefined {
  const match = /^\s*(-?[\d,]*\.?\d+)/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1].replaceAll(',', ''));
  return Number.isFinite(value) ? value : undefined;
}

export function median(values: number[]): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The median absolute deviation from the median, scaled by 1.4826 (a standard deviation for normal noise). */
export function scaledMad(values: number[]): number {
  const centre = median(values);
  return 1.4826 * median(values.map((value) => Math.abs(value - centre)));
}

export interface NoiseRule {
  /** Flag a change larger than k × noise. */
  k: number;
  /** Runs before the latest needed to judge at all. */
  minimumPrevious: number;
  /** The noise is never taken as less than this share of the previous median (identical runs give a MAD of 0). */
  relativeFloor: number;
}

export const NOISE_RULE: NoiseRule = { k: 3, minimumPrevious: 3, relativeFloor: 0.02 };

export type Change =
  | { kind: 'too-few'; previous: number }
  | {
      kind: 'within-noise' | 'beyond-noise';
      latest: number;
      previousMedian: number;
      noise: number;
      /** |latest − previous median| / noise. */
      score: number;
      /** (latest − previous median) / previous median, or null when the median is 0. */
      relative: number | null;
    };

/**
 * Whether the latest value of a figure moved beyond its run-to-run noise: the previous runs' median, and their
 * scaled median absolute deviation as the noise (floored at `relativeFloor` × |median|); beyond when
 * |latest − median| > k × noise. Needs `minimumPrevious` earlier runs; the median and MAD shrug off one odd run.
 */
export function assessChange(series: number[], rule: NoiseRule = NOISE_RULE): Change {
  const previous = series.slice(0, -1);
  if (previous.length < rule.minimumPrevious || !series.length)
    return { kind: 'too-few', previous: previous.length };
  const latest = series[series.length - 1];
  const previousMedian = median(previous);
  const noise = Math.max(scaledMad(previous), rule.relativeFloor * Math.abs(previousMedian));
  const distance = Math.abs(latest - previousMedian);
  // A noise of 0 (every run 0): any change at all is beyond it.
  const score = noise > 0 ? distance / noise : distance > 0 ? Infinity : 0;
  return {
    kind: score > rule.k ? 'beyond-noise' : 'within-noise',
    latest,
    previousMedian,
    noise,
    score,
    relative: previousMedian === 0 ? null : (latest - previousMedian) / Math.abs(previousMedian),
  };
}

/** Which way is better for a figure, from its target's comparison ("≥ 1,500" → up; "< 100" → down). */
export function betterDirection(target: string): 'up' | 'down' | undefined {
  const trimmed = target.trim();
  if (/^(≥|>=|>)/.test(trimmed)) return 'up';
  if (/^(≤|<=|<)/.test(trimmed)) return 'down';
  return undefined;
}

/** Each figure's values in run order (oldest first), for one benchmark. */
export function seriesByFigure(
  history: HistoryEntry[],
  benchmark: string,
): Map<string, { ranAt: string; value: number }[]> {
  const series = new Map<string, { ranAt: string; value: number }[]>();
  const runs = history
    .filter((entry) => entry.benchmark === benchmark)
    .sort((a, b) => a.ranAt.localeCompare(b.ranAt));
  for (const run of runs) {
    for (const [label, value] of Object.entries(run.figures)) {
      const list = series.get(label) ?? [];
      list.push({ ranAt: run.ranAt, value });
      series.set(label, list);
    }
  }
  return series;
}
