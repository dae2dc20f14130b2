import type { CaseRepository, CaseRecord, ActWrite } from '../models/case-repository.js';
import type { OpenRequestLocks } from '../models/open-request-locks.js';
import type { AuditLog } from '../models/audit-log.js';
import type { Staff } from '../models/staff.js';
import type { QuestionPurpose } from '../models/staff-questions.js';
import { owedItems, type OwedItem, type OwedWork } from '../models/owed.js';
import { CaseTransitionError, isOpen, type Actor } from '../models/case-states.js';
import type { ChatLocks } from './chat-lock.js';
import { finishOwed, type Notify, type OwedWorkDeps } from './owed-work.js';
import { may, type StaffAct } from './staff-permissions.js';
import { casesSharingId } from './shared-ids.js';

/** What a staff member asked of a case, and what came of it. */
export type ActionResult =
  | { ok: true; changed: boolean; record: CaseRecord }
  | {
      ok: false;
      reason:
        | 'not_allowed'
        | 'not_found'
        | 'wrong_state'
        | 'held_by_other'
        | 'too_late'
        | 'still_sending'
        | 'id_in_use'
        | 'id_shared'
        | 'cannot_take'
        | 'no_recommendation';
      record?: CaseRecord;
    };

/** What the case actions work with. */
export interface CaseActionDeps extends OwedWorkDeps {
  cases: CaseRepository;
  locks: OpenRequestLocks;
  chatLocks: ChatLocks;
  audit: AuditLog;
  notify: Notify;
  /** How long after *Send* the beneficiary is told of a decision, so the member can take it back (`DECISION_UNDO_MINUTES`). */
  decisionUndoMs?: number;
  /** Whether a decision needs a researcher's recommendation first (REQUIRE_RECOMMENDATION, on unless set off; false when absent, as in tests). */
  requireRecommendation?: boolean;
  clock?: () => Date;
}

/** What a researcher may ask the beneficiary for; each has a label `info.item.<id>` in both languages. */
export const INFO_ITEMS = ['id', 'family_card', 'income_proof', 'lease', 'medical', 'other'] as const;
export type InfoItem = (typeof INFO_ITEMS)[number];

/** The moves after a decision (policy steps 6 and 7), what the beneficiary is told of each, and the audit action. */
export const AFTER_DECISION = {
  registered: { notice: 'caseProgress.registered', audit: 'case.registered' },
  service_delivered: { notice: 'caseProgress.serviceDelivered', audit: 'case.service_delivered' },
  closed: { notice: null, audit: 'case.closed' },
} as const;
export type AfterDecision = keyof typeof AFTER_DECISION;

/** The most a staff member's free text may be, by what it is. */
export const TEXT_LIMITS = { decision: 500, reopen: 500, info: 500, note: 2000, recommend_approve: 2500, recommend_reject: 2500, answered: 2000 } as const;

/**
 * What staff do to a case: view it, claim it, ask for information, note, decide, take a
 * decision back, reopen it, move it on. Each checks the member's role at the moment of the
 * act (the one role table, services/staff-permissions.ts), runs under the case's lock
 * (FerretDB does not serialise writes to one document), and makes one write that moves the
 * case, names the act and records what it owes: the notice to the person, the audit entry.
 * Those are then performed (models/owed.ts); a retry of the same act (a redelivered press,
 * an answer handled again after a database blip) finds the act in the history and only
 * finishes what is still owed, so each notice and entry happens once.
 */
export class CaseActions {
  constructor(private readonly deps: CaseActionDeps) {}

  /** The whole case for a staff member's private view; the view is audited. */
  async view(caseId: string, staff: Staff): Promise<ActionResult> {
    if (!may(staff, 'view')) return { ok: false, reason: 'not_allowed' };
    const record = await this.deps.cases.get(caseId);
    if (!record) return { ok: false, reason: 'not_found' };
    await this.deps.audit.record({ at: this.now(), actor: actorOf(staff), action: 'case.viewed', target: { kind: 'case', id: caseId } });
    return { ok: true, changed: false, record };
  }

  /**
   * A researcher takes the case for study: submitted → in review, assigned to them. A case
   * under study that nobody holds (its researcher lost the role) is taken up as it stands.
   */
  async claim(caseId: string, staff: Staff, act: string): Promise<ActionResult> {
    return this.act('claim', caseId, staff, act, async (record, at) => {
      const underStudy = isUnderStudy(record);
      if (!underStudy && record.status !== 'submitted') return { ok: false, reason: 'wrong_state', record };
      if (record.assignee?.id === staff.id) return { ok: true, changed: false, record };
      if (record.assignee) return { ok: false, reason: 'held_by_other', record };
      const owe = this.owing(act, [audited(staff, 'case.claimed', at)]);
      const assignee = { id: staff.id, name: staff.name };
      if (underStudy) await this.deps.cases.setAssignee(caseId, assignee, owe);
      else await this.deps.cases.move(caseId, 'in_review', actorOf(staff), at, 'claimed for study', { assignee }, owe);
      return 'changed';
    });
  }

