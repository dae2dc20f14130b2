/**
 * Staff edit the content files of a running service: a valid edit is used from the next
 * message on, a broken one is refused (logged with the file and key) and the service goes
 * on with its last good content; broken content stops a start-up with the file and key.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONTENT_ROOT } from '../../src/i18n/content.js';
import { startApp } from '../../src/app.js';
import pino from 'pino';
import { startTestApp, TestChat, testEnvironment, waitFor } from '../helpers/test-app.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function contentCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'content-'));
  cpSync(DEFAULT_CONTENT_ROOT, root, { recursive: true });
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
  return root;
}

function edit(root: string, file: string, change: (json: Record<string, unknown>) => void): void {
  const path = join(root, file);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  change(json);
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
}

describe('content edited while the service runs', () => {
  it('uses a valid edit from the next message on, and keeps the last good content when an edit is broken', async () => {
    const root = contentCopy();
    const env = testEnvironment();
    cleanups.push(() => env.cleanup());
    const app = await startTestApp(env, { contentRoot: root });
    cleanups.push(() => app.stop());
    const chat = new TestChat(() => app, env.channel, 'reader');
    await chat.say('مرحبا', 'القائمة الرئيسية');

    edit(root, 'messages/ar.json', (m) => {
      m['welcome.back'] = 'أهلًا بعودتك إلى جمعية نمران 🌿';
    });
    await waitFor(async () => (await chat.say('السلام عليكم')).includes('أهلًا بعودتك إلى جمعية نمران'), 'the edited greeting', 10_000);

    // A broken edit (a placeholder mangled, a key missing in English) changes nothing.
    edit(root, 'messages/ar.json', (m) => {
      m['welcome.back'] = 'نص مكسور {{name}';
    });
    edit(root, 'messages/en.json', (m) => {
      delete m['menu.prompt'];
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const after = await chat.say('السلام عليكم');
    expect(after).toContain('أهلًا بعودتك إلى جمعية نمران');
    expect(after).not.toContain('نص مكسور');

    // The edits mended and an FAQ answer changed: the next question gets it.
    edit(root, 'messages/ar.json', (m) => {
      m['welcome.back'] = 'أهلًا بعودتك 🌿';
    });
    edit(root, 'faq/ar.json', (faq) => {
      const topics = faq.topics as { id: string; answer: string }[];
      topics.find((t) => t.id === 'timeline')!.answer = 'ترد اللجنة خلال مدة لا تقل عن أسبوعين ({{days}} يومًا). نص محدّث.';
    });
    edit(root, 'messages/en.json', (m) => {
      m['menu.prompt'] = 'Main menu — choose by sending its number:';
    });
    await waitFor(async () => (await chat.say('كم يوم ياخذ الرد على الطلب')).includes('نص محدّث'), 'the edited FAQ answer', 10_000);
  }, 60_000);

  it('refuses to start with broken content, naming the file and the key', async () => {
    const root = contentCopy();
    edit(root, 'messages/en.json', (m) => {
      delete m['menu.prompt'];
    });
    const env = testEnvironment();
    cleanups.push(() => env.cleanup());
    await expect(
      startApp({
        config: env.config,
        roles: new Set(['worker']),
        channels: new Map(),
        logger: pino({ level: 'silent' }),
        dbName: env.dbName,
        contentRoot: root,
      }),
    ).rejects.toThrow('messages/en.json: key "menu.prompt": missing');
  });
});
