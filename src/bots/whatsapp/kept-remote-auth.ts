import { access } from 'node:fs/promises';
import path from 'node:path';
import pkg from 'whatsapp-web.js';
import type { AuthStrategy } from 'whatsapp-web.js';
import type { RemoteAuthStore } from '../../models/whatsapp-session-store.js';
import { CLIENT_FAULT } from './create-client.js';

/**
 * RemoteAuth as its source (1.34.7, `src/authStrategies/RemoteAuth.js`) defines it: the typings
 * declare its hooks as properties and leave out the steps and fields overridden and read here.
 */
interface RemoteAuthInternals {
  readonly store: RemoteAuthStore;
  readonly clientId: string | undefined;
  readonly dataPath: string;
  readonly backupSyncIntervalMs: number;
  /** Set by `beforeBrowserInitialized`. */
  readonly sessionName: string | undefined;
  /** Set by `setup` (BaseAuthStrategy.js): the client this strategy serves. */
  readonly client: { emit(event: string, ...args: unknown[]): boolean } | undefined;
  setup(client: unknown): void;
  beforeBrowserInitialized(): Promise<void>;
  afterAuthReady(): Promise<void>;
  storeRemoteSession(options?: { emit?: boolean }): Promise<void>;
  extractRemoteSession(): Promise<void>;
  disconnect(): Promise<void>;
  destroy(): Promise<void>;
  logout(): Promise<void>;
}
const RemoteAuthBase = pkg.RemoteAuth as unknown as new (options: {
  store: RemoteAuthStore;
  clientId: string;
  dataPath: string;
  backupSyncIntervalMs: number;
}) => RemoteAuthInternals;

/** The step of the kept session that failed, for logs and metrics (never personal data). */
export type SessionStep = 'logout' | 'relink';

/** What happened to one backup of the session. */
export interface BackupReport {
  ok: boolean;
  at: Date;
  /** The failure, when `ok` is false. */
  error?: unknown;
}

/** How the kept session is run. */
export interface KeptRemoteAuthOptions {
  store: RemoteAuthStore;
  clientId: string;
  /** Where Chromium's profile lives while the client runs (`<dataPath>/RemoteAuth-<clientId>`). */
  dataPath: string;
  /** Between two backups while linked; at least 60,000 (RemoteAuth's own floor). */
  backupSyncIntervalMs: number;
  /** Told after every backup attempt, successful or not. */
  onBackup?: (report: BackupReport) => void;
}

/**
 * whatsapp-web.js 1.34.7's `RemoteAuth`, with the failure paths that could end the process
 * closed and the session kept honestly (see docs/whatsapp.md):
 *
 * - the library calls `afterAuthReady` without awaiting it (`Client.js` line 376, on every
 *   `ready`), and its backup timer is `setInterval(async () => await storeRemoteSession())`
 *   (`RemoteAuth.js` line 123): a failed zip or copy of the live profile was an unhandled
 *   rejection. Here every backup catches its own error and reports it, and one timer runs
 *   however many times `ready` fires;
 * - a backup can be taken on demand ({@link KeptRemoteAuth.backupNow}), for a graceful stop;
 * - at start the local profile, when there is one, is kept: Chromium wrote it until the last
 *   stop, while the stored copy may be minutes older and was zipped from a running browser.
 *   The stored copy is restored only where there is no local profile (a new or wiped disk);
 * - a step that fails in the background is reported to the client as {@link CLIENT_FAULT}, so
 *   that its supervisor rebuilds it;
 * - the logout path the library runs from its `framenavigated` listener (`Client.js` lines
 *   495–503: `logout`, `beforeBrowserInitialized`, `afterBrowserInitialized`, then `inject`)
 *   reports failures instead of throwing into a listener nobody awaits.
 */
