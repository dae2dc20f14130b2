/**
 * A lock's lease against the real Redis: its holder can tell when Redis lost the lock (a
 * restart comes back empty, a FLUSHALL, a pause past the time limit), and a chat's sender
 * that lost its lock stops before its next send instead of sending alongside the next holder.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChannelAdapter } from '../../src/core/channel.js';
import type { OutboundMessage } from '../../src/core/channel.js';
import type { ConversationRepository } from '../../src/models/conversation-repository.js';
import { ChatLocks, LockLostError } from '../../src/services/chat-lock.js';
import { OutboxSender } from '../../src/services/outbox-sender.js';
import { deleteKeys, REDIS_URL } from '../helpers/db.js';

const redis = new Redis(REDIS_URL);
const prefix = `t${randomUUID().slice(0, 8)}`;

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

describe('LockLease.confirm', () => {
  it('passes while the lock is held, and throws once Redis lost it or another holder took it', async () => {
    const locks = new ChatLocks(redis, prefix);
    const outcome = await locks.withLock('send:a', async (lease) => {
      await lease.confirm();
      await redis.del(`${prefix}:lock:send:a`);
      const lost = await lease.confirm().catch((error: unknown) => error);
      // The next holder's lock is not this holder's either.
      const taken = await locks.withLock('send:a', async () => lease.confirm().catch((error: unknown) => error));
      return { lost, taken };
    });
    expect(outcome.ran).toBe(true);
    if (!outcome.ran) return;
    expect(outcome.value.lost).toBeInstanceOf(LockLostError);
    expect(outcome.value.taken).toEqual({ ran: true, value: expect.any(LockLostError) });
  });
});

/** What FLUSHALL or a restart does to one service's keys (the shared test Redis is not emptied). */
const loseKeys = (ofPrefix: string) => deleteKeys(redis, ofPrefix);

describe('ChatLocks after Redis lost its keys', () => {
  it('hands out no lock for the quarantine, so holders of the lost locks finish first', async () => {
    const own = `${prefix}q`;
    const locks = new ChatLocks(redis, own, 10_000, 400);
    expect((await locks.withLock('chat:a', async () => 'before')).ran).toBe(true);
    await loseKeys(own);
    const lostAt = Date.now();
    // Another process, which never saw the old epoch, is held back too.
    const other = new ChatLocks(redis, own, 10_000, 400);
    expect(await locks.withLock('chat:b', async () => 'during')).toEqual({ ran: false });
    expect(await other.withLock('chat:c', async () => 'during')).toEqual({ ran: false });
    const value = await locks.exclusive('chat:a', async () => Date.now());
    expect(value - lostAt).toBeGreaterThanOrEqual(380);
    // One quarantine per loss: afterwards locks are handed out at once again.
    expect(await other.withLock('chat:c', async () => 'after')).toEqual({ ran: true, value: 'after' });
  });

  it('does not hold back a service starting on an empty Redis', async () => {
    const locks = new ChatLocks(redis, `${prefix}fresh`, 10_000, 60_000);
    expect(await locks.withLock('chat:a', async () => 'first')).toEqual({ ran: true, value: 'first' });
  });
});

describe('OutboxSender under a lost lock', () => {
  it('finishes the send in flight, marks it, and sends nothing more', async () => {
    const locks = new ChatLocks(redis, prefix);
    let sentSeq = 0;
    const outbox = [1, 2, 3].map((seq) => ({ seq, message: { text: `message ${seq}` } as OutboundMessage }));
    const conversations = {
      loadOutbox: async () => ({ chatKey: 'k', channel: 'telegram', address: '42', outbox: outbox.filter((item) => item.seq > sentSeq) }),
      markSent: async (_chatKey: string, seq: number) => {
        sentSeq = Math.max(sentSeq, seq);
      },
    };
    const sent: string[] = [];
    const channel: Pick<ChannelAdapter, 'send'> = {
      // Redis loses its keys while the first message is on its way.
      send: async (_address, message) => {
        if (sent.length === 0) await redis.del(`${prefix}:lock:send:k`);
        sent.push(message.text);
      },
    };
    const sender = new OutboxSender({
      conversations: conversations as unknown as ConversationRepository,
      channels: new Map([['telegram', channel]]),
      locks,
      logger: pino({ level: 'silent' }),
      onUndelivered: async () => undefined,
    });
    const outcome = await locks.withLock('send:k', (lease) => sender.drain('k', lease)).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(LockLostError);
    expect(sent).toEqual(['message 1']);
    expect(sentSeq).toBe(1);
    // The next holder resumes after the mark: nothing repeated, nothing out of order.
    await locks.withLock('send:k', (lease) => sender.drain('k', lease));
    expect(sent).toEqual(['message 1', 'message 2', 'message 3']);
  });
});
