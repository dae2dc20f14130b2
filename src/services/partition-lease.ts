import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { QUARANTINE_CHECK } from './chat-lock.js';

/**
 * Partition leases: chats hashed to a fixed number of partitions, each partition held by one
 * consumer at a time under a lease in Redis, so that a consumer can step many chats' messages
 * together (a batch) while each chat keeps one writer. Not used by the service yet: issue 24
 * measures whether batching is worth rebuilding the hot path for (docs/performance.md, round 6).
 *
 * A lease is renewed every third of its time; a holder that dies or stalls loses it when the
 * time runs out, and another consumer takes the partition over with the next fencing token.
 * FerretDB v1 cannot compare-and-set, so the storage cannot refuse a stale holder's write:
 * the holder checks before each write (`fenced`) that the lease is still its own and has at
 * least `marginMs` left. What remains is the write already past its check when the holder
 * stalls: it lands late. A stale write therefore needs the holder to stall for longer than the
 * lease's remaining time (at least `marginMs`) between its check and its write reaching the
 * database; tests/integration/partition-lease.test.ts shows that window and measures it. On
 * MongoDB a write conditioned on the token (`{ fence: { $lte: token } }`) would close it, given a
 * token that never goes backwards: these restart at 1 when Redis loses its keys, so such a fence
 * would need its counter kept outside Redis first.
 *
 * When Redis loses its keys (a restart), every lease goes at once, and the fencing counters with
 * them; each lease's value carries a random part besides the token, so an old lease never matches
 * a new one, and no lease is granted for `quarantineMs` after the loss is noticed (as for chat
 * locks), so that writes already past their check land before another holder starts. As for chat
 * locks, the quarantine starts only when a process that knew the old epoch comes back first; a
 * process new to this Redis that comes first takes at once.
 */

/** Takes a partition (KEYS[1]) unless Redis is in quarantine, and numbers the lease with the partition's next token (KEYS[5]). */
const TAKE = `${QUARANTINE_CHECK}
if redis.call('exists', KEYS[1]) == 1 then return {0, epoch, 0} end
local token = redis.call('incr', KEYS[5])
redis.call('set', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
return {1, epoch, token}`;
/** Extends the lease if it is still this one; 0 otherwise. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/** The lease's remaining milliseconds if it is still this one; -1 otherwise. */
const REMAINING = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pttl', KEYS[1]) else return -1 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Which partition a chat belongs to: the first four bytes of its key's SHA-256, modulo the count (stable across processes and releases). */
export function partitionOf(chatKey: string, partitions: number): number {
  return createHash('sha256').update(chatKey).digest().readUInt32BE(0) % partitions;
}

export interface PartitionLeaseOptions {
  /** How many partitions the chats are spread over; fixed for the life of the data. */
  partitions: number;
  /** How long a lease lasts without renewal: how long a dead holder keeps its partitions. */
  ttlMs?: number;
  /** A write is refused when the lease has less than this left (default a third of the time). */
  marginMs?: number;
  /** No lease for this long after Redis lost its keys: the writes already past their check land first. */
  quarantineMs?: number;
}

/** A held partition, as its holder sees it. */
export interface PartitionLease {
  readonly partition: number;
  /** Rises by one each time the partition changes hands (while Redis keeps its keys). */
  readonly token: number;
  /** The lease's value in Redis: this holder, a random part and the token; never the same for two leases. */
  readonly id: string;
  /** Aborted when the lease is lost (a renewal found it gone) or released. */
  readonly signal: AbortSignal;
  /** Throws `LeaseLostError` unless the lease is still this holder's with at least the margin left (or Redis cannot say). */
  confirm(): Promise<void>;
  /** `confirm()`, then `write()`: every write of a partition's data goes through here. */
  fenced<T>(write: () => Promise<T>): Promise<T>;
}

/** Thrown by `confirm` when the lease is gone, nearly gone, or cannot be checked: the holder stops working the partition. */
export class LeaseLostError extends Error {
  readonly code = 'LEASE_LOST';
  constructor(partition: number) {
    super(`the lease on partition ${partition} was lost`);
    this.name = 'LeaseLostError';
  }
}

