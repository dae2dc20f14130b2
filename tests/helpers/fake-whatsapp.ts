/**
 * A fake of the part of whatsapp-web.js's `Client` the adapter uses (`WhatsAppClient`), for
 * unit and end-to-end tests that cannot start a browser or reach WhatsApp.
 *
 * Messages are built the way whatsapp-web.js builds them: a raw model as the page hands it over
 * (`RawMessageData`: `id`, `t`, `type`, `body`, `caption`, `directPath`, `mimetype`, …), turned
 * into the `Message` fields by the same rules as `structures/Message.js#_patch` (1.34.7):
 * `hasMedia` is `Boolean(directPath)`, `body` is the caption when `hasMedia`, `isStatus` is
 * `isStatusV3 || id.remote === 'status@broadcast'`, `fromMe` is `id.fromMe`, `timestamp` is `t`.
 *
 * The client's lifecycle follows `src/Client.js` of 1.34.7 line by line where it matters (each
 * behaviour cites its line): it drives its auth strategy as the library does (the real
 * `KeptRemoteAuth` when the service built one), `sendMessage` resolves to `undefined` for a chat
 * the page cannot resolve and throws when the page call fails, a state outside the accepted ones
 * disconnects the strategy (deleting the stored session), emits `disconnected` and destroys, and
 * a logout emits `disconnected` 'LOGOUT', logs the strategy out and shows a new QR code in the
 * same client. The `browser_gone` and `client_fault` events are those of `SupervisedClient`.
 */
import { EventEmitter } from 'node:events';
import { onePagePdf } from './pdf.js';
import type {
  WhatsAppChat,
  WhatsAppClient,
  WhatsAppClientEvents,
  WhatsAppEventName,
  WhatsAppMedia,
  WhatsAppMessage,
} from '../../src/bots/whatsapp/whatsapp-client.js';

/** The raw message model (`Message._data`), as far as the builders fill it. */
export interface RawMessageData {
  id: { fromMe: boolean; remote: string; id: string; _serialized: string; participant?: string };
  type: string;
  t: number;
  from: string;
  to: string;
  author?: string;
  body?: string;
  caption?: string;
  directPath?: string;
  mimetype?: string;
  filename?: string;
  size?: number;
  isStatusV3?: boolean;
  broadcast?: boolean;
  lat?: number;
  lng?: number;
  loc?: string;
  vcardList?: { vcard: string }[];
  [key: string]: unknown;
}

/** A fake message: the `WhatsAppMessage` fields plus what the tests control. */
export interface FakeMessage extends WhatsAppMessage {
  _data: RawMessageData;
  /** What `downloadMedia()` returns; undefined like the real one for a message without media. */
  media?: WhatsAppMedia;
  downloadCalls: number;
}

export const BOT_WID = '966500000001@c.us';
export const USER_WID = '966512345678@c.us';
export const USER_LID = '123456789012345@lid';
export const GROUP_WID = '120363041234567890@g.us';
/** 2026-01-01T10:00:00Z, seconds. */
export const T0 = 1_767_261_600;

let counter = 0;
/** A message id as WhatsApp makes them (20 upper-case hex characters from Android phones). */
function newKey(): string {
  counter += 1;
  return `3EB0${counter.toString(16).toUpperCase().padStart(16, '0')}`;
}

/** Turns a raw model into a message, by the rules of `Message#_patch`. */
export function messageFromData(data: RawMessageData, media?: WhatsAppMedia): FakeMessage {
  const hasMedia = Boolean(data.directPath);
  const message: FakeMessage = {
    _data: data,
    id: data.id,
    from: data.from,
    to: data.to,
    ...(data.author === undefined ? {} : { author: data.author }),
    body: hasMedia ? data.caption || '' : data.body || '',
    type: data.type,
    timestamp: data.t,
    hasMedia,
    fromMe: data.id.fromMe,
    isStatus: Boolean(data.isStatusV3 || data.id.remote === 'status@broadcast'),
    broadcast: Boolean(data.broadcast),
    ...(media === undefined ? {} : { media }),
    downloadCalls: 0,
    async downloadMedia() {
      message.downloadCalls += 1;
      if (!message.hasMedia) return undefined;
      return message.media;
    },
  };
  return message;
}

