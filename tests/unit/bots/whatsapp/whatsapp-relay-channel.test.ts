import { describe, expect, it } from 'vitest';
import { ChannelSendError } from '../../../../src/core/channel.js';
import { WhatsAppRelayChannel } from '../../../../src/bots/whatsapp/whatsapp-bot.js';
import { build, FakeWhatsAppClient, USER_WID } from '../../../helpers/fake-whatsapp.js';

const STRANGER = '966533333333@c.us';

function relay(): WhatsAppRelayChannel {
  return new WhatsAppRelayChannel({ minGapMs: 0, hasWritten: async (chatId) => chatId === USER_WID });
}

async function sendError(promise: Promise<unknown>): Promise<ChannelSendError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChannelSendError);
  return error as ChannelSendError;
}

describe('WhatsAppRelayChannel', () => {
  it('refuses for good to message a chat that never wrote, without touching the client', async () => {
    const channel = relay();
    const client = new FakeWhatsAppClient();
    channel.attach(client);
    client.emitReady();
    const error = await sendError(channel.send(STRANGER, { text: 'مرحبا' }));
    expect(error.permanent).toBe(true);
    expect(client.sendAttempts).toEqual([]);
  });

  it('asks to retry later while there is no client yet', async () => {
    const error = await sendError(relay().send(USER_WID, { text: 'مرحبا' }));
    expect(error.permanent).toBe(false);
    expect(error.retryAfterMs).toBeGreaterThan(0);
  });

  it('sends through the newest client once it is ready, never through the one it replaced', async () => {
    const channel = relay();
    const old = new FakeWhatsAppClient();
    channel.attach(old);
    old.emitReady();
    const fresh = new FakeWhatsAppClient();
    channel.attach(fresh);
    expect((await sendError(channel.send(USER_WID, { text: 'قبل الجاهزية' }))).permanent).toBe(false);
    fresh.emitReady();
    await channel.send(USER_WID, { text: 'بعد الجاهزية', options: [{ id: 'a', label: 'نعم' }] });
    expect(fresh.sent.map((m) => m.content)).toEqual(['بعد الجاهزية\n\n1. نعم']);
    expect(old.sent).toEqual([]);
    // The replaced client's events no longer move the channel.
    old.emitDisconnected();
    expect(channel.isReady).toBe(true);
  });

  it('downloads a remembered photo through the current client', async () => {
    const channel = relay();
    const client = new FakeWhatsAppClient();
    channel.attach(client);
    const photo = build.image();
    channel.remember(photo);
    const bytes = await channel.download(photo.id._serialized, 1_000_000);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(photo.downloadCalls).toBe(1);
  });
});
