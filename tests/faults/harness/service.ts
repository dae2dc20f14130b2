/**
 * The intake service run as production runs it: `node --import tsx src/main.ts --role …`,
 * one OS process per role, so the suite can SIGKILL or SIGTERM it like an orchestrator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Where each service process's whole log goes, for reading after a failed run (CI keeps .data). */
export const LOG_DIR = `${ROOT}.data/faults-logs`;

/** Every service child still running, killed if the test process ends without cleaning up. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** How a service process ended. */
export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How a service process is started beyond its role and environment. */
export interface SpawnOptions {
  /** More Node options before the entry point (e.g. `--import` of a module hook). */
  nodeArgs?: string[];
  /** Opens an IPC channel to the process (`child.send` / `process.on('message')`). */
  ipc?: boolean;
}

/** One running service process; its JSON log lines are kept (the last few hundred) for diagnosis. */
export class ServiceProcess {
  readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private partial = '';
  private exitInfo: ServiceExit | null = null;
  private readonly logFile: WriteStream;
  readonly exited: Promise<ServiceExit>;
  /** Counts of warn/error log messages by text (messages are constant strings by the project's rule). */
  readonly problems = new Map<string, number>();
  readonly startedAt = Date.now();

  private constructor(
    readonly role: string,
    env: NodeJS.ProcessEnv,
    options: SpawnOptions,
  ) {
    // An env file that does not exist, so a developer's .env never leaks into the run.
    // FAULTS_NODE_ARGS lets a developer profile a case's processes (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
    const nodeArgs = process.env.FAULTS_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const args = [...nodeArgs, '--import', 'tsx', ...(options.nodeArgs ?? []), 'src/main.ts', '--role', role, '--env', '/nonexistent/faults.env'];
    this.child = spawn(process.execPath, args, {
      cwd: ROOT,
      env,
      stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    running.add(this.child);
    mkdirSync(LOG_DIR, { recursive: true });
    this.logFile = createWriteStream(`${LOG_DIR}/${Date.now()}-${role.replaceAll(',', '+')}-${this.child.pid ?? 0}.log`);
    const take = (chunk: Buffer) => {
      const text = this.partial + chunk.toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) this.take(line);
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        running.delete(this.child);
        this.logFile.end(`exit ${JSON.stringify({ code, signal })}\n`);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** Starts the service with `role` and waits for its "service started" line. */
  static async start(
    role: string,
    env: NodeJS.ProcessEnv,
    timeoutMs = 30_000,
    options: SpawnOptions = {},
    onSpawn?: (child: ChildProcess) => void,
  ): Promise<ServiceProcess> {
    const service = new ServiceProcess(role, env, options);
    onSpawn?.(service.child);
    await service.waitForLog('service started', timeoutMs);
    return service;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get exit(): ServiceExit | null {
    return this.exitInfo;
  }

  /** The last log lines, for a failure message. */
  tail(count = 40): string {
    return this.lines.slice(-count).join('\n');
  }

  /** Waits until a log line contains `text`; fails if the process exits first or after `timeoutMs`. */
  async waitForLog(text: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.some((line) => line.includes(text))) {
      if (this.exitInfo) throw new Error(`${this.role} exited (${JSON.stringify(this.exitInfo)}) before logging "${text}":\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.role} did not log "${text}" within ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Waits until the warning or error `msg` has been logged `count` times in all (a fault point reached again, say). */
  async waitForProblem(msg: string, count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.problems.get(msg) ?? 0) < count) {
      if (this.exitInfo) throw new Error(`${this.role} exited before logging "${msg}" ${count} times:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.role} did not log "${msg}" ${count} times within ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** SIGKILL: the process dies wherever it stands, as in an OOM kill or a lost machine. */
  async kill(): Promise<ServiceExit> {
    if (!this.exitInfo) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Sends a signal and waits for the exit, at most `timeoutMs` (then SIGKILL and an error). */
  async stop(signal: NodeJS.Signals, timeoutMs = 15_000): Promise<ServiceExit & { ms: number }> {
    const started = Date.now();
    if (!this.exitInfo) this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`${this.role} did not exit within ${timeoutMs} ms of ${signal}:\n${this.tail()}`));
      }, timeoutMs);
    });
    try {
      const exit = await Promise.race([this.exited, late]);
      return { ...exit, ms: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Pauses (SIGSTOP) or resumes (SIGCONT) the process, to look at a still world. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    if (!this.exitInfo) this.child.kill(signal);
  }

  private take(line: string): void {
    if (!line) return;
    this.logFile.write(`${line}\n`);
    this.lines.push(line);
    if (this.lines.length > 400) this.lines.splice(0, this.lines.length - 400);
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (level && Number(level) >= 40) {
      const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? 'unknown';
      this.problems.set(msg, (this.problems.get(msg) ?? 0) + 1);
    }
  }
}
