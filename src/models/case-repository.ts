import type { Connection, Model } from 'mongoose';
import type { KeyRing } from '../privacy/key-ring.js';
import { canMove, CaseTransitionError, FINAL_STATES, type Actor, type CaseMove, type CaseStatus } from './case-states.js';
import { isDuplicateKey } from './mongo-errors.js';
import { LIST_FIELDS, listItem, queueFilter, READY_FOR_DECISION, type QueueQuery } from './case-queries.js';
import { ERASED } from './erased.js';
import { earliestDue, openOwed, OwedList } from './owed.js';
import { holdsClearWords, openDecision, openWords, sealClearWords, sealDecision } from './case-words.js';
import {
  caseSchema,
  CLOCK_FIELD,
  UNDECIDED,
  type ActWrite,
  type CaseAlert,
  type CaseDoc,
  type CaseListItem,
  type CaseRecord,
  type ClockAlarm,
  type ClockState,
  type NewCase,
  type Recommendation,
} from './case-schema.js';

export { UNDECIDED };

/** What the person sends to their case: words, files, and the mark of the message that carried them. */
type NewAddition = { text: string; documentIds: string[]; mark: string };
export type { QueueQuery } from './case-queries.js';
export type { ActWrite, CaseAlert, CaseListItem, CaseRecord, ClockAlarm, ClockState, NewCase, Recommendation, StoredDeclaration } from './case-schema.js';

/**
 * The cases: one document each, personal answers encrypted as one value, the
 * history of moves embedded so a move and its audit entry are one atomic write.
 */
export class CaseRepository {
  private readonly model: Model<CaseDoc>;
  /** What staff acts on cases still owe (models/owed.ts). */
  readonly owedList: OwedList;

  constructor(
    connection: Connection,
    private readonly keys: KeyRing,
  ) {
    this.model = connection.models.Case ?? connection.model<CaseDoc>('Case', caseSchema);
    this.owedList = new OwedList(this.model as unknown as ConstructorParameters<typeof OwedList>[0], keys);
  }

