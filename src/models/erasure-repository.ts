import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from './mongo-errors.js';

/** Where a request to erase a person's data stands: waiting for an administrator, then decided, then carried out. */
export type ErasureStatus = 'pending' | 'approved' | 'refused' | 'done';

/** A person's request to have their data erased. Nothing personal: the chat is its keyed hash. */
export interface ErasureRequest {
  id: string;
  reference: string;
  chatKey: string;
  channel: string;
  status: ErasureStatus;
  requestedAt: Date;
  /** The administrators are still to be told of it. */
  alertPending: boolean;
  decidedBy: { kind: string; id: string; name?: string } | null;
  decidedAt: Date | null;
  /** What the erasure removed, for the audit and the administrator's answer; set once the data is gone (before the person is told). */
  erased: { cases: number; records: number; surveys: number; referrals: number; documents: number } | null;
  /** When the person was told the outcome (a refusal; an erasure is told before it is marked done). */
  notifiedAt: Date | null;
}

interface ErasureDoc extends Omit<ErasureRequest, 'id'> {
  _id: string;
}

const erasureSchema = new Schema<ErasureDoc>(
  {
    _id: String,
    reference: { type: String, required: true, unique: true },
    chatKey: { type: String, required: true },
    channel: String,
    status: { type: String, required: true },
    requestedAt: Date,
    alertPending: Boolean,
    decidedBy: { type: Schema.Types.Mixed, default: null },
    decidedAt: { type: Date, default: null },
    erased: { type: Schema.Types.Mixed, default: null },
    notifiedAt: { type: Date, default: null },
  },
  { versionKey: false, collection: 'erasure_requests' },
);
erasureSchema.index({ chatKey: 1, status: 1 });
erasureSchema.index({ alertPending: 1, requestedAt: 1 });
erasureSchema.index({ status: 1, requestedAt: 1 });

/**
 * Requests to erase a person's data. They are kept after the erasure (the request, who
 * decided and when, and what was removed), as the record that the right was honoured.
 * Writes to one request are made under its `erasure:` lock, or by a single insert.
 */
export class ErasureRepository {
  private readonly model: Model<ErasureDoc>;

  constructor(connection: Connection) {
    this.model = connection.models.ErasureRequest ?? connection.model<ErasureDoc>('ErasureRequest', erasureSchema);
  }

  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  /** Stores a new pending request; false when the id or the reference is taken (a retry finds its own with {@link get}). */
  async insert(input: { id: string; reference: string; chatKey: string; channel: string; requestedAt: Date }): Promise<boolean> {
    try {
      await this.model.collection.insertOne({
        _id: input.id,
        reference: input.reference,
        chatKey: input.chatKey,
        channel: input.channel,
        status: 'pending',
        requestedAt: input.requestedAt,
        alertPending: true,
        decidedBy: null,
        decidedAt: null,
        erased: null,
        notifiedAt: null,
      } as never);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async get(id: string): Promise<ErasureRequest | null> {
    const doc = await this.model.findById(id).lean<ErasureDoc>();
    return doc ? toRequest(doc) : null;
  }

  async findByReference(reference: string): Promise<ErasureRequest | null> {
    const doc = await this.model.findOne({ reference }).lean<ErasureDoc>();
    return doc ? toRequest(doc) : null;
  }

  /** The chat's request still waiting for a decision, if any. */
  async pendingFor(chatKey: string): Promise<ErasureRequest | null> {
    const doc = await this.model.findOne({ chatKey, status: 'pending' }).lean<ErasureDoc>();
    return doc ? toRequest(doc) : null;
  }

  /** Requests in a status, oldest first (the administrator's list). */
  async list(status: ErasureStatus, limit = 100): Promise<ErasureRequest[]> {
    const docs = await this.model.find({ status }).sort({ requestedAt: 1 }).limit(limit).lean<ErasureDoc[]>();
    return docs.map(toRequest);
  }

  /** Approved requests whose erasure did not finish (a crash in between): what the sweeper completes. */
  async approvedNotDone(limit = 20): Promise<string[]> {
    const docs = await this.model.find({ status: 'approved' }, { _id: 1 }).limit(limit).lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  /** Requests the administrators are still to be told about. */
  async alertsPending(limit = 20): Promise<ErasureRequest[]> {
    const docs = await this.model.find({ alertPending: true }).sort({ requestedAt: 1 }).limit(limit).lean<ErasureDoc[]>();
    return docs.map(toRequest);
  }

  async alertSent(id: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { alertPending: false } });
  }

  /** Decides a pending request; false when it was decided already. The caller holds the request's lock. */
  async decide(id: string, status: 'approved' | 'refused', by: ErasureRequest['decidedBy'], at: Date): Promise<boolean> {
    const result = await this.model.updateOne({ _id: id, status: 'pending' }, { $set: { status, decidedBy: by, decidedAt: at, alertPending: false } });
    return result.modifiedCount === 1;
  }

  /** Records that the data of an approved request is gone, so a retry only tells the person. The caller holds the request's lock. */
  async recordErased(id: string, erased: NonNullable<ErasureRequest['erased']>): Promise<void> {
    await this.model.updateOne({ _id: id, status: 'approved' }, { $set: { erased } });
  }

  /** Marks an approved request carried out and told. The caller holds the request's lock. */
  async done(id: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: id, status: 'approved' }, { $set: { status: 'done', notifiedAt: at } });
  }

  /** Refusals the person was not yet told of (a crash between the decision and the notice). */
  async refusedUntold(limit = 20): Promise<string[]> {
    const docs = await this.model.find({ status: 'refused', notifiedAt: null }, { _id: 1 }).limit(limit).lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  /** Records that the person was told of a refusal. */
  async markNotified(id: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { notifiedAt: at } });
  }
}

function toRequest(doc: ErasureDoc): ErasureRequest {
  return {
    id: doc._id,
    reference: doc.reference,
    chatKey: doc.chatKey,
    channel: doc.channel,
    status: doc.status,
    requestedAt: new Date(doc.requestedAt),
    alertPending: doc.alertPending === true,
    decidedBy: doc.decidedBy ?? null,
    decidedAt: doc.decidedAt ? new Date(doc.decidedAt) : null,
    erased: doc.erased ?? null,
    notifiedAt: doc.notifiedAt ? new Date(doc.notifiedAt) : null,
  };
}
