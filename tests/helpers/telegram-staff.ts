/**
 * Reading what the bot did on a fake Bot API (tests/helpers/fake-telegram.ts), and staff
 * members pressing the buttons of the staff group: shared by the Telegram and WhatsApp
 * end-to-end tests, since researchers and the committee work on Telegram for both.
 */
import type { FakeTelegram, RecordedCall } from './fake-telegram.js';
import { waitFor } from './test-app.js';

export interface Button {
  text: string;
  callback_data: string;
}

export function keyboardOf(value: unknown): Button[] {
  const markup = value as { inline_keyboard?: Button[][] } | undefined;
  return markup?.inline_keyboard?.flat() ?? [];
}

export function textOf(call: RecordedCall): string {
  const text = call.params.text ?? call.params.caption;
  return typeof text === 'string' ? text : '';
}

export function messageIdOf(call: RecordedCall): number {
  return (call.result as { message_id: number }).message_id;
}

/** Successful calls of `method` to `chatId`. */
export function callsTo(fake: FakeTelegram, method: string, chatId: number): RecordedCall[] {
  return fake.calls.filter((c) => c.method === method && c.result !== undefined && String(c.params.chat_id) === String(chatId));
}

/** The staff group's messages (sent and edited) that Telegram accepted. */
export function groupMessagesOf(fake: FakeTelegram, group: number): RecordedCall[] {
  return fake.calls.filter(
    (c) => (c.method === 'sendMessage' || c.method === 'editMessageText') && c.result !== undefined && String(c.params.chat_id) === String(group),
  );
}

/** The group alert that names `reference` (waits for it). */
export async function groupAlertFor(fake: FakeTelegram, group: number, reference: string): Promise<RecordedCall> {
  return waitFor(() => callsTo(fake, 'sendMessage', group).find((c) => textOf(c).includes(reference)), `the group alert for ${reference}`);
}

/** The button data of an action on the latest version of a group message (sent or edited). */
export function groupButtonData(fake: FakeTelegram, group: number, messageId: number, label: string): string {
  const versions = groupMessagesOf(fake, group).filter((c) => (c.method === 'sendMessage' ? messageIdOf(c) : Number(c.params.message_id)) === messageId);
  const latest = versions.at(-1);
  const button = keyboardOf(latest?.params.reply_markup).find((b) => b.text.includes(label));
  if (!button) throw new Error(`no "${label}" button on message ${messageId}: ${JSON.stringify(latest?.params.reply_markup)}`);
  return button.callback_data;
}

/** The answer given to a callback query. */
export async function answerTo(fake: FakeTelegram, queryId: string): Promise<RecordedCall> {
  return fake.waitFor((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === queryId && c.status === 200, 10_000);
}

/** A staff member pressing buttons in the staff group. */
export class Staffer {
  constructor(
    readonly fake: FakeTelegram,
    readonly group: number,
    readonly userId: number,
  ) {}

  /** Presses a button in the staff group; returns the callback query id. */
  pressInGroup(messageId: number, data: string): string {
    const update = this.fake.callbackQuery({ chatId: this.group, userId: this.userId, messageId, data });
    this.fake.pushUpdate(update);
    return update.callback_query.id;
  }
}
