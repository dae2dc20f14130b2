import mongoose, { type Connection } from 'mongoose';
import { watchMonitor } from './monitor-watchdog.js';

/**
 * Options for {@link openDatabase}.
 */
export interface DatabaseOptions {
  /** A MongoDB connection string; FerretDB answers the same protocol. */
  uri: string;
  /** Database name; overrides the one in the URI (tests use one per file). */
  dbName?: string;
}

/**
 * The most operations one process has at the server at once (the driver's pool; the rest wait
 * their turn in the driver). FerretDB v1 on PostgreSQL runs an update as a query that holds one
 * of its 50 PostgreSQL connections while the write takes a second: with about 50 updates at
 * once, each holds one and waits for another, and FerretDB hangs for good
 * (docs/storage-compatibility.md, *Concurrency on one server*). Three processes at 16 stay below.
 */
export const MAX_OPERATIONS_IN_FLIGHT = 16;

/**
 * Opens a dedicated mongoose connection.
 *
 * A connection of our own rather than mongoose's global one, so that tests and
 * roles can hold several at once and close them cleanly. Filters are built only
 * from values our own code typed (zod-checked strings and numbers), never from
 * user objects, so operator injection has no way in; mongoose's `sanitizeFilter`
 * is left off because it also refuses our own `$lt`/`$nin` filters
 * (docs/storage-compatibility.md).
 */
export async function openDatabase(options: DatabaseOptions): Promise<Connection> {
  const connection = mongoose.createConnection(options.uri, {
    dbName: options.dbName,
    maxPoolSize: MAX_OPERATIONS_IN_FLIGHT,
    serverSelectionTimeoutMS: 5_000,
    // A heartbeat gives up after this; the watchdog below treats one running much longer as hung.
    connectTimeoutMS: 10_000,
    // FerretDB v1 has no replica sets, so no retryable writes.
    retryWrites: false,
  });
  await connection.asPromise();
  // The driver's monitor can hang for good after the server drops connections (see monitor-watchdog.ts).
  watchMonitor(connection.getClient(), {
    stuckAfterMs: 15_000,
    onRestart: (ms) => process.emitWarning(`MongoDB monitor hung for ${ms} ms; client restarted`, { code: 'INTAKE_DB_MONITOR_RESTART' }),
  });
  return connection;
}
