/**
 * The shared rate limiter takes a slot under every limit at once: a message that waited for
 * the overall limit still leaves a second after the previous one to the same chat.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter, type Limit, type Line } from '../../src/services/rate-limiter.js';
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

  describe('with a line', () => {
    // Every send's time, never full: read back afterwards. The line's turns are read from its key.
    const log: Limit = { key: 'log', limit: 1_000, windowMs: 60_000, shared: true };
    const timesOf = async (key: string) => (await redis.zrange(key, '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
    const line = (spacingMs: number): Line => ({ key: 'line', spacingMs });

    it('twenty senders waiting at once get turns back to back, and leave no closer than the limits allow', async () => {
      const p = `${prefix}line`;
      const limiter = new RateLimiter(redis, p);
      const gap: Limit = { key: 'gap', limit: 1, windowMs: 40, shared: true };
      await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.take([{ key: `chat:${i}`, limit: 1, windowMs: 1_000 }, gap, log], { line: line(50) })));
      const turns = await timesOf(`${p}:rate:line`);
      const sends = await timesOf(`${p}:rate:log`);
      // The line's last turns (the earlier ones have left its window): 50 ms apart, none lost.
      expect(turns.length).toBeGreaterThanOrEqual(2);
      expect(turns.slice(1).map((t, i) => t - turns[i]!)).toEqual(turns.slice(1).map(() => 50));
      expect(sends).toHaveLength(20);
      expect(Math.min(...sends.slice(1).map((t, i) => t - sends[i]!))).toBeGreaterThanOrEqual(40);
      // About one turn each: twenty sends over nineteen turns, not a poll's worth more.
      expect(sends[19]! - sends[0]!).toBeLessThan(19 * 50 + 200);
    });

    it('a chat that must wait for its own limit holds no place in the line', async () => {
      const p = `${prefix}own`;
      const limiter = new RateLimiter(redis, p);
      const limits = (chat: string): Limit[] => [{ key: `chat:${chat}`, limit: 1, windowMs: 1_000 }, log];
      await limiter.take(limits('a'), { line: line(20) });
      const again = limiter.take(limits('a'), { line: line(20) });
      await Promise.all(['b', 'c', 'd'].map((chat) => limiter.take(limits(chat), { line: line(20) })));
      await again;
      const sends = await timesOf(`${p}:rate:log`);
      // b, c and d went before a's second, which came a second after its first.
      expect(sends).toHaveLength(5);
      expect(sends[3]! - sends[0]!).toBeLessThan(1_000);
      expect(sends[4]! - sends[0]!).toBeGreaterThanOrEqual(1_000);
    });

    it('a sender woken late by a busy process still leaves at once: its turn is not lost', async () => {
      const p = `${prefix}late`;
      const limiter = new RateLimiter(redis, p);
      const limits = (chat: string): Limit[] => [{ key: `chat:${chat}`, limit: 1, windowMs: 1_000 }, log];
      await limiter.take(limits('b'), { line: line(50) });
      const start = Date.now();
      const taking = limiter.take(limits('a'), { line: line(50) });
      // a's turn is 50 ms after b's; keep the process busy past it.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const busyUntil = Date.now() + 120;
      while (Date.now() < busyUntil) {
        // a busy process: timers fire late
      }
      await taking;
      expect(Date.now() - start).toBeLessThan(300);
      expect(await timesOf(`${p}:rate:log`)).toHaveLength(2);
    });

    it('turns a fraction of a millisecond apart (a window divided by its limit)', async () => {
      const p = `${prefix}fraction`;
      const limiter = new RateLimiter(redis, p);
      await Promise.all(['a', 'b', 'c'].map((chat) => limiter.take([{ key: `chat:${chat}`, limit: 1, windowMs: 1_000 }, log], { line: line(34.5) })));
      const turns = await timesOf(`${p}:rate:line`);
      expect(turns.slice(1).map((t, i) => t - turns[i]!)).toEqual([34.5, 34.5]);
    });

    it('a take refused for waiting too long leaves no place in the line', async () => {
      const p = `${prefix}refused`;
      const limiter = new RateLimiter(redis, p);
      await limiter.take([log], { line: line(600) });
      await expect(limiter.take([log], { line: line(600), maxWaitMs: 100 })).rejects.toThrow(/would wait too long/);
      await limiter.take([log], { line: line(600) });
      const sends = await timesOf(`${p}:rate:log`);
      expect(sends).toHaveLength(2);
      expect(sends[1]! - sends[0]!).toBeGreaterThanOrEqual(595);
      expect(sends[1]! - sends[0]!).toBeLessThan(700);
    });
  });
});

describe('RateLimiter.settle', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Takes a slot, answers 200 ms later, settles, and says how long after the answer the next take got its slot. */
  async function nextAfterAnswer(name: string, limit: Limit): Promise<number> {
    const limiter = new RateLimiter(redis, `${prefix}${name}`);
    const receipt = await limiter.take([limit]);
    await sleep(200); // on its way, and taken in late
    const answered = Date.now();
    await limiter.settle(receipt);
    await limiter.take([limit]);
    return Date.now() - answered;
  }

  it('moves a send to when the platform answered: the next waits a window from the answer, not from the slot', async () => {
    expect(await nextAfterAnswer('settle', { key: 'chat', limit: 1, windowMs: 300, countedOnArrival: true })).toBeGreaterThanOrEqual(295);
  });

  it('leaves a limit that spaces departures where it was taken', async () => {
    expect(await nextAfterAnswer('unsettled', { key: 'gap', limit: 1, windowMs: 300 })).toBeLessThan(200);
  });

  it('however late each send arrives, the platform never counts more than the limit in its window', async () => {
    const limiter = new RateLimiter(redis, `${prefix}arrivals`);
    // The platform's window is 500 ms; ours 5 ms more, for the clocks' whole milliseconds.
    const limits: Limit[] = [{ key: 'global', limit: 5, windowMs: 505, countedOnArrival: true }];
    const arrivals: number[] = [];
    // Eight senders, 32 sends; each takes 0–80 ms to reach the platform and as long again to be answered.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 4; i++) {
          const receipt = await limiter.take(limits);
          await sleep(Math.random() * 80);
          arrivals.push(Date.now());
          await sleep(Math.random() * 80);
          await limiter.settle(receipt);
        }
      }),
    );
    arrivals.sort((a, b) => a - b);
    expect(arrivals).toHaveLength(32);
    // Any six arrivals in a row span at least the platform's window.
    const spans = arrivals.slice(5).map((t, i) => t - arrivals[i]!);
    expect(Math.min(...spans)).toBeGreaterThanOrEqual(500);
  });
});
