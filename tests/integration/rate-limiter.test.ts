/**
 * The shared rate limiter takes a slot under every limit at once: a message that waited for
 * the overall limit still leaves a second after the previous one to the same chat.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter, type Limit } from '../../src/services/rate-limiter.js';
import { deleteKeys, REDIS_URL } from '../helpers/db.js';

const redis = new Redis(REDIS_URL);
const prefix = `t${randomUUID().slice(0, 8)}`;

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

const limitsFor = (chat: string): Limit[] => [
  { key: `chat:${chat}`, limit: 1, windowMs: 1_000 },
  { key: 'global', limit: 2, windowMs: 1_000 },
];

describe('RateLimiter.take', () => {
  it('keeps a chat’s messages a window apart even after a wait for the overall limit', async () => {
    const limiter = new RateLimiter(redis, prefix);
    await limiter.take(limitsFor('b'));
    await limiter.take(limitsFor('c'));
    const start = Date.now();
    await limiter.take(limitsFor('a'));
    const first = Date.now();
    await limiter.take(limitsFor('a'));
    const second = Date.now();
    // The first waited for the overall limit; the second a whole window after it, not at once.
    expect(first - start).toBeGreaterThanOrEqual(900);
    expect(second - first).toBeGreaterThanOrEqual(950);
  });

  it('takes nothing while it waits: another chat is not held up by one that must wait', async () => {
    const limiter = new RateLimiter(redis, `${prefix}x`);
    await limiter.take(limitsFor('a'));
    const waiting = limiter.take(limitsFor('a'));
    const start = Date.now();
    await limiter.take(limitsFor('b'));
    expect(Date.now() - start).toBeLessThan(200);
    await waiting;
  });

  describe('limits taken in line', () => {
    // A log of every slot's time, never full: the reserved times can be read back afterwards.
    const log: Limit = { key: 'log', limit: 1_000, windowMs: 60_000, inLine: true };
    const slotTimes = async (p: string) => (await redis.zrange(`${p}:rate:log`, '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);

    it('twenty senders waiting at once get back-to-back slots: none is lost to a sender waking up', async () => {
      const p = `${prefix}line`;
      const limiter = new RateLimiter(redis, p);
      const spacing: Limit = { key: 'spacing', limit: 1, windowMs: 50, inLine: true };
      const returned: number[] = [];
      await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.take([{ key: `chat:${i}`, limit: 1, windowMs: 1_000 }, spacing, log]).then(() => returned.push(Date.now()))));
      const times = await slotTimes(p);
      // A sender woken more than 10 ms late takes a further slot at the end of the line.
      expect(times.length).toBeGreaterThanOrEqual(20);
      expect(times.slice(1, 20).map((t, i) => t - times[i]!)).toEqual(Array.from({ length: 19 }, () => 50));
      // Each returned at its slot, not before.
      expect(returned.sort((a, b) => a - b)[19]! - returned[0]!).toBeGreaterThanOrEqual(19 * 50 - 10);
    });

    it('a chat that must wait for its own limit holds no place in the line', async () => {
      const p = `${prefix}own`;
      const limiter = new RateLimiter(redis, p);
      const limits = (chat: string): Limit[] => [{ key: `chat:${chat}`, limit: 1, windowMs: 1_000 }, { key: 'spacing', limit: 1, windowMs: 20, inLine: true }, log];
      await limiter.take(limits('a'));
      const again = limiter.take(limits('a'));
      await Promise.all(['b', 'c', 'd'].map((chat) => limiter.take(limits(chat))));
      await again;
      const times = await slotTimes(p);
      // b, c and d went back to back before a's second, which came a second after its first.
      expect(times).toHaveLength(5);
      expect([times[2]! - times[1]!, times[3]! - times[2]!]).toEqual([20, 20]);
      expect(times[3]! - times[0]!).toBeLessThan(1_000);
      expect(times[4]! - times[0]!).toBeGreaterThanOrEqual(1_000);
    });

    it('a sender woken too late takes another slot, and its chat is not held back by the one it left unused', async () => {
      const p = `${prefix}late`;
      const limiter = new RateLimiter(redis, p);
      const limits = (chat: string): Limit[] => [{ key: `chat:${chat}`, limit: 1, windowMs: 1_000 }, { key: 'spacing', limit: 1, windowMs: 50, inLine: true }, log];
      await limiter.take(limits('b'));
      const start = Date.now();
      const taking = limiter.take(limits('a'));
      // a's slot is 50 ms after b's; keep the process busy past it.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const busyUntil = Date.now() + 120;
      while (Date.now() < busyUntil) {
        // a busy process: timers fire late
      }
      await taking;
      const times = await slotTimes(p);
      // b's slot, a's unused one, a's second: all three counted in the shared line.
      expect(times).toHaveLength(3);
      expect(times[1]! - times[0]!).toBe(50);
      // a left at its second slot, not a whole window after the first it did not use.
      expect(Date.now() - start).toBeLessThan(600);
      expect(await redis.zcard(`${p}:rate:chat:a`)).toBe(1);
    });

    it('a take refused for waiting too long reserves nothing', async () => {
      const p = `${prefix}refused`;
      const limiter = new RateLimiter(redis, p);
      const slow: Limit[] = [{ key: 'slow', limit: 1, windowMs: 600, inLine: true }, log];
      await limiter.take(slow);
      await expect(limiter.take(slow, 100)).rejects.toThrow(/would wait too long/);
      await limiter.take(slow);
      const times = await slotTimes(p);
      expect(times).toHaveLength(2);
      expect(times[1]! - times[0]!).toBe(600);
    });
  });
});
