import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { openDatabase } from '../../src/models/database.js';

/** The MongoDB-compatible server the tests use; FerretDB locally, any MongoDB elsewhere. */
export const MONGODB_URI = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/';

/** The Redis the tests use. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Opens a connection to a fresh database with a unique name; `drop()` removes it.
 */
export async function freshDatabase(): Promise<{ connection: Connection; dbName: string; drop: () => Promise<void> }> {
  const dbName = `test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const connection = await openDatabase({ uri: MONGODB_URI, dbName });
  return {
    connection,
    dbName,
    drop: async () => {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

/** Deletes every key under `prefix` (a test's own corner of the shared Redis; never FLUSHALL). */
export async function deleteKeys(
  redis: { keys: (pattern: string) => Promise<string[]>; del: (...keys: string[]) => Promise<number> },
  prefix: string,
): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}