export class KeptRemoteAuth extends RemoteAuthBase {
  private timer: NodeJS.Timeout | null = null;
  private firstBackup: NodeJS.Timeout | null = null;
  private backingUp: Promise<boolean> | null = null;
  /** Set once the client's first start got past the profile: later calls come from the library's logout path. */
  private started = false;
  private readonly onBackup: (report: BackupReport) => void;

  constructor(options: KeptRemoteAuthOptions) {
    super({ store: options.store, clientId: options.clientId, dataPath: options.dataPath, backupSyncIntervalMs: options.backupSyncIntervalMs });
    this.onBackup = options.onBackup ?? (() => undefined);
  }

  /** RemoteAuth's session name, which names the stored copy and the profile directory. */
  get session(): string {
    return this.sessionName ?? (this.clientId ? `RemoteAuth-${this.clientId}` : 'RemoteAuth');
  }

  /** Chromium's profile directory for this session. */
  get profileDirectory(): string {
    return path.join(this.dataPath, this.session);
  }

  /** The strategy as the client's options take it. */
  asStrategy(): AuthStrategy {
    return this as unknown as AuthStrategy;
  }

  /**
   * Replaces the library's: the first backup 60 s after the first link (the library's delay, for
   * the profile to settle), then one every `backupSyncIntervalMs`, on one timer.
   */
  override async afterAuthReady(): Promise<void> {
    this.stopTimers();
    // Unknown (the database away): a first backup is taken as if none were stored; it costs one copy.
    const stored = await this.store.sessionExists({ session: this.session }).catch(() => false);
    if (!stored) {
      this.firstBackup = setTimeout(() => void this.backupNow(), 60_000);
      this.firstBackup.unref();
    }
    this.timer = setInterval(() => void this.backupNow(), this.backupSyncIntervalMs);
    this.timer.unref();
  }

  /**
   * Zips the live profile and stores it; never rejects. One backup at a time: a call while one
   * runs waits for that one. True when a copy was stored.
   */
  backupNow(): Promise<boolean> {
    if (this.backingUp) return this.backingUp;
    const running = this.runBackup().finally(() => {
      this.backingUp = null;
    });
    this.backingUp = running;
    return running;
  }

  private async runBackup(): Promise<boolean> {
    try {
      // The library returns quietly when there is no profile (nothing to back up): not a success.
      if (!(await exists(this.profileDirectory))) return false;
      await this.storeRemoteSession();
      this.onBackup({ ok: true, at: new Date() });
      return true;
    } catch (error) {
      this.onBackup({ ok: false, at: new Date(), error });
      return false;
    }
  }

  /** Keeps a local profile when there is one (see the class); else the library's restore. */
  override async extractRemoteSession(): Promise<void> {
    if (await exists(path.join(this.profileDirectory, 'Default'))) return;
    await super.extractRemoteSession();
  }

  override async beforeBrowserInitialized(): Promise<void> {
    if (!this.started) {
      // The client's own start: a failure here fails `initialize`, which the link manager handles.
      await super.beforeBrowserInitialized();
      this.started = true;
      return;
    }
    try {
      await super.beforeBrowserInitialized();
    } catch (error) {
      this.fault('relink', error);
    }
  }

  /** The library's logout and fatal-state path (`Client.js` lines 498, 851): reported, never thrown into a listener. */
  override async disconnect(): Promise<void> {
    this.stopTimers();
    try {
      await super.disconnect();
    } catch (error) {
      this.fault('logout', error);
    }
  }

  override async destroy(): Promise<void> {
    this.stopTimers();
  }

  /** A failure in a step the library runs in the background: the client's supervisor rebuilds it (see {@link CLIENT_FAULT}). */
  private fault(step: SessionStep, error: unknown): void {
    this.client?.emit(CLIENT_FAULT, step, error);
  }

  private stopTimers(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.firstBackup) clearTimeout(this.firstBackup);
    this.timer = null;
    this.firstBackup = null;
  }
}

async function exists(target: string): Promise<boolean> {
  try {
    await access(target);
    return true;
  } catch {
    return false;
  }
}