  /**
   * Hands a case under study to a colleague: by the researcher holding it, or by an
   * administrator for any held case. The colleague must be active and able to study cases
   * ('cannot_take' otherwise). The state stays; the history and the audit say who handed it to
   * whom. Handing it to whoever holds it already is done already.
   */
  async handOver(caseId: string, staff: Staff, to: Staff | null, act: string): Promise<ActionResult> {
    return this.act('view', caseId, staff, act, async (record, at) => {
      // The colleague chosen holds it already (the same choice pressed twice): done already.
      if (to && record.assignee?.id === to.id && mayTakeOver(to)) return { ok: true, changed: false, record };
      const refused = handOverRefusal(record, staff);
      if (refused) return { ok: false, reason: refused, record };
      if (!to || !mayTakeOver(to)) return { ok: false, reason: 'cannot_take', record };
      const from = record.assignee!;
      const owe = this.owing(act, [audited(staff, 'case.handed_over', at, { from: from.id, to: to.id })]);
      await this.deps.cases.setAssignee(caseId, { id: to.id, name: to.name }, owe, { by: actorOf(staff), at, reason: `handed over to ${to.name}` });
      return 'changed';
    });
  }

  /**
   * The committee's decision, once the member confirmed what the beneficiary will read:
   * approved with the support granted, or rejected with the reason. The person is told after
   * the undo window, from MongoDB (the sweeper sends what comes due), so a restart inside the
   * window neither loses nor doubles it; a rejection frees the national ID at the same time.
   * No approval while another open request uses the same national ID ('id_shared'): staff settle
   * with both people whose ID it is, and reject the other first.
   */
  async decide(caseId: string, staff: Staff, outcome: 'approved' | 'rejected', text: string, act: string): Promise<ActionResult> {
    return this.act('decide', caseId, staff, act, async (record, at) => {
      if (record.decision) return { ok: false, reason: 'wrong_state', record };
      if (record.status !== 'in_review') return { ok: false, reason: 'wrong_state', record };
      if (outcome === 'approved' && (await casesSharingId(this.deps.cases, record)).length > 0) return { ok: false, reason: 'id_shared', record };
      const recommended = hasRecommendation(record);
      if (!recommended && this.deps.requireRecommendation) return { ok: false, reason: 'no_recommendation', record };
      const decision = { outcome, by: actorOf(staff), at, ...(outcome === 'approved' ? { supportGranted: text } : { reason: text }) };
      const tellAt = new Date(at.getTime() + (this.deps.decisionUndoMs ?? 0));
      const notice: OwedWork = {
        kind: 'notice',
        key: `decision.${outcome}`,
        params: { reference: record.reference, [outcome === 'approved' ? 'support' : 'reason']: text },
        noticeId: `${act}:notice`,
      };
      const owed = [
        audited(staff, outcome === 'approved' ? 'case.approved' : 'case.rejected', at),
        { work: notice, dueAt: tellAt },
        ...(outcome === 'rejected' ? [{ work: { kind: 'release_id' } as const, dueAt: tellAt }] : []),
        { work: { kind: 'survey', occasion: 'decision' } as const, dueAt: tellAt },
      ];
      await this.deps.cases.move(
        caseId,
        outcome,
        actorOf(staff),
        at,
        // Taken without a researcher's recommendation (REQUIRE_RECOMMENDATION=off): the history says so.
        `${outcome === 'rejected' ? text : `support granted: ${text}`}${recommended ? '' : ' [decided without a recommendation]'}`,
        { decision },
        this.owing(act, owed),
      );
      return 'changed';
    });
  }

