/**
 * A Telegram `getUpdates` batch stored in the inbox with one write, on the real server:
 * a message already waiting (a redelivery) is told apart and does not stop the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mongoose';
import type { InboundMessage } from '../../src/core/channel.js';
import { InboxRepository } from '../../src/models/inbox-repository.js';
import { freshDatabase } from '../helpers/db.js';
import { freshKeys } from '../helpers/keys.js';

const keys = freshKeys();
let db: { connection: Connection; drop: () => Promise<void> };
let inbox: InboxRepository;

beforeAll(async () => {
  db = await freshDatabase();
  inbox = new InboxRepository(db.connection, keys);
  await inbox.init();
});
afterAll(async () => db.drop());

function message(chatId: string, seq: number, text: string): InboundMessage {
  return { channel: 'telegram', chatId, userId: chatId, messageId: String(seq), seq, receivedAt: new Date().toISOString(), text };
}

describe('InboxRepository.acceptMany', () => {
  it('stores a batch in one go, telling each message already waiting apart', async () => {
    const now = new Date();
    expect(await inbox.accept('a_2', 'a', message('a', 2, 'الثانية'), now)).toBe(true);
    const batch = [
      { id: 'a_1', chatKey: 'a', message: message('a', 1, 'الأولى') },
      { id: 'a_2', chatKey: 'a', message: message('a', 2, 'الثانية') },
      { id: 'b_3', chatKey: 'b', message: message('b', 3, 'hello') },
    ];
    expect(await inbox.acceptMany(batch, now)).toEqual([true, false, true]);
    // The same batch again (Telegram delivering it twice): nothing new, nothing stored twice.
    expect(await inbox.acceptMany(batch, now)).toEqual([false, false, false]);
    expect((await inbox.pending('a')).map((entry) => entry.message.text)).toEqual(['الأولى', 'الثانية']);
    expect((await inbox.pending('b')).map((entry) => entry.message.text)).toEqual(['hello']);
    expect(await db.connection.collection('inbox').countDocuments()).toBe(3);
  });
});
