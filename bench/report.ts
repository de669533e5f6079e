/**
 * `npm run bench:report`: reads every bench/results/*.json and writes bench/results/index.html, one static page
 * (inline CSS and SVG, no script, no external asset): per benchmark its figures beside their targets or
 * ceilings with a pass/miss mark, bar charts of measured against target or ceiling, the machine it ran on (with
 * the load average when the benchmark recorded it) and the command that reproduces it. A missing result file
 * shows as "not run"; a file of an older or unknown shape shows what is missing instead of failing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  appendHistory,
  assessChange,
  betterDirection,
  type Change,
  gitCommit,
  type HistoryEntry,
  leadingNumber,
  NOISE_RULE,
  readHistory,
  seriesByFigure,
} from './lib/history.js';
import { REPO_ROOT, RESULTS_DIR } from './lib/machine.js';

type Verdict = 'pass' | 'miss' | 'info';

interface Figure {
  label: string;
  measured: string;
  target: string;
  verdict: Verdict;
}

interface Bar {
  label: string;
  value: number;
  /** measured bars take the colour of their verdict; reference bars (a ceiling, the naive design) are grey. */
  kind: 'measured' | 'reference';
  verdict?: Verdict;
}

interface Chart {
  title: string;
  unit: string;
  bars: Bar[];
  /** A vertical line: the target (at least) or the limit (at most). */
  line?: { value: number; label: string };
  log?: boolean;
}

interface MachineView {
  cpu?: string;
  cores?: number;
  memoryMb?: number;
  node?: string;
  os?: string;
  loadAverage?: string;
  other: [string, string][];
}

interface Section {
  name: string;
  title: string;
  what: string;
  command: string;
  status: 'ok' | 'not run' | 'unreadable';
  problem?: string;
  ranAt?: string;
  parameters?: string;
  machine?: MachineView;
  figures: Figure[];
  charts: Chart[];
  /** This run as a line of the history file (when the result has a date and figures). */
  historyEntry?: HistoryEntry;
  /** Every recorded run of this benchmark, and each figure's series (filled in by main). */
  history?: { runs: HistoryEntry[]; rows: HistoryRow[] };
}

interface HistoryRow {
  label: string;
  values: { ranAt: string; value: number }[];
  change: Change;
  better?: 'up' | 'down';
}

/** A result file lacks a field this page needs: it comes from an older version of the benchmark. */
class ShapeError extends Error {}

