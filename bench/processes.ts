/**
 * The bench's side of the processes it measures: each bot runs in a child process of its
 * own (as in production), started from TypeScript with tsx, its output kept in a log file,
 * asked over IPC for its CPU time, memory and MongoDB counters, and stopped at the end.
 * CPU of the shared servers (FerretDB, Redis) is read from /proc.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import type { ChildStats, Request } from './child.js';

export class Child {
  private nextId = 0;
  private readonly pending = new Map<number, (reply: Record<string, unknown>) => void>();
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly process: ChildProcess,
  ) {
    process.on('message', (message: { id?: number }) => {
      if (message.id === undefined) return;
      this.pending.get(message.id)?.(message as Record<string, unknown>);
      this.pending.delete(message.id);
    });
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
  }

  /**
   * Starts `file` with `env` and waits until it says it is ready (its first IPC message);
   * throws with the end of its log when it exits first or is not ready within two minutes.
   */
  static async start(name: string, file: string, options: { env: Record<string, string>; nodeOptions?: string[]; logFile: string }): Promise<Child> {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    const child = fork(file, [], {
      env: { ...process.env, ...options.env },
      // tsx is resolved from the working directory, the repository's root.
      execArgv: ['--import', 'tsx', ...(options.nodeOptions ?? [])],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(false);
      }, 120_000);
      child.once('message', () => {
        clearTimeout(timer);
        resolve(true);
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      await new Promise((resolve) => log.end(resolve));
      const tail = readFileSync(options.logFile, 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(`${name} did not start:\n${tail}`);
    }
    return new Child(name, child);
  }

  get pid(): number {
    return this.process.pid ?? 0;
  }

  private request(type: Request['type'], timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${type}`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.process.send({ id, type } satisfies Request);
    });
  }

  async stats(): Promise<ChildStats> {
    return (await this.request('stats')).stats as ChildStats;
  }

  /** Heap in use after full garbage collections (the process must run with --expose-gc). */
  async heapAfterGc(): Promise<number> {
    const reply = await this.request('gc', 60_000);
    if (!reply.collected) throw new Error(`${this.name} runs without --expose-gc`);
    return reply.heapUsed as number;
  }

  /** Asks the process to stop cleanly; kills it (by its own pid) if it has not exited in time. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    await this.request('stop', 30_000).catch(() => undefined);
    const code = await Promise.race([this.exited, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 10_000))]);
    if (code === 'late') this.process.kill('SIGKILL');
  }
}

/** A process's command name and the /proc stat fields after it (the name may hold spaces); null when gone. */
function procStat(pid: number | string): { command: string; fields: string[] } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return { command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
  } catch {
    return null;
  }
}

/** Linux counts CPU time in ticks of 1/100 s (CLK_TCK) on every machine of this kind. */
const ticksToMs = (ticks: number) => (ticks * 1000) / 100;

/** CPU milliseconds (user + system) a process has used, from /proc; null when it cannot be read. */
export function procCpuMs(pid: number): number | null {
  const stat = procStat(pid);
  return stat ? ticksToMs(Number(stat.fields[11]) + Number(stat.fields[12])) : null;
}

/**
 * CPU milliseconds every PostgreSQL process has used (FerretDB's storage when it runs on
 * PostgreSQL): the live processes, plus what the postmaster's exited children used (the kernel
 * adds a reaped child's time to its parent's). Null when no PostgreSQL runs on this machine.
 */
export function postgresCpuMs(): number | null {
  const processes = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      const stat = procStat(pid);
      return stat?.command === 'postgres' ? [{ pid: Number(pid), fields: stat.fields }] : [];
    });
  if (processes.length === 0) return null;
  const pids = new Set(processes.map((p) => p.pid));
  let ticks = 0;
  for (const { fields } of processes) {
    ticks += Number(fields[11]) + Number(fields[12]);
    const isPostmaster = !pids.has(Number(fields[1]));
    if (isPostmaster) ticks += Number(fields[13]) + Number(fields[14]);
  }
  return ticksToMs(ticks);
}

/**
 * Resident memory (bytes) of every process below `pid` whose command name contains `name`: the
 * proportional set size (shared pages divided among the processes that share them), so that a
 * browser's many processes are not counted several times over; VmRSS where PSS cannot be read.
 */
export function descendantsRss(pid: number, name: string): number {
  let total = 0;
  const children = (parent: number): number[] => {
    try {
      return readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const stack = children(pid);
  while (stack.length > 0) {
    const current = stack.pop()!;
    try {
      const status = readFileSync(`/proc/${current}/status`, 'utf8');
      const command = /^Name:\s*(.*)$/m.exec(status)?.[1] ?? '';
      if (command.includes(name)) total += pss(current) ?? Number(/^VmRSS:\s*(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // gone meanwhile
    }
    stack.push(...children(current));
  }
  return total;
}

function pss(pid: number): number | null {
  try {
    const kb = /^Pss:\s*(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}
