import type { Logger } from 'pino';
import { errorFields } from '../../logger.js';
import type { InboundMessage } from '../../core/channel.js';
import { asCanonical, isPrivateChatId, isRealEdit, normalizeEdit, normalizeMessage } from './normalize-message.js';
import type { WhatsAppChat, WhatsAppClient, WhatsAppMessage } from './whatsapp-client.js';
import { SerialByKey } from '../../services/serial-by-key.js';
import { withTimeout } from '../../timeout.js';

/** What the inbound side works with. */
export interface WhatsAppInboundDeps {
  /** Stores a message durably and queues it (the service's `ingest`); false for one already received. */
  ingest: (message: InboundMessage) => Promise<boolean>;
  /** Keeps a media message so its file can be downloaded when the flow asks for it. */
  remember: (message: WhatsAppMessage) => void;
  /**
   * The id the person's conversation is kept under, whichever of their ids (`@c.us`, `@lid`) a
   * message came through (identities.ts); each id as it is when absent.
   */
  canonical?: { canonical(chatId: string): Promise<string>; preload(chatIds: readonly string[]): Promise<void> };
  /** Records that a chat's message with this `seq` was received (by the canonical id). */
  received: (chatId: string, seq: number) => Promise<void>;
  /**
   * For each chat id, the `seq` above which its messages may not have been received: the
   * newest received (less a second, see {@link catchUp}), or for a chat never seen, when
   * the number was first linked.
   */
  floors: (chatIds: readonly string[]) => Promise<Map<string, number>>;
  logger: Logger;
  /** Counts what happened to each message (for metrics). */
  onOutcome?: (outcome: 'received' | 'duplicate' | 'ignored' | 'failed') => void;
  /** The most messages read back from one chat in one catch-up (default 500). */
  maxPerChat?: number;
  /** How long a round may go on starting reads (default 60 s); chats it did not reach wait for the next round or their person's next message. */
  budgetMs?: number;
  /** The longest one chat's read may take (default 30 s). */
  chatTimeoutMs?: number;
  /** Told each round's figures (metrics). */
  onCatchUp?: (report: CatchUpReport) => void;
}

/** What a catch-up round did. */
export interface CatchUpReport {
  chatsRead: number;
  messagesReceived: number;
  chatsFailed: number;
  /** Chats with missed messages the round's budget did not reach: the next round, or their person's next message, reads them. */
  chatsLeft: number;
  ms: number;
}

/** A chat known to hold messages the service may have missed, where to read it from, and whose it is. */
interface Behind {
  chat: WhatsAppChat;
  floor: number;
  person: string;
}

/**
 * Gets WhatsApp messages into the service's inbox: live from the client's `message` event,
 * and after a gap (a restart, a reconnect, a periodic check) by reading back every private
 * chat with activity since its last received message — read on the phone or not, since
 * unread counts say nothing about what the service saw.
 *
 * Each chat is a lane: its messages are received one after another, in the order WhatsApp
 * gives them, and a chat known to be behind (found by a catch-up round, not read yet) is read
 * back before its next live message, so what was sent while the service was away comes first.
 * Only that chat waits: the living of other chats never wait behind a catch-up. A round reads
 * the chats that are behind, the longest waiting first, within a time budget; each read within
 * a time limit (a stuck page call lasts up to Puppeteer's three minutes). A chat the budget
 * did not reach, or whose read failed, stays behind.
 *
 * The cursor (one per person, whichever of their ids) only moves when nothing before it can be
 * missing: not while a round is still finding which chats are behind, not while any chat of the
 * person is behind, and not for a chat whose live message could not be stored or whose person
 * could not be named, until a round has read it back. Live messages meanwhile are stored; the
 * next read starts from where the cursor stayed, so nothing is skipped. A message seen twice
 * (live and read back) is stored once: the inbox is keyed by message id.
 */
export class WhatsAppInbound {
  private readonly lanes = new SerialByKey<string>();
  private readonly behind = new Map<string, Behind>();
  /** Chats whose cursor waits for a round's read: a live message of theirs failed, or their person could not be named. */
  private readonly held = new Set<string>();
  /** Rounds still finding which chats are behind: meanwhile no live message moves a cursor. */
  private preparing = 0;
  private catchingUp: Promise<CatchUpReport> | null = null;
  private readonly people: NonNullable<WhatsAppInboundDeps['canonical']>;

  constructor(private readonly deps: WhatsAppInboundDeps) {
    this.people = deps.canonical ?? EACH_ID_ITS_OWN;
  }

