import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { KeyRing } from '../../privacy/key-ring.js';
import type { OutboundMessage } from '../../core/channel.js';
import { errorFields } from '../../logger.js';
import type { WhatsAppCursors } from '../../models/whatsapp-cursors.js';
import { isLoggedOutReason, type WhatsAppAuthStore, type WhatsAppStoreOptions } from '../../models/whatsapp-session-store.js';
import { chatKeyOf } from '../../services/identifiers.js';
import { ChannelSendError, type ChannelAdapter, type InboundMessage } from '../../core/channel.js';
import { withTimeout } from '../../timeout.js';
import { createWhatsAppClient } from './create-client.js';
import { KeptRemoteAuth, type BackupReport } from './kept-remote-auth.js';
import { DiskSessionStore } from './disk-session-store.js';
import { LinkWatch, type LinkAlert } from './link-watch.js';
import { QrDisplay, type QrImage } from './qr-display.js';
import { WhatsAppChannel } from './whatsapp-channel.js';
import type { WhatsAppClient } from './whatsapp-client.js';
import { WhatsAppInbound, type CatchUpReport } from './whatsapp-inbound.js';
import { CanonicalIds, type CanonicalIdDeps } from './identities.js';
import { WhatsAppLink, type LinkableClient, type LinkStatus, type LivenessOptions, type RebuildReason } from './whatsapp-link.js';

/** Between two backups of the linked session. */
const BACKUP_INTERVAL_MS = 300_000;
/** How long the backup at a graceful stop may take. */
const STOP_BACKUP_TIMEOUT_MS = 30_000;
/** How long WhatsApp may take to say whose an id is (the person's number and linked id). */
const PAIR_LOOKUP_TIMEOUT_MS = 20_000;
/** How often the backup's age is checked against WHATSAPP_BACKUP_STALE_MINUTES. */
const BACKUP_CHECK_MS = 60_000;

/** A client the adapter can drive: the narrow surface plus what the link manager needs. */
export type AdapterClient = WhatsAppClient & LinkableClient;

/** What the WhatsApp side is assembled from. */
export interface WhatsAppBotDeps {
  config: Config;
  keys: KeyRing;
  logger: Logger;
  /** The session kept in MongoDB, encrypted (WHATSAPP_SESSION_STORE=mongodb). */
  sessionStore: (options: WhatsAppStoreOptions) => WhatsAppAuthStore;
  /** Where each chat's last read message is kept, for catch-up. */
  cursors: WhatsAppCursors;
  /** Which id each person's conversation is kept under (their number and their linked id). */
  identities: CanonicalIdDeps['store'];
  ingest: (message: InboundMessage) => Promise<boolean>;
  /** Whether the chat has a conversation: its first reply may go out before its cursor is written. */
  hasConversation: (chatKey: string) => Promise<boolean>;
  /** Tells administrators (on Telegram) about the link; absent without Telegram, then only logged. */
  alertAdmins?: (alert: LinkAlert) => Promise<void>;
  onStatus?: (status: LinkStatus) => void;
  /** Told each time a client is replaced (metrics). */
  onRebuild?: (reason: RebuildReason) => void;
  /** Told after each backup of the session (metrics). */
  onBackup?: (report: BackupReport) => void;
  /** Told each catch-up round's figures (metrics). */
  onCatchUp?: (report: CatchUpReport) => void;
  /**
   * Builds the client around its auth strategy (the session kept in the encrypted store);
   * default whatsapp-web.js on Chromium. Tests pass a fake that drives the strategy as the library does.
   */
  createClient?: (auth: KeptRemoteAuth) => AdapterClient;
  /** Prints the QR code for the terminal; default stderr when it is a terminal, else nowhere (see QrDisplay). */
  print?: (text: string) => void;
  /** First and longest wait between attempts to start the client again. */
  backoff?: { initialMs: number; maxMs: number };
  /** How long the link waits for signs of life (tests shorten them). */
  liveness?: Partial<LivenessOptions>;
}

