/**
 * Readings taken at the start and the end of a run's measured window, and what is derived
 * from them: rates, percentiles, CPU and MongoDB work per message, queue lag.
 */
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import type { BenchBotApi } from './fake-bot-api.js';
import type { ChildStats } from './child.js';
import { postgresCpuMs, procCpuMs, type Child } from './processes.js';

/** The shared servers every run uses, and how to read their CPU time. */
export class Servers {
  private constructor(
    readonly mongo: MongoClient,
    readonly redis: Redis,
    readonly ferretPid: number | null,
    readonly redisPid: number | null,
  ) {}

  static async open(mongoUri: string, redisUrl: string): Promise<Servers> {
    const mongo = await new MongoClient(mongoUri).connect();
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const status = await mongo
      .db('admin')
      .command({ serverStatus: 1 })
      .catch(() => ({}) as Record<string, unknown>);
    const info = await redis.info('server');
    const redisPid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    return new Servers(mongo, redis, typeof status.pid === 'number' ? status.pid : null, Number.isFinite(redisPid) ? redisPid : null);
  }

  /** Removes what a run left: its database and its Redis keys. */
  async clean(dbName: string, prefix: string): Promise<void> {
    await this.mongo
      .db(dbName)
      .dropDatabase()
      .catch(() => undefined);
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await this.redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    await this.mongo.close();
    this.redis.disconnect();
  }
}

/** Everything read at one moment of a run. */
export interface Snapshot {
  at: number;
  children: Record<string, ChildStats>;
  ferretCpuMs: number | null;
  postgresCpuMs: number | null;
  redisCpuMs: number | null;
  harnessCpuMs: number;
  accepted: number;
  tooMany: number;
}

export async function snapshot(children: readonly Child[], servers: Servers, api: BenchBotApi): Promise<Snapshot> {
  const stats = await Promise.all(children.map((child) => child.stats()));
  const harness = process.cpuUsage();
  return {
    at: performance.now(),
    children: Object.fromEntries(children.map((child, i) => [child.name, stats[i]!])),
    ferretCpuMs: servers.ferretPid ? procCpuMs(servers.ferretPid) : null,
    postgresCpuMs: postgresCpuMs(),
    redisCpuMs: servers.redisPid ? procCpuMs(servers.redisPid) : null,
    harnessCpuMs: (harness.user + harness.system) / 1000,
    accepted: api.counters.accepted,
    tooMany: api.counters.tooMany,
  };
}

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The age of the oldest waiting job and how many wait, sampled every half second in each queue. */
export class QueueLag {
  private readonly queues: Queue[];
  private readonly samples = new Map<string, { lagMs: number[]; waiting: number[] }>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(redis: Redis, prefix: string, names: readonly string[]) {
    this.queues = names.map((name) => new Queue(name, { connection: redis, prefix }));
    for (const name of names) this.samples.set(name, { lagMs: [], waiting: [] });
  }