  /** Creates the indexes; idempotent. */
  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  /** Inserts a submitted case; inserting the same id again is a no-op that returns false. */
  async insertSubmitted(input: NewCase): Promise<boolean> {
    const doc: CaseDoc = {
      _id: input.id,
      reference: input.reference,
      status: 'submitted',
      channel: input.channel,
      chatKey: input.chatKey,
      lang: input.lang,
      nationalIdHash: input.nationalIdHash,
      supportType: input.supportType,
      city: input.city,
      personal: this.keys.encryptJson(input.answers),
      documentIds: input.documentIds,
      // A message id can embed the chat id (WhatsApp's does: the phone number), so it is sealed too.
      declaration: { ...input.declaration, messageId: this.keys.encryptText(input.declaration.messageId) },
      flow: input.flow,
      submittedAt: input.submittedAt,
      expectedBy: input.expectedBy,
      ...(input.remindAt ? { remindAt: input.remindAt } : {}),
      documentsLater: input.documentsLater ?? [],
      documentsOwed: (input.documentsLater ?? []).length > 0,
      documentsReminderAt: (input.documentsLater ?? []).length > 0 ? (input.documentsReminderAt ?? null) : null,
      reminderState: null as never,
      overdueState: null as never,
      decision: null,
      wordsSealed: true,
      notesMigrated: true,
      recommendation: null,
      assignee: null,
      alert: { state: 'pending' },
      history: [{ from: null, to: 'submitted', at: input.submittedAt, by: input.by }],
      updatedAt: input.submittedAt,
    };
    try {
      await this.model.collection.insertOne(doc as never);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** The case with this id, decrypted, or null. */
  async get(id: string): Promise<CaseRecord | null> {
    const doc = await this.model.findById(id).lean<CaseDoc>();
    return doc ? this.toRecord(doc) : null;
  }

  /** The reference of the case with this id, or null when there is no such case. */
  async referenceOf(id: string): Promise<string | null> {
    const doc = await this.model.findById(id, { reference: 1 }).lean<CaseDoc>();
    return doc?.reference ?? null;
  }

  /** The reference and promised date of the case with this id, or null: what a retried submission answers again. */
  async receiptOf(id: string): Promise<{ reference: string; expectedBy: Date } | null> {
    const doc = await this.model.findById(id, { reference: 1, expectedBy: 1 }).lean<CaseDoc>();
    return doc ? { reference: doc.reference, expectedBy: new Date(doc.expectedBy) } : null;
  }

  /** The case with this reference, or null. */
  async findByReference(reference: string): Promise<CaseRecord | null> {
    const doc = await this.model.findOne({ reference }).lean<CaseDoc>();
    return doc ? this.toRecord(doc) : null;
  }

  /** The chat's own cases in full, decrypted, oldest first: what /mydata shows the person. */
  async ownedBy(chatKey: string): Promise<CaseRecord[]> {
    const docs = await this.model.find({ chatKey }).sort({ submittedAt: 1 }).limit(20).lean<CaseDoc[]>();
    return docs.map((doc) => this.toRecord(doc));
  }

  /** The chat's own cases, newest first: what "my requests" shows. Nothing personal is read. */
  async listByChat(chatKey: string, limit = 5): Promise<Pick<CaseRecord, 'id' | 'reference' | 'status' | 'submittedAt' | 'expectedBy'>[]> {
    const docs = await this.model
      .find({ chatKey }, { _id: 1, reference: 1, status: 1, submittedAt: 1, expectedBy: 1 })
      .sort({ submittedAt: -1 })
      .limit(limit)
      .lean<Pick<CaseDoc, '_id' | 'reference' | 'status' | 'submittedAt' | 'expectedBy'>[]>();
    return docs.map((doc) => ({
      id: doc._id,
      reference: doc.reference,
      status: doc.status,
      submittedAt: new Date(doc.submittedAt),
      expectedBy: new Date(doc.expectedBy),
    }));
  }

  /** The chat's most recent case that is still open, without decrypting anything. */
  async findOpenByChat(chatKey: string): Promise<Pick<CaseRecord, 'id' | 'reference' | 'status' | 'submittedAt' | 'expectedBy'> | null> {
    const doc = await this.model
      .findOne({ chatKey, status: { $nin: [...FINAL_STATES] } }, { _id: 1, reference: 1, status: 1, submittedAt: 1, expectedBy: 1 })
      .sort({ submittedAt: -1 })
      .lean<CaseDoc>();
    return doc ? { id: doc._id, reference: doc.reference, status: doc.status, submittedAt: doc.submittedAt, expectedBy: doc.expectedBy } : null;
  }

  /**
   * The open cases made under one national ID (by its keyed hash), oldest first, nothing decrypted:
   * the chat's own request for the one-request rule, and the cases that share the ID for staff.
   */
  async openWithId(nationalIdHash: string): Promise<{ id: string; reference: string; chatKey: string }[]> {
    const docs = await this.model
      .find({ nationalIdHash, status: { $nin: [...FINAL_STATES] } }, { _id: 1, reference: 1, chatKey: 1 })
      .sort({ submittedAt: 1 })
      .limit(200)
      .lean<Pick<CaseDoc, '_id' | 'reference' | 'chatKey'>[]>();
    return docs.map((doc) => ({ id: doc._id, reference: doc.reference, chatKey: doc.chatKey }));
  }

  /** Status and chat of a case, for deciding who may see what; nothing decrypted. */
  async statusOf(id: string): Promise<{ status: CaseStatus; chatKey: string } | null> {
    const doc = await this.model.findById(id, { status: 1, chatKey: 1 }).lean<CaseDoc>();
    return doc ? { status: doc.status, chatKey: doc.chatKey } : null;
  }

  /**
   * Moves a case from the state it is in to `to`, with who, when and why, in one
   * conditional write: a concurrent move makes this one fail instead of both landing.
   * With `act`, the same write records the act and what it owes (see {@link ActWrite}).
   */
  async move(
    id: string,
    to: CaseStatus,
    by: Actor,
    at: Date,
    reason?: string,
    also: Partial<Pick<CaseDoc, 'assignee' | 'decision' | 'infoRequest'>> = {},
    act?: ActWrite,
  ): Promise<CaseStatus> {
    const current = await this.model.findById(id, { status: 1, owed: 1 }).lean<Pick<CaseDoc, 'status' | 'owed'>>();
    if (!current || !canMove(current.status, to)) throw new CaseTransitionError(current?.status ?? null, to);
    const entry: CaseMove = {
      from: current.status,
      to,
      at,
      by,
      ...(reason ? { reason: this.keys.encryptText(reason) } : {}),
      ...(act ? { act: act.act } : {}),
    };
    const owed = act ? this.owedList.after(current.owed ?? [], act) : {};
    const sealed = also.decision ? { ...also, decision: sealDecision(this.keys, also.decision) } : also;
    const result = await this.model.updateOne(
      { _id: id, status: current.status },
      { $set: { status: to, updatedAt: at, ...sealed, ...owed }, $push: { history: entry } },
    );
    if (result.modifiedCount !== 1) throw new CaseTransitionError(current.status, to);
    return current.status;
  }

  /** The undecided cases a researcher holds. */
  async heldBy(staffId: string): Promise<string[]> {
    const docs = await this.model.find({ 'assignee.id': staffId, status: { $in: [...UNDECIDED] } }, { _id: 1 }).lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  /**
   * Sets who holds a case without moving it (a researcher gone from a case waiting for
   * information; another taking it up), with what that owes. With `note`, the change is also a
   * line of the history (a hand-over): the state stays, the reason says what happened. The
   * caller holds the case's lock.
   */
  async setAssignee(id: string, assignee: { id: string; name: string } | null, act: ActWrite, note?: { by: Actor; at: Date; reason: string }): Promise<void> {
    if (note) return this.writeInPlace(id, { assignee }, note, act);
    const current = await this.model.findById(id, { owed: 1 }).lean<Pick<CaseDoc, 'owed'>>();
    await this.model.updateOne({ _id: id }, { $set: { assignee, ...this.owedList.after(current?.owed ?? [], act) } });
  }

  /** Asks the beneficiary for missing information: in review → information requested, the note sealed. The caller holds the case's lock. */
  async requestInfo(id: string, request: { items: string[]; note: string }, by: Actor, at: Date, act?: ActWrite): Promise<void> {
    const sealed = { items: request.items, note: this.keys.encryptText(request.note), by: by.name ?? by.id, at };
    await this.move(id, 'information_requested', by, at, `information requested: ${request.items.join(', ') || 'see note'}`, { infoRequest: sealed }, act);
  }

  /**
   * The beneficiary's answer to an information request: the text sealed and the files kept
   * with the case; back in review; the researcher to be told. False when the case was not
   * waiting for information (answered already, or moved on). The caller holds the case's lock.
   */
  async provideInfo(id: string, addition: NewAddition, by: Actor, at: Date): Promise<boolean> {
    const entry: CaseMove = { from: 'information_requested', to: 'in_review', at, by, reason: this.keys.encryptText('information provided') };
    return this.addFromPerson(id, { status: 'information_requested' }, addition, at, { set: { status: 'in_review' }, history: entry });
  }

  /**
   * Documents the person promised at submission, sent with «استكمال»: kept with the case as an
   * addition (the state unchanged), the promise and its reminder cleared once files came, the
   * researcher to be told. False when nothing was owed (sent already, or the case decided or closed). The caller
   * holds the case's lock.
   */
  async provideLaterDocuments(id: string, addition: NewAddition, at: Date): Promise<boolean> {
    // Words without a file add to the case and leave the documents owed.
    return this.addFromPerson(id, { documentsOwed: true, status: { $in: [...UNDECIDED] } }, addition, at);
  }

  /**
   * What the person sent, kept with the case while it is as `where` says: the text sealed, the
   * files added, and files answer the documents promised at submission too; `move` changes the
   * state and writes its history line in the same write. The same message handled again (a retry
   * after a crash or a conflict) finds its addition: done already.
   */
  private async addFromPerson(
    id: string,
    where: Record<string, unknown>,
    addition: NewAddition,
    at: Date,
    move?: { set: Record<string, unknown>; history: CaseMove },
  ): Promise<boolean> {
    const current = await this.model.findById(id, { additions: 1 }).lean<Pick<CaseDoc, 'additions'>>();
    if (current?.additions?.some((a) => (a as { mark?: string }).mark === addition.mark)) return true;
    const result = await this.model.updateOne(
      { _id: id, ...where },
      {
        $set: {
          ...move?.set,
          updatedAt: at,
          infoProvided: true,
          ...(addition.documentIds.length > 0 ? { documentsLater: [], documentsOwed: false, documentsReminderAt: null } : {}),
        },
        $push: {
          ...(move ? { history: move.history } : {}),
          additions: { text: this.keys.encryptText(addition.text), documentIds: addition.documentIds, at, mark: addition.mark },
          documentIds: { $each: addition.documentIds },
        },
      },
    );
    return result.modifiedCount === 1;
  }

  /** Cases whose reminder of promised documents is due, with the chat to remind. */
  async documentsRemindersDue(now: Date, limit = 50): Promise<{ id: string; reference: string; chatKey: string; channel: string; documentsLater: string[] }[]> {
    const docs = await this.model
      // Only requests still being studied: a decided, withdrawn or erased one owes the person no reminder.
      .find(
        { documentsReminderAt: { $lte: now }, documentsOwed: true, status: { $in: [...UNDECIDED] } },
        { _id: 1, reference: 1, chatKey: 1, channel: 1, documentsLater: 1 },
      )
      .limit(limit)
      .lean<CaseDoc[]>();
    return docs.map((d) => ({ id: d._id, reference: d.reference, chatKey: d.chatKey, channel: d.channel, documentsLater: d.documentsLater ?? [] }));
  }

  /** The reminder of promised documents was queued: not again. */
  async documentsReminded(id: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { documentsReminderAt: null } });
  }

  /** Cases whose researcher is still to be told of information provided. */
  async infoProvidedPending(limit = 50): Promise<string[]> {
    const docs = await this.model.find({ infoProvided: true }, { _id: 1 }).limit(limit).lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  async infoProvidedTold(id: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { infoProvided: false } });
  }

