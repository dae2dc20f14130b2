import { InboundMessageSchema, type Channel, type InboundMessage } from '../core/channel.js';
import type { InboxRepository } from '../models/inbox-repository.js';
import type { KeyRing } from '../privacy/key-ring.js';
import type { Logger } from '../logger.js';
import { chatKeyOf, messageMarkOf } from './identifiers.js';
import type { FloodGuard } from './flood-guard.js';

export interface IntakeDeps {
  inbox: InboxRepository;
  keys: KeyRing;
  flood: FloodGuard;
  queueInbound: (chatKey: string, inboxId: string) => Promise<unknown>;
  notify: (
    target: { chatKey: string; channel: Channel },
    notice: { key: string; params: Record<string, string | number> },
    noticeId: string,
  ) => Promise<unknown>;
  /** Told of each message set aside here (metrics): a redelivery, or one over the flood limit. */
  onRefused?: (channel: Channel, outcome: 'duplicate' | 'flooded') => void;
  logger: Logger;
  clock?: () => Date;
}

/**
 * Where every channel's messages come in: each is stored durably in the inbox (a redelivery
 * is recognised by its deterministic id), counted against flood control, and queued for its
 * chat. The inbox is the guarantee; the queue only hurries the work, and the sweeper queues
 * what Redis lost.
 */
export class Intake {
  constructor(private readonly deps: IntakeDeps) {}

  /** Stores received messages (one insert for all of them), then lets each in and queues it; for each, whether it was new and taken. */
  async ingestMany(raws: readonly InboundMessage[]): Promise<boolean[]> {
    const { keys, inbox } = this.deps;
    const now = this.deps.clock?.() ?? new Date();
    const entries = raws.map((raw) => {
      const message = InboundMessageSchema.parse(raw);
      const chatKey = chatKeyOf(keys, message.channel, message.chatId);
      return { id: `${chatKey}_${messageMarkOf(keys, chatKey, message.messageId)}`, chatKey, message };
    });
    const fresh = await inbox.acceptMany(entries, now);
    const taken: boolean[] = [];
    for (const [i, { id, chatKey, message }] of entries.entries()) taken.push(await this.admit(id, chatKey, message, fresh[i] ?? false, now));
    return taken;
  }

  /** Stores and queues one message; false for a message already received (or set aside as a flood). */
  async ingest(raw: InboundMessage): Promise<boolean> {
    return (await this.ingestMany([raw]))[0] ?? false;
  }

  /** One stored message: counted towards a flood (only when new), then queued; false unless new and taken. */
  private async admit(inboxId: string, chatKey: string, message: InboundMessage, fresh: boolean, now: Date): Promise<boolean> {
    const { flood, inbox } = this.deps;
    if (!fresh) this.deps.onRefused?.(message.channel, 'duplicate');
    // Counted once stored, so a redelivery or a re-read never counts towards a flood.
    const verdict = fresh && !message.notice ? await flood.check(chatKey, new Date(message.receivedAt), now) : 'take';
    if (verdict !== 'take') {
      await inbox.remove(inboxId);
      this.deps.onRefused?.(message.channel, 'flooded');
      // One notice per window (its id names the window), in order with the chat's messages.
      if (verdict === 'tell')
        await this.deps.notify(
          { chatKey, channel: message.channel },
          { key: 'flood.slowDown', params: {} },
          `flood:${Math.floor(now.getTime() / flood.windowMs)}`,
        );
      return false;
    }
    // Queued even when already received: the first job may be the one Redis lost. The sweeper is the backstop.
    await this.deps
      .queueInbound(chatKey, inboxId)
      .catch((error: unknown) =>
        this.deps.logger.warn({ chatKey, err: { name: (error as Error).name } }, 'could not queue an inbound message; the sweeper will'),
      );
    return fresh;
  }
}
