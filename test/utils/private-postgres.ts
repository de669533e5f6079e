import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian puts the server binaries: /usr/lib/postgresql/<major>/bin (the newest one installed). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = readdirSync(root)
    .filter((entry) => /^\d+$/.test(entry) && existsSync(join(root, entry, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (!majors.length) throw new Error(`no PostgreSQL server binaries under ${root}`);
  return join(root, majors[0], 'bin');
}

/** A TCP port nobody listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * A PostgreSQL server of its own (initdb in a temporary folder, its own port, trust auth), for scenarios that
 * stop or restart the database: the shared 5432 cluster must never be touched. We run as root and PostgreSQL
 * refuses to, so every server command runs as the `postgres` OS user.
 *
 *   const pg = await PrivatePostgres.start();
 *   pg.url('mydb');            // postgres://postgres@127.0.0.1:<port>/mydb
 *   pg.stop(); pg.start();     // an outage
 *   pg.destroy();              // in afterAll: stop it and remove its folder
 */
export class PrivatePostgres {
  private running = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'mrs-pg-'));
    const owner = PrivatePostgres.postgresUser();
    chownSync(dir, owner.uid, owner.gid);
    const server = new PrivatePostgres(dir, await freePort(), binDir());
    try {
      // A throwaway cluster: durability settings off, so initdb and the test run fast.
      server.run('initdb', [
        '-D',
        server.dataDir,
        '-A',
        'trust',
        '-U',
        'postgres',
        '--no-sync',
        '-E',
        'UTF8',
      ]);
      server.start();
    } catch (error) {
      server.destroy();
      throw error;
    }
    return server;
  }

  private static postgresUser(): { uid: number; gid: number } {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('postgres:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    if (!uid || !gid) throw new Error('no postgres OS user (is the PostgreSQL server package installed?)');
    return { uid: Number(uid), gid: Number(gid) };
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** A connection URL for one database of this server. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server and waits until it accepts connections. */
  start(): void {
    const options = [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-k ${this.dir}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      '-c shared_buffers=32MB',
    ].join(' ');
    this.run('pg_ctl', [
      '-D',
      this.dataDir,
      '-o',
      options,
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      'start',
    ]);
    this.running = true;
  }

  /** Stops the server: `fast` rolls back open transactions and disconnects every client, as a restart does. */
  stop(mode: 'smart' | 'fast' | 'immediate' = 'fast'): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop']);
    this.running = false;
  }

  /** The server's own log (for failure messages). */
  log(): string {
    const file = join(this.dir, 'server.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Stops it if it runs and deletes its folder; safe to call twice. */
  destroy(): void {
    if (this.running && existsSync(this.dataDir)) {
      try {
        this.stop('immediate');
      } catch {
        // Removing the folder below is what matters; a server that will not stop has nothing left to serve.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(program: string, args: string[]): void {
    const result = spawnSync('runuser', ['-u', 'postgres', '--', join(this.bin, program), ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (result.status !== 0) {
      throw new Error(
        `${program} ${args.join(' ')} failed (status ${result.status}, signal ${result.signal}): ` +
          `${result.stdout}${result.stderr}\n${this.log().slice(-2000)}`,
      );
    }
  }
}
