import { Schema, type Connection, type Model } from 'mongoose';
import type { KeyRing } from '../privacy/key-ring.js';
import type { Language } from '../engine/session.js';
import type { ReferralReason } from '../engine/events.js';
import { isDuplicateKey } from './mongo-errors.js';
import { ERASED } from './erased.js';

/** Where a referral stands: waiting for a researcher, taken by one, or ended by either side. */
export type ReferralStatus = 'waiting' | 'active' | 'closed';

/** One message of the conversation between the person and the researcher. */
export interface RelayedMessage {
  /** Unique within the referral: a retried relay is recognised. */
  id: string;
  from: 'beneficiary' | 'researcher' | 'system';
  text?: string;
  documentId?: string;
  unsupported?: string;
  at: Date;
}

/** A referral, decrypted. */
export interface Referral {
  id: string;
  /** The id the conversation knows it by (its session's referral id): what the end of the referral is told with. */
  engineId: string;
  reference: string;
  chatKey: string;
  channel: string;
  lang: Language;
  reason: ReferralReason;
  /** Where the person stood: flow and step ids, nothing they said. */
  context: { flow: string | null; step: string | null };
  /** The person's last texts before the referral, for the researcher. */
  recent: string[];
  status: ReferralStatus;
  researcher: { staffId: string; name: string; telegramUserId: number } | null;
  /** The person's messages not yet passed to the researcher. */
  undelivered: RelayedMessage[];
  createdAt: Date;
  /** When the staff were last told it waits (null: to be told). */
  announcedAt: Date | null;
  announcements: number;
  /** The group message announcing it, to show who took it. */
  alert: { chatId: string; messageId: number } | null;
}

interface ReferralDoc {
  _id: string;
  engineId: string;
  reference: string;
  chatKey: string;
  channel: string;
  lang: Language;
  reason: ReferralReason;
  context: { flow: string | null; step: string | null };
  /** Encrypted: what the person wrote. */
  recent: string;
  status: ReferralStatus;
  researcher: { staffId: string; name: string; telegramUserId: number } | null;
  /** Each message encrypted on its own; delivered ones are removed (the chat history is the record). */
  undelivered: { id: string; sealed: string }[];
  /** Whether `undelivered` holds anything: a plain flag to query on (FerretDB v1 is weak at array-element queries). */
  deliverPending: boolean;
  /** The researcher's staff id, flat for the same reason. */
  researcherStaffId: string | null;
  createdAt: Date;
  announcedAt: Date | null;
  announcements: number;
  alert: { chatId: string; messageId: number } | null;
  closedAt?: Date;
  closedBy?: 'beneficiary' | 'researcher';
}

const referralSchema = new Schema<ReferralDoc>(
  {
    _id: String,
    engineId: String,
    reference: { type: String, required: true, unique: true },
    chatKey: { type: String, required: true },
    channel: String,
    lang: String,
    reason: String,
    context: { type: Schema.Types.Mixed },
    recent: String,
    status: String,
    researcher: { type: Schema.Types.Mixed, default: null },
    undelivered: [{ _id: false, id: String, sealed: String }],
    deliverPending: Boolean,
    researcherStaffId: { type: String, default: null },
    createdAt: Date,
    announcedAt: { type: Date, default: null },
    announcements: Number,
    alert: { type: Schema.Types.Mixed, default: null },
    closedAt: Date,
    closedBy: String,
  },
  { versionKey: false, collection: 'referrals' },
);
referralSchema.index({ status: 1, announcedAt: 1 });
referralSchema.index({ researcherStaffId: 1, status: 1 });
referralSchema.index({ deliverPending: 1 });

/** What {@link ReferralRepository.open} stores. */
export interface NewReferral {
  id: string;
  engineId: string;
  reference: string;
  chatKey: string;
  channel: string;
  lang: Language;
  reason: ReferralReason;
  context: { flow: string | null; step: string | null };
  recent: string[];
  createdAt: Date;
}

/**
 * Referrals to a social researcher. Every write to one referral is made under its lock
 * (`referral:<id>`) by the caller: FerretDB does not serialise concurrent writes to one
 * document (docs/decisions/0001), and both sides write to it.
 */
export class ReferralRepository {
  private readonly model: Model<ReferralDoc>;

  constructor(
    connection: Connection,
    private readonly keys: KeyRing,
  ) {
    this.model = connection.models.Referral ?? connection.model<ReferralDoc>('Referral', referralSchema);
  }

  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  /** Opens a referral; the stored one when this id exists already (a retry); null when the reference is taken. */
  async open(input: NewReferral): Promise<Referral | null> {
    const doc: ReferralDoc = {
      _id: input.id,
      engineId: input.engineId,
      reference: input.reference,
      chatKey: input.chatKey,
      channel: input.channel,
      lang: input.lang,
      reason: input.reason,
      context: input.context,
      recent: this.keys.encryptJson(input.recent),
      status: 'waiting',
      researcher: null,
      undelivered: [],
      deliverPending: false,
      researcherStaffId: null,
      createdAt: input.createdAt,
      announcedAt: null,
      announcements: 0,
      alert: null,
    };
    try {
      await this.model.collection.insertOne(doc as never);
      return this.toReferral(doc);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return this.get(input.id);
    }
  }

  async get(id: string): Promise<Referral | null> {
    const doc = await this.model.findById(id).lean<ReferralDoc>();
    return doc ? this.toReferral(doc) : null;
  }