  /** The `message` listener: in its chat's lane, after what the chat missed. */
  live(message: WhatsAppMessage): void {
    const chatId = chatOf(message);
    // The raw model's field names (never their values) of media and albums: what a real phone shows
    // of how an album's photos are tied to it (docs/whatsapp.md, checklist item 11).
    if (message.hasMedia || message.type === 'album')
      this.deps.logger.debug({ type: message.type, fields: Object.keys(message._data ?? {}).sort() }, 'WhatsApp media message fields');
    this.lanes.add(chatId, async () => {
      // A chat that is behind is read back first (nothing happens for one that is not).
      await this.readChat(chatId, emptyReport());
      try {
        const stored = await this.receive(message);
        if (stored && this.preparing === 0 && this.mayMoveCursor(chatId, stored.chatId)) await this.deps.received(stored.chatId, stored.seq);
      } catch {
        // Not stored (or its cursor not written): the chat's cursor waits until a round reads it back.
        this.held.add(chatId);
      }
    });
  }

  /**
   * The `message_edit` listener. A real edit: the person is told that it changes nothing (see
   * {@link normalizeEdit}), in order with their messages; the chat's cursor does not move (the
   * notice is not a message of theirs, and a lost one is not worth a catch-up). A body that
   * changed without an edit is a message decrypted late: it is received like a live one (the
   * inbox takes it once, whichever of this and the library's `message` comes first).
   */
  edited(message: WhatsAppMessage, editedAt = new Date()): void {
    if (!isRealEdit(message)) return this.live(message);
    this.lanes.add(chatOf(message), async () => {
      try {
        const normalized = normalizeEdit(message, editedAt);
        if (normalized.kind === 'beneficiary') await this.deps.ingest(await this.canonicalOf(normalized.message));
      } catch (error) {
        this.deps.logger.warn({ ...errorFields(error) }, 'could not queue the notice for an edited WhatsApp message');
      }
    });
  }

  /** Waits for every live message given so far (tests, shutdown). */
  async settled(): Promise<void> {
    await this.lanes.settled();
  }

  /** Reads back what the service may have missed; one round at a time (a second call joins the running one). */
  catchUp(client: Pick<WhatsAppClient, 'getChats'>): Promise<CatchUpReport> {
    if (this.catchingUp) return this.catchingUp;
    const run = this.readBack(client);
    this.catchingUp = run;
    const done = () => {
      if (this.catchingUp === run) this.catchingUp = null;
    };
    // Both paths handled here: the caller handles the rejection of `run` itself.
    run.then(done, done);
    return run;
  }

  /** Normalises one message and, when it is a beneficiary's, stores it; returns it as stored (null when ignored). */
  async receive(raw: WhatsAppMessage): Promise<InboundMessage | null> {
    const normalized = normalizeMessage(raw);
    if (normalized.kind === 'ignored') {
      this.deps.onOutcome?.('ignored');
      return null;
    }
    try {
      const message = await this.canonicalOf(normalized.message);
      if (message.media) this.deps.remember(raw);
      const fresh = await this.deps.ingest(message);
      this.deps.onOutcome?.(fresh ? 'received' : 'duplicate');
      return message;
    } catch (error) {
      this.deps.onOutcome?.('failed');
      this.deps.logger.warn({ ...errorFields(error) }, 'could not store a WhatsApp message; the next catch-up reads it again');
      throw error;
    }
  }

  /**
   * Whether the person's cursor may move past a message of `chatId`: no chat of the person is
   * behind (but the one being read, `reading`) and the chat's cursor is not held.
   */
  private mayMoveCursor(chatId: string, person: string, reading?: string): boolean {
    if (this.held.has(chatId) && chatId !== reading) return false;
    for (const [id, behind] of this.behind) if (id !== reading && (id === chatId || behind.person === person)) return false;
    return true;
  }

  /** The message under the person's canonical id. */
  private async canonicalOf(message: InboundMessage): Promise<InboundMessage> {
    return asCanonical(message, await this.people.canonical(message.chatId));
  }

  private async readBack(client: Pick<WhatsAppClient, 'getChats'>): Promise<CatchUpReport> {
    const startedAt = Date.now();
    const report = emptyReport();
    this.preparing += 1;
    let due: WhatsAppChat[];
    try {
      due = await this.findBehind(client, report);
    } finally {
      this.preparing -= 1;
    }
    // The longest waiting first: under the budget, the person who wrote first is read first.
    due.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    const budgetMs = this.deps.budgetMs ?? 60_000;
    const started = new Set<string>();
    let over = false;
    for (const chat of due) {
      const remaining = budgetMs - (Date.now() - startedAt);
      if (remaining <= 0) break;
      const chatId = chat.id._serialized;
      // A read starts only within the budget; once started it finishes (bounded by the chat's time limit).
      // A lane still busy when the budget is spent is not waited for: the chat stays behind.
      const read = new Promise<void>((resolve) =>
        this.lanes.add(chatId, async () => {
          if (over) return resolve();
          started.add(chatId);
          await this.readChat(chatId, report).finally(resolve);
        }),
      );
      if ((await Promise.race([read.then(() => 'read' as const), pause(remaining).then(() => 'spent' as const)])) === 'spent') {
        if (started.has(chatId)) await read;
        else break;
      }
    }
    over = true;
    report.chatsLeft = due.length - started.size;
    report.ms = Date.now() - startedAt;
    this.deps.logger.info({ ...report }, 'WhatsApp catch-up done');
    this.deps.onCatchUp?.(report);
    return report;
  }

