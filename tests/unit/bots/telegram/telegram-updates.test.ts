/**
 * The update handler when the staff check fails: found by fault case 3 (FerretDB stopped),
 * where a person's message arriving during the outage was taken as a failed staff answer,
 * acknowledged, and lost. The staff desk and the ingest are small fakes of the two methods used.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Update } from 'telegraf/types';
import type { InboundMessage } from '../../../../src/bots/inbound-message.js';
import type { StaffDesk } from '../../../../src/bots/telegram/staff-desk.js';
import type { TelegramGateway } from '../../../../src/bots/telegram/telegram-gateway.js';
import { TelegramUpdateHandler } from '../../../../src/bots/telegram/telegram-updates.js';

/** A private text from a person, as Telegram sends it. */
function privateText(text: string): Update {
  return {
    update_id: 700_001,
    message: { message_id: 5, date: Math.floor(Date.now() / 1000), chat: { id: 4242, type: 'private', first_name: 'P' }, from: { id: 4242, is_bot: false, first_name: 'P' }, text },
  } as Update;
}

/** An error named as the MongoDB driver names one for a server it cannot reach. */
function unreachable(): Error {
  const error = new Error('connect ECONNREFUSED 127.0.0.1:27017');
  error.name = 'MongoServerSelectionError';
  return error;
}

function handlerWith(onPrivateText: () => Promise<boolean>) {
  const ingested: InboundMessage[] = [];
  const handler = new TelegramUpdateHandler({
    gateway: {} as TelegramGateway,
    desk: { onPrivateText, onPress: async () => undefined } as unknown as StaffDesk,
    ingest: async (message) => ingested.push(message),
    staffGroupId: -100123,
    logger: pino({ level: 'silent' }),
  });
  return { handler, ingested };
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
