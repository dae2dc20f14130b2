import { ChannelSendError, type ChannelAdapter, type OutboundOption } from '../../core/channel.js';
import { FileTooLargeError } from '../telegram/telegram-channel.js';
import type { WhatsAppClient, WhatsAppClientEvents, WhatsAppMessage } from './whatsapp-client.js';

/** WhatsApp's own limit is 65,536 characters; long messages are hard to read on a phone, so parts are kept shorter. */
export const WHATSAPP_MAX_TEXT = 4000;

export interface WhatsAppChannelOptions {
  /** The least time between two messages to the same chat, ms (default 1,000). */
  minGapMs?: number;
  /** How many recent media messages `remember` keeps for `download` (default 500). */
  maxRemembered?: number;
  /** How long a caller should wait before retrying a send refused while the client is not ready, ms (default 5,000). */
  notReadyRetryMs?: number;
  /** How long to wait before sending again to a chat the page could not resolve, ms (default 30,000). */
  unresolvedRetryMs?: number;
  /** After this many sends in a row the page could not resolve, the chat is given up for the message (default 3). */
  unresolvedLimit?: number;
  /** Told when marking a chat read failed (it never fails the send). */
  onSeenError?: (error: unknown) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The WhatsApp channel over the narrow whatsapp-web.js client:
 *
 * - options become numbered lines under the text (`1. …`), since WhatsApp Web has no reliable
 *   buttons; the person answers with the number or the option's words;
 * - texts longer than {@link WHATSAPP_MAX_TEXT} are split, at a line break or a space when
 *   there is one;
 * - messages to one chat are serialised and spaced by at least `minGapMs` (kept in memory);
 * - while the client is not ready (before `ready`, after `disconnected`, `auth_failure` or a
 *   state other than CONNECTED) a send throws a retryable {@link ChannelSendError}, so queued
 *   replies wait for the client;
 * - a send is what it says: the library resolving to nothing (it could not find the chat) is a
 *   failure, retried later and, after `unresolvedLimit` in a row, refused for good; a throw is
 *   retried. Neither is ever recorded as sent;
 * - the chat is marked read on the association's phone after a reply went out to it (every
 *   message before the reply was handled: replies exist only once their message was), as a
 *   call of its own that never fails the send;
 * - files are fetched through the message they came with: `remember` keeps recent media
 *   messages by id, and `getMessageById` is the fallback.
 */
export class WhatsAppChannel implements ChannelAdapter {
  readonly channel = 'whatsapp' as const;

  private ready = false;
  /** Whether `ready` was seen since the last disconnect: only then does CONNECTED mean usable again. */
  private initialised = false;
  private readonly minGapMs: number;
  private readonly maxRemembered: number;
  private readonly notReadyRetryMs: number;
  private readonly unresolvedRetryMs: number;
  private readonly unresolvedLimit: number;
  /** Per chat: sends in a row the page could not resolve. */
  private readonly unresolved = new Map<string, number>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Per chat: when the last message was sent, and the tail of the sends waiting for their turn. */
  private readonly lastSentAt = new Map<string, number>();
  private readonly tails = new Map<string, Promise<void>>();
  private readonly media = new Map<string, WhatsAppMessage>();
  private readonly onSeenError: (error: unknown) => void;
  private readonly listeners: { [E in keyof WhatsAppClientEvents]?: (...args: WhatsAppClientEvents[E]) => void } = {};

