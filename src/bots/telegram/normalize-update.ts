import type { Update } from 'telegraf/types';
import { EDIT_NOTICE_KEY, InboundMessageSchema, type InboundMessage } from '../../core/channel.js';
import { isStaffActionData } from './callback-data.js';

/** Why an update leads to nothing. */
export type IgnoredReason = 'group_not_staff' | 'channel_post' | 'edited' | 'membership' | 'unsupported_update' | 'from_bot' | 'empty';

/** What one Telegram update means to the service; see {@link normalizeUpdate}. */
export type NormalizedUpdate =
  /** Something a person sent in a private chat with the bot (for an edit, the notice that it changes nothing). */
  | { kind: 'beneficiary'; message: InboundMessage }
  /** A button pressed in the staff group; `data` is unverified. */
  | {
      kind: 'staff_callback';
      callbackQueryId: string;
      fromUserId: number;
      chatId: number;
      messageId: number | null;
      data: string;
      updateId: number;
    }
  /** A text in the staff group. */
  | { kind: 'staff_message'; fromUserId: number; chatId: number; text: string; updateId: number }
  /**
   * A button pressed in a private chat: a beneficiary's option (the data is the
   * option id, and `message.choice` carries it) or a staff action sent to a staff
   * member privately. `looksLikeStaffAction` says which the data resembles; the
   * caller verifies staff data and never hands it to the engine.
   */
  | {
      kind: 'callback_in_private';
      callbackQueryId: string;
      fromUserId: number;
      chatId: number;
      data: string;
      updateId: number;
      looksLikeStaffAction: boolean;
      /** The message whose button it was (a decision's preview is edited once sent). */
      messageId: number | null;
      message: InboundMessage;
    }
  | {
      kind: 'ignored';
      reason: IgnoredReason;
      /** The update's id; -1 when the update had none usable. */
      updateId: number;
      chatId?: number;
      /** The bot is now a member of a group or channel that is not the staff group: the caller leaves it. */
      addedToStranger?: boolean;
      /** Set when the ignored update was a button press, so the caller can still answer it (and stop the client's spinner). */
      callbackQueryId?: string;
      /**
       * The staff group was upgraded to a supergroup, which has this new id: the configured
       * id stops working, and the new supergroup must not be mistaken for a stranger.
       */
      migratedToChatId?: number;
    };

/** What {@link normalizeUpdate} needs to know. */
export interface NormalizeOptions {
  /** The researchers' group; null when not configured yet (then every group is a stranger). */
  staffGroupId: number | null;
  /** The bot's own user id, to check that a `my_chat_member` update is about the bot. */
  botId?: number;
  /** The clock for button presses, which carry no date of their own. */
  now?: () => Date;
}

type Ignored = Extract<NormalizedUpdate, { kind: 'ignored' }>;
type Obj = Record<string, unknown>;
type ChatType = 'private' | 'group' | 'supergroup' | 'channel';
interface ChatRef {
  id: number;
  type: ChatType;
}
type MessageBase = Pick<InboundMessage, 'channel' | 'chatId' | 'userId' | 'messageId' | 'seq' | 'receivedAt' | 'replyTo'>;

/** Service messages: something happened in the chat, nobody said anything. */
const SERVICE_FIELDS = [
  'new_chat_members',
  'left_chat_member',
  'new_chat_title',
  'new_chat_photo',
  'delete_chat_photo',
  'group_chat_created',
  'supergroup_chat_created',
  'channel_chat_created',
  'message_auto_delete_timer_changed',
  'migrate_to_chat_id',
  'migrate_from_chat_id',
  'pinned_message',
  'successful_payment',
  'refunded_payment',
  'users_shared',
  'user_shared',
  'chat_shared',
  'connected_website',
  'write_access_allowed',
  'passport_data',
  'proximity_alert_triggered',
  'boost_added',
  'chat_background_set',
  'forum_topic_created',
  'forum_topic_edited',
  'forum_topic_closed',
  'forum_topic_reopened',
  'general_forum_topic_hidden',
  'general_forum_topic_unhidden',
  'giveaway_created',
  'giveaway_completed',
  'video_chat_scheduled',
  'video_chat_started',
  'video_chat_ended',
  'video_chat_participants_invited',
] as const;

