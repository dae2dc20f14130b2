import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from './mongo-errors.js';

/**
 * A lock on a national ID (by its keyed hash) while it has an open request.
 * `pending` while a submission is being written, `active` once the case exists.
 */
export interface OpenRequestLock {
  nationalIdHash: string;
  caseId: string;
  state: 'pending' | 'active';
  createdAt: Date;
}

interface LockDoc {
  _id: string;
  caseId: string;
  state: 'pending' | 'active';
  createdAt: Date;
}

const lockSchema = new Schema<LockDoc>(
  { _id: String, caseId: { type: String, required: true }, state: { type: String, required: true }, createdAt: Date },
  { versionKey: false, collection: 'open_request_locks' },
);
lockSchema.index({ state: 1, createdAt: 1 });

/**
 * The one-open-request-per-ID rule without transactions: the unique `_id` (the ID's
 * hash) admits one lock, whoever writes first; the sweeper resolves pending locks a
 * crash left behind.
 */
export class OpenRequestLocks {
  private readonly model: Model<LockDoc>;

  constructor(connection: Connection) {
    this.model = connection.models.OpenRequestLock ?? connection.model<LockDoc>('OpenRequestLock', lockSchema);
  }

  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  /** Takes the lock for `caseId`; returns the lock that holds the ID (ours, or another case's). */
  async acquire(nationalIdHash: string, caseId: string, now: Date): Promise<OpenRequestLock> {
    try {
      await this.model.collection.insertOne({ _id: nationalIdHash, caseId, state: 'pending', createdAt: now } as never);
      return { nationalIdHash, caseId, state: 'pending', createdAt: now };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const held = await this.get(nationalIdHash);
      // Released between our insert and our read: try once more.
      return held ?? this.acquire(nationalIdHash, caseId, now);
    }
  }

  async get(nationalIdHash: string): Promise<OpenRequestLock | null> {
    const doc = await this.model.findById(nationalIdHash).lean<LockDoc>();
    return doc ? { nationalIdHash: doc._id, caseId: doc.caseId, state: doc.state, createdAt: doc.createdAt } : null;
  }

  /** Marks the lock of `caseId` active: its case exists. False when `caseId` no longer holds the lock. */
  async activate(nationalIdHash: string, caseId: string): Promise<boolean> {
    const result = await this.model.updateOne({ _id: nationalIdHash, caseId }, { $set: { state: 'active' } });
    return result.matchedCount === 1;
  }

  /** Releases a lock only while it is still pending: the sweeper's roll-back never removes a finished submission's lock. */
  async releasePending(nationalIdHash: string, caseId: string): Promise<void> {
    await this.model.deleteOne({ _id: nationalIdHash, caseId, state: 'pending' });
  }

  /** Releases the lock if `caseId` still holds it (a withdrawal, a final decision, a rolled-back submission). */
  async release(nationalIdHash: string, caseId: string): Promise<void> {
    await this.model.deleteOne({ _id: nationalIdHash, caseId });
  }

  /** Pending locks older than `before`: submissions a crash may have left half done. */
  async stalePending(before: Date, limit = 100): Promise<OpenRequestLock[]> {
    const docs = await this.model
      .find({ state: 'pending', createdAt: { $lt: before } })
      .limit(limit)
      .lean<LockDoc[]>();
    return docs.map((d) => ({ nationalIdHash: d._id, caseId: d.caseId, state: d.state, createdAt: d.createdAt }));
  }
}
