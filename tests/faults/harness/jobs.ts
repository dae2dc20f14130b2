/**
 * Counts the BullMQ jobs the service ran, from the queues' event streams in Redis (BullMQ
 * writes `added`, `completed`, `failed`, `stalled`… there and trims the stream to about
 * 10,000 entries): read every second from the last entry seen, nothing is missed. Stream
 * ids grow with time, so after Redis lost everything the reading simply goes on.
 */
import { Redis } from 'ioredis';

const QUEUES = ['inbound', 'outbound', 'alerts'] as const;

/** Jobs by event, summed over the queues. */
export type JobCounts = Record<'added' | 'completed' | 'failed' | 'stalled' | 'delayed', number>;

export class JobCounter {
  readonly counts: JobCounts = { added: 0, completed: 0, failed: 0, stalled: 0, delayed: 0 };
  private readonly redis: Redis;
  private readonly lastIds = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> = Promise.resolve();

  constructor(url: string, prefix: string) {
    // Redis is stopped and emptied on purpose in some cases: keep trying, never throw at the test.
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    this.redis.on('error', () => undefined);
    for (const queue of QUEUES) this.lastIds.set(`${prefix}:${queue}:events`, '0');
  }

  start(): this {
    this.timer = setInterval(() => {
      this.reading = this.reading.then(() => this.read()).catch(() => undefined);
    }, 1_000);
    return this;
  }

  /** Reads what is left and stops. */
  async stop(): Promise<JobCounts> {
    if (this.timer) clearInterval(this.timer);
    await this.reading;
    await this.read().catch(() => undefined);
    this.redis.disconnect();
    return this.counts;
  }

  private async read(): Promise<void> {
    for (const [stream, from] of this.lastIds) {
      let last = from;
      for (;;) {
        const entries = await this.redis.xrange(stream, last === '0' ? '-' : `(${last}`, '+', 'COUNT', 2_000);
        if (entries.length === 0) break;
        for (const [id, fields] of entries) {
          last = id;
          const event = fields[fields.indexOf('event') + 1] as keyof JobCounts | undefined;
          if (event && event in this.counts) this.counts[event] += 1;
        }
      }
      this.lastIds.set(stream, last);
    }
  }
}
