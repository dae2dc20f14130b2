import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LinkWatch, type LinkAlert } from '../../../../src/bots/whatsapp/link-watch.js';

const MINUTE = 60_000;
const ALERT_AFTER_MS = 15 * MINUTE;

function watch(alertImpl?: (alert: LinkAlert) => Promise<void>) {
  const alerts: LinkAlert[] = [];
  let logs = '';
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      logs += chunk.toString();
      callback();
    },
  });
  const watcher = new LinkWatch({
    alertAfterMs: ALERT_AFTER_MS,
    alert: async (alert) => {
      alerts.push(alert);
      if (alertImpl) await alertImpl(alert);
    },
    logger: pino({ level: 'info' }, destination),
  });
  return { watcher, alerts, logs: () => logs };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('LinkWatch', () => {
  it('alerts at once when the number is logged out, once per outage', async () => {
    const { watcher, alerts } = watch();
    watcher.start();
    watcher.onStatus('linked');
    watcher.onStatus('logged_out');
    expect(alerts).toEqual([{ kind: 'logged_out' }]);
    watcher.onStatus('waiting_for_qr');
    watcher.onStatus('logged_out');
    watcher.onStatus('reconnecting');
    watcher.onStatus('logged_out');
    expect(alerts).toEqual([{ kind: 'logged_out' }]);
    watcher.stop();
  });

  it('alerts once when WhatsApp blocks the account', async () => {
    const { watcher, alerts } = watch();
    watcher.start();
    watcher.onStatus('linked');
    watcher.onState('TOS_BLOCK');
    watcher.onState('TOS_BLOCK');
    watcher.onState('SMB_TOS_BLOCK');
    expect(alerts).toEqual([{ kind: 'blocked', state: 'TOS_BLOCK' }]);
    watcher.stop();
  });

  it('does not alert for connection states that are not a block', async () => {
    const { watcher, alerts } = watch();
    watcher.start();
    watcher.onStatus('linked');
    for (const state of ['CONFLICT', 'TIMEOUT', 'OPENING', 'PAIRING', 'UNLAUNCHED', 'CONNECTED']) watcher.onState(state);
    await vi.advanceTimersByTimeAsync(ALERT_AFTER_MS * 2);
    expect(alerts).toEqual([]);
    watcher.stop();
  });

  it('alerts unlinked_long, with the minutes, when the first link does not come in time', async () => {
    const { watcher, alerts } = watch();
    watcher.start();
    watcher.onStatus('waiting_for_qr');
    await vi.advanceTimersByTimeAsync(ALERT_AFTER_MS - 1);
    expect(alerts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(alerts).toEqual([{ kind: 'unlinked_long', minutes: 15 }]);
    // Told once, however long it lasts.
    watcher.onStatus('reconnecting');
    await vi.advanceTimersByTimeAsync(ALERT_AFTER_MS * 3);
    expect(alerts).toEqual([{ kind: 'unlinked_long', minutes: 15 }]);
    watcher.stop();
  });

  it('counts the outage from its start, not from the last status change', async () => {
    const { watcher, alerts } = watch();
    watcher.start();
    watcher.onStatus('linked');
    watcher.onStatus('disconnected');
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    watcher.onStatus('reconnecting');
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(alerts).toEqual([{ kind: 'unlinked_long', minutes: 15 }]);
    watcher.stop();
  });

  it('alerts nothing when the link comes back before the deadline', async () => {
    const { watcher, alerts } = watch();
    watcher.start();
    watcher.onStatus('linked');
    watcher.onStatus('disconnected');
    await vi.advanceTimersByTimeAsync(ALERT_AFTER_MS - MINUTE);
    watcher.onStatus('linked');
    await vi.advanceTimersByTimeAsync(ALERT_AFTER_MS * 2);
    expect(alerts).toEqual([]);
    watcher.stop();
  });

  it('says linked_again after an alert, and alerts again on a new outage', async () => {
    const { watcher, alerts } = watch();
    watcher.start();
    watcher.onStatus('linked');
    watcher.onStatus('disconnected');
    await vi.advanceTimersByTimeAsync(ALERT_AFTER_MS);
    watcher.onStatus('linked');
    expect(alerts).toEqual([{ kind: 'unlinked_long', minutes: 15 }, { kind: 'linked_again' }]);

    watcher.onStatus('logged_out');
    await vi.advanceTimersByTimeAsync(ALERT_AFTER_MS);
    watcher.onStatus('linked');
    expect(alerts.slice(2)).toEqual([{ kind: 'logged_out' }, { kind: 'unlinked_long', minutes: 15 }, { kind: 'linked_again' }]);

    // A second linked in a row says nothing more.
    watcher.onStatus('linked');
    expect(alerts).toHaveLength(5);
    watcher.stop();
  });

  it('says linked_again after a block alert', async () => {
    const { watcher, alerts } = watch();
    watcher.start();
    watcher.onState('TOS_BLOCK');
    watcher.onStatus('linked');
    expect(alerts).toEqual([{ kind: 'blocked', state: 'TOS_BLOCK' }, { kind: 'linked_again' }]);
    watcher.stop();
  });

  it('alerts nothing after stop', async () => {
    const { watcher, alerts } = watch();
    watcher.start();
    watcher.stop();
    await vi.advanceTimersByTimeAsync(ALERT_AFTER_MS * 2);
    expect(alerts).toEqual([]);
  });

  it('logs an alert that could not be sent instead of throwing', async () => {
    const { watcher, alerts, logs } = watch(async () => {
      throw new Error('telegram: 403 Forbidden: bot was blocked by the user');
    });
    watcher.start();
    expect(() => watcher.onStatus('logged_out')).not.toThrow();
    await vi.advanceTimersByTimeAsync(0);
    expect(alerts).toEqual([{ kind: 'logged_out' }]);
    expect(logs()).toContain('could not tell administrators about the WhatsApp link');
    expect(logs()).toContain('"whatsappAlert":"logged_out"');
    watcher.stop();
  });
});

describe('LinkWatch: the kept session', () => {
  it('alerts once when, while linked, no backup succeeded for too long; again only after a backup succeeded', async () => {
    const { watcher, alerts } = watch();
    watcher.start();
    watcher.onBackupAge(45 * MINUTE, 30 * MINUTE);
    expect(alerts).toEqual([]); // not linked: nothing can be backed up
    watcher.onStatus('linked');
    watcher.onBackupAge(29 * MINUTE, 30 * MINUTE);
    watcher.onBackupAge(31 * MINUTE, 30 * MINUTE);
    watcher.onBackupAge(45 * MINUTE, 30 * MINUTE);
    expect(alerts).toEqual([{ kind: 'backup_stale', minutes: 31 }]);
    // A reconnect is no all-clear for the backup, and sends no "linked again" for it.
    watcher.onStatus('disconnected');
    watcher.onStatus('linked');
    expect(alerts).toHaveLength(1);
    watcher.onBackupAge(1 * MINUTE, 30 * MINUTE);
    watcher.onBackupAge(31 * MINUTE, 30 * MINUTE);
    expect(alerts).toEqual([
      { kind: 'backup_stale', minutes: 31 },
      { kind: 'backup_stale', minutes: 31 },
    ]);
    watcher.stop();
  });
});
