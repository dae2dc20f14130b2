import { describe, expect, it } from 'vitest';
import { ChannelSendError } from '../../../../src/core/channel.js';
import { FileTooLargeError } from '../../../../src/bots/telegram/telegram-channel.js';
import { renderWhatsAppMessage, splitText, WhatsAppChannel, WHATSAPP_MAX_TEXT } from '../../../../src/bots/whatsapp/whatsapp-channel.js';
import { build, FakeWhatsAppClient, PDF_BYTES, PNG_BYTES, USER_LID, USER_WID } from '../../../helpers/fake-whatsapp.js';

function setup(minGapMs = 0) {
  const client = new FakeWhatsAppClient();
  const channel = new WhatsAppChannel(client, { minGapMs });
  return { client, channel };
}

describe('WhatsAppChannel.send', () => {
  it('sends a text to the chat once the client is ready', async () => {
    const { client, channel } = setup();
    client.emitReady();
    await channel.send(USER_WID, { text: 'أهلاً بك' });
    expect(client.sent.map(({ chatId, content }) => ({ chatId, content }))).toEqual([{ chatId: USER_WID, content: 'أهلاً بك' }]);
    expect(channel.channel).toBe('whatsapp');
  });

  it('renders options as numbered lines under the text', async () => {
    const { client, channel } = setup();
    client.emitReady();
    await channel.send(USER_WID, {
      text: 'كيف نساعدك؟',
      options: [
        { id: 'new', label: 'طلب مساعدة جديد' },
        { id: 'status', label: 'متابعة طلب' },
        { id: 'lang', label: 'English' },
      ],
    });
    expect(client.sent).toHaveLength(1);
    expect(client.sent[0]?.content).toBe('كيف نساعدك؟\n\n1. طلب مساعدة جديد\n2. متابعة طلب\n3. English');
  });

  it('splits texts over 4,000 characters, at line breaks, keeping the options at the end', async () => {
    const { client, channel } = setup();
    client.emitReady();
    const line = 'سطر من النص الطويل '.repeat(10).trim();
    const text = Array.from({ length: 60 }, (_, i) => `${i} ${line}`).join('\n');
    expect(text.length).toBeGreaterThan(WHATSAPP_MAX_TEXT * 2);
    await channel.send(USER_WID, { text, options: [{ id: 'ok', label: 'موافق' }] });
    expect(client.sent.length).toBeGreaterThanOrEqual(3);
    for (const { content } of client.sent) expect(content.length).toBeLessThanOrEqual(WHATSAPP_MAX_TEXT);
    expect(client.sent.at(-1)?.content.endsWith('\n\n1. موافق')).toBe(true);
    expect(
      client.sent
        .map((s) => s.content)
        .join('\n')
        .replace(/\n\n1\. موافق$/, ''),
    ).toBe(text);
  });

  it('splits a text without spaces without breaking a surrogate pair', () => {
    const text = 'a' + '😀'.repeat(WHATSAPP_MAX_TEXT);
    const parts = splitText(text, WHATSAPP_MAX_TEXT);
    expect(parts.join('')).toBe(text);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(WHATSAPP_MAX_TEXT);
      expect(part).not.toMatch(/[\uD800-\uDBFF]$/);
    }
  });

  it('sends options in a part of their own when they do not fit the last part', () => {
    const parts = renderWhatsAppMessage({ text: 'x'.repeat(WHATSAPP_MAX_TEXT - 5), options: [{ id: 'a', label: 'Yes' }] });
    expect(parts).toEqual(['x'.repeat(WHATSAPP_MAX_TEXT - 5), '1. Yes']);
  });

  it('waits the minimum gap between two messages to the same chat, not across chats', async () => {
    const { client, channel } = setup(120);
    client.emitReady();
    const started = Date.now();
    await Promise.all([channel.send(USER_WID, { text: 'one' }), channel.send(USER_WID, { text: 'two' }), channel.send(USER_LID, { text: 'other chat' })]);
    await channel.send(USER_WID, { text: 'three' });
    const toUser = client.sent.filter((s) => s.chatId === USER_WID);
    expect(toUser.map((s) => s.content)).toEqual(['one', 'two', 'three']);
    const [a, b, c] = toUser.map((s) => s.at) as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(115);
    expect(c - b).toBeGreaterThanOrEqual(115);
    const other = client.sent.find((s) => s.chatId === USER_LID);
    expect((other?.at ?? Infinity) - started).toBeLessThan(100);
  });

  it('spaces the parts of one long message too', async () => {
    const { client, channel } = setup(60);
    client.emitReady();
    await channel.send(USER_WID, { text: 'y'.repeat(WHATSAPP_MAX_TEXT + 10) });
    expect(client.sent).toHaveLength(2);
    expect((client.sent[1]?.at ?? 0) - (client.sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(55);
  });

  it('refuses to send before ready with a retryable ChannelSendError', async () => {
    const { client, channel } = setup();
    const error = await channel.send(USER_WID, { text: 'hello' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelSendError);
    expect((error as ChannelSendError).permanent).toBe(false);
    expect((error as ChannelSendError).retryAfterMs).toBeGreaterThan(0);
    expect(client.sendAttempts).toHaveLength(0);
  });

  it('tracks readiness from the client events', async () => {
    const { client, channel } = setup();
    expect(channel.isReady).toBe(false);
    client.emitQr();
    expect(channel.isReady).toBe(false);
    client.emitReady();
    expect(channel.isReady).toBe(true);
    client.emitState('TIMEOUT');
    expect(channel.isReady).toBe(false);
    await expect(channel.send(USER_WID, { text: 'x' })).rejects.toBeInstanceOf(ChannelSendError);
    client.emitState('CONNECTED');
    expect(channel.isReady).toBe(true);
    client.emitDisconnected('NAVIGATION');
    expect(channel.isReady).toBe(false);
    // A new session's CONNECTED before its ready does not count.
    client.emitState('CONNECTED');
    expect(channel.isReady).toBe(false);
    client.emitReady();
    await channel.send(USER_WID, { text: 'after reconnect' });
    expect(client.sent.map((s) => s.content)).toEqual(['after reconnect']);
    client.emitAuthFailure();
    expect(channel.isReady).toBe(false);
  });

  it('stops listening after detach', () => {
    const { client, channel } = setup();
    expect(client.listenerCount('ready')).toBe(1);
    channel.detach();
    for (const event of ['ready', 'disconnected', 'change_state', 'auth_failure'] as const) expect(client.listenerCount(event)).toBe(0);
    client.emitReady();
    expect(channel.isReady).toBe(false);
  });

  it('wraps a failed send in a retryable ChannelSendError, and the next send still goes', async () => {
    const { client, channel } = setup();
    client.emitReady();
    client.failSends(1);
    const error = await channel.send(USER_WID, { text: 'first' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelSendError);
    expect((error as ChannelSendError).permanent).toBe(false);
    expect((error as Error).message).toContain('Protocol error');
    await channel.send(USER_WID, { text: 'second' });
    expect(client.sent.map((s) => s.content)).toEqual(['second']);
  });
});

describe('WhatsAppChannel.download', () => {
  it('downloads a remembered photo', async () => {
    const { channel } = setup();
    const msg = build.image();
    channel.remember(msg);
    expect(await channel.download(msg.id._serialized, 1_000_000)).toEqual(PNG_BYTES);
    expect(msg.downloadCalls).toBe(1);
  });

  it('downloads a remembered PDF', async () => {
    const { channel } = setup();
    const msg = build.document();
    channel.remember(msg);
    expect(await channel.download(msg.id._serialized, 1_000_000)).toEqual(PDF_BYTES);
  });

  it('falls back to getMessageById for a message it does not remember', async () => {
    const { client, channel } = setup();
    const msg = build.document();
    client.emitMessage(msg);
    expect(await channel.download(msg.id._serialized, 1_000_000)).toEqual(PDF_BYTES);
  });

  it('refuses a file over maxBytes by its declared size', async () => {
    const { channel } = setup();
    const msg = build.document();
    channel.remember(msg);
    await expect(channel.download(msg.id._serialized, PDF_BYTES.length - 1)).rejects.toBeInstanceOf(FileTooLargeError);
  });

  it('refuses a file over maxBytes when no size is declared', async () => {
    const { channel } = setup();
    const bytes = Buffer.alloc(5000, 7);
    const msg = build.image({ bytes });
    msg.media = { mimetype: 'image/jpeg', data: bytes.toString('base64') };
    channel.remember(msg);
    await expect(channel.download(msg.id._serialized, 4999)).rejects.toBeInstanceOf(FileTooLargeError);
    expect(await channel.download(msg.id._serialized, 5000)).toEqual(bytes);
  });

  it('fails clearly when the message is unknown or its media is gone', async () => {
    const { channel } = setup();
    await expect(channel.download('false_x@c.us_NOPE', 1000)).rejects.toThrow(/not found/);
    const expired = build.image({ downloadable: false });
    channel.remember(expired);
    await expect(channel.download(expired.id._serialized, 1_000_000)).rejects.toThrow(/not available/);
  });

  it('keeps a bounded number of media messages', async () => {
    const client = new FakeWhatsAppClient();
    const channel = new WhatsAppChannel(client, { maxRemembered: 2 });
    const [a, b, c] = [build.image(), build.image(), build.image()];
    channel.remember(a);
    channel.remember(b);
    channel.remember(c);
    await expect(channel.download(a.id._serialized, 1_000_000)).rejects.toThrow(/not found/);
    expect(await channel.download(c.id._serialized, 1_000_000)).toEqual(PNG_BYTES);
  });
});

describe('WhatsAppChannel: a send is what it says', () => {
  it('sends with sendSeen off, then marks the chat read as a call of its own', async () => {
    const { client, channel } = setup();
    client.emitReady();
    await channel.send(USER_WID, { text: 'وصلنا طلبك' });
    expect(client.sent[0]?.options).toEqual({ sendSeen: false });
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.seen).toEqual([USER_WID]);
  });

  it('a failure to mark read never fails the send, and is reported', async () => {
    const client = new FakeWhatsAppClient();
    const errors: unknown[] = [];
    const channel = new WhatsAppChannel(client, { minGapMs: 0, onSeenError: (error) => errors.push(error) });
    client.emitReady();
    client.failSeen();
    await channel.send(USER_WID, { text: 'وصلنا طلبك' });
    expect(client.sent).toHaveLength(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toHaveLength(1);
  });

  it('a chat the page cannot resolve is not sent: retried later, refused for good after three in a row, never recorded as sent', async () => {
    const { client, channel } = setup();
    client.emitReady();
    client.loseChats(USER_WID);
    for (const expected of [false, false, true]) {
      const error = await channel.send(USER_WID, { text: 'رسالة' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelSendError);
      expect((error as ChannelSendError).permanent).toBe(expected);
      if (!expected) expect((error as ChannelSendError).retryAfterMs).toBe(30_000);
    }
    expect(client.sent).toHaveLength(0);
    expect(client.seen).toHaveLength(0);
  });

  it('a chat resolved again starts its count afresh', async () => {
    const client = new FakeWhatsAppClient();
    const channel = new WhatsAppChannel(client, { minGapMs: 0 });
    client.emitReady();
    client.loseChats(USER_WID);
    await expect(channel.send(USER_WID, { text: '1' })).rejects.toMatchObject({ permanent: false });
    await expect(channel.send(USER_WID, { text: '2' })).rejects.toMatchObject({ permanent: false });
    client.findChats(USER_WID);
    await channel.send(USER_WID, { text: '3' });
    client.loseChats(USER_WID);
    await expect(channel.send(USER_WID, { text: '4' })).rejects.toMatchObject({ permanent: false });
    expect(client.sent.map((m) => m.content)).toEqual(['3']);
  });

  it('a send the page call throws on is a retryable failure, not a send', async () => {
    const { client, channel } = setup();
    client.emitReady();
    client.failSends(1);
    await expect(channel.send(USER_WID, { text: 'رسالة' })).rejects.toMatchObject({ name: 'ChannelSendError', permanent: false });
    expect(client.sent).toHaveLength(0);
  });
});
