import { Schema, type Connection, type Model } from 'mongoose';
import type { KeyRing } from '../privacy/key-ring.js';
import type { AnswerValue, Language } from '../engine/session.js';
import { isDuplicateKey } from './mongo-errors.js';
import { ERASED } from './erased.js';
import { OwedList, owedItemSchema, type OwedItem, type StoredOwedItem } from './owed.js';

/** What a short self-service flow leaves behind: a suggestion or complaint, or a volunteer. */
export type RecordKind = 'feedback' | 'volunteer';

/** Where a record stands: a suggestion or complaint is answered; a volunteer is contacted. */
export type RecordStatus = 'open' | 'answered';

/** A stored record, decrypted. */
export interface SelfServiceRecord {
  id: string;
  kind: RecordKind;
  reference: string;
  chatKey: string;
  channel: string;
  lang: Language;
  answers: Record<string, AnswerValue>;
  documentIds: string[];
  status: RecordStatus;
  createdAt: Date;
  /** The staff's answer, once given (feedback). */
  answer: { text: string; by: string; at: Date } | null;
  /** The staff group was told that nobody holds the role this record needs. */
  unassignedNoticed: boolean;
}

interface RecordDoc {
  _id: string;
  kind: RecordKind;
  reference: string;
  chatKey: string;
  channel: string;
  lang: Language;
  /** Encrypted: a complaint's text or a volunteer's name and mobile. */
  personal: string;
  documentIds: string[];
  status: RecordStatus;
  /** The staff who hold the matching role are still to be told. */
  alertPending: boolean;
  unassignedNoticed?: boolean;
  createdAt: Date;
  answer: { sealed: string; by: string; at: Date; act?: string } | null;
  /** What the answer still owes (the notice to the author, the audit entry); see models/owed.ts. */
  owed?: StoredOwedItem[];
  owedDueAt?: Date | null;
}

const recordSchema = new Schema<RecordDoc>(
  {
    _id: String,
    kind: { type: String, required: true },
    reference: { type: String, required: true, unique: true },
    chatKey: { type: String, required: true },
    channel: String,
    lang: String,
    personal: String,
    documentIds: [String],
    status: String,
    alertPending: Boolean,
    unassignedNoticed: Boolean,
    createdAt: Date,
    answer: { type: Schema.Types.Mixed, default: null },
    owed: { type: [owedItemSchema], default: [] },
    owedDueAt: { type: Date, default: null },
  },
  { versionKey: false, collection: 'self_service_records' },
);
recordSchema.index({ alertPending: 1, createdAt: 1 });
recordSchema.index({ chatKey: 1, createdAt: -1 });
recordSchema.index({ owedDueAt: 1 });

/** What {@link RecordRepository.insert} stores. */
export interface NewRecord {
  id: string;
  kind: RecordKind;
  reference: string;
  chatKey: string;
  channel: string;
  lang: Language;
  answers: Record<string, AnswerValue>;
  documentIds: string[];
  createdAt: Date;
}

/**
 * Suggestions, complaints and volunteers. Inserted under an id derived from the draft, so a
 * retried submission finds the record it already made; the pending alert lives on the record,
 * so a crash between the insert and the alert loses no alert (the sweeper re-arms it).
 */
export class RecordRepository {
  private readonly model: Model<RecordDoc>;
  /** What staff acts on records still owe (models/owed.ts). */
  readonly owedList: OwedList;

  constructor(
    connection: Connection,
    private readonly keys: KeyRing,
  ) {
    this.model = connection.models.SelfServiceRecord ?? connection.model<RecordDoc>('SelfServiceRecord', recordSchema);
    this.owedList = new OwedList(this.model as unknown as ConstructorParameters<typeof OwedList>[0], keys);
  }

  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  /**
   * Stores a new record; returns the stored one (the earlier one when this id exists), or
   * null when the reference is taken by another record (the caller draws another).
   */
  async insert(input: NewRecord): Promise<SelfServiceRecord | null> {
    const doc: RecordDoc = {
      _id: input.id,
      kind: input.kind,
      reference: input.reference,
      chatKey: input.chatKey,
      channel: input.channel,
      lang: input.lang,
      personal: this.keys.encryptJson(input.answers),
      documentIds: input.documentIds,
      status: 'open',
      alertPending: true,
      createdAt: input.createdAt,
      answer: null,
    };
    try {
      await this.model.collection.insertOne(doc as never);
      return this.toRecord(doc);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await this.get(input.id);
      return existing;
    }
  }

