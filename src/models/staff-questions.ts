import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import type { KeyRing } from '../privacy/key-ring.js';

/**
 * What the bot asked a staff member, privately, and waits on: the support granted or the
 * reason of a decision (`approved`, `rejected`), the reason to reopen a decided case, the
 * answer to a suggestion or complaint (`answered`, whose subject is then the record), what
 * to ask the beneficiary for (`info`), or a field-visit note (`note`).
 */
export type QuestionPurpose = 'approved' | 'rejected' | 'reopen' | 'answered' | 'info' | 'note' | 'recommend_approve' | 'recommend_reject';

/**
 * `open`: waiting for a reply; `draft`: a decision written, waiting for *Send*; then one of
 * `answered`, `cancelled`, `replaced` (asked again, or another question on the same case),
 * `revoked` (the member lost the role it needed).
 */
export type QuestionState = 'open' | 'draft' | 'answered' | 'cancelled' | 'replaced' | 'revoked';

/** A question as the staff desk sees it, the draft decrypted. */
export interface StaffQuestion {
  /** `que_` and 24 hex digits, derived from the member and the question's message: a reply finds it without a search. */
  id: string;
  staffId: string;
  subjectId: string;
  purpose: QuestionPurpose;
  /** The question's message id in the member's private chat: the answer is the message that replies to it. */
  messageId: number;
  askedAt: Date;
  state: QuestionState;
  /** A decision's text as written, before *Send*. */
  draft: string | null;
  /** The message showing that text with *Send*, *Edit* and *Cancel*: only its buttons act on the draft. */
  previewMessageId: number | null;
}

interface QuestionDoc {
  _id: string;
  staffId: string;
  subjectId: string;
  purpose: QuestionPurpose;
  messageId: number;
  askedAt: Date;
  state: QuestionState;
  /** Sealed: the committee's words. */
  draft: string | null;
  previewMessageId?: number | null;
}

const questionSchema = new Schema<QuestionDoc>(
  {
    _id: String,
    staffId: String,
    subjectId: String,
    purpose: String,
    messageId: Number,
    askedAt: Date,
    state: String,
    draft: { type: String, default: null },
    previewMessageId: { type: Number, default: null },
  },
  { versionKey: false, collection: 'staff_questions' },
);
questionSchema.index({ staffId: 1, state: 1 });

/** How long a question waits for its reply; after that, a reply is told to press the button again. */
export const QUESTION_TTL_MS = 24 * 60 * 60_000;

/** The states in which a question still waits for its member. */
const PENDING: QuestionState[] = ['open', 'draft'];

/**
 * The questions put to staff: bound to the question's message, so only a reply to it is
 * its answer, and several (one per case) can wait side by side.
 */
export class StaffQuestions {
  private readonly model: Model<QuestionDoc>;

  constructor(
    connection: Connection,
    private readonly keys: KeyRing,
  ) {
    this.model = connection.models.StaffQuestion ?? connection.model<QuestionDoc>('StaffQuestion', questionSchema);
  }

  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  /** The id of the question a member was asked in message `messageId` of their private chat. */
  static idOf(staffId: string, messageId: number): string {
    return `que_${createHash('sha256').update(`question:${staffId}:${messageId}`).digest('hex').slice(0, 24)}`;
  }

  /** Stores a question just sent; an earlier one of the member's on the same subject is replaced (one per case). */
  async asked(question: { staffId: string; subjectId: string; purpose: QuestionPurpose; messageId: number; askedAt: Date }): Promise<StaffQuestion> {
    const id = StaffQuestions.idOf(question.staffId, question.messageId);
    await this.model.updateMany(
      { staffId: question.staffId, subjectId: question.subjectId, state: { $in: PENDING }, _id: { $ne: id } },
      { $set: { state: 'replaced' } },
    );
    const doc: QuestionDoc = { _id: id, ...question, state: 'open', draft: null, previewMessageId: null };
    await this.model.replaceOne({ _id: id }, doc, { upsert: true });
    return this.toQuestion(doc);
  }

  async get(id: string): Promise<StaffQuestion | null> {
    const doc = await this.model.findById(id).lean<QuestionDoc>();
    return doc ? this.toQuestion(doc) : null;
  }

  /** The question a member's message replies to, or null when that message was no question. */
  async repliedTo(staffId: string, messageId: number): Promise<StaffQuestion | null> {
    return this.get(StaffQuestions.idOf(staffId, messageId));
  }

  /** The member's questions still waiting, oldest first. */
  async pendingFor(staffId: string): Promise<StaffQuestion[]> {
    const docs = await this.model
      .find({ staffId, state: { $in: PENDING } })
      .sort({ askedAt: 1 })
      .lean<QuestionDoc[]>();
    return docs.map((doc) => this.toQuestion(doc));
  }

  /**
   * Keeps a decision's text until the member presses *Send* on the preview shown in
   * `previewMessageId` (a later reply makes a new preview, and the older one's buttons stop
   * acting); false when the question no longer waits.
   */
  async draft(id: string, text: string, previewMessageId: number): Promise<boolean> {
    const result = await this.model.updateOne(
      { _id: id, state: { $in: PENDING } },
      { $set: { state: 'draft', draft: this.keys.encryptText(text), previewMessageId } },
    );
    return result.modifiedCount === 1;
  }

  /** Ends a waiting question; false when it had ended already. The draft goes with it. */
  async end(id: string, state: Exclude<QuestionState, 'open' | 'draft'>): Promise<boolean> {
    const result = await this.model.updateOne({ _id: id, state: { $in: PENDING } }, { $set: { state, draft: null } });
    return result.modifiedCount === 1;
  }

  private toQuestion(doc: QuestionDoc): StaffQuestion {
    return {
      id: doc._id,
      staffId: doc.staffId,
      subjectId: doc.subjectId,
      purpose: doc.purpose,
      messageId: doc.messageId,
      askedAt: new Date(doc.askedAt),
      state: doc.state,
      draft: doc.draft ? this.keys.decryptText(doc.draft) : null,
      previewMessageId: doc.previewMessageId ?? null,
    };
  }
}
