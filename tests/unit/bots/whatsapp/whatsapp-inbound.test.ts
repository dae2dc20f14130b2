import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { InboundMessage } from '../../../../src/core/channel.js';
import { normalizeMessage } from '../../../../src/bots/whatsapp/normalize-message.js';
import type { WhatsAppChat, WhatsAppMessage } from '../../../../src/bots/whatsapp/whatsapp-client.js';
import { WhatsAppInbound, type WhatsAppInboundDeps } from '../../../../src/bots/whatsapp/whatsapp-inbound.js';
import { build, FakeWhatsAppClient, GROUP_WID, markEdited, T0, USER_LID, USER_WID } from '../../../helpers/fake-whatsapp.js';

const OTHER_WID = '966598765432@c.us';
const CHANNEL_WID = '120363099999999999@newsletter';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise and the function that settles it. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** The service's seq of a beneficiary's message. */
function seqOf(message: WhatsAppMessage): number {
  const normalized = normalizeMessage(message);
  if (normalized.kind !== 'beneficiary') throw new Error('not a beneficiary message');
  return normalized.message.seq;
}

/** A floor just above every seq of second `t` (tiebreaks are 0-999): messages of `t` are below it, of `t + 1` above. */
const afterSecond = (t: number) => t * 1000 + 999;

interface HarnessOptions {
  floors?: WhatsAppInboundDeps['floors'];
  /** Runs before a message is stored; throw to fail it. */
  beforeIngest?: (message: InboundMessage) => Promise<void>;
  maxPerChat?: number;
  budgetMs?: number;
  onCatchUp?: WhatsAppInboundDeps['onCatchUp'];
  canonical?: WhatsAppInboundDeps['canonical'];
}

function harness(options: HarnessOptions = {}) {
  const ingested: InboundMessage[] = [];
  const received: { chatId: string; seq: number }[] = [];
  const remembered: WhatsAppMessage[] = [];
  const outcomes: string[] = [];
  const floorRequests: string[][] = [];
  let logs = '';
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      logs += chunk.toString();
      callback();
    },
  });
  const inbound = new WhatsAppInbound({
    ingest: async (message) => {
      await options.beforeIngest?.(message);
      ingested.push(message);
      return true;
    },
    remember: (message) => {
      remembered.push(message);
    },
    received: async (chatId, seq) => {
      received.push({ chatId, seq });
    },
    floors: async (chatIds) => {
      floorRequests.push([...chatIds]);
      return options.floors ? options.floors(chatIds) : new Map();
    },
    logger: pino({ level: 'info' }, destination),
    onOutcome: (outcome) => outcomes.push(outcome),
    ...(options.maxPerChat === undefined ? {} : { maxPerChat: options.maxPerChat }),
    ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
    ...(options.onCatchUp === undefined ? {} : { onCatchUp: options.onCatchUp }),
    ...(options.canonical === undefined ? {} : { canonical: options.canonical }),
  });
  return { inbound, ingested, received, remembered, outcomes, floorRequests, logs: () => logs };
}

/** The same floor for every chat asked about. */
const floorForAll = (floor: number) => async (chatIds: readonly string[]) => new Map(chatIds.map((id) => [id, floor]));

/**
 * Wraps the fake's chats so each `fetchMessages` is recorded (and may be replaced for one chat).
 */
function watchFetches(client: FakeWhatsAppClient, override: Record<string, WhatsAppChat['fetchMessages']> = {}) {
  const fetches: { chatId: string; limit: number | undefined }[] = [];
  const original = client.getChats.bind(client);
  const getChats = vi.spyOn(client, 'getChats').mockImplementation(async () =>
    (await original()).map((chat) => ({
      ...chat,
      fetchMessages: async (options: { limit?: number }) => {
        fetches.push({ chatId: chat.id._serialized, limit: options.limit });
        const replaced = override[chat.id._serialized];
        return replaced ? replaced(options) : chat.fetchMessages(options);
      },
    })),
  );
  return { fetches, getChats };
}