  async get(id: string): Promise<SelfServiceRecord | null> {
    const doc = await this.model.findById(id).lean<RecordDoc>();
    return doc ? this.toRecord(doc) : null;
  }

  /** Records whose staff alert is still to be sent, oldest first. */
  async alertsPending(limit = 20): Promise<SelfServiceRecord[]> {
    const docs = await this.model.find({ alertPending: true }).sort({ createdAt: 1 }).limit(limit).lean<RecordDoc[]>();
    return docs.map((doc) => this.toRecord(doc));
  }

  async alertSent(id: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { alertPending: false } });
  }

  async unassignedNoticed(id: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { unassignedNoticed: true } });
  }

  /** Whether any alert is still to be sent (the sweeper's check). */
  async hasAlertsPending(): Promise<boolean> {
    return (await this.model.countDocuments({ alertPending: true }, { limit: 1 })) > 0;
  }

  /**
   * Records the staff's answer and what it owes (the author told, the audit entry), in one
   * write: 'answered', 'again' when this act's answer is there already (a retry), or 'refused'
   * when another answer was given first or the record was erased. The caller holds the record's lock.
   */
  async answer(id: string, text: string, by: string, at: Date, act: { act: string; owe: OwedItem[] }): Promise<'answered' | 'again' | 'refused'> {
    const current = await this.model.findById(id, { answer: 1, owed: 1 }).lean<Pick<RecordDoc, 'answer' | 'owed'>>();
    if (current?.answer?.act === act.act) return 'again';
    // An erased record takes no answer: there is nobody to send it to, and nothing to keep it for.
    const result = await this.model.updateOne(
      { _id: id, status: 'open', chatKey: { $ne: ERASED } },
      { $set: { status: 'answered', answer: { sealed: this.keys.encryptText(text), by, at, act: act.act }, ...this.owedList.after(current?.owed ?? [], act) } },
    );
    return result.modifiedCount === 1 ? 'answered' : 'refused';
  }

  /** The chat's own suggestions, complaints and volunteering, oldest first. */
  async ofChat(chatKey: string): Promise<SelfServiceRecord[]> {
    const docs = await this.model.find({ chatKey }).sort({ createdAt: 1 }).limit(50).lean<RecordDoc[]>();
    return docs.map((doc) => this.toRecord(doc));
  }

  /** The ids of the chat's records, for erasing them. */
  async idsOfChat(chatKey: string): Promise<string[]> {
    const docs = await this.model.find({ chatKey }, { _id: 1 }).lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  /**
   * Removes what the person wrote or gave (and the answer to it) from a record, keeping
   * its kind, reference, status and dates for statistics. Returns the ids of its files
   * (the caller deletes them). The caller holds the record's lock.
   */
  async anonymise(id: string): Promise<string[]> {
    const doc = await this.model.findById(id, { documentIds: 1 }).lean<Pick<RecordDoc, 'documentIds'>>();
    if (!doc) return [];
    await this.model.updateOne(
      { _id: id },
      { $set: { personal: this.keys.encryptJson({}), documentIds: [], chatKey: ERASED, answer: null, alertPending: false } },
    );
    return doc.documentIds ?? [];
  }

  /** Records made in [from, to), decrypted, for reports and exports. */
  async createdBetween(from: Date, to: Date): Promise<SelfServiceRecord[]> {
    const docs = await this.model
      .find({ createdAt: { $gte: from, $lt: to } })
      .sort({ createdAt: 1 })
      .lean<RecordDoc[]>();
    return docs.map((doc) => this.toRecord(doc));
  }

  private toRecord(doc: RecordDoc): SelfServiceRecord {
    return {
      id: doc._id,
      kind: doc.kind,
      reference: doc.reference,
      chatKey: doc.chatKey,
      channel: doc.channel,
      lang: doc.lang,
      answers: this.keys.decryptJson<Record<string, AnswerValue>>(doc.personal),
      documentIds: doc.documentIds ?? [],
      status: doc.status,
      createdAt: new Date(doc.createdAt),
      answer: doc.answer ? { text: this.keys.decryptText(doc.answer.sealed), by: doc.answer.by, at: new Date(doc.answer.at) } : null,
      unassignedNoticed: doc.unassignedNoticed === true,
    };
  }
}
