import type { InlineKeyboardButton } from 'telegraf/types';
import type { OutboundMessage, OutboundOption } from '../../core/channel.js';
import { CALLBACK_DATA_MAX_BYTES, isStaffActionData } from './callback-data.js';

/** Telegram's limit on a message's text, counted here in UTF-16 code units (never less than Telegram's count). */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** Options beyond this many go one per row whatever their labels (the review screen has about 20). */
const TWO_PER_ROW_MAX_OPTIONS = 12;
/** A label longer than this, in characters, puts every option on its own row. */
const TWO_PER_ROW_MAX_LABEL = 20;

/** An inline keyboard of callback buttons; assignable to telegraf's `InlineKeyboardMarkup`. */
export interface CallbackKeyboard {
  inline_keyboard: InlineKeyboardButton.CallbackButton[][];
}

/** One `sendMessage` call without its `chat_id`, which the caller adds. */
export interface TelegramMessagePart {
  text: string;
  reply_markup?: CallbackKeyboard;
}

/** A message that cannot be drawn on Telegram: empty text, an empty label, or an option id too long for a button. */
export class RenderError extends Error {
  readonly code = 'TELEGRAM_RENDER' as const;

  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

/**
 * Turns an outgoing message into the `sendMessage` calls that show it on Telegram:
 * the text cut into parts of at most `limit` (see {@link splitText}), the options as an
 * inline keyboard under the last part only, so the buttons stay next to the question.
 * No `parse_mode`: the text goes as it is, so nothing in it can break formatting.
 *
 * @throws {@link RenderError} when the text is empty or an option cannot be a button
 */
export function renderMessage(message: OutboundMessage, limit = TELEGRAM_TEXT_LIMIT): TelegramMessagePart[] {
  // The keyboard first, so a bad option fails before anything is produced.
  const keyboard = message.options !== undefined && message.options.length > 0 ? optionsKeyboard(message.options) : undefined;
  const parts = splitText(message.text, limit);
  if (parts.length === 0) throw new RenderError('renderMessage: the message text is empty; Telegram refuses empty messages.');
  return parts.map((text, index) => (keyboard !== undefined && index === parts.length - 1 ? { text, reply_markup: keyboard } : { text }));
}

/**
 * Cuts a text into parts of at most `limit` UTF-16 code units, at the last line break
 * before the limit, else the last space, else (one unbroken run longer than the limit)
 * exactly at the limit without splitting a surrogate pair. A line break or space in the
 * second half of the window is preferred to an earlier one of either, so parts are not
 * needlessly short. The break itself is dropped, as are blank edges of each part
 * (Telegram trims them anyway); blank parts are left out, so an empty text gives `[]`.
 */
export function splitText(text: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  if (!Number.isSafeInteger(limit) || limit < 2) throw new RangeError('splitText: the limit must be an integer of at least 2.');
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const { end, next } = cutPoint(rest, limit);
    parts.push(rest.slice(0, end).trimEnd());
    rest = rest.slice(next).trimStart();
  }
  parts.push(rest);
  return parts.filter((part) => part !== '');
}

function cutPoint(text: string, limit: number): { end: number; next: number } {
  const half = Math.floor(limit / 2);
  // A break at index `limit` still leaves `limit` characters before it.
  const lineBreak = text.lastIndexOf('\n', limit);
  if (lineBreak >= half) return { end: lineBreak, next: lineBreak + 1 };
  let space = -1;
  for (let i = limit; i > 0; i -= 1) {
    if (/\s/.test(text.charAt(i))) {
      space = i;
      break;
    }
  }
  if (space >= half) return { end: space, next: space + 1 };
  const earlier = Math.max(lineBreak, space);
  if (earlier > 0) return { end: earlier, next: earlier + 1 };
  const code = text.charCodeAt(limit - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
  return { end, next: end };
}

/**
 * Draws a message's options as an inline keyboard: each button shows the label and
 * sends the option id as its `callback_data`; labels are numbered. Two buttons a row, or one a row when a
 * label is longer than 20 characters or there are more than 12 options.
 *
 * @throws {@link RenderError} for an empty label, an option id empty or over 64 bytes,
 *   or one that looks like signed staff data (it would be routed as a staff action)
 */
export function optionsKeyboard(options: readonly OutboundOption[]): CallbackKeyboard {
  const buttons = options.map((option, index) => {
    if (isStaffActionData(option.id)) {
      throw new RenderError(`Option id "${option.id.slice(0, 64)}" looks like staff button data; choose another id.`);
    }
    if (!option.label.trim()) throw new RenderError('An option has an empty label.');
    // Numbered as on WhatsApp and the console, so "send its number" and typed numbers mean the same everywhere.
    return callbackButton(`${index + 1}. ${option.label}`, option.id);
  });
  const oneRow = options.length > TWO_PER_ROW_MAX_OPTIONS || options.some((option) => [...option.label].length > TWO_PER_ROW_MAX_LABEL);
  return { inline_keyboard: chunk(buttons, oneRow ? 1 : 2) };
}

/**
 * An inline keyboard laid out by the caller, for staff messages (the data usually from
 * `signAction`). Checks what Telegram would refuse.
 *
 * @throws {@link RenderError} for an empty text or data empty or over 64 bytes
 */
export function staffKeyboard(buttons: ReadonlyArray<ReadonlyArray<{ text: string; data: string }>>): CallbackKeyboard {
  return {
    inline_keyboard: buttons.map((row) => row.map((button) => callbackButton(button.text, button.data))).filter((row) => row.length > 0),
  };
}

function callbackButton(text: string, data: string): InlineKeyboardButton.CallbackButton {
  if (text.trim() === '') throw new RenderError(`The button for "${data.slice(0, 64)}" has an empty label.`);
  const bytes = Buffer.byteLength(data, 'utf8');
  if (bytes === 0 || bytes > CALLBACK_DATA_MAX_BYTES) {
    throw new RenderError(`Button data must be 1-${CALLBACK_DATA_MAX_BYTES} bytes (Telegram's callback_data limit); "${data.slice(0, 80)}" is ${bytes}.`);
  }
  return { text, callback_data: data };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += size) rows.push(items.slice(i, i + size));
  return rows;
}
