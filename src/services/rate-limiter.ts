import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Sliding windows in sorted sets, one entry per message sent (its time). WAIT_FOR_FREE drops
// what left each window of KEYS[first..] and returns how long until the most restrictive has a
// free slot (0: all free now); the window and limit of KEYS[i] are ARGV[2i+1] and ARGV[2i+2].
const WAIT_FOR_FREE = `
local function wait_for_free(first, now)
  local wait = 0
  for i = first, #KEYS do
    local window = tonumber(ARGV[2 * i + 1])
    redis.call('zremrangebyscore', KEYS[i], 0, now - window)
    if redis.call('zcard', KEYS[i]) >= tonumber(ARGV[2 * i + 2]) then
      local oldest = redis.call('zrange', KEYS[i], 0, 0, 'withscores')
      wait = math.max(wait, tonumber(oldest[2]) + window - now, 1)
    end
  end
  return wait
end
`;

// If every limit has a free slot, take one in each, else take none and say how long until the
// most restrictive frees. Atomic in Redis, shared by every process.
// ARGV: now, member, then window and limit per key.
const TAKE_ALL = `${WAIT_FOR_FREE}
local now = tonumber(ARGV[1])
local wait = wait_for_free(1, now)
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('zadd', key, now, ARGV[2])
  redis.call('pexpire', key, tonumber(ARGV[2 * i + 1]))
end
return 0
`;

// A place in the line: if the sender's own limits (KEYS[2..]) are free now (checked, not
// taken), a wake-up time `spacing` after the line's last one (KEYS[1]), at most ARGV[3] ahead.
// Returns {1, ms until that time} or {0, ms to wait and try again}.
// ARGV: now, member, how far ahead, spacing, then window and limit per own key.
const JOIN_LINE = `${WAIT_FOR_FREE}
local now = tonumber(ARGV[1])
local wait = wait_for_free(2, now)
if wait > 0 then return {0, math.ceil(wait)} end
local spacing = tonumber(ARGV[4])
redis.call('zremrangebyscore', KEYS[1], 0, now - spacing)
local at = now
local last = redis.call('zrange', KEYS[1], -1, -1, 'withscores')
if last[2] then at = math.max(at, tonumber(last[2]) + spacing) end
if at - now > tonumber(ARGV[3]) then return {0, math.ceil(at - now)} end
redis.call('zadd', KEYS[1], at, ARGV[2])
redis.call('pexpire', KEYS[1], math.ceil(at - now + spacing))
return {1, math.ceil(at - now)}
`;

// Moves a send's entry (ARGV[2]) to when the platform answered (ARGV[1]), never earlier, in
// each window of KEYS (ARGV[i + 2]: its length, for the key's expiry); re-adds it if it left.
const SETTLE = `
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('zadd', key, 'GT', now, ARGV[2])
  redis.call('pexpire', key, tonumber(ARGV[i + 2]))
end
return 0
`;

/** A place in the line is taken at most this far ahead; a longer line is waited out and joined again. */
const JOIN_AHEAD_MS = 5_000;
/** At its turn, a sender waits this long at most for the shared limits before joining the line again. */
const REJOIN_AFTER_MS = 250;

/** One limit: at most `limit` events per `windowMs` under `key`. */
export interface Limit {
  key: string;
  limit: number;
  windowMs: number;
  /** A limit every sender shares (the overall one): with a line, waited for in the line. */
  shared?: boolean;
  /**
   * The platform counts the message when it arrives, which is some time after its slot was
   * taken (more on a busy machine): `settle` then moves the send to when the platform answered,
   * which is after the arrival, so the window holds on the platform's side whatever the delay.
   */
  countedOnArrival?: boolean;
}

/** A send's slots, from `take`; `settle` it once the platform has answered. */
export interface SendReceipt {
  member: string;
  limits: readonly Limit[];
}

/**
 * Where senders wait their turn for the shared limits: wake-up times `spacingMs` apart, handed
 * out in order. Without it every waiting sender polls, each freed slot goes to whichever wakes
 * first, a little late, and the overall rate falls short of what the limits allow.
 */