  /** Adds a message for the researcher, once per message id. The caller holds the referral's lock. */
  async queueForResearcher(id: string, message: RelayedMessage): Promise<void> {
    const doc = await this.model.findById(id, { undelivered: 1 }).lean<Pick<ReferralDoc, 'undelivered'>>();
    if (!doc || doc.undelivered.some((entry) => entry.id === message.id)) return;
    const sealed = this.keys.encryptJson({ ...message, at: message.at.toISOString() });
    await this.model.updateOne({ _id: id }, { $push: { undelivered: { id: message.id, sealed } }, $set: { deliverPending: true } });
  }

  /** Forgets messages the researcher has received. The caller holds the referral's lock. */
  async delivered(id: string, messageIds: string[]): Promise<void> {
    const doc = await this.model.findById(id, { undelivered: 1 }).lean<Pick<ReferralDoc, 'undelivered'>>();
    if (!doc) return;
    const left = doc.undelivered.filter((entry) => !messageIds.includes(entry.id));
    await this.model.updateOne({ _id: id }, { $set: { undelivered: left, deliverPending: left.length > 0 } });
  }

  /** Referrals with something for the staff: waiting ones not yet announced, taken ones with messages to pass on. */
  async needingStaff(limit = 20): Promise<Referral[]> {
    const docs = await this.model
      .find({
        $or: [
          { status: 'waiting', announcedAt: null },
          { status: { $in: ['active', 'closed'] }, deliverPending: true },
        ],
      })
      .sort({ createdAt: 1 })
      .limit(limit)
      .lean<ReferralDoc[]>();
    return docs.map((doc) => this.toReferral(doc));
  }

  async announced(id: string, at: Date, alert: { chatId: string; messageId: number } | null): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { announcedAt: at, ...(alert ? { alert } : {}) }, $inc: { announcements: 1 } });
  }

  /** Waiting referrals announced before `before` and not taken since. */
  async unclaimedSince(before: Date, limit = 100): Promise<string[]> {
    const docs = await this.model
      .find({ status: 'waiting', announcedAt: { $lt: before } }, { _id: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>();
    return docs.map((doc) => doc._id);
  }

  /** Marks a still-waiting referral to be announced again. The caller holds the referral's lock. */
  async announceAgain(id: string): Promise<void> {
    await this.model.updateOne({ _id: id, status: 'waiting' }, { $set: { announcedAt: null } });
  }

  /** Whether any referral has something for the staff (the sweeper's check). */
  async staffNeeded(): Promise<boolean> {
    return (await this.needingStaff(1)).length > 0;
  }

  /** A researcher takes a waiting referral; false when it is not waiting any more. */
  async take(id: string, researcher: { staffId: string; name: string; telegramUserId: number }): Promise<boolean> {
    const result = await this.model.updateOne(
      { _id: id, status: 'waiting' },
      { $set: { status: 'active', researcher, researcherStaffId: researcher.staffId } },
    );
    return result.modifiedCount === 1;
  }

  /** Puts a taken referral back to waiting, to be announced again (its researcher left the staff); false when it was not active. */
  async release(id: string): Promise<boolean> {
    const result = await this.model.updateOne(
      { _id: id, status: 'active' },
      { $set: { status: 'waiting', researcher: null, researcherStaffId: null, announcedAt: null } },
    );
    return result.modifiedCount === 1;
  }

  /** The ids of the chat's referrals, for erasing them. */
  async idsOfChat(chatKey: string): Promise<string[]> {
    const docs = await this.model.find({ chatKey }, { _id: 1 }).lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  /** Ends a referral if still open and drops what the person wrote; reason and dates stay. The caller holds the referral's lock. */
  async anonymise(id: string, at: Date): Promise<void> {
    await this.close(id, 'beneficiary', at);
    await this.model.updateOne(
      { _id: id },
      { $set: { recent: this.keys.encryptJson([]), undelivered: [], deliverPending: false, chatKey: ERASED, context: { flow: null, step: null } } },
    );
  }

  /** Ends a referral; false when it had ended already. */
  async close(id: string, by: 'beneficiary' | 'researcher', at: Date): Promise<boolean> {
    const result = await this.model.updateOne({ _id: id, status: { $ne: 'closed' } }, { $set: { status: 'closed', closedBy: by, closedAt: at } });
    return result.modifiedCount === 1;
  }

  /** The referral a researcher is talking in: the most recently taken one still open. */
  async activeFor(staffId: string): Promise<Referral | null> {
    const doc = await this.model.findOne({ researcherStaffId: staffId, status: 'active' }).sort({ createdAt: -1 }).lean<ReferralDoc>();
    return doc ? this.toReferral(doc) : null;
  }

  /** How many referrals were opened in [from, to), and how many of them a researcher took. */
  async countBetween(from: Date, to: Date): Promise<{ opened: number; taken: number }> {
    const range = { createdAt: { $gte: from, $lt: to } };
    const opened = await this.model.countDocuments(range);
    const taken = await this.model.countDocuments({ ...range, researcherStaffId: { $ne: null } });
    return { opened, taken };
  }

  private toReferral(doc: ReferralDoc): Referral {
    return {
      id: doc._id,
      engineId: doc.engineId,
      reference: doc.reference,
      chatKey: doc.chatKey,
      channel: doc.channel,
      lang: doc.lang,
      reason: doc.reason,
      context: doc.context ?? { flow: null, step: null },
      recent: this.keys.decryptJson<string[]>(doc.recent),
      status: doc.status,
      researcher: doc.researcher ?? null,
      undelivered: (doc.undelivered ?? []).map((entry) => {
        const message = this.keys.decryptJson<Omit<RelayedMessage, 'at'> & { at: string }>(entry.sealed);
        return { ...message, at: new Date(message.at) };
      }),
      createdAt: new Date(doc.createdAt),
      announcedAt: doc.announcedAt ? new Date(doc.announcedAt) : null,
      announcements: doc.announcements ?? 0,
      alert: doc.alert ?? null,
    };
  }
}