  start(): void {
    this.timer = setInterval(() => void this.sample(), 500);
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const queue of this.queues) {
        const [oldest] = await queue.getWaiting(0, 0);
        const counts = await queue.getJobCounts('waiting');
        const sample = this.samples.get(queue.name)!;
        sample.lagMs.push(oldest ? Math.max(0, Date.now() - oldest.timestamp) : 0);
        sample.waiting.push(counts.waiting ?? 0);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Per queue: the oldest waiting job's age (p95 and max over the samples) and the most jobs waiting. */
  async stop(): Promise<Record<string, { lagP95Ms: number | null; lagMaxMs: number | null; waitingMax: number }>> {
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all(this.queues.map((queue) => queue.close()));
    return Object.fromEntries(
      [...this.samples].map(([name, s]) => [
        name,
        {
          lagP95Ms: percentile(s.lagMs, 95),
          lagMaxMs: s.lagMs.length ? Math.max(...s.lagMs) : null,
          waitingMax: s.waiting.length ? Math.max(...s.waiting) : 0,
        },
      ]),
    );
  }
}

/** The figures of one measured window. */
export interface WindowFigures {
  seconds: number;
  /** Applicant messages answered in the window, per second. */
  inboundPerSecond: number;
  /** Applicant messages sent in the window, per second (what was offered). */
  offeredPerSecond: number;
  outboundPerSecond: number;
  latencyMs: { p50: number | null; p99: number | null; max: number | null; count: number };
  casesSubmitted: number;
  tooMany: number;
  /** CPU milliseconds per answered message, by process (bots, FerretDB, Redis, the bench itself). */
  cpuMsPerMessage: Record<string, number | null>;
  /** CPU of all bot processes together, per message. */
  botCpuMsPerMessage: number;
  mongo: {
    readsPerMessage: number;
    writesPerMessage: number;
    kbPerMessage: number;
    readsPerCase: number | null;
    writesPerCase: number | null;
    kbPerCase: number | null;
    commands: Record<string, number>;
    /** Per message: how many of each command on each collection, and the milliseconds they took, busiest first. */
    perMessageByCollection: Record<string, { count: number; ms: number }>;
  };
}

/** Derives a window's figures from its two snapshots and the event times recorded meanwhile. */
export function windowFigures(
  a: Snapshot,
  b: Snapshot,
  events: { replies: readonly { at: number; ms: number }[]; offered: readonly number[]; submitted: readonly number[] },
): WindowFigures {
  const seconds = (b.at - a.at) / 1000;
  const within = (t: number) => t >= a.at && t < b.at;
  const replies = events.replies.filter((r) => within(r.at));
  const answered = Math.max(1, replies.length);
  const cases = events.submitted.filter(within).length;
  const cpu: Record<string, number | null> = {};
  let botCpu = 0;
  let reads = 0;
  let writes = 0;
  let bytes = 0;
  const commands: Record<string, number> = {};
  const byCollection: Record<string, { count: number; ms: number }> = {};
  for (const [name, end] of Object.entries(b.children)) {
    const start = a.children[name]!;
    const used = end.cpuUserMs + end.cpuSystemMs - start.cpuUserMs - start.cpuSystemMs;
    cpu[name] = used / answered;
    botCpu += used;
    reads += end.mongo.reads - start.mongo.reads;
    writes += end.mongo.writes - start.mongo.writes;
    bytes += end.mongo.bytesIn + end.mongo.bytesOut - start.mongo.bytesIn - start.mongo.bytesOut;
    for (const [command, count] of Object.entries(end.mongo.commands))
      commands[command] = (commands[command] ?? 0) + count - (start.mongo.commands[command] ?? 0);
    for (const [key, { count, ms }] of Object.entries(end.mongo.byCollection)) {
      const before = start.mongo.byCollection[key] ?? { count: 0, ms: 0 };
      const entry = (byCollection[key] ??= { count: 0, ms: 0 });
      entry.count += (count - before.count) / answered;
      entry.ms += (ms - before.ms) / answered;
    }
  }
  cpu.ferretdb = a.ferretCpuMs !== null && b.ferretCpuMs !== null ? (b.ferretCpuMs - a.ferretCpuMs) / answered : null;
  cpu.postgres = a.postgresCpuMs !== null && b.postgresCpuMs !== null ? (b.postgresCpuMs - a.postgresCpuMs) / answered : null;
  cpu.redis = a.redisCpuMs !== null && b.redisCpuMs !== null ? (b.redisCpuMs - a.redisCpuMs) / answered : null;
  cpu.bench = (b.harnessCpuMs - a.harnessCpuMs) / answered;
  const ms = replies.map((r) => r.ms);
  return {
    seconds,
    inboundPerSecond: replies.length / seconds,
    offeredPerSecond: events.offered.filter(within).length / seconds,
    outboundPerSecond: (b.accepted - a.accepted) / seconds,
    latencyMs: { p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms.length ? Math.max(...ms) : null, count: ms.length },
    casesSubmitted: cases,
    tooMany: b.tooMany - a.tooMany,
    cpuMsPerMessage: cpu,
    botCpuMsPerMessage: botCpu / answered,
    mongo: {
      readsPerMessage: reads / answered,
      writesPerMessage: writes / answered,
      kbPerMessage: bytes / 1024 / answered,
      readsPerCase: cases ? reads / cases : null,
      writesPerCase: cases ? writes / cases : null,
      kbPerCase: cases ? bytes / 1024 / cases : null,
      commands: Object.fromEntries(Object.entries(commands).filter(([, n]) => n > 0)),
      perMessageByCollection: Object.fromEntries(
        Object.entries(byCollection)
          .filter(([, e]) => e.count > 0)
          .sort(([, x], [, y]) => y.ms - x.ms)
          .map(([key, e]) => [key, { count: Math.round(e.count * 100) / 100, ms: Math.round(e.ms * 100) / 100 }]),
      ),
    },
  };
}
