import type { Logger } from 'pino';
import { errorFields } from '../../logger.js';
import { withTimeout } from '../../timeout.js';
import { BROWSER_GONE, CLIENT_FAULT } from './create-client.js';

/** Where the link to the association's WhatsApp number stands. */
export const LINK_STATUSES = ['starting', 'waiting_for_qr', 'linked', 'disconnected', 'reconnecting', 'logged_out'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

/** The part of whatsapp-web.js's Client the link manager drives. */
export interface LinkableClient {
  on(event: 'qr', listener: (qr: string) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'disconnected', listener: (reason: unknown) => void): unknown;
  on(event: 'change_state', listener: (state: unknown) => void): unknown;
  on(event: 'auth_failure', listener: (message: unknown) => void): unknown;
  on(event: 'authenticated', listener: () => void): unknown;
  /** Chromium or its page is gone ({@link SupervisedClient}; the fake emits it too). */
  on(event: typeof BROWSER_GONE, listener: (reason: string) => void): unknown;
  /** A step the library ran in the background failed ({@link SupervisedClient}). */
  on(event: typeof CLIENT_FAULT, listener: (step: string, error: unknown) => void): unknown;
  initialize(): Promise<unknown>;
  destroy(): Promise<unknown>;
  /** The connection state (`WAState`), or null when the page cannot tell. */
  getState(): Promise<string | null>;
}

/** Why a client was replaced, for logs and the rebuild counter. */
export type RebuildReason =
  'start_failed' | 'start_timeout' | 'ready_timeout' | 'disconnected' | 'fatal_state' | 'auth_failure' | 'browser_gone' | 'state_check' | 'fault';

/** How long the link manager waits for signs of life. */
export interface LivenessOptions {
  /** After a start (or a logout), the time within which a QR code or `ready` must come. */
  startTimeoutMs: number;
  /** After `authenticated`, the time within which `ready` must come (it is known to hang). */
  readyTimeoutMs: number;
  /** While linked, how often the page is asked for its state. */
  checkIntervalMs: number;
  /** How long that question may take. */
  checkTimeoutMs: number;
}

/** How long `stop` waits for a start in progress to notice its client was destroyed (a browser that finishes launching later is closed by SupervisedClient). */
const STOP_TIMEOUT_MS = 3_000;

const DEFAULT_LIVENESS: LivenessOptions = { startTimeoutMs: 180_000, readyTimeoutMs: 180_000, checkIntervalMs: 60_000, checkTimeoutMs: 20_000 };

/** What the link manager works with. */
export interface WhatsAppLinkOptions<C extends LinkableClient> {
  /** Builds a fresh client: a destroyed whatsapp-web.js client cannot be started again. */
  createClient: () => C;
  /** Called with each new client before it starts, to attach the message handlers. */
  onClient: (client: C) => void;
  /** Shows the QR code to link the number (terminal, PNG, admin endpoint). */
  onQr: (qr: string) => void | Promise<void>;
  onStatus?: (status: LinkStatus) => void;
  logger: Logger;
  /** First and longest wait between attempts to start again. */
  backoff?: { initialMs: number; maxMs: number };
  liveness?: Partial<LivenessOptions>;
  /** Told each time a client is replaced (metrics). */
  onRebuild?: (reason: RebuildReason) => void;
}

/** States after which the client is gone for good (whatsapp-web.js destroys it) and a new one must be built. */
const FATAL_STATES = new Set(['CONFLICT', 'UNPAIRED', 'UNLAUNCHED', 'TOS_BLOCK', 'SMB_TOS_BLOCK', 'DEPRECATED_VERSION', 'PROXYBLOCK']);
const LOGGED_OUT_STATES = new Set(['UNPAIRED', 'UNPAIRED_IDLE', 'LOGOUT']);

/**
 * Keeps the WhatsApp Web client alive: starts it, shows the QR code when the number
 * must be linked, and when the client fails to start (Chromium cannot reach WhatsApp),
 * disconnects, enters a state that destroys it, loses its browser, stops answering, or
 * shows no sign of life in time, builds a new one and tries again with growing waits —
 * without ever taking the rest of the service down.
 *
 * A logout is the exception: whatsapp-web.js then deletes the session and loads the page
 * again in the same client (`Client.js` lines 495–503), which shows a new QR code. The
 * client is left to do so (destroying it mid-way made the library re-inject into a closed
 * page); only when no QR code comes in time is it replaced.
 */
export class WhatsAppLink<C extends LinkableClient> {
  private client: C | null = null;
  private statusValue: LinkStatus = 'starting';
  private attempts = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The start in progress and the clients being destroyed: stop() waits for both, so no Chromium is left behind. */
  private launching: Promise<void> = Promise.resolve();
  private readonly destroying = new Set<Promise<unknown>>();
  /** Waits for a QR code or `ready` (after a start or a logout), or for `ready` after `authenticated`. */
  private deadline: NodeJS.Timeout | null = null;
  /** While linked: the periodic question to the page. */
  private check: NodeJS.Timeout | null = null;
  private readonly liveness: LivenessOptions;

  constructor(private readonly options: WhatsAppLinkOptions<C>) {
    this.liveness = { ...DEFAULT_LIVENESS, ...options.liveness };
  }

  /** The current status, for logs, the health endpoint and metrics. */
  get status(): LinkStatus {
    return this.statusValue;
  }

  /** Starts the first client; returns at once (starting takes its own time). */
  start(): void {
    this.launching = this.launch();
  }

  /** The client in use, if any (for a backup at a graceful stop). */
  get currentClient(): C | null {
    return this.client;
  }

  /** Replaces the current client now (an error from the WhatsApp library reached the process). */
  rebuild(reason: RebuildReason = 'fault'): void {
    if (this.client) this.restart(this.client, 'disconnected', reason);
  }

  /** Stops for good: no more restarts, the client destroyed, no Chromium left behind. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.clearWatch();
    const client = this.client;
    this.client = null;
    // Destroyed first: a start that hangs (a page that never loads) ends when its browser closes.
    if (client) this.destroy(client);
    await withTimeout(this.launching, STOP_TIMEOUT_MS).catch((error: unknown) =>
      this.options.logger.warn({ ...errorFields(error) }, 'stopped without waiting for the WhatsApp start in progress'),
    );
    await Promise.all(this.destroying);
  }

  private async launch(): Promise<void> {
    if (this.stopped) return;
    const client = this.options.createClient();
    this.client = client;
    this.options.onClient(client);
    client.on('qr', (qr) => {
      // A person must scan now; the unlinked alert covers how long that takes.
      if (client === this.client) this.clearDeadline();
      this.setStatus('waiting_for_qr');
      void Promise.resolve(this.options.onQr(qr)).catch((error: unknown) => this.options.logger.warn({ ...errorFields(error) }, 'could not show the QR code'));
    });
    client.on('authenticated', () => {
      if (client === this.client) this.expect(client, this.liveness.readyTimeoutMs, 'ready_timeout');
    });
    client.on('ready', () => {
      if (client !== this.client) return;
      this.attempts = 0;
      this.clearDeadline();
      this.setStatus('linked');
      this.watchState(client);
    });
    client.on('auth_failure', () => this.restart(client, 'logged_out', 'auth_failure'));
    client.on('disconnected', (reason) => {
      if (String(reason) === 'LOGOUT') return this.loggedOut(client);
      this.restart(client, LOGGED_OUT_STATES.has(String(reason)) ? 'logged_out' : 'disconnected', 'disconnected');
    });
    client.on('change_state', (state) => {
      const name = String(state);
      if (FATAL_STATES.has(name)) this.restart(client, LOGGED_OUT_STATES.has(name) ? 'logged_out' : 'disconnected', 'fatal_state');
    });
    client.on(BROWSER_GONE, (reason) => {
      if (client === this.client) this.options.logger.warn({ reason }, 'Chromium for WhatsApp is gone');
      this.restart(client, 'disconnected', 'browser_gone');
    });
    client.on(CLIENT_FAULT, (step, error) => {
      if (client !== this.client) return void this.options.logger.info({ step, ...errorFields(error) }, 'a replaced WhatsApp client reported an error');
      this.options.logger.error({ step, ...errorFields(error) }, 'the WhatsApp client failed in the background; building a new one');
      this.restart(client, 'disconnected', 'fault');
    });
    this.expect(client, this.liveness.startTimeoutMs, 'start_timeout');
    try {
      await client.initialize();
    } catch (error) {
      if (client !== this.client) return;
      this.options.logger.warn({ attempt: this.attempts + 1, ...errorFields(error) }, 'WhatsApp client could not start');
      this.restart(client, 'disconnected', 'start_failed');
    }
  }

  /**
   * The number was unlinked from the phone: administrators are told (through the status), and
   * the library, which already deleted the session, loads a new QR code in the same client.
   */
  private loggedOut(client: C): void {
    if (client !== this.client) return;
    this.clearWatch();
    this.setStatus('logged_out');
    this.expect(client, this.liveness.startTimeoutMs, 'start_timeout');
  }

  /** Replaces `client` unless a sign of life (QR code, `ready`) comes within `ms`. */
  private expect(client: C, ms: number, reason: RebuildReason): void {
    this.clearDeadline();
    this.deadline = setTimeout(() => {
      this.deadline = null;
      this.options.logger.warn({ reason, afterMs: ms }, 'WhatsApp showed no sign of life in time');
      this.restart(client, 'disconnected', reason);
    }, ms);
    this.deadline.unref();
  }

  /** While linked, asks the page for its state; no answer in time, an error, or a fatal state replaces the client. */
  private watchState(client: C): void {
    this.clearCheck();
    const ask = async () => {
      this.check = null;
      if (client !== this.client || this.stopped) return;
      let state: string | null;
      try {
        state = await withTimeout(client.getState(), this.liveness.checkTimeoutMs);
      } catch (error) {
        this.options.logger.warn({ ...errorFields(error) }, 'WhatsApp Web did not answer its state check');
        return this.restart(client, 'disconnected', 'state_check');
      }
      if (state === null || FATAL_STATES.has(state)) {
        this.options.logger.warn({ state }, 'WhatsApp Web reported a state it cannot go on from');
        return this.restart(client, state !== null && LOGGED_OUT_STATES.has(state) ? 'logged_out' : 'disconnected', 'state_check');
      }
      if (client === this.client && !this.stopped) this.schedule(ask);
    };
    this.schedule(ask);
  }

  private schedule(ask: () => Promise<void>): void {
    this.check = setTimeout(() => void ask(), this.liveness.checkIntervalMs);
    this.check.unref();
  }

  /** Replaces a client that is gone, after a wait that grows with each failure in a row. */
  private restart(client: C, status: LinkStatus, reason: RebuildReason): void {
    if (client !== this.client) return;
    this.client = null;
    this.clearWatch();
    this.destroy(client);
    if (this.stopped) return;
    this.options.onRebuild?.(reason);
    this.setStatus(status);
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 5_000, maxMs: 300_000 };
    const delay = Math.min(maxMs, initialMs * 2 ** this.attempts);
    this.attempts += 1;
    this.options.logger.info({ delayMs: delay, status, reason }, 'WhatsApp client will start again');
    this.timer = setTimeout(() => {
      this.setStatus('reconnecting');
      this.launching = this.launch();
    }, delay);
    this.timer.unref();
  }

  private clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
  }

  private clearCheck(): void {
    if (this.check) clearTimeout(this.check);
    this.check = null;
  }

  private clearWatch(): void {
    this.clearDeadline();
    this.clearCheck();
  }

  private destroy(client: C): void {
    const done = client.destroy().catch(() => undefined);
    this.destroying.add(done);
    void done.finally(() => this.destroying.delete(done));
  }

  private setStatus(status: LinkStatus): void {
    if (this.statusValue === status) return;
    this.statusValue = status;
    this.options.logger.info({ whatsapp: status }, 'WhatsApp link status');
    this.options.onStatus?.(status);
  }
}