  /** Lists the private chats, names each one's person, and marks behind those with activity since their floor. */
  private async findBehind(client: Pick<WhatsAppClient, 'getChats'>, report: CatchUpReport): Promise<WhatsAppChat[]> {
    const chats = (await client.getChats()).filter((chat) => !chat.isGroup && isPrivateChatId(chat.id._serialized));
    // Each chat read from where its person's conversation stands, whichever of their ids the chat is under;
    // a chat whose person WhatsApp cannot name now waits for the next round rather than be read from the wrong place.
    const canonical = new Map<string, string>();
    await this.people.preload(chats.map((chat) => chat.id._serialized));
    for (const chat of chats) {
      const id = chat.id._serialized;
      try {
        canonical.set(id, await this.people.canonical(id));
      } catch (error) {
        report.chatsFailed += 1;
        this.held.add(id);
        this.deps.logger.warn({ ...errorFields(error) }, 'could not tell whose WhatsApp chat this is; the next catch-up tries again');
      }
    }
    const floors = await this.deps.floors([...new Set(canonical.values())]);
    const due: WhatsAppChat[] = [];
    for (const chat of chats) {
      const person = canonical.get(chat.id._serialized);
      const floor = person === undefined ? undefined : floors.get(person);
      if (floor === undefined) continue;
      // Nothing happened in the chat since its floor (chat.timestamp is the last activity, in seconds).
      if (typeof chat.timestamp === 'number' && (chat.timestamp + 1) * 1000 <= floor) continue;
      // From now on its live messages wait for what it missed.
      this.behind.set(chat.id._serialized, { chat, floor, person: person! });
      due.push(chat);
    }
    return due;
  }

  /** Reads back one chat that is behind, in its lane; it stays behind when the read fails. */
  private async readChat(chatId: string, report: CatchUpReport): Promise<void> {
    const behind = this.behind.get(chatId);
    if (!behind) return;
    try {
      const missed = await withTimeout(this.messagesAfter(behind.chat, behind.floor), this.deps.chatTimeoutMs ?? 30_000);
      for (const message of missed) {
        const stored = await this.receive(message);
        report.messagesReceived += 1;
        // In order, so a read cut short resumes after the last one stored.
        if (stored && this.mayMoveCursor(chatId, behind.person, chatId)) await this.deps.received(stored.chatId, stored.seq);
      }
      this.behind.delete(chatId);
      this.held.delete(chatId);
      report.chatsRead += 1;
    } catch (error) {
      report.chatsFailed += 1;
      this.deps.logger.warn({ ...errorFields(error) }, 'could not read back a WhatsApp chat; the next catch-up tries again');
    }
  }

  /** The chat's messages with a `seq` above `floor`, oldest first, reading further back until the floor is passed. */
  private async messagesAfter(chat: WhatsAppChat, floor: number): Promise<WhatsAppMessage[]> {
    const max = this.deps.maxPerChat ?? 500;
    let limit = Math.min(20, max);
    let messages: WhatsAppMessage[];
    for (;;) {
      messages = await chat.fetchMessages({ limit });
      // Not the first: the library sorts only when it trims to the limit (Chat.js fetchMessages), so the page's order may be any.
      const oldest = messages.length === 0 ? undefined : Math.min(...messages.map((m) => m.timestamp));
      // A message of the oldest one's second may still be above the floor (seq adds up to 999 ms): read on until a whole second is below it.
      const reachedFloor = oldest === undefined || oldest * 1000 + 999 <= floor;
      if (messages.length < limit || reachedFloor || limit >= max) break;
      limit = Math.min(max, limit * 4);
    }
    const after: { seq: number; message: WhatsAppMessage }[] = [];
    for (const message of messages) {
      const normalized = normalizeMessage(message);
      if (normalized.kind === 'beneficiary' && normalized.message.seq > floor) after.push({ seq: normalized.message.seq, message });
    }
    return after.sort((a, b) => a.seq - b.seq).map((entry) => entry.message);
  }
}

/** Without a resolver (tests of the inbound alone), each id is its own person. */
const EACH_ID_ITS_OWN: NonNullable<WhatsAppInboundDeps['canonical']> = { canonical: async (id) => id, preload: async () => undefined };

function emptyReport(): CatchUpReport {
  return { chatsRead: 0, messagesReceived: 0, chatsFailed: 0, chatsLeft: 0, ms: 0 };
}

/** The chat a message belongs to, as WhatsApp names it (`id.remote`; `from` for a message without one). */
function chatOf(message: WhatsAppMessage): string {
  return message.id?.remote ?? message.from ?? '';
}

/** Resolves after `ms`, without keeping the process alive. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