export interface Line {
  key: string;
  spacingMs: number;
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
    const key = this.keyOf(limit.key);
    await this.redis.zremrangebyscore(key, 0, Date.now() - limit.windowMs);
    return Math.max(0, limit.limit - (await this.redis.zcard(key)));
  }

  /**
   * Takes a slot under every limit at once, when the message leaves, waiting as long as
   * needed (never longer than `maxWaitMs`). All or none: a slot taken under one limit while
   * waiting for another would be spent before the send, so after a long wait for the overall
   * limit two messages to one chat could leave milliseconds apart. With a `line`, a sender
   * whose own limits are free waits for its turn in the line, then takes its slots; a sender
   * woken late by a busy process still goes at once if the limits allow (they count sends, not
   * turns), so no turn is lost.
   */
  async take(limits: readonly Limit[], options: { line?: Line; maxWaitMs?: number } = {}): Promise<SendReceipt> {
    const deadline = Date.now() + (options.maxWaitMs ?? 120_000);
    const tooLong = () => new Error(`rate limit ${limits.map(({ key }) => key).join(', ')} would wait too long`);
    const member = randomUUID();
    for (;;) {
      if (options.line)
        await this.waitTurn(
          options.line,
          limits.filter((limit) => !limit.shared),
          deadline,
          tooLong,
        );
      for (;;) {
        const wait = await this.takeNow(limits, member);
        if (wait <= 0) return { member, limits };
        if (Date.now() + wait > deadline) throw tooLong();
        // Another message to this chat went first (a staff message, an alert): back to the line when it frees.
        if (options.line && wait > REJOIN_AFTER_MS) break;
        await sleep(Math.min(wait, 1_000));
      }
    }
  }

  /**
   * Once the platform has answered (or failed: it may have counted the message all the same),
   * moves the send under the limits it counts on arrival to now. Without it a send that left
   * late, or that the platform took in late, stood in the window at the time its slot was taken,
   * too early: the next sends could then arrive with more than the limit within one of the
   * platform's windows (a 429, seen on a busy machine with a margin of 35 ms).
   */
  async settle(receipt: SendReceipt): Promise<void> {
    const counted = receipt.limits.filter((limit) => limit.countedOnArrival);
    if (counted.length === 0) return;
    await this.redis.eval(
      SETTLE,
      counted.length,
      ...counted.map(({ key }) => this.keyOf(key)),
      Date.now(),
      receipt.member,
      ...counted.map(({ windowMs }) => windowMs),
    );
  }

  private async takeNow(limits: readonly Limit[], member: string): Promise<number> {
    const keys = limits.map(({ key }) => this.keyOf(key));
    const args = limits.flatMap(({ windowMs, limit }) => [windowMs, limit]);
    return Number(await this.redis.eval(TAKE_ALL, keys.length, ...keys, Date.now(), member, ...args));
  }

  /** Waits until the sender's own limits are free, then for its turn in the line. */
  private async waitTurn(line: Line, own: readonly Limit[], deadline: number, tooLong: () => Error): Promise<void> {
    const keys = [this.keyOf(line.key), ...own.map(({ key }) => this.keyOf(key))];
    const args = own.flatMap(({ windowMs, limit }) => [windowMs, limit]);
    for (;;) {
      const now = Date.now();
      const ahead = Math.max(0, Math.min(JOIN_AHEAD_MS, deadline - now));
      const [placed, wait] = (await this.redis.eval(JOIN_LINE, keys.length, ...keys, now, randomUUID(), ahead, line.spacingMs, ...args)) as [number, number];
      if (placed) {
        if (wait > 0) await sleep(wait);
        return;
      }
      if (now + wait > deadline) throw tooLong();
      await sleep(Math.min(wait, 1_000));
    }
  }

  private keyOf(key: string): string {
    return `${this.prefix}:rate:${key}`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
