import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Sliding windows in sorted sets: drop what left each window, count; if every limit has a free
// slot, take one in each, else take none and say how long until the most restrictive frees.
// Atomic in Redis, shared by every process. ARGV: now, member, then window and limit per key.
const TAKE_ALL = `
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('zremrangebyscore', key, 0, now - window)
  if redis.call('zcard', key) >= tonumber(ARGV[2 * i + 2]) then
    local oldest = redis.call('zrange', key, 0, 0, 'withscores')
    wait = math.max(wait, tonumber(oldest[2]) + window - now, 1)
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('zadd', key, now, ARGV[2])
  redis.call('pexpire', key, tonumber(ARGV[2 * i + 1]))
end
return 0
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

  /**
   * Takes a slot under every limit at once, waiting as long as needed (never longer than
   * `maxWaitMs`). All or none: a slot taken under one limit while waiting for another would
   * be spent before the send, so after a long wait for the overall limit two messages to one
   * chat could leave milliseconds apart.
   */
  async take(limits: readonly Limit[], maxWaitMs = 120_000): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    const keys = limits.map(({ key }) => `${this.prefix}:rate:${key}`);
    const args = limits.flatMap(({ windowMs, limit }) => [windowMs, limit]);
    for (;;) {
      const wait = Number(await this.redis.eval(TAKE_ALL, keys.length, ...keys, Date.now(), randomUUID(), ...args));
      if (wait <= 0) return;
      if (Date.now() + wait > deadline) throw new Error(`rate limit ${limits.map(({ key }) => key).join(', ')} would wait too long`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 1_000)));
    }
  }
}