  /**
   * Takes a decision back inside its undo window, before the person is told: back in review,
   * the decision's notice, survey and ID release dropped. Only the member who decided, and
   * only while nothing of it has been sent ('too_late' after).
   */
  async undoDecision(caseId: string, staff: Staff): Promise<ActionResult> {
    const record = await this.deps.cases.get(caseId);
    const decided = record ? decisionMove(record) : undefined;
    if (!record || !decided?.act) return record ? { ok: false, reason: 'wrong_state', record } : { ok: false, reason: 'not_found' };
    const act = `undo:${decided.act}`;
    return this.act('decide', caseId, staff, act, async (current, at) => {
      if (current.decision?.by.id !== staff.id) return { ok: false, reason: 'not_allowed', record: current };
      if (decisionMove(current)?.act !== decided.act) return { ok: false, reason: 'wrong_state', record: current };
      const pending = current.owed.filter((item) => item.act === decided.act && item.work.kind !== 'audit');
      if (pending.length === 0 || pending.some((item) => item.state !== 'due' || item.dueAt.getTime() <= at.getTime()))
        return { ok: false, reason: 'too_late', record: current };
      const keep = (item: OwedItem) => !(item.act === decided.act && item.work.kind !== 'audit');
      await this.deps.cases.move(
        caseId,
        'in_review',
        actorOf(staff),
        at,
        'decision taken back',
        { decision: null },
        { ...this.owing(act, [audited(staff, 'case.decision_taken_back', at)]), keep },
      );
      return 'changed';
    });
  }

  /**
   * The committee reconsiders a decided case (approved or rejected, once the person was told):
   * back in review, the reason in the history, the person told their request is being
   * reconsidered. A rejected case takes its national ID back; 'id_in_use' when the person has
   * made another request since, from the same chat (another chat's request under the ID does not
   * stop it: the two are shown side by side, as at submission).
   */
  async reopen(caseId: string, staff: Staff, reason: string, act: string): Promise<ActionResult> {
    return this.act('decide', caseId, staff, act, async (record, at) => {
      if (record.status !== 'approved' && record.status !== 'rejected') return { ok: false, reason: 'wrong_state', record };
      // The decision's own notice (and, for a rejection, the ID's release) must be out first.
      if (decisionStillOwed(record)) return { ok: false, reason: 'still_sending', record };
      // The ID taken back pending, activated once the case is open again: a stop in between leaves a
      // pending lock the sweeper resolves by the case's state (resolveStaleLock), never an ID held by a closed case.
      let lockTaken = false;
      if (record.status === 'rejected') {
        const open = await this.deps.cases.openWithId(record.nationalIdHash);
        if (open.some((c) => c.chatKey === record.chatKey && c.id !== caseId)) return { ok: false, reason: 'id_in_use', record };
        lockTaken = (await this.deps.locks.acquire(record.nationalIdHash, caseId, at)).caseId === caseId;
      }
      const notice: OwedWork = { kind: 'notice', key: 'caseProgress.reopened', params: { reference: record.reference }, noticeId: `${act}:notice` };
      await this.deps.cases.move(
        caseId,
        'in_review',
        actorOf(staff),
        at,
        reason,
        { decision: null },
        this.owing(act, [audited(staff, 'case.reopened', at), { work: notice, dueAt: at }]),
      );
      if (lockTaken) await this.deps.locks.activate(record.nationalIdHash, caseId);
      return 'changed';
    });
  }

  /**
   * A move after the decision: registration once the requirements are complete, the
   * service delivered, the case closed. The transition table decides what is legal; the
   * beneficiary is told of registration and of the service (service messages, always sent);
   * a closed case frees the national ID for a new request.
   */
  async advance(caseId: string, staff: Staff, to: AfterDecision, act: string, reason?: string): Promise<ActionResult> {
    return this.act('advance', caseId, staff, act, async (record, at) => {
      if (record.status === to) return { ok: true, changed: false, record };
      // Not before the person has been told of the decision: registered before approved, or the ID freed before the rejection is said.
      if (decisionStillOwed(record)) return { ok: false, reason: 'still_sending', record };
      const notice = AFTER_DECISION[to].notice;
      const owed = [
        audited(staff, AFTER_DECISION[to].audit, at),
        ...(notice
          ? [{ work: { kind: 'notice', key: notice, params: { reference: record.reference }, noticeId: `${to}-${caseId}` } as const, dueAt: at }]
          : []),
        ...(to === 'closed' ? [{ work: { kind: 'release_id' } as const, dueAt: at }] : []),
        ...(to === 'service_delivered' ? [{ work: { kind: 'survey', occasion: 'service' } as const, dueAt: at }] : []),
      ];
      await this.deps.cases.move(caseId, to, actorOf(staff), at, reason, {}, this.owing(act, owed));
      return 'changed';
    });
  }

