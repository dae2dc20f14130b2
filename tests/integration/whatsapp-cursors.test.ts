/**
 * WhatsAppCursors against the real MongoDB-compatible server (FerretDB locally): per-chat
 * cursors advanced with max semantics, and the first-linked time of a session.
 */
import type { Connection } from 'mongoose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WhatsAppCursors } from '../../src/models/whatsapp-cursors.js';
import { freshDatabase } from '../helpers/db.js';

const SESSION = 'RemoteAuth-intake';

let connection: Connection;
let drop: () => Promise<void>;
let cursors: WhatsAppCursors;

beforeEach(async () => {
  const db = await freshDatabase();
  connection = db.connection;
  drop = db.drop;
  cursors = new WhatsAppCursors(connection);
});

afterEach(async () => {
  await drop();
});

/** The stored cursor document of a chat, as it is in the database. */
async function stored(chatKey: string) {
  return connection.db!.collection('whatsapp_chat_cursors').findOne({ _id: chatKey as never });
}

describe('WhatsAppCursors', () => {
  it('creates the cursor of a new chat on its first received message', async () => {
    const at = new Date('2026-01-01T10:00:00.000Z');
    await cursors.received('chat-a', 1_767_261_600_123, at);
    expect(await cursors.lastSeqs(['chat-a'])).toEqual(new Map([['chat-a', 1_767_261_600_123]]));
    expect(await stored('chat-a')).toEqual({ _id: 'chat-a', lastSeq: 1_767_261_600_123, updatedAt: at });
  });

  it('advances the cursor and never moves it back', async () => {
    await cursors.received('chat-a', 1000);
    await cursors.received('chat-a', 5000);
    expect((await cursors.lastSeqs(['chat-a'])).get('chat-a')).toBe(5000);
    await cursors.received('chat-a', 3000);
    expect((await cursors.lastSeqs(['chat-a'])).get('chat-a')).toBe(5000);
    await cursors.received('chat-a', 5000);
    expect((await cursors.lastSeqs(['chat-a'])).get('chat-a')).toBe(5000);
    await cursors.received('chat-a', 7000);
    expect((await cursors.lastSeqs(['chat-a'])).get('chat-a')).toBe(7000);
    expect(await connection.db!.collection('whatsapp_chat_cursors').countDocuments()).toBe(1);
  });

  it('gives the cursors of several chats, leaving out the unknown ones', async () => {
    await cursors.received('chat-a', 100);
    await cursors.received('chat-b', 200);
    await cursors.received('chat-c', 300);
    const seqs = await cursors.lastSeqs(['chat-a', 'unknown-1', 'chat-c', 'unknown-2']);
    expect(seqs).toEqual(
      new Map([
        ['chat-a', 100],
        ['chat-c', 300],
      ]),
    );
    expect(await cursors.lastSeqs([])).toEqual(new Map());
  });

  it('finds cursors beyond the first 500 keys asked for', async () => {
    await cursors.received('chat-last', 42);
    const keys = [...Array.from({ length: 600 }, (_, i) => `unknown-${i}`), 'chat-last'];
    expect(await cursors.lastSeqs(keys)).toEqual(new Map([['chat-last', 42]]));
  });

  it('says whether a chat ever wrote', async () => {
    expect(await cursors.hasWritten('chat-a')).toBe(false);
    await cursors.received('chat-a', 100);
    expect(await cursors.hasWritten('chat-a')).toBe(true);
    expect(await cursors.hasWritten('chat-b')).toBe(false);
  });

  it('returns the first link time on every later link, and records the last one', async () => {
    const first = new Date('2026-01-01T10:00:00.000Z');
    const second = new Date('2026-01-02T11:00:00.000Z');
    const third = new Date('2026-02-03T12:00:00.000Z');
    expect(await cursors.linked(SESSION, first)).toEqual(first);
    expect(await cursors.linked(SESSION, second)).toEqual(first);
    expect(await cursors.linked(SESSION, third)).toEqual(first);
    const doc = await connection.db!.collection('whatsapp_links').findOne({ _id: SESSION as never });
    expect(doc).toEqual({ _id: SESSION, firstLinkedAt: first, lastLinkedAt: third });
    // Another session has its own first time.
    expect(await cursors.linked('RemoteAuth-other', third)).toEqual(third);
  });

  it('survives 20 concurrent first messages of one chat and leaves a cursor', async () => {
    const seqs = Array.from({ length: 20 }, (_, i) => 10_000 + i * 10);
    const results = await Promise.allSettled(seqs.map((seq) => cursors.received('chat-new', seq)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await connection.db!.collection('whatsapp_chat_cursors').countDocuments({ _id: 'chat-new' as never })).toBe(1);
    const last = (await cursors.lastSeqs(['chat-new'])).get('chat-new');
    // FerretDB may keep a smaller value when writes race (see the class comment), never a foreign one.
    expect(seqs).toContain(last);
    expect(await cursors.hasWritten('chat-new')).toBe(true);
    // A later message still moves it to the maximum.
    await cursors.received('chat-new', 20_000);
    expect((await cursors.lastSeqs(['chat-new'])).get('chat-new')).toBe(20_000);
  });
});