/** The kept session's backups, for the admin status. */
export interface SessionBackupStatus {
  /** When the stored copy was saved; null when none is stored. */
  savedAt: Date | null;
  /** Whether the last attempt failed (the stored copy, if any, is older). */
  lastAttemptFailed: boolean;
}

/** The assembled WhatsApp side of the service. */
export interface WhatsAppBot {
  /** The channel the workers send through; it outlives the clients it sends with. */
  channel: WhatsAppRelayChannel;
  /** The link's status, for logs, health and metrics. */
  status(): LinkStatus;
  /** The QR code waiting to be scanned, for the admin endpoint. */
  qr(): QrImage | null;
  /** The kept session's backups, for the admin endpoint. */
  backup(): SessionBackupStatus;
  /** Replaces the client now: an error from the WhatsApp library reached the process. */
  rebuild(): void;
  /** Backs the linked session up now (also done at a graceful stop); false when nothing was stored. */
  backupNow(): Promise<boolean>;
  /** Reads back missed messages now (a catch-up also runs on every `ready` and periodically). */
  catchUp(): Promise<CatchUpReport | null>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The channel registered with the workers: it sends through whichever client is current
 * (the link manager replaces a client that died) and refuses, permanently, to message a
 * chat that never wrote to the association — the service answers people, it does not
 * send unsolicited messages. A refused message is recorded by the outbox sender.
 */
export class WhatsAppRelayChannel implements ChannelAdapter {
  readonly channel = 'whatsapp' as const;
  private current: WhatsAppChannel | null = null;

  constructor(private readonly options: { minGapMs: number; hasWritten: (chatId: string) => Promise<boolean>; onSeenError?: (error: unknown) => void }) {}

  /** Sends with a new client from now on. */
  attach(client: WhatsAppClient): void {
    this.current?.detach();
    this.current = new WhatsAppChannel(client, {
      minGapMs: this.options.minGapMs,
      ...(this.options.onSeenError ? { onSeenError: this.options.onSeenError } : {}),
    });
  }

  get isReady(): boolean {
    return this.current?.isReady ?? false;
  }

  async send(chatId: string, message: OutboundMessage): Promise<void> {
    if (!(await this.options.hasWritten(chatId))) throw new ChannelSendError('refused: this WhatsApp chat never wrote to the association', undefined, true);
    if (!this.current) throw new ChannelSendError('whatsapp client not ready', 5_000);
    await this.current.send(chatId, message);
  }

  async download(ref: string, maxBytes: number): Promise<Buffer> {
    if (!this.current) throw new Error('whatsapp client not ready');
    return this.current.download(ref, maxBytes);
  }

