/**
 * A lean fake of the Telegram Bot API on loopback, for the benchmark: the wire behaviour of
 * tests/helpers/fake-telegram.ts (the same JSON, form and multipart bodies, long polling,
 * getFile and downloads, 429 with retry_after beyond Telegram's limits), without what a
 * long run cannot afford there: it keeps no call log and no message history, and tells the
 * simulated people what was sent through a callback instead of being polled.
 *
 * It measures what only the API side can see: when each update was handed to the bot,
 * the first message to that chat after it (latency to the first reply), every accepted
 * send (outbound rate), the 429s it answered, and the smallest gap between two messages
 * to one chat.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseMultipart } from '../tests/helpers/fake-telegram.js';

/** Telegram's sending limits, as the fake enforces them when asked to. */
export interface Limits {
  /** Sends accepted per second over all chats (Telegram: about 30). */
  globalPerSecond: number;
  /** Sustained sends per second to one chat (Telegram: about 1). */
  perChatPerSecond: number;
  /** Sends to one chat allowed at once before the per-second rate applies (a short burst). */
  perChatBurst: number;
  /** Sends per minute to one group (chat id < 0; Telegram: 20). */
  groupPerMinute: number;
}

export const TELEGRAM_LIMITS: Limits = { globalPerSecond: 30, perChatPerSecond: 1, perChatBurst: 3, groupPerMinute: 20 };

/** A message the bot sent (or edited), as the simulated people read it. */
export interface BotMessage {
  chatId: number;
  messageId: number;
  method: string;
  /** Text or caption. */
  text: string;
  /** Inline buttons, in order. */
  buttons: { text: string; data: string }[];
}

/** What the fake counted; `sendTimes` are performance.now() milliseconds of accepted sends. */
export interface ApiCounters {
  accepted: number;
  tooMany: number;
  /** The 429s by the limit that refused: overall, per chat, per group. */
  tooManyBy: { global: number; chat: number; group: number };
  callbacksAnswered: number;
  downloads: number;
  sendTimes: number[];
  /** Smallest gap between two accepted messages to one private chat, and to a group (ms). */
  minGapPrivate: number;
  minGapGroup: number;
  /** Gaps between two messages to one chat shorter than one second (the per-chat limit). */
  gapsUnderOneSecond: number;
}

type Params = Record<string, unknown>;
type Update = Record<string, unknown> & { update_id: number };

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}

const JSON_FIELDS = ['reply_markup', 'allowed_updates', 'commands', 'scope', 'entities'];

export class BenchBotApi {
  readonly token = '123456789:AAFakeTokenForTheBenchmark_abcdefghij';
  readonly counters: ApiCounters = {
    accepted: 0,
    tooMany: 0,
    tooManyBy: { global: 0, chat: 0, group: 0 },
    callbacksAnswered: 0,
    downloads: 0,
    sendTimes: [],
    minGapPrivate: Infinity,
    minGapGroup: Infinity,
    gapsUnderOneSecond: 0,
  };
  /** Latencies (ms) from an update's delivery to the first accepted message to its chat. */
  readonly firstReplyLatencies: { at: number; ms: number }[] = [];
  /** When each update from a timed chat was queued (performance.now() ms): the load offered. */
  readonly offered: number[] = [];
  /** Called for every accepted message, sent or edited. */
  onMessage: (message: BotMessage) => void = () => undefined;
  /** Chats whose first replies are timed (the applicants'). */
  timesChat: (chatId: number) => boolean = () => false;

  private readonly sockets = new Set<Socket>();
  private updates: Update[] = [];
  private nextUpdateId = 1;
  private waiter: ((why: 'update' | 'conflict' | 'stop') => void) | null = null;
  private readonly delivered = new Set<number>();
  private readonly awaitingReply = new Map<number, number>();
  private readonly files = new Map<string, { path: string; bytes: Buffer }>();
  private readonly filesByPath = new Map<string, Buffer>();
  private readonly nextMessageId = new Map<number, number>();
  private callbackCounter = 0;
  private globalSends: number[] = [];
  private readonly buckets = new Map<number, { tokens: number; last: number }>();
  private readonly groupSends = new Map<number, number[]>();
  private readonly lastSend = new Map<number, number>();
  private stopped = false;