  constructor(
    private readonly client: WhatsAppClient,
    options: WhatsAppChannelOptions = {},
  ) {
    this.minGapMs = Math.max(0, options.minGapMs ?? 1000);
    this.maxRemembered = Math.max(1, options.maxRemembered ?? 500);
    this.notReadyRetryMs = options.notReadyRetryMs ?? 5000;
    this.unresolvedRetryMs = options.unresolvedRetryMs ?? 30_000;
    this.unresolvedLimit = Math.max(1, options.unresolvedLimit ?? 3);
    this.onSeenError = options.onSeenError ?? (() => undefined);
    this.now = options.now ?? (() => Date.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.listen('ready', () => {
      this.initialised = true;
      this.ready = true;
    });
    this.listen('disconnected', () => {
      this.initialised = false;
      this.ready = false;
    });
    this.listen('auth_failure', () => {
      this.initialised = false;
      this.ready = false;
    });
    this.listen('change_state', (state) => {
      this.ready = state === 'CONNECTED' && this.initialised;
    });
  }

  /** Whether sends are attempted now. */
  get isReady(): boolean {
    return this.ready;
  }

  /** Stops listening to the client (before it is replaced by a new one). */
  detach(): void {
    for (const [event, listener] of Object.entries(this.listeners)) {
      this.client.off(event as keyof WhatsAppClientEvents, listener as () => void);
    }
    this.ready = false;
  }

  async send(chatId: string, message: { text: string; options?: OutboundOption[] }): Promise<void> {
    const parts = renderWhatsAppMessage(message);
    const previous = this.tails.get(chatId) ?? Promise.resolve();
    const mine = previous.then(() => this.sendParts(chatId, parts));
    const tail = mine.catch(() => undefined);
    this.tails.set(chatId, tail);
    try {
      await mine;
    } finally {
      if (this.tails.get(chatId) === tail) this.tails.delete(chatId);
    }
  }

  private async sendParts(chatId: string, parts: string[]): Promise<void> {
    for (const part of parts) {
      if (!this.ready) throw new ChannelSendError('whatsapp client not ready', this.notReadyRetryMs);
      const last = this.lastSentAt.get(chatId);
      if (last !== undefined) {
        const wait = last + this.minGapMs - this.now();
        if (wait > 0) await this.sleep(wait);
        if (!this.ready) throw new ChannelSendError('whatsapp client not ready', this.notReadyRetryMs);
      }
      let sent: unknown;
      try {
        sent = await this.client.sendMessage(chatId, part, { sendSeen: false });
      } catch (error) {
        throw new ChannelSendError(`whatsapp send failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        this.lastSentAt.set(chatId, this.now());
      }
      if (!sent) this.unresolvedChat(chatId);
      this.unresolved.delete(chatId);
      this.pruneGaps();
    }
    this.markSeen(chatId);
  }

  /** The page could not resolve the chat, so nothing went out: retry later, or give up after several in a row. */
  private unresolvedChat(chatId: string): never {
    const count = (this.unresolved.get(chatId) ?? 0) + 1;
    if (count >= this.unresolvedLimit) {
      this.unresolved.delete(chatId);
      throw new ChannelSendError(`whatsapp could not find the chat (${count} tries)`, undefined, true);
    }
    this.unresolved.set(chatId, count);
    throw new ChannelSendError('whatsapp could not find the chat; nothing was sent', this.unresolvedRetryMs);
  }

  /** Best effort: a failure is reported, never thrown (the reply went out). */
  private markSeen(chatId: string): void {
    void Promise.resolve()
      .then(() => this.client.sendSeen(chatId))
      .catch((error: unknown) => this.onSeenError(error));
  }

  /** Forgets the chats whose gap has passed, so the map stays as small as the recent traffic. */
  private pruneGaps(): void {
    if (this.lastSentAt.size < 1000) return;
    const cutoff = this.now() - this.minGapMs;
    for (const [chat, at] of this.lastSentAt) if (at <= cutoff) this.lastSentAt.delete(chat);
  }

  /** Keeps a media message a person sent so that `download(ref)` can fetch its file. */
  remember(msg: WhatsAppMessage): void {
    const id = msg.id._serialized;
    this.media.delete(id);
    this.media.set(id, msg);
    while (this.media.size > this.maxRemembered) {
      const oldest = this.media.keys().next().value;
      if (oldest === undefined) break;
      this.media.delete(oldest);
    }
  }

  async download(ref: string, maxBytes: number): Promise<Buffer> {
    const msg = this.media.get(ref) ?? (await this.client.getMessageById?.(ref)) ?? null;
    if (msg === null) throw new Error('whatsapp media message not found');
    const media = await msg.downloadMedia();
    if (media === undefined || media === null) throw new Error('whatsapp media not available');
    if (typeof media.filesize === 'number' && media.filesize > maxBytes) throw new FileTooLargeError();
    if (base64Length(media.data) > maxBytes) throw new FileTooLargeError();
    const bytes = Buffer.from(media.data, 'base64');
    if (bytes.length > maxBytes) throw new FileTooLargeError();
    return bytes;
  }

  private listen<E extends keyof WhatsAppClientEvents>(event: E, listener: (...args: WhatsAppClientEvents[E]) => void): void {
    (this.listeners as Record<string, unknown>)[event] = listener;
    this.client.on(event, listener);
  }
}

/** The decoded size of base64 text, without decoding it. */
function base64Length(data: string): number {
  const clean = data.replace(/[^A-Za-z0-9+/]/g, '');
  return Math.floor((clean.length * 3) / 4);
}

/** The texts to send for one message: the text, then its options as numbered lines, in parts of at most {@link WHATSAPP_MAX_TEXT}. */
export function renderWhatsAppMessage(message: { text: string; options?: OutboundOption[] }): string[] {
  const options = (message.options ?? []).map((option, index) => `${index + 1}. ${option.label}`).join('\n');
  const parts = splitText(message.text, WHATSAPP_MAX_TEXT);
  if (options === '') return parts.length === 0 ? [] : parts;
  const last = parts[parts.length - 1];
  if (last === undefined) return splitText(options, WHATSAPP_MAX_TEXT);
  if (last.length + 2 + options.length <= WHATSAPP_MAX_TEXT) {
    parts[parts.length - 1] = `${last}\n\n${options}`;
    return parts;
  }
  return [...parts, ...splitText(options, WHATSAPP_MAX_TEXT)];
}

/** Splits at a line break, else a space, in the second half of each window; never inside a surrogate pair. */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) {
      cut = max;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    }
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.trim() !== '') parts.push(rest);
  return parts.filter((part) => part !== '');
}
