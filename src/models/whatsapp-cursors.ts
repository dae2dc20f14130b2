import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from './mongo-errors.js';

interface ChatCursorDoc {
  /** The chat's key (keyed hash of the WhatsApp chat id, which has dots and is personal). */
  _id: string;
  /** The `seq` of the newest message of this chat the service received. */
  lastSeq: number;
  updatedAt: Date;
}

interface LinkDoc {
  /** The session name (`RemoteAuth-<clientId>`). */
  _id: string;
  /** When this number was first linked to the service: older messages were never the service's to answer. */
  firstLinkedAt: Date;
  lastLinkedAt: Date;
}

const cursorSchema = new Schema<ChatCursorDoc>({ _id: String, lastSeq: Number, updatedAt: Date }, { versionKey: false, collection: 'whatsapp_chat_cursors' });
const linkSchema = new Schema<LinkDoc>({ _id: String, firstLinkedAt: Date, lastLinkedAt: Date }, { versionKey: false, collection: 'whatsapp_links' });

/**
 * What WhatsApp catch-up needs to know after a restart: per chat, the newest message the
 * service received (so only later ones are read again), and when the number was first
 * linked (so a chat the service never saw is read back only that far, not into the
 * association's older history on the phone).
 *
 * A cursor is advanced with `$max`. FerretDB does not serialise concurrent writes to one
 * document (docs/decisions/0001), so two racing updates may leave the smaller value: the
 * only cost is reading a few messages again, which the inbox and the conversation's
 * handled marks recognise as already received.
 *
 * A cursor also says that the chat wrote to the association: the WhatsApp channel sends
 * only to chats that have one.
 */
export class WhatsAppCursors {
  private readonly cursors: Model<ChatCursorDoc>;
  private readonly links: Model<LinkDoc>;

  constructor(connection: Connection) {
    this.cursors = connection.models.WhatsAppChatCursor ?? connection.model<ChatCursorDoc>('WhatsAppChatCursor', cursorSchema);
    this.links = connection.models.WhatsAppLinkRecord ?? connection.model<LinkDoc>('WhatsAppLinkRecord', linkSchema);
  }

  /** Records that a message with `seq` of this chat was received (stored in the inbox). */
  async received(chatKey: string, seq: number, now = new Date()): Promise<void> {
    await this.cursors.updateOne({ _id: chatKey }, { $max: { lastSeq: seq }, $set: { updatedAt: now } }, { upsert: true }).catch(async (error: unknown) => {
      // Two first messages of one chat at once: both upserts insert, one loses; the update then applies.
      if (!isDuplicateKey(error)) throw error;
      await this.cursors.updateOne({ _id: chatKey }, { $max: { lastSeq: seq }, $set: { updatedAt: now } });
    });
  }

  /** The newest received `seq` of each of these chats that has one. */
  async lastSeqs(chatKeys: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (let i = 0; i < chatKeys.length; i += 500) {
      const docs = await this.cursors.find({ _id: { $in: chatKeys.slice(i, i + 500) } }).lean<ChatCursorDoc[]>();
      for (const doc of docs) found.set(doc._id, doc.lastSeq);
    }
    return found;
  }

  /** Whether this chat ever wrote to the association. */
  async hasWritten(chatKey: string): Promise<boolean> {
    return (await this.cursors.countDocuments({ _id: chatKey }, { limit: 1 })) > 0;
  }

  /**
   * Records a `ready` of the session; returns when the number was first linked (now, the
   * first time). Kept across a logout and a new link, so that a person who wrote while the
   * number was unlinked is still answered once it is linked again.
   */
  async linked(session: string, now = new Date()): Promise<Date> {
    try {
      await this.links.collection.insertOne({ _id: session, firstLinkedAt: now, lastLinkedAt: now } as never);
      return now;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const doc = await this.links.findOneAndUpdate({ _id: session }, { $set: { lastLinkedAt: now } }, { returnDocument: 'after' }).lean<LinkDoc>();
    return doc?.firstLinkedAt ?? now;
  }
}