  /**
   * A researcher asks the beneficiary for missing or unclear information: the case waits
   * for it (in review → information requested) and the person is asked on their channel,
   * in their language, once per request.
   */
  async requestInfo(caseId: string, staff: Staff, request: { items: InfoItem[]; note: string }, act: string): Promise<ActionResult> {
    return this.act('study', caseId, staff, act, async (record, at) => {
      if (record.status !== 'in_review') return { ok: false, reason: 'wrong_state', record };
      // Held by a colleague (handed over since the question was asked, say): theirs to ask.
      if (record.assignee && record.assignee.id !== staff.id) return { ok: false, reason: 'held_by_other', record };
      const params = { caseId, reference: record.reference, items: request.items.join(','), note: request.note };
      const owed = [
        audited(staff, 'case.information_requested', at),
        { work: { kind: 'notice', key: 'info.requested', params, noticeId: `${act}:notice` } as const, dueAt: at },
      ];
      await this.deps.cases.requestInfo(caseId, request, actorOf(staff), at, this.owing(act, owed));
      return 'changed';
    });
  }

  /** A researcher's field-visit note and recommendation, for the committee; any time before the decision, while the case is open (not withdrawn or erased). */
  async addNote(caseId: string, staff: Staff, text: string, act: string): Promise<ActionResult> {
    return this.act('study', caseId, staff, act, async (record, at) => {
      if (record.decision || !isOpen(record.status)) return { ok: false, reason: 'wrong_state', record };
      const added = await this.deps.cases.addNote(caseId, text, staff.name, at, this.owing(act, [audited(staff, 'case.note_added', at)]));
      return added ? 'changed' : { ok: true, changed: false, record };
    });
  }

  /**
   * A researcher's recommendation to the committee: approve with the support proposed, or
   * reject with the reason, and the field-visit note; it replaces the one before. Any time before
   * the decision while the case is open.
   */
  async recommend(
    caseId: string,
    staff: Staff,
    recommendation: { outcome: 'approve' | 'reject'; detail: string; visitNote: string },
    act: string,
  ): Promise<ActionResult> {
    return this.act('study', caseId, staff, act, async (record, at) => {
      if (record.decision || !isOpen(record.status)) return { ok: false, reason: 'wrong_state', record };
      // The researcher who studies the case recommends: not a colleague, nor one who handed it over since the question was asked.
      if (record.assignee?.id !== staff.id) return { ok: false, reason: record.assignee ? 'held_by_other' : 'not_allowed', record };
      const owe = this.owing(act, [audited(staff, 'case.recommended', at, { outcome: recommendation.outcome })]);
      await this.deps.cases.setRecommendation(caseId, recommendation, actorOf(staff), at, owe);
      return 'changed';
    });
  }

  /**
   * A researcher lost the role or left: the case they hold goes back to the queue (in review →
   * submitted, nobody holding it; a case waiting for information only loses its holder).
   * False when they did not hold it.
   */
  async releaseHeld(caseId: string, staffId: string, by: Actor): Promise<boolean> {
    const at = this.now();
    const act = `release:${caseId}:${staffId}:${at.getTime()}`;
    const released = await this.deps.chatLocks.exclusive(`case:${caseId}`, async () => {
      const record = await this.deps.cases.get(caseId);
      if (!record || record.assignee?.id !== staffId) return false;
      const owe = this.owing(act, [{ work: { kind: 'audit', key: '', action: 'case.released', actor: by, at, details: { staffId } }, dueAt: at }]);
      if (record.status === 'in_review' && !record.decision)
        await this.deps.cases.move(caseId, 'submitted', by, at, 'holder no longer available', { assignee: null }, owe);
      else await this.deps.cases.setAssignee(caseId, null, owe);
      return true;
    });
    if (released) await finishOwed(this.deps, 'case', caseId, at);
    return released;
  }

  /** Performs what the case owes that is due now (after an act, or for a retry). */
  async finishOwed(caseId: string): Promise<void> {
    await finishOwed(this.deps, 'case', caseId, this.now());
  }

  /**
   * Runs one act: the role checked, then under the case's lock either the act found done
   * already (its id in the history: a retry) or `work` run; then, outside the lock, what the
   * case owes performed. `work` returns 'changed' or a result of its own.
   */
  private async act(
    permission: StaffAct,
    caseId: string,
    staff: Staff,
    act: string,
    work: (record: CaseRecord, at: Date) => Promise<ActionResult | 'changed'>,
  ): Promise<ActionResult> {
    if (!may(staff, permission)) return { ok: false, reason: 'not_allowed' };
    const at = this.now();
    const result = await this.deps.chatLocks.exclusive(`case:${caseId}`, async (): Promise<ActionResult> => {
      const record = await this.deps.cases.get(caseId);
      if (!record) return { ok: false, reason: 'not_found' };
      if (record.history.some((move) => move.act === act)) return { ok: true, changed: false, record };
      try {
        const outcome = await work(record, at);
        if (outcome !== 'changed') return outcome;
      } catch (error) {
        if (error instanceof CaseTransitionError) return { ok: false, reason: 'wrong_state', record };
        throw error;
      }
      return { ok: true, changed: true, record: (await this.deps.cases.get(caseId)) ?? record };
    });
    if (result.ok && result.changed) await this.deps.faults?.at('staff-act-written');
    // A refusal may still find work owed by an earlier act (a crash after its write): finishing it is always right.
    await finishOwed(this.deps, 'case', caseId, at);
    return result;
  }

