import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import pkg from 'whatsapp-web.js';
import { createWhatsAppClient } from '../../src/bots/whatsapp/create-client.js';
import { WhatsAppLink, type LinkStatus } from '../../src/bots/whatsapp/whatsapp-link.js';
import { startTestApp, TestChat, testEnvironment } from '../helpers/test-app.js';

const { LocalAuth } = pkg;

/** Chromium processes started under this test's profile directory. */
function chromiumsUsing(dir: string): number {
  try {
    return execFileSync('pgrep', ['-f', dir]).toString().trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

describe('whatsapp-web.js with Debian Chromium, offline', () => {
  it('launches Chromium, reports that WhatsApp Web cannot be reached, and retries with backoff instead of crashing', async () => {
    const dataPath = mkdtempSync(join(tmpdir(), 'wa-'));
    const statuses: LinkStatus[] = [];
    let started = 0;
    const link = new WhatsAppLink({
      createClient: () => {
        started += 1;
        return createWhatsAppClient({ executablePath: '/usr/bin/chromium', authStrategy: new LocalAuth({ dataPath }), webCacheDirectory: join(dataPath, 'web-cache') });
      },
      onClient: () => undefined,
      onQr: () => undefined,
      onStatus: (status) => statuses.push(status),
      logger: pino({ level: 'silent' }),
      backoff: { initialMs: 200, maxMs: 1_000 },
    });
    try {
      link.start();
      const deadline = Date.now() + 40_000;
      while (started < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(started).toBeGreaterThanOrEqual(2);
      expect(statuses.slice(0, 2)).toEqual(['disconnected', 'reconnecting']);
      expect(statuses).not.toContain('linked');
    } finally {
      await link.stop();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(chromiumsUsing(dataPath)).toBe(0);
      rmSync(dataPath, { recursive: true, force: true });
    }
  }, 60_000);

  it('in the whole service: WhatsApp keeps retrying while the conversations and workers go on', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wa-app-'));
    const env = testEnvironment({ WHATSAPP_ENABLED: 'on', WHATSAPP_DATA_DIR: dataDir });
    const app = await startTestApp(env, { whatsapp: { backoff: { initialMs: 300, maxMs: 1_000 }, print: () => undefined } });
    try {
      const seen = new Set<string>();
      const deadline = Date.now() + 40_000;
      while (!seen.has('reconnecting') && Date.now() < deadline) {
        seen.add(app.whatsapp!.status());
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(seen.has('reconnecting')).toBe(true);
      expect(seen.has('linked')).toBe(false);
      // Meanwhile the rest of the service answers (the console channel stands for Telegram here).
      const chat = new TestChat(() => app, env.channel, 'while-whatsapp-is-down');
      expect(await chat.say('السلام عليكم', 'القائمة الرئيسية')).toContain('1. تقديم طلب دعم');
    } finally {
      await app.stop();
      await env.cleanup();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(chromiumsUsing(dataDir)).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
