/**
 * One fault case's world: its own Redis and FerretDB, a fake Bot API over HTTP, fresh keys,
 * and the service processes it starts. Everything is torn down by `dispose`.
 */
import type { ChildProcess } from 'node:child_process';
import type { Connection } from 'mongoose';
import { KeyRing } from '../../../src/privacy/key-ring.js';
import { openDatabase } from '../../../src/models/database.js';
import { FakeTelegram, type FakeTelegramOptions } from '../../helpers/fake-telegram.js';
import { FerretServer, RedisServer } from './servers.js';
import { ServiceProcess, type SpawnOptions } from './service.js';

/** The researchers' group the service posts case alerts to. */
export const STAFF_GROUP = -100_777;

const DB_NAME = 'faults';

/** A fault case's servers, fake Bot API and service processes. */
export class Rig {
  readonly processes: ServiceProcess[] = [];
  private connection: Connection | null = null;

  private constructor(
    readonly redis: RedisServer,
    readonly ferret: FerretServer,
    readonly fake: FakeTelegram,
    readonly keys: KeyRing,
    private readonly keyEnv: Record<string, string>,
    private readonly extraEnv: Record<string, string>,
  ) {}

  static async start(options: { fake?: FakeTelegramOptions; env?: Record<string, string> } = {}): Promise<Rig> {
    const [redis, ferret, fake] = await Promise.all([RedisServer.start(), FerretServer.start(), FakeTelegram.start(options.fake)]);
    const keyEnv = { DATA_KEYS: `k1:${KeyRing.generateKeyBase64()}`, DATA_KEY_CURRENT: 'k1', LOOKUP_KEY: KeyRing.generateKeyBase64() };
    const keys = KeyRing.parse(keyEnv.DATA_KEYS, keyEnv.DATA_KEY_CURRENT, keyEnv.LOOKUP_KEY);
    return new Rig(redis, ferret, fake, keys, keyEnv, options.env ?? {});
  }

  /** The whole environment of a service process: nothing is inherited but PATH and HOME. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      MONGODB_URI: `${this.ferret.uri}${DB_NAME}`,
      REDIS_URL: this.redis.url,
      QUEUE_PREFIX: 'faults',
      ...this.keyEnv,
      TELEGRAM_BOT_TOKEN: this.fake.token,
      TELEGRAM_API_ROOT: this.fake.apiRoot,
      TELEGRAM_STAFF_GROUP_ID: String(STAFF_GROUP),
      // Throughput cases: Telegram's pacing (1 a second per chat) would make them minutes long; case 5 turns it on.
      TELEGRAM_RATE_LIMITS: 'off',
      CONSOLE_CHAT: 'off',
      HTTP_PORT: '0',
      // The simulated people type far faster than people; flood control has its own tests.
      FLOOD_MAX_MESSAGES: '100000',
      SWEEP_INTERVAL_SECONDS: '1',
      // The staff-acts case decides without recommendations (they have their own tests).
      REQUIRE_RECOMMENDATION: 'off',
      ...this.extraEnv,
      ...extra,
    };
  }

  /** Starts a service process with `role` (e.g. `worker`, `bot`, `bot,http`), tracked for clean-up. */
  async service(
    role: string,
    extra: Record<string, string> = {},
    options: SpawnOptions = {},
    onSpawn?: (child: ChildProcess) => void,
  ): Promise<ServiceProcess> {
    const service = await ServiceProcess.start(role, this.env(extra), 30_000, options, onSpawn);
    this.processes.push(service);
    return service;
  }

  /** Starts several service processes at once (they start in about two seconds each, in parallel). */
  async services(...roles: string[]): Promise<ServiceProcess[]> {
    return Promise.all(roles.map((role) => this.service(role)));
  }

  /** A connection to the service's database, for reading what it stored (the checks only read). */
  async database(): Promise<Connection> {
    this.connection ??= await openDatabase({ uri: this.ferret.uri, dbName: DB_NAME });
    return this.connection;
  }

  /** Warnings and errors the service processes logged, by message, summed over every process. */
  problems(): Record<string, number> {
    const all: Record<string, number> = {};
    for (const service of this.processes) for (const [msg, n] of service.problems) all[msg] = (all[msg] ?? 0) + n;
    return all;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop('SIGTERM', 5_000).catch(() => p.kill())));
    await this.connection?.close(true).catch(() => undefined);
    await this.fake.stop();
    await Promise.all([this.redis.dispose(), this.ferret.dispose()]);
  }
}
