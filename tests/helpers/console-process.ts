import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Text to wait for: a substring or a pattern. */
export type Expected = string | RegExp;

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How to start the service with its console chat. */
export interface ConsoleProcessOptions {
  /** The whole environment of the child (nothing is inherited beyond what is passed). */
  env: NodeJS.ProcessEnv;
  /** Extra arguments after `src/main.ts` (`--chat other`, `--env ...`). */
  args?: readonly string[];
  /** Default time to wait for an expected text. */
  timeoutMs?: number;
}

/**
 * The intake service run as a person runs it locally
 * (`node --import tsx src/main.ts`), typed into through stdin and read from stdout.
 *
 * Every wait looks only at what was printed after the line it follows, so the same
 * question asked twice (after a mistake) is told apart from its first asking.
 */
export class ConsoleProcess {
  private stdout = '';
  private stderr = '';
  private exit: ProcessExit | null = null;
  private readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcessWithoutNullStreams;
  /** Where in stdout the current turn began; waits search from here. */
  private mark = 0;
  private readonly timeoutMs: number;

  constructor(options: ConsoleProcessOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...(options.args ?? [])], {
      cwd: ROOT,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    // A write after the child died must fail the wait that follows, not crash the runner.
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** Everything printed on stdout so far. */
  get output(): string {
    return this.stdout;
  }

  /** What was printed since the last line typed. */
  get turnOutput(): string {
    return this.stdout.slice(this.mark);
  }

  /** Waits for the console's ready line. */
  async ready(timeoutMs = 20_000): Promise<void> {
    await this.waitFor(['Console chat ready'], timeoutMs);
  }

  /**
   * Types one line, then waits until everything in `expected` has appeared, in
   * that order, in what the service printed after it; returns that output.
   */
  async say(line: string, ...expected: Expected[]): Promise<string> {
    this.mark = this.stdout.length;
    this.child.stdin.write(`${line}\n`);
    return this.waitFor(expected, this.timeoutMs, line);
  }

  /** Waits until the texts appear in order after the mark; fails with the turn's output and stderr. */
  async waitFor(expected: readonly Expected[], timeoutMs = this.timeoutMs, typed?: string): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const turn = this.stdout.slice(this.mark);
      const missing = firstMissing(turn, expected);
      if (missing === null) return turn;
      if (this.exit || Date.now() > deadline) {
        const why = this.exit ? `the process exited (${JSON.stringify(this.exit)})` : `nothing matched within ${timeoutMs} ms`;
        throw new Error(
          [
            `${typed === undefined ? 'waiting' : `after typing ${JSON.stringify(typed)}`}: expected ${String(missing)} but ${why}.`,
            '--- stdout since then (last 2000 characters) ---',
            turn.slice(-2000) || '(nothing)',
            '--- stderr (last 2000 characters) ---',
            this.stderr.slice(-2000) || '(nothing)',
          ].join('\n'),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends a signal and resolves when the process has exited, or rejects after `timeoutMs` (then kills it). */
  async stop(signal: NodeJS.Signals, timeoutMs = 10_000): Promise<ProcessExit & { ms: number }> {
    const started = Date.now();
    if (!this.exit) this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`the process did not exit within ${timeoutMs} ms of ${signal}; stderr:\n${this.stderr.slice(-2000)}`));
      }, timeoutMs);
    });
    try {
      const exit = await Promise.race([this.exited, timeout]);
      return { ...exit, ms: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process if it still runs (cleanup after a failed test). */
  async dispose(): Promise<void> {
    if (!this.exit) await this.stop('SIGKILL').catch(() => undefined);
  }

  /** What the process printed on stderr (its logs go to CONSOLE_LOG_DIR while the console chat is on). */
  get errors(): string {
    return this.stderr;
  }
}

/** The first expected text not found in order in `text`, or null when all are. */
function firstMissing(text: string, expected: readonly Expected[]): Expected | null {
  let from = 0;
  for (const item of expected) {
    if (typeof item === 'string') {
      const at = text.indexOf(item, from);
      if (at < 0) return JSON.stringify(item);
      from = at + item.length;
    } else {
      const flags = item.flags.includes('g') ? item.flags : `${item.flags}g`;
      const re = new RegExp(item.source, flags);
      re.lastIndex = from;
      const match = re.exec(text);
      if (!match) return item;
      from = match.index + match[0].length;
    }
  }
  return null;
}
