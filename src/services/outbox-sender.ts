import type { Logger } from 'pino';
import type { ConversationRepository } from '../models/conversation-repository.js';
import { ChannelSendError, type ChannelAdapter } from '../core/channel.js';
import type { ChatLocks, LockLease } from './chat-lock.js';

/** Everything the sender works with. */
export interface SenderDeps {
  conversations: Pick<ConversationRepository, 'loadOutbox' | 'markSent'>;
  channels: ReadonlyMap<string, Pick<ChannelAdapter, 'send'>>;
  locks: ChatLocks;
  logger: Logger;
  onSent?: (channel: string) => void;
  /**
   * Records a message the platform will never take (a Telegram user who blocked the bot, a
   * WhatsApp chat the service may not message). Called again for the same `seq` only if the
   * process died before the message was passed over.
   */
  onUndelivered: (undelivered: { chatKey: string; channel: string; seq: number; reason: string }) => Promise<void>;
}

/**
 * Sends a chat's outbox in order, marking each message sent as soon as the platform
 * accepted it, so a retry resumes after the last one sent and never reorders the chat.
 * A message is sent twice only when the process dies between the send and its mark.
 * A message refused for good is recorded and passed over, so it cannot hold back the chat.
 * The caller holds the chat's send lock; the mark takes the conversation's write lock,
 * because FerretDB does not serialise concurrent writes to one document.
 */
export class OutboxSender {
  constructor(private readonly deps: SenderDeps) {}

  /**
   * Sends everything waiting; throws on a failed send (the job retries, waiting as the platform asked).
   * `lease` is the caller's send lock: confirmed before each send, so a sender whose lock Redis lost
   * stops rather than sending alongside the next holder (which would repeat and interleave the chat's
   * messages). Without one (tests) nothing is confirmed.
   */
  async drain(chatKey: string, lease?: LockLease): Promise<number> {
    // One look is enough: a reply written after it comes with its own job (the processor queues one per commit).
    const conversation = await this.deps.conversations.loadOutbox(chatKey);
    if (!conversation || conversation.outbox.length === 0) return 0;
    const channel = this.deps.channels.get(conversation.channel);
    if (!channel) throw new Error(`no channel adapter for ${conversation.channel}`);
    let sent = 0;
    for (const item of conversation.outbox) {
      await lease?.confirm();
      const delivered = await this.sendOne(channel, chatKey, conversation, item);
      // Waits as long as it takes: giving up here would send the same message again on the retry.
      await this.deps.locks.exclusive(`chat:${chatKey}`, () => this.deps.conversations.markSent(chatKey, item.seq, conversation.outboxSeq), Infinity);
      if (!delivered) continue;
      this.deps.onSent?.(conversation.channel);
      sent += 1;
    }
    return sent;
  }

  /** Sends one message; false when the platform refused it for good (recorded). Other failures throw. */
  private async sendOne(
    channel: Pick<ChannelAdapter, 'send'>,
    chatKey: string,
    conversation: { channel: string; address: string },
    item: { seq: number; message: Parameters<ChannelAdapter['send']>[1] },
  ): Promise<boolean> {
    try {
      await channel.send(conversation.address, item.message);
      return true;
    } catch (error) {
      if (!(error instanceof ChannelSendError) || !error.permanent) throw error;
      this.deps.logger.warn({ chatKey, channel: conversation.channel, reason: error.message }, 'message refused for good; recorded and passed over');
      await this.deps.onUndelivered({ chatKey, channel: conversation.channel, seq: item.seq, reason: error.message.slice(0, 200) });
      return false;
    }
  }
}
