import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Sliding windows in sorted sets, one entry per slot taken (its time; possibly a little ahead).
// For each limit, the earliest time it allows: after its last slot, and a window after the
// limit-th last slot when full. A limit taken "in line" lets the slot be reserved at that
// earliest time; any other must be free now. All or none; a reservation further ahead than
// ARGV[3] is not made. Returns {1, ms until the reserved slot} or {0, ms to wait and try again}.
// Atomic in Redis, shared by every process. ARGV: now, member, how far ahead, then window, limit
// and in-line flag per key.
const TAKE_ALL = `
local now = tonumber(ARGV[1])
local at = now
local not_free = 0
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[3 * i + 1])
  local limit = tonumber(ARGV[3 * i + 2])
  redis.call('zremrangebyscore', key, 0, now - window)
  local earliest = now
  local last = redis.call('zrange', key, -1, -1, 'withscores')
  if last[2] then earliest = math.max(earliest, tonumber(last[2])) end
  if redis.call('zcard', key) >= limit then
    local nth = redis.call('zrange', key, -limit, -limit, 'withscores')
    earliest = math.max(earliest, tonumber(nth[2]) + window)
  end
  if ARGV[3 * i + 3] == '1' then
    at = math.max(at, earliest)
  elseif earliest > now then
    not_free = math.max(not_free, earliest - now)
  end
end
if not_free > 0 then return {0, math.ceil(not_free)} end
if at - now > tonumber(ARGV[3]) then return {0, math.ceil(at - now)} end
for i, key in ipairs(KEYS) do
  redis.call('zadd', key, at, ARGV[2])
  redis.call('pexpire', key, tonumber(ARGV[3 * i + 1]) + at - now)
end
return {1, math.ceil(at - now)}
`;

/** A slot is reserved at most this far ahead; a longer wait is waited out and the take tried again. */
const RESERVE_AHEAD_MS = 5_000;
/**
 * A reserved slot woken up to later than this is left unused and another taken: the limits'
 * margins (see the gateway) assume a message leaves at its slot, give or take a few milliseconds.
 */
const LATE_MS = 10;

/** One limit: at most `limit` events per `windowMs` under `key`. */
export interface Limit {
  key: string;
  limit: number;
  windowMs: number;
  /**
   * Wait in line for this limit: its next free slot is reserved, whoever else waits, so no slot
   * goes unused between one sender's turn and the next waking up. For limits every sender shares
   * (the overall one). A limit not in line is taken only when free now, so that a chat waiting
   * for its own limit holds no place in everyone's line.
   */
  inLine?: boolean;
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

  /** How many slots a limit has free now, without taking one (slots reserved ahead count as taken). */
  async free(limit: Limit): Promise<number> {
    const key = `${this.prefix}:rate:${limit.key}`;
    await this.redis.zremrangebyscore(key, 0, Date.now() - limit.windowMs);
    return Math.max(0, limit.limit - (await this.redis.zcard(key)));
  }

  /**
   * Takes a slot under every limit at once, waiting as long as needed (never longer than
   * `maxWaitMs`), and returns at the slot's time. All or none: a slot taken under one limit
   * while waiting for another would be spent before the send, so after a long wait for the
   * overall limit two messages to one chat could leave milliseconds apart.
   */
  async take(limits: readonly Limit[], maxWaitMs = 120_000): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    const keys = limits.map(({ key }) => `${this.prefix}:rate:${key}`);
    const args = limits.flatMap(({ windowMs, limit, inLine }) => [windowMs, limit, inLine ? 1 : 0]);
    const ownKeys = keys.filter((_, i) => !limits[i]!.inLine);
    for (;;) {
      const now = Date.now();
      const slot = randomUUID();
      const ahead = Math.max(0, Math.min(RESERVE_AHEAD_MS, deadline - now));
      const [reserved, wait] = (await this.redis.eval(TAKE_ALL, keys.length, ...keys, now, slot, ahead, ...args)) as [number, number];
      if (reserved) {
        if (wait > 0) await sleep(wait);
        if (Date.now() - (now + wait) <= LATE_MS) return;
        // Woken too late (a busy process): the slot stays counted in the shared line, unused,
        // and another is taken; the chat's own limits forget it, so the chat does not wait a
        // whole window for a message that never left.
        await Promise.all(ownKeys.map((key) => this.redis.zrem(key, slot)));
        continue;
      }
      if (now + wait > deadline) throw new Error(`rate limit ${limits.map(({ key }) => key).join(', ')} would wait too long`);
      await sleep(Math.min(wait, 1_000));
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
