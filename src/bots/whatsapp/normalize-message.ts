import { EDIT_NOTICE_KEY, InboundMessageSchema, type InboundMessage } from '../../core/channel.js';
import type { WhatsAppMessage } from './whatsapp-client.js';

/** Why a WhatsApp message leads to nothing. */
export type WhatsAppIgnoredReason = 'group' | 'status' | 'broadcast' | 'own' | 'system' | 'empty';

/** What one WhatsApp message means to the service; see {@link normalizeMessage}. */
export type NormalizedWhatsAppMessage = { kind: 'beneficiary'; message: InboundMessage } | { kind: 'ignored'; reason: WhatsAppIgnoredReason };

type Obj = Record<string, unknown>;
type Content = Pick<InboundMessage, 'text' | 'media' | 'unsupported'>;

/**
 * Servers of a private chat with one person: `c.us` (phone-number ids) and `lid` (the newer
 * "linked id" WhatsApp uses instead of the number for some contacts). whatsapp-web.js has no
 * "isPrivate": its ChatFactory makes every chat that is neither a group nor a channel a
 * `PrivateChat`, and the page's Wid tells them apart by server (`isGroup()` is `g.us`,
 * `isLid()` is `lid`, channels are `newsletter`, statuses and broadcast lists `broadcast`).
 */
const PRIVATE_SERVERS = new Set(['c.us', 'lid']);

/** Message types that are events in the chat, not something a person said. */
const SYSTEM_TYPES = new Set([
  'revoked',
  'e2e_notification',
  'notification',
  'notification_template',
  'gp2',
  'group_notification',
  'call_log',
  'protocol',
  'reaction',
  // A pinned message is an event in the chat, not something said.
  'pin_message',
  // An album's own message: its photos arrive one by one as images, and are taken as such.
  'album',
  'ciphertext',
  'debug',
  'broadcast_notification',
  'newsletter_notification',
]);

const UNSUPPORTED_TYPES: Record<string, NonNullable<InboundMessage['unsupported']>> = {
  sticker: 'sticker',
  ptt: 'voice',
  audio: 'voice',
  location: 'location',
  vcard: 'contact',
  multi_vcard: 'contact',
  video: 'video',
  // A round video note: a video like any other.
  ptv: 'video',
};

/**
 * Turns one whatsapp-web.js message (from the `message` event or `fetchMessages` during
 * catch-up: both give the same result, so a message seen twice is deduplicated by its id)
 * into what it means to the service. Pure, and it never throws: a message it cannot read is
 * ignored as 'system'.
 *
 * - Only private chats (`…@c.us`, `…@lid`) are beneficiaries; groups, statuses, broadcast
 *   lists and channels (newsletters), and the account's own messages are ignored.
 * - `chatId` is the chat id as WhatsApp writes it (it contains dots: the service hashes it
 *   before using it as a key), `userId` the sender, `messageId` the serialized message id.
 * - `seq` is the timestamp in milliseconds plus a tiebreak of 0-999 derived from the message
 *   id. WhatsApp gives whole seconds only, so two messages in the same second would otherwise
 *   have the same seq; the tiebreak gives them a stable order (the same on every delivery,
 *   live or during catch-up, since it depends only on the id) that never crosses into the
 *   next second. Within one second the order is the hash's, not necessarily the typing order:
 *   nothing better is available from WhatsApp.
 * - Texts become `text`; photos and documents `media` (with `ref` the message id, for
 *   `WhatsAppChannel.download`) and their caption as `text`; stickers, voice notes and audio,
 *   locations, contacts and videos `unsupported`; any other kind `unsupported: 'other'`.
 */
export function normalizeMessage(msg: WhatsAppMessage): NormalizedWhatsAppMessage {
  try {
    return normalize(msg as unknown);
  } catch {
    // Getters of a real Message cannot throw on the fields read; this covers whatever else a caller passes.
    return ignored('system');
  }
}

function normalize(raw: unknown): NormalizedWhatsAppMessage {
  const msg = asObj(raw);
  const id = asObj(msg?.id);
  const messageId = asString(id?._serialized);
  if (msg === null || id === null || messageId === null || messageId === '') return ignored('system');

  // `id.remote` is the chat for every message (own or not); `from` is the chat only for others' messages.
  const chatId = widString(id.remote) ?? widString(msg.from);
  if (chatId === null) return ignored('system');
  const server = serverOf(chatId);
  if (msg.isStatus === true || chatId === 'status@broadcast') return ignored('status');
  if (server === 'g.us') return ignored('group');
  if (msg.broadcast === true || server === 'broadcast' || server === 'newsletter') return ignored('broadcast');
  if (id.fromMe === true || msg.fromMe === true) return ignored('own');
  if (!PRIVATE_SERVERS.has(server)) return ignored('system');

  const type = asString(msg.type) ?? '';
  if (SYSTEM_TYPES.has(type)) return ignored('system');
  const timestamp = asNumber(msg.timestamp);
  if (timestamp === null || timestamp <= 0 || !Number.isSafeInteger(Math.floor(timestamp) * 1000)) return ignored('system');

  const content = contentOf(msg, type, messageId);
  if (content === null) return ignored('empty');
  const seconds = Math.floor(timestamp);
  const parsed = InboundMessageSchema.safeParse({
    channel: 'whatsapp',
    chatId,
    userId: widString(msg.author) ?? widString(msg.from) ?? chatId,
    messageId,
    seq: seconds * 1000 + tiebreak(messageId),
    receivedAt: new Date(seconds * 1000).toISOString(),
    ...content,
  } satisfies InboundMessage);
  if (!parsed.success) return ignored('system');
  return { kind: 'beneficiary', message: parsed.data };
}

