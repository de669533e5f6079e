import autocannon from 'autocannon';
import { cpuSeconds } from './service.js';

/** Integer from the environment (underscores allowed), or the default. */
export function intEnv(name: string, fallback: number, minimum = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < minimum)
    throw new Error(`${name} must be an integer >= ${minimum}`);
  return value;
}

/** A progress line: rewritten in place on a terminal, one line every few seconds otherwise (logs, run-all). */
export function progress(line: string, done = false): void {
  if (process.stdout.isTTY) process.stdout.write(`\r${line.padEnd(100)}${done ? '\n' : ''}`);
  else console.log(line);
}

export interface LoadSettings {
  label: string;
  baseUrl: string;
  /** Rotated through, in order, by every connection. */
  paths: string[];
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  /** The server's process: its CPU time during the run is reported per request (independent of other load). */
  pid?: number;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  bytesPerSecond: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  /** CPU time the server process spent per request, and its share of one core during the run. */
  serverCpuMsPerRequest?: number;
  serverCpuCores?: number;
}

/** Runs autocannon against `paths` for `seconds` and reports progress every second (every 5 s off a TTY). */
export async function load(settings: LoadSettings): Promise<LoadResult> {
  let finish: (error: Error | null, result: autocannon.Result) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(error) : resolve(result));
  });
  const instance = autocannon(
    {
      url: settings.baseUrl,
      connections: settings.connections,
      duration: settings.seconds,
      headers: settings.headers,
      requests: settings.paths.map((path) => ({ method: 'GET', path })),
    },
    (error: Error | null, result) => finish(error, result),
  );
  let responses = 0;
  instance.on('response', () => {
    responses += 1;
  });
  const cpuBefore = settings.pid ? cpuSeconds(settings.pid) : undefined;
  const started = Date.now();
  const every = process.stdout.isTTY ? 1000 : 5000;
  const ticker = setInterval(() => {
    const elapsed = (Date.now() - started) / 1000;
    progress(
      `  ${settings.label}: ${elapsed.toFixed(0)}/${settings.seconds} s, ${responses.toLocaleString('en-US')} responses`,
    );
  }, every);
  try {
    const result = await done;
    const cpuAfter = settings.pid ? cpuSeconds(settings.pid) : undefined;
    const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    progress(
      `  ${settings.label}: ${result.duration.toFixed(1)} s, ${result.requests.total.toLocaleString('en-US')} requests`,
      true,
    );
    return {
      requests: result.requests.total,
      requestsPerSecond: Math.round(result.requests.total / result.duration),
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
        mean: Number(result.latency.mean.toFixed(2)),
      },
      bytesPerSecond: Math.round(result.throughput.mean),
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      seconds: Number(result.duration.toFixed(2)),
      serverCpuMsPerRequest:
        cpu === undefined || !result.requests.total
          ? undefined
          : Number(((cpu * 1000) / result.requests.total).toFixed(3)),
      serverCpuCores: cpu === undefined ? undefined : Number((cpu / result.duration).toFixed(2)),
    };
  } finally {
    clearInterval(ticker);
  }
}

/** Every response must have been a 2xx without errors, or the figures measure something else. */
export function assertClean(label: string, result: LoadResult): void {
  if (result.non2xx || result.errors || result.timeouts || !result.requests) {
    throw new Error(
      `${label}: ${result.requests} requests, ${result.non2xx} non-2xx, ${result.errors} errors, ` +
        `${result.timeouts} timeouts: the run does not measure what it should`,
    );
  }
}

export type Row = [string, string, string, string];

/** The figures beside their targets, as every benchmark prints them. */
export function printTable(rows: Row[]): void {
  const header: Row = ['figure', 'measured', 'target', 'ratio / verdict'];
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column].length)));
  console.log('');
  for (const [index, row] of all.entries()) {
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    );
    if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  }
}

export const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

export type Comparison = '>=' | '>' | '<=' | '<';

export interface Judged {
  /** The figure as printed. */
  measured: string;
  /** The target as printed, with its comparison ("\>= 1099"). */
  target: string;
  /** measured / target as printed ("0.90"). */
  ratio: string;
  met: boolean;
}

/**
 * A figure beside its target, judged on exactly what is printed (#15 §3): both are rounded to `digits` first and
 * the verdict compares those rounded numbers, so a table can never print "measured 986, target >= 1099 ... met"
 * (a verdict taken from another statistic than the figure shown). Pass the statistic you print (a median, a
 * p99, a maximum), never a different one.
 */
export function judge(measured: number, comparison: Comparison, target: number, digits = 0): Judged {
  const shown = Number(measured.toFixed(digits));
  const goal = Number(target.toFixed(digits));
  const met =
    comparison === '>='
      ? shown >= goal
      : comparison === '>'
        ? shown > goal
        : comparison === '<='
          ? shown <= goal
          : shown < goal;
  return {
    measured: shown.toFixed(digits),
    target: `${comparison} ${goal.toFixed(digits)}`,
    ratio: goal === 0 ? '-' : (shown / goal).toFixed(2),
    met,
  };
}

/** A table row from a judged figure: label, figure, target, "0.90 of target, MISSED". */
export function judgedRow(
  label: string,
  judged: Judged,
  of = judged.target.startsWith('<') ? 'limit' : 'target',
): Row {
  return [label, judged.measured, judged.target, `${judged.ratio} of ${of}, ${verdict(judged.met)}`];
}
