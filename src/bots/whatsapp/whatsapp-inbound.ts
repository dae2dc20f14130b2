import type { Logger } from 'pino';
import { errorFields } from '../../logger.js';
import type { InboundMessage } from '../../core/channel.js';
import { asCanonical, isPrivateChatId, normalizeEdit, normalizeMessage } from './normalize-message.js';
import type { WhatsAppChat, WhatsAppClient, WhatsAppMessage } from './whatsapp-client.js';

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
}

/** What a catch-up did. */
export interface CatchUpReport {
  chatsRead: number;
  messagesReceived: number;
  chatsFailed: number;
}

/**
 * Gets WhatsApp messages into the service's inbox: live from the client's `message` event,
 * and after a gap (a restart, a reconnect, a periodic check) by reading back every private
 * chat with activity since its last received message — read on the phone or not, since
 * unread counts say nothing about what the service saw.
 *
 * Live messages are received one after another, in the order WhatsApp gives them; while a
 * catch-up runs they wait, so that messages sent while the service was away are received
 * before the ones sent after. A message seen twice (live and read back) is stored once: the
 * inbox is keyed by message id. A live message that could not be stored is not lost: its
 * chat's cursor did not move, so the next catch-up reads it again.
 */
export class WhatsAppInbound {
  private chain: Promise<void> = Promise.resolve();
  private catchingUp: Promise<CatchUpReport> | null = null;

  constructor(private readonly deps: WhatsAppInboundDeps) {}

  /** The `message` listener: queued behind earlier messages and any running catch-up. */
  live(message: WhatsAppMessage): void {
    this.chain = this.chain.then(() => this.receive(message)).catch(() => undefined);
  }

  /**
   * The `message_edit` listener: the person is told that the edit changes nothing (see
   * {@link normalizeEdit}), in order with their messages. The chat's cursor does not move: the
   * notice is not a message of theirs, and a lost one is not worth a catch-up.
   */
  edited(message: WhatsAppMessage, editedAt = new Date()): void {
    this.chain = this.chain
      .then(async () => {
        const normalized = normalizeEdit(message, editedAt);
        if (normalized.kind === 'beneficiary') await this.deps.ingest(await this.canonicalOf(normalized.message));
      })
      .catch((error: unknown) => this.deps.logger.warn({ ...errorFields(error) }, 'could not queue the notice for an edited WhatsApp message'));
  }

  /** Waits for every live message given so far (tests, shutdown). */
  async settled(): Promise<void> {
    await this.chain;
  }

  /** Reads back what the service may have missed; one catch-up at a time (a second call joins the running one). */
  catchUp(client: Pick<WhatsAppClient, 'getChats'>): Promise<CatchUpReport> {
    if (this.catchingUp) return this.catchingUp;
    const run = this.chain.then(() => this.readBack(client));
    this.catchingUp = run;
    // Live messages that arrive meanwhile queue behind the catch-up.
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    const done = () => {
      if (this.catchingUp === run) this.catchingUp = null;
    };
    // Both paths handled here: the caller handles the rejection of `run` itself.
    run.then(done, done);
    return run;
  }

  /** Normalises one message and, when it is a beneficiary's, stores it and moves its chat's cursor. */
  async receive(raw: WhatsAppMessage): Promise<void> {
    const normalized = normalizeMessage(raw);
    if (normalized.kind === 'ignored') {
      this.deps.onOutcome?.('ignored');
      return;
    }
    try {
      const message = await this.canonicalOf(normalized.message);
      if (message.media) this.deps.remember(raw);
      const fresh = await this.deps.ingest(message);
      await this.deps.received(message.chatId, message.seq);
      this.deps.onOutcome?.(fresh ? 'received' : 'duplicate');
    } catch (error) {
      this.deps.onOutcome?.('failed');
      this.deps.logger.warn({ ...errorFields(error) }, 'could not store a WhatsApp message; the next catch-up reads it again');
      throw error;
    }
  }

  /** The message under the person's canonical id. */
  private async canonicalOf(message: InboundMessage): Promise<InboundMessage> {
    return this.deps.canonical ? asCanonical(message, await this.deps.canonical.canonical(message.chatId)) : message;
  }

  private async readBack(client: Pick<WhatsAppClient, 'getChats'>): Promise<CatchUpReport> {
    const report: CatchUpReport = { chatsRead: 0, messagesReceived: 0, chatsFailed: 0 };
    const chats = (await client.getChats()).filter((chat) => !chat.isGroup && isPrivateChatId(chat.id._serialized));
    // Each chat read from where its person's conversation stands, whichever of their ids the chat is under;
    // a chat whose person WhatsApp cannot name now waits for the next round rather than be read from the wrong place.
    const canonical = new Map<string, string>();
    await this.deps.canonical?.preload(chats.map((chat) => chat.id._serialized));
    for (const chat of chats) {
      const id = chat.id._serialized;
      try {
        canonical.set(id, this.deps.canonical ? await this.deps.canonical.canonical(id) : id);
      } catch (error) {
        report.chatsFailed += 1;
        this.deps.logger.warn({ ...errorFields(error) }, 'could not tell whose WhatsApp chat this is; the next catch-up tries again');
      }
    }
    const floors = await this.deps.floors([...new Set(canonical.values())]);
    for (const chat of chats) {
      const person = canonical.get(chat.id._serialized);
      const floor = person === undefined ? undefined : floors.get(person);
      if (floor === undefined) continue;
      // Nothing happened in the chat since its floor (chat.timestamp is the last activity, in seconds).
      if (typeof chat.timestamp === 'number' && (chat.timestamp + 1) * 1000 <= floor) continue;
      try {
        const missed = await this.messagesAfter(chat, floor);
        report.chatsRead += 1;
        for (const message of missed) {
          await this.receive(message);
          report.messagesReceived += 1;
        }
      } catch (error) {
        report.chatsFailed += 1;
        this.deps.logger.warn({ ...errorFields(error) }, 'could not read back a WhatsApp chat; the next catch-up tries again');
      }
    }
    this.deps.logger.info({ ...report }, 'WhatsApp catch-up done');
    return report;
  }

  /** The chat's messages with a `seq` above `floor`, oldest first, reading further back until the floor is passed. */
  private async messagesAfter(chat: WhatsAppChat, floor: number): Promise<WhatsAppMessage[]> {
    const max = this.deps.maxPerChat ?? 500;
    let limit = Math.min(20, max);
    let messages: WhatsAppMessage[];
    for (;;) {
      messages = await chat.fetchMessages({ limit });
      const oldest = messages[0];
      // A message of the oldest one's second may still be above the floor (seq adds up to 999 ms): read on until a whole second is below it.
      const reachedFloor = oldest === undefined || oldest.timestamp * 1000 + 999 <= floor;
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
