import type { Logger } from 'pino';
import type { ConversationRepository } from '../models/conversation-repository.js';
import type { ChannelAdapter } from '../bots/inbound-message.js';
import type { ChatLocks } from './chat-lock.js';

/** Everything the sender works with. */
export interface SenderDeps {
  conversations: ConversationRepository;
  channels: ReadonlyMap<string, Pick<ChannelAdapter, 'send'>>;
  locks: ChatLocks;
  logger: Logger;
  onSent?: (channel: string) => void;
}

/**
 * Sends a chat's outbox in order, marking each message sent as soon as the platform
 * accepted it, so a retry resumes after the last one sent and never reorders the chat.
 * A message is sent twice only when the process dies between the send and its mark.
 * The caller holds the chat's send lock; the mark takes the conversation's write lock,
 * because FerretDB does not serialise concurrent writes to one document.
 */
export class OutboxSender {
  constructor(private readonly deps: SenderDeps) {}

  /** Sends everything waiting; throws on a failed send (the job retries, waiting as the platform asked). */
  async drain(chatKey: string): Promise<number> {
    let sent = 0;
    for (let round = 0; round < 50; round++) {
      const conversation = await this.deps.conversations.load(chatKey);
      if (!conversation || conversation.outbox.length === 0) break;
      const channel = this.deps.channels.get(conversation.channel);
      if (!channel) throw new Error(`no channel adapter for ${conversation.channel}`);
      for (const item of conversation.outbox) {
        await channel.send(conversation.address, item.message);
        // Waits as long as it takes: giving up here would send the same message again on the retry.
        await this.deps.locks.exclusive(`chat:${chatKey}`, () => this.deps.conversations.markSent(chatKey, item.seq), Infinity);
        this.deps.onSent?.(conversation.channel);
        sent += 1;
      }
    }
    return sent;
  }
}
