/**
 * A local fake of the Telegram Bot API for e2e tests and benchmarks.
 *
 * It listens on 127.0.0.1 (random port) and answers the way api.telegram.org does, so the
 * service's real telegraf client can be pointed at it with `apiRoot`:
 *
 *   POST {apiRoot}/bot{token}/{method}   JSON, form-urlencoded or multipart/form-data (GET with a
 *                                        query string works too, as it does on Telegram)
 *   GET  {apiRoot}/file/bot{token}/{path} downloads of files registered with `addFile` or uploaded
 *
 * Answers are `{ ok: true, result }` or `{ ok: false, error_code, description, parameters? }`, with
 * the HTTP status equal to `error_code`, as Telegram does. Every call is recorded in `calls`.
 *
 * Telegram's own checks that catch real bugs are kept: empty or over-long texts and captions,
 * `callback_data` over 64 bytes, buttons without an action, editing a message that does not exist
 * or with identical content ("message is not modified"), unknown file ids, files over 20 MB for
 * getFile, unknown callback query ids, getUpdates while a webhook is set, two concurrent
 * getUpdates (the older one is answered 409), HTML tags Telegram does not support and
 * unescaped reserved characters in MarkdownV2, ForceReply fields of the wrong type. Unknown numeric
 * chats are accepted (the fake makes up a chat) so that a test need not introduce every chat first.
 * A user who blocked the bot (`block`) makes every send to their private chat fail with 403.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import type { CallbackQuery, Chat, ChatMember, Message, Update, User } from 'telegraf/types';

// ---------------------------------------------------------------------------------------------
// Public types

/** An update as the builders make it: everything but `update_id`, which `pushUpdate` assigns. */
export type NewUpdate<U extends Update = Update> = U extends unknown ? Omit<U, 'update_id'> & { update_id?: number } : never;

export type ChatType = 'private' | 'group' | 'supergroup';

/** A new message in a private chat or group, as `Update.MessageUpdate` carries it. */
export type Incoming<M extends Message> = Update.New & Update.NonChannel & M;

export type FaultKind = '429' | '500' | '502' | '403' | 'slow' | 'drop';

export interface FaultSpec {
  kind: FaultKind;
  /** How many consecutive calls of the method get this fault (default 1). */
  times?: number;
  /** For '429': the `retry_after` in seconds (default 1). */
  retryAfter?: number;
  /** For 'slow': how long to wait before answering correctly (default 1000 ms). */
  delayMs?: number;
  /**
   * For 'drop': carry the call out (the message is sent, the update is confirmed) and only then
   * destroy the socket, as when Telegram did the work but the answer was lost. Default false.
   */
  processed?: boolean;
}

export interface RecordedCall {
  /** The canonical method name (`sendMessage`), `download` for file downloads. */
  method: string;
  /**
   * Parameters from the query string and the body (JSON, form-urlencoded or multipart). Values
   * from forms are strings, except JSON fields (`reply_markup`, `entities`, `commands`, ...),
   * which are parsed; uploaded files appear as {@link UploadedFile}.
   */
  params: Record<string, unknown>;
  /** Date.now() when the request arrived. */
  at: number;
  /** The HTTP status answered; undefined while pending, 0 when the socket was dropped. */
  status?: number;
  /** The `result` of a successful answer. */
  result?: unknown;
  /** The `description` of an error answer. */
  error?: string;
  /** True when the call rode on a webhook response (telegraf's `webhookReply`). */
  viaWebhookReply?: boolean;
}

export interface UploadedFile {
  filename: string;
  contentType?: string;
  size: number;
  /** The file_id the fake gave the uploaded bytes (they can be fetched with getFile). */
  fileId?: string;
}

export interface LimitOptions {
  /** Sends accepted per second over all chats (Telegram: about 30). */
  globalPerSecond: number;
  /** Sustained sends per second to one chat (Telegram: about 1). */
  perChatPerSecond: number;
  /** Sends to one chat allowed at once before the per-second rate applies (short bursts). */
  perChatBurst: number;
  /** Sends per minute to one group chat, chat id < 0 (Telegram: 20). */
  groupPerMinute: number;
}

export interface FakeTelegramOptions {
  token?: string;
  /** Answer 429 with retry_after beyond Telegram's rate limits (see {@link LimitOptions}). */
  enforceLimits?: boolean;
  limits?: Partial<LimitOptions>;
  botUsername?: string;
  botFirstName?: string;
  /**
   * The first message id of every chat (default 1). Telegram numbers a chat's messages on from its
   * last one, whatever becomes of the bot; a fake standing for the same Telegram after an earlier
   * fake (the upgrade test's restored data) starts past that fake's numbers.
   */
  firstMessageId?: number;
  /**
   * The first update_id (default 100_000_001). Telegram's update ids go on increasing from the
   * last one ("If there are no new updates for at least a week, then identifier of the next
   * update will be chosen randomly instead of sequentially", Bot API, Update); the same holds.
   */
  firstUpdateId?: number;
}

interface UserOptions {
  userId: number;
  firstName?: string;
  lastName?: string;
  username?: string;
  /** Default 'ar'. */
  languageCode?: string;
}

interface MessageOptions extends UserOptions {
  chatId: number;
  /** Default 'private' for chat ids > 0, 'group' (or 'supergroup' below -10^12) otherwise. */
  chatType?: ChatType;
  /** Default: the next message id in that chat. */
  messageId?: number;
  /** Unix seconds; default now. */
  date?: number;
  /**
   * The message_id, in the same chat, of the message this one replies to (Bot API, Message:
   * "reply_to_message: For replies in the same chat and message thread, the original message").
   * The message gets `reply_to_message` only while the fake still holds that message: the Bot API
   * server leaves the field out for a deleted or unknown original (tdlib/telegram-bot-api
   * Client::JsonMessage::store, is_reply_to_message_deleted / "Replied to unknown or deleted message").
   */
  replyTo?: number;
}

// ---------------------------------------------------------------------------------------------
// Internals

const DEFAULT_TOKEN = '123456789:AAFakeTokenForTests_abcdefghijklmnopq';
const DEFAULT_LIMITS: LimitOptions = { globalPerSecond: 30, perChatPerSecond: 1, perChatBurst: 3, groupPerMinute: 20 };
const MAX_BODY_BYTES = 60 * 1024 * 1024;
const GET_FILE_LIMIT = 20 * 1024 * 1024;

const SEND_METHODS = new Set(['sendMessage', 'sendPhoto', 'sendDocument']);
/** Methods that count against the rate limits. */
const LIMITED_METHODS = new Set(['sendMessage', 'sendPhoto', 'sendDocument', 'editMessageText']);
/** Fields that clients send as JSON strings inside forms. */
const JSON_FIELDS = [
  'reply_markup',
  'entities',
  'caption_entities',
  'allowed_updates',
  'commands',
  'scope',
  'link_preview_options',
  'reply_parameters',
  'media',
];
const DEFAULT_ALLOWED_UPDATES = new Set([
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'inline_query',
  'chosen_inline_result',
  'callback_query',
  'shipping_query',
  'pre_checkout_query',
  'poll',
  'poll_answer',
  'my_chat_member',
  'chat_join_request',
  'chat_boost',
  'removed_chat_boost',
]);
const HTML_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'tg-emoji']);

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {
    super(description);
  }
}

const badRequest = (what: string) => new ApiError(400, `Bad Request: ${what}`);

/**
 * What the Bot API server answers when Telegram refuses a send with USER_IS_BLOCKED
 * (tdlib/telegram-bot-api Client.cpp, fail_query_with_error: USER_IS_BLOCKED → 403
 * "bot was blocked by the user", prefixed "Forbidden: ").
 */
