import { createHash } from 'node:crypto';
import type { KeyRing } from '../privacy/key-ring.js';
import type { Channel } from '../core/channel.js';

/**
 * The id of a chat in storage and queues: the channel and a keyed hash of the
 * platform's chat id. No phone number or chat id in clear, no dots (FerretDB
 * refuses them in keys) and no colons (BullMQ refuses them in job ids).
 */
export function chatKeyOf(keys: KeyRing, channel: Channel, chatId: string): string {
  return `${channel}_${keys.lookupHash('chat', `${channel}:${chatId}`).slice(0, 24)}`;
}

/** The mark of an inbound message, unique within its chat; a WhatsApp message id embeds the phone number, so it is hashed. */
export function messageMarkOf(keys: KeyRing, chatKey: string, messageId: string): string {
  return keys.lookupHash('message', `${chatKey}:${messageId}`).slice(0, 24);
}

/** The id of a document a person sent, derived from its message so a redelivery stores it once. */
export function documentIdOf(chatKey: string, mark: string): string {
  return `doc_${createHash('sha256').update(`${chatKey}:${mark}`).digest('hex').slice(0, 24)}`;
}

/** The id of the case a draft becomes: derived from the draft, so a retried submission finds its own case. */
export function caseIdOf(submissionId: string, chatKey: string): string {
  return `case_${createHash('sha256').update(`${chatKey}:${submissionId}`).digest('hex').slice(0, 24)}`;
}

/** An id source for the engine, seeded by the inbound message: a retry produces the same ids. */
export function seededIds(chatKey: string, mark: string): () => string {
  const seed = createHash('sha256').update(`${chatKey}:${mark}`).digest('hex').slice(0, 16);
  let n = 0;
  return () => `${seed}${(++n).toString(36)}`;
}

/** The id of the record a short flow's draft becomes (a suggestion, a volunteer): derived, so a retry finds it. */
export function recordIdOf(kind: string, submissionId: string, chatKey: string): string {
  return `rec_${createHash('sha256').update(`${kind}:${chatKey}:${submissionId}`).digest('hex').slice(0, 24)}`;
}
