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
});
