import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../config/config.js';
import type { AuditLog } from '../models/audit-log.js';
import type { StaffRepository } from '../models/staff.js';
import { openStorage, type Storage } from '../models/storage.js';
import { DataFormatError } from '../models/data-format.js';
import { KeyRing } from '../privacy/key-ring.js';
import type { ExportDeps } from '../services/csv-export.js';
import type { ReportDeps } from '../services/reports.js';
import { WorkQueues } from '../workers/queues.js';

/*
 * What the command line works with and how it opens it: the environment, the database and
 * Redis (each opened for one command and always closed), and how an unreachable one reads.
 */

/** Where the CLI reads its environment and writes; the process in production, buffers in tests. */
export interface AdminIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/**
 * An error for a database that did not answer: down, wrong address, or a network in between.
 */
export class DatabaseUnreachableError extends Error {
  /** Stable code for callers that branch on the kind of error. */
  readonly code = 'DATABASE_UNREACHABLE' as const;

  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnreachableError';
  }
}

/** What a command works with: the storage, the configuration and keys, and the stores every command audits through. */
export interface Stores {
  storage: Storage;
  config: Config;
  keys: KeyRing;
  staff: StaffRepository;
  audit: AuditLog;
}

/** The stores a report or an export reads, over {@link withStores}. */
export async function withReportStores(io: AdminIo, use: (deps: ReportDeps & ExportDeps, audit: AuditLog) => Promise<void>): Promise<void> {
  await withStores(io, async ({ storage, audit }) => {
    const { cases, surveys, referrals, records } = storage.repositories;
    await use({ cases, surveys, referrals, records }, audit);
  });
}

/** Loads the configuration, opens the database, builds the stores, and always closes the connection. */
export async function withStores(io: AdminIo, use: (stores: Stores) => Promise<void>): Promise<void> {
  const config = loadConfig(io.env);
  // Parsed before the database is opened, so bad keys are refused at once.
  const keys = KeyRing.parse(config.DATA_KEYS, config.DATA_KEY_CURRENT, config.LOOKUP_KEY);
  let storage: Storage;
  try {
    storage = await openStorage({ uri: config.MONGODB_URI, keys });
  } catch (error) {
    // A database a newer release has written is not this release's to change (data-format.ts).
    if (error instanceof DataFormatError) throw error;
    // The URI may carry a password, so it is not repeated; the driver's reason names the host.
    throw new DatabaseUnreachableError(`cannot reach the database (MONGODB_URI): ${firstLine(error)}`);
  }
  try {
    const { staff, audit } = storage.repositories;
    // Awaited so no index build is still in flight when the connection closes.
    await Promise.all([staff.init(), audit.init()]);
    await use({ storage, config, keys, staff, audit });
  } finally {
    await storage.close().catch(() => undefined);
  }
}

/** Connects to Redis (the service's locks), runs `use`, and always disconnects. */
export async function withRedis(config: Config, use: (redis: Redis) => Promise<void>): Promise<void> {
  // No endless reconnecting: a CLI run fails at once when Redis is down.
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    throw new DatabaseUnreachableError(`cannot reach Redis (REDIS_URL): ${firstLine(error)}`);
  }
  try {
    await use(redis);
  } finally {
    redis.disconnect();
  }
}

/**
 * Wakes the running service's staff work, so a member who lost a role loses their questions,
 * referral and cases within seconds. Best effort: the change is in MongoDB, and the service's
 * sweeper finds it within SWEEP_INTERVAL_SECONDS when Redis cannot be reached from here.
 */
export async function hurryStaffChange(io: AdminIo, config: Config): Promise<void> {
  try {
    await withRedis(config, async (redis) => {
      const queues = new WorkQueues(redis, config.QUEUE_PREFIX);
      try {
        await queues.requestAlerts(`staff-change-${Date.now()}`);
      } finally {
        await queues.close();
      }
    });
  } catch {
    io.stderr(`Note: Redis could not be reached; the running service applies the change within ${config.SWEEP_INTERVAL_SECONDS} seconds.\n`);
  }
}

/** The driver's and mongoose's network failures, recognised by name because only `src/models` imports mongoose. */
export function isUnreachable(error: unknown): boolean {
  return error instanceof Error && /^Mongo(ose)?(ServerSelection|Network|NetworkTimeout|NotConnected|TopologyClosed)Error$/.test(error.name);
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0]?.trim() || 'no details';
}
