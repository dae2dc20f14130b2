/**
 * The fault suite's own Redis and MongoDB-compatible server (FerretDB, on PostgreSQL or SQLite
 * as scripts/services.sh chooses): started on free ports with their data in a temporary
 * directory or a PostgreSQL database of their own, so the suite can stop, restart, empty and
 * kill them without touching the Redis and FerretDB other tests share.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort } from '../../helpers/ports.js';

/** Re-exported for the fault cases that need a port of their own. */
export { freePort };

/** Resolves once something accepts connections on `port`, or fails after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing answered on port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every server child still running, killed if the test process ends without cleaning up. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A server run as our child process, which the suite may stop and start again on the same port and data. */
abstract class OwnedServer {
  protected child: ChildProcess | null = null;
  private output = '';
  /** How many times the server was started (1 after `start`). */
  starts = 0;

  protected constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  protected abstract command(): { file: string; args: string[] };
  protected abstract ready(): Promise<void>;

  /** Starts the server and waits until it answers. */
  async start(): Promise<void> {
    if (this.child) throw new Error(`${this.constructor.name} already running`);
    const { file, args } = this.command();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString('utf8')).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    running.add(child);
    child.once('exit', () => running.delete(child));
    this.child = child;
    this.starts += 1;
    try {
      await this.ready();
    } catch (error) {
      throw new Error(`${this.constructor.name} did not start: ${(error as Error).message}\n${this.output}`);
    }
  }

  /** Stops the server with `signal` and waits until it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  get isRunning(): boolean {
    return this.child !== null;
  }

  /** Stops the server and removes its data. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Redis of the suite's own: no persistence, so a restart comes back empty, as a crashed Redis without AOF does. */
export class RedisServer extends OwnedServer {
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'faults-redis-')));
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  protected command() {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir];
    // BullMQ's keys must never be evicted; nothing of ours is written to disk.
    args.push('--maxmemory-policy', 'noeviction', '--loglevel', 'warning', '--daemonize', 'no');
    return { file: 'redis-server', args };
  }

  protected async ready(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        if ((await client.ping()) === 'PONG') return;
      } catch {
        // not yet
      } finally {
        client.disconnect();
      }
      if (Date.now() > deadline) throw new Error('no PONG within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Empties every database, as an operator's FLUSHALL or a replaced Redis would; returns the
   * keys matching `pattern` that were there at that instant (read in the same transaction).
   */
  async flushAll(pattern = 'none'): Promise<string[]> {
    return this.withClient(async (client) => {
      const results = await client.multi().keys(pattern).flushall().exec();
      return (results?.[0]?.[1] as string[] | undefined) ?? [];
    });
  }

  /** The keys matching `pattern` now. */
  async keys(pattern: string): Promise<string[]> {
    return this.withClient((client) => client.keys(pattern));
  }

  private async withClient<T>(work: (client: Redis) => Promise<T>): Promise<T> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    try {
      return await work(client);
    } finally {
      client.disconnect();
    }
  }
}

/** The FerretDB binary: FERRETDB_BIN, or where `go install` and scripts/services.sh put it. */
export function ferretdbBinary(): string {
  if (process.env.FERRETDB_BIN) return process.env.FERRETDB_BIN;
  const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim();
  const bin = join(gopath, 'bin', 'ferretdb');
  if (!existsSync(bin)) throw new Error(`FerretDB is not built at ${bin}: run bash scripts/services.sh`);
  return bin;
}

/**
 * Where FerretDB keeps its data, chosen as scripts/services.sh chooses: FERRETDB_HANDLER, else
 * PostgreSQL when it answers on 127.0.0.1:5432 and psql is installed, else SQLite.
 */
async function ferretdbHandler(): Promise<'postgresql' | 'sqlite'> {
  const chosen = process.env.FERRETDB_HANDLER;
  if (chosen === 'postgresql' || chosen === 'sqlite') return chosen;
  try {
    await waitForPort(5432, 200);
    execFileSync('psql', ['--version'], { stdio: 'ignore' });
    return 'postgresql';
  } catch {
    return 'sqlite';
  }
}

/** The local PostgreSQL's user (trust authentication on the machines this project runs on). */
function postgresUser(): string {
  return process.env.PGUSER ?? userInfo().username;
}

/** Runs SQL (`-c` a statement, `-f` a file) against a database of the local PostgreSQL, its maintenance database by default. */
function postgresExec(sql: string, { database = 'postgres', flag = '-c' }: { database?: string; flag?: '-c' | '-f' } = {}): void {
  execFileSync('psql', ['-h', '127.0.0.1', '-p', '5432', '-U', postgresUser(), '-d', database, '-v', 'ON_ERROR_STOP=1', '-q', flag, sql], { stdio: 'pipe' });
}

/**
 * FerretDB v1 with its data in a PostgreSQL database or a directory of its own: stopping it
 * keeps the data, as a database restart does.
 */
export class FerretServer extends OwnedServer {
  private constructor(
    port: number,
    dir: string,
    private readonly handler: 'postgresql' | 'sqlite',
  ) {
    super(port, dir);
  }

  static async start(): Promise<FerretServer> {
    const server = new FerretServer(await freePort(), mkdtempSync(join(tmpdir(), 'faults-ferretdb-')), await ferretdbHandler());
    if (server.handler === 'postgresql') {
      // One a run killed before its clean-up left on this port is not this run's data.
      postgresExec(`DROP DATABASE IF EXISTS ${server.database} WITH (FORCE)`);
      postgresExec(`CREATE DATABASE ${server.database}`);
      // The same tuning as the shared FerretDB's (GIN twins of its indexes).
      postgresExec(fileURLToPath(new URL('../../../scripts/ferretdb-postgresql.sql', import.meta.url)), { database: server.database, flag: '-f' });
    }
    await server.start();
    return server;
  }

  /** The connection string without a database name. */
  get uri(): string {
    return `mongodb://127.0.0.1:${this.port}/`;
  }

  /** The PostgreSQL database holding this server's data (when on PostgreSQL). */
  private get database(): string {
    return `faults_ferretdb_${this.port}`;
  }

  protected command() {
    const storage =
      this.handler === 'postgresql'
        ? ['--handler=postgresql', `--postgresql-url=postgres://${postgresUser()}@127.0.0.1:5432/${this.database}`]
        : ['--handler=sqlite', `--sqlite-url=file:${this.dir}/`];
    const args = [`--listen-addr=127.0.0.1:${this.port}`, ...storage, `--state-dir=${this.dir}`, '--telemetry=disable', '--debug-addr=-', '--log-level=error'];
    return { file: ferretdbBinary(), args };
  }

  protected async ready(): Promise<void> {
    await waitForPort(this.port);
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    if (this.handler === 'postgresql') postgresExec(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
  }
}
