import type { Logger } from 'pino';
import { errorFields } from '../../logger.js';

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
  initialize(): Promise<unknown>;
  destroy(): Promise<unknown>;
}

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
}

/** States after which the client is gone for good (whatsapp-web.js destroys it) and a new one must be built. */
const FATAL_STATES = new Set(['CONFLICT', 'UNPAIRED', 'UNLAUNCHED', 'TOS_BLOCK', 'SMB_TOS_BLOCK', 'DEPRECATED_VERSION', 'PROXYBLOCK']);
const LOGGED_OUT_STATES = new Set(['UNPAIRED', 'UNPAIRED_IDLE', 'LOGOUT']);

/**
 * Keeps the WhatsApp Web client alive: starts it, shows the QR code when the number
 * must be linked, and when the client fails to start (Chromium cannot reach WhatsApp,
 * Chromium died), disconnects or enters a state that destroys it, builds a new one and
 * tries again with growing waits — without ever taking the rest of the service down.
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

  constructor(private readonly options: WhatsAppLinkOptions<C>) {}

  /** The current status, for logs, the health endpoint and metrics. */
  get status(): LinkStatus {
    return this.statusValue;
  }

  /** Starts the first client; returns at once (starting takes its own time). */
  start(): void {
    this.launching = this.launch();
  }

  /** Stops for good: no more restarts, the client destroyed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.launching;
    const client = this.client;
    this.client = null;
    if (client) this.destroy(client);
    await Promise.all(this.destroying);
  }

  private async launch(): Promise<void> {
    if (this.stopped) return;
    const client = this.options.createClient();
    this.client = client;
    this.options.onClient(client);
    client.on('qr', (qr) => {
      this.setStatus('waiting_for_qr');
      void Promise.resolve(this.options.onQr(qr)).catch((error: unknown) => this.options.logger.warn({ ...errorFields(error) }, 'could not show the QR code'));
    });
    client.on('ready', () => {
      this.attempts = 0;
      this.setStatus('linked');
    });
    client.on('auth_failure', () => this.restart(client, 'logged_out'));
    client.on('disconnected', (reason) => this.restart(client, LOGGED_OUT_STATES.has(String(reason)) ? 'logged_out' : 'disconnected'));
    client.on('change_state', (state) => {
      const name = String(state);
      if (FATAL_STATES.has(name)) this.restart(client, LOGGED_OUT_STATES.has(name) ? 'logged_out' : 'disconnected');
    });
    try {
      await client.initialize();
    } catch (error) {
      this.options.logger.warn({ attempt: this.attempts + 1, ...errorFields(error) }, 'WhatsApp client could not start');
      this.restart(client, 'disconnected');
    }
  }

  /** Replaces a client that is gone, after a wait that grows with each failure in a row. */
  private restart(client: C, status: LinkStatus): void {
    if (client !== this.client) return;
    this.client = null;
    this.destroy(client);
    if (this.stopped) return;
    this.setStatus(status);
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 5_000, maxMs: 300_000 };
    const delay = Math.min(maxMs, initialMs * 2 ** this.attempts);
    this.attempts += 1;
    this.options.logger.info({ delayMs: delay, status }, 'WhatsApp client will start again');
    this.timer = setTimeout(() => {
      this.setStatus('reconnecting');
      this.launching = this.launch();
    }, delay);
    this.timer.unref();
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
