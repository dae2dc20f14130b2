/**
 * A consumer holding partitions (src/services/partition-lease.ts), run as a process of its own
 * by tests/integration/partition-lease.test.ts so that it can be stopped, killed and starved:
 * every LOOP_MS it takes any free partition, then writes one document per partition it holds
 * through `fenced`, into the real MongoDB-compatible server. Each write records its lease, when
 * its check started (checkStartedAt) and passed (confirmedAt) on this machine's clock, and, set by
 * the server (FerretDB, on the same machine's clock), when it landed (landedAt). Events go to
 * stdout as JSON lines: ready, took (with the lease), lost, and refused (a write whose check failed).
 *
 * STALL_WHEN=<file>: once that file exists, after the next check passes the process blocks its
 * event loop for STALL_MS (as a long garbage collection or a starved machine would), so that its
 * renewals stop and the lease runs out with a write past its check: the window the module
 * documents. The test creates the file once the other holder is ready to take over.
 */
import { existsSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { LeaseLostError, PartitionLeases, type PartitionLease } from '../../src/services/partition-lease.js';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const name = env('HOLDER_NAME');
const loopMs = Number(env('LOOP_MS', '20'));
const stallWhen = process.env.STALL_WHEN;
const stallMs = Number(env('STALL_MS', '0'));
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ holder: name, at: Date.now(), ...event })}\n`);

const redis = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: 1, enableOfflineQueue: false });
redis.on('error', () => undefined);
const mongo = await MongoClient.connect(env('MONGODB_URI'));
const writes = mongo.db(env('DB')).collection('writes');
const leases = new PartitionLeases(redis, env('PREFIX'), {
  partitions: Number(env('PARTITIONS')),
  ttlMs: Number(env('TTL_MS')),
  quarantineMs: Number(env('QUARANTINE_MS', '1000')),
});

const held = new Map<number, PartitionLease>();
let stalled = false;
let seq = 0;

async function writeOnce(lease: PartitionLease): Promise<void> {
  seq += 1;
  const id = `${name}-${seq}`;
  const checkStartedAt = new Date();
  await lease.fenced(async () => {
    const confirmedAt = new Date();
    if (stallWhen && !stalled && existsSync(stallWhen)) {
      stalled = true;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stallMs);
    }
    await writes.updateOne(
      { _id: id as never },
      {
        $set: { holder: name, lease: lease.id, partition: lease.partition, token: lease.token, checkStartedAt, confirmedAt },
        $currentDate: { landedAt: true },
      },
      { upsert: true },
    );
  });
}

say({ event: 'ready' });
for (;;) {
  try {
    for (const lease of await leases.takeFree()) {
      held.set(lease.partition, lease);
      say({ event: 'took', partition: lease.partition, token: lease.token, lease: lease.id });
      lease.signal.addEventListener('abort', () => {
        held.delete(lease.partition);
        say({ event: 'lost', partition: lease.partition, token: lease.token });
      });
    }
  } catch {
    // Redis away: try again next round.
  }
  for (const lease of [...held.values()]) {
    try {
      await writeOnce(lease);
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      held.delete(lease.partition);
      say({ event: 'refused', partition: lease.partition, token: lease.token });
    }
  }
  await new Promise((resolve) => setTimeout(resolve, loopMs));
}
