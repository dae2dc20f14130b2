import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * A per-chat mutual exclusion lock in Redis (SET NX PX, released only by its holder),
 * so one consumer at a time works a chat's inbox or outbox, also across processes.
 *
 * It is needed for correctness, not only speed: FerretDB v1 does not serialise
 * concurrent conditional updates (docs/storage-compatibility.md), so a version check
 * alone would let two writers both "win". The holder renews the lock while it works,
 * so the time limit can be short: it only bounds how long a crashed holder blocks its chat.
 */
export class ChatLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs = 10_000,
  ) {}

  /** Holds back all work on `name` for `ms` (a platform's retry_after for a chat), whoever picks it up next. */
  async pause(name: string, ms: number): Promise<void> {
    await this.redis.set(`${this.prefix}:pause:${name}`, '1', 'PX', Math.max(1, Math.ceil(ms)));
  }

  /** Milliseconds left of a pause on `name`; 0 when there is none. */
  async pausedFor(name: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(`${this.prefix}:pause:${name}`));
  }

  /** Runs `work` holding the lock on `name`, waiting up to `waitMs` for it; throws `ChatLockTimeoutError` past that. */
  async exclusive<T>(name: string, work: () => Promise<T>, waitMs = 30_000): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const outcome = await this.withLock(name, work);
      if (outcome.ran) return outcome.value;
      if (Date.now() > deadline) throw new ChatLockTimeoutError(name);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  }

  /** Runs `work` holding the lock on `name`; returns `{ ran: false }` at once if another holder has it. */
  async withLock<T>(name: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const key = `${this.prefix}:lock:${name}`;
    const token = randomUUID();
    const acquired = await this.redis.set(key, token, 'PX', this.ttlMs, 'NX');
    if (acquired !== 'OK') return { ran: false };
    const renewal = setInterval(() => void this.redis.eval(RENEW, 1, key, token, this.ttlMs).catch(() => undefined), this.ttlMs / 3);
    try {
      return { ran: true, value: await work() };
    } finally {
      clearInterval(renewal);
      await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }
}

/** Thrown when a lock could not be had in time. */
export class ChatLockTimeoutError extends Error {
  readonly code = 'CHAT_LOCK_TIMEOUT';
  constructor(name: string) {
    super(`lock ${name} stayed busy`);
    this.name = 'ChatLockTimeoutError';
  }
}
