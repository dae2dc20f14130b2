import type { CaseRepository, CaseRecord } from '../models/case-repository.js';
import type { OpenRequestLocks } from '../models/open-request-locks.js';
import type { AuditLog } from '../models/audit-log.js';
import type { Staff, StaffRole } from '../models/staff.js';
import { CaseTransitionError, isOpen, type Actor } from '../models/case-states.js';
import type { Channel } from '../bots/inbound-message.js';
import type { ChatLocks } from './chat-lock.js';

/** What a staff member asked of a case, and what came of it. */
export type ActionResult =
  | { ok: true; changed: boolean; record: CaseRecord }
  | { ok: false; reason: 'not_allowed' | 'not_found' | 'wrong_state' | 'held_by_other'; record?: CaseRecord };

/** What the case actions work with. */
export interface CaseActionDeps {
  cases: CaseRepository;
  locks: OpenRequestLocks;
  chatLocks: ChatLocks;
  audit: AuditLog;
  /** Tells the beneficiary, on their channel and in their language, once per `noticeId`. */
  notify: (target: { chatKey: string; channel: Channel }, notice: { key: string; params: Record<string, string | number> }, noticeId: string) => Promise<void>;
  /** Schedules the invitation to rate the service after a decision or after the service (once per case and occasion). */
  scheduleSurvey?: (record: CaseRecord, occasion: 'decision' | 'service', at: Date) => Promise<void>;
  clock?: () => Date;
}

const ROLES_FOR = {
  view: ['researcher', 'committee', 'admin'],
  claim: ['researcher'],
  decide: ['committee'],
  advance: ['researcher', 'committee'],
  study: ['researcher'],
} as const satisfies Record<string, readonly StaffRole[]>;

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

/**
 * What staff do to a case: view it, claim it for study, decide it. Each checks the
 * member's role, runs under the case's lock (FerretDB does not serialise writes to
 * one document), moves the case through the transition table with who, when and why,
 * and is idempotent: pressing a button twice changes nothing twice.
 */
export class CaseActions {
  constructor(private readonly deps: CaseActionDeps) {}

  /** The whole case for a staff member's private view; the view is audited. */
  async view(caseId: string, staff: Staff): Promise<ActionResult> {
    if (!allowed(staff, 'view')) return { ok: false, reason: 'not_allowed' };
    const record = await this.deps.cases.get(caseId);
    if (!record) return { ok: false, reason: 'not_found' };
    await this.audit(staff, 'case.viewed', caseId);
    return { ok: true, changed: false, record };
  }

  /** A researcher takes the case for study: submitted → in review, assigned to them. */
  async claim(caseId: string, staff: Staff): Promise<ActionResult> {
    if (!allowed(staff, 'claim')) return { ok: false, reason: 'not_allowed' };
    return this.underLock(caseId, async (record) => {
      if (record.status === 'in_review' && record.assignee?.id === staff.id) return { ok: true, changed: false, record };
      if (record.status !== 'submitted') return { ok: false, reason: record.assignee ? 'held_by_other' : 'wrong_state', record };
      await this.deps.cases.move(caseId, 'in_review', actorOf(staff), this.now(), 'claimed for study', { assignee: { id: staff.id, name: staff.name } });
      await this.audit(staff, 'case.claimed', caseId);
      return { ok: true, changed: true, record: (await this.deps.cases.get(caseId)) ?? record };
    });
  }

  /**
   * The committee's decision: approved with the support granted, or rejected with the
   * reason. The beneficiary is told on their own channel, in their language, once.
   */
  async decide(caseId: string, staff: Staff, outcome: 'approved' | 'rejected', text: string): Promise<ActionResult> {
    if (!allowed(staff, 'decide')) return { ok: false, reason: 'not_allowed' };
    const result = await this.underLock(caseId, async (record): Promise<ActionResult> => {
      if (record.decision) return record.decision.outcome === outcome ? { ok: true, changed: false, record } : { ok: false, reason: 'wrong_state', record };
      if (record.status !== 'in_review') return { ok: false, reason: 'wrong_state', record };
      const at = this.now();
      const decision = { outcome, by: actorOf(staff), at, ...(outcome === 'approved' ? { supportGranted: text } : { reason: text }) };
      await this.deps.cases.move(caseId, outcome, actorOf(staff), at, outcome === 'rejected' ? text : `support granted: ${text}`, { decision });
      // A rejected request is final: the national ID is free for a new one.
      if (outcome === 'rejected') await this.deps.locks.release(record.nationalIdHash, caseId);
      await this.audit(staff, outcome === 'approved' ? 'case.approved' : 'case.rejected', caseId);
      return { ok: true, changed: true, record: (await this.deps.cases.get(caseId)) ?? record };
    });
    if (result.ok) {
      // Outside the case lock and repeated on a second press: the notice id makes it one message.
      const params: Record<string, string> = { reference: result.record.reference, [outcome === 'approved' ? 'support' : 'reason']: text };
      await this.deps.notify({ chatKey: result.record.chatKey, channel: result.record.channel as Channel }, { key: `decision.${outcome}`, params }, `decision-${caseId}`);
      await this.deps.scheduleSurvey?.(result.record, 'decision', this.now());
    }
    return result;
  }

