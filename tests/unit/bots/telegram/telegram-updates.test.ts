/**
 * The update handler when the staff check fails: found by fault case 3 (FerretDB stopped),
 * where a person's message arriving during the outage was taken as a failed staff answer,
 * acknowledged, and lost. The staff desk and the ingest are small fakes of the two methods used.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Update } from 'telegraf/types';
import type { InboundMessage } from '../../../../src/core/channel.js';
import type { StaffDesk } from '../../../../src/bots/telegram/staff-desk.js';
import type { TelegramGateway } from '../../../../src/bots/telegram/telegram-gateway.js';
import { TelegramUpdateHandler } from '../../../../src/bots/telegram/telegram-updates.js';

/** A private text from a person, as Telegram sends it. */
function privateText(text: string, updateId = 700_001, from = 4242): Update {
  return {
    update_id: updateId,
    message: {
      message_id: updateId - 699_996,
      date: Math.floor(Date.now() / 1000),
      chat: { id: from, type: 'private', first_name: 'P' },
      from: { id: from, is_bot: false, first_name: 'P' },
      text,
    },
  } as Update;
}

/** A person pressing one of the bot's option buttons in a private chat. */
function privatePress(data: string, updateId: number, from = 4242): Update {
  const chat = { id: from, type: 'private', first_name: 'P' };
  return {
    update_id: updateId,
    callback_query: {
      id: `q${updateId}`,
      from: { id: from, is_bot: false, first_name: 'P' },
      chat_instance: '1',
      data,
      message: { message_id: 1, date: 0, chat, text: '?' },
    },
  } as unknown as Update;
}

/** An error named as the MongoDB driver names one for a server it cannot reach. */
function unreachable(): Error {
  const error = new Error('connect ECONNREFUSED 127.0.0.1:27017');
  error.name = 'MongoServerSelectionError';
  return error;
}

function handlerWith(
  onPrivateText: (fromUserId: number, text: string) => Promise<boolean>,
  options: { staff?: number[]; ingest?: (messages: readonly InboundMessage[]) => Promise<void>; staffRetryMs?: number } = {},
) {
  const ingested: InboundMessage[] = [];
  const writes: number[] = [];
  /** Each press answered, with how many messages were stored by then. */
  const answered: string[] = [];
  const telegram = { answerCbQuery: async (id: string) => answered.push(`${id} after ${ingested.length} stored`) };
  const handler = new TelegramUpdateHandler({
    gateway: { call: async (work: (t: typeof telegram) => Promise<unknown>) => work(telegram) } as unknown as TelegramGateway,
    desk: {
      onPrivateText: (message: { fromUserId: number; text: string }) => onPrivateText(message.fromUserId, message.text),
      onPress: async () => undefined,
      mayBeStaff: async (id: number) => (options.staff ?? []).includes(id),
    } as unknown as StaffDesk,
    ingest: async (messages) => {
      await options.ingest?.(messages);
      writes.push(messages.length);
      ingested.push(...messages);
    },
    staffGroupId: -100123,
    logger: pino({ level: 'silent' }),
    staffRetryMs: options.staffRetryMs,
  });
  return { handler, ingested, writes, answered };
}

describe('TelegramUpdateHandler when the staff check fails', () => {
  it('hands the update back when the database cannot be reached, so the message is not lost', async () => {
    const { handler, ingested } = handlerWith(async () => Promise.reject(unreachable()));
    await expect(handler.handle(privateText('السلام عليكم'))).rejects.toThrow('ECONNREFUSED');
    expect(ingested).toEqual([]);
  });

  it('hands the update back on a bare socket error from a database shutting down', async () => {
    const epipe = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    const { handler, ingested } = handlerWith(async () => Promise.reject(epipe));
    await expect(handler.handle(privateText('2'))).rejects.toThrow('ended by the other party');
    expect(ingested).toEqual([]);
  });

  it('takes the same update once the database answers again', async () => {
    let down = true;
    const { handler, ingested } = handlerWith(async () => (down ? Promise.reject(unreachable()) : false));
    await expect(handler.handle(privateText('1'))).rejects.toThrow();
    down = false;
    await handler.handle(privateText('1'));
    expect(ingested.map((m) => m.messageId)).toEqual(['700001']);
  });

  it('still swallows a staff action that failed for another reason (a staff bug must not block intake)', async () => {
    const { handler, ingested } = handlerWith(async () => Promise.reject(new TypeError('bad prompt')));
    await handler.handle(privateText('/cancel'));
    expect(ingested).toEqual([]);
  });
});