function at(root: unknown, path: string): unknown {
  let value = root;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function optNum(root: unknown, path: string): number | undefined {
  const value = at(root, path);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function num(root: unknown, path: string): number {
  const value = optNum(root, path);
  if (value === undefined) throw new ShapeError(`no number at ${path}`);
  return value;
}

function optStr(root: unknown, path: string): string | undefined {
  const value = at(root, path);
  return typeof value === 'string' ? value : undefined;
}

function optBool(root: unknown, path: string): boolean | undefined {
  const value = at(root, path);
  return typeof value === 'boolean' ? value : undefined;
}

function records(root: unknown, path: string): Record<string, unknown>[] {
  const value = at(root, path);
  return Array.isArray(value)
    ? value.filter((item): item is Record<string, unknown> => item !== null && typeof item === 'object')
    : [];
}

const fmt = (value: number, digits = 2) => value.toLocaleString('en-US', { maximumFractionDigits: digits });
const mark = (met: boolean): Verdict => (met ? 'pass' : 'miss');

function esc(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Parameters as "name=value, ..." for the flat ones. */
function parametersOf(result: unknown): string | undefined {
  const parameters = at(result, 'parameters');
  if (!parameters || typeof parameters !== 'object') return undefined;
  return Object.entries(parameters)
    .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value) || Array.isArray(value))
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join('; ');
}

/** Machine fields under the names each benchmark happens to use. */
function machineOf(result: unknown): MachineView {
  const memoryBytes = optNum(result, 'machine.totalMemoryBytes');
  const before = at(result, 'machine.loadAverage.before');
  const after = at(result, 'machine.loadAverage.after');
  const oneMinuteAtEnd = optNum(result, 'machine.loadAverage1mAtEnd');
  const duringThroughput = at(result, 'throughput.loadAverage1m');
  let loadAverage: string | undefined;
  if (Array.isArray(before) && Array.isArray(after)) {
    loadAverage = `${before.join(' ')} before, ${after.join(' ')} after (1, 5, 15 min)`;
  } else if (oneMinuteAtEnd !== undefined) {
    loadAverage = `${oneMinuteAtEnd} at the end (1 min)`;
    const b = optNum(duringThroughput, 'before');
    const a = optNum(duringThroughput, 'after');
    if (b !== undefined && a !== undefined) loadAverage += `; ${b} → ${a} during the email run`;
  }
  const other: [string, string][] = [];
  for (const key of ['postgres', 'redis']) {
    const value = optStr(result, `machine.${key}`);
    if (value) other.push([key === 'postgres' ? 'PostgreSQL' : 'Redis', value]);
  }
  return {
    cpu: optStr(result, 'machine.cpu'),
    cores: optNum(result, 'machine.cores') ?? optNum(result, 'machine.cpus'),
    memoryMb:
      optNum(result, 'machine.memoryMb') ??
      (memoryBytes === undefined ? undefined : Math.round(memoryBytes / 1024 / 1024)),
    node: optStr(result, 'machine.node'),
    os: optStr(result, 'machine.os'),
    loadAverage,
    other,
  };
}

type Adapter = (result: unknown) => Pick<Section, 'figures' | 'charts'>;

interface Benchmark {
  name: string;
  file: string;
  title: string;
  what: string;
  command: string;
  adapt: Adapter;
}

const drafting: Adapter = (r) => {
  const writes = num(r, 'writes.revisionsPerSecond');
  const writesTarget = optNum(r, 'writes.target') ?? 500;
  const p99 = num(r, 'listingWithSearch.p99');
  const p99Limit = optNum(r, 'listingWithSearch.target') ?? 50;
  const figures: Figure[] = [
    {
      label: 'revisions written per second',
      measured: fmt(writes),
      target: `≥ ${fmt(writesTarget)}`,
      verdict: mark(writes >= writesTarget),
    },
    {
      label: 'listing with full-text search, p99 (ms)',
      measured: fmt(p99),
      target: `< ${fmt(p99Limit)}`,
      verdict: mark(p99 < p99Limit),
    },
  ];
  const p50 = optNum(r, 'listingWithSearch.p50');
  if (p50 !== undefined)
    figures.push({
      label: 'listing with search, p50 (ms)',
      measured: fmt(p50),
      target: '-',
      verdict: 'info',
    });
  const getP50 = optNum(r, 'getArticle.p50');
  const getP99 = optNum(r, 'getArticle.p99');
  if (getP50 !== undefined && getP99 !== undefined)
    figures.push({
      label: 'GET /articles/:id one at a time, p50 / p99 (ms)',
      measured: `${fmt(getP50)} / ${fmt(getP99)}`,
      target: '-',
      verdict: 'info',
    });
  const bytes = optNum(r, 'storage.bytesPerRevision');
  if (bytes !== undefined)
    figures.push({
      label: 'PostgreSQL bytes per revision',
      measured: fmt(bytes, 0),
      target: '-',
      verdict: 'info',
    });
  const charts: Chart[] = [
    {
      title: 'Revision writes',
      unit: 'revisions/s',
      bars: [{ label: 'measured', value: writes, kind: 'measured', verdict: mark(writes >= writesTarget) }],
      line: { value: writesTarget, label: `target ≥ ${fmt(writesTarget)}` },
    },
    {
      title: 'Listing with full-text search',
      unit: 'ms',
      bars: [
        ...(p50 === undefined
          ? []
          : [{ label: 'p50', value: p50, kind: 'measured' as const, verdict: 'info' as const }]),
        { label: 'p99', value: p99, kind: 'measured', verdict: mark(p99 < p99Limit) },
      ],
      line: { value: p99Limit, label: `p99 limit < ${fmt(p99Limit)}` },
    },
  ];
  return { figures, charts };
};

const publish: Adapter = (r) => {
  const full = num(r, 'fullExport.articlesPerSecond');
  const ceiling = num(r, 'ceiling.articlesPerSecond');
  const ratio = optNum(r, 'fullToCeilingRatio.value') ?? full / ceiling;
  const ratioTarget = optNum(r, 'fullToCeilingRatio.target') ?? 0.5;
  const reexport = num(r, 'reexportAfterOneChange.seconds');
  const reexportLimit = optNum(r, 'reexportAfterOneChange.target') ?? 1;
  const figures: Figure[] = [
    {
      label: 'full export path (articles/s)',
      measured: `${fmt(full, 0)} (${fmt(ratio)} of the ceiling)`,
      target: `≥ ${fmt(ceiling * ratioTarget, 0)} (${fmt(ratioTarget * 100, 0)}% of the ceiling)`,
      verdict: mark(optBool(r, 'fullToCeilingRatio.met') ?? ratio >= ratioTarget),
    },
    {
      label: 'ceiling: no database, no framework (articles/s)',
      measured: fmt(ceiling, 0),
      target: 'ceiling',
      verdict: 'info',
    },
    {
      label: 're-export after one article changed (s)',
      measured: fmt(reexport, 3),
      target: `< ${fmt(reexportLimit)}`,
      verdict: mark(optBool(r, 'reexportAfterOneChange.met') ?? reexport < reexportLimit),
    },
  ];
  const at10 = optNum(r, 'fullExport.retainedHeapAfter10PercentMb');
  const atEnd = optNum(r, 'fullExport.retainedHeapAtEndMb');
  const growth = optNum(r, 'memory.retainedAtEndOverAfter10Percent');
  if (at10 !== undefined && atEnd !== undefined && growth !== undefined) {
    figures.push({
      label: 'heap kept by the export, 10% → 100% of the pages (MB)',
      measured: `${fmt(at10)} → ${fmt(atEnd)} (×${fmt(growth)})`,
      target: `flat (${optStr(r, 'memory.target') ?? '≤ 1.25'})`,
      verdict: mark(optBool(r, 'memory.met') ?? growth <= 1.25),
    });
  }
  const peak = optNum(r, 'fullExport.peakRssMb');
  if (peak !== undefined)
    figures.push({
      label: 'peak RSS during the export (MB)',
      measured: fmt(peak, 0),
      target: '-',
      verdict: 'info',
    });
  const gate = optNum(r, 'publishThroughGate.articlesPerSecond');
  if (gate !== undefined)
    figures.push({
      label: 'publish through the gate (articles/s)',
      measured: fmt(gate, 0),
      target: '-',
      verdict: 'info',
    });
  const charts: Chart[] = [
    {
      title: 'Export: full path against the ceiling',
      unit: 'articles/s',
      bars: [
        {
          label: 'full path',
          value: full,
          kind: 'measured',
          verdict: mark(optBool(r, 'fullToCeilingRatio.met') ?? ratio >= ratioTarget),
        },
        { label: 'ceiling', value: ceiling, kind: 'reference' },
      ],
      line: { value: ceiling * ratioTarget, label: `target ≥ ${fmt(ratioTarget * 100, 0)}% of ceiling` },
    },
    {
      title: 'Re-export after one change',
      unit: 's',
      bars: [
        { label: 'measured', value: reexport, kind: 'measured', verdict: mark(reexport < reexportLimit) },
      ],
      line: { value: reexportLimit, label: `limit < ${fmt(reexportLimit)} s` },
    },
  ];
  if (at10 !== undefined && atEnd !== undefined) {
    charts.push({
      title: 'Heap kept after a full collection',
      unit: 'MB',
      bars: [
        { label: 'at 10%', value: at10, kind: 'reference' },
        { label: 'at 100%', value: atEnd, kind: 'measured', verdict: mark(atEnd <= at10 * 1.25) },
      ],
      line: { value: at10 * 1.25, label: 'flat: ≤ 1.25 × at 10%' },
    });
  }
  return { figures, charts };
};

function scheduleVerdict(text: string): Verdict {
  if (/^pass/i.test(text)) return 'pass';
  if (/^(fail|miss)/i.test(text)) return 'miss';
  return 'info';
}

const schedule: Adapter = (r) => {
  const listed = records(r, 'figures');
  const figures: Figure[] = listed.map((figure) => ({
    label: optStr(figure, 'metric') ?? '?',
    measured:
      typeof figure.value === 'number'
        ? fmt(figure.value, 3)
        : String((figure.value as string | boolean) ?? '-'),
    target: optStr(figure, 'target') ?? '-',
    verdict: scheduleVerdict(optStr(figure, 'verdict') ?? ''),
  }));
  const charts: Chart[] = [];
  const windowed = optNum(r, 'comparison.windowSweep.bytesPerArticle');
  const naive = optNum(r, 'comparison.oneDelayedJobPerArticle.bytesPerArticle');
  if (windowed !== undefined && naive !== undefined) {
    charts.push({
      title: `Redis bytes per article: window sweep (${optStr(r, 'comparison.windowSweep.window') ?? '?'}) against one delayed job per article`,
      unit: 'bytes/article',
      log: true,
      bars: [
        { label: 'window sweep', value: windowed, kind: 'measured', verdict: mark(windowed < naive) },
        { label: 'naive', value: naive, kind: 'reference' },
      ],
    });
  }
  const sweepLimit = optNum(r, 'targets.sweepMs');
  const sweeps = records(r, 'sweeps').filter((s) => optNum(s, 'wallMsMedian') !== undefined);
  if (sweeps.length && sweepLimit !== undefined) {
    charts.push({
      title: 'Sweep wall time (median)',
      unit: 'ms',
      bars: sweeps.map((s) => ({
        label: optStr(s, 'window') ?? '?',
        value: num(s, 'wallMsMedian'),
        kind: 'measured',
        verdict: mark(num(s, 'wallMsMedian') < sweepLimit),
      })),
      line: { value: sweepLimit, label: `limit < ${fmt(sweepLimit)} ms` },
    });
  }
  const emails = optNum(r, 'throughput.emailsPerSecond');
  const emailsTarget = optNum(r, 'targets.emailsPerSecond') ?? optNum(r, 'throughput.target');
  if (emails !== undefined && emailsTarget !== undefined) {
    charts.push({
      title: 'Reminder emails through render, outbox and SMTP',
      unit: 'emails/s',
      bars: [{ label: 'measured', value: emails, kind: 'measured', verdict: mark(emails >= emailsTarget) }],
      line: { value: emailsTarget, label: `target ≥ ${fmt(emailsTarget)}` },
    });
  }
  // Older files without the figures list: the headline numbers alone.
  if (!figures.length) {
    if (emails === undefined || emailsTarget === undefined)
      throw new ShapeError('no figures list and no throughput');
    figures.push({
      label: 'reminder emails per second',
      measured: fmt(emails),
      target: `≥ ${fmt(emailsTarget)}`,
      verdict: mark(emails >= emailsTarget),
    });
    if (windowed !== undefined && naive !== undefined)
      figures.push({
        label: 'Redis bytes per article, window sweep / naive',
        measured: `${fmt(windowed, 3)} / ${fmt(naive, 0)}`,
        target: 'window ≪ naive',
        verdict: mark(windowed < naive),
      });
  }
  return { figures, charts };
};

/** CPU time of the server process per request: much less skewed by other load on the machine than req/s. */
function cpuFigure(r: unknown, key: string, label: string): Figure[] {
  const ms = optNum(r, `${key}.serverCpuMsPerRequest`);
  const cores = optNum(r, `${key}.serverCpuCores`);
  if (ms === undefined) return [];
  const busy = cores === undefined ? '' : ` (${fmt(cores)} cores busy)`;
  return [{ label, measured: `${fmt(ms, 3)}${busy}`, target: '-', verdict: 'info' }];
}

const publicPage: Adapter = (r) => {
  const service = num(r, 'service.requestsPerSecond');
  const bare = num(r, 'bare.requestsPerSecond');
  const ratio = optNum(r, 'ratio.value') ?? service / bare;
  const target = optNum(r, 'ratio.target') ?? 0.5;
  const latency = (who: string) =>
    `${fmt(num(r, `${who}.latencyMs.p50`))} / ${fmt(num(r, `${who}.latencyMs.p99`))}`;
  return {
    figures: [
      {
        label: 'service, GET /public/articles/:slug (req/s)',
        measured: `${fmt(service, 0)} (${fmt(ratio)} of bare)`,
        target: `≥ ${fmt(bare * target, 0)} (${fmt(target * 100, 0)}% of bare Fastify)`,
        // The benchmark judged the printed figures (#15 §3); its verdict is the one shown.
        verdict: mark(optBool(r, 'ratio.met') ?? ratio >= target),
      },
      {
        label: 'bare Fastify, same bytes from memory (req/s)',
        measured: fmt(bare, 0),
        target: 'ceiling',
        verdict: 'info',
      },
      { label: 'service latency p50 / p99 (ms)', measured: latency('service'), target: '-', verdict: 'info' },
      { label: 'bare latency p50 / p99 (ms)', measured: latency('bare'), target: '-', verdict: 'info' },
      ...cpuFigure(r, 'service', 'service process CPU per request (ms)'),
      ...cpuFigure(r, 'bare', 'bare server CPU per request (ms)'),
      // The index and the sitemap, held to the same target (runs before 2026-12-01 measured the page only).
      ...['index', 'sitemap'].flatMap((key): Figure[] => {
        const served = optNum(r, `documents.${key}.service.requestsPerSecond`);
        const ceiling = optNum(r, `documents.${key}.bare.requestsPerSecond`);
        if (served === undefined || ceiling === undefined) return [];
        const path = at(r, `documents.${key}.path`);
        const documentRatio = optNum(r, `documents.${key}.ratio.value`) ?? served / ceiling;
        const documentTarget = optNum(r, `documents.${key}.ratio.target`) ?? target;
        return [
          {
            label: `service, GET ${typeof path === 'string' ? path : key} (req/s)`,
            measured: `${fmt(served, 0)} (${fmt(documentRatio)} of bare's ${fmt(ceiling, 0)})`,
            target: `≥ ${fmt(ceiling * documentTarget, 0)} (${fmt(documentTarget * 100, 0)}% of bare Fastify)`,
            verdict: mark(optBool(r, `documents.${key}.ratio.met`) ?? documentRatio >= documentTarget),
          },
        ];
      }),
    ],
    charts: [
      {
        title: 'Requests per second: the service against bare Fastify serving the same bytes',
        unit: 'req/s',
        bars: [
          { label: 'service', value: service, kind: 'measured', verdict: mark(ratio >= target) },
          { label: 'bare Fastify', value: bare, kind: 'reference' },
        ],
        line: { value: bare * target, label: `target ≥ ${fmt(target * 100, 0)}% of bare` },
      },
      {
        title: 'Latency under the same load',
        unit: 'ms',
        bars: [
          { label: 'service p50', value: num(r, 'service.latencyMs.p50'), kind: 'measured', verdict: 'info' },
          { label: 'service p99', value: num(r, 'service.latencyMs.p99'), kind: 'measured', verdict: 'info' },
          { label: 'bare p50', value: num(r, 'bare.latencyMs.p50'), kind: 'reference' },
          { label: 'bare p99', value: num(r, 'bare.latencyMs.p99'), kind: 'reference' },
        ],
      },
    ],
  };
};

/** One runtime's rows of bench:article-read: req/s and p99 beside their targets, and the ratio to bare Nest. */
function articleReadFigures(r: unknown, node: string): Figure[] {
  const rps = num(r, 'result.requestsPerSecond');
  const rpsTarget = optNum(r, 'targets.requestsPerSecond.target') ?? 1500;
  const p99 = num(r, 'result.latencyMs.p99');
  const p99Limit = optNum(r, 'targets.p99Ms.target') ?? 100;
  const bare = optNum(r, 'bare.requestsPerSecond');
  const ratio = optNum(r, 'ratio');
  const ratioTarget = optNum(r, 'targets.ratioToBare.target') ?? 0.15;
  return [
    {
      label: `${node}: GET /articles/:id with a JWT (req/s)`,
      measured: fmt(rps, 0),
      target: `≥ ${fmt(rpsTarget)}`,
      verdict: mark(optBool(r, 'targets.requestsPerSecond.met') ?? rps >= rpsTarget),
    },
    ...(bare === undefined || ratio === undefined
      ? []
      : [
          {
            label: `${node}: bare Nest on Fastify, same bytes (req/s)`,
            measured: fmt(bare, 0),
            target: 'ceiling',
            verdict: 'info' as const,
          },
          {
            label: `${node}: service / bare`,
            measured: fmt(ratio),
            target: `≥ ${fmt(ratioTarget)}`,
            verdict: mark(optBool(r, 'targets.ratioToBare.met') ?? ratio >= ratioTarget),
          },
        ]),
    {
      label: `${node}: latency p50 (ms)`,
      measured: fmt(num(r, 'result.latencyMs.p50')),
      target: '-',
      verdict: 'info',
    },
    {
      label: `${node}: latency p99 (ms)`,
      measured: fmt(p99),
      target: `< ${fmt(p99Limit)}`,
      verdict: mark(optBool(r, 'targets.p99Ms.met') ?? p99 < p99Limit),
    },
    ...cpuFigure(r, 'result', `${node}: API process CPU per request (ms)`),
  ];
}

const articleRead: Adapter = (r) => {
  const rps = num(r, 'result.requestsPerSecond');
  const rpsTarget = optNum(r, 'targets.requestsPerSecond.target') ?? 1500;
  const p50 = num(r, 'result.latencyMs.p50');
  const p99 = num(r, 'result.latencyMs.p99');
  const p99Limit = optNum(r, 'targets.p99Ms.target') ?? 100;
  const node = optStr(r, 'node') ?? optStr(r, 'machine.node') ?? 'Node ?';
  const runtimes = at(r, 'runtimes');
  const figures = Array.isArray(runtimes)
    ? runtimes.flatMap((runtime: unknown) => articleReadFigures(runtime, optStr(runtime, 'node') ?? '?'))
    : articleReadFigures(r, node);
  const bars: Bar[] = Array.isArray(runtimes)
    ? runtimes.flatMap((runtime: unknown) => {
        const label = optStr(runtime, 'node') ?? '?';
        const value = num(runtime, 'result.requestsPerSecond');
        const bare = optNum(runtime, 'bare.requestsPerSecond');
        return [
          { label: `service ${label}`, value, kind: 'measured' as const, verdict: mark(value >= rpsTarget) },
          ...(bare === undefined
            ? []
            : [{ label: `bare Nest ${label}`, value: bare, kind: 'reference' as const }]),
        ];
      })
    : [{ label: `measured ${node}`, value: rps, kind: 'measured', verdict: mark(rps >= rpsTarget) }];
  return {
    figures,
    charts: [
      {
        title: 'Authenticated article reads, against a bare Nest route serving the same bytes',
        unit: 'req/s',
        bars,
        line: { value: rpsTarget, label: `target ≥ ${fmt(rpsTarget)}` },
      },
      {
        title: `Latency (${node})`,
        unit: 'ms',
        bars: [
          { label: 'p50', value: p50, kind: 'measured', verdict: 'info' },
          { label: 'p99', value: p99, kind: 'measured', verdict: mark(p99 < p99Limit) },
        ],
        line: { value: p99Limit, label: `p99 limit < ${fmt(p99Limit)}` },
      },
    ],
  };
};

const memory: Adapter = (r) => {
  const limit = optNum(r, 'target.maxUnderLoadMb') ?? 250;
  const start = num(r, 'rssMb.idleAfterStart');
  const warm = num(r, 'rssMb.idleAfterWarmup');
  const max = num(r, 'rssMb.maxUnderLoad');
  const peak = optNum(r, 'rssMb.peakSinceStart');
  const figures: Figure[] = [
    { label: 'RSS idle after start-up (MB)', measured: fmt(start, 1), target: '-', verdict: 'info' },
    { label: 'RSS idle after warm-up (MB)', measured: fmt(warm, 1), target: '-', verdict: 'info' },
    {
      label: 'RSS max under load (MB)',
      measured: fmt(max, 1),
      target: `< ${fmt(limit)}`,
      verdict: mark(max < limit),
    },
  ];
  if (peak !== undefined)
    figures.push({
      label: 'RSS peak since start (VmHWM, MB)',
      measured: fmt(peak, 1),
      target: '-',
      verdict: 'info',
    });
  return {
    figures,
    charts: [
      {
        title: 'Resident memory of the API process',
        unit: 'MB',
        bars: [
          { label: 'idle, start-up', value: start, kind: 'reference' },
          { label: 'idle, warm', value: warm, kind: 'reference' },
          { label: 'max under load', value: max, kind: 'measured', verdict: mark(max < limit) },
        ],
        line: { value: limit, label: `limit < ${fmt(limit)} MB` },
      },
    ],
  };
};

const diffStall: Adapter = (r) => {
  const p99 = num(r, 'result.healthMs.p99');
  const p99Limit = optNum(r, 'targets.healthP99Ms.target') ?? 100;
  const slowest = num(r, 'result.diffMs.slowest');
  const diffLimit = optNum(r, 'targets.diffMs.target') ?? 2000;
  const p99Met = optBool(r, 'targets.healthP99Ms.met') ?? p99 < p99Limit;
  const diffMet = optBool(r, 'targets.diffMs.met') ?? slowest <= diffLimit;
  return {
    figures: [
      {
        label: '/health p99 during the diffs (ms)',
        measured: fmt(p99, 1),
        target: `< ${fmt(p99Limit)}`,
        verdict: mark(p99Met),
      },
      {
        label: 'slowest diff, all pages (ms)',
        measured: fmt(slowest, 0),
        target: `≤ ${fmt(diffLimit)}`,
        verdict: mark(diffMet),
      },
    ],
    charts: [
      {
        title: '/health while large diffs run',
        unit: 'ms',
        bars: [{ label: 'p99', value: p99, kind: 'measured', verdict: mark(p99Met) }],
        line: { value: p99Limit, label: `limit < ${fmt(p99Limit)}` },
      },
    ],
  };
};

/** bench:cluster records its table as printed, with the verdicts it judged (judge(): on the printed figure). */
const cluster: Adapter = (r) => {
  const listed = records(r, 'figures');
  if (!listed.length) throw new ShapeError('no figures list');
  const figures: Figure[] = listed.map((figure) => ({
    label: optStr(figure, 'label') ?? '?',
    measured: optStr(figure, 'measured') ?? '-',
    target: optStr(figure, 'target') ?? '-',
    verdict: (['pass', 'miss', 'info'] as const).find((v) => v === figure.verdict) ?? 'info',
  }));
  const delays = records(r, 'propagation.trials').filter((t) => optNum(t, 'delayMs') !== undefined);
  const limit = optNum(r, 'targets.propagationMs') ?? 1000;
  const charts: Chart[] = [];
  if (delays.length)
    charts.push({
      title: 'Publish on one API process → served by the other, per trial',
      unit: 'ms',
      bars: delays.map((t) => ({
        label: `#${num(t, 'trial')} ${optStr(t, 'publishedThrough') ?? ''}→${(optStr(t, 'servedBy') ?? '').replace('api ', '')}`,
        value: num(t, 'delayMs'),
        kind: 'measured' as const,
        verdict: mark(num(t, 'delayMs') <= limit),
      })),
      line: { value: limit, label: `limit ≤ ${fmt(limit)} ms` },
    });
  const rps = optNum(r, 'reads.requestsPerSecond');
  const rpsTarget = optNum(r, 'targets.requestsPerSecond');
  if (rps !== undefined && rpsTarget !== undefined)
    charts.push({
      title: 'GET /articles/:id over every API process',
      unit: 'req/s',
      bars: [
        ...records(r, 'reads.perProcess').map((p) => ({
          label: optStr(p, 'process') ?? '?',
          value: num(p, 'requestsPerSecond'),
          kind: 'reference' as const,
        })),
        {
          label: 'all',
          value: rps,
          kind: 'measured',
          verdict: mark(optBool(r, 'reads.met.requestsPerSecond') ?? rps >= rpsTarget),
        },
      ],
      line: { value: rpsTarget, label: `target ≥ ${fmt(rpsTarget)}` },
    });
  return { figures, charts };
};

const BENCHMARKS: Benchmark[] = [
  {
    name: 'drafting',
    file: 'drafting.json',
    title: 'Drafting: revision writes and search listing',
    what: 'Articles with several revisions written through the service layer, then reads and full-text listing over HTTP one request at a time.',
    command: 'npm run bench:drafting',
    adapt: drafting,
  },
  {
    name: 'publish',
    file: 'publish.json',
    title: 'Publishing: export against its ceiling',
    what: 'The full export path (PostgreSQL → page → atomic file → checksums) against the same templates rendered from memory with no database or framework; re-export after one change; memory kept by the export.',
    command: 'npm run bench:publish',
    adapt: publish,
  },
  {
    name: 'schedule',
    file: 'schedule.json',
    title: 'Re-review scheduling: sweep, Redis memory, reminder emails',
    what: 'The window sweep over a million review schedules, Redis bytes against one delayed job per article, and reminder emails through the real worker, outbox and SMTP.',
    command: 'npm run bench:schedule',
    adapt: schedule,
  },
  {
    name: 'public-page',
    file: 'public-page.json',
    title: 'Public pages against bare Fastify',
    what: 'GET /public/articles/:slug (every slug in turn), the index GET /public/articles and GET /public/sitemap.xml from the service process, each against a bare Fastify 5 process serving the same bytes from memory at the same path, same autocannon settings (runs before 2026-12-01 measured the article page only).',
    command: 'npm run bench:public-page',
    adapt: publicPage,
  },
  {
    name: 'article-read',
    file: 'article-read.json',
    title: 'Authenticated article reads under load',
    what: "GET /articles/:id with a real JWT under concurrent load, the service running as APP_ROLE=api, against a bare NestJS app on Fastify answering the same JSON bytes with the same load; on each Node.js runtime at hand (the runner's, and Node 24 when installed).",
    command: 'npm run bench:article-read',
    adapt: articleRead,
  },
  {
    name: 'diff-stall',
    file: 'diff-stall.json',
    title: 'Large diffs cannot stall the API',
    what: 'Ten diffs at once of two 800 KB revisions rewritten throughout (40 sections × 20,000 characters), every page fetched, while /health is asked back to back.',
    command: 'npm run bench:diff-stall',
    adapt: diffStall,
  },
  {
    name: 'cluster',
    file: 'cluster.json',
    title: 'Several processes, one system',
    what: '2 API and 2 worker processes on one PostgreSQL and one Redis under the article-read load and the reminder load at once: reads over both API processes, reminder e-mails end to end through both workers, a page published through one API process served by the other, and no reminder sent twice.',
    command: 'npm run bench:cluster',
    adapt: cluster,
  },
  {
    name: 'memory',
    file: 'memory.json',
    title: 'Memory of the API process',
    what: 'Resident size (VmRSS) of the API process idle and under the article-read load (measured by the same run).',
    command: 'npm run bench:article-read',
    adapt: memory,
  },
];

function section(benchmark: Benchmark): Section {
  const base: Section = {
    name: benchmark.name,
    title: benchmark.title,
    what: benchmark.what,
    command: benchmark.command,
    status: 'not run',
    figures: [],
    charts: [],
  };
  const path = join(RESULTS_DIR, benchmark.file);
  if (!existsSync(path)) return base;
  let result: unknown;
  try {
    result = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { ...base, status: 'unreadable', problem: `${benchmark.file} is not JSON: ${String(error)}` };
  }
  const ranAt = optStr(result, 'ranAt') ?? optStr(result, 'measuredAt');
  try {
    const adapted = benchmark.adapt(result);
    return {
      ...base,
      ...adapted,
      status: 'ok',
      ranAt,
      parameters: parametersOf(result),
      machine: machineOf(result),
      historyEntry: historyEntryOf(benchmark.name, result, adapted.figures, {
        commit: optStr(result, 'commit') ?? gitCommit(),
        commitSource: optStr(result, 'commit') ? 'result' : 'head-at-ingest',
      }),
    };
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    return {
      ...base,
      status: 'unreadable',
      ranAt,
      problem: `${benchmark.file} has an older or unknown shape (${error.message}); run the benchmark again`,
    };
  }
}

/** A run as a history line: its figures with a number (the first one of the measured cell), by label. */
function historyEntryOf(
  benchmark: string,
  result: unknown,
  figures: Figure[],
  origin: Pick<HistoryEntry, 'commit' | 'commitSource'>,
): HistoryEntry | undefined {
  const ranAt = optStr(result, 'ranAt') ?? optStr(result, 'measuredAt');
  if (!ranAt) return undefined;
  const values: Record<string, number> = {};
  for (const figure of figures) {
    const value = leadingNumber(figure.measured);
    if (value !== undefined) values[figure.label] = value;
  }
  const before = at(result, 'machine.loadAverage.before');
  const atEnd = optNum(result, 'machine.loadAverage1mAtEnd');
  return {
    benchmark,
    ranAt,
    ...origin,
    node: optStr(result, 'machine.node') ?? null,
    loadAverage: Array.isArray(before)
      ? before.filter((v): v is number => typeof v === 'number')
      : atEnd === undefined
        ? null
        : [atEnd],
    figures: values,
  };
}

/**
 * `--backfill-git`: the runs that earlier commits of bench/results/<file> recorded, each under the commit that
 * committed it (commitSource "git-history"), so a history starts with what the repository already holds.
 */
function backfillFromGit(): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  for (const benchmark of BENCHMARKS) {
    const path = `bench/results/${benchmark.file}`;
    const commits = git(['log', '--format=%H', '--', path]).split('\n').filter(Boolean);
    for (const commit of commits) {
      try {
        const result: unknown = JSON.parse(git(['show', `${commit}:${path}`]));
        const entry = historyEntryOf(benchmark.name, result, benchmark.adapt(result).figures, {
          commit: commit.slice(0, 12),
          commitSource: 'git-history',
        });
        if (entry) entries.push(entry);
      } catch (error) {
        console.log(
          `  backfill: ${path} at ${commit.slice(0, 12)} skipped (${(error as Error).message.split('\n')[0]})`,
        );
      }
    }
  }
  return entries;
}