  /**
   * A move after the decision: registration once the requirements are complete, the
   * service delivered, the case closed. The transition table decides what is legal; the
   * beneficiary is told of registration and of the service (service messages, always sent);
   * a closed case frees the national ID for a new request.
   */
  async advance(caseId: string, staff: Staff, to: AfterDecision, reason?: string): Promise<ActionResult> {
    if (!allowed(staff, 'advance')) return { ok: false, reason: 'not_allowed' };
    const result = await this.underLock(caseId, async (record): Promise<ActionResult> => {
      if (record.status === to) return { ok: true, changed: false, record };
      await this.deps.cases.move(caseId, to, actorOf(staff), this.now(), reason);
      if (to === 'closed') await this.deps.locks.release(record.nationalIdHash, caseId);
      await this.audit(staff, AFTER_DECISION[to].audit, caseId);
      return { ok: true, changed: true, record: (await this.deps.cases.get(caseId)) ?? record };
    });
    const notice = AFTER_DECISION[to].notice;
    if (result.ok && notice) {
      await this.deps.notify({ chatKey: result.record.chatKey, channel: result.record.channel as Channel }, { key: notice, params: { reference: result.record.reference } }, `${to}-${caseId}`);
    }
    if (result.ok && to === 'service_delivered') await this.deps.scheduleSurvey?.(result.record, 'service', this.now());
    return result;
  }

  /**
   * A researcher asks the beneficiary for missing or unclear information: the case waits
   * for it (in review → information requested) and the person is asked on their channel,
   * in their language, once per request.
   */
  async requestInfo(caseId: string, staff: Staff, request: { items: InfoItem[]; note: string }): Promise<ActionResult> {
    if (!allowed(staff, 'study')) return { ok: false, reason: 'not_allowed' };
    const result = await this.underLock(caseId, async (record): Promise<ActionResult> => {
      if (record.status !== 'in_review') return { ok: false, reason: 'wrong_state', record };
      await this.deps.cases.requestInfo(caseId, request, actorOf(staff), this.now());
      await this.audit(staff, 'case.information_requested', caseId);
      return { ok: true, changed: true, record: (await this.deps.cases.get(caseId)) ?? record };
    });
    if (result.ok) {
      const count = result.record.history.filter((move) => move.to === 'information_requested').length;
      const params = { caseId, reference: result.record.reference, items: request.items.join(','), note: request.note };
      await this.deps.notify({ chatKey: result.record.chatKey, channel: result.record.channel as Channel }, { key: 'info.requested', params }, `info-${caseId}-${count}`);
    }
    return result;
  }

  /** A researcher's field-visit note and recommendation, for the committee; any time before the decision, while the case is open (not withdrawn or erased). */
  async addNote(caseId: string, staff: Staff, text: string): Promise<ActionResult> {
    if (!allowed(staff, 'study')) return { ok: false, reason: 'not_allowed' };
    return this.underLock(caseId, async (record): Promise<ActionResult> => {
      if (record.decision || !isOpen(record.status)) return { ok: false, reason: 'wrong_state', record };
      await this.deps.cases.addNote(caseId, text, staff.name, this.now());
      await this.audit(staff, 'case.note_added', caseId);
      return { ok: true, changed: true, record: (await this.deps.cases.get(caseId)) ?? record };
    });
  }

  private async underLock(caseId: string, work: (record: CaseRecord) => Promise<ActionResult>): Promise<ActionResult> {
    return this.deps.chatLocks.exclusive(`case:${caseId}`, async () => {
      const record = await this.deps.cases.get(caseId);
      if (!record) return { ok: false, reason: 'not_found' } as const;
      try {
        return await work(record);
      } catch (error) {
        if (error instanceof CaseTransitionError) return { ok: false, reason: 'wrong_state', record } as const;
        throw error;
      }
    });
  }

  private async audit(staff: Staff, action: string, caseId: string): Promise<void> {
    await this.deps.audit.record({ at: this.now(), actor: actorOf(staff), action, target: { kind: 'case', id: caseId } });
  }

  private now(): Date {
    return this.deps.clock?.() ?? new Date();
  }
}

function allowed(staff: Staff, action: keyof typeof ROLES_FOR): boolean {
  return staff.active && staff.roles.some((role) => (ROLES_FOR[action] as readonly string[]).includes(role));
}

function actorOf(staff: Staff): Actor {
  return { kind: 'staff', id: staff.id, name: staff.name };
}
