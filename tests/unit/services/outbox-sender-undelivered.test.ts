/**
 * OutboxSender with a message the platform refuses for good: recorded through
 * `onUndelivered`, passed over (marked sent), and the rest of the chat goes on.
 * The repository and the locks are small in-memory fakes of the two methods the sender uses.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ChannelSendError, type ChannelAdapter } from '../../../src/core/channel.js';
import type { OutboundMessage } from '../../../src/core/channel.js';
import type { ConversationRepository } from '../../../src/models/conversation-repository.js';
import type { ChatLocks } from '../../../src/services/chat-lock.js';
import { OutboxSender } from '../../../src/services/outbox-sender.js';

const CHAT_KEY = 'chat-key-1';
const ADDRESS = '966512345678@c.us';

/** One conversation's outbox and sent mark, with the repository's `loadOutbox` and `markSent`. */
class FakeConversations {
  sentSeq = 0;
  readonly marks: number[] = [];
  constructor(readonly outbox: { seq: number; message: OutboundMessage }[]) {}

  async loadOutbox(chatKey: string) {
    if (chatKey !== CHAT_KEY) return null;
    return {
      chatKey,
      channel: 'whatsapp',
      address: ADDRESS,
      outbox: this.outbox.filter((item) => item.seq > this.sentSeq).map((item) => ({ ...item, sealed: `sealed-${item.seq}` })),
    };
  }

  async markSent(chatKey: string, seq: number): Promise<void> {
    expect(chatKey).toBe(CHAT_KEY);
    this.marks.push(seq);
    this.sentSeq = Math.max(this.sentSeq, seq);
  }
}

/** Runs the work at once, recording which locks were taken. */
class FakeLocks {
  readonly taken: string[] = [];
  async exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.taken.push(name);
    return work();
  }
}

/** A channel that records sends and fails the ones it is told to. */
class ScriptedChannel implements Pick<ChannelAdapter, 'send'> {
  readonly attempts: string[] = [];
  readonly sent: string[] = [];
  readonly failures = new Map<string, Error>();
  async send(chatId: string, message: OutboundMessage): Promise<void> {
    expect(chatId).toBe(ADDRESS);
    this.attempts.push(message.text);
    const failure = this.failures.get(message.text);
    if (failure) throw failure;
    this.sent.push(message.text);
  }
}

function setup() {
  const conversations = new FakeConversations([
    { seq: 1, message: { text: 'الأولى' } },
    { seq: 2, message: { text: 'الثانية' } },
    { seq: 3, message: { text: 'الثالثة' } },
  ]);
  const locks = new FakeLocks();
  const channel = new ScriptedChannel();
  const undelivered: { chatKey: string; channel: string; seq: number; reason: string }[] = [];
  const sentChannels: string[] = [];
  const sender = new OutboxSender({
    conversations: conversations as unknown as ConversationRepository,
    channels: new Map([['whatsapp', channel]]),
    locks: locks as unknown as ChatLocks,
    logger: pino({ level: 'silent' }),
    onSent: (name) => sentChannels.push(name),
    onUndelivered: async (entry) => {
      undelivered.push(entry);
    },
  });
  return { conversations, locks, channel, undelivered, sentChannels, sender };
}

describe('OutboxSender with undeliverable messages', () => {
  it('records a message refused for good, passes over it and sends the rest in order', async () => {
    const { conversations, locks, channel, undelivered, sentChannels, sender } = setup();
    channel.failures.set('الأولى', new ChannelSendError('no lid for user', undefined, true));
    const sent = await sender.drain(CHAT_KEY);
    expect(sent).toBe(2);
    expect(undelivered).toEqual([{ chatKey: CHAT_KEY, channel: 'whatsapp', seq: 1, reason: 'no lid for user' }]);
    expect(channel.attempts).toEqual(['الأولى', 'الثانية', 'الثالثة']);
    expect(channel.sent).toEqual(['الثانية', 'الثالثة']);
    expect(conversations.marks).toEqual([1, 2, 3]);
    expect(conversations.sentSeq).toBe(3);
    expect(sentChannels).toEqual(['whatsapp', 'whatsapp']);
    expect(locks.taken).toEqual([`chat:${CHAT_KEY}`, `chat:${CHAT_KEY}`, `chat:${CHAT_KEY}`]);
  });

  it('cuts a long refusal reason to 200 characters', async () => {
    const { channel, undelivered, sender } = setup();
    channel.failures.set('الثانية', new ChannelSendError('x'.repeat(500), undefined, true));
    expect(await sender.drain(CHAT_KEY)).toBe(2);
    expect(undelivered).toHaveLength(1);
    expect(undelivered[0]?.seq).toBe(2);
    expect(undelivered[0]?.reason).toBe('x'.repeat(200));
  });

  it('throws on a retryable send error and marks nothing', async () => {
    const { conversations, channel, undelivered, sentChannels, sender } = setup();
    const error = new ChannelSendError('too many requests', 5_000);
    channel.failures.set('الأولى', error);
    await expect(sender.drain(CHAT_KEY)).rejects.toBe(error);
    expect(conversations.marks).toEqual([]);
    expect(conversations.sentSeq).toBe(0);
    expect(undelivered).toEqual([]);
    expect(sentChannels).toEqual([]);
    expect(channel.attempts).toEqual(['الأولى']);
  });

  it('throws on an error that is not a ChannelSendError, even from a later message, keeping the earlier marks', async () => {
    const { conversations, channel, undelivered, sender } = setup();
    channel.failures.set('الثانية', new Error('Evaluation failed: Error: Protocol error'));
    await expect(sender.drain(CHAT_KEY)).rejects.toThrow('Protocol error');
    expect(conversations.marks).toEqual([1]);
    expect(undelivered).toEqual([]);
    expect(channel.attempts).toEqual(['الأولى', 'الثانية']);
  });

  it('does not pass over a refused message when recording it fails', async () => {
    const { conversations, channel, sender } = setup();
    channel.failures.set('الأولى', new ChannelSendError('blocked by the user', undefined, true));
    const failing = new OutboxSender({
      conversations: conversations as unknown as ConversationRepository,
      channels: new Map([['whatsapp', channel]]),
      locks: new FakeLocks() as unknown as ChatLocks,
      logger: pino({ level: 'silent' }),
      onUndelivered: async () => {
        throw new Error('audit unavailable');
      },
    });
    await expect(failing.drain(CHAT_KEY)).rejects.toThrow('audit unavailable');
    expect(conversations.marks).toEqual([]);
    expect(channel.sent).toEqual([]);
    // The original sender, with a working record, passes over it on the retry.
    expect(await sender.drain(CHAT_KEY)).toBe(2);
    expect(conversations.marks).toEqual([1, 2, 3]);
  });
});
