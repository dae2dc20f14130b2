import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
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
        return createWhatsAppClient({
          executablePath: '/usr/bin/chromium',
          authStrategy: new LocalAuth({ dataPath }),
          webCacheDirectory: join(dataPath, 'web-cache'),
        });
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

  it('a page that never loads is replaced after the start bound; Chromium killed by its PID is replaced at once; no Chromium is left behind', async () => {
    // web.whatsapp.com resolved to a local port that accepts and never answers: page.goto (timeout 0) waits for ever.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const dataPath = mkdtempSync(join(tmpdir(), 'wa-hang-'));
    const reasons: string[] = [];
    let started = 0;
    const link = new WhatsAppLink({
      createClient: () => {
        started += 1;
        return createWhatsAppClient({
          executablePath: '/usr/bin/chromium',
          authStrategy: new LocalAuth({ dataPath }),
          webCacheDirectory: join(dataPath, 'web-cache'),
          extraArgs: [`--host-resolver-rules=MAP web.whatsapp.com 127.0.0.1:${port}`],
        });
      },
      onClient: () => undefined,
      onQr: () => undefined,
      onRebuild: (reason) => reasons.push(reason),
      logger: pino({ level: 'silent' }),
      backoff: { initialMs: 200, maxMs: 200 },
      liveness: { startTimeoutMs: 4_000 },
    });
    const until = async (done: () => boolean, what: string) => {
      const deadline = Date.now() + 40_000;
      while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (!done()) throw new Error(`timed out waiting for ${what}`);
    };
    try {
      link.start();
      await until(() => reasons.includes('start_timeout'), 'the start bound');
      expect(reasons[0]).toBe('start_timeout');
      await until(() => started >= 2 && browserPid(dataPath) !== null, 'the second Chromium');
      await until(() => chromiumsUsing(dataPath) > 0 && browserPid(dataPath) !== null, 'the second Chromium to run');
      process.kill(browserPid(dataPath)!, 'SIGKILL');
      const before = reasons.length;
      const killedAt = Date.now();
      await until(() => reasons.length > before, 'the killed browser to be noticed');
      // Killed mid-start, the library's own start fails first (`start_failed`); killed while linked
      // (a real number only), SupervisedClient's `browser_gone` does: either way at once, not at the bound.
      expect(['start_failed', 'browser_gone']).toContain(reasons[before]);
      expect(Date.now() - killedAt).toBeLessThan(3_000);
      await until(() => started >= 3, 'a new client after the kill');
    } finally {
      await link.stop();
      silent.close();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(chromiumsUsing(dataPath)).toBe(0);
      rmSync(dataPath, { recursive: true, force: true });
    }
  }, 90_000);
});

/** The browser process (not its renderers and helpers, which carry --type=) using this profile directory. */
function browserPid(dir: string): number | null {
  try {
    const lines = execFileSync('pgrep', ['-a', '-f', dir]).toString().trim().split('\n');
    const main = lines.find((line) => line.includes('chromium') && !line.includes('--type='));
    return main ? Number(main.split(' ')[0]) : null;
  } catch {
    return null;
  }
}