const MEMBERSHIP_FIELDS = ['new_chat_members', 'left_chat_member'] as const;

/**
 * Turns one Telegram update into what it means to the service, in the channel-neutral
 * shapes of `src/core/channel.ts`. Pure: no I/O, and it never throws; an update it
 * cannot read (malformed, or a kind the service does not use) is `ignored` with
 * `unsupported_update`.
 *
 * - A message in a private chat is a beneficiary's {@link InboundMessage}, keyed by the
 *   update id (unique per bot, and what Telegram redelivers): text (bot commands such
 *   as `/start@Bot` stay text), a photo (its largest size, `image/jpeg`) or a document,
 *   either with its caption as text, or the kind of thing the flows cannot read.
 * - In the staff group: texts are `staff_message`, button presses `staff_callback`.
 * - An edit in a private chat is a notice that the edit changes nothing (see {@link fromEdit}).
 * - Any other group, channels, other edits, membership changes and messages from bots are ignored;
 *   the bot's being added to a group other than the staff group is flagged `addedToStranger`.
 */
export function normalizeUpdate(update: Update, options: NormalizeOptions): NormalizedUpdate {
  let updateId = -1;
  try {
    const root = asObj(update as unknown);
    const id = root === null ? null : asInt(root.update_id);
    if (root === null || id === null || id < 0) return ignored('unsupported_update', updateId);
    updateId = id;
    if ('message' in root) return fromMessage(root.message, id, options);
    if ('callback_query' in root) return fromCallback(root.callback_query, id, options);
    if ('edited_message' in root) return fromEdit(root.edited_message, id);
    if ('channel_post' in root || 'edited_channel_post' in root) {
      return ignored('channel_post', id, chatOf(root.channel_post ?? root.edited_channel_post)?.id);
    }
    if ('my_chat_member' in root) return fromMyChatMember(root.my_chat_member, id, options);
    if ('chat_member' in root || 'chat_join_request' in root) {
      return ignored('membership', id, chatOf(root.chat_member ?? root.chat_join_request)?.id);
    }
    return ignored('unsupported_update', id);
  } catch {
    // Plain JSON cannot throw above; this covers whatever else a caller might pass.
    return ignored('unsupported_update', updateId);
  }
}

function fromMessage(raw: unknown, updateId: number, options: NormalizeOptions): NormalizedUpdate {
  const message = asObj(raw);
  const chat = chatOf(message);
  if (message === null || chat === null) return ignored('unsupported_update', updateId);
  if (chat.type === 'channel') return ignored('channel_post', updateId, chat.id);
  const isStaffGroup = chat.type !== 'private' && chat.id === options.staffGroupId;
  if (chat.type !== 'private' && !isStaffGroup) {
    const migratedFrom = asInt(message.migrate_from_chat_id);
    if (migratedFrom !== null && migratedFrom === options.staffGroupId) {
      return { ...ignored('membership', updateId, chat.id), migratedToChatId: chat.id };
    }
    return ignored('group_not_staff', updateId, chat.id);
  }
  const from = asObj(message.from);
  const fromId = asInt(from?.id);
  if (from === null || fromId === null) return ignored('unsupported_update', updateId, chat.id);
  if (from.is_bot === true) return ignored('from_bot', updateId, chat.id);

  if (isStaffGroup) {
    const migratedTo = asInt(message.migrate_to_chat_id);
    if (migratedTo !== null) return { ...ignored('membership', updateId, chat.id), migratedToChatId: migratedTo };
    if (MEMBERSHIP_FIELDS.some((field) => field in message)) return ignored('membership', updateId, chat.id);
    const text = asString(message.text);
    if (text === null || text === '') return ignored('empty', updateId, chat.id);
    return { kind: 'staff_message', fromUserId: fromId, chatId: chat.id, text, updateId };
  }

  const date = asInt(message.date);
  if (date === null || date <= 0) return ignored('unsupported_update', updateId, chat.id);
  const base: MessageBase = {
    channel: 'telegram',
    chatId: String(chat.id),
    userId: String(fromId),
    messageId: String(updateId),
    seq: updateId,
    receivedAt: new Date(date * 1000).toISOString(),
  };
  const repliedTo = asInt(asObj(message.reply_to_message)?.message_id);
  if (repliedTo !== null) base.replyTo = String(repliedTo);
  const content = contentOf(message);
  if (content === 'empty') return ignored('empty', updateId, chat.id);
  if (content === 'malformed') return ignored('unsupported_update', updateId, chat.id);
  const parsed = InboundMessageSchema.safeParse({ ...base, ...content });
  if (!parsed.success) return ignored('unsupported_update', updateId, chat.id);
  return { kind: 'beneficiary', message: parsed.data };
}

