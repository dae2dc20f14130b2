import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config/config.js';
import { startApp, type AppOptions, type Role, type RunningApp } from '../../src/app.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { ChannelSendError, type ChannelAdapter, type InboundMessage, type OutboundOption } from '../../src/core/channel.js';
import type { FaultInjector } from '../../src/services/submission.js';
import { openDatabase } from '../../src/models/database.js';
import { MONGODB_URI, REDIS_URL } from './db.js';

/** A message the service sent, as the recording channel saw it. */
export interface SentMessage {
  chatId: string;
  text: string;
  options: OutboundOption[];
}

/**
 * The network edge for integration tests: records what the service sends and serves
 * files by ref. `failSends` makes sends fail (as a platform outage would).
 */
export class RecordingChannel implements ChannelAdapter {
  readonly channel = 'console' as const;
  readonly sent: SentMessage[] = [];
  readonly files = new Map<string, Buffer>();
  failSends = false;
  /**
   * The next send to this chat answers "wait this many milliseconds", as Telegram's 429 with
   * retry_after does. Bound to a chat so that a send left over from an earlier test (another
   * chat's outbox drained by the sweeper) cannot take it.
   */
  retryAfterNext: { chatId: string; ms: number } | null = null;

  async send(chatId: string, message: { text: string; options?: OutboundOption[] }): Promise<void> {
    if (this.failSends) throw new ChannelSendError('platform unavailable');
    if (this.retryAfterNext?.chatId === chatId) {
      const wait = this.retryAfterNext.ms;
      this.retryAfterNext = null;
      throw new ChannelSendError('too many requests', wait);
    }
    this.sent.push({ chatId, text: message.text, options: message.options ?? [] });
  }

  async download(ref: string): Promise<Buffer> {
    const bytes = this.files.get(ref);
    if (!bytes) throw new Error('no such file');
    return bytes;
  }

  /** Everything sent to one chat, each message with its options as numbered lines. */
  transcript(chatId: string): string[] {
    return this.sent.filter((m) => m.chatId === chatId).map((m) => [m.text, ...m.options.map((o, i) => `${i + 1}. ${o.label}`)].join('\n'));
  }
}

/** A fault injector that throws at the named points, `times` times each. */
export class ScriptedFaults implements FaultInjector {
  private readonly remaining = new Map<string, number>();
  readonly hits: string[] = [];

  failAt(point: string, times = 1): this {
    this.remaining.set(point, times);
    return this;
  }

  at(point: string): void {
    const left = this.remaining.get(point) ?? 0;
    if (left <= 0) return;
    this.remaining.set(point, left - 1);
    this.hits.push(point);
    throw new Error(`injected crash at ${point}`);
  }
}

/** Keys and names shared by every app instance of one test, so a restart finds the same data. */
export interface TestEnvironment {
  config: Config;
  dbName: string;
  channel: RecordingChannel;
  /** Removes the test's database and Redis keys. */
  cleanup(): Promise<void>;
}

/** A fresh database name, queue prefix and keys for one test. */
export function testEnvironment(overrides: Record<string, string> = {}): TestEnvironment {
  const id = randomUUID().replaceAll('-', '').slice(0, 12);
  const dbName = `it_${id}`;
  const prefix = `t${id}`;
  const config = loadConfig({
    MONGODB_URI,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    DATA_KEYS: `k1:${KeyRing.generateKeyBase64()}`,
    DATA_KEY_CURRENT: 'k1',
    LOOKUP_KEY: KeyRing.generateKeyBase64(),
    LOG_LEVEL: 'silent',
    SWEEP_INTERVAL_SECONDS: '3600',
    // Tests type far faster than people; flood control has its own test.
    FLOOD_MAX_MESSAGES: '10000',
    INBOUND_MAX_ATTEMPTS: '3',
    // Decisions reach the person at once unless a test is about the undo window.
    DECISION_UNDO_MINUTES: '0',
    // Decisions without a researcher's recommendation unless a test is about recommendations.
    REQUIRE_RECOMMENDATION: 'off',
    ...overrides,
  });
  return {
    config,
    dbName,
    channel: new RecordingChannel(),
    cleanup: async () => {
      const connection = await openDatabase({ uri: MONGODB_URI, dbName });
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}

/** The variables an admin command (or a script of deploy/) needs to act on this environment's database, queues and keys. */
export function adminVariables(env: TestEnvironment): Record<string, string> {
  const url = new URL(MONGODB_URI);
  url.pathname = `/${env.dbName}`;
  const { config } = env;
  return {
    MONGODB_URI: url.toString(),
    REDIS_URL: config.REDIS_URL,
    QUEUE_PREFIX: config.QUEUE_PREFIX,
    DATA_KEYS: config.DATA_KEYS,
    DATA_KEY_CURRENT: config.DATA_KEY_CURRENT,
    LOOKUP_KEY: config.LOOKUP_KEY,
  };
}

/** Starts the service (all roles but HTTP by default) for a test environment. */
export async function startTestApp(
  env: TestEnvironment,
  options: {
    roles?: Role[];
    faults?: FaultInjector;
    clock?: () => Date;
    staleLockMs?: number;
    whatsapp?: AppOptions['whatsapp'];
    contentRoot?: string;
    /** Where the service logs (default: nowhere). */
    logger?: Logger;
  } = {},
): Promise<RunningApp> {
  return startApp({
    config: env.config,
    roles: new Set(options.roles ?? ['bot', 'worker']),
    channels: new Map([['console', env.channel]]),
    logger: options.logger ?? pino({ level: 'silent' }),
    dbName: env.dbName,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.staleLockMs !== undefined ? { staleLockMs: options.staleLockMs } : {}),
    ...(options.whatsapp ? { whatsapp: options.whatsapp } : {}),
    ...(options.contentRoot ? { contentRoot: options.contentRoot } : {}),
  });
}

/** Waits until `check` returns a truthy value, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A person typing into one chat: messages with increasing sequence numbers. */
export class TestChat {
  private seq = 0;

  constructor(
    private readonly app: () => RunningApp,
    private readonly channel: RecordingChannel,
    readonly chatId: string,
  ) {}

  /** Builds the next message of this chat without sending it. */
  message(fields: Partial<InboundMessage> & ({ text: string } | { media: InboundMessage['media'] } | { choice: string })): InboundMessage {
    this.seq += 1;
    return {
      channel: 'console',
      chatId: this.chatId,
      userId: this.chatId,
      messageId: `${this.chatId}-m${this.seq}`,
      seq: this.seq,
      receivedAt: new Date().toISOString(),
      ...fields,
    };
  }

  /** Sends a text and waits for the reply that contains `expect` (or any new reply). */
  async say(text: string, expect?: string): Promise<string> {
    return this.send(this.message({ text }), expect);
  }

  /** Sends a message and waits for a new reply, containing `expect` when given. */
  async send(message: InboundMessage, expect?: string): Promise<string> {
    const before = this.channel.transcript(this.chatId).length;
    await this.app().ingest(message);
    return waitFor(
      () => {
        const fresh = this.channel.transcript(this.chatId).slice(before).join('\n---\n');
        return fresh && (!expect || fresh.includes(expect)) ? fresh : '';
      },
      `a reply${expect ? ` containing "${expect}"` : ''} to ${JSON.stringify(message.text ?? message.media?.ref ?? message.choice)} in ${this.chatId}`,
    );
  }
}
