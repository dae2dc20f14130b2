import type { Logger } from 'pino';
import { errorFields } from '../../logger.js';
import type { LinkStatus } from './whatsapp-link.js';

/** What administrators are told about the WhatsApp link. */
export type LinkAlert =
  | { kind: 'logged_out' }
  | { kind: 'blocked'; state: string }
  | { kind: 'unlinked_long'; minutes: number }
  | { kind: 'linked_again' }
  | { kind: 'backup_stale'; minutes: number };

export interface LinkWatchOptions {
  /** How long WhatsApp may stay unlinked (starting, disconnected, reconnecting, waiting for a scan) before administrators are told. */
  alertAfterMs: number;
  alert: (alert: LinkAlert) => Promise<void>;
  logger: Logger;
}

/** Connection states in which WhatsApp refuses the account (`WAState`). */
const BLOCKED_STATES = new Set(['TOS_BLOCK', 'SMB_TOS_BLOCK', 'PROXYBLOCK', 'DEPRECATED_VERSION']);

/**
 * Tells administrators when the WhatsApp link needs a person: at once when the number was
 * logged out (it must be scanned again) or blocked, and when it has not been linked for
 * `alertAfterMs` whatever the reason. Each kind is told once per outage, and when the link
 * comes back after an alert, that is told too, so nobody goes to fix what already healed.
 * Also told once when, while linked, the session has not been backed up for too long (a
 * restart on another disk would then need a new scan), again only after a backup succeeded.
 */
export class LinkWatch {
  private timer: NodeJS.Timeout | null = null;
  private readonly told = new Set<LinkAlert['kind']>();
  private status: LinkStatus = 'starting';
  private stopped = false;

  constructor(private readonly options: LinkWatchOptions) {}

  /** Starts the clock for the first link. */
  start(): void {
    this.arm();
  }

  /** Follows the link manager's status. */
  onStatus(status: LinkStatus): void {
    this.status = status;
    if (status === 'linked') {
      this.disarm();
      const outage = [...this.told].filter((kind) => kind !== 'backup_stale');
      if (outage.length > 0) this.send({ kind: 'linked_again' });
      for (const kind of outage) this.told.delete(kind);
      return;
    }
    if (status === 'logged_out') this.once({ kind: 'logged_out' });
    this.arm();
  }

  /** Follows the client's connection state (`change_state`). */
  onState(state: string): void {
    if (BLOCKED_STATES.has(state)) this.once({ kind: 'blocked', state });
  }

  /**
   * Follows the session's backups: `ageMs` since the last stored copy (or since the link, when
   * none was stored yet), against `staleAfterMs`. Only a linked session can be backed up.
   */
  onBackupAge(ageMs: number, staleAfterMs: number): void {
    if (ageMs < staleAfterMs) return void this.told.delete('backup_stale');
    if (this.status === 'linked') this.once({ kind: 'backup_stale', minutes: Math.floor(ageMs / 60_000) });
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private arm(): void {
    if (this.timer || this.stopped || this.told.has('unlinked_long')) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.status !== 'linked') this.once({ kind: 'unlinked_long', minutes: Math.round(this.options.alertAfterMs / 60_000) });
    }, this.options.alertAfterMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private once(alert: LinkAlert): void {
    if (this.told.has(alert.kind)) return;
    this.told.add(alert.kind);
    this.send(alert);
  }

  private send(alert: LinkAlert): void {
    this.options.logger.warn({ whatsappAlert: alert.kind }, 'telling administrators about the WhatsApp link');
    void this.options
      .alert(alert)
      .catch((error: unknown) =>
        this.options.logger.error({ whatsappAlert: alert.kind, ...errorFields(error) }, 'could not tell administrators about the WhatsApp link'),
      );
  }
}