describe('WhatsAppInbound.live', () => {
  it('ingests live messages in the order given even when an earlier one is slower to store', async () => {
    const first = build.text('الأول', { t: T0 });
    const second = build.text('الثاني', { t: T0 + 1 });
    const third = build.text('الثالث', { t: T0 + 2 });
    const started: string[] = [];
    const { inbound, ingested, received } = harness({
      beforeIngest: async (message) => {
        started.push(message.messageId);
        if (message.messageId === first.id._serialized) await wait(40);
      },
    });
    inbound.live(first);
    inbound.live(second);
    inbound.live(third);
    await wait(10);
    // The second has not even started while the first is still being stored.
    expect(started).toEqual([first.id._serialized]);
    await inbound.settled();
    expect(ingested.map((m) => m.text)).toEqual(['الأول', 'الثاني', 'الثالث']);
    expect(received).toEqual([first, second, third].map((m) => ({ chatId: USER_WID, seq: seqOf(m) })));
  });

  it('does not ingest group messages, the account’s own messages or statuses', async () => {
    const { inbound, ingested, received, outcomes } = harness();
    inbound.live(build.group('مرحبا بالجميع'));
    inbound.live(build.own('تم استلام طلبك'));
    inbound.live(build.status('صباح الخير'));
    inbound.live(build.text('أريد المساعدة'));
    await inbound.settled();
    expect(ingested.map((m) => m.text)).toEqual(['أريد المساعدة']);
    expect(received).toHaveLength(1);
    expect(outcomes).toEqual(['ignored', 'ignored', 'ignored', 'received']);
  });

  it('queues the notice for an edit in order with live messages, without moving the chat’s cursor', async () => {
    const { inbound, ingested, received } = harness();
    const name = build.text('محمد عبدالله القحطاني', { t: T0 });
    inbound.live(name);
    inbound.edited(markEdited(build.text('سارة علي', { t: T0, key: name.id.id })), new Date(T0 * 1000 + 30_000));
    inbound.edited(markEdited(build.group('تعديل في مجموعة')));
    inbound.live(build.text('1000000008', { t: T0 + 40 }));
    await inbound.settled();
    expect(ingested.map((m) => m.notice?.key ?? m.text)).toEqual(['محمد عبدالله القحطاني', 'edited.notApplied', '1000000008']);
    expect(received.map((r) => r.seq)).toEqual([ingested[0]!.seq, ingested[2]!.seq]);
  });

  it('takes a message decrypted late once, with no edit notice, whichever of its two events comes first', async () => {
    const { inbound, ingested, received } = harness();
    const client = new FakeWhatsAppClient();
    client.on('message', (message) => inbound.live(message));
    client.on('message_edit', (message) => inbound.edited(message));
    const late = build.text('رسالة فُكّ تشفيرها متأخرة', { t: T0 });
    await client.emitLateDecryption(late);
    await inbound.settled();
    expect(ingested.map((m) => m.notice?.key ?? m.text)).toEqual(['رسالة فُكّ تشفيرها متأخرة', 'رسالة فُكّ تشفيرها متأخرة']);
    expect(new Set(ingested.map((m) => m.messageId)).size).toBe(1);
    expect(received).toHaveLength(2);
  });

  it('passes media messages to remember, and only those', async () => {
    const photo = build.image({ caption: 'الهوية' });
    const document = build.document();
    const text = build.text('نص فقط');
    const { inbound, ingested, remembered } = harness();
    inbound.live(photo);
    inbound.live(text);
    inbound.live(document);
    await inbound.settled();
    expect(remembered).toHaveLength(2);
    expect(remembered[0]).toBe(photo);
    expect(remembered[1]).toBe(document);
    expect(ingested.map((m) => m.media?.ref)).toEqual([photo.id._serialized, undefined, document.id._serialized]);
  });

  it('does not move the cursor of a message it could not store, and goes on with the next', async () => {
    const failing = build.text('يفشل', { t: T0 });
    const next = build.text('ينجح', { t: T0 + 1 });
    const { inbound, ingested, received, outcomes, logs } = harness({
      beforeIngest: async (message) => {
        if (message.messageId === failing.id._serialized) throw new Error('MongoNetworkError: connection closed');
      },
    });
    inbound.live(failing);
    inbound.live(next);
    const elsewhere = build.text('من محادثة أخرى', { chat: OTHER_WID, t: T0 + 2 });
    inbound.live(elsewhere);
    await inbound.settled();
    expect(ingested.map((m) => m.messageId).sort()).toEqual([next.id._serialized, elsewhere.id._serialized].sort());
    // The next message is stored, but the chat's cursor waits: moved past the failed one, the next catch-up would skip it.
    expect(received).toEqual([{ chatId: OTHER_WID, seq: seqOf(elsewhere) }]);
    expect(outcomes.sort()).toEqual(['failed', 'received', 'received']);
    expect(logs()).toContain('could not store a WhatsApp message');
  });

  it('moves no cursor while a round is still finding which chats are behind', async () => {
    const client = new FakeWhatsAppClient();
    client.addToHistory(build.text('فائتة', { t: T0 + 20 }));
    const listing = gate();
    const original = client.getChats.bind(client);
    vi.spyOn(client, 'getChats').mockImplementation(async () => {
      await listing.promise;
      return original();
    });
    const { inbound, ingested, received } = harness({ floors: floorForAll(afterSecond(T0)) });
    const running = inbound.catchUp(client);
    // Live while the round lists the chats: stored at once, but no cursor moves past what may be missed.
    inbound.live(build.text('حية', { t: T0 + 30 }));
    await wait(20);
    expect(ingested.map((m) => m.text)).toEqual(['حية']);
    expect(received).toEqual([]);
    listing.open();
    await running;
    await inbound.settled();
    expect(ingested.map((m) => m.text)).toEqual(['حية', 'فائتة']);
  });

  it('keeps the cursor of a person while another of their chats is behind', async () => {
    const client = new FakeWhatsAppClient();
    client.addToHistory(build.text('فائتة عبر المعرف', { chat: USER_LID, t: T0 + 20 }));
    watchFetches(client, {
      [USER_LID]: async () => {
        throw new Error('Evaluation failed: Protocol error');
      },
    });
    // The same person under both ids (their conversation is kept under the number).
    const { inbound, received } = harness({
      floors: floorForAll(afterSecond(T0)),
      canonical: { canonical: async () => USER_WID, preload: async () => undefined },
    });
    await inbound.catchUp(client);
    inbound.live(build.text('عبر الرقم', { chat: USER_WID, t: T0 + 40 }));
    await inbound.settled();
    expect(received).toEqual([]);
  });
});

