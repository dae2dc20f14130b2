/**
 * The sender's mark of what was sent, on the real server: one conditional write when no reply
 * was written since the sender looked, and the read-then-write when one was (the pending flag
 * must stay up while a reply waits, for the sweeper re-arms chats by it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mongoose';
import { newSession } from '../../src/engine/session.js';
import { ConversationRepository, type StepCommit } from '../../src/models/conversation-repository.js';
import { freshDatabase } from '../helpers/db.js';
import { freshKeys } from '../helpers/keys.js';

const keys = freshKeys();
let db: { connection: Connection; drop: () => Promise<void> };
let conversations: ConversationRepository;

beforeAll(async () => {
  db = await freshDatabase();
  conversations = new ConversationRepository(db.connection, keys);
  await conversations.init();
});
afterAll(async () => db.drop());

/** Writes a step with `replies` texts to `chatKey`, as the processor does. */
async function step(chatKey: string, replies: string[]): Promise<void> {
  const current = await conversations.load(chatKey);
  const commit: StepCommit = {
    chatKey,
    channel: 'console',
    address: chatKey,
    expectedVersion: current?.version ?? 0,
    session: newSession(),
    handledMark: `m${Math.random()}`,
    replies: replies.map((text) => ({ text })),
    effects: [],
    draftOpen: false,
    now: new Date(),
  };
  expect(await conversations.commit(commit, current)).toBe(true);
}

async function marks(chatKey: string) {
  return db.connection.collection('conversations').findOne({ _id: chatKey as never }, { projection: { sentSeq: 1, outboxSeq: 1, outboxPending: 1 } });
}

describe('ConversationRepository.markSent', () => {
  it('marks with the outbox the sender saw, clearing the pending flag once all is sent', async () => {
    await step('c1', ['one', 'two']);
    const seen = (await conversations.load('c1'))!;
    await conversations.markSent('c1', 1, seen.outboxSeq);
    expect(await marks('c1')).toMatchObject({ sentSeq: 1, outboxSeq: 2, outboxPending: true });
    await conversations.markSent('c1', 2, seen.outboxSeq);
    expect(await marks('c1')).toMatchObject({ sentSeq: 2, outboxSeq: 2, outboxPending: false });
    expect((await conversations.load('c1'))!.outbox).toEqual([]);
  });

  it('keeps the pending flag up when a reply was written after the sender looked', async () => {
    await step('c2', ['one']);
    const seen = (await conversations.load('c2'))!;
    await step('c2', ['two']);
    await conversations.markSent('c2', 1, seen.outboxSeq);
    expect(await marks('c2')).toMatchObject({ sentSeq: 1, outboxSeq: 2, outboxPending: true });
    expect((await conversations.load('c2'))!.outbox.map((o) => o.message.text)).toEqual(['two']);
  });

  it('never moves the mark back (a late retry of a message sent before)', async () => {
    await step('c3', ['one', 'two']);
    const seen = (await conversations.load('c3'))!;
    await conversations.markSent('c3', 2, seen.outboxSeq);
    await conversations.markSent('c3', 1, seen.outboxSeq);
    await conversations.markSent('c3', 1);
    expect(await marks('c3')).toMatchObject({ sentSeq: 2, outboxPending: false });
  });
});

describe('ConversationRepository.loadOutbox', () => {
  it('reads what the sender needs, as load does, without the session', async () => {
    await step('c4', ['one', 'two']);
    await conversations.markSent('c4', 1);
    const full = (await conversations.load('c4'))!;
    const outbox = (await conversations.loadOutbox('c4'))!;
    expect(outbox).toEqual({ chatKey: 'c4', channel: 'console', address: 'c4', outbox: full.outbox, outboxSeq: 2, sentSeq: 1 });
    expect(outbox.outbox.map((o) => o.message.text)).toEqual(['two']);
    expect(await conversations.loadOutbox('never-wrote')).toBeNull();
  });
});