  /**
   * Adds a researcher's field-visit note and recommendation, sealed, with what the act owes;
   * false when this act's note is there already (a retry). The caller holds the case's lock.
   */
  async addNote(id: string, text: string, by: string, at: Date, act: ActWrite): Promise<boolean> {
    const current = await this.model.findById(id, { notes: 1, owed: 1 }).lean<Pick<CaseDoc, 'notes' | 'owed'>>();
    if (!current || (current.notes ?? []).some((note) => (note as { act?: string }).act === act.act)) return false;
    await this.model.updateOne(
      { _id: id },
      // An old note question answered now: the sweeper moves this note to the earlier notes too.
      {
        $push: { notes: { text: this.keys.encryptText(text), by, at, act: act.act } },
        $set: { notesMigrated: false, ...this.owedList.after(current.owed ?? [], act) },
      },
    );
    return true;
  }

  /**
   * Records a researcher's recommendation (replacing the one before), sealed, with what the act
   * owes, and a line in the history (the state unchanged), so the ones replaced stay on record
   * and the act is known done; in one write, refused when the case moved meanwhile. The caller
   * holds the case's lock.
   */
  async setRecommendation(id: string, recommendation: Omit<Recommendation, 'at' | 'by'>, by: Actor, at: Date, act: ActWrite): Promise<void> {
    const sealed = {
      outcome: recommendation.outcome,
      detail: this.keys.encryptText(recommendation.detail),
      visitNote: this.keys.encryptText(recommendation.visitNote),
      by: by.name ?? by.id,
      at,
      act: act.act,
    };
    await this.writeInPlace(id, { recommendation: sealed }, { by, at, reason: `recommended: ${recommendation.outcome} — ${recommendation.detail}` }, act);
  }