  remember(message: Parameters<WhatsAppChannel['remember']>[0]): void {
    this.current?.remember(message);
  }
}

/**
 * Builds the WhatsApp side: the session store (MongoDB or disk, encrypted, never deleted by
 * a routine disconnect), the client kept alive by {@link WhatsAppLink}, the relay channel,
 * the inbound feed with catch-up, the QR display and the alerts to administrators.
 */
export function assembleWhatsApp(deps: WhatsAppBotDeps): WhatsAppBot {
  const { config, keys, logger } = deps;
  const session = `RemoteAuth-${config.WHATSAPP_CLIENT_ID}`;
  const dataDir = path.resolve(config.WHATSAPP_DATA_DIR);
  const profilePath = path.join(dataDir, 'profile');
  const storeOptions = {
    dataPath: profilePath,
    onRefusedDelete: () => logger.info('kept the WhatsApp session through a disconnect (only a logout deletes it)'),
  };
  const store: WhatsAppAuthStore =
    config.WHATSAPP_SESSION_STORE === 'disk'
      ? new DiskSessionStore(keys, { ...storeOptions, directory: path.join(dataDir, 'sessions') })
      : deps.sessionStore(storeOptions);
  const cursors = deps.cursors;
  const keyOf = (chatId: string) => chatKeyOf(keys, 'whatsapp', chatId);
  /** When the number was first linked; set on the first `ready` (catch-up never reads back further). */
  let firstLinkedAt: Promise<Date> | null = null;

  const hasWritten = async (chatId: string) => (await deps.hasConversation(keyOf(chatId))) || (await cursors.hasWritten(keyOf(chatId)));
  const channel = new WhatsAppRelayChannel({
    minGapMs: config.WHATSAPP_SEND_GAP_MS,
    hasWritten,
    // The reply went out; only the read mark on the association's phone is missing.
    onSeenError: (error) => logger.warn({ ...errorFields(error) }, 'could not mark a WhatsApp chat read after replying'),
  });
  let current: AdapterClient | null = null;
  const people = new CanonicalIds({
    store: deps.identities,
    pairOf: async (id) => {
      if (current === null) throw new Error('no WhatsApp client to ask whose id this is');
      // Bounded: a stuck page call would otherwise hold the person's lane (and a round) for Puppeteer's 180 s.
      return (await withTimeout(current.getContactLidAndPhone([id]), PAIR_LOOKUP_TIMEOUT_MS))[0] ?? {};
    },
    hasData: hasWritten,
    chatKeyOf: keyOf,
  });
  const inbound = new WhatsAppInbound({
    ingest: deps.ingest,
    canonical: people,
    budgetMs: config.WHATSAPP_CATCH_UP_BUDGET_SECONDS * 1000,
    ...(deps.onCatchUp ? { onCatchUp: deps.onCatchUp } : {}),
    remember: (message) => channel.remember(message),
    received: (chatId, seq) => cursors.received(keyOf(chatId), seq),
    floors: async (chatIds) => {
      const floors = new Map<string, number>();
      if (firstLinkedAt === null) return floors;
      const linkedAt = (await firstLinkedAt).getTime();
      const seqs = await cursors.lastSeqs(chatIds.map(keyOf));
      // A second back from the last received message: two messages of one second may arrive in either order.
      for (const chatId of chatIds) floors.set(chatId, (seqs.get(keyOf(chatId)) ?? linkedAt) - 1000);
      return floors;
    },
    logger,
  });
  const print = deps.print ?? (process.stderr.isTTY ? (text: string) => void process.stderr.write(text) : undefined);
  const qr = new QrDisplay({ pngPath: path.join(dataDir, 'link-qr.png'), ...(print ? { print } : {}) });
  const watch = new LinkWatch({
    alertAfterMs: config.WHATSAPP_ALERT_AFTER_MINUTES * 60_000,
    alert: deps.alertAdmins ?? (async () => undefined),
    logger,
  });

  let periodic: NodeJS.Timeout | null = null;
  const recordLink = (): void => {
    const linked = cursors.linked(session);
    firstLinkedAt = linked;
    // Not recorded (the database is away): the next catch-up records it again.
    linked.catch(() => {
      if (firstLinkedAt === linked) firstLinkedAt = null;
    });
  };
  const catchUp = async (): Promise<CatchUpReport | null> => {
    const client = current;
    if (client === null || !channel.isReady) return null;
    if (firstLinkedAt === null) recordLink();
    return inbound.catchUp(client).catch((error: unknown) => {
      logger.warn({ ...errorFields(error) }, 'WhatsApp catch-up failed; it runs again on the next ready or check');
      return null;
    });
  };

  const backups: SessionBackupStatus = { savedAt: null, lastAttemptFailed: false };
  /** When the current link was made: the age of a backup that was never taken counts from it. */
  let linkedSince: number | null = null;
  let backupCheck: NodeJS.Timeout | null = null;
  const onBackup = (report: BackupReport) => {
    backups.lastAttemptFailed = !report.ok;
    if (report.ok) backups.savedAt = report.at;
    else logger.error({ ...errorFields(report.error) }, 'could not back up the WhatsApp session; the previous copy stays');
    deps.onBackup?.(report);
  };
  const checkBackupAge = () => {
    if (linkedSince === null) return;
    const since = Math.max(backups.savedAt?.getTime() ?? 0, linkedSince);
    watch.onBackupAge(Date.now() - since, config.WHATSAPP_BACKUP_STALE_MINUTES * 60_000);
  };
  const auths = new WeakMap<AdapterClient, KeptRemoteAuth>();
  const createClient =
    deps.createClient ??
    ((auth: KeptRemoteAuth) =>
      createWhatsAppClient({ executablePath: config.CHROMIUM_PATH, authStrategy: auth.asStrategy(), webCacheDirectory: path.join(dataDir, 'web-cache') }));

  const link = new WhatsAppLink<AdapterClient>({
    createClient: () => {
      // One strategy per client: the library binds it to its client (`setup`).
      const auth = new KeptRemoteAuth({
        store,
        clientId: config.WHATSAPP_CLIENT_ID,
        dataPath: profilePath,
        backupSyncIntervalMs: BACKUP_INTERVAL_MS,
        onBackup,
      });
      const client = createClient(auth);
      auths.set(client, auth);
      return client;
    },
    onClient: (client) => {
      current = client;
      channel.attach(client);
      client.on('message', (message) => inbound.live(message));
      // An edit changes nothing already received; the person is told so (at most once a minute).
      client.on('message_edit', (message) => inbound.edited(message));
      client.on('change_state', (state) => {
        // Synchronously: RemoteAuth deletes the stored session right after this event, before `disconnected`.
        if (isLoggedOutReason(state)) store.allowDeletion(session);
        watch.onState(String(state));
      });
      client.on('disconnected', (reason) => {
        if (isLoggedOutReason(reason)) store.allowDeletion(session);
      });
      client.on('ready', () => {
        void qr.clear().catch(() => undefined);
        recordLink();
        // Started at once: a chat found behind is read back before its own next live message.
        void catchUp();
      });
    },
    onQr: (code) => qr.show(code),
    onStatus: (status) => {
      linkedSince = status === 'linked' ? (linkedSince ?? Date.now()) : null;
      if (status === 'waiting_for_qr' && !print)
        logger.warn({ png: qr.pngPath }, 'a QR code waits to be scanned: open the PNG file or GET /admin/whatsapp/qr.png');
      watch.onStatus(status);
      deps.onStatus?.(status);
    },
    logger,
    ...(deps.onRebuild ? { onRebuild: deps.onRebuild } : {}),
    ...(deps.backoff ? { backoff: deps.backoff } : {}),
    ...(deps.liveness ? { liveness: deps.liveness } : {}),
  });

  const backupNow = async (): Promise<boolean> => {
    const client = link.currentClient;
    const auth = client ? auths.get(client) : undefined;
    if (!auth || link.status !== 'linked') return false;
    return auth.backupNow();
  };
  /** At a graceful stop: the newest profile stored, so another disk can start without a scan. */
  const backupBeforeStop = async () => {
    await withTimeout(backupNow(), STOP_BACKUP_TIMEOUT_MS).catch((error: unknown) =>
      logger.warn({ ...errorFields(error) }, 'stopped without a fresh WhatsApp backup; the previous copy stays'),
    );
  };

  return {
    channel,
    status: () => link.status,
    qr: () => qr.current(),
    backup: () => ({ ...backups }),
    rebuild: () => link.rebuild('fault'),
    backupNow,
    catchUp,
    start: () => {
      // Chromium's profile under it holds the live session in clear while the client runs: owner only.
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      chmodSync(dataDir, 0o700);
      watch.start();
      void store
        .info(session)
        .then((info) => {
          backups.savedAt ??= info?.savedAt ?? null;
        })
        .catch((error: unknown) => logger.warn({ ...errorFields(error) }, 'could not read when the WhatsApp session was last backed up'));
      backupCheck = setInterval(checkBackupAge, BACKUP_CHECK_MS);
      backupCheck.unref();
      link.start();
      periodic = setInterval(() => void catchUp(), config.WHATSAPP_CATCH_UP_MINUTES * 60_000);
      periodic.unref();
    },
    stop: async () => {
      if (periodic) clearInterval(periodic);
      if (backupCheck) clearInterval(backupCheck);
      watch.stop();
      await backupBeforeStop();
      await link.stop();
      await inbound.settled();
      await qr.clear().catch(() => undefined);
    },
  };
}
