import { Schema } from 'mongoose';
import type { Actor, CaseMove, CaseStatus, Decision } from './case-states.js';
import { owedItemSchema, type OwedChange, type OwedItem, type StoredOwedItem } from './owed.js';

/*
 * What a case is, as the service sees it (CaseRecord) and as MongoDB stores it (CaseDoc, its
 * schema): the repository (case-repository.ts) reads and writes it.
 */

/** The signed declaration stored with a case. */
export interface StoredDeclaration {
  version: string;
  acceptedAt: Date;
  channel: string;
  messageId: string;
  answersHash: string;
}

/** A case as the services see it, personal answers decrypted. */
export interface CaseRecord {
  id: string;
  reference: string;
  status: CaseStatus;
  channel: string;
  chatKey: string;
  lang: 'ar' | 'en';
  nationalIdHash: string;
  supportType: string;
  city: string;
  answers: Record<string, unknown>;
  documentIds: string[];
  declaration: StoredDeclaration;
  flow: { id: string; version: number };
  submittedAt: Date;
  expectedBy: Date;
  /** When the researchers are reminded that the committee's answer is due (absent for cases made without one). */
  remindAt?: Date;
  decision: Decision | null;
  /** The researcher who claimed the case. */
  assignee: { id: string; name: string } | null;
  /** Where the researchers' alert about this case was posted, once it was. */
  alert: CaseAlert | null;
  history: CaseMove[];
  /** The latest request for missing information: the items asked for and the researcher's note. */
  infoRequest: { items: string[]; note: string; by: string; at: Date } | null;
  /** What the beneficiary sent in answer to information requests. */
  additions: { text: string; documentIds: string[]; at: Date }[];
  /** Free-text notes of researchers from before recommendations were structured (moved into `earlierNotes` by the sweeper). */
  notes: { text: string; by: string; at: Date }[];
  /** Those notes, each on its line with who and when, once moved; '' when there were none. They recommend nothing. */
  earlierNotes: string;
  /** The researcher's latest recommendation to the committee, with the field-visit note (each one is also a line of the history). */
  recommendation: Recommendation | null;
  /** What staff actions on the case still owe (notices, audit entries), decrypted; see models/owed.ts. */
  owed: OwedItem[];
  /** When the personal data went (an erasure request, or the end of retention); null while it is kept. */
  anonymised: { at: Date; because: 'erasure' | 'retention' } | null;
  /** The document questions the person answered "I will send it later", until they send documents with «استكمال». */
  documentsLater: string[];
}

/** A researcher's recommendation: approve with the support proposed, or reject with the reason, and the field-visit note. */
export interface Recommendation {
  outcome: 'approve' | 'reject';
  /** The support proposed, or the reason to reject. */
  detail: string;
  visitNote: string;
  by: string;
  at: Date;
}

/** The researchers' group alert about a case: pending until posted, then where it stands (to edit it later). */
export interface CaseAlert {
  state: 'pending' | 'posted';
  chatId?: string;
  messageId?: number;
}

/** A line of the case list: nothing personal. */
export interface CaseListItem {
  /** Absent in the administrator's command-line list, which names cases by reference. */
  id?: string;
  reference: string;
  status: CaseStatus;
  channel: string;
  supportType: string;
  city: string;
  submittedAt: Date;
  expectedBy: Date;
}

export interface CaseDoc {
  _id: string;
  reference: string;
  status: CaseStatus;
  channel: string;
  chatKey: string;
  lang: 'ar' | 'en';
  nationalIdHash: string;
  supportType: string;
  city: string;
  /** Every answer, encrypted as one JSON value. */
  personal: string;
  documentIds: string[];
  declaration: StoredDeclaration;
  flow: { id: string; version: number };
  submittedAt: Date;
  expectedBy: Date;
  decision: Decision | null;
  assignee: { id: string; name: string } | null;
  alert: CaseAlert | null;
  history: CaseMove[];
  updatedAt: Date;
  remindAt?: Date;
  /** As {@link CaseRecord.documentsLater}; `documentsOwed` is true while it is not empty (what the queue and the sweeper query). */
  documentsLater?: string[];
  documentsOwed?: boolean;
  /** When the person is reminded, once, of the documents they promised; null once reminded or sent. */
  documentsReminderAt?: Date | null;
  /** The committee's clock: the reminder before the promised date, the alert after it; null until due. */
  reminderState?: ClockState;
  overdueState?: ClockState;
  /** When a case in a final state is to be anonymised (the retention period); set by the sweeper, absent until then. */
  retainUntil?: Date;
  /** Set once the personal data is gone: by the person's erasure request or at the end of retention. */
  anonymisedAt?: Date;
  anonymisedFor?: 'erasure' | 'retention';
  /** Encrypted texts: the request's note, the beneficiary's additions, the researchers' notes. */
  infoRequest?: { items: string[]; note: string; by: string; at: Date } | null;
  additions?: { text: string; documentIds: string[]; at: Date; mark?: string }[];
  notes?: { text: string; by: string; at: Date }[];
  /** As {@link Recommendation}, `detail` and `visitNote` sealed; `act` the question that recorded it. */
  recommendation?: (Omit<Recommendation, 'at'> & { at: Date; act?: string }) | null;
  /** `notes` moved here, sealed. */
  earlierNotes?: string;
  /** True once the free-text notes were moved into `earlierNotes` (and on every case made since; false again after an old note question is answered). */
  notesMigrated?: boolean;
  /** The researcher is still to be told that the beneficiary answered an information request. */
  infoProvided?: boolean;
  /** Set once every word of the case (decision, reasons) is sealed: new cases from the start, older ones by the sweeper. */
  wordsSealed?: boolean;
  /** What staff actions still owe, and the earliest time any of it is due (what the sweeper looks for). */
  owed?: StoredOwedItem[];
  owedDueAt?: Date | null;
}