describe('WhatsAppInbound.catchUp', () => {
  it('reads back only private chats, asking floors only for them', async () => {
    const client = new FakeWhatsAppClient();
    client.addToHistory(build.text('في مجموعة', { chat: GROUP_WID, author: USER_WID, t: T0 + 20 }));
    client.addToHistory(build.status('حالة', { t: T0 + 20 }));
    client.addToHistory(build.text('قناة', { chat: CHANNEL_WID, t: T0 + 20 }));
    client.addToHistory(build.text('رقم', { chat: USER_WID, t: T0 + 20 }));
    client.addToHistory(build.text('معرف مرتبط', { chat: USER_LID, t: T0 + 20 }));
    const { fetches } = watchFetches(client);
    const { inbound, ingested, floorRequests } = harness({ floors: floorForAll(afterSecond(T0)) });
    const report = await inbound.catchUp(client);
    expect(floorRequests).toEqual([[USER_WID, USER_LID]]);
    expect(fetches.map((f) => f.chatId)).toEqual([USER_WID, USER_LID]);
    expect(ingested.map((m) => m.text)).toEqual(['رقم', 'معرف مرتبط']);
    expect(report).toMatchObject({ chatsLeft: 0, chatsRead: 2, messagesReceived: 2, chatsFailed: 0 });
  });

  it('reads only messages with a seq above the floor, oldest first, without the account’s own', async () => {
    const client = new FakeWhatsAppClient();
    const old = build.text('قديم', { t: T0 + 5 });
    const atFloor = build.text('عند الحد', { t: T0 + 10 });
    const own = build.own('رد الجمعية', { t: T0 + 11 });
    const newer = [build.text('أ', { t: T0 + 12 }), build.text('ب', { t: T0 + 12 }), build.text('ج', { t: T0 + 12 }), build.text('د', { t: T0 + 13 })];
    for (const message of [old, atFloor, own, ...newer]) client.addToHistory(message);
    // Returned newest first, so the order must come from the seq, not from the page.
    watchFetches(client, { [USER_WID]: async () => [...(client.history.get(USER_WID) ?? [])].reverse() });
    const { inbound, ingested, received } = harness({ floors: floorForAll(seqOf(atFloor)) });
    const report = await inbound.catchUp(client);
    const expected = [...newer].sort((a, b) => seqOf(a) - seqOf(b));
    expect(ingested.map((m) => m.messageId)).toEqual(expected.map((m) => m.id._serialized));
    expect(ingested.map((m) => m.seq)).toEqual([...ingested.map((m) => m.seq)].sort((a, b) => a - b));
    expect(received.map((r) => r.seq)).toEqual(expected.map(seqOf));
    expect(report).toMatchObject({ chatsLeft: 0, chatsRead: 1, messagesReceived: 4, chatsFailed: 0 });
  });

  it('skips a chat whose last activity is below its floor, and a chat without a floor', async () => {
    const client = new FakeWhatsAppClient();
    client.addToHistory(build.text('قديم', { chat: USER_WID, t: T0 + 5 }));
    client.addToHistory(build.text('بلا حد', { chat: OTHER_WID, t: T0 + 50 }));
    client.addToHistory(build.text('جديد', { chat: USER_LID, t: T0 + 50 }));
    const { fetches } = watchFetches(client);
    const { inbound, ingested } = harness({
      floors: async () =>
        new Map([
          [USER_WID, afterSecond(T0 + 10)],
          [USER_LID, afterSecond(T0 + 10)],
        ]),
    });
    const report = await inbound.catchUp(client);
    expect(fetches.map((f) => f.chatId)).toEqual([USER_LID]);
    expect(ingested.map((m) => m.text)).toEqual(['جديد']);
    expect(report).toMatchObject({ chatsLeft: 0, chatsRead: 1, messagesReceived: 1, chatsFailed: 0 });
  });

  it('reads nothing when no chat has a floor', async () => {
    const client = new FakeWhatsAppClient();
    client.addToHistory(build.text('رسالة', { chat: USER_WID, t: T0 + 50 }));
    const { fetches } = watchFetches(client);
    const { inbound, ingested } = harness({ floors: async () => new Map() });
    expect(await inbound.catchUp(client)).toMatchObject({ chatsLeft: 0, chatsRead: 0, messagesReceived: 0, chatsFailed: 0 });
    expect(fetches).toEqual([]);
    expect(ingested).toEqual([]);
  });

  it('fetches 20 messages when fewer were missed', async () => {
    const client = new FakeWhatsAppClient();
    for (let i = 1; i <= 30; i++) client.addToHistory(build.text(`m${i}`, { t: T0 + i }));
    const { fetches } = watchFetches(client);
    const { inbound, ingested } = harness({ floors: floorForAll(afterSecond(T0 + 25)) });
    await inbound.catchUp(client);
    expect(fetches.map((f) => f.limit)).toEqual([20]);
    expect(ingested.map((m) => m.text)).toEqual(['m26', 'm27', 'm28', 'm29', 'm30']);
  });

  it('reads further back with a growing limit until it passes the floor', async () => {
    const client = new FakeWhatsAppClient();
    for (let i = 1; i <= 100; i++) client.addToHistory(build.text(`m${i}`, { t: T0 + i }));
    const { fetches } = watchFetches(client);
    const { inbound, ingested } = harness({ floors: floorForAll(afterSecond(T0 + 70)) });
    const report = await inbound.catchUp(client);
    expect(fetches.map((f) => f.limit)).toEqual([20, 80]);
    expect(ingested.map((m) => m.text)).toEqual(Array.from({ length: 30 }, (_, i) => `m${i + 71}`));
    expect(report.messagesReceived).toBe(30);
  });

  it('reads the whole history when it is shorter than the limit it asked for', async () => {
    const client = new FakeWhatsAppClient();
    for (let i = 1; i <= 100; i++) client.addToHistory(build.text(`m${i}`, { t: T0 + i }));
    const { fetches } = watchFetches(client);
    const { inbound, ingested } = harness({ floors: floorForAll(afterSecond(T0)) });
    await inbound.catchUp(client);
    expect(fetches.map((f) => f.limit)).toEqual([20, 80, 320]);
    expect(ingested).toHaveLength(100);
    expect(ingested[0]?.text).toBe('m1');
    expect(ingested.at(-1)?.text).toBe('m100');
  });

  it('reads at most maxPerChat messages of one chat, the newest ones', async () => {
    const client = new FakeWhatsAppClient();
    for (let i = 1; i <= 100; i++) client.addToHistory(build.text(`m${i}`, { t: T0 + i }));
    const { fetches } = watchFetches(client);
    const { inbound, ingested } = harness({ floors: floorForAll(afterSecond(T0)), maxPerChat: 50 });
    await inbound.catchUp(client);
    expect(fetches.map((f) => f.limit)).toEqual([20, 50]);
    expect(ingested).toHaveLength(50);
    expect(ingested[0]?.text).toBe('m51');
    expect(ingested.at(-1)?.text).toBe('m100');
  });

  it('counts a chat it could not read as failed and still reads the others', async () => {
    const client = new FakeWhatsAppClient();
    client.addToHistory(build.text('لا يقرأ', { chat: USER_WID, t: T0 + 20 }));
    client.addToHistory(build.text('يقرأ', { chat: USER_LID, t: T0 + 20 }));
    client.addToHistory(build.text('يقرأ أيضا', { chat: OTHER_WID, t: T0 + 20 }));
    const { fetches } = watchFetches(client, {
      [USER_WID]: async () => {
        throw new Error('Evaluation failed: TypeError: Cannot read properties of undefined');
      },
    });
    const { inbound, ingested, logs } = harness({ floors: floorForAll(afterSecond(T0)) });
    const report = await inbound.catchUp(client);
    expect(report).toMatchObject({ chatsLeft: 0, chatsRead: 2, messagesReceived: 2, chatsFailed: 1 });
    expect(fetches.map((f) => f.chatId)).toEqual([USER_WID, USER_LID, OTHER_WID]);
    expect(ingested.map((m) => m.text)).toEqual(['يقرأ', 'يقرأ أيضا']);
    expect(logs()).toContain('could not read back a WhatsApp chat');
  });

  it('ingests a live message of a chat that is behind after what the chat missed, and never holds up another chat', async () => {
    const client = new FakeWhatsAppClient();
    client.addToHistory(build.text('فائتة 1', { t: T0 + 20 }));
    client.addToHistory(build.text('فائتة 2', { t: T0 + 21 }));
    client.addToHistory(build.text('فائتة أخرى', { chat: OTHER_WID, t: T0 + 22 }));
    const slow = gate();
    // The first chat's page call hangs until the gate opens.
    watchFetches(client, {
      [USER_WID]: async (options) => {
        await slow.promise;
        return (client.history.get(USER_WID) ?? []).slice(-(options.limit ?? 20));
      },
    });
    const { inbound, ingested, received } = harness({ floors: floorForAll(afterSecond(T0)) });
    const running = inbound.catchUp(client);
    await wait(20);
    const behindLive = build.text('حية', { t: T0 + 30 });
    inbound.live(behindLive);
    inbound.live(build.text('من شخص آخر', { chat: '966500000777@c.us', t: T0 + 31 }));
    await wait(20);
    // The other person's message is in while the slow chat is still being read; the slow chat's own waits.
    expect(ingested.map((m) => m.text)).toEqual(['من شخص آخر']);
    slow.open();
    await running;
    await inbound.settled();
    expect(ingested.map((m) => m.text)).toEqual(['من شخص آخر', 'فائتة 1', 'فائتة 2', 'حية', 'فائتة أخرى']);
    expect(received.at(-2)).toEqual({ chatId: USER_WID, seq: seqOf(behindLive) });
  });

  it('waits for live messages of a chat given before it, then reads the chat back', async () => {
    const client = new FakeWhatsAppClient();
    client.addToHistory(build.text('فائتة', { t: T0 + 20 }));
    const { fetches } = watchFetches(client);
    const { inbound, ingested } = harness({
      floors: floorForAll(afterSecond(T0)),
      beforeIngest: async (message) => {
        if (message.text === 'حية') await wait(30);
      },
    });
    inbound.live(build.text('حية', { t: T0 + 30 }));
    const running = inbound.catchUp(client);
    await wait(10);
    expect(fetches).toEqual([]);
    await running;
    expect(ingested.map((m) => m.text)).toEqual(['حية', 'فائتة']);
  });

  it('stops starting reads when the round’s budget is spent; a chat left behind is read before its next live message, and its cursor waits', async () => {
    const client = new FakeWhatsAppClient();
    const chats = ['966500000101@c.us', '966500000102@c.us', '966500000103@c.us'];
    chats.forEach((chat, i) => client.addToHistory(build.text(`فائتة ${i + 1}`, { chat, t: T0 + 20 + i })));
    // A slow page: each chat's read takes longer than the whole budget.
    client.delayFetches(60);
    const rounds: unknown[] = [];
    const { inbound, ingested, received } = harness({ floors: floorForAll(afterSecond(T0)), budgetMs: 30, onCatchUp: (round) => rounds.push(round) });
    const report = await inbound.catchUp(client);
    // The longest waiting chat was read; the budget was spent before the other two.
    expect(report).toMatchObject({ chatsRead: 1, messagesReceived: 1, chatsLeft: 2, chatsFailed: 0 });
    expect(report.ms).toBeGreaterThanOrEqual(60);
    expect(rounds).toEqual([report]);
    expect(ingested.map((m) => m.text)).toEqual(['فائتة 1']);
    // The third person writes: their missed message first, then the new one.
    inbound.live(build.text('جديدة', { chat: chats[2]!, t: T0 + 40 }));
    await inbound.settled();
    expect(ingested.map((m) => m.text)).toEqual(['فائتة 1', 'فائتة 3', 'جديدة']);
    // The next round cannot read the second chat (the page fails): it stays behind. Its person's new
    // message is stored, but its cursor stays where it was, so the round after reads what was missed.
    client.delayFetches(0);
    watchFetches(client, {
      [chats[1]!]: async () => {
        throw new Error('Evaluation failed: Protocol error');
      },
    });
    expect(await inbound.catchUp(client)).toMatchObject({ chatsFailed: 1, chatsLeft: 0 });
    inbound.live(build.text('جديدة 2', { chat: chats[1]!, t: T0 + 41 }));
    await inbound.settled();
    expect(ingested.at(-1)?.text).toBe('جديدة 2');
    expect(received.some((r) => r.chatId === chats[1])).toBe(false);
  });

  it('finds the oldest of a page’s messages by time, whatever order the page gives them in', async () => {
    const client = new FakeWhatsAppClient();
    for (let i = 1; i <= 40; i++) client.addToHistory(build.text(`m${i}`, { t: T0 + i }));
    // A page that hands its 20 newest out of order (the library sorts only when it trims): the oldest is not first.
    const { fetches } = watchFetches(client, {
      [USER_WID]: async (options) => {
        const last = (client.history.get(USER_WID) ?? []).slice(-(options.limit ?? 20));
        return [...last.slice(5), ...last.slice(0, 5)];
      },
    });
    const { inbound, ingested } = harness({ floors: floorForAll(afterSecond(T0 + 21)) });
    await inbound.catchUp(client);
    // m22..m40 are above the floor; m21 (the oldest fetched, not first) is at it: no need to read further back.
    expect(fetches.map((f) => f.limit)).toEqual([20]);
    expect(ingested.map((m) => m.text)).toEqual(Array.from({ length: 19 }, (_, i) => `m${i + 22}`));
  });

  it('joins a running catch-up instead of starting a second one', async () => {
    const client = new FakeWhatsAppClient();
    client.addToHistory(build.text('فائتة', { t: T0 + 20 }));
    const chatsGate = gate();
    const original = client.getChats.bind(client);
    const getChats = vi.spyOn(client, 'getChats').mockImplementation(async () => {
      await chatsGate.promise;
      return original();
    });
    const { inbound, ingested } = harness({ floors: floorForAll(afterSecond(T0)) });
    const first = inbound.catchUp(client);
    await wait(5);
    const second = inbound.catchUp(client);
    expect(second).toBe(first);
    chatsGate.open();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toMatchObject({ chatsLeft: 0, chatsRead: 1, messagesReceived: 1, chatsFailed: 0 });
    expect(b).toBe(a);
    expect(getChats).toHaveBeenCalledTimes(1);
    expect(ingested).toHaveLength(1);
    // Once it is over, the next call starts a new one.
    await inbound.catchUp(client);
    expect(getChats).toHaveBeenCalledTimes(2);
  });
});