function historyOf(history: HistoryEntry[], section: Section): Section['history'] {
  const runs = history
    .filter((entry) => entry.benchmark === section.name)
    .sort((a, b) => a.ranAt.localeCompare(b.ranAt));
  if (!runs.length) return undefined;
  const targets = new Map(section.figures.map((f) => [f.label, f.target]));
  const rows = [...seriesByFigure(history, section.name).entries()].map(([label, values]) => ({
    label,
    values,
    change: assessChange(values.map((v) => v.value)),
    better: betterDirection(targets.get(label) ?? ''),
  }));
  return { runs, rows };
}

/** A small line of a figure's values, oldest to latest; the latest dot red when it moved beyond the noise. */
function sparkline(row: HistoryRow): string {
  const width = 160;
  const height = 30;
  const pad = 4;
  const values = row.values.map((v) => v.value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const x = (i: number) =>
    values.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (values.length - 1);
  const y = (v: number) =>
    high === low ? height / 2 : height - pad - ((v - low) * (height - 2 * pad)) / (high - low);
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const flagged = row.change.kind === 'beyond-noise';
  const last = values.length - 1;
  const label = `${row.label}: ${row.values.map((v) => `${v.ranAt.slice(0, 10)} ${fmt(v.value, 3)}`).join('; ')}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}"><title>${esc(label)}</title>`,
    values.length > 1 ? `<polyline points="${points}" fill="none" stroke="#1565c0" stroke-width="1.5"/>` : '',
    `<circle cx="${x(last).toFixed(1)}" cy="${y(values[last]).toFixed(1)}" r="3" fill="${flagged ? COLOURS.miss : '#1565c0'}"/>`,
    '</svg>',
  ].join('');
}

