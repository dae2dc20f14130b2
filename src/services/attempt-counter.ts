import type { Redis } from 'ioredis';

// Takes a try under KEYS[1] if fewer than ARGV[1] are taken; the first starts a window of ARGV[2] ms.
const TAKE_SCRIPT = `
local count = tonumber(redis.call('get', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then return 0 end
redis.call('incr', KEYS[1])
redis.call('pexpire', KEYS[1], ARGV[2], 'NX')
return 1`;

// Gives a try back, never below zero; the window keeps its end.
const GIVE_BACK_SCRIPT = `
local count = tonumber(redis.call('get', KEYS[1]) or '0')
if count > 0 then redis.call('decr', KEYS[1]) end
return 0`;

/**
 * Counts attempts per key in fixed windows, in Redis, so every process sees the same
 * count: the guard on look-ups that could otherwise be repeated to guess a secret.
 */
export class AttemptCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Counts one attempt; false when it is over `max` in the window that began with the first attempt. */
  async allow(key: string, max: number, windowMs: number): Promise<boolean> {
    return (await this.hit(key, windowMs)) <= max;
  }

  /** Counts one attempt and returns how many the window now holds (the first starts the window). */
  async hit(key: string, windowMs: number): Promise<number> {
    const name = this.name(key);
    const [[, count]] = (await this.redis.multi().incr(name).pexpire(name, windowMs, 'NX').exec()) as [[Error | null, number], ...unknown[]];
    return count;
  }

  /**
   * Takes one of `max` tries in the window, atomically: when none is left nothing is counted and
   * the answer is false, so look-ups made at the same moment cannot all pass a limit that a count
   * read first and added to after would let through. A try that turns out not to count (a right
   * answer) is given back with {@link giveBack}.
   */
  async take(key: string, max: number, windowMs: number): Promise<boolean> {
    const taken = (await this.redis.eval(TAKE_SCRIPT, 1, this.name(key), String(max), String(windowMs))) as number;
    return taken === 1;
  }

  /** Gives back a try taken with {@link take}. */
  async giveBack(key: string): Promise<void> {
    await this.redis.eval(GIVE_BACK_SCRIPT, 1, this.name(key));
  }

  /** How many attempts the current window holds. */
  async count(key: string): Promise<number> {
    return Number((await this.redis.get(this.name(key))) ?? 0);
  }

  private name(key: string): string {
    return `${this.prefix}:attempts:${key}`;
  }
}
