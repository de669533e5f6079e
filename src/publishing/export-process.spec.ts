import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportProgress } from './directory-export.types.js';
import { EXPORT_PROCESS_NODE_ARGS, exportInChildProcess } from './export-process.js';

/** The parent's side of the export process: what it sends, relays and reports. The child is a stand-in script. */
describe('exportInChildProcess', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mrs-export-process-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const entry = (name: string, body: string): string => {
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, body);
    return file;
  };

  it('sends the request, relays progress and resolves with the summary, under the heap flags', async () => {
    const file = entry(
      'ok',
      `process.once('message', (request) => {
         process.send({ type: 'progress', progress: { phase: 'render', done: 1, total: 2 } });
         const summary = { mode: request.mode, written: 2, execArgv: process.execArgv };
         process.send({ type: 'summary', summary, peakRssBytes: 42, extra: { statements: 7 } }, () => process.disconnect());
       });`,
    );
    const progress: ExportProgress[] = [];
    const result = await exportInChildProcess(
      { mode: 'incremental', trigger: 'cli' },
      { entry: file, onProgress: (p) => progress.push(p) },
    );
    expect(progress).toEqual([{ phase: 'render', done: 1, total: 2 }]);
    expect(result.summary).toMatchObject({ mode: 'incremental', written: 2 });
    expect((result.summary as unknown as { execArgv: string[] }).execArgv).toEqual(
      expect.arrayContaining(EXPORT_PROCESS_NODE_ARGS),
    );
    expect(result.peakRssBytes).toBe(42);
    expect(result.extra).toEqual({ statements: 7 });
  });

  it("rejects with the child's error message", async () => {
    const file = entry(
      'error',
      `process.once('message', () => {
         process.send({ type: 'error', message: 'PUBLISH_DIR is not writable' }, () => process.disconnect());
       });`,
    );
    await expect(exportInChildProcess({ mode: 'full', trigger: 'cli' }, { entry: file })).rejects.toThrow(
      'PUBLISH_DIR is not writable',
    );
  });

  it('rejects when the child dies before its summary', async () => {
    const file = entry('crash', `process.once('message', () => process.exit(3));`);
    await expect(exportInChildProcess({ mode: 'full', trigger: 'cli' }, { entry: file })).rejects.toThrow(
      'ended with 3',
    );
  });
});
