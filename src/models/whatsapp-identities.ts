import { Schema, type Connection, type Model } from 'mongoose';
import type { KeyRing } from '../privacy/key-ring.js';
import { isDuplicateKey } from './mongo-errors.js';

interface IdentityDoc {
  /** Keyed hash of one WhatsApp id of a person (`…@c.us`, their number, or `…@lid`). */
  _id: string;
  /** The id their conversation is kept under, sealed: it may be their phone number. */
  canonical: string;
  /** The conversation's chat key (keyed hash of the canonical id), by which erasure finds the person's ids. */
  chatKey: string;
  at: Date;
}

const identitySchema = new Schema<IdentityDoc>(
  { _id: String, canonical: { type: String, required: true }, chatKey: { type: String, required: true }, at: Date },
  { versionKey: false, collection: 'whatsapp_identities' },
);
identitySchema.index({ chatKey: 1 });

/**
 * Which WhatsApp id a person's conversation is kept under. WhatsApp addresses one person by
 * their number (`…@c.us`) and by a linked id (`…@lid`); each id seen is recorded here with
 * the one canonical id, first writer wins (a unique `_id`, no compare-and-set needed), so
 * every process and every later message maps the person to the same conversation.
 */
export class WhatsAppIdentities {
  private readonly model: Model<IdentityDoc>;

  constructor(
    connection: Connection,
    private readonly keys: KeyRing,
  ) {
    this.model = connection.models.WhatsAppIdentity ?? connection.model<IdentityDoc>('WhatsAppIdentity', identitySchema);
  }

  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  /** The canonical id recorded for each of these ids that has one. */
  async known(ids: readonly string[]): Promise<Map<string, string>> {
    const byHash = new Map(ids.map((id) => [this.hashOf(id), id]));
    const docs = await this.model.find({ _id: { $in: [...byHash.keys()] } }).lean<IdentityDoc[]>();
    return new Map(docs.map((doc) => [byHash.get(doc._id)!, this.keys.decryptText(doc.canonical)]));
  }

  /**
   * Records `canonical` for `id` unless the id already has one; returns the one that stands.
   * Run again, or by two processes at once, it gives the same answer.
   */
  async claim(id: string, canonical: string, chatKey: string, now = new Date()): Promise<string> {
    try {
      await this.model.collection.insertOne({ _id: this.hashOf(id), canonical: this.keys.encryptText(canonical), chatKey, at: now } as never);
      return canonical;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return (await this.known([id])).get(id) ?? canonical;
    }
  }

  /** Forgets every id of the person whose conversation is `chatKey` (erasure); returns how many. */
  async eraseChat(chatKey: string): Promise<number> {
    return (await this.model.deleteMany({ chatKey })).deletedCount;
  }

  private hashOf(id: string): string {
    return this.keys.lookupHash('whatsapp-id', id);
  }
}
