import { Schema, type Connection, type Model } from 'mongoose';
import type { Collection } from 'mongodb';
import type { KeyRing } from '../privacy/key-ring.js';
import { InboundMessageSchema, type InboundMessage } from '../core/channel.js';
import { isDuplicateKey } from './mongo-errors.js';

/** An inbound message waiting to be handled. */
export interface InboxEntry {
  id: string;
  chatKey: string;
  seq: number;
  attempts: number;
  message: InboundMessage;
}

interface InboxDoc {
  _id: string;
  chatKey: string;
  seq: number;
  receivedAt: Date;
  /** The whole message, encrypted: it may hold a national ID or a name. */
  payload: string;
  attempts: number;
  status: 'pending' | 'set_aside';
  lastError?: string;
}

const inboxSchema = new Schema<InboxDoc>(
  {
    _id: String,
    chatKey: { type: String, required: true },
    seq: Number,
    receivedAt: Date,
    payload: String,
    attempts: Number,
    status: String,
    lastError: String,
  },
  { versionKey: false, collection: 'inbox' },
);
inboxSchema.index({ chatKey: 1, status: 1, seq: 1 });
inboxSchema.index({ status: 1, receivedAt: 1 });

/**
 * Messages received and not yet handled. A message is written here before anything
 * acknowledges it, so a crash or a wiped Redis loses nothing; the unique id (chat and
 * message) makes a redelivery a no-op. Handled messages are removed: their mark lives
 * in the conversation.
 */
export class InboxRepository {
  private readonly model: Model<InboxDoc>;
  /** The driver's collection, for the operations every message makes (no casting to pay for). */
  private readonly collection: Collection<InboxDoc>;

  constructor(
    connection: Connection,
    private readonly keys: KeyRing,
  ) {
    this.model = connection.models.InboxEntry ?? connection.model<InboxDoc>('InboxEntry', inboxSchema);
    this.collection = this.model.collection as unknown as Collection<InboxDoc>;
  }

  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  /** Stores a received message; false when the same message is already waiting. */
  async accept(id: string, chatKey: string, message: InboundMessage, now: Date): Promise<boolean> {
    const [fresh] = await this.acceptMany([{ id, chatKey, message }], now);
    return fresh ?? false;
  }

  /**
   * Stores received messages with one insert (a Telegram `getUpdates` batch): for each, in
   * order, false when the same message is already waiting. One write for the batch, not one
   * per message: the database serialises writes, and under load a batch holds dozens.
   */
  async acceptMany(entries: readonly { id: string; chatKey: string; message: InboundMessage }[], now: Date): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const docs = entries.map(({ id, chatKey, message }) => ({
      _id: id,
      chatKey,
      seq: message.seq,
      receivedAt: now,
      payload: this.keys.encryptJson(message),
      attempts: 0,
      status: 'pending' as const,
    }));
    const fresh = entries.map(() => true);
    try {
      // Unordered: a message already waiting does not stop the ones after it.
      await this.collection.insertMany(docs, { ordered: false });
    } catch (error) {
      const failures = (error as { writeErrors?: { index: number; code?: number }[] | { index: number; code?: number } }).writeErrors;
      const list = failures === undefined ? [] : Array.isArray(failures) ? failures : [failures];
      if (list.length === 0 || list.some((failure) => !isDuplicateKey(failure))) throw error;
      for (const failure of list) fresh[failure.index] = false;
    }
    return fresh;
  }

  /** The chat's waiting messages in order. */
  async pending(chatKey: string, limit = 50): Promise<InboxEntry[]> {
    const docs = await this.collection.find({ chatKey, status: 'pending' }).sort({ seq: 1, receivedAt: 1 }).limit(limit).toArray();
    return docs.map((d) => ({
      id: d._id,
      chatKey: d.chatKey,
      seq: d.seq,
      attempts: d.attempts,
      message: InboundMessageSchema.parse(this.keys.decryptJson(d.payload)),
    }));
  }

  /** Removes a handled message. */
  async remove(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  /** Counts a failed attempt and returns how many there have been. */
  async recordFailure(id: string, error: string): Promise<number> {
    const doc = await this.model
      .findOneAndUpdate({ _id: id }, { $inc: { attempts: 1 }, $set: { lastError: error.slice(0, 200) } }, { returnDocument: 'after' })
      .lean<InboxDoc>();
    return doc?.attempts ?? 0;
  }

  /** Sets a message aside after too many failures; it stays for inspection, out of the chat's way. */
  async setAside(id: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { status: 'set_aside' } });
  }

  /** Chats with messages waiting since before `before`: what the sweeper re-queues. */
  async chatsWaitingSince(before: Date, limit = 500): Promise<string[]> {
    const docs = await this.model
      .find({ status: 'pending', receivedAt: { $lt: before } }, { chatKey: 1 })
      .limit(limit)
      .lean<{ chatKey: string }[]>();
    return [...new Set(docs.map((d) => d.chatKey))];
  }

  /** How many messages were set aside, for health and metrics. */
  async countSetAside(): Promise<number> {
    return this.model.countDocuments({ status: 'set_aside' });
  }

  /** Drops the chat's messages set aside as unprocessable (they may hold personal data); waiting ones are left to be handled. */
  async removeSetAside(chatKey: string): Promise<number> {
    const result = await this.model.deleteMany({ chatKey, status: 'set_aside' });
    return result.deletedCount;
  }
}
