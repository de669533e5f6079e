import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';

/** The repository root (this file runs as dist/bench/bench/lib/machine.js). */
export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..', '..');

/** Where the new benchmarks write their JSON and the report reads them and writes its page. */
export const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? join(REPO_ROOT, 'bench', 'results');

/** The 1, 5 and 15 minute load averages, two decimals. */
export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = loadavg().map((value) => Number(value.toFixed(2)));
  return [one, five, fifteen];
}

export interface MachineInfo {
  os: string;
  cpu: string;
  cores: number;
  memoryMb: number;
  node: string;
  /** Load averages (1, 5, 15 min) before and after the measurement: other work on the machine skews figures. */
  loadAverage: { before: [number, number, number]; after: [number, number, number] };
}

/** What the report shows about the machine; call it at the end with the load average taken at the start. */
export function machineInfo(loadBefore: [number, number, number]): MachineInfo {
  return {
    os: `${type()} ${release()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryMb: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    loadAverage: { before: loadBefore, after: loadAverage() },
  };
}
