import { DelayedError, Worker } from 'bullmq';
import { RELEASE } from './release.js';
import type { Redis } from 'ioredis';
import type { Config } from './config/config.js';
import type { Logger } from './logger.js';
import { KeyRing } from './privacy/key-ring.js';
import { openStorage, type Repositories, type Storage } from './models/storage.js';
import type { CaseRecord } from './models/case-repository.js';
import type { ErasureDeps } from './services/erasure.js';
import { parseWorkingHours } from './core/working-hours.js';
import { readableDateTime } from './core/calendar.js';
import { loadFlowCatalog } from './flows/catalog.js';
import { DEFAULT_CONTENT_ROOT } from './i18n/content.js';
import { ContentStore } from './i18n/content-store.js';
import { LiveContent } from './services/live-content.js';
import { ConversationProcessor } from './services/conversation-processor.js';
import { OutboxSender } from './services/outbox-sender.js';
import { ChatLocks } from './services/chat-lock.js';
import { AttemptCounter } from './services/attempt-counter.js';
import { FloodGuard } from './services/flood-guard.js';
import { startSweeper, sweep } from './services/sweeper.js';
import { queueNotice } from './services/notices.js';
import { assembleTelegram } from './bots/telegram/telegram-bot.js';
import { registerTelegramWebhook } from './http/telegram-webhook.js';
import { registerAdminRoutes } from './http/admin-routes.js';
import { assembleWhatsApp, type WhatsAppBot, type WhatsAppBotDeps } from './bots/whatsapp/whatsapp-bot.js';
import { LINK_STATUSES } from './bots/whatsapp/whatsapp-link.js';
import type { LinkAlert } from './bots/whatsapp/link-watch.js';
import { ConfigError } from './config/config.js';
import { errorFields } from './logger.js';
import { Intake } from './services/intake.js';
import { ALERTS_BUSY_DELAY_MS } from './services/retry-policy.js';
import type { FaultInjector } from './services/submission.js';
import { connectRedis, QUEUE_NAMES, WorkQueues } from './workers/queues.js';
import { startChatWorker } from './workers/chat-worker.js';
import type { Channel, ChannelAdapter, InboundMessage } from './core/channel.js';
import { Metrics } from './http/metrics.js';
import { createHealthCheck, createHttpServer, startHttpServer, type RunningHttpServer } from './http/server.js';

/** The parts of the service a process can run: channel adapters, queue workers, the HTTP server. */
export type Role = 'bot' | 'worker' | 'http';

/** How to start the service. */
export interface AppOptions {
  config: Config;
  roles: ReadonlySet<Role>;
  /** Channel adapters by channel; workers send through them, bots feed `ingest`. */
  channels: ReadonlyMap<string, ChannelAdapter>;
  logger: Logger;
  /** Overrides the database name of MONGODB_URI (tests use one per test). */
  dbName?: string;
  clock?: () => Date;
  faults?: FaultInjector;
  /** How long a pending submission lock must be before the sweeper resolves it. */
  staleLockMs?: number;
  workerConcurrency?: number;
  /** Where the content files are (default: the repository's content/); tests edit a copy. */
  contentRoot?: string;
  /** WhatsApp's client factory (default whatsapp-web.js on Chromium), restart waits and QR printer; tests pass a fake client. */
  whatsapp?: Pick<WhatsAppBotDeps, 'createClient' | 'backoff' | 'print' | 'liveness'>;
}

/** Chats whose replies one worker process sends at a time. */
const SENDER_CONCURRENCY = 64;