const blockedByUser = () => new ApiError(403, 'Forbidden: bot was blocked by the user');

interface StoredFile {
  fileId: string;
  uniqueId: string;
  path: string;
  bytes: Buffer;
  size: number;
}

interface StoredMessage {
  message: Record<string, unknown>;
  fromBot: boolean;
}

interface Waiter {
  wake: (reason: 'update' | 'timeout' | 'conflict' | 'closed' | 'stopped') => void;
}

interface Fault extends FaultSpec {
  left: number;
}

type Params = Record<string, unknown>;
type Handler = (params: Params, res: ServerResponse | undefined) => unknown;

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return undefined;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function uniqueIdFor(fileId: string): string {
  return `AQAD${createHash('sha1').update(fileId).digest('base64url').slice(0, 12)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Parses a multipart/form-data body (RFC 7578) held in memory. */
export function parseMultipart(
  body: Buffer,
  boundary: string,
): { fields: Record<string, string>; files: Record<string, { filename: string; contentType?: string; data: Buffer }> } {
  const fields: Record<string, string> = {};
  const files: Record<string, { filename: string; contentType?: string; data: Buffer }> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new Error('multipart boundary not found');
  pos += delimiter.length;
  for (;;) {
    // After a delimiter: "--" ends the body, otherwise CRLF and a part follow.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++; // transport padding
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) throw new Error('malformed multipart delimiter');
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw new Error('multipart part without header end');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const dataStart = headerEnd + 4;
    const dataEnd = body.indexOf(nextDelimiter, dataStart);
    if (dataEnd < 0) throw new Error('multipart part not terminated');
    const data = body.subarray(dataStart, dataEnd);
    pos = dataEnd + nextDelimiter.length;

    const disposition = headers['content-disposition'] ?? '';
    const dispParams: Record<string, string> = {};
    for (const m of disposition.matchAll(/;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
      const key = (m[1] ?? '').toLowerCase();
      dispParams[key] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
    }
    const name = dispParams.name;
    if (name === undefined) continue;
    if (dispParams.filename !== undefined) {
      files[name] = { filename: dispParams.filename, contentType: headers['content-type'], data: Buffer.from(data) };
    } else {
      fields[name] = data.toString('utf8');
    }
  }
  return { fields, files };
}

// ---------------------------------------------------------------------------------------------

export class FakeTelegram {
  readonly token: string;
  readonly apiRoot: string;
  readonly calls: RecordedCall[] = [];
  enforceLimits: boolean;
  readonly limits: LimitOptions;
  /** 429 answers given, from the rate limits or injected. */
  tooManyRequests = 0;
  /** The bot as getMe describes it. */
  readonly botUser: User & { can_join_groups: boolean; can_read_all_group_messages: boolean; supports_inline_queries: boolean };

  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private stopped = false;
  private readonly cancelDelays = new Set<() => void>();

  private updates: Update[] = [];
  private nextUpdateId = 100_000_001;
  private allowedUpdates = DEFAULT_ALLOWED_UPDATES;
  private waiter: Waiter | undefined;

  private webhook: { url: string; secretToken?: string; maxConnections: number; allowedUpdates?: string[]; ipAddress?: string } | undefined;
  private readonly commands = new Map<string, unknown[]>();

  private readonly chats = new Map<string, Chat>();
  private readonly messages = new Map<string, StoredMessage>();
  private readonly nextMessageIds = new Map<string, number>();
  private readonly firstMessageId: number;
  private readonly files = new Map<string, StoredFile>();
  private readonly filesByPath = new Map<string, StoredFile>();
  private fileCounter = 0;
  private readonly callbackQueries = new Map<string, { answered: boolean }>();
  private callbackCounter = 0;
  /** Users who blocked the bot: sends to their private chat fail. */
  private readonly blockedUsers = new Set<number>();
  /** The bot's messages sent with a ForceReply, for `forcedReplies`. */
  private readonly forced: { chatId: number; messageId: number; text: string }[] = [];

  private readonly faults = new Map<string, Fault[]>();
  /** Uploaded bytes, kept out of the recorded params. */
  private readonly uploadBytes = new WeakMap<UploadedFile, Buffer>();

  // rate limiting (monotonic milliseconds)
  private globalSends: number[] = [];
  private readonly chatBuckets = new Map<string, { tokens: number; last: number }>();
  private readonly groupSends = new Map<string, number[]>();
  private readonly lastSendAt = new Map<string, number>();
  private readonly minGaps = new Map<string, number>();

  private readonly handlers: Record<string, Handler>;
  private readonly canonical: Map<string, string>;

  private constructor(server: Server, port: number, options: FakeTelegramOptions) {
    this.server = server;
    this.token = options.token ?? DEFAULT_TOKEN;
    this.apiRoot = `http://127.0.0.1:${port}`;
    this.enforceLimits = options.enforceLimits ?? false;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.firstMessageId = options.firstMessageId ?? 1;
    this.nextUpdateId = options.firstUpdateId ?? this.nextUpdateId;
    const botId = Number(this.token.split(':')[0]);
    this.botUser = {
      id: Number.isSafeInteger(botId) ? botId : 123456789,
      is_bot: true,
      first_name: options.botFirstName ?? 'Intake Test Bot',
      username: options.botUsername ?? 'intake_test_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    };
    this.handlers = {
      getMe: () => this.botUser,
      logOut: () => true,
      close: () => true,
      getUpdates: (p, res) => this.getUpdates(p, res),
      setWebhook: (p) => this.setWebhook(p),
      deleteWebhook: (p) => this.deleteWebhook(p),
      getWebhookInfo: () => this.getWebhookInfo(),
      setMyCommands: (p) => this.setMyCommands(p),
      getMyCommands: (p) => this.commands.get(this.commandsKey(p)) ?? [],
      deleteMyCommands: (p) => {
        this.commands.delete(this.commandsKey(p));
        return true;
      },
      sendMessage: (p) => this.sendMessage(p),
      // Like Telegram: true once the chat is named; the bot is then simply out of it.
      leaveChat: (p) => {
        this.requireChat(p);
        return true;
      },
      sendPhoto: (p) => this.sendPhoto(p),
      sendDocument: (p) => this.sendDocument(p),
      sendChatAction: (p) => {
        this.requireNotBlocked(this.requireChat(p));
        return true;
      },
      editMessageText: (p) => this.editMessage(p, 'text'),
      editMessageReplyMarkup: (p) => this.editMessage(p, 'markup'),
      deleteMessage: (p) => this.deleteMessage(p),
      answerCallbackQuery: (p) => this.answerCallbackQuery(p),
      getFile: (p) => this.getFile(p),
    };
    this.canonical = new Map(Object.keys(this.handlers).map((m) => [m.toLowerCase(), m]));
  }

  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const fake = new FakeTelegram(server, port, options);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      fake.onRequest(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          fake.writeJson(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(err)}` });
        }
      });
    });
    return fake;
  }

  /** Answers a pending long poll with no updates, cancels delays and closes every connection. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.waiter?.wake('stopped');
    for (const cancel of [...this.cancelDelays]) cancel();
    // Let pending answers be written before the sockets go.
    await new Promise((resolve) => setImmediate(resolve));
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  // -------------------------------------------------------------------------------------------
  // Test controls

  /** Queues an update for getUpdates; assigns an increasing `update_id` unless one is given. */
  pushUpdate(update: NewUpdate | Update): number {
    const full = this.withId(update);
    const index = this.updates.findIndex((u) => u.update_id > full.update_id);
    if (index < 0) this.updates.push(full);
    else this.updates.splice(index, 0, full);
    this.waiter?.wake('update');
    return full.update_id;
  }

  /** Updates queued and not yet confirmed by a getUpdates offset. */
  get pendingUpdateCount(): number {
    return this.updates.length;
  }

  /** The bytes of a file the bot uploaded (its `UploadedFile.fileId`), as Telegram keeps them. */
  uploadedBytes(fileId: string): Buffer | undefined {
    return this.files.get(fileId)?.bytes;
  }

  /** Registers downloadable bytes under `fileId` (for getFile and the download path). */
  addFile(fileId: string, bytes: Buffer | Uint8Array | string, options: { path?: string; size?: number } = {}): { fileId: string; path: string; size: number } {
    const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    const path = options.path ?? `documents/file_${++this.fileCounter}`;
    const stored: StoredFile = { fileId, uniqueId: uniqueIdFor(fileId), path, bytes: data, size: options.size ?? data.length };
    const previous = this.files.get(fileId);
    if (previous) this.filesByPath.delete(previous.path);
    this.files.set(fileId, stored);
    this.filesByPath.set(path, stored);
    return { fileId, path, size: stored.size };
  }

  /**
   * Makes the next `times` calls of `method` fail (or be slow). Use `download` for the file
   * download path. Faults queue up: two `failNext` calls apply one after the other.
   */
  failNext(method: string, spec: FaultSpec): void {
    const key = this.canonical.get(method.toLowerCase()) ?? method;
    const list = this.faults.get(key) ?? [];
    list.push({ ...spec, left: spec.times ?? 1 });
    this.faults.set(key, list);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  clearCalls(): void {
    this.calls.length = 0;
  }

  /** sendMessage/sendPhoto/sendDocument calls that were carried out (answered ok, or dropped after processing), in order (one chat's if given). */
  sent(chatId?: number | string): RecordedCall[] {
    return this.calls.filter((c) => SEND_METHODS.has(c.method) && c.result !== undefined && (chatId === undefined || str(c.params.chat_id) === String(chatId)));
  }

  /** Texts (or captions) of `sent(chatId)`. */
  sentTexts(chatId?: number | string): string[] {
    return this.sent(chatId).map((c) => str(c.params.text) ?? str(c.params.caption) ?? '');
  }

  /**
   * The bot's messages sent with a ForceReply markup, in order (one chat's if given). A ForceReply
   * leaves no trace in the returned Message (only inline keyboards are echoed in
   * Message.reply_markup), so tests read it here. `text` is the caption for photos and documents.
   */
  forcedReplies(chatId?: number | string): { chatId: number; messageId: number; text: string }[] {
    return this.forced.filter((f) => chatId === undefined || String(f.chatId) === String(chatId)).map((f) => ({ ...f }));
  }

  /**
   * The user blocks the bot: until `unblock`, every send to their private chat (sendMessage,
   * sendPhoto, sendDocument, sendChatAction, editMessageText, editMessageReplyMarkup) fails with
   * 403 "Forbidden: bot was blocked by the user". No update is pushed; build the 'kicked'
   * my_chat_member update with `myChatMember` when the test wants the bot to hear of it.
   */
  block(userId: number): void {
    this.blockedUsers.add(userId);
  }

  unblock(userId: number): void {
    this.blockedUsers.delete(userId);
  }

  /** Resolves with the first recorded call that satisfies `predicate` (checked every 20 ms). */
  async waitFor(predicate: (call: RecordedCall) => boolean, timeoutMs = 5000): Promise<RecordedCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.calls.find((c) => predicate(c));
      if (found) return found;
      if (Date.now() >= deadline) {
        const recent = this.calls.slice(-15).map((c) => `  ${describeCall(c)}`);
        throw new Error(
          `FakeTelegram.waitFor: no call matched within ${timeoutMs} ms; ${this.calls.length} calls recorded` +
            (recent.length ? `, the last ${recent.length}:\n${recent.join('\n')}` : ''),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The smallest gap in ms between two accepted rate-limited sends to the same chat (or to `chatId`); Infinity if none. */
  minGapMsPerChat(chatId?: number | string): number {
    if (chatId !== undefined) return this.minGaps.get(String(chatId)) ?? Number.POSITIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    for (const gap of this.minGaps.values()) min = Math.min(min, gap);
    return min;
  }

  /** The webhook set with setWebhook, if any. */
  get webhookInfo(): { url: string; secretToken?: string } | undefined {
    return this.webhook ? { url: this.webhook.url, secretToken: this.webhook.secretToken } : undefined;
  }

  /**
   * POSTs `update` as Telegram does to a webhook (assigning an update_id when missing), with
   * `X-Telegram-Bot-Api-Secret-Token` when `secretToken` is given, and returns the HTTP status.
   * A method call in the JSON answer (telegraf's webhookReply) is carried out and recorded with
   * `viaWebhookReply: true`, as Telegram does; its outcome never reaches the bot.
   */
  async deliverToWebhook(url: string, update: NewUpdate | Update, secretToken?: string): Promise<number> {
    const full = this.withId(update);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (secretToken !== undefined) headers['x-telegram-bot-api-secret-token'] = secretToken;
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(full), signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    if (res.ok && (res.headers.get('content-type') ?? '').includes('application/json')) {
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch {
        payload = undefined;
      }
      if (isObject(payload) && typeof payload.method === 'string') {
        const { method, ...params } = payload;
        const call: RecordedCall = { method: this.canonical.get(method.toLowerCase()) ?? method, params, at: Date.now(), viaWebhookReply: true };
        this.calls.push(call);
        const answer = await this.execute(call.method, params, undefined);
        this.recordAnswer(call, answer.status, answer.body);
      }
    }
    return res.status;
  }

  // -------------------------------------------------------------------------------------------
  // Update builders (they return updates; nothing is pushed)

  textMessage(o: MessageOptions & { text: string }): NewUpdate<Update.MessageUpdate<Message.TextMessage>> {
    const message = { ...this.baseMessage(o), text: o.text } as Incoming<Message.TextMessage>;
    const command = /^\/[^\s@]+(@\w+)?/.exec(o.text);
    if (command) message.entities = [{ type: 'bot_command', offset: 0, length: command[0].length }];
    this.storeMessage(message, false);
    return { message };
  }

  /** A photo in three sizes, the largest last with `fileId` (register its bytes with addFile). */
  photoMessage(o: MessageOptions & { fileId: string; caption?: string }): NewUpdate<Update.MessageUpdate<Message.PhotoMessage>> {
    const size = this.files.get(o.fileId)?.size ?? 120_000;
    const message = {
      ...this.baseMessage(o),
      photo: [
        { file_id: `${o.fileId}-s`, file_unique_id: uniqueIdFor(`${o.fileId}-s`), width: 90, height: 67, file_size: Math.max(1, Math.round(size / 60)) },
        { file_id: `${o.fileId}-m`, file_unique_id: uniqueIdFor(`${o.fileId}-m`), width: 320, height: 240, file_size: Math.max(1, Math.round(size / 8)) },
        { file_id: o.fileId, file_unique_id: uniqueIdFor(o.fileId), width: 1280, height: 960, file_size: size },
      ],
    } as Incoming<Message.PhotoMessage>;
    if (o.caption !== undefined) message.caption = o.caption;
    this.storeMessage(message, false);
    return { message };
  }

  documentMessage(
    o: MessageOptions & { fileId: string; mimeType: string; fileName: string; caption?: string },
  ): NewUpdate<Update.MessageUpdate<Message.DocumentMessage>> {
    const message = {
      ...this.baseMessage(o),
      document: {
        file_id: o.fileId,
        file_unique_id: uniqueIdFor(o.fileId),
        file_name: o.fileName,
        mime_type: o.mimeType,
        file_size: this.files.get(o.fileId)?.size ?? 50_000,
      },
    } as Incoming<Message.DocumentMessage>;
    if (o.caption !== undefined) message.caption = o.caption;
    this.storeMessage(message, false);
    return { message };
  }

  stickerMessage(o: MessageOptions & { fileId?: string; emoji?: string }): NewUpdate<Update.MessageUpdate<Message.StickerMessage>> {
    const fileId = o.fileId ?? `CAACAgIAAxkBAAI${randomBytes(9).toString('base64url')}`;
    const message = {
      ...this.baseMessage(o),
      sticker: {
        file_id: fileId,
        file_unique_id: uniqueIdFor(fileId),
        type: 'regular',
        width: 512,
        height: 512,
        is_animated: false,
        is_video: false,
        emoji: o.emoji ?? '👍',
        set_name: 'TestStickers',
        file_size: this.files.get(fileId)?.size ?? 24_000,
      },
    } as Incoming<Message.StickerMessage>;
    this.storeMessage(message, false);
    return { message };
  }

  voiceMessage(o: MessageOptions & { fileId?: string; duration?: number }): NewUpdate<Update.MessageUpdate<Message.VoiceMessage>> {
    const fileId = o.fileId ?? `AwACAgQAAxkBAAI${randomBytes(9).toString('base64url')}`;
    const message = {
      ...this.baseMessage(o),
      voice: {
        file_id: fileId,
        file_unique_id: uniqueIdFor(fileId),
        duration: o.duration ?? 3,
        mime_type: 'audio/ogg',
        file_size: this.files.get(fileId)?.size ?? 9_000,
      },
    } as Incoming<Message.VoiceMessage>;
    this.storeMessage(message, false);
    return { message };
  }

  /** Default position: Riyadh. */
  locationMessage(o: MessageOptions & { latitude?: number; longitude?: number }): NewUpdate<Update.MessageUpdate<Message.LocationMessage>> {
    const message = {
      ...this.baseMessage(o),
      location: { latitude: o.latitude ?? 24.713552, longitude: o.longitude ?? 46.675296 },
    } as Incoming<Message.LocationMessage>;
    this.storeMessage(message, false);
    return { message };
  }

  /**
   * A shared contact. Telegram sends the user's own number without '+' (e.g. '966501234567');
   * `contactUserId` defaults to the sender (sharing one's own contact).
   */
  contactMessage(
    o: MessageOptions & { phoneNumber: string; contactFirstName?: string; contactLastName?: string; contactUserId?: number | null },
  ): NewUpdate<Update.MessageUpdate<Message.ContactMessage>> {
    const contact: Message.ContactMessage['contact'] = { phone_number: o.phoneNumber, first_name: o.contactFirstName ?? o.firstName ?? 'Test' };
    if (o.contactLastName !== undefined) contact.last_name = o.contactLastName;
    const contactUserId = o.contactUserId === undefined ? o.userId : o.contactUserId;
    if (contactUserId !== null) contact.user_id = contactUserId;
    const message = { ...this.baseMessage(o), contact } as Incoming<Message.ContactMessage>;
    this.storeMessage(message, false);
    return { message };
  }

  /**
   * A button press on the bot's message `messageId` in `chatId`. The query's `message` is the
   * message the fake sent with that id (with its text and keyboard), or a stand-in bot message.
   */
  callbackQuery(o: UserOptions & { chatId: number; chatType?: ChatType; messageId: number; data: string }): NewUpdate<Update.CallbackQueryUpdate> {
    const chat = this.chatFor(o.chatId, o.chatType, o);
    let stored = this.messages.get(`${o.chatId}:${o.messageId}`);
    if (!stored) {
      const message = { message_id: o.messageId, from: this.botFrom(), chat, date: nowSeconds(), text: 'Message' };
      this.bumpMessageId(String(o.chatId), o.messageId);
      stored = { message, fromBot: true };
      this.messages.set(`${o.chatId}:${o.messageId}`, stored);
    }
    const id = `${o.userId}${String(++this.callbackCounter).padStart(7, '0')}`;
    this.callbackQueries.set(id, { answered: false });
    const callbackQuery = {
      id,
      from: this.user(o),
      message: structuredClone(stored.message),
      chat_instance: `${BigInt.asIntN(64, BigInt(`0x${createHash('sha1').update(String(o.chatId)).digest('hex').slice(0, 16)}`))}`,
      data: o.data,
    } as unknown as CallbackQuery.DataQuery;
    return { callback_query: callbackQuery };
  }

  /** An edit of the user's message `messageId` (default: a new id) to `text`. */
  editedMessage(o: MessageOptions & { text: string; originalDate?: number }): NewUpdate<Update.EditedMessageUpdate> {
    const base = this.baseMessage(o);
    const edited = {
      ...base,
      date: o.originalDate ?? base.date - 30,
      edit_date: nowSeconds(),
      text: o.text,
    } as Message.TextMessage & { edit_date: number };
    const stored = this.messages.get(`${o.chatId}:${edited.message_id}`);
    if (stored && !stored.fromBot) stored.message = { ...stored.message, text: o.text, edit_date: edited.edit_date };
    return { edited_message: edited } as NewUpdate<Update.EditedMessageUpdate>;
  }

  /**
   * The bot's membership changed in a chat: 'kicked' in a private chat means the user blocked
   * the bot; 'member' after 'kicked' means they unblocked (or started) it.
   */
  myChatMember(
    o: Partial<UserOptions> & { chatId: number; chatType?: ChatType; newStatus: ChatMember['status']; oldStatus?: ChatMember['status'] },
  ): NewUpdate<Update.MyChatMemberUpdate> {
    const userOpts: UserOptions = { ...o, userId: o.userId ?? (o.chatId > 0 ? o.chatId : 1) };
    const chat = this.chatFor(o.chatId, o.chatType, userOpts);
    const oldStatus = o.oldStatus ?? (o.newStatus === 'member' ? (chat.type === 'private' ? 'kicked' : 'left') : 'member');
    return {
      my_chat_member: {
        chat,
        from: this.user(userOpts),
        date: nowSeconds(),
        old_chat_member: this.memberWithStatus(oldStatus),
        new_chat_member: this.memberWithStatus(o.newStatus),
      },
    } as NewUpdate<Update.MyChatMemberUpdate>;
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch && req.method === 'GET') {
      req.resume();
      await this.onDownload(req, res, fileMatch[1] ?? '', decodeURIComponent(fileMatch[2] ?? ''));
      return;
    }
    const apiMatch = /^\/bot([^/]+)\/([^/]*)$/.exec(url.pathname);
    if (!apiMatch) {
      req.resume();
      this.writeJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    const rawMethod = decodeURIComponent(apiMatch[2] ?? '');
    const method = this.canonical.get(rawMethod.toLowerCase()) ?? rawMethod;

    let params: Params;
    try {
      const body = await readBody(req);
      params = { ...Object.fromEntries(url.searchParams), ...this.parseBody(req, body) };
    } catch (err) {
      const call: RecordedCall = { method, params: {}, at: Date.now() };
      this.calls.push(call);
      const tooBig = err instanceof Error && err.message === 'too large';
      const answer = tooBig
        ? { status: 413, body: { ok: false, error_code: 413, description: 'Request Entity Too Large' } }
        : { status: 400, body: { ok: false, error_code: 400, description: `Bad Request: ${err instanceof Error ? err.message : String(err)}` } };
      this.recordAnswer(call, answer.status, answer.body);
      this.writeJson(res, answer.status, answer.body);
      return;
    }

    const call: RecordedCall = { method, params, at: Date.now() };
    this.calls.push(call);

    if (apiMatch[1] !== this.token) {
      this.answer(res, call, { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
      return;
    }

    const fault = this.takeFault(method);
    if (fault) {
      switch (fault.kind) {
        case '429': {
          const retryAfter = fault.retryAfter ?? 1;
          this.answer(res, call, this.errorAnswer(new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter })));
          return;
        }
        case '500':
          this.answer(res, call, { status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } });
          return;
        case '502':
          this.answer(res, call, { status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } });
          return;
        case '403':
          this.answer(res, call, this.errorAnswer(new ApiError(403, "Forbidden: bot can't initiate conversation with a user")));
          return;
        case 'drop':
          if (fault.processed) {
            const answer = await this.execute(method, params, res);
            call.result = answer.body.result;
          }
          call.status = 0;
          req.socket.destroy();
          return;
        case 'slow':
          await this.delay(fault.delayMs ?? 1000);
          break;
      }
    }
    this.answer(res, call, await this.execute(method, params, res));
  }

  private async onDownload(_req: IncomingMessage, res: ServerResponse, token: string, path: string): Promise<void> {
    const call: RecordedCall = { method: 'download', params: { file_path: path }, at: Date.now() };
    this.calls.push(call);
    if (token !== this.token) {
      this.answer(res, call, { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
      return;
    }
    const fault = this.takeFault('download');
    if (fault?.kind === 'drop') {
      call.status = 0;
      res.socket?.destroy();
      return;
    }
    if (fault?.kind === 'slow') await this.delay(fault.delayMs ?? 1000);
    else if (fault) {
      const code = fault.kind === '429' ? 429 : fault.kind === '403' ? 403 : Number(fault.kind);
      this.answer(res, call, {
        status: code,
        body: { ok: false, error_code: code, description: code === 429 ? 'Too Many Requests' : 'Internal Server Error' },
      });
      return;
    }
    const file = this.filesByPath.get(path);
    if (!file) {
      this.answer(res, call, { status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } });
      return;
    }
    call.status = 200;
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.bytes.length });
    res.end(file.bytes);
  }

  private parseBody(req: IncomingMessage, body: Buffer): Params {
    if (body.length === 0) return {};
    const contentType = req.headers['content-type'] ?? '';
    if (contentType.startsWith('application/json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new Error("can't parse JSON");
      }
      return isObject(parsed) ? parsed : {};
    }
    const params: Params = {};
    if (contentType.startsWith('multipart/form-data')) {
      const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
      if (!boundary) throw new Error('multipart boundary missing');
      const { fields, files } = parseMultipart(body, boundary[1] ?? boundary[2] ?? '');
      Object.assign(params, fields);
      const uploads: Record<string, UploadedFile> = {};
      for (const [name, file] of Object.entries(files)) {
        const upload: UploadedFile = { filename: file.filename, size: file.data.length };
        if (file.contentType !== undefined) upload.contentType = file.contentType;
        this.uploadBytes.set(upload, file.data);
        uploads[name] = upload;
      }
      // attach://name references point at another part.
      for (const [name, value] of Object.entries(params)) {
        if (typeof value === 'string' && value.startsWith('attach://')) {
          const target = uploads[value.slice('attach://'.length)];
          if (target) params[name] = target;
        }
      }
      for (const [name, upload] of Object.entries(uploads)) if (!(name in params)) params[name] = upload;
    } else {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    }
    for (const field of JSON_FIELDS) {
      const value = params[field];
      if (typeof value === 'string') {
        try {
          params[field] = JSON.parse(value);
        } catch {
          // leave it as sent; the handler complains if it matters
        }
      }
    }
    return params;
  }

  private takeFault(method: string): Fault | undefined {
    const list = this.faults.get(method);
    const fault = list?.[0];
    if (!list || !fault) return undefined;
    fault.left -= 1;
    if (fault.left <= 0) list.shift();
    return fault;
  }

  private async execute(method: string, params: Params, res: ServerResponse | undefined): Promise<{ status: number; body: Record<string, unknown> }> {
    const handler = this.handlers[method];
    if (!handler) return { status: 404, body: { ok: false, error_code: 404, description: 'Not Found: method not found' } };
    try {
      const result = await handler(params, res);
      const body: Record<string, unknown> = { ok: true, result };
      if (method === 'setWebhook') body.description = result === true && this.webhook ? 'Webhook was set' : 'Webhook was deleted';
      if (method === 'deleteWebhook') body.description = 'Webhook was deleted';
      return { status: 200, body };
    } catch (err) {
      if (err instanceof ApiError) return this.errorAnswer(err);
      throw err;
    }
  }

  private errorAnswer(err: ApiError): { status: number; body: Record<string, unknown> } {
    const body: Record<string, unknown> = { ok: false, error_code: err.code, description: err.description };
    if (err.parameters) body.parameters = err.parameters;
    return { status: err.code, body };
  }

  private answer(res: ServerResponse, call: RecordedCall, answer: { status: number; body: Record<string, unknown> }): void {
    this.recordAnswer(call, answer.status, answer.body);
    this.writeJson(res, answer.status, answer.body);
  }

  private recordAnswer(call: RecordedCall, status: number, body: Record<string, unknown>): void {
    call.status = status;
    if (body.ok === true) call.result = body.result;
    else call.error = str(body.description);
    if (status === 429) this.tooManyRequests += 1;
  }

  private writeJson(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed || res.writableEnded) return;
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.cancelDelays.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.cancelDelays.add(done);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Methods

  private async getUpdates(p: Params, res: ServerResponse | undefined): Promise<Update[]> {
    if (this.webhook) {
      throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    }
    // Another getUpdates is waiting: Telegram answers that older one 409.
    this.waiter?.wake('conflict');

    const offset = num(p.offset) ?? 0;
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    else if (offset < 0) this.updates = this.updates.slice(offset);
    const limit = Math.min(100, Math.max(1, num(p.limit) ?? 100));
    const timeoutSec = Math.max(0, num(p.timeout) ?? 0);
    if (Array.isArray(p.allowed_updates)) {
      const allowed = p.allowed_updates.filter((t): t is string => typeof t === 'string');
      this.allowedUpdates = allowed.length > 0 ? new Set(allowed) : DEFAULT_ALLOWED_UPDATES;
    }
    const select = () => this.updates.filter((u) => this.isAllowed(u)).slice(0, limit);

    let available = select();
    if (available.length > 0 || timeoutSec === 0 || this.stopped) return available;

    const reason = await new Promise<Parameters<Waiter['wake']>[0]>((resolve) => {
      let settled = false;
      const waiter: Waiter = {
        wake: (why) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          res?.off('close', onClose);
          if (this.waiter === waiter) this.waiter = undefined;
          resolve(why);
        },
      };
      const onClose = () => waiter.wake('closed');
      const timer = setTimeout(() => waiter.wake('timeout'), timeoutSec * 1000);
      res?.on('close', onClose);
      this.waiter = waiter;
    });
    if (reason === 'conflict') {
      throw new ApiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    }
    if (reason === 'stopped' || reason === 'closed') return [];
    available = select();
    return available;
  }

  private isAllowed(update: Update): boolean {
    return Object.keys(update).some((k) => k !== 'update_id' && this.allowedUpdates.has(k));
  }

  private setWebhook(p: Params): true {
    const url = str(p.url) ?? '';
    if (url === '') {
      this.webhook = undefined;
      return true;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest('invalid webhook URL specified');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw badRequest('bad webhook: HTTPS url must be provided for webhook');
    const secret = str(p.secret_token);
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest('secret token contains unallowed characters');
    if (bool(p.drop_pending_updates)) this.updates = [];
    this.webhook = { url, maxConnections: num(p.max_connections) ?? 40 };
    if (secret !== undefined) this.webhook.secretToken = secret;
    if (Array.isArray(p.allowed_updates)) this.webhook.allowedUpdates = p.allowed_updates.filter((t): t is string => typeof t === 'string');
    const ip = str(p.ip_address);
    if (ip !== undefined) this.webhook.ipAddress = ip;
    return true;
  }

  private deleteWebhook(p: Params): true {
    this.webhook = undefined;
    if (bool(p.drop_pending_updates)) this.updates = [];
    return true;
  }

  private getWebhookInfo(): Record<string, unknown> {
    const info: Record<string, unknown> = {
      url: this.webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.updates.length,
    };
    if (this.webhook) {
      info.max_connections = this.webhook.maxConnections;
      if (this.webhook.ipAddress) info.ip_address = this.webhook.ipAddress;
      if (this.webhook.allowedUpdates) info.allowed_updates = this.webhook.allowedUpdates;
    }
    return info;
  }

  private commandsKey(p: Params): string {
    return JSON.stringify([p.scope ?? { type: 'default' }, str(p.language_code) ?? '']);
  }

  private setMyCommands(p: Params): true {
    if (!Array.isArray(p.commands)) throw badRequest('parameter "commands" is required');
    if (p.commands.length > 100) throw badRequest('too many commands specified');
    for (const c of p.commands) {
      if (!isObject(c) || typeof c.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command)) throw badRequest('BOT_COMMAND_INVALID');
      if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256) {
        throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
      }
    }
    this.commands.set(this.commandsKey(p), p.commands);
    return true;
  }

  private sendMessage(p: Params): Record<string, unknown> {
    const chat = this.requireChat(p);
    const text = str(p.text) ?? '';
    if (text.trim() === '') throw badRequest('message text is empty');
    if (text.length > 4096) throw badRequest('message is too long');
    checkFormatting(text, str(p.parse_mode));
    const markup = checkReplyMarkup(p.reply_markup);
    this.requireNotBlocked(chat);
    this.admitSend('sendMessage', chat);
    return this.storeSent({ ...this.newBotMessage(chat), text }, markup);
  }

  private sendPhoto(p: Params): Record<string, unknown> {
    const chat = this.requireChat(p);
    const caption = this.checkCaption(p);
    const markup = checkReplyMarkup(p.reply_markup);
    const file = this.resolveInputFile(p.photo, 'photo');
    this.requireNotBlocked(chat);
    this.admitSend('sendPhoto', chat);
    const message: Record<string, unknown> & { chat: Chat; message_id: number } = {
      ...this.newBotMessage(chat),
      photo: [
        {
          file_id: `${file.fileId}-s`,
          file_unique_id: uniqueIdFor(`${file.fileId}-s`),
          width: 90,
          height: 67,
          file_size: Math.max(1, Math.round(file.size / 60)),
        },
        {
          file_id: `${file.fileId}-m`,
          file_unique_id: uniqueIdFor(`${file.fileId}-m`),
          width: 320,
          height: 240,
          file_size: Math.max(1, Math.round(file.size / 8)),
        },
        { file_id: file.fileId, file_unique_id: file.uniqueId, width: 1280, height: 960, file_size: file.size },
      ],
    };
    if (caption !== undefined) message.caption = caption;
    return this.storeSent(message, markup);
  }

  private sendDocument(p: Params): Record<string, unknown> {
    const chat = this.requireChat(p);
    const caption = this.checkCaption(p);
    const markup = checkReplyMarkup(p.reply_markup);
    const file = this.resolveInputFile(p.document, 'document');
    this.requireNotBlocked(chat);
    this.admitSend('sendDocument', chat);
    const document: Record<string, unknown> = { file_id: file.fileId, file_unique_id: file.uniqueId, file_size: file.size };
    if (file.fileName !== undefined) document.file_name = file.fileName;
    document.mime_type = file.mimeType ?? 'application/octet-stream';
    const message: Record<string, unknown> & { chat: Chat; message_id: number } = { ...this.newBotMessage(chat), document };
    if (caption !== undefined) message.caption = caption;
    return this.storeSent(message, markup);
  }

  private editMessage(p: Params, what: 'text' | 'markup'): Record<string, unknown> | true {
    const parsed = checkReplyMarkup(p.reply_markup);
    // Edits take inline keyboards only; tdlib answers any other markup (a ForceReply too) with
    // "Inline keyboard expected" (td/telegram/ReplyMarkup.cpp, get_reply_markup).
    if (parsed && parsed.kind !== 'inline') throw badRequest('inline keyboard expected');
    const markup = parsed?.markup;
    let text: string | undefined;
    if (what === 'text') {
      text = str(p.text) ?? '';
      if (text.trim() === '') throw badRequest('message text is empty');
      if (text.length > 4096) throw badRequest('message is too long');
      checkFormatting(text, str(p.parse_mode));
    }
    if (p.inline_message_id !== undefined) {
      if (what === 'text') this.admitSend('editMessageText', undefined);
      return true;
    }
    const chat = this.requireChat(p);
    const messageId = num(p.message_id);
    if (messageId === undefined) throw badRequest('message identifier is not specified');
    const stored = this.messages.get(`${chat.id}:${messageId}`);
    if (!stored) throw badRequest('message to edit not found');
    if (!stored.fromBot) throw badRequest("message can't be edited");
    const current = stored.message;
    if (what === 'text' && !('text' in current)) throw badRequest('there is no text in the message to edit');
    // The checks above are the Bot API server's own; the block is Telegram's answer to the edit.
    this.requireNotBlocked(chat);
    const newText = what === 'text' ? text : current.text;
    // As on Telegram, an edit without reply_markup removes the inline keyboard.
    const newMarkup = markup;
    if (newText === current.text && sameJson(newMarkup, current.reply_markup)) {
      throw badRequest(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    }
    if (what === 'text') this.admitSend('editMessageText', chat);
    const updated: Record<string, unknown> = { ...current, edit_date: nowSeconds() };
    if (what === 'text') updated.text = text;
    if (newMarkup) updated.reply_markup = newMarkup;
    else delete updated.reply_markup;
    stored.message = updated;
    return updated;
  }

  private deleteMessage(p: Params): true {
    const chat = this.requireChat(p);
    const key = `${chat.id}:${num(p.message_id) ?? ''}`;
    if (!this.messages.delete(key)) throw badRequest('message to delete not found');
    return true;
  }

  private answerCallbackQuery(p: Params): true {
    const id = str(p.callback_query_id);
    const query = id === undefined ? undefined : this.callbackQueries.get(id);
    if (!query) throw badRequest('query is too old and response timeout expired or query ID is invalid');
    const text = str(p.text);
    if (text !== undefined && text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
    query.answered = true;
    return true;
  }

  private getFile(p: Params): Record<string, unknown> {
    const fileId = str(p.file_id);
    if (!fileId) throw badRequest('file_id is empty');
    const file = this.files.get(fileId);
    if (!file) throw badRequest('invalid file_id');
    if (file.size > GET_FILE_LIMIT) throw badRequest('file is too big');
    return { file_id: file.fileId, file_unique_id: file.uniqueId, file_size: file.size, file_path: file.path };
  }

  // -------------------------------------------------------------------------------------------
  // Helpers for methods

  private requireChat(p: Params): Chat {
    const raw = p.chat_id;
    if (raw === undefined || raw === '') throw badRequest('chat_id is empty');
    const id = num(raw);
    if (id === undefined || !Number.isInteger(id)) {
      // @username chats must be known
      const name = str(raw);
      for (const chat of this.chats.values()) if ('username' in chat && `@${chat.username}` === name) return chat;
      throw badRequest('chat not found');
    }
    return this.chats.get(String(id)) ?? this.chatFor(id, undefined, { userId: id });
  }

  /** A private chat whose user blocked the bot refuses every send (the chat id is the user id). */
  private requireNotBlocked(chat: Chat): void {
    if (chat.type === 'private' && this.blockedUsers.has(chat.id)) throw blockedByUser();
  }

  /**
   * Stores a message the bot sent. Only an inline keyboard is echoed in Message.reply_markup
   * (reply keyboards and ForceReply are not: the Bot API server's Message has reply_markup only
   * for an InlineKeyboardMarkup); a ForceReply is noted for `forcedReplies`.
   */
  private storeSent(message: Record<string, unknown> & { chat: Chat; message_id: number }, markup: ReplyMarkup | undefined): Record<string, unknown> {
    if (markup?.kind === 'inline') message.reply_markup = markup.markup;
    this.storeMessage(message, true);
    if (markup?.kind === 'force_reply') {
      this.forced.push({ chatId: message.chat.id, messageId: message.message_id, text: str(message.text) ?? str(message.caption) ?? '' });
    }
    return message;
  }

  private checkCaption(p: Params): string | undefined {
    const caption = str(p.caption);
    if (caption === undefined) return undefined;
    if (caption.length > 1024) throw badRequest('message caption is too long');
    checkFormatting(caption, str(p.parse_mode));
    return caption;
  }

  /** A file given as an upload, a known file_id or a URL. */
  private resolveInputFile(
    value: unknown,
    field: 'photo' | 'document',
  ): { fileId: string; uniqueId: string; size: number; fileName?: string; mimeType?: string } {
    const bytes = isObject(value) ? this.uploadBytes.get(value as unknown as UploadedFile) : undefined;
    if (bytes) {
      const upload = value as unknown as UploadedFile;
      if (upload.size === 0) throw badRequest('file must be non-empty');
      const prefix = field === 'photo' ? 'AgACAgQAAxkDAAI' : 'BQACAgQAAxkDAAI';
      const fileId = `${prefix}${randomBytes(18).toString('base64url')}`;
      const ext = /\.[A-Za-z0-9]{1,8}$/.exec(upload.filename)?.[0] ?? (field === 'photo' ? '.jpg' : '');
      const stored = this.addFile(fileId, bytes, { path: `${field === 'photo' ? 'photos' : 'documents'}/file_${this.fileCounter + 1}${ext}` });
      this.fileCounter += 1;
      upload.fileId = fileId;
      const result: { fileId: string; uniqueId: string; size: number; fileName?: string; mimeType?: string } = {
        fileId,
        uniqueId: uniqueIdFor(fileId),
        size: stored.size,
        fileName: upload.filename,
      };
      if (upload.contentType !== undefined) result.mimeType = upload.contentType;
      return result;
    }
    const ref = str(value);
    if (ref === undefined || ref === '') throw badRequest(`there is no ${field} in the request`);
    if (/^https?:\/\//.test(ref)) {
      const fileId = `${field === 'photo' ? 'AgACAgQAAxkDAAI' : 'BQACAgQAAxkDAAI'}${createHash('sha1').update(ref).digest('base64url')}`;
      const name = new URL(ref).pathname.split('/').pop();
      const result: { fileId: string; uniqueId: string; size: number; fileName?: string } = { fileId, uniqueId: uniqueIdFor(fileId), size: 50_000 };
      if (name) result.fileName = name;
      return result;
    }
    const known = this.files.get(ref);
    if (!known) throw badRequest('wrong file identifier/HTTP URL specified');
    return { fileId: known.fileId, uniqueId: known.uniqueId, size: known.size };
  }

  /** Applies the rate limits (when enforced) and records the send for gap statistics. */
  private admitSend(method: string, chat: Chat | undefined): void {
    if (!LIMITED_METHODS.has(method)) return;
    const now = performance.now();
    const key = chat ? String(chat.id) : undefined;
    if (this.enforceLimits) {
      this.globalSends = this.globalSends.filter((t) => now - t < 1000);
      if (this.globalSends.length >= this.limits.globalPerSecond) {
        throw tooMany(Math.ceil((this.globalSends[0]! + 1000 - now) / 1000));
      }
      if (key !== undefined) {
        const bucket = this.chatBuckets.get(key) ?? { tokens: this.limits.perChatBurst, last: now };
        bucket.tokens = Math.min(this.limits.perChatBurst, bucket.tokens + ((now - bucket.last) / 1000) * this.limits.perChatPerSecond);
        bucket.last = now;
        this.chatBuckets.set(key, bucket);
        if (bucket.tokens < 1) throw tooMany(Math.ceil((1 - bucket.tokens) / this.limits.perChatPerSecond));
        if (chat && chat.id < 0) {
          const sends = (this.groupSends.get(key) ?? []).filter((t) => now - t < 60_000);
          this.groupSends.set(key, sends);
          if (sends.length >= this.limits.groupPerMinute) throw tooMany(Math.ceil((sends[0]! + 60_000 - now) / 1000));
        }
        bucket.tokens -= 1;
        this.groupSends.get(key)?.push(now);
      }
      this.globalSends.push(now);
    }
    if (key !== undefined) {
      const last = this.lastSendAt.get(key);
      if (last !== undefined) this.minGaps.set(key, Math.min(this.minGaps.get(key) ?? Number.POSITIVE_INFINITY, now - last));
      this.lastSendAt.set(key, now);
    }
  }

  private withId(update: NewUpdate | Update): Update {
    const full = structuredClone(update) as Update & { update_id?: number };
    if (full.update_id === undefined) full.update_id = this.nextUpdateId;
    this.nextUpdateId = Math.max(this.nextUpdateId, full.update_id + 1);
    return full as Update;
  }

  private user(o: UserOptions): User {
    const user: User = { id: o.userId, is_bot: false, first_name: o.firstName ?? 'Test' };
    if (o.lastName !== undefined) user.last_name = o.lastName;
    if (o.username !== undefined) user.username = o.username;
    user.language_code = o.languageCode ?? 'ar';
    return user;
  }

  private botFrom(): User {
    return { id: this.botUser.id, is_bot: true, first_name: this.botUser.first_name, username: this.botUser.username };
  }

  private chatFor(chatId: number, chatType: ChatType | undefined, o: UserOptions): Chat.PrivateChat | Chat.GroupChat | Chat.SupergroupChat {
    const type: ChatType = chatType ?? (chatId > 0 ? 'private' : chatId <= -1_000_000_000_000 ? 'supergroup' : 'group');
    let chat: Chat.PrivateChat | Chat.GroupChat | Chat.SupergroupChat;
    if (type === 'private') {
      const known = this.chats.get(String(chatId));
      chat = { id: chatId, type: 'private', first_name: o.firstName ?? (known && 'first_name' in known ? known.first_name : 'Test') };
      if (o.lastName !== undefined) chat.last_name = o.lastName;
      if (o.username !== undefined) chat.username = o.username;
    } else {
      chat = { id: chatId, type, title: 'Test group' };
    }
    this.chats.set(String(chatId), chat);
    return chat;
  }

  private baseMessage(o: MessageOptions): { message_id: number; from: User; chat: Chat; date: number; reply_to_message?: Record<string, unknown> } {
    const chat = this.chatFor(o.chatId, o.chatType, o);
    const key = String(o.chatId);
    const messageId = o.messageId ?? this.takeMessageId(key);
    this.bumpMessageId(key, messageId);
    const base = { message_id: messageId, from: this.user(o), chat, date: o.date ?? nowSeconds() };
    const original = o.replyTo === undefined ? undefined : this.messages.get(`${o.chatId}:${o.replyTo}`);
    if (!original) return base;
    // Bot API, Message.reply_to_message: "Note that the Message object in this field will not
    // contain further reply_to_message fields even if it itself is a reply." (The server stores the
    // original with need_reply = false.)
    const replied = structuredClone(original.message);
    delete replied.reply_to_message;
    return { ...base, reply_to_message: replied };
  }

  private newBotMessage(chat: Chat): { message_id: number; from: User; chat: Chat; date: number } {
    return { message_id: this.takeMessageId(String(chat.id)), from: this.botFrom(), chat, date: nowSeconds() };
  }

  private takeMessageId(chatKey: string): number {
    const id = this.nextMessageIds.get(chatKey) ?? this.firstMessageId;
    this.nextMessageIds.set(chatKey, id + 1);
    return id;
  }

  private bumpMessageId(chatKey: string, used: number): void {
    if ((this.nextMessageIds.get(chatKey) ?? this.firstMessageId) <= used) this.nextMessageIds.set(chatKey, used + 1);
  }

  private storeMessage(message: object, fromBot: boolean): void {
    const m = message as { chat: { id: number }; message_id: number };
    this.messages.set(`${m.chat.id}:${m.message_id}`, { message: structuredClone(message) as Record<string, unknown>, fromBot });
  }

  private memberWithStatus(status: ChatMember['status']): ChatMember {
    const user = this.botFrom();
    switch (status) {
      case 'kicked':
        return { status, user, until_date: 0 };
      case 'administrator':
        return {
          status,
          user,
          can_be_edited: false,
          is_anonymous: false,
          can_manage_chat: true,
          can_delete_messages: false,
          can_manage_video_chats: false,
          can_restrict_members: false,
          can_promote_members: false,
          can_change_info: false,
          can_invite_users: true,
          can_post_stories: false,
          can_edit_stories: false,
          can_delete_stories: false,
        };
      case 'restricted':
        return {
          status,
          user,
          is_member: true,
          can_send_messages: false,
          can_send_audios: false,
          can_send_documents: false,
          can_send_photos: false,
          can_send_videos: false,
          can_send_video_notes: false,
          can_send_voice_notes: false,
          can_send_polls: false,
          can_send_other_messages: false,
          can_add_web_page_previews: false,
          can_change_info: false,
          can_invite_users: false,
          can_pin_messages: false,
          can_manage_topics: false,
          until_date: 0,
        };
      case 'creator':
        return { status, user, is_anonymous: false };
      default:
        return { status, user };
    }
  }
}

// ---------------------------------------------------------------------------------------------

function tooMany(retryAfter: number): ApiError {
  const seconds = Math.max(1, retryAfter);
  return new ApiError(429, `Too Many Requests: retry after ${seconds}`, { retry_after: seconds });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('too large'));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A reply_markup as Telegram reads it; `markup` is kept for inline keyboards, the only kind a Message echoes. */
type ReplyMarkup = { kind: 'inline'; markup: Record<string, unknown> } | { kind: 'keyboard' } | { kind: 'force_reply' };

/**
 * Telegram's checks on reply markups that commonly bite: callback_data size, buttons without
 * action, ForceReply fields of the wrong type. Undefined when the markup asks for nothing.
 */
function checkReplyMarkup(markup: unknown): ReplyMarkup | undefined {
  if (markup === undefined || markup === null || markup === '') return undefined;
  if (!isObject(markup)) throw badRequest("can't parse reply keyboard markup JSON object");
  // The Bot API server reads these fields whatever the kind of markup, and refuses a wrong type
  // with 'Field "force_reply" must be of type Boolean' (first letter lowered in the answer);
  // a string field also takes a JSON number (tdlib/telegram-bot-api Client::get_reply_markup,
  // td JsonObject::get_optional_bool_field / get_optional_string_field).
  for (const field of ['force_reply', 'selective']) {
    if (markup[field] !== undefined && typeof markup[field] !== 'boolean') throw badRequest(`field "${field}" must be of type Boolean`);
  }
  const placeholder = markup.input_field_placeholder;
  if (placeholder !== undefined && typeof placeholder !== 'string' && typeof placeholder !== 'number') {
    throw badRequest('field "input_field_placeholder" must be of type String');
  }
  const inline = markup.inline_keyboard;
  if (inline === undefined) {
    // The server's order: a reply keyboard or its removal wins over force_reply.
    const keyboard = markup.keyboard;
    if ((Array.isArray(keyboard) && keyboard.length > 0) || markup.remove_keyboard === true || markup.hide_keyboard === true) return { kind: 'keyboard' };
    // `force_reply: false` asks for nothing: Telegram sends the message without markup.
    if (markup.force_reply !== true) return undefined;
    // Bot API, ForceReply: "input_field_placeholder ... 1-64 characters". Neither the Bot API
    // server nor tdlib checks the length, so the answer is an assumption: REPLY_MARKUP_INVALID
    // ("The provided reply markup is invalid") is the error messages.sendMessage documents
    // (core.telegram.org/method/messages.sendMessage); unconfirmed for this case.
    if (String(placeholder ?? '').length > 64) throw badRequest('REPLY_MARKUP_INVALID');
    return { kind: 'force_reply' };
  }
  if (!Array.isArray(inline)) throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array');
  for (const row of inline) {
    if (!Array.isArray(row)) throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
    for (const button of row) {
      if (!isObject(button) || typeof button.text !== 'string')
        throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      if (button.text === '') throw badRequest('BUTTON_TEXT_EMPTY');
      const actions = [
        'callback_data',
        'url',
        'web_app',
        'login_url',
        'switch_inline_query',
        'switch_inline_query_current_chat',
        'switch_inline_query_chosen_chat',
        'callback_game',
        'pay',
      ];
      if (!actions.some((a) => button[a] !== undefined)) throw badRequest('text buttons are unallowed in the inline keyboard');
      if (button.callback_data !== undefined) {
        const bytes = Buffer.byteLength(String(button.callback_data), 'utf8');
        if (bytes < 1 || bytes > 64) throw badRequest('BUTTON_DATA_INVALID');
      }
    }
  }
  return { kind: 'inline', markup };
}

/** The parse errors Telegram gives most often: unsupported HTML tags, unescaped MarkdownV2 characters. */
function checkFormatting(text: string, parseMode: string | undefined): void {
  if (parseMode === undefined || parseMode === '') return;
  if (parseMode === 'HTML') {
    for (const m of text.matchAll(/<\/?([^\s>/]*)/g)) {
      const tag = (m[1] ?? '').toLowerCase();
      if (!HTML_TAGS.has(tag)) {
        const offset = Buffer.byteLength(text.slice(0, m.index ?? 0), 'utf8');
        throw badRequest(`can't parse entities: Unsupported start tag "${tag}" at byte offset ${offset}`);
      }
    }
  } else if (parseMode === 'MarkdownV2') {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] ?? '';
      if (ch === '\\') {
        i++;
        continue;
      }
      if ('.!#+-={}'.includes(ch)) {
        throw badRequest(`can't parse entities: Character '${ch}' is reserved and must be escaped with the preceding '\\'`);
      }
    }
  } else if (parseMode !== 'Markdown') {
    throw badRequest(`unsupported parse_mode`);
  }
}

function describeCall(c: RecordedCall): string {
  const parts: string[] = [c.method, `status=${c.status ?? 'pending'}`];
  if (c.params.chat_id !== undefined) parts.push(`chat=${String(c.params.chat_id)}`);
  if (c.params.message_id !== undefined) parts.push(`message=${String(c.params.message_id)}`);
  const text = str(c.params.text) ?? str(c.params.caption);
  if (text !== undefined) parts.push(`text=${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)}`);
  if (c.params.offset !== undefined) parts.push(`offset=${String(c.params.offset)}`);
  if (c.error) parts.push(`error=${JSON.stringify(c.error)}`);
  return parts.join(' ');
}
