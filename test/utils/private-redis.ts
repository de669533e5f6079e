import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer, Socket } from 'node:net';

/** Every redis-server this test process started and has not yet stopped: killed on exit, whatever happens. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port nobody listens on right now (the kernel picks it; released again before redis-server takes it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port assigned');
  return address.port;
}

/** One PING over a raw socket: true when the server answers +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

/**
 * A redis-server of the test's own, on a free port, with no persistence (`--save "" --appendonly no`): for
 * scenarios that stop or empty Redis, which must never touch the shared one. `stop()` kills it like a crash
 * (SIGKILL, nothing saved); `start()` brings it back on the same port, empty.
 *
 *   const redis = await PrivateRedis.start();
 *   afterAll(() => redis.close());
 */
export class PrivateRedis {
  private child?: ChildProcess;
  private output: string[] = [];

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  /** For REDIS_URL. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts redis-server on this port (again, after `stop()`) and waits until it answers PING. */
  async start(timeoutMs = 10_000): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.output = [];
    const record = (chunk: Buffer) => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      this.output.splice(0, Math.max(0, this.output.length - 50));
    };
    child.stdout?.on('data', record);
    child.stderr?.on('data', record);
    running.add(child);
    this.child = child;
    let exited = false;
    child.once('exit', () => {
      exited = true;
      running.delete(child);
    });

    const deadline = Date.now() + timeoutMs;
    while (!(await ping(this.port))) {
      if (exited || Date.now() > deadline) {
        await this.stop();
        throw new Error(`redis-server on port ${this.port} did not start:\n${this.output.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Kills it with SIGKILL (a crash: nothing saved, connections cut) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    running.delete(child);
  }

  /** Empties it (FLUSHALL through redis-cli, so no client of the test stays connected). */
  flushAll(): void {
    const result = spawnSync('redis-cli', ['-p', String(this.port), 'FLUSHALL'], { encoding: 'utf8' });
    if (result.status !== 0 || result.stdout.trim() !== 'OK')
      throw new Error(`FLUSHALL failed: ${result.stdout}${result.stderr}`);
  }

  async close(): Promise<void> {
    await this.stop();
  }
}