/**
 * An edit of a message already received changes nothing (see {@link EDIT_NOTICE_KEY}); in a
 * private chat the person is told so. The notice's id names the minute of the edit, so a
 * burst of edits is one notice (notices do not count towards flood control) and a
 * redelivered edit is recognised like any message.
 */
function fromEdit(raw: unknown, updateId: number): NormalizedUpdate {
  const message = asObj(raw);
  const chat = chatOf(message);
  if (message === null || chat === null) return ignored('edited', updateId);
  const from = asObj(message.from);
  const fromId = asInt(from?.id);
  const editDate = asInt(message.edit_date);
  if (chat.type !== 'private' || from === null || fromId === null || from.is_bot === true || editDate === null || editDate <= 0) {
    return ignored('edited', updateId, chat.id);
  }
  const parsed = InboundMessageSchema.safeParse({
    channel: 'telegram',
    chatId: String(chat.id),
    userId: String(fromId),
    messageId: `edited:${Math.floor(editDate / 60)}`,
    seq: updateId,
    receivedAt: new Date(editDate * 1000).toISOString(),
    notice: { key: EDIT_NOTICE_KEY, params: {} },
  } satisfies InboundMessage);
  return parsed.success ? { kind: 'beneficiary', message: parsed.data } : ignored('edited', updateId, chat.id);
}

/** The readable part of a private message, 'empty' for a service message, 'malformed' for a broken one. */
function contentOf(message: Obj): Partial<InboundMessage> | 'empty' | 'malformed' {
  if ('text' in message) {
    const text = asString(message.text);
    if (text === null) return 'malformed';
    return text === '' ? 'empty' : { text };
  }
  const caption = asString(message.caption);
  const withCaption = caption === null || caption === '' ? {} : { text: caption };
  // An animation (GIF) also carries a `document` for old clients: it is a video, not a file to keep.
  if ('animation' in message) return { unsupported: 'video' };
  if ('photo' in message) {
    const media = largestPhoto(message.photo);
    return media === null ? 'malformed' : { ...withCaption, media };
  }
  if ('document' in message) {
    const media = documentOf(message.document);
    return media === null ? 'malformed' : { ...withCaption, media };
  }
  if ('sticker' in message) return { unsupported: 'sticker' };
  if ('voice' in message || 'audio' in message) return { unsupported: 'voice' };
  if ('video' in message || 'video_note' in message) return { unsupported: 'video' };
  if ('venue' in message || 'location' in message) return { unsupported: 'location' };
  if ('contact' in message) return { unsupported: 'contact' };
  if (SERVICE_FIELDS.some((field) => field in message)) return 'empty';
  // A poll, a dice, a story, a game, or a kind newer than this code: answered as unreadable.
  return { unsupported: 'other' };
}

function largestPhoto(raw: unknown): InboundMessage['media'] | null {
  if (!Array.isArray(raw)) return null;
  let best: { ref: string; area: number; size: number | undefined } | null = null;
  for (const item of raw) {
    const size = asObj(item);
    const ref = asString(size?.file_id);
    if (size === null || ref === null || ref === '') return null;
    const area = (asInt(size.width) ?? 0) * (asInt(size.height) ?? 0);
    const bytes = asInt(size.file_size) ?? undefined;
    // Telegram lists sizes smallest first; comparing keeps this right whatever the order.
    if (best === null || area > best.area || (area === best.area && (bytes ?? 0) > (best.size ?? 0))) {
      best = { ref, area, size: bytes };
    }
  }
  if (best === null) return null;
  return { ref: best.ref, mime: 'image/jpeg', ...(best.size === undefined ? {} : { size: best.size }) };
}