/**
 * An edit of a message (whatsapp-web.js's `message_edit`, which gives the message with its new
 * body and its first timestamp): the edit changes nothing, and in a private chat the person is
 * told so ({@link EDIT_NOTICE_KEY}), as on Telegram. The notice's id names the minute of the
 * edit, so a burst of edits is one notice. Edits elsewhere (groups, the account's own) are
 * ignored like their messages.
 */
export function normalizeEdit(msg: WhatsAppMessage, editedAt: Date): NormalizedWhatsAppMessage {
  if (!isRealEdit(msg)) return ignored('system');
  const edited = normalizeMessage(msg);
  if (edited.kind === 'ignored') return edited;
  const parsed = InboundMessageSchema.safeParse({
    channel: 'whatsapp',
    chatId: edited.message.chatId,
    userId: edited.message.userId,
    messageId: `edited:${Math.floor(editedAt.getTime() / 60_000)}`,
    seq: editedAt.getTime(),
    receivedAt: editedAt.toISOString(),
    notice: { key: EDIT_NOTICE_KEY, params: {} },
  } satisfies InboundMessage);
  return parsed.success ? { kind: 'beneficiary', message: parsed.data } : ignored('system');
}

/**
 * The message as received under the person's canonical id (see identities.ts): WhatsApp may
 * address one person by their number (`…@c.us`) or their linked id (`…@lid`), and the message
 * id (`<fromMe>_<chat>_<key>`) names the chat it came through. Under the canonical id the chat,
 * the sender and the id's chat part are the canonical one, and the tiebreak follows the new id,
 * so a message reads the same whichever id it came through. A message that came through the
 * canonical id is unchanged (the ids stored before stay what they were). The media's `ref`
 * keeps the id as WhatsApp knows it, for the download.
 */
export function asCanonical(message: InboundMessage, canonical: string): InboundMessage {
  if (message.chatId === canonical) return message;
  const messageId = message.messageId.replace(`_${message.chatId}_`, `_${canonical}_`);
  return {
    ...message,
    chatId: canonical,
    userId: message.userId === message.chatId ? canonical : message.userId,
    messageId,
    // An edit's notice is keyed by the minute, not by a message id: its seq stays.
    seq: messageId === message.messageId ? message.seq : Math.floor(message.seq / 1000) * 1000 + tiebreak(messageId),
  };
}

/**
 * Whether `message_edit` reports an edit by the sender. The library fires it on any change of
 * body or caption (Client.js line 1057, `change:body change:caption`), also when a message that
 * came as ciphertext is decrypted; only an edit carries the edit's key (Message.js line 291).
 */
export function isRealEdit(msg: WhatsAppMessage): boolean {
  return msg.latestEditMsgKey != null || msg._data?.latestEditMsgKey != null;
}

/** The readable part of a private message; null when there is nothing (an empty text). */
function contentOf(msg: Obj, type: string, messageId: string): Content | null {
  if (type === 'chat') {
    const body = asString(msg.body) ?? '';
    return body.trim() === '' ? null : { text: body };
  }
  if (type === 'image' || type === 'document') {
    const data = asObj(msg._data);
    const mime = asString(data?.mimetype) ?? undefined;
    const fileName = type === 'document' ? (asString(data?.filename) ?? undefined) : undefined;
    const size = asNumber(data?.size);
    const caption = captionOf(msg, data);
    return {
      ...(caption === '' ? {} : { text: caption }),
      media: {
        ref: messageId,
        ...(mime === undefined || mime === '' ? {} : { mime }),
        ...(fileName === undefined || fileName === '' ? {} : { fileName }),
        ...(size === null || size < 0 ? {} : { size }),
      },
    };
  }
  const unsupported = UNSUPPORTED_TYPES[type];
  return { unsupported: unsupported ?? 'other' };
}

/**
 * `Message.body` is the caption only when `hasMedia` (the file is still downloadable); without
 * it, whatsapp-web.js puts the raw `body` there, which for a photo is its base64 thumbnail. So
 * the caption is read from the raw model in that case.
 */
function captionOf(msg: Obj, data: Obj | null): string {
  if (msg.hasMedia === true) return (asString(msg.body) ?? '').trim() === '' ? '' : (asString(msg.body) ?? '');
  const caption = asString(data?.caption) ?? '';
  return caption.trim() === '' ? '' : caption;
}

/** Whether a chat id is a chat with one person (see {@link PRIVATE_SERVERS}). */
export function isPrivateChatId(chatId: string): boolean {
  return PRIVATE_SERVERS.has(serverOf(chatId));
}

/** 0-999 from the message id (FNV-1a), so equal timestamps get a stable order. */
export function tiebreak(messageId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < messageId.length; i++) {
    hash ^= messageId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 1000;
}

/** `…@server` → `server`; '' without a server. */
function serverOf(wid: string): string {
  const at = wid.lastIndexOf('@');
  return at < 0 ? '' : wid.slice(at + 1);
}

/** A Wid as whatsapp-web.js may hand it over: a string, or the page's object with `_serialized`. */
function widString(value: unknown): string | null {
  const text = typeof value === 'string' ? value : asString(asObj(value)?._serialized);
  return text === null || text === '' ? null : text;
}

function ignored(reason: WhatsAppIgnoredReason): NormalizedWhatsAppMessage {
  return { kind: 'ignored', reason };
}

function asObj(value: unknown): Obj | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : null;
}

function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