interface BuildOptions {
  /** The chat (default {@link USER_WID}). */
  chat?: string;
  /** Seconds (default {@link T0}). */
  t?: number;
  /** The message key (default a fresh one). */
  key?: string;
  fromMe?: boolean;
  /** The sender in a group. */
  author?: string;
}

function raw(type: string, options: BuildOptions, fields: Partial<RawMessageData>): RawMessageData {
  const chat = options.chat ?? USER_WID;
  const fromMe = options.fromMe ?? false;
  const key = options.key ?? newKey();
  const participant = options.author;
  const serialized = `${fromMe}_${chat}_${key}${participant === undefined ? '' : `_${participant}`}`;
  return {
    id: { fromMe, remote: chat, id: key, _serialized: serialized, ...(participant === undefined ? {} : { participant }) },
    type,
    t: options.t ?? T0,
    from: fromMe ? BOT_WID : chat,
    to: fromMe ? chat : BOT_WID,
    ...(participant === undefined ? {} : { author: participant }),
    ...fields,
  };
}

/** A 1×1 PNG. */
export const PNG_BYTES = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
export const PDF_BYTES = onePagePdf();

/** Builders of real message shapes. */
export const build = {
  text(body: string, options: BuildOptions = {}): FakeMessage {
    return messageFromData(raw('chat', options, { body }));
  },
  /** A photo; `body` of the raw model is the base64 thumbnail, as on WhatsApp. */
  image(options: BuildOptions & { caption?: string; bytes?: Buffer; downloadable?: boolean } = {}): FakeMessage {
    const bytes = options.bytes ?? PNG_BYTES;
    const data = raw('image', options, {
      body: '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYGBwcG',
      ...(options.caption === undefined ? {} : { caption: options.caption }),
      ...(options.downloadable === false ? {} : { directPath: '/v/t62.7118-24/12345_67890_n.enc?ccb=11-4' }),
      mimetype: 'image/jpeg',
      size: bytes.length,
    });
    return messageFromData(data, { mimetype: 'image/jpeg', data: bytes.toString('base64'), filename: null, filesize: bytes.length });
  },
  document(options: BuildOptions & { caption?: string; bytes?: Buffer; filename?: string; mimetype?: string } = {}): FakeMessage {
    const bytes = options.bytes ?? PDF_BYTES;
    const filename = options.filename ?? 'salary-certificate.pdf';
    const mimetype = options.mimetype ?? 'application/pdf';
    const data = raw('document', options, {
      body: '',
      ...(options.caption === undefined ? {} : { caption: options.caption }),
      directPath: '/v/t62.7119-24/98765_43210_n.enc?ccb=11-4',
      mimetype,
      filename,
      size: bytes.length,
    });
    return messageFromData(data, { mimetype, data: bytes.toString('base64'), filename, filesize: bytes.length });
  },
  sticker(options: BuildOptions = {}): FakeMessage {
    const data = raw('sticker', options, { body: '', directPath: '/v/t62.15575-24/1_2_n.enc', mimetype: 'image/webp', size: 20_000 });
    return messageFromData(data, { mimetype: 'image/webp', data: 'UklGRg==', filesize: 20_000 });
  },
  voice(options: BuildOptions = {}): FakeMessage {
    const data = raw('ptt', options, { body: '', directPath: '/v/t62.7117-24/3_4_n.enc', mimetype: 'audio/ogg; codecs=opus', size: 9_000, duration: '4' });
    return messageFromData(data, { mimetype: 'audio/ogg; codecs=opus', data: 'T2dnUw==', filesize: 9_000 });
  },
  location(options: BuildOptions = {}): FakeMessage {
    return messageFromData(raw('location', options, { body: '/9j/4AAQSkZJRg', lat: 24.7136, lng: 46.6753, loc: 'Riyadh\nKing Fahd Road' }));
  },
  vcard(options: BuildOptions = {}): FakeMessage {
    return messageFromData(raw('vcard', options, { body: 'BEGIN:VCARD\nVERSION:3.0\nFN:Ahmad\nTEL;type=CELL:+966 51 111 2222\nEND:VCARD' }));
  },
  /** A text in a group: the chat is the group, `author` the participant. */
  group(body: string, options: BuildOptions = {}): FakeMessage {
    return messageFromData(raw('chat', { chat: GROUP_WID, author: USER_WID, ...options }, { body }));
  },
  /** A message the linked account sent itself (from the phone). */
  own(body: string, options: BuildOptions = {}): FakeMessage {
    return messageFromData(raw('chat', { ...options, fromMe: true }, { body }));
  },
  /** A status update a contact posted. */
  status(body: string, options: BuildOptions = {}): FakeMessage {
    const data = raw('chat', { ...options, chat: 'status@broadcast' }, { body, isStatusV3: true, author: options.author ?? USER_WID });
    data.from = 'status@broadcast';
    return messageFromData(data);
  },
  /** An event in the chat (the security code changed, a call missed): the page's model has `isNotification`. */
  notification(options: BuildOptions = {}): FakeMessage {
    return messageFromData(raw('e2e_notification', options, { isNotification: true }));
  },
  /** A message of any type, for the kinds without a builder of their own. */
  ofType(type: string, options: BuildOptions & Partial<RawMessageData> = {}): FakeMessage {
    const { chat, t, key, fromMe, author, ...fields } = options;
    const buildOptions: BuildOptions = {
      ...(chat === undefined ? {} : { chat }),
      ...(t === undefined ? {} : { t }),
      ...(key === undefined ? {} : { key }),
      ...(fromMe === undefined ? {} : { fromMe }),
      ...(author === undefined ? {} : { author }),
    };
    return messageFromData(raw(type, buildOptions, fields));
  },
};