describe('catch-up edge cases', () => {
  const silent = pino({ level: 'silent' });

  it('a catch-up that fails rejects to its caller only, never as an unhandled rejection (which would end the process)', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const inbound = new WhatsAppInbound({
        ingest: async () => true,
        remember: () => undefined,
        received: async () => undefined,
        floors: async () => new Map(),
        logger: silent,
      });
      await expect(
        inbound.catchUp({
          getChats: async () => {
            throw new Error('Evaluation failed: Session closed');
          },
        }),
      ).rejects.toThrow('Session closed');
      await wait(50);
    } finally {
      process.off('unhandledRejection', listener);
    }
    expect(unhandled).toEqual([]);
  });

  it('reads further back when the oldest message fetched shares its second with a missed one above the floor', async () => {
    const client = new FakeWhatsAppClient();
    const second = T0 + 100;
    // Same second, different tiebreaks: `older` (sent first) sorts above the floor, `sameSecond` below it.
    let older = build.text('older', { t: second });
    while (seqOf(older) % 1000 < 900) older = build.text('older', { t: second });
    let sameSecond = build.text('n0', { t: second });
    while (seqOf(sameSecond) % 1000 > 100) sameSecond = build.text('n0', { t: second });
    client.addToHistory(older);
    client.addToHistory(sameSecond);
    for (let i = 1; i < 20; i++) client.addToHistory(build.text(`n${i}`, { t: second + i }));
    const floor = second * 1000 + 500;
    const ingested: InboundMessage[] = [];
    const inbound = new WhatsAppInbound({
      ingest: async (message) => {
        ingested.push(message);
        return true;
      },
      remember: () => undefined,
      received: async () => undefined,
      floors: async (ids) => new Map(ids.map((id) => [id, floor])),
      logger: silent,
    });
    await inbound.catchUp(client);
    expect(ingested.map((m) => m.text)).toContain('older');
    expect(ingested.map((m) => m.text)).not.toContain('n0');
  });
});