  private constructor(
    private readonly server: Server,
    readonly apiRoot: string,
    public enforceLimits: boolean,
    public limits: Limits,
  ) {}

  static async start(options: { enforceLimits: boolean; limits?: Partial<Limits> }): Promise<BenchBotApi> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const api = new BenchBotApi(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options.enforceLimits, {
      ...TELEGRAM_LIMITS,
      ...options.limits,
    });
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      api.sockets.add(socket);
      socket.on('close', () => api.sockets.delete(socket));
    });
    server.on('request', (req, res) => void api.onRequest(req, res));
    return api;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waiter?.('stop');
    await new Promise((resolve) => setImmediate(resolve));
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Queues an update for getUpdates; returns its id. */
  pushUpdate(update: Record<string, unknown>): number {
    const full = { ...update, update_id: this.nextUpdateId++ };
    this.updates.push(full);
    const chatId = chatOf(full);
    if (chatId !== undefined && this.timesChat(chatId)) this.offered.push(performance.now());
    this.waiter?.('update');
    return full.update_id;
  }

  get pendingUpdates(): number {
    return this.updates.length;
  }

  addFile(fileId: string, bytes: Buffer): void {
    const path = `photos/${fileId}.jpg`;
    this.files.set(fileId, { path, bytes });
    this.filesByPath.set(path, bytes);
  }

  removeFile(fileId: string): void {
    const file = this.files.get(fileId);
    if (file) this.filesByPath.delete(file.path);
    this.files.delete(fileId);
  }

  newCallbackId(): string {
    return String(++this.callbackCounter);
  }

  // ---------------------------------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
      if (download && req.method === 'GET') {
        req.resume();
        const bytes = download[1] === this.token ? this.filesByPath.get(decodeURIComponent(download[2] ?? '')) : undefined;
        if (!bytes) return this.writeJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
        this.counters.downloads += 1;
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
        res.end(bytes);
        return;
      }
      const call = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
      const body = await readBody(req);
      if (!call || call[1] !== this.token) return this.writeJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      const params = { ...Object.fromEntries(url.searchParams), ...parseBody(req.headers['content-type'] ?? '', body) };
      const result = await this.execute(call[2] ?? '', params, res);
      this.writeJson(res, 200, { ok: true, result });
    } catch (error) {
      if (error instanceof ApiError) {
        if (error.code === 429) this.counters.tooMany += 1;
        const answer: Record<string, unknown> = { ok: false, error_code: error.code, description: error.description };
        if (error.retryAfter !== undefined) answer.parameters = { retry_after: error.retryAfter };
        return this.writeJson(res, error.code, answer);
      }
      this.writeJson(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(error)}` });
    }
  }

  private async execute(method: string, p: Params, res: ServerResponse): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return {
          id: 123456789,
          is_bot: true,
          first_name: 'Bench Bot',
          username: 'bench_bot',
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        };
      case 'getUpdates':
        return this.getUpdates(p, res);
      case 'deleteWebhook':
      case 'setMyCommands':
      case 'leaveChat':
      case 'sendChatAction':
      case 'deleteMessage':
      case 'editMessageReplyMarkup':
        return true;
      case 'answerCallbackQuery':
        this.counters.callbacksAnswered += 1;
        return true;
      case 'getFile': {
        const file = this.files.get(String(p.file_id));
        if (!file) throw new ApiError(400, 'Bad Request: invalid file_id');
        return { file_id: p.file_id, file_unique_id: `u${String(p.file_id)}`, file_size: file.bytes.length, file_path: file.path };
      }
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument':
      case 'editMessageText':
        return this.send(method, p);
      default:
        throw new ApiError(404, 'Not Found: method not found');
    }
  }

  private async getUpdates(p: Params, res: ServerResponse): Promise<Update[]> {
    // Another poll is waiting: Telegram answers the older one 409.
    this.waiter?.('conflict');
    const offset = Number(p.offset ?? 0);
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    const limit = Math.min(100, Number(p.limit ?? 100));
    const timeout = Number(p.timeout ?? 0);
    if (this.updates.length === 0 && timeout > 0 && !this.stopped) {
      const why = await new Promise<'update' | 'conflict' | 'stop' | 'timeout'>((resolve) => {
        const done = (reason: 'update' | 'conflict' | 'stop' | 'timeout') => {
          clearTimeout(timer);
          res.off('close', onClose);
          if (this.waiter === done) this.waiter = null;
          resolve(reason);
        };
        const onClose = () => done('stop');
        const timer = setTimeout(() => done('timeout'), timeout * 1000);
        res.on('close', onClose);
        this.waiter = done;
      });
      if (why === 'conflict') throw new ApiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    }
    const batch = this.updates.slice(0, limit);
    const now = performance.now();
    for (const update of batch) {
      if (this.delivered.has(update.update_id)) continue;
      this.delivered.add(update.update_id);
      const chatId = chatOf(update);
      if (chatId !== undefined && this.timesChat(chatId)) this.awaitingReply.set(chatId, now);
    }
    if (this.delivered.size > 50_000) this.forgetDelivered();
    return batch;
  }

  /** Keeps the delivered-ids set small: ids below the oldest queued update can never be delivered again. */
  private forgetDelivered(): void {
    const oldest = this.updates[0]?.update_id ?? this.nextUpdateId;
    for (const id of this.delivered) if (id < oldest) this.delivered.delete(id);
  }

  private send(method: string, p: Params): Record<string, unknown> {
    const chatId = Number(p.chat_id);
    if (!Number.isSafeInteger(chatId)) throw new ApiError(400, 'Bad Request: chat not found');
    const text = String(p.text ?? p.caption ?? '');
    if ((method === 'sendMessage' || method === 'editMessageText') && text.trim() === '') throw new ApiError(400, 'Bad Request: message text is empty');
    if (text.length > 4096) throw new ApiError(400, 'Bad Request: message is too long');
    this.admit(chatId);
    const buttons = buttonsOf(p.reply_markup);
    for (const button of buttons) if (Buffer.byteLength(button.data) > 64) throw new ApiError(400, 'Bad Request: BUTTON_DATA_INVALID');
    const messageId = method === 'editMessageText' ? Number(p.message_id) : this.takeMessageId(chatId);
    const chat = chatId > 0 ? { id: chatId, type: 'private', first_name: 'Bench' } : { id: chatId, type: 'group', title: 'Bench staff' };
    const message: Record<string, unknown> = {
      message_id: messageId,
      from: { id: 123456789, is_bot: true, first_name: 'Bench Bot' },
      chat,
      date: Math.floor(Date.now() / 1000),
    };
    if (method === 'sendPhoto') message.photo = [{ file_id: `sent-${messageId}`, file_unique_id: `s${messageId}`, width: 320, height: 200, file_size: 1 }];
    else if (method === 'sendDocument') message.document = { file_id: `sent-${messageId}`, file_unique_id: `s${messageId}`, file_size: 1 };
    else message.text = text;
    if (p.caption !== undefined) message.caption = text;
    if (p.reply_markup !== undefined) message.reply_markup = p.reply_markup;
    this.onMessage({ chatId, messageId, method, text, buttons });
    return message;
  }

  /** Applies Telegram's limits when enforced (429 beyond them) and records the send. */
  private admit(chatId: number): void {
    const now = performance.now();
    if (this.enforceLimits) {
      this.globalSends = this.globalSends.filter((t) => now - t < 1000);
      if (this.globalSends.length >= this.limits.globalPerSecond) throw this.tooMany('global', (this.globalSends[0]! + 1000 - now) / 1000);
      const bucket = this.buckets.get(chatId) ?? { tokens: this.limits.perChatBurst, last: now };
      bucket.tokens = Math.min(this.limits.perChatBurst, bucket.tokens + ((now - bucket.last) / 1000) * this.limits.perChatPerSecond);
      bucket.last = now;
      this.buckets.set(chatId, bucket);
      if (bucket.tokens < 1) throw this.tooMany('chat', (1 - bucket.tokens) / this.limits.perChatPerSecond);
      if (chatId < 0) {
        const sends = (this.groupSends.get(chatId) ?? []).filter((t) => now - t < 60_000);
        this.groupSends.set(chatId, sends);
        if (sends.length >= this.limits.groupPerMinute) throw this.tooMany('group', (sends[0]! + 60_000 - now) / 1000);
        sends.push(now);
      }
      bucket.tokens -= 1;
      this.globalSends.push(now);
    }
    this.counters.accepted += 1;
    this.counters.sendTimes.push(now);
    const last = this.lastSend.get(chatId);
    if (last !== undefined) {
      const gap = now - last;
      if (chatId < 0) this.counters.minGapGroup = Math.min(this.counters.minGapGroup, gap);
      else this.counters.minGapPrivate = Math.min(this.counters.minGapPrivate, gap);
      if (gap < 1000) this.counters.gapsUnderOneSecond += 1;
    }
    this.lastSend.set(chatId, now);
    const delivered = this.awaitingReply.get(chatId);
    if (delivered !== undefined) {
      this.awaitingReply.delete(chatId);
      this.firstReplyLatencies.push({ at: now, ms: now - delivered });
    }
  }

  private tooMany(limit: 'global' | 'chat' | 'group', seconds: number): ApiError {
    this.counters.tooManyBy[limit] += 1;
    const retryAfter = Math.max(1, Math.ceil(seconds));
    return new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, retryAfter);
  }

  private takeMessageId(chatId: number): number {
    const id = (this.nextMessageId.get(chatId) ?? 1_000) + 1;
    this.nextMessageId.set(chatId, id);
    return id;
  }

  /** Forgets what it held for a chat that is done (the limits' state and message ids). */
  forgetChat(chatId: number): void {
    this.buckets.delete(chatId);
    this.lastSend.delete(chatId);
    this.nextMessageId.delete(chatId);
    this.awaitingReply.delete(chatId);
  }

  private writeJson(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed || res.writableEnded) return;
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }
}

function chatOf(update: Update): number | undefined {
  const message = (update.message ?? (update.callback_query as { message?: unknown } | undefined)?.message) as { chat?: { id?: number } } | undefined;
  return message?.chat?.id;
}

function buttonsOf(markup: unknown): { text: string; data: string }[] {
  const rows = (markup as { inline_keyboard?: { text?: string; callback_data?: string }[][] } | undefined)?.inline_keyboard ?? [];
  return rows.flat().flatMap((b) => (typeof b.callback_data === 'string' ? [{ text: String(b.text ?? ''), data: b.callback_data }] : []));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(contentType: string, body: Buffer): Params {
  if (body.length === 0) return {};
  let params: Params;
  if (contentType.startsWith('application/json')) params = JSON.parse(body.toString('utf8')) as Params;
  else if (contentType.startsWith('multipart/form-data')) {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    const { fields, files } = parseMultipart(body, boundary?.[1] ?? boundary?.[2] ?? '');
    params = { ...fields, ...Object.fromEntries(Object.keys(files).map((name) => [name, { upload: name }])) };
  } else params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  for (const field of JSON_FIELDS) {
    const value = params[field];
    if (typeof value === 'string') {
      try {
        params[field] = JSON.parse(value);
      } catch {
        // left as sent
      }
    }
  }
  return params;
}