export interface SentMessage {
  chatId: string;
  content: string;
  at: number;
  /** The options the adapter passed (`sendSeen`). */
  options?: { sendSeen?: boolean };
}

/** The auth strategy hooks the library calls (`BaseAuthStrategy.js`); the real `KeptRemoteAuth` fits. */
export interface FakeAuthStrategy {
  setup(client: unknown): void;
  beforeBrowserInitialized(): Promise<void>;
  afterAuthReady(): Promise<void>;
  disconnect(): Promise<void>;
  logout(): Promise<void>;
  destroy(): Promise<void>;
}

/** `WAState`s the client goes on in (`Client.js` lines 823–828; `takeoverOnConflict` is off). */
const ACCEPTED_STATES = new Set(['CONNECTED', 'OPENING', 'PAIRING', 'TIMEOUT']);

/** The fake client. */
export class FakeWhatsAppClient implements WhatsAppClient {
  private readonly emitter = new EventEmitter();
  /** Every `sendMessage` that succeeded, in order. */
  readonly sent: SentMessage[] = [];
  /** Every `sendMessage` attempted, failed ones included. */
  readonly sendAttempts: SentMessage[] = [];
  /** Chat id → messages, oldest first: the phone's history. Pass one map to several clients to keep it across a rebuild or a restart. */
  readonly history: Map<string, WhatsAppMessage[]>;
  state: string | null = null;
  initializeCalls = 0;
  destroyCalls = 0;
  /** When set, `initialize` rejects with it. */
  initializeError: Error | null = null;
  /** Whether `initialize` got as far as the page (the session restored): only then can `ready` come. */
  browserStarted = false;
  /** Sends handed to WhatsApp whose call then failed because the page navigated (see `sendMessage`). */
  answersLost = 0;
  /** Every `sendSeen` called, in order. */
  readonly seen: string[] = [];
  /** The library's `options`: RemoteAuth reads and sets `options.puppeteer` (RemoteAuth.js `beforeBrowserInitialized`). */
  readonly options: { puppeteer: Record<string, unknown> } = { puppeteer: {} };
  private readonly unresolvable = new Set<string>();
  private seenError: Error | null = null;
  private stateHangs = false;
  private failures: { remaining: number; error: Error } | null = null;
  private sendDelayMs = 0;
  private fetchDelayMs = 0;
  private chromiumDead = false;
  /** Counts the page's navigations (a logout reloads it): a page call that spans one loses its context. */
  private navigations = 0;
  /** Chat id → the time (seconds) up to which the person on the phone read it. */
  private readonly readUpTo = new Map<string, number>();

