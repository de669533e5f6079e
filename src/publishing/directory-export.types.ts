import type { ExportMode, ExportTrigger } from './publishing.queue.js';

/** Pages fetched, written or removed per round trip of the directory export. */
export const EXPORT_BATCH_SIZE = 100;
/** Pages rendered and being written at once: enough to keep the file system busy while the next is rendered. */
export const PAGES_IN_FLIGHT = 16;
/** Below every uuid: where the export's keyset pagination starts. */
export const FIRST_ID = '00000000-0000-0000-0000-000000000000';

export interface ExportOptions {
  /**
   * incremental: decide from the database alone: render only pages whose inputs changed, write only pages whose
   * stored checksum differs from the exported one, remove pages that came down.
   * full: render every live page again (a new template set, a wiped or edited directory) and write each one
   * that differs from what the directory holds.
   */
  mode: ExportMode;
  /** With full: write every page even when the directory already holds it. */
  force?: boolean;
  trigger: ExportTrigger;
  actorId?: string | null;
  onProgress?: (progress: ExportProgress) => void;
}

export interface ExportProgress {
  phase: 'render' | 'write' | 'remove' | 'sitemap' | 'done';
  done: number;
  total: number;
}

/** Reports one more page (or none) handled in a phase of the export. */
export type ExportStep = (phase: ExportProgress['phase'], pages?: number) => void;

export interface ExportSummary {
  mode: ExportMode;
  directory: string;
  livePages: number;
  /** Pages rendered from their revision in this run. */
  rendered: number;
  /** Rendered pages whose HTML changed (recorded as re-render publications). */
  changed: number;
  /** Pages written to the directory. */
  written: number;
  /** Live pages left as they were because the directory already holds them. */
  unchanged: number;
  removed: number;
  failed: { slug: string; reason: string }[];
  assetsWritten: number;
  sitemapWritten: boolean;
  leftoversRemoved: number;
  durationMs: number;
}

/** Keeps a promise that is awaited later from counting as unhandled if the current step throws first. */
export function prefetch<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
