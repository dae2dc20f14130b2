import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ChannelDownloadError, ChannelSendError } from '../../../src/core/channel.js';
import { LockLostError } from '../../../src/services/chat-lock.js';
import { downloadMayPass, failureKind, inboundAttemptsProblem, QUEUE_RETRY } from '../../../src/services/retry-policy.js';
import { ConfigError, loadConfig } from '../../../src/config/config.js';
import { KeyRing } from '../../../src/privacy/key-ring.js';
import { WorkQueues } from '../../../src/workers/queues.js';

/** An error as the MongoDB driver names one for a server it cannot reach (matched by name, see services/unavailable.ts). */
function driverError(name: string): Error {
  const error = new Error('connection lost');
  error.name = name;
  return error;
}

describe('the retry policy', () => {
  it('reads each failure by its type, never by its message', () => {
    expect(failureKind(new ChannelSendError('too many requests', 1200))).toBe('wait');
    expect(failureKind(new ChannelSendError('bot was blocked by the user', undefined, true))).toBe('permanent');
    expect(failureKind(new ChannelSendError('bad gateway'))).toBe('counted');
    expect(failureKind(new ChannelDownloadError(404))).toBe('permanent');
    expect(failureKind(new ChannelDownloadError(429))).toBe('counted');
    expect(failureKind(new ChannelDownloadError(502))).toBe('counted');
    expect(failureKind(new LockLostError('chat:x'))).toBe('step_aside');
    expect(failureKind(driverError('MongoServerSelectionError'))).toBe('unavailable');
    expect(failureKind(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('unavailable');
    // A message that merely reads like a status is not one: only the typed error counts.
    expect(failureKind(new Error('file download answered 404'))).toBe('counted');
    expect(failureKind('not even an error')).toBe('counted');
  });

  it('tries a download again unless the platform refused it for good', () => {
    expect(downloadMayPass(new ChannelDownloadError(500))).toBe(true);
    expect(downloadMayPass(new ChannelDownloadError(429))).toBe(true);
    expect(downloadMayPass(new ChannelDownloadError(403))).toBe(false);
    expect(downloadMayPass(new ChannelSendError('gone', undefined, true))).toBe(false);
    expect(downloadMayPass(new Error('fetch failed'))).toBe(true);
  });

  it("refuses to start when a failing message could never be set aside within the inbound queue's tries", () => {
    const keys = { DATA_KEYS: `k1:${KeyRing.generateKeyBase64()}`, DATA_KEY_CURRENT: 'k1', LOOKUP_KEY: KeyRing.generateKeyBase64() };
    const tries = QUEUE_RETRY.inbound.attempts;
    expect(inboundAttemptsProblem(tries)).toBeNull();
    expect(inboundAttemptsProblem(tries + 1)).toContain(`at most ${tries}`);
    expect(loadConfig({ ...keys, INBOUND_MAX_ATTEMPTS: String(tries) }).INBOUND_MAX_ATTEMPTS).toBe(tries);
    expect(() => loadConfig({ ...keys, INBOUND_MAX_ATTEMPTS: String(tries + 1) })).toThrow(ConfigError);
    expect(() => loadConfig({ ...keys, INBOUND_MAX_ATTEMPTS: String(tries + 1) })).toThrow(/INBOUND_MAX_ATTEMPTS.*at most/);
  });

  it('gives each real queue the tries and backoff it names', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    const queues = new WorkQueues(redis, `retry-policy-${process.pid}`);
    try {
      for (const name of ['inbound', 'outbound', 'alerts'] as const) {
        const job = await queues[name].add('probe', { chatKey: 'probe' } as never);
        expect(job.opts.attempts, name).toBe(QUEUE_RETRY[name].attempts);
        expect(job.opts.backoff, name).toEqual(QUEUE_RETRY[name].backoff);
        await job.remove();
      }
    } finally {
      await queues.close();
      await redis.quit();
    }
  });
});