  /**
   * The people WhatsApp knows under both of their ids: number (`@c.us`) → linked id (`@lid`).
   * Pass one map to several clients, like the history.
   */
  readonly contacts: Map<string, string>;
  /** Every id `getContactLidAndPhone` was asked about, in order. */
  readonly pairLookups: string[] = [];
  private pairLookupError: Error | null = null;

  constructor(
    history = new Map<string, WhatsAppMessage[]>(),
    private readonly auth: FakeAuthStrategy | null = null,
    contacts = new Map<string, string>(),
  ) {
    this.history = history;
    this.contacts = contacts;
    // Client.js line 94: the strategy is bound to its client in the constructor.
    auth?.setup(this);
  }

  on<E extends WhatsAppEventName>(event: E, listener: (...args: WhatsAppClientEvents[E]) => void): this {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<E extends WhatsAppEventName>(event: E, listener: (...args: WhatsAppClientEvents[E]) => void): this {
    this.emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  listenerCount(event: WhatsAppEventName): number {
    return this.emitter.listenerCount(event);
  }

  /** `emit` as on the real client (an EventEmitter): the strategy reports faults through it. */
  emit(event: string, ...args: unknown[]): boolean {
    return this.emitter.emit(event, ...args);
  }

  async initialize(): Promise<void> {
    this.initializeCalls += 1;
    // Client.js line 442: the strategy restores the session before the browser starts.
    await this.auth?.beforeBrowserInitialized();
    if (this.initializeError !== null) throw this.initializeError;
    this.browserStarted = true;
  }

  async destroy(): Promise<void> {
    this.destroyCalls += 1;
    this.state = null;
    // Client.js line 1283.
    await this.auth?.destroy();
  }

  async getState(): Promise<string | null> {
    this.pageCall('Runtime.callFunctionOn');
    if (this.stateHangs) await new Promise(() => undefined);
    return this.state;
  }

  async sendMessage(chatId: string, content: string, options?: { sendSeen?: boolean }): Promise<unknown> {
    const record = { chatId, content, at: Date.now(), ...(options ? { options } : {}) };
    this.sendAttempts.push(record);
    this.pageCall('Runtime.callFunctionOn');
    const navigation = this.navigations;
    if (this.sendDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.sendDelayMs));
    this.pageCall('Runtime.callFunctionOn');
    if (navigation !== this.navigations) {
      // The page navigated (a logout) while the call ran: Puppeteer fails it (cdp/ExecutionContext.js line 453), but the page
      // had already handed the message to WhatsApp. The worst case for the sender, who cannot tell that it went out.
      this.sent.push(record);
      this.answersLost += 1;
      throw new Error('Execution context was destroyed, most likely because of a navigation.');
    }
    if (this.failures !== null && this.failures.remaining > 0) {
      this.failures.remaining -= 1;
      throw this.failures.error;
    }
    // Client.js lines 1536–1538 and 1562: the page finds no chat, nothing is sent, the call resolves to undefined.
    if (this.unresolvable.has(chatId)) return undefined;
    // Client.js lines 1541–1543: with sendSeen (the default) the chat is marked read in the same page call.
    if (options?.sendSeen !== false) await this.sendSeen(chatId);
    this.sent.push(record);
    const own = messageFromData(raw('chat', { chat: chatId, fromMe: true, t: Math.floor(record.at / 1000) }, { body: content }));
    this.addToHistory(own);
    return own;
  }

  /** Client.js line 1339: marks the chat read; throws when the page call fails. */
  async sendSeen(chatId: string): Promise<boolean> {
    if (this.seenError !== null) throw this.seenError;
    this.seen.push(chatId);
    return true;
  }

  /** Undefined for a chat the account never had, like the real one. */
  async getChatById(chatId: string): Promise<WhatsAppChat | undefined> {
    // Client.js line 1693: a page call.
    this.pageCall('Runtime.callFunctionOn');
    return this.history.has(chatId) ? this.chat(chatId) : undefined;
  }

  async getChats(): Promise<WhatsAppChat[]> {
    this.pageCall('Runtime.callFunctionOn');
    return [...this.history.keys()].map((chatId) => this.chat(chatId));
  }

  /**
   * Client.js lines 3307–3323: one page call for all ids, each through `enforceLidAndPnRetrieval`
   * (Utils.js lines 1694–1722): a `@lid` id is its own lid and its phone is looked up; a `@c.us` id
   * is its own phone and its lid is looked up; when the other half is not known, the query
   * behind it (`queryWidExists`) finds the id but not its pair and only the id comes back. A page
   * call that fails throws "Evaluation failed: …", like every `pupPage.evaluate`.
   */
  async getContactLidAndPhone(userIds: string[]): Promise<{ lid?: string | undefined; pn?: string | undefined }[]> {
    this.pairLookups.push(...userIds);
    this.pageCall('Runtime.callFunctionOn');
    if (this.pairLookupError !== null) throw this.pairLookupError;
    return userIds.map((id) => {
      if (id.endsWith('@lid')) {
        const pn = [...this.contacts].find(([, lid]) => lid === id)?.[0];
        return pn === undefined ? { lid: id, pn: undefined } : { lid: id, pn };
      }
      const lid = this.contacts.get(id);
      return lid === undefined ? { lid: undefined, pn: id } : { lid, pn: id };
    });
  }

  async getMessageById(messageId: string): Promise<WhatsAppMessage | null> {
    // Client.js line 1751: a page call.
    this.pageCall('Runtime.callFunctionOn');
    for (const messages of this.history.values()) {
      const found = messages.find((m) => m.id._serialized === messageId);
      if (found !== undefined) return found;
    }
    return null;
  }

  // ---- test controls

  /** WhatsApp now knows the person with number `pn` also as `lid` (both of their ids resolve to the pair). */
  linkIds(pn: string, lid: string): void {
    this.contacts.set(pn, lid);
  }

  /** `getContactLidAndPhone` fails from now on (null: answers again). */
  failPairLookups(error: Error | null = new Error('Evaluation failed: TypeError: Cannot read properties of undefined (reading getCurrentLid)')): void {
    this.pairLookupError = error;
  }

  /** The next `count` sends fail with `error` (a real client throws "Evaluation failed: …"). */
  failSends(count = Number.POSITIVE_INFINITY, error = new Error('Evaluation failed: Error: Protocol error')): void {
    this.failures = { remaining: count, error };
  }

  /** Every send takes this long before it resolves. */
  delaySends(ms: number): void {
    this.sendDelayMs = ms;
  }

  emitQr(qr = '2@AbCdEfGhIjKlMnOpQrStUvWxYz0123456789,ABCDEFGHIJ=,abcdefghij=,0123456789='): void {
    this.emitter.emit('qr', qr);
  }

  /** The page can no longer resolve these chats: `sendMessage` resolves to undefined for them. */
  loseChats(...chatIds: string[]): void {
    for (const chatId of chatIds) this.unresolvable.add(chatId);
  }

  /** The page finds these chats again. */
  findChats(...chatIds: string[]): void {
    for (const chatId of chatIds) this.unresolvable.delete(chatId);
  }

  /** Marking read fails from now on (the path that broke with WhatsApp Web updates). */
  failSeen(error = new Error("Evaluation failed: TypeError: Cannot read properties of undefined (reading 'sendSeen')")): void {
    this.seenError = error;
  }

  /** `getState` never answers from now on (a frozen page). */
  hangState(): void {
    this.stateHangs = true;
  }

  emitReady(): void {
    this.state = 'CONNECTED';
    this.emitter.emit('change_state', 'CONNECTED');
    this.emitter.emit('ready');
    // Client.js line 376: after `ready`, not awaited.
    void this.auth?.afterAuthReady();
  }

  /**
   * The phone unlinked the device. Client.js lines 495–503: `disconnected` 'LOGOUT', then the
   * strategy's logout (which deletes the stored session) and restore, then the page is injected
   * again, which shows a new QR code, in the same client.
   */
  async emitLogout(): Promise<void> {
    this.state = null;
    this.navigations += 1;
    this.emitter.emit('disconnected', 'LOGOUT');
    await this.auth?.logout();
    await this.auth?.beforeBrowserInitialized();
    this.emitQr();
  }

  /** Chromium or its page is gone (what `SupervisedClient` reports). */
  emitBrowserGone(reason = 'browser disconnected'): void {
    this.emitter.emit('browser_gone', reason);
  }

  /**
   * Chromium is killed: every page call from now on, and every one still waiting, fails as
   * Puppeteer fails it (puppeteer-core 24, cdp/CdpSession.js line 69: a TargetCloseError
   * "Protocol error (…): Session closed. Most likely the page has been closed."), and the
   * browser's `disconnected` reaches `SupervisedClient`, which reports it as `browser_gone`.
   */
  killChromium(): void {
    this.chromiumDead = true;
    this.state = null;
    this.emitBrowserGone('browser disconnected');
  }

  /**
   * The page crashes (the tab's renderer dies): Puppeteer emits the page's `error` with "Page crashed!"
   * (cdp/Page.js line 419), which `SupervisedClient` reports as `browser_gone`; the page answers no call.
   */
  crashPage(): void {
    this.chromiumDead = true;
    this.state = null;
    this.emitBrowserGone('page crashed');
  }

  /** A new incoming message: stored in the chat's history (as the page's store would) and emitted. */
  emitMessage(message: WhatsAppMessage): void {
    this.addToHistory(message);
    this.emitter.emit('message', message);
  }

  /**
   * The sender edits a message. Client.js lines 956–975: `message_edit` with the message (its new
   * body, its first timestamp), the new body and the old one; the page's model now carries the
   * edit's key, which the Message copies (Message.js line 291).
   */
  emitEdit(message: FakeMessage, body: string): void {
    const previous = message.body;
    markEdited(message);
    message.body = body;
    message._data.body = body;
    this.emitter.emit('message_edit', message, body, previous);
  }

  /**
   * A message that reached the page as ciphertext and is decrypted a moment later (Client.js lines
   * 1129–1162): `message_ciphertext` first; at decryption the type and the body change, and the
   * body's change fires `message_edit` (line 1057, with no edit key) as the type's fires `message`
   * (line 1159). Both are emitted, the edit first: the order the page's change events take is not
   * promised.
   */
  async emitLateDecryption(message: FakeMessage, afterMs = 20): Promise<void> {
    const cipher = messageFromData({ ...message._data, type: 'ciphertext', body: '' });
    this.emitter.emit('message_ciphertext', cipher);
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    this.addToHistory(message);
    this.emitter.emit('message_edit', message, message.body, '');
    this.emitter.emit('message', message);
  }

  emitDisconnected(reason = 'NAVIGATION'): void {
    this.state = null;
    this.emitter.emit('disconnected', reason);
  }

  /**
   * A connection state. Client.js lines 822–853: `change_state`, then for a state outside the
   * accepted ones the strategy's `disconnect` (RemoteAuth deletes the stored session), `disconnected`
   * with the state, and `destroy` (not awaited).
   */
  async emitState(state: string): Promise<void> {
    this.state = state;
    this.emitter.emit('change_state', state);
    if (ACCEPTED_STATES.has(state)) return;
    await this.auth?.disconnect();
    this.emitter.emit('disconnected', state);
    void this.destroy();
  }

  emitAuthFailure(message = 'auth failure'): void {
    this.emitter.emit('auth_failure', message);
  }

  /** Someone opened the chat on the phone: its unread count drops to 0. */
  markRead(chatId: string): void {
    this.readUpTo.set(chatId, this.history.get(chatId)?.at(-1)?.timestamp ?? 0);
  }

  /**
   * Puts a message in a chat's history without emitting it (arrived while the service was down),
   * at the end: the page's store keeps messages in the order they reached it, so one decrypted
   * late sits after newer ones.
   */
  addToHistory(message: WhatsAppMessage): void {
    const chatId = message.id.remote;
    const messages = this.history.get(chatId) ?? [];
    messages.push(message);
    this.history.set(chatId, messages);
  }

  /** Every `fetchMessages` takes this long before it answers (a slow page; a stuck one lasts up to Puppeteer's 180 s). */
  delayFetches(ms: number): void {
    this.fetchDelayMs = ms;
  }

  /** Whether the page still answers (Chromium neither killed nor crashed). */
  get pageAlive(): boolean {
    return !this.chromiumDead;
  }

  /** A call into the page: refused once Chromium is dead, as Puppeteer refuses it. */
  private pageCall(method: string): void {
    if (!this.chromiumDead) return;
    const error = new Error(`Protocol error (${method}): Session closed. Most likely the page has been closed.`);
    error.name = 'TargetCloseError';
    throw error;
  }

  private chat(chatId: string): WhatsAppChat {
    const messages = () => this.history.get(chatId) ?? [];
    return {
      id: { _serialized: chatId },
      isGroup: chatId.endsWith('@g.us'),
      // The chat's last activity: its newest message, wherever the store holds it.
      timestamp: Math.max(0, ...messages().map((m) => m.timestamp)),
      unreadCount: messages().filter((m) => !m.fromMe && !isNotification(m) && m.timestamp > (this.readUpTo.get(chatId) ?? 0)).length,
      fetchMessages: async ({ limit }) => {
        this.pageCall('Runtime.callFunctionOn');
        if (this.fetchDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.fetchDelayMs));
        this.pageCall('Runtime.callFunctionOn');
        // Chat.js fetchMessages (1.34.7, lines 203–246): notifications are dropped (line 207, `m.isNotification`), the page's
        // order is kept, and only when more than `limit` remain are they sorted by time (`a.t > b.t`) and trimmed to the newest.
        let found = messages().filter((m) => !isNotification(m));
        if (limit !== undefined && limit > 0 && found.length > limit) {
          found = [...found].sort((a, b) => (a.timestamp > b.timestamp ? 1 : -1));
          found = found.slice(found.length - limit);
        }
        return found;
      },
    };
  }
}

/** Whether the page's model of a message is an event in the chat rather than a message (`isNotification`). */
function isNotification(message: WhatsAppMessage): boolean {
  return (message as Partial<FakeMessage>)._data?.isNotification === true;
}

/** The message as the sender's edit leaves it: the page's model and the Message carry the edit's key (Message.js line 291). */
export function markEdited<M extends FakeMessage>(message: M): M {
  const key = { ...message.id, id: `${message.id.id}-E` };
  message._data.latestEditMsgKey = key;
  message.latestEditMsgKey = key;
  return message;
}