  /** The act's write: its id and its owed items, each under an id derived from the act's. */
  private owing(act: string, items: { work: OwedWork; dueAt: Date }[]): ActWrite {
    return { act, owe: owedItems(act, items) };
  }

  private now(): Date {
    return this.deps.clock?.() ?? new Date();
  }
}

/** The audit entry an act owes; `owedItems` gives it its key, derived from the act. */
function audited(staff: Staff, action: string, at: Date, details?: Record<string, string>): { work: OwedWork; dueAt: Date } {
  return { work: { kind: 'audit', key: '', action, actor: actorOf(staff), at, ...(details ? { details } : {}) }, dueAt: at };
}

/** A case under study that nobody holds: its researcher lost the role, and another may take it up. */
export function isUnheld(record: CaseRecord): boolean {
  return isUnderStudy(record) && !record.assignee;
}

/** A case under study: in review or waiting for information, not decided. */
export function isUnderStudy(record: CaseRecord): boolean {
  return (record.status === 'in_review' || record.status === 'information_requested') && !record.decision;
}

/** Whether the current decision's notice (and what goes with it) is still to go out: its undo window, or a crash. */
function decisionStillOwed(record: CaseRecord): boolean {
  const act = decisionMove(record)?.act;
  return act !== undefined && record.owed.some((item) => item.act === act && item.work.kind !== 'audit');
}

/** The history entry that made the current decision. */
function decisionMove(record: CaseRecord) {
  return record.decision ? record.history.findLast((move) => move.to === record.decision!.outcome) : undefined;
}

function actorOf(staff: Staff): Actor {
  return { kind: 'staff', id: staff.id, name: staff.name };
}

/**
 * {@link questionRefusal}, and for an approval the other open requests under the same national ID,
 * so the committee member hears it when pressing *Approve*, before writing anything.
 */
export async function askRefusal(
  cases: CaseRepository,
  record: CaseRecord,
  purpose: QuestionPurpose,
  requireRecommendation = false,
): Promise<'already' | 'wrong_state' | 'id_shared' | 'no_recommendation' | null> {
  const refused = questionRefusal(record, purpose);
  if (refused) return refused;
  if ((purpose === 'approved' || purpose === 'rejected') && requireRecommendation && !hasRecommendation(record)) return 'no_recommendation';
  if (purpose !== 'approved') return null;
  return (await casesSharingId(cases, record)).length > 0 ? 'id_shared' : null;
}

/** Whether a researcher recommended approval or rejection (notes from before recommendations were structured do not count). */
export function hasRecommendation(record: CaseRecord): boolean {
  return record.recommendation !== null;
}

/** Why `member` may not hand this case over (it is not under study and held; they neither hold it nor administer); null when they may. */
export function handOverRefusal(record: CaseRecord, member: Staff): 'wrong_state' | 'not_allowed' | null {
  if (!isUnderStudy(record) || !record.assignee) return 'wrong_state';
  const holds = record.assignee.id === member.id && may(member, 'study');
  return holds || may(member, 'administer') ? null : 'not_allowed';
}

/** Whether a colleague can be handed a case: active, and able to study cases. */
export function mayTakeOver(member: Staff): boolean {
  return may(member, 'study');
}

/**
 * Why the bot's question about a case cannot be asked as the case stands, when the button is
 * pressed (the act itself checks the case again when the answer comes): `already` for the
 * same decision taken, `wrong_state` otherwise; null when it can.
 */
export function questionRefusal(record: CaseRecord, purpose: QuestionPurpose): 'already' | 'wrong_state' | null {
  switch (purpose) {
    case 'info':
      return record.status === 'in_review' ? null : 'wrong_state';
    case 'note':
    case 'recommend_approve':
    case 'recommend_reject':
      return record.decision === null && isOpen(record.status) ? null : 'wrong_state';
    case 'approved':
    case 'rejected':
      if (record.decision) return record.decision.outcome === purpose ? 'already' : 'wrong_state';
      return record.status === 'in_review' ? null : 'wrong_state';
    case 'reopen':
      return record.status === 'approved' || record.status === 'rejected' ? null : 'wrong_state';
    default:
      return null;
  }
}