describe('TelegramUpdateHandler.handleBatch', () => {
  it('stores a run of people’s messages with one write and moves past it once stored', async () => {
    const { handler, ingested, writes } = handlerWith(async () => false);
    const done: number[] = [];
    await handler.handleBatch([privateText('1', 700_001, 1), privateText('2', 700_002, 2), privateText('3', 700_003, 1)], (id) => done.push(id));
    expect(writes).toEqual([3]);
    expect(ingested.map((m) => m.text)).toEqual(['1', '2', '3']);
    expect(done).toEqual([700_003]);
  });

  it('stores the run before a staff member’s text, then hands the text to the member’s lane', async () => {
    const seen: string[] = [];
    const { handler, ingested, writes } = handlerWith(
      async (from, text) => {
        seen.push(`staff ${from}: ${text} after ${ingested.length} stored`);
        return true;
      },
      { staff: [9] },
    );
    const done: number[] = [];
    await handler.handleBatch([privateText('a', 700_001, 1), privateText('/cancel', 700_002, 9), privateText('b', 700_003, 2)], (id) => done.push(id));
    await handler.staffSettled();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^staff 9: \/cancel after [12] stored$/);
    expect(writes).toEqual([1, 1]);
    expect(done).toEqual([700_001, 700_002, 700_003]);
  });

  it('does not hold people’s messages behind slow staff work (a case sent privately, an alert edit waiting for the group)', async () => {
    let finishStaffWork = () => {};
    const staffWork = new Promise<void>((resolve) => (finishStaffWork = resolve));
    const seen: string[] = [];
    const { handler, ingested } = handlerWith(
      async (_from, text) => {
        await staffWork;
        seen.push(text);
        return true;
      },
      { staff: [9] },
    );
    const done: number[] = [];
    await handler.handleBatch(
      [privateText('/case SR-1', 700_001, 9), privateText('a', 700_002, 1), privateText('/note', 700_003, 9), privateText('b', 700_004, 2)],
      (id) => done.push(id),
    );
    expect(ingested.map((m) => m.text)).toEqual(['a', 'b']);
    expect(done).toEqual([700_001, 700_002, 700_003, 700_004]);
    expect(seen).toEqual([]);
    finishStaffWork();
    await handler.staffSettled();
    expect(seen).toEqual(['/case SR-1', '/note']);
  });

  it('waits out a database out of reach in the staff lane; a text that was no staff answer is then stored as a person’s', async () => {
    let failures = 2;
    const { handler, ingested } = handlerWith(async () => (failures-- > 0 ? Promise.reject(unreachable()) : false), { staff: [9], staffRetryMs: 5 });
    const done: number[] = [];
    await handler.handleBatch([privateText('السلام عليكم', 700_001, 9)], (id) => done.push(id));
    expect(done).toEqual([700_001]);
    await handler.staffSettled();
    expect(failures).toBe(-1);
    expect(ingested.map((m) => m.text)).toEqual(['السلام عليكم']);
  });

  it('stores people’s button presses in the run with their messages, and answers each press once stored', async () => {
    const { handler, ingested, writes, answered } = handlerWith(async () => false);
    const done: number[] = [];
    await handler.handleBatch([privateText('1', 700_001, 1), privatePress('yes', 700_002, 2), privatePress('no', 700_003, 1)], (id) => done.push(id));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([3]);
    expect(ingested.map((m) => m.text ?? m.choice)).toEqual(['1', 'yes', 'no']);
    expect(answered).toEqual(['q700002 after 3 stored', 'q700003 after 3 stored']);
    expect(done).toEqual([700_003]);
  });

  it('does not answer a press whose run could not be stored (Telegram sends it again)', async () => {
    const { handler, answered } = handlerWith(async () => false, { ingest: async () => Promise.reject(unreachable()) });
    await expect(handler.handleBatch([privatePress('yes', 700_001, 1)], () => undefined)).rejects.toThrow('ECONNREFUSED');
    expect(answered).toEqual([]);
  });

  it('does not move past a run that could not be stored', async () => {
    const { handler } = handlerWith(async () => false, { ingest: async () => Promise.reject(unreachable()) });
    const done: number[] = [];
    await expect(handler.handleBatch([privateText('1', 700_001, 1), privateText('2', 700_002, 2)], (id) => done.push(id))).rejects.toThrow('ECONNREFUSED');
    expect(done).toEqual([]);
  });
});
