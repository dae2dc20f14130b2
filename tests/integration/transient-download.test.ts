/**
 * A document whose download meets a platform hiccup (5xx, 429, a dropped connection) is
 * tried again rather than refused: found by fault case 5 (the Bot API answering getFile
 * with 502 and 429), where the person was told "send it again" for Telegram's passing fault.
 * Only the message's last try before it would be set aside asks the person to resend.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { ChannelSendError } from '../../src/core/channel.js';
import { RecordingChannel, startTestApp, testEnvironment, TestChat, type TestEnvironment } from '../helpers/test-app.js';

/** A channel whose downloads fail `failures` times (Telegram answering getFile with 502), then work. */
class FlakyDownloads extends RecordingChannel {
  tries = 0;
  constructor(private failures: number) {
    super();
  }
  override async download(ref: string): Promise<Buffer> {
    this.tries += 1;
    if (this.failures-- > 0) throw new ChannelSendError('telegram 502');
    return super.download(ref);
  }
}

let env: TestEnvironment | null = null;
let app: RunningApp | null = null;
afterEach(async () => {
  await app?.stop();
  await env?.cleanup();
  app = null;
  env = null;
});

/** Starts the app on a flaky channel and answers the request up to the ID photo. */
async function atTheIdPhoto(failures: number): Promise<{ chat: TestChat; channel: FlakyDownloads }> {
  const channel = new FlakyDownloads(failures);
  env = { ...testEnvironment(), channel };
  app = await startTestApp(env);
  const chat = new TestChat(() => app!, channel, 'photo');
  await reachIdPhoto(chat);
  return { chat, channel };
}

/** Types the request up to the question asking for the ID photo. */
async function reachIdPhoto(chat: TestChat): Promise<void> {
  await chat.say('English', 'Main menu');
  for (const [text, next] of [
    ['1', 'Do you agree'],
    ['yes', 'yourself'],
    ['1', 'full name'],
    ['Fatimah Ali', 'national ID'],
    ['2100000005', 'mobile'],
    ['0559876543', 'city'],
    ['Jeddah', 'district'],
    ['Alsafa', 'marital status'],
    ['widowed', 'family members'],
    ['1', 'income'],
    ['0', 'housing'],
    ['owned', 'support'],
    ['food', 'describe'],
    ['We need a monthly food basket please', 'photo'],
  ] as const) {
    await chat.say(text, next);
  }
}

async function sendPhoto(chat: TestChat, channel: RecordingChannel, expected: string): Promise<string> {
  const bytes = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#888888' } })
    .jpeg()
    .toBuffer();
  channel.files.set('id-photo', bytes);
  return chat.send(chat.message({ media: { ref: 'id-photo', mime: 'image/jpeg', size: bytes.length } }), expected);
}

describe('a document download meeting a platform hiccup', () => {
  it('is tried again and the file kept', { timeout: 30_000 }, async () => {
    const { chat, channel } = await atTheIdPhoto(2);
    const reply = await sendPhoto(chat, channel, 'File received');
    expect(reply).not.toContain('could not receive');
    expect(channel.tries).toBe(3);
    expect(await app!.repositories.inbox.countSetAside()).toBe(0);
  });

  it('asks the person to send it again only on the last try', { timeout: 30_000 }, async () => {
    const { chat, channel } = await atTheIdPhoto(100);
    const reply = await sendPhoto(chat, channel, 'could not receive the file');
    expect(reply).not.toContain('File received');
    // INBOUND_MAX_ATTEMPTS is 3 in tests: two retries, then the polite refusal; never set aside.
    expect(channel.tries).toBe(3);
    expect(await app!.repositories.inbox.countSetAside()).toBe(0);
  });
});

describe('a document download whose connection keeps dropping', () => {
  it('is tried a few times, then the person is asked to resend (never retried for ever)', { timeout: 30_000 }, async () => {
    const channel = new FlakyDownloads(0);
    channel.download = async () => {
      channel.tries += 1;
      throw Object.assign(new Error('request to https://api.telegram.org/file failed, reason: socket hang up'), { name: 'FetchError', code: 'ECONNRESET' });
    };
    env = { ...testEnvironment(), channel };
    app = await startTestApp(env);
    const chat = new TestChat(() => app!, channel, 'drops');
    await reachIdPhoto(chat);
    const reply = await sendPhoto(chat, channel, 'could not receive the file');
    expect(channel.tries).toBe(3);
    expect(reply).not.toContain('File received');
  });
});