function changeHtml(row: HistoryRow): string {
  const change = row.change;
  if (change.kind === 'too-few')
    return `<span class="info">${change.previous} earlier run${change.previous === 1 ? '' : 's'}; needs ${NOISE_RULE.minimumPrevious} to judge</span>`;
  const relative =
    change.relative === null ? '' : ` (${change.relative >= 0 ? '+' : ''}${fmt(change.relative * 100, 1)}%)`;
  const score = Number.isFinite(change.score) ? `${fmt(change.score, 1)}× noise` : 'noise 0';
  if (change.kind === 'within-noise') return `<span class="info">within noise: ${score}</span>`;
  const up = change.latest > change.previousMedian;
  const judgement = row.better === undefined ? '' : (row.better === 'up') === up ? ', better' : ', worse';
  return `<span class="flag">⚠ changed ${up ? 'up' : 'down'}${esc(relative)}: ${score}${judgement}</span>`;
}

function historyHtml(s: Section): string {
  if (!s.history) return '';
  const { runs, rows } = s.history;
  const body = rows
    .map((row) => {
      const latest = row.values[row.values.length - 1].value;
      const median =
        row.change.kind === 'too-few'
          ? '-'
          : `${fmt(row.change.previousMedian, 3)} ± ${fmt(row.change.noise, 3)}`;
      return `<tr><td>${esc(row.label)}</td><td>${sparkline(row)}</td><td class="n">${row.values.length}</td><td class="n">${esc(fmt(latest, 3))}</td><td class="n">${esc(median)}</td><td>${changeHtml(row)}</td></tr>`;
    })
    .join('');
  const runRows = [...runs]
    .reverse()
    .map(
      (run) =>
        `<tr><td>${esc(run.ranAt)}</td><td><code>${esc(run.commit ?? '?')}</code> <span class="info">${esc(run.commitSource)}</span></td><td>${esc(run.node ?? '?')}</td><td>${esc(run.loadAverage?.join(' ') ?? 'not recorded')}</td></tr>`,
    )
    .join('');
  return [
    `<h3>History (${runs.length} run${runs.length === 1 ? '' : 's'})</h3>`,
    `<table class="history"><thead><tr><th>figure</th><th>oldest → latest</th><th>runs</th><th>latest</th><th>previous median ± noise</th><th>change</th></tr></thead><tbody>${body}</tbody></table>`,
    `<details><summary>Every run: date, commit, Node, load average before the run</summary><table><thead><tr><th>ran at</th><th>commit</th><th>Node</th><th>load average</th></tr></thead><tbody>${runRows}</tbody></table></details>`,
  ].join('\n');
}