function documentOf(raw: unknown): InboundMessage['media'] | null {
  const document = asObj(raw);
  const ref = asString(document?.file_id);
  if (document === null || ref === null || ref === '') return null;
  const mime = asString(document.mime_type);
  const fileName = asString(document.file_name);
  const size = asInt(document.file_size);
  return {
    ref,
    ...(mime === null ? {} : { mime }),
    ...(fileName === null ? {} : { fileName }),
    ...(size === null ? {} : { size }),
  };
}

function fromCallback(raw: unknown, updateId: number, options: NormalizeOptions): NormalizedUpdate {
  const query = asObj(raw);
  const callbackQueryId = asString(query?.id);
  if (query === null || callbackQueryId === null || callbackQueryId === '') return ignored('unsupported_update', updateId);
  const withQuery = (result: Ignored): Ignored => ({ ...result, callbackQueryId });
  const message = asObj(query.message);
  const chat = chatOf(message);
  // No message: a button under an inline-mode message, which this bot never sends.
  if (message === null || chat === null) return withQuery(ignored('unsupported_update', updateId));
  const from = asObj(query.from);
  const fromId = asInt(from?.id);
  if (from === null || fromId === null) return withQuery(ignored('unsupported_update', updateId, chat.id));
  if (chat.type === 'channel') return withQuery(ignored('channel_post', updateId, chat.id));
  const isStaffGroup = chat.type !== 'private' && chat.id === options.staffGroupId;
  if (chat.type !== 'private' && !isStaffGroup) return withQuery(ignored('group_not_staff', updateId, chat.id));
  if (from.is_bot === true) return withQuery(ignored('from_bot', updateId, chat.id));
  const data = asString(query.data);
  // No data: a game button; the data of a callback button is 1-64 bytes.
  if (data === null || data === '') return withQuery(ignored('empty', updateId, chat.id));

  if (isStaffGroup) {
    const messageId = asInt(message.message_id);
    return { kind: 'staff_callback', callbackQueryId, fromUserId: fromId, chatId: chat.id, messageId, data, updateId };
  }
  const now = (options.now ?? (() => new Date()))();
  const parsed = InboundMessageSchema.safeParse({
    channel: 'telegram',
    chatId: String(chat.id),
    userId: String(fromId),
    messageId: String(updateId),
    seq: updateId,
    receivedAt: now.toISOString(),
    choice: data,
  } satisfies InboundMessage);
  if (!parsed.success) return withQuery(ignored('unsupported_update', updateId, chat.id));
  return {
    kind: 'callback_in_private',
    callbackQueryId,
    fromUserId: fromId,
    chatId: chat.id,
    data,
    updateId,
    looksLikeStaffAction: isStaffActionData(data),
    messageId: asInt(message.message_id),
    message: parsed.data,
  };
}

const PRESENT_STATUSES = new Set(['creator', 'administrator', 'member']);

function fromMyChatMember(raw: unknown, updateId: number, options: NormalizeOptions): NormalizedUpdate {
  const change = asObj(raw);
  const chat = chatOf(change);
  if (change === null || chat === null) return ignored('unsupported_update', updateId);
  const member = asObj(change.new_chat_member);
  const status = asString(member?.status);
  if (member === null || status === null) return ignored('unsupported_update', updateId, chat.id);
  const aboutBot = options.botId === undefined || asInt(asObj(member.user)?.id) === options.botId;
  const present = PRESENT_STATUSES.has(status) || (status === 'restricted' && member.is_member === true);
  const stranger = chat.type !== 'private' && chat.id !== options.staffGroupId;
  const result = ignored('membership', updateId, chat.id);
  return aboutBot && present && stranger ? { ...result, addedToStranger: true } : result;
}

function chatOf(raw: unknown): ChatRef | null {
  const chat = asObj(asObj(raw)?.chat);
  const id = asInt(chat?.id);
  const type = chat?.type;
  if (id === null || (type !== 'private' && type !== 'group' && type !== 'supergroup' && type !== 'channel')) {
    return null;
  }
  return { id, type };
}

function ignored(reason: IgnoredReason, updateId: number, chatId?: number): Ignored {
  return chatId === undefined ? { kind: 'ignored', reason, updateId } : { kind: 'ignored', reason, updateId, chatId };
}

function asObj(value: unknown): Obj | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : null;
}

function asInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
