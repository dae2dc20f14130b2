import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * The start of a take in Lua, shared with partition leases: the epoch (KEYS[2]) is a random id
 * Redis keeps until it loses its keys; a caller that knew another epoch (ARGV[3]) learns that the
 * locks of that time are gone, and starts the epoch's one quarantine (KEYS[3], marked done in
 * KEYS[4]); during it nothing is taken. Leaves the current epoch in `epoch`.
 */
export const QUARANTINE_CHECK = `
local epoch = redis.call('get', KEYS[2])
if not epoch then
  epoch = ARGV[4]
  redis.call('set', KEYS[2], epoch)
end
if ARGV[3] ~= '' and ARGV[3] ~= epoch and redis.call('get', KEYS[4]) ~= epoch then
  redis.call('set', KEYS[4], epoch)
  redis.call('set', KEYS[3], '1', 'PX', ARGV[5])
end
if redis.call('exists', KEYS[3]) == 1 then return {0, epoch} end`;

/** Takes a lock (KEYS[1]) unless Redis is in quarantine. Returns { taken (1 or 0), the current epoch }. */
const ACQUIRE = `${QUARANTINE_CHECK}
if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return {1, epoch} end
return {0, epoch}`;

/**
 * A per-chat mutual exclusion lock in Redis (SET NX PX, released only by its holder),
 * so one consumer at a time works a chat's inbox or outbox, also across processes.
 *
 * It is needed for correctness, not only speed: FerretDB v1 does not serialise
 * concurrent writes to one document (docs/storage-compatibility.md), so a version check
 * alone would let two writers both "win" and one of them be lost. The holder renews the lock
 * while it works, so the time limit can be short: it only bounds how long a crashed holder
 * blocks its chat.
 *
 * When Redis loses its keys (a restart, a FLUSHALL) every lock goes at once while its holder
 * may be mid-write. So no lock is handed out for a short quarantine after a process notices
 * the loss: holders of the lost locks finish the write they are in, and stop at their next
 * `LockLease.confirm`, before anyone else writes the same document.
 */
export class ChatLocks {
  /** The Redis epoch this process last saw; '' until it has taken a lock. */
  private epoch = '';

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs = 10_000,
    /** Long enough for a holder of a lost lock to finish one write (a send, a document update). */
    private readonly quarantineMs = 3_000,
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
  async exclusive<T>(name: string, work: (lease: LockLease) => Promise<T>, waitMs = 30_000): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const outcome = await this.withLock(name, work);
      if (outcome.ran) return outcome.value;
      if (Date.now() > deadline) throw new ChatLockTimeoutError(name);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  }

  /**
   * Runs `work` holding the lock on `name`; returns `{ ran: false }` at once if another holder has it.
   * `work` gets the lease, to confirm before a step that must not be done twice that the lock is still
   * its own: Redis may lose it (a restart, a FLUSHALL, a pause longer than the time limit).
   */
  async withLock<T>(name: string, work: (lease: LockLease) => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const key = `${this.prefix}:lock:${name}`;
    const token = randomUUID();
    if (!(await this.acquire(key, token))) return { ran: false };
    const renewal = setInterval(() => void this.redis.eval(RENEW, 1, key, token, this.ttlMs).catch(() => undefined), this.ttlMs / 3);
    const lease: LockLease = {
      confirm: async () => {
        // Redis out of reach cannot vouch for the lock either: the holder steps aside all the same.
        const holder = await this.redis.get(key).catch(() => null);
        if (holder !== token) throw new LockLostError(name);
      },
    };
    try {
      return { ran: true, value: await work(lease) };
    } finally {
      clearInterval(renewal);
      await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }

  /** Takes `key` for `token`, noticing (and sitting out) a Redis that lost its keys since the last time. */
  private async acquire(key: string, token: string): Promise<boolean> {
    const p = this.prefix;
    const [taken, epoch] = (await this.redis.eval(
      ACQUIRE,
      4,
      key,
      `${p}:locks:epoch`,
      `${p}:locks:quarantine`,
      `${p}:locks:quarantined`,
      token,
      this.ttlMs,
      this.epoch,
      randomUUID(),
      this.quarantineMs,
    )) as [number, string];
    this.epoch = epoch;
    return taken === 1;
  }
}

/** A held lock, as its holder sees it. */
export interface LockLease {
  /** Throws `LockLostError` when the lock is no longer this holder's, or Redis cannot say. */
  confirm(): Promise<void>;
}

/** Thrown by `LockLease.confirm` when the lock was lost: the holder stops, leaving the work to the next one. */
export class LockLostError extends Error {
  readonly code = 'LOCK_LOST';
  constructor(name: string) {
    super(`lock ${name} was lost`);
    this.name = 'LockLostError';
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
