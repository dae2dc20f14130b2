/**
 * The side of a benchmarked process that talks to the bench over IPC: its CPU time, memory
 * and MongoDB counters on request, a full garbage collection (with --expose-gc), and a clean
 * stop. It exits when the bench goes away, so no process outlives a run.
 */
import type { MongoCounts } from './mongo-monitor.js';

/** A process's figures, as the bench reads them. */
export interface ChildStats {
  cpuUserMs: number;
  cpuSystemMs: number;
  rss: number;
  heapUsed: number;
  mongo: MongoCounts;
  extra: Record<string, number>;
}

export type Request = { id: number; type: 'stats' | 'gc' | 'stop' };

export function serveBench(options: { mongo: () => MongoCounts; stop: () => Promise<void>; extra?: () => Record<string, number> }): void {
  const reply = (id: number, body: Record<string, unknown>) => process.send?.({ id, ...body });
  process.on('disconnect', () => process.exit(1));
  process.on('message', (request: Request) => {
    void (async () => {
      if (request.type === 'stats') {
        const cpu = process.cpuUsage();
        const memory = process.memoryUsage();
        const stats: ChildStats = {
          cpuUserMs: cpu.user / 1000,
          cpuSystemMs: cpu.system / 1000,
          rss: memory.rss,
          heapUsed: memory.heapUsed,
          mongo: options.mongo(),
          extra: options.extra?.() ?? {},
        };
        reply(request.id, { stats });
      } else if (request.type === 'gc') {
        const gc = (globalThis as { gc?: () => void }).gc;
        // Several rounds with turns of the event loop between them, so finalizers and weak references settle.
        for (let i = 0; gc && i < 4; i++) {
          gc();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        reply(request.id, { heapUsed: process.memoryUsage().heapUsed, collected: Boolean(gc) });
      } else {
        await options.stop().catch(() => undefined);
        reply(request.id, { stopped: true });
        setTimeout(() => process.exit(0), 50);
      }
    })();
  });
}