/** A running service. */
export interface RunningApp {
  /** Stores a received message durably and queues it; returns false for a message already received. */
  ingest(message: InboundMessage): Promise<boolean>;
  /** Runs one sweep now (tests; the worker role also sweeps on a timer). */
  sweepNow(): Promise<void>;
  readonly processor: ConversationProcessor;
  readonly repositories: Repositories;
  /** What erasing a person's data works with (the administrators' decision, the CLI, tests). */
  readonly erasure: ErasureDeps;
  readonly keys: KeyRing;
  /** The database itself, for the tests and the benchmark's monitor that look at it directly. */
  readonly connection: Storage['connection'];
  readonly queues: WorkQueues;
  readonly metrics: Metrics;
  readonly http: RunningHttpServer | null;
  /** The WhatsApp side, when enabled in this process. */
  readonly whatsapp: WhatsAppBot | null;
  /** The channels this process speaks on. */
  readonly channels: readonly string[];
  /** Stops taking work, lets in-flight jobs finish, closes connections. */
  stop(): Promise<void>;
}

/**
 * Starts the service's roles on shared connections: one process for a small
 * association (`npm start`), or one role per process when it outgrows that.
 */
export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { config, logger } = options;
  if (config.WHATSAPP_ENABLED === 'on' && options.roles.has('bot') !== options.roles.has('worker')) {
    // The WhatsApp client is one browser in one process: the workers that send through it must live there too.
    throw new ConfigError('configuration: WHATSAPP_ENABLED=on needs the bot and worker roles in the same process (--role bot,worker)');
  }
  const keys = KeyRing.parse(config.DATA_KEYS, config.DATA_KEY_CURRENT, config.LOOKUP_KEY);
  const storage = await openStorage({ uri: config.MONGODB_URI, ...(options.dbName ? { dbName: options.dbName } : {}), keys, init: true });
  const { repositories, connection } = storage;

  const producerRedis = connectRedis(config.REDIS_URL, 'producer');
  const workerRedis = connectRedis(config.REDIS_URL, 'worker');
  const commandsRedis = connectRedis(config.REDIS_URL, 'commands');
  const redisConnections: Redis[] = [producerRedis, workerRedis, commandsRedis];
  const queues = new WorkQueues(producerRedis, config.QUEUE_PREFIX);
  const chatLocks = new ChatLocks(commandsRedis, config.QUEUE_PREFIX);
  const metrics = new Metrics();
  metrics.setQueueJobsSource(() => queueCounts(queues));
  const staleLockMs = options.staleLockMs ?? 10 * 60_000;

  // Checked at start (bad content stops the start with the file and key); later edits are taken live when valid.
  const contentStore = ContentStore.open(options.contentRoot ?? DEFAULT_CONTENT_ROOT, logger);
  const content = new LiveContent(contentStore, { days: config.COMMITTEE_ANSWER_DAYS });
  const stopWatchingContent = options.roles.has('bot') || options.roles.has('worker') ? contentStore.watch() : () => undefined;
  const catalog = loadFlowCatalog({ faq: content.faq });
  const translate = content.translate;
  const channels = new Map<string, ChannelAdapter>(options.channels);
  const notify = (target: { chatKey: string; channel: Channel }, notice: { key: string; params: Record<string, string | number> }, noticeId: string) =>
    queueNotice({ inbox: repositories.inbox, keys, requestInbound: (chatKey, reason) => queues.requestInbound(chatKey, reason) }, target, notice, noticeId);

  // The invitation to rate the service, after a decision or the service: owed by the staff's act, scheduled once.
  const scheduleSurvey = (record: CaseRecord, occasion: 'decision' | 'service', at: Date) =>
    repositories.surveys.schedule({
      caseId: record.id,
      reference: record.reference,
      occasion,
      chatKey: record.chatKey,
      channel: record.channel,
      dueAt: new Date(at.getTime() + config.SURVEY_DELAY_HOURS * 3_600_000),
      now: at,
    });

  // Everything erasing a person's data touches: the administrators' decision and the sweeper use it.
  const erasure: ErasureDeps = { ...repositories, chatLocks, notify, hurryAdministrators: () => queues.requestAlerts(`${Date.now()}`) };
  const processor = new ConversationProcessor({
    ...repositories,
    keys,
    catalog,
    translate,
    channels,
    requestSend: (chatKey, seq) => queues.requestSend(chatKey, String(seq)),
    requestInbound: (chatKey, reason) => queues.requestInbound(chatKey, reason),
    settings: {
      draftIdleMs: config.DRAFT_IDLE_HOURS * 3_600_000,
      privacyNoticeVersion: config.PRIVACY_NOTICE_VERSION,
      helpAfterInvalid: 3,
      maxAttempts: config.INBOUND_MAX_ATTEMPTS,
      maxDocumentBytes: config.MAX_DOCUMENT_MB * 1_000_000,
      maxImagePixels: config.MAX_IMAGE_PIXELS,
    },
    committeeDays: config.COMMITTEE_ANSWER_DAYS,
    committeeDayCount: config.COMMITTEE_DAY_COUNT,
    committeeReminderDay: config.COMMITTEE_REMINDER_DAY,
    documentsReminderMs: config.DOCUMENTS_REMINDER_DAYS * 86_400_000,
    staleLockMs,
    chatLocks,
    attempts: new AttemptCounter(commandsRedis, config.QUEUE_PREFIX),
    onCaseSubmitted: async (_caseId, channel) => {
      metrics.caseSubmitted(channel);
      await queues.requestAlerts(`${Date.now()}`);
    },
    onRecordSubmitted: () => queues.requestAlerts(`${Date.now()}`),
    onInfoProvided: () => queues.requestAlerts(`${Date.now()}`),
    hurryAdministrators: () => queues.requestAlerts(`${Date.now()}`),
    workingHours: parseWorkingHours(config.WORKING_HOURS),
    formatOpening: readableDateTime,
    onReferralChanged: () => queues.requestAlerts(`${Date.now()}`),
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    onHandled: (outcome, channel) => metrics.inboundMessage(channel, outcome),
  });
  const sender = new OutboxSender({
    conversations: repositories.conversations,
    channels,
    locks: chatLocks,
    logger,
    onSent: (channel) => metrics.outboundMessage(channel, 'sent'),
    onUndelivered: async ({ chatKey, channel, seq, reason }) => {
      metrics.outboundMessage(channel, 'undelivered');
      await repositories.audit.recordOnce(`undelivered:${chatKey}:${seq}`, {
        at: options.clock?.() ?? new Date(),
        actor: { kind: 'system', id: 'outbox' },
        action: 'message.undelivered',
        target: { kind: 'chat', id: chatKey },
        details: { channel, seq, reason },
      });
    },
  });

  const intake = new Intake({
    inbox: repositories.inbox,
    keys,
    flood: new FloodGuard(new AttemptCounter(commandsRedis, config.QUEUE_PREFIX), {
      max: config.FLOOD_MAX_MESSAGES,
      windowMs: config.FLOOD_WINDOW_SECONDS * 1000,
    }),
    queueInbound: (chatKey, inboxId) => queues.requestInbound(chatKey, inboxId),
    notify,
    onRefused: (channel, outcome) => metrics.inboundMessage(channel, outcome),
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const ingest = (raw: InboundMessage) => intake.ingest(raw);

  const telegram = config.TELEGRAM_BOT_TOKEN
    ? assembleTelegram({
        config: { ...config, TELEGRAM_BOT_TOKEN: config.TELEGRAM_BOT_TOKEN },
        keys,
        logger,
        redis: commandsRedis,
        ...repositories,
        chatLocks,
        translate,
        catalog,
        ingest: (messages) => intake.ingestMany(messages),
        notify,
        erasure,
        scheduleSurvey,
        ...(options.faults ? { faults: options.faults } : {}),
      })
    : null;
  if (telegram) channels.set('telegram', telegram.channel);
  else logger.warn('no Telegram bot configured: researchers and staff cannot be reached, so new cases, referrals, complaints and volunteers wait until one is');

  const whatsapp =
    config.WHATSAPP_ENABLED === 'on' && options.roles.has('bot')
      ? assembleWhatsApp({
          config,
          keys,
          logger,
          sessionStore: (storeOptions) => storage.whatsappSessions(storeOptions),
          cursors: storage.whatsappCursors(),
          identities: storage.repositories.whatsappIds,
          ingest,
          hasConversation: (chatKey) => repositories.conversations.exists(chatKey),
          alertAdmins: async (alert: LinkAlert) => {
            if (!telegram) return void logger.error({ whatsappAlert: alert.kind }, 'no Telegram bot to tell administrators about the WhatsApp link');
            const params: Record<string, string | number> =
              alert.kind === 'unlinked_long' || alert.kind === 'backup_stale'
                ? { count: alert.minutes }
                : alert.kind === 'blocked'
                  ? { state: alert.state }
                  : {};
            const told = await telegram.desk.tellAdministrators(`staff.whatsapp.${alert.kind}`, params);
            if (told === 0) logger.error({ whatsappAlert: alert.kind }, 'no administrator or staff group could be told about the WhatsApp link');
          },
          onStatus: (status) => metrics.setWhatsAppLink(status, LINK_STATUSES),
          onRebuild: (reason) => metrics.whatsappRebuilds.inc({ reason }),
          onBackup: (report) => metrics.whatsappBackups.inc({ outcome: report.ok ? 'stored' : 'failed' }),
          onCatchUp: (round) => metrics.recordCatchUp(round),
          ...options.whatsapp,
        })
      : null;
  if (whatsapp) {
    channels.set('whatsapp', whatsapp.channel);
    metrics.setWhatsAppLink('starting', LINK_STATUSES);
  }

  const workers: Worker[] = [];
  let sweeper: { stop: () => Promise<void> } | null = null;
  const sweeperDeps = {
    ...repositories,
    processor,
    chatLocks,
    requestInbound: (chatKey: string, reason: string) => queues.requestInbound(chatKey, reason),
    requestSend: (chatKey: string, reason: string) => queues.requestSend(chatKey, reason),
    requestAlerts: (reason: string) => queues.requestAlerts(reason),
    draftIdleMs: config.DRAFT_IDLE_HOURS * 3_600_000,
    staleLockMs,
    referralReannounceMs: config.REFERRAL_REANNOUNCE_MINUTES * 60_000,
    notify,
    scheduleSurvey,
    attempts: new AttemptCounter(commandsRedis, config.QUEUE_PREFIX),
    optionalPerDay: config.OPTIONAL_MESSAGES_PER_DAY,
    inboxGraceMs: 30_000,
    erasure,
    retentionMs: config.RETENTION_DAYS * 86_400_000,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
  };
  if (options.roles.has('worker')) {
    const common = { connection: workerRedis, prefix: config.QUEUE_PREFIX, locks: chatLocks, logger, concurrency: options.workerConcurrency ?? 8 };
    workers.push(
      startChatWorker({
        ...common,
        queue: QUEUE_NAMES.inbound,
        lockName: (chatKey) => `chat:${chatKey}`,
        work: (chatKey, lease) => processor.drain(chatKey, lease),
      }),
    );
    // Senders mostly wait (a chat's one message a second, Telegram's 30 a second), holding no CPU: with only 8,
    // a backlog over many chats left at half of Telegram's rate (docs/performance.md).
    workers.push(
      startChatWorker({
        ...common,
        concurrency: SENDER_CONCURRENCY,
        queue: QUEUE_NAMES.outbound,
        lockName: (chatKey) => `send:${chatKey}`,
        work: (chatKey, lease) => sender.drain(chatKey, lease),
      }),
    );
    sweeper = startSweeper(sweeperDeps, config.SWEEP_INTERVAL_SECONDS * 1000);
    const poster = telegram?.poster;
    if (poster) {
      // One poster at a time across processes: it reads what waits, then marks it posted.
      const alerts = new Worker(
        QUEUE_NAMES.alerts,
        async (job, token) => {
          const outcome = await chatLocks.withLock('alerts', () => poster.postWaiting());
          if (outcome.ran) return outcome.value;
          // Another poster is at work and may have read the waiting alerts already: look again shortly.
          await job.moveToDelayed(Date.now() + ALERTS_BUSY_DELAY_MS, token);
          throw new DelayedError();
        },
        { connection: workerRedis, prefix: config.QUEUE_PREFIX },
      );
      alerts.on('error', (error) => logger.error({ ...errorFields(error) }, 'alerts worker error'));
      workers.push(alerts);
    }
  }

  let http: RunningHttpServer | null = null;
  if (options.roles.has('http')) {
    const health = createHealthCheck({
      mongodb: () => storage.ping(),
      redis: async () => {
        await producerRedis.ping();
      },
      // Reported, not required: Telegram, the workers and this server go on while WhatsApp waits for a scan.
      ...(whatsapp ? { whatsapp: async () => ({ ok: true, detail: whatsapp.status() }) } : {}),
    });
    const server = createHttpServer({ logger, metrics, health, version: RELEASE });
    if (telegram && config.TELEGRAM_WEBHOOK_URL && config.TELEGRAM_WEBHOOK_SECRET) {
      registerTelegramWebhook(server, { secret: config.TELEGRAM_WEBHOOK_SECRET, handle: (update) => telegram.handler.handle(update) });
    }
    // Each admin uses their own token (npm run admin -- staff token); the shared one still works while set, with a warning.
    const legacy = config.ADMIN_HTTP_TOKEN;
    if (legacy) logger.warn('ADMIN_HTTP_TOKEN is deprecated: give each administrator their own token (npm run admin -- staff token <staffId>), then remove it');
    let legacyUsed = false;
    const onLegacyToken = () => {
      if (!legacyUsed) logger.warn('an admin endpoint was reached with the deprecated shared ADMIN_HTTP_TOKEN');
      legacyUsed = true;
    };
    registerAdminRoutes(server, { staff: repositories.staff, audit: repositories.audit, whatsapp, ...(legacy ? { legacyToken: legacy, onLegacyToken } : {}) });
    http = await startHttpServer(server, { host: config.HTTP_HOST, port: config.HTTP_PORT });
    logger.info({ url: http.url }, 'http server listening');
  }

  let polling: { stop: () => Promise<void> } | null = null;
  if (telegram && options.roles.has('bot')) {
    await telegram.registerCommands();
    if (config.TELEGRAM_WEBHOOK_URL) await telegram.setWebhook();
    else polling = telegram.poll();
  }
  whatsapp?.start();

  let stopped = false;
  return {
    ingest,
    sweepNow: async () => {
      await sweep(sweeperDeps);
    },
    processor,
    repositories,
    erasure,
    keys,
    connection,
    queues,
    metrics,
    http,
    whatsapp,
    channels: [...channels.keys()],
    stop: async () => {
      if (stopped) return;
      stopped = true;
      stopWatchingContent();
      await whatsapp?.stop();
      await polling?.stop();
      await sweeper?.stop();
      await Promise.all(workers.map((w) => w.close()));
      await http?.close();
      await queues.close();
      await Promise.all(redisConnections.map((r) => r.quit().catch(() => r.disconnect())));
      await storage.close();
    },
  };
}

async function queueCounts(queues: WorkQueues): Promise<{ queue: string; state: string; count: number }[]> {
  const rows: { queue: string; state: string; count: number }[] = [];
  for (const queue of [queues.inbound, queues.outbound, queues.alerts]) {
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
    for (const [state, count] of Object.entries(counts)) rows.push({ queue: queue.name, state, count });
  }
  return rows;
}
