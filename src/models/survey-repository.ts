import { Schema, type Connection, type Model } from 'mongoose';
import type { KeyRing } from '../privacy/key-ring.js';
import { isDuplicateKey } from './mongo-errors.js';
import { ERASED } from './erased.js';

/** Why a person is asked to rate: after a decision, after the service, or on their own initiative. */
export type SurveyOccasion = 'decision' | 'service' | 'asked';

/** An invitation's life: waiting for its time, sent, answered, or skipped (the person stopped optional messages). */
export type SurveyState = 'scheduled' | 'sent' | 'answered' | 'skipped';

/** A survey (an invitation and its answer), decrypted. */
export interface Survey {
  id: string;
  occasion: SurveyOccasion;
  caseId: string | null;
  reference: string | null;
  chatKey: string;
  channel: string;
  state: SurveyState;
  dueAt: Date;
  rating: number | null;
  comment: string | null;
  answeredAt: Date | null;
}

interface SurveyDoc {
  _id: string;
  occasion: SurveyOccasion;
  caseId: string | null;
  reference: string | null;
  chatKey: string;
  channel: string;
  state: SurveyState;
  dueAt: Date;
  rating: number | null;
  /** Encrypted: what the person wrote. */
  comment: string | null;
  answeredAt: Date | null;
  /** The inbound message that answered it, so a retry of that message is recognised. */
  answerMark?: string;
  createdAt: Date;
}

const surveySchema = new Schema<SurveyDoc>(
  {
    _id: String,
    occasion: String,
    caseId: { type: String, default: null },
    reference: { type: String, default: null },
    chatKey: { type: String, required: true },
    channel: String,
    state: String,
    dueAt: Date,
    rating: { type: Number, default: null },
    comment: { type: String, default: null },
    answeredAt: { type: Date, default: null },
    answerMark: String,
    createdAt: Date,
  },
  { versionKey: false, collection: 'surveys' },
);
surveySchema.index({ state: 1, dueAt: 1 });
surveySchema.index({ answeredAt: 1 });

/**
 * Satisfaction surveys: the policy's "rating the service is the beneficiary's right". An
 * invitation is scheduled once per case and occasion (its id says which), sent by the
 * sweeper when due, and answered once; an answer given without an invitation is a
 * survey of its own. The sweeper's mark and the person's answer can meet, so both are
 * made under the survey's lock (`survey:<id>`) by the callers.
 */
export class SurveyRepository {
  private readonly model: Model<SurveyDoc>;

  constructor(
    connection: Connection,
    private readonly keys: KeyRing,
  ) {
    this.model = connection.models.Survey ?? connection.model<SurveyDoc>('Survey', surveySchema);
  }

  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  /** The id of the invitation for a case and occasion. */
  static idFor(caseId: string, occasion: SurveyOccasion): string {
    return `srv_${occasion}_${caseId}`;
  }

