import type { Redis } from 'ioredis';

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

  /** How many attempts the current window holds. */
  async count(key: string): Promise<number> {
    return Number((await this.redis.get(this.name(key))) ?? 0);
  }

  private name(key: string): string {
    return `${this.prefix}:attempts:${key}`;
  }
}
