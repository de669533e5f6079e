import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (this file is test/utils/spawn-service.ts). */
export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/**
 * Where the tests compile the service: inside the repository (so Node finds node_modules) and under the
 * git-ignored dist/, but not dist/ itself, which `nest build` owns and deletes.
 */
export const TEST_BUILD_DIR = join(REPO_ROOT, 'dist', 'test-build');

/** Compiles src/ and migrations/ with tsc into TEST_BUILD_DIR; returns how long it took, in ms. */
export function buildService(): number {
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      TEST_BUILD_DIR,
      // Its own build-info file: sharing nest build's would make tsc think the output is up to date.
      '--tsBuildInfoFile',
      join(TEST_BUILD_DIR, '.tsbuildinfo'),
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0 || !existsSync(join(TEST_BUILD_DIR, 'src', 'main.js'))) {
    throw new Error(
      `tsc build failed (status ${result.status}, signal ${result.signal}): ${result.stdout}${result.stderr}`,
    );
  }
  return Date.now() - started;
}

/** One running service process (`node dist/test-build/src/main.js`). */
export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  output: () => string;
  exited: () => boolean;
  /** Kills it with `signal` (SIGKILL by default) and waits for it to exit. */
  kill: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * Starts the compiled service with exactly `env` (plus PATH/HOME) and waits until it says it started
 * (`worker started` or `listening on`), failing with its output if it exits or takes longer than `timeoutMs`.
 */
export async function startService(
  name: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [join(TEST_BUILD_DIR, 'src', 'main.js')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let exitCode: number | null | undefined;
  let exitSignal: NodeJS.Signals | null = null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      resolve();
    }),
  );
  let started = false;
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
      if (/worker started|listening on/.test(line)) started = true;
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const service: ServiceProcess = {
    name,
    child,
    output: () => lines.join('\n'),
    exited: () => exitCode !== undefined,
    kill: async (signal = 'SIGKILL') => {
      if (exitCode !== undefined) return;
      child.kill(signal);
      await exit;
    },
  };

  const deadline = Date.now() + timeoutMs;
  while (!started) {
    if (exitCode !== undefined) {
      throw new Error(
        `${name} exited during start-up (code ${exitCode}, signal ${exitSignal}):\n${service.output()}`,
      );
    }
    if (Date.now() > deadline) {
      await service.kill();
      throw new Error(`${name} did not start within ${timeoutMs} ms:\n${service.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return service;
}