  /** Schedules an invitation (once: a second call for the same case and occasion changes nothing). */
  async schedule(input: {
    caseId: string;
    reference: string;
    occasion: Exclude<SurveyOccasion, 'asked'>;
    chatKey: string;
    channel: string;
    dueAt: Date;
    now: Date;
  }): Promise<void> {
    try {
      await this.model.collection.insertOne({
        _id: SurveyRepository.idFor(input.caseId, input.occasion),
        occasion: input.occasion,
        caseId: input.caseId,
        reference: input.reference,
        chatKey: input.chatKey,
        channel: input.channel,
        state: 'scheduled',
        dueAt: input.dueAt,
        rating: null,
        comment: null,
        answeredAt: null,
        createdAt: input.now,
      } as never);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** Invitations whose time has come. */
  async due(now: Date, limit = 100): Promise<Survey[]> {
    const docs = await this.model
      .find({ state: 'scheduled', dueAt: { $lte: now } })
      .sort({ dueAt: 1 })
      .limit(limit)
      .lean<SurveyDoc[]>();
    return docs.map((doc) => this.toSurvey(doc));
  }

  /** Moves an invitation on (scheduled → sent or skipped); false when it had moved already. */
  async mark(id: string, from: SurveyState, to: SurveyState): Promise<boolean> {
    const result = await this.model.updateOne({ _id: id, state: from }, { $set: { state: to } });
    return result.modifiedCount === 1;
  }

  /**
   * Records the answer to an invitation of this chat; 'already' when it was answered
   * before (a repeated or late second answer), 'unknown' when there is no such invitation.
   */
  async answer(id: string, chatKey: string, rating: number, comment: string | null, at: Date, mark = ''): Promise<'recorded' | 'already' | 'unknown'> {
    const sealed = comment ? this.keys.encryptText(comment) : null;
    const result = await this.model.updateOne(
      { _id: id, chatKey, state: { $in: ['scheduled', 'sent', 'skipped'] } },
      { $set: { state: 'answered', rating, comment: sealed, answeredAt: at, answerMark: mark } },
    );
    if (result.modifiedCount === 1) return 'recorded';
    const doc = await this.model.findOne({ _id: id, chatKey }, { answerMark: 1 }).lean<{ answerMark?: string }>();
    if (!doc) return 'unknown';
    // The same message handled again (a retry) finds its own answer.
    return mark !== '' && doc.answerMark === mark ? 'recorded' : 'already';
  }

  /** A rating given without an invitation ("rate our service" from the menu); once per id. */
  async rateUnasked(id: string, chatKey: string, channel: string, rating: number, comment: string | null, at: Date): Promise<void> {
    try {
      await this.model.collection.insertOne({
        _id: id,
        occasion: 'asked',
        caseId: null,
        reference: null,
        chatKey,
        channel,
        state: 'answered',
        dueAt: at,
        rating,
        comment: comment ? this.keys.encryptText(comment) : null,
        answeredAt: at,
        createdAt: at,
      } as never);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** Answered surveys in a period, for reports. */
  async answeredBetween(from: Date, to: Date): Promise<Survey[]> {
    const docs = await this.model
      .find({ state: 'answered', answeredAt: { $gte: from, $lt: to } })
      .sort({ answeredAt: 1 })
      .lean<SurveyDoc[]>();
    return docs.map((doc) => this.toSurvey(doc));
  }

  /** How many ratings this chat gave. */
  async countAnsweredBy(chatKey: string): Promise<number> {
    return this.model.countDocuments({ chatKey, state: 'answered' });
  }

  /** The ids of the chat's surveys, for erasing them. */
  async idsOfChat(chatKey: string): Promise<string[]> {
    const docs = await this.model.find({ chatKey }, { _id: 1 }).lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  /** The ids of a case's surveys: its rating comments go with the case at the end of retention. */
  async idsOfCase(caseId: string): Promise<string[]> {
    const docs = await this.model.find({ caseId }, { _id: 1 }).lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  /** Keeps the rating (a statistic) and drops the comment and the chat; an invitation not yet sent never will be. The caller holds the survey's lock. */
  async anonymise(id: string): Promise<void> {
    await this.model.updateOne({ _id: id, state: 'scheduled' }, { $set: { state: 'skipped' } });
    await this.model.updateOne({ _id: id }, { $set: { comment: null, chatKey: ERASED } });
  }

  async get(id: string): Promise<Survey | null> {
    const doc = await this.model.findById(id).lean<SurveyDoc>();
    return doc ? this.toSurvey(doc) : null;
  }

  private toSurvey(doc: SurveyDoc): Survey {
    return {
      id: doc._id,
      occasion: doc.occasion,
      caseId: doc.caseId ?? null,
      reference: doc.reference ?? null,
      chatKey: doc.chatKey,
      channel: doc.channel,
      state: doc.state,
      dueAt: new Date(doc.dueAt),
      rating: doc.rating ?? null,
      comment: doc.comment ? this.keys.decryptText(doc.comment) : null,
      answeredAt: doc.answeredAt ? new Date(doc.answeredAt) : null,
    };
  }
}
