import type { InboxRepository } from '../models/inbox-repository.js';
import type { KeyRing } from '../privacy/key-ring.js';
import type { Channel } from '../core/channel.js';
import { messageMarkOf } from './identifiers.js';
import { ERASED } from '../models/erased.js';

/** What {@link queueNotice} needs. */
export interface NoticeDeps {
  inbox: InboxRepository;
  keys: KeyRing;
  requestInbound: (chatKey: string, reason: string) => Promise<void>;
  clock?: () => Date;
}

/**
 * Queues something the association tells a person without their asking (a decision)
 * into their chat's inbox, so it is rendered in their language, written with the
 * conversation under its lock and sent through the same ordered outbox. `noticeId`
 * makes it idempotent: the same decision is told once, however often this is called.
 */
export async function queueNotice(
  deps: NoticeDeps,
  target: { chatKey: string; channel: Channel },
  notice: { key: string; params: Record<string, string | number> },
  noticeId: string,
): Promise<void> {
  // An anonymised case or record names no chat: whatever staff do with it afterwards is told to nobody.
  if (target.chatKey === ERASED) return;
  const now = deps.clock?.() ?? new Date();
  const inboxId = `${target.chatKey}_${messageMarkOf(deps.keys, target.chatKey, noticeId)}`;
  await deps.inbox.accept(
    inboxId,
    target.chatKey,
    {
      channel: target.channel,
      // The conversation exists (the case came from it) and holds the real address.
      chatId: '-',
      userId: 'association',
      messageId: noticeId,
      // After anything the person has already sent: Telegram update ids and WhatsApp times are smaller.
      seq: now.getTime() * 1000,
      receivedAt: now.toISOString(),
      notice,
    },
    now,
  );
  await deps.requestInbound(target.chatKey, inboxId);
}
