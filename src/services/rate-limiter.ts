import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Sliding window in a sorted set: drop what left the window, count, take a slot if one is free,
// else say how long until the oldest slot frees. Atomic in Redis, shared by every process.
const TAKE = `
redis.call('zremrangebyscore', KEYS[1], 0, ARGV[1] - ARGV[2])
local count = redis.call('zcard', KEYS[1])
if count < tonumber(ARGV[3]) then
  redis.call('zadd', KEYS[1], ARGV[1], ARGV[4])
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 0
end
local oldest = redis.call('zrange', KEYS[1], 0, 0, 'withscores')
return tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1])
`;

/** One limit: at most `limit` events per `windowMs` under `key`. */
export interface Limit {
  key: string;
  limit: number;
  windowMs: number;
}

/**
 * Rate limits shared by all processes, kept in Redis: Telegram allows about 30
 * messages a second overall, one a second per chat and 20 a minute per group, and
 * BullMQ's own limiter is per queue only. Waiting here keeps a chat's messages in
 * order, where a refused send would have to be retried.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** How many slots a limit has free now, without taking one. */
  async free(limit: Limit): Promise<number> {
    const key = `${this.prefix}:rate:${limit.key}`;
    await this.redis.zremrangebyscore(key, 0, Date.now() - limit.windowMs);
    return Math.max(0, limit.limit - (await this.redis.zcard(key)));
  }

  /** Takes a slot under every limit, waiting as long as needed (never longer than `maxWaitMs`). */
  async take(limits: readonly Limit[], maxWaitMs = 120_000): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    for (const { key, limit, windowMs } of limits) {
      for (;;) {
        const wait = Number(await this.redis.eval(TAKE, 1, `${this.prefix}:rate:${key}`, Date.now(), windowMs, limit, randomUUID()));
        if (wait <= 0) break;
        if (Date.now() + wait > deadline) throw new Error(`rate limit ${key} would wait too long`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 1_000)));
      }
    }
  }
}