export class PartitionLeases {
  /** This process's holder id: a lease's value is `holder:token`, never the same for two leases. */
  readonly holder = randomUUID();
  readonly partitions: number;
  private readonly ttlMs: number;
  private readonly marginMs: number;
  private readonly quarantineMs: number;
  private epoch = '';
  private readonly held = new Map<number, { value: string; renewal: NodeJS.Timeout; controller: AbortController }>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: PartitionLeaseOptions,
  ) {
    if (!Number.isInteger(options.partitions) || options.partitions < 1) throw new RangeError('partitions must be a whole number, at least 1');
    this.partitions = options.partitions;
    this.ttlMs = Math.round(options.ttlMs ?? 10_000);
    this.marginMs = options.marginMs ?? Math.floor(this.ttlMs / 3);
    this.quarantineMs = options.quarantineMs ?? 3_000;
  }

  partitionOf(chatKey: string): number {
    return partitionOf(chatKey, this.partitions);
  }

  /** The partitions this process holds now. */
  heldPartitions(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** Takes `partition` if no one holds it (and Redis is not in quarantine); null otherwise. */
  async take(partition: number): Promise<PartitionLease | null> {
    if (this.held.has(partition)) return null;
    const p = this.prefix;
    // Unique to this lease: a token alone may come again after Redis loses its counters.
    const nonce = `${this.holder}:${randomUUID()}`;
    const [taken, epoch, token] = (await this.redis.eval(
      TAKE,
      5,
      this.key(partition),
      `${p}:partitions:epoch`,
      `${p}:partitions:quarantine`,
      `${p}:partitions:quarantined`,
      `${p}:partition:${partition}:fence`,
      nonce,
      this.ttlMs,
      this.epoch,
      randomUUID(),
      this.quarantineMs,
    )) as [number, string, number];
    this.epoch = epoch;
    if (taken !== 1) return null;
    return this.hold(partition, `${nonce}:${token}`, token);
  }

  /** Takes every free partition, at most `limit`: a consumer starting, or looking for those a dead one left. */
  async takeFree(limit = this.partitions): Promise<PartitionLease[]> {
    const leases: PartitionLease[] = [];
    for (let partition = 0; partition < this.partitions && leases.length < limit; partition++) {
      const lease = await this.take(partition);
      if (lease) leases.push(lease);
    }
    return leases;
  }

  /** Gives the partition back at once (a graceful stop), if it is still this lease's. */
  async release(lease: PartitionLease): Promise<void> {
    const entry = this.held.get(lease.partition);
    if (!entry) return;
    this.drop(lease.partition);
    await this.redis.eval(RELEASE, 1, this.key(lease.partition), entry.value).catch(() => undefined);
  }

  /** Releases every partition held (a graceful stop). */
  async releaseAll(): Promise<void> {
    for (const partition of [...this.held.keys()]) {
      const value = this.held.get(partition)!.value;
      this.drop(partition);
      await this.redis.eval(RELEASE, 1, this.key(partition), value).catch(() => undefined);
    }
  }

  private key(partition: number): string {
    return `${this.prefix}:partition:${partition}:lease`;
  }

  private hold(partition: number, value: string, token: number): PartitionLease {
    const controller = new AbortController();
    const key = this.key(partition);
    const renewal = setInterval(() => {
      this.redis
        .eval(RENEW, 1, key, value, this.ttlMs)
        .then((renewed) => {
          if (renewed !== 1 && this.held.get(partition)?.value === value) this.drop(partition);
        })
        // Redis out of reach: the lease runs out by itself; `confirm` refuses meanwhile.
        .catch(() => undefined);
    }, this.ttlMs / 3);
    renewal.unref();
    this.held.set(partition, { value, renewal, controller });
    const confirm = async () => {
      if (controller.signal.aborted) throw new LeaseLostError(partition);
      const remaining = (await this.redis.eval(REMAINING, 1, key, value).catch(() => -1)) as number;
      if (remaining < this.marginMs) {
        // Gone, nearly gone, or unknown: this holder stops here, and stops renewing (the rest runs out).
        if (this.held.get(partition)?.value === value) this.drop(partition);
        throw new LeaseLostError(partition);
      }
    };
    return {
      partition,
      token,
      id: value,
      signal: controller.signal,
      confirm,
      fenced: async (write) => {
        await confirm();
        return write();
      },
    };
  }

  private drop(partition: number): void {
    const entry = this.held.get(partition);
    if (!entry) return;
    clearInterval(entry.renewal);
    this.held.delete(partition);
    entry.controller.abort(new LeaseLostError(partition));
  }
}