const actor = { kind: String, id: String, name: String };

export const caseSchema = new Schema<CaseDoc>(
  {
    _id: String,
    reference: { type: String, required: true, unique: true },
    status: { type: String, required: true },
    channel: String,
    chatKey: { type: String, required: true },
    lang: String,
    nationalIdHash: { type: String, required: true },
    supportType: String,
    city: String,
    personal: { type: String, required: true },
    documentIds: [String],
    declaration: { version: String, acceptedAt: Date, channel: String, messageId: String, answersHash: String },
    flow: { id: String, version: Number },
    submittedAt: Date,
    expectedBy: Date,
    decision: { type: { outcome: String, by: actor, at: Date, reason: String, supportGranted: String }, default: null },
    assignee: { type: { id: String, name: String }, default: null },
    alert: { type: { state: String, chatId: String, messageId: Number }, default: null },
    history: [{ _id: false, from: String, to: String, at: Date, by: actor, reason: String, act: String }],
    updatedAt: Date,
    remindAt: Date,
    reminderState: { type: String, default: null },
    overdueState: { type: String, default: null },
    infoRequest: { type: Schema.Types.Mixed, default: null },
    additions: { type: [Schema.Types.Mixed], default: [] },
    notes: { type: [Schema.Types.Mixed], default: [] },
    recommendation: { type: Schema.Types.Mixed, default: null },
    earlierNotes: String,
    notesMigrated: Boolean,
    infoProvided: { type: Boolean, default: false },
    wordsSealed: Boolean,
    owed: { type: [owedItemSchema], default: [] },
    owedDueAt: { type: Date, default: null },
    retainUntil: Date,
    anonymisedAt: Date,
    anonymisedFor: String,
    documentsLater: { type: [String], default: [] },
    documentsOwed: { type: Boolean, default: false },
    documentsReminderAt: { type: Date, default: null },
  },
  { versionKey: false, collection: 'cases' },
);
caseSchema.index({ chatKey: 1, submittedAt: -1 });
caseSchema.index({ nationalIdHash: 1, submittedAt: -1 });
caseSchema.index({ status: 1, submittedAt: -1 });
caseSchema.index({ 'alert.state': 1, submittedAt: 1 });
caseSchema.index({ status: 1, remindAt: 1 });
caseSchema.index({ status: 1, expectedBy: 1 });
caseSchema.index({ retainUntil: 1 });
caseSchema.index({ owedDueAt: 1 });
caseSchema.index({ 'assignee.id': 1 });
caseSchema.index({ documentsReminderAt: 1 });

/** A step of the committee's clock: due (to be told), then sent. */
export type ClockState = 'due' | 'sent';
/** The two things the clock tells: researchers before the promised date, administrators after it. */
export type ClockAlarm = 'reminder' | 'overdue';

/** States in which the committee has not decided yet: only these are reminded. */
export const UNDECIDED: readonly CaseStatus[] = ['submitted', 'in_review', 'information_requested'];

export const CLOCK_FIELD = { reminder: 'reminderState', overdue: 'overdueState' } as const;

/** What a new case is made of; the repository encrypts the answers. */
export type NewCase = Omit<
  CaseRecord,
  | 'status'
  | 'decision'
  | 'history'
  | 'assignee'
  | 'alert'
  | 'infoRequest'
  | 'additions'
  | 'notes'
  | 'earlierNotes'
  | 'recommendation'
  | 'owed'
  | 'anonymised'
  | 'documentsLater'
> & {
  by: Actor;
  /** The documents promised later, and when to remind the person of them. */
  documentsLater?: string[];
  documentsReminderAt?: Date;
};

/**
 * What a staff action's write also records: the act (a question's or a press's id, kept in the
 * history so a retry of the same act finds it done) and what it owes. `keep` filters the items
 * already owed (taking a decision back drops that decision's).
 */
export interface ActWrite extends OwedChange {
  act: string;
}