const COLOURS: Record<Verdict | 'reference', string> = {
  pass: '#2e7d32',
  miss: '#c62828',
  info: '#1565c0',
  reference: '#9e9e9e',
};

/** A horizontal bar chart; a log scale when the values span orders of magnitude (said in the title). */
function svgChart(chart: Chart): string {
  const width = 450;
  const labelWidth = 110;
  const valueWidth = 80;
  const plot = width - labelWidth - valueWidth;
  const rowHeight = 28;
  const top = 8;
  const height = top + chart.bars.length * rowHeight + (chart.line ? 22 : 8);
  const values = chart.bars.map((bar) => bar.value).concat(chart.line ? [chart.line.value] : []);
  const positive = values.filter((value) => value > 0);
  let scale: (value: number) => number;
  if (chart.log && positive.length) {
    const low = Math.pow(10, Math.floor(Math.log10(Math.min(...positive))));
    const high = Math.pow(10, Math.ceil(Math.log10(Math.max(...positive) * 1.01)));
    scale = (value) =>
      value <= 0
        ? 0
        : Math.max(2, (plot * (Math.log10(value) - Math.log10(low))) / (Math.log10(high) - Math.log10(low)));
  } else {
    const high = Math.max(...values, 0) * 1.1 || 1;
    scale = (value) => Math.max(value > 0 ? 2 : 0, (plot * value) / high);
  }
  const title = `${chart.title} (${chart.unit}${chart.log ? ', log scale' : ''})`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}">`,
    `<title>${esc(title)}</title>`,
  ];
  for (const [index, bar] of chart.bars.entries()) {
    const y = top + index * rowHeight;
    const colour = bar.kind === 'reference' ? COLOURS.reference : COLOURS[bar.verdict ?? 'info'];
    const length = scale(bar.value);
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${esc(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 2}" width="${length.toFixed(1)}" height="18" fill="${colour}"/>`,
      `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 15}">${esc(fmt(bar.value, 3))}</text>`,
    );
  }
  if (chart.line) {
    const x = labelWidth + scale(chart.line.value);
    const bottom = top + chart.bars.length * rowHeight;
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${bottom}" stroke="#000" stroke-width="1.5" stroke-dasharray="5 3"/>`,
      `<text x="${Math.min(x, width - 4).toFixed(1)}" y="${bottom + 15}" text-anchor="${x > width - 100 ? 'end' : 'middle'}" class="tl">${esc(chart.line.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return `<figure><figcaption>${esc(title)}</figcaption>${parts.join('')}</figure>`;
}

const MARKS: Record<Verdict, string> = {
  pass: '<span class="pass">✓ pass</span>',
  miss: '<span class="miss">✗ miss</span>',
  info: '<span class="info">–</span>',
};

function machineHtml(machine: MachineView | undefined): string {
  if (!machine) return '';
  const rows: [string, string][] = [
    ['CPU', `${machine.cores ?? '?'} × ${machine.cpu ?? 'model not recorded'}`],
    ['memory', machine.memoryMb === undefined ? 'not recorded' : `${fmt(machine.memoryMb, 0)} MB`],
    ['Node', machine.node ?? 'not recorded'],
    ...(machine.os ? ([['OS', machine.os]] as [string, string][]) : []),
    ['load average', machine.loadAverage ?? 'not recorded by this benchmark'],
    ...machine.other,
  ];
  return `<dl class="machine">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

function sectionHtml(s: Section): string {
  const head = `<h2 id="${esc(s.name)}">${esc(s.title)}</h2><p class="what">${esc(s.what)}</p>`;
  const command = `<p>Reproduce: <code>${esc(s.command)}</code> (or <code>${esc(`BENCH_ONLY=${s.name === 'memory' ? 'article-read' : s.name} npm run bench`)}</code>)</p>`;
  if (s.status !== 'ok') {
    const why =
      s.status === 'not run'
        ? 'Not run: no result file yet.'
        : `Not run with the current benchmark: ${s.problem ?? ''}`;
    return `<section>${head}<p class="notrun">${esc(why)}</p>${command}</section>`;
  }
  const rows = s.figures
    .map(
      (f) =>
        `<tr><td>${esc(f.label)}</td><td class="n">${esc(f.measured)}</td><td class="n">${esc(f.target)}</td><td>${MARKS[f.verdict]}</td></tr>`,
    )
    .join('');
  return [
    '<section>',
    head,
    `<p class="meta">Measured ${esc(s.ranAt ?? 'at an unrecorded time')}${s.parameters ? ` — parameters: ${esc(s.parameters)}` : ''}</p>`,
    `<table><thead><tr><th>figure</th><th>measured</th><th>target / ceiling</th><th></th></tr></thead><tbody>${rows}</tbody></table>`,
    `<div class="charts">${s.charts.map(svgChart).join('')}</div>`,
    machineHtml(s.machine),
    historyHtml(s),
    command,
    '</section>',
  ].join('\n');
}

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:980px;padding:24px;color:#212121}
h1{font-size:1.6em;margin-bottom:4px}h2{margin-top:0;font-size:1.25em}
section{border:1px solid #ddd;border-radius:6px;padding:16px 20px;margin:20px 0}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border-bottom:1px solid #eee;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#fafafa}td.n{font-variant-numeric:tabular-nums;white-space:nowrap}
.pass,.miss{white-space:nowrap;font-weight:600}.pass{color:#2e7d32}.miss{color:#c62828}.info{color:#757575}
.notrun{color:#757575;font-style:italic}.what,.meta{color:#555;margin:4px 0}.meta{font-size:.9em}
.charts{display:flex;flex-wrap:wrap;gap:8px 24px}figure{margin:8px 0;width:450px}figcaption{font-weight:600;font-size:.9em;margin-bottom:4px}
svg text{font:12px system-ui,sans-serif;fill:#212121}svg text.tl{fill:#000;font-size:11px}
dl.machine{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:.9em;color:#444;margin:8px 0}dt{font-weight:600}dd{margin:0}
code{background:#f5f5f5;padding:1px 4px;border-radius:3px}
.summary td:first-child a{color:inherit}
h3{font-size:1.05em;margin:14px 0 4px}.flag{color:#e65100;font-weight:600}table.history svg{display:block}
details{font-size:.9em;margin:4px 0}
`;

function page(sections: Section[], others: string[]): string {
  const summary = sections
    .map((s) => {
      const pass = s.figures.filter((f) => f.verdict === 'pass').length;
      const miss = s.figures.filter((f) => f.verdict === 'miss').length;
      const status =
        s.status === 'ok'
          ? `${pass ? `<span class="pass">✓ ${pass} pass</span>` : ''}${pass && miss ? ', ' : ''}${miss ? `<span class="miss">✗ ${miss} miss</span>` : ''}${!pass && !miss ? 'no target' : ''}`
          : `<span class="notrun">${s.status === 'not run' ? 'not run' : 'not run (older or unreadable result)'}</span>`;
      const moved = s.history?.rows.filter((row) => row.change.kind === 'beyond-noise').length ?? 0;
      const flags = moved ? `; <span class="flag">⚠ ${moved} changed beyond noise</span>` : '';
      return `<tr><td><a href="#${esc(s.name)}">${esc(s.title)}</a></td><td>${status}${flags}</td><td>${esc(s.ranAt ?? '-')}</td><td><code>${esc(s.command)}</code></td></tr>`;
    })
    .join('');
  const generated = new Date().toISOString();
  const here = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${fmt(totalmem() / 1024 / 1024, 0)} MB, Node ${process.version}, load average now ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Benchmarks — medical review service</title><style>${CSS}</style></head>
<body>
<h1>Benchmarks — medical review service</h1>
<p class="meta">Page generated ${esc(generated)} from bench/results/*.json on ${esc(here)}. Each benchmark records the machine it ran on; figures taken while the machine was busy (see the load averages) are skewed. Run everything again with <code>npm run bench</code>.</p>
<p class="meta"><strong>History and noise.</strong> Every run is appended to <code>bench/results/history.jsonl</code> (one line per benchmark run: date, git commit, Node version, load average before the run, and each figure's number), and each section shows every figure's history. The noise of a figure is measured from its own history: the median absolute deviation of the previous runs from their median, × 1.4826 (so that it estimates a standard deviation), and never less than ${fmt(NOISE_RULE.relativeFloor * 100, 0)}% of that median. A figure is flagged ⚠ when its latest run differs from the previous runs' median by more than ${NOISE_RULE.k} × that noise, and judged only once it has ${NOISE_RULE.minimumPrevious} earlier runs. The history's spread includes runs on a busy machine (see each run's load average), so a flag says a figure moved beyond what its history has shown, not why. Verdicts (✓/✗) are each benchmark's own, judged on the statistic it prints.</p>
<table class="summary"><thead><tr><th>benchmark</th><th>targets</th><th>measured at</th><th>command</th></tr></thead><tbody>${summary}</tbody></table>
${sections.map(sectionHtml).join('\n')}
${others.length ? `<section><h2>Other result files</h2><p>Not summarised here: ${others.map((o) => `<code>${esc(o)}</code>`).join(', ')}</p></section>` : ''}
</body></html>
`;
}

function main(): void {
  const sections = BENCHMARKS.map(section);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const historyPath = join(RESULTS_DIR, 'history.jsonl');
  if (process.argv.includes('--backfill-git')) {
    const backfilled = appendHistory(historyPath, backfillFromGit());
    console.log(`  history: ${backfilled.length} earlier runs taken from the git history of bench/results`);
  }
  const appended = appendHistory(
    historyPath,
    sections.flatMap((s) => (s.historyEntry ? [s.historyEntry] : [])),
  );
  const history = readHistory(historyPath);
  for (const s of sections) s.history = historyOf(history, s);
  console.log(
    `  history: ${appended.length} new run(s) appended to ${historyPath} (${history.length} in all)`,
  );
  const known = new Set(BENCHMARKS.map((b) => b.file));
  const others = existsSync(RESULTS_DIR)
    ? readdirSync(RESULTS_DIR).filter((file) => file.endsWith('.json') && !known.has(file))
    : [];
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, 'index.html');
  writeFileSync(path, page(sections, others));
  for (const s of sections) {
    const pass = s.figures.filter((f) => f.verdict === 'pass').length;
    const miss = s.figures.filter((f) => f.verdict === 'miss').length;
    console.log(
      `  ${s.name.padEnd(13)} ${s.status === 'ok' ? `${pass} pass, ${miss} miss (measured ${s.ranAt ?? '?'})` : s.status}${s.problem ? `: ${s.problem}` : ''}`,
    );
  }
  console.log(`report written to ${path}`);
}

main();