  /**
   * A staff act that leaves the case in its state (a hand-over, a recommendation): `fields` set,
   * a history line with the same state before and after and the sealed `reason`, and what the act
   * owes, in one write conditional on the state; a case moved meanwhile refuses it
   * (CaseTransitionError), to be decided again on what it is now.
   */
  private async writeInPlace(id: string, fields: Record<string, unknown>, note: { by: Actor; at: Date; reason: string }, act: ActWrite): Promise<void> {
    const current = await this.model.findById(id, { owed: 1, status: 1 }).lean<Pick<CaseDoc, 'owed' | 'status'>>();
    if (!current) throw new CaseTransitionError(null, 'in_review');
    const entry: CaseMove = { from: current.status, to: current.status, at: note.at, by: note.by, reason: this.keys.encryptText(note.reason), act: act.act };
    const result = await this.model.updateOne(
      { _id: id, status: current.status },
      { $set: { ...fields, updatedAt: note.at, ...this.owedList.after(current.owed ?? [], act) }, $push: { history: entry } },
    );
    if (result.matchedCount === 0) throw new CaseTransitionError(current.status, current.status);
  }

  /** Cases whose free-text notes were not yet moved into their earlier notes, at most `limit`: the sweeper's batch. */
  async notesNotYetMigrated(limit = 100): Promise<string[]> {
    const docs = await this.model
      .find({ notesMigrated: { $ne: true } }, { _id: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>();
    return docs.map((doc) => doc._id);
  }

  /**
   * Moves a case's free-text notes (from before recommendations were structured) to the end of
   * its earlier notes, each as a line with who and when, empties them and marks the case, in one
   * write conditional on the mark: run again it changes nothing, so an interrupted migration
   * continues and nothing is copied twice. The caller holds the case's lock. True when notes were moved.
   */
  async migrateNotes(id: string): Promise<boolean> {
    const doc = await this.model
      .findById(id, { notes: 1, earlierNotes: 1, notesMigrated: 1 })
      .lean<Pick<CaseDoc, 'notes' | 'earlierNotes' | 'notesMigrated'>>();
    if (!doc || doc.notesMigrated === true) return false;
    const notes = doc.notes ?? [];
    if (notes.length === 0) {
      await this.model.updateOne({ _id: id }, { $set: { notesMigrated: true } });
      return false;
    }
    const lines = notes.map((note) => `${note.by} (${new Date(note.at).toISOString().slice(0, 10)}): ${this.keys.decryptText(note.text)}`);
    const before = doc.earlierNotes ? this.keys.decryptText(doc.earlierNotes) : '';
    const earlierNotes = this.keys.encryptText([before, ...lines].filter(Boolean).join('\n'));
    const result = await this.model.updateOne({ _id: id, notesMigrated: { $ne: true } }, { $set: { earlierNotes, notes: [], notesMigrated: true } });
    return result.modifiedCount > 0;
  }

  /** Records where the alert about a case was posted. */
  async setAlert(id: string, alert: CaseAlert): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { alert } });
  }

  /** Cases whose researchers' alert is still to be posted, oldest first. */
  async pendingAlerts(limit = 50): Promise<string[]> {
    const docs = await this.model.find({ 'alert.state': 'pending' }, { _id: 1 }).sort({ submittedAt: 1 }).limit(limit).lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  /**
   * Undecided cases whose reminder or overdue alert has come due by `now` and is not yet
   * marked: what the sweeper marks due (the state lives here, so a wiped Redis loses none).
   */
  async clockDue(now: Date, limit = 100): Promise<{ id: string; alarm: ClockAlarm }[]> {
    const undecided = { status: { $in: [...UNDECIDED] } };
    const reminders = await this.model
      .find({ ...undecided, remindAt: { $lte: now }, reminderState: null }, { _id: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>();
    const overdue = await this.model
      .find({ ...undecided, expectedBy: { $lte: now }, overdueState: null }, { _id: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>();
    return [...reminders.map((d) => ({ id: d._id, alarm: 'reminder' as const })), ...overdue.map((d) => ({ id: d._id, alarm: 'overdue' as const }))];
  }

  /** Moves a case's alarm on (null → due → sent); false when it had moved already. The caller holds the case's lock. */
  async markClock(id: string, alarm: ClockAlarm, from: ClockState | null, to: ClockState): Promise<boolean> {
    const field = CLOCK_FIELD[alarm];
    const result = await this.model.updateOne({ _id: id, [field]: from }, { $set: { [field]: to } });
    return result.modifiedCount === 1;
  }

  /** Alarms marked due and not yet told, oldest case first. */
  async clockAlertsPending(limit = 50): Promise<{ id: string; alarm: ClockAlarm }[]> {
    const docs = await this.model
      .find({ $or: [{ reminderState: 'due' }, { overdueState: 'due' }] }, { _id: 1, reminderState: 1, overdueState: 1 })
      .sort({ submittedAt: 1 })
      .limit(limit)
      .lean<Pick<CaseDoc, '_id' | 'reminderState' | 'overdueState'>[]>();
    return docs.flatMap((d) => [
      ...(d.reminderState === 'due' ? [{ id: d._id, alarm: 'reminder' as const }] : []),
      ...(d.overdueState === 'due' ? [{ id: d._id, alarm: 'overdue' as const }] : []),
    ]);
  }

  /** Cases submitted in [from, to), for reports and exports, decrypted. */
  async submittedBetween(from: Date, to: Date): Promise<CaseRecord[]> {
    const docs = await this.model
      .find({ submittedAt: { $gte: from, $lt: to } })
      .sort({ submittedAt: 1 })
      .lean<CaseDoc[]>();
    return docs.map((doc) => this.toRecord(doc));
  }

  /** Undecided cases whose promised answer date has passed. */
  async pastDeadline(now: Date): Promise<number> {
    return this.model.countDocuments({ status: { $in: [...UNDECIDED] }, expectedBy: { $lt: now } });
  }

  /** Cases for the administrator's list, newest first; nothing personal. */
  async list(filter: { status?: CaseStatus; limit: number }): Promise<CaseListItem[]> {
    const docs = await this.model
      .find(filter.status ? { status: filter.status } : {}, LIST_FIELDS)
      .sort({ submittedAt: -1 })
      .limit(filter.limit)
      .lean<CaseDoc[]>();
    return docs.map(listItem);
  }

  /**
   * One page of the staff's case queue, the most urgent promised date first; nothing personal.
   * One query per status, merged here: an equality on the status is what FerretDB v1 can hand
   * to PostgreSQL's index, where `$in` makes it read the whole collection (docs/storage-compatibility.md).
   */
  async queuePage(query: QueueQuery, page: { skip: number; limit: number }): Promise<(CaseListItem & { id: string })[]> {
    const perStatus = await Promise.all(
      query.statuses.map((status) =>
        this.model
          .find(queueFilter(query, status), LIST_FIELDS)
          .sort({ expectedBy: 1, reference: 1 })
          .limit(page.skip + page.limit)
          .lean<CaseDoc[]>(),
      ),
    );
    const merged = perStatus.flat().sort((a, b) => a.expectedBy.getTime() - b.expectedBy.getTime() || a.reference.localeCompare(b.reference));
    return merged.slice(page.skip, page.skip + page.limit).map((d) => ({ id: d._id, ...listItem(d) }));
  }

  /** How many cases a queue filter holds (one count per status, as {@link queuePage} reads). */
  async queueCount(query: QueueQuery): Promise<number> {
    const counts = await Promise.all(query.statuses.map((status) => this.model.countDocuments(queueFilter(query, status))));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /**
   * The committee's agenda: cases in review with a researcher's recommendation to approve or to
   * reject, the oldest promised date first, decrypted (a page of them); the status equality is
   * what FerretDB hands to its index.
   */
  async readyForDecision(page: { skip: number; limit: number }): Promise<CaseRecord[]> {
    const docs = await this.model.find(READY_FOR_DECISION).sort({ expectedBy: 1, reference: 1 }).skip(page.skip).limit(page.limit).lean<CaseDoc[]>();
    return docs.map((doc) => this.toRecord(doc));
  }

  /** How many cases the committee's agenda holds. */
  async countReadyForDecision(): Promise<number> {
    return this.model.countDocuments(READY_FOR_DECISION);
  }

  /** The ids of the chat's cases, for erasing them; nothing decrypted. */
  async idsOfChat(chatKey: string): Promise<string[]> {
    const docs = await this.model.find({ chatKey }, { _id: 1 }).lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  /**
   * Cases in a final state with no retention date yet, and when they got there: the
   * sweeper gives each its date (`retainUntil`), so the due times live here, not in Redis.
   */
  async awaitingRetentionDate(limit = 100): Promise<{ id: string; finalAt: Date }[]> {
    const docs = await this.model
      .find({ status: { $in: [...FINAL_STATES] }, retainUntil: { $exists: false }, anonymisedAt: { $exists: false } }, { _id: 1, history: 1, updatedAt: 1 })
      .limit(limit)
      .lean<Pick<CaseDoc, '_id' | 'history' | 'updatedAt'>[]>();
    return docs.map((d) => ({ id: d._id, finalAt: new Date(d.history?.at(-1)?.at ?? d.updatedAt) }));
  }

  /** Sets when a finished case is to be anonymised; only once. The caller holds the case's lock. */
  async setRetention(id: string, retainUntil: Date): Promise<void> {
    await this.model.updateOne({ _id: id, retainUntil: { $exists: false } }, { $set: { retainUntil } });
  }

  /** Finished cases whose retention period is over and that still hold personal data. */
  async retentionDue(now: Date, limit = 100): Promise<string[]> {
    const docs = await this.model
      .find({ retainUntil: { $lte: now }, anonymisedAt: { $exists: false } }, { _id: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  /**
   * What a case holds that lives outside it: the documents it names (its own and those sent
   * with information requests) and the national ID's hash (its open-request lock). Read
   * before anonymising, so they are deleted and released first and a crash in between
   * leaves nothing behind: the anonymisation that follows finds them again.
   */
  async personalRefs(id: string): Promise<{ documentIds: string[]; nationalIdHash: string } | null> {
    const doc = await this.model
      .findById(id, { documentIds: 1, additions: 1, nationalIdHash: 1 })
      .lean<Pick<CaseDoc, 'documentIds' | 'additions' | 'nationalIdHash'>>();
    if (!doc) return null;
    return { documentIds: [...(doc.documentIds ?? []), ...(doc.additions ?? []).flatMap((a) => a.documentIds ?? [])], nationalIdHash: doc.nationalIdHash };
  }

  /**
   * Removes everything personal from a case and keeps what statistics and the audit of
   * decisions need: status, dates, channel, support type, city, who decided and when. Run
   * again, it clears again (whatever was written since), keeping the first date and reason.
   * The caller holds the case's lock, and has deleted the documents and freed the ID first.
   */
  async anonymise(id: string, because: 'erasure' | 'retention', at: Date): Promise<void> {
    const doc = await this.model.findById(id).lean<CaseDoc>();
    if (!doc) return;
    const erasedActor = (by: Actor): Actor => (by.kind === 'beneficiary' ? { kind: 'beneficiary', id: ERASED } : by);
    const keptOwed = (doc.owed ?? []).filter((stored) => openOwed(this.keys, stored).work.kind === 'audit');
    const auditsOnly = { owed: keptOwed, owedDueAt: earliestDue(keptOwed) };
    await this.model.updateOne(
      { _id: id },
      {
        $set: {
          personal: this.keys.encryptJson({}),
          documentIds: [],
          declaration: {
            version: doc.declaration.version,
            acceptedAt: doc.declaration.acceptedAt,
            channel: doc.declaration.channel,
            messageId: this.keys.encryptText(''),
            answersHash: '',
          },
          chatKey: ERASED,
          nationalIdHash: ERASED,
          infoRequest: null,
          additions: [],
          notes: [],
          recommendation: null,
          earlierNotes: this.keys.encryptText(''),
          infoProvided: false,
          documentsLater: [],
          documentsOwed: false,
          documentsReminderAt: null,
          // What staff acts still owed the person goes (it may hold what the committee wrote, and nobody is left to tell); audit entries stay owed.
          ...auditsOnly,
          // Who decided, what and when stay (the audit of decisions); the words typed about the person go.
          decision: doc.decision ? { outcome: doc.decision.outcome, by: doc.decision.by, at: doc.decision.at } : null,
          history: (doc.history ?? []).map((move) => ({ from: move.from, to: move.to, at: move.at, by: erasedActor(move.by) })),
          updatedAt: at,
        },
      },
    );
    await this.model.updateOne({ _id: id, anonymisedAt: { $exists: false } }, { $set: { anonymisedAt: at, anonymisedFor: because } });
  }

  /** The raw stored document, for tests that prove what is on disk. */
  async raw(id: string): Promise<Record<string, unknown> | null> {
    return this.model.collection.findOne({ _id: id as never });
  }

  private toRecord(doc: CaseDoc): CaseRecord {
    return {
      id: doc._id,
      reference: doc.reference,
      status: doc.status,
      channel: doc.channel,
      chatKey: doc.chatKey,
      lang: doc.lang,
      nationalIdHash: doc.nationalIdHash,
      supportType: doc.supportType,
      city: doc.city,
      answers: this.keys.decryptJson<Record<string, unknown>>(doc.personal),
      documentIds: doc.documentIds ?? [],
      declaration: { ...doc.declaration, messageId: this.keys.decryptText(doc.declaration.messageId) },
      flow: doc.flow,
      submittedAt: doc.submittedAt,
      expectedBy: doc.expectedBy,
      ...(doc.remindAt ? { remindAt: new Date(doc.remindAt) } : {}),
      decision: doc.decision ? openDecision(this.keys, doc.decision) : null,
      assignee: doc.assignee ?? null,
      infoRequest: doc.infoRequest ? { ...doc.infoRequest, note: this.keys.decryptText(doc.infoRequest.note), at: new Date(doc.infoRequest.at) } : null,
      additions: (doc.additions ?? []).map((a) => ({ text: this.keys.decryptText(a.text), documentIds: a.documentIds ?? [], at: new Date(a.at) })),
      notes: (doc.notes ?? []).map((n) => ({ text: this.keys.decryptText(n.text), by: n.by, at: new Date(n.at) })),
      earlierNotes: doc.earlierNotes ? this.keys.decryptText(doc.earlierNotes) : '',
      recommendation: doc.recommendation
        ? {
            outcome: doc.recommendation.outcome,
            detail: this.keys.decryptText(doc.recommendation.detail),
            visitNote: this.keys.decryptText(doc.recommendation.visitNote),
            by: doc.recommendation.by,
            at: new Date(doc.recommendation.at),
          }
        : null,
      alert: doc.alert ?? null,
      history: (doc.history ?? []).map((move) => (move.reason === undefined ? move : { ...move, reason: openWords(this.keys, move.reason) })),
      owed: (doc.owed ?? []).map((stored) => openOwed(this.keys, stored)),
      anonymised: doc.anonymisedAt ? { at: new Date(doc.anonymisedAt), because: doc.anonymisedFor ?? 'erasure' } : null,
      documentsLater: doc.documentsLater ?? [],
    };
  }

  /** Cases not yet marked sealed (stored before the words were sealed), at most `limit`: the sweeper's batch. */
  async notYetSealed(limit = 100): Promise<string[]> {
    const docs = await this.model
      .find({ wordsSealed: { $ne: true } }, { _id: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>();
    return docs.map((doc) => doc._id);
  }

  /** How many cases still hold words in clear (`keys status`). */
  async countClearWords(): Promise<number> {
    const docs = await this.model.find({ wordsSealed: { $ne: true } }, { decision: 1, history: 1 }).lean<Pick<CaseDoc, 'decision' | 'history'>[]>();
    return docs.filter((doc) => holdsClearWords(this.keys, doc)).length;
  }

  /**
   * Seals the words a case holds in clear and marks it sealed, in one write; run again it changes
   * nothing, so an interrupted migration simply continues. The caller holds the case's lock, as
   * every writer of a case does, so nothing written meanwhile is overwritten. True when words
   * were sealed (false: there were none in clear, and the case is only marked).
   */
  async sealWords(id: string): Promise<boolean> {
    const doc = await this.model.findById(id, { decision: 1, history: 1 }).lean<Pick<CaseDoc, 'decision' | 'history'>>();
    if (!doc) return false;
    if (!holdsClearWords(this.keys, doc)) {
      await this.model.updateOne({ _id: id }, { $set: { wordsSealed: true } });
      return false;
    }
    await this.model.updateOne({ _id: id }, { $set: { ...sealClearWords(this.keys, doc), wordsSealed: true } });
    return true;
  }
}
