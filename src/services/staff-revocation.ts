import type { CaseRecord, CaseRepository } from '../models/case-repository.js';
import type { Referral, ReferralRepository } from '../models/referral-repository.js';
import type { StaffRepository } from '../models/staff.js';
import type { StaffQuestions } from '../models/staff-questions.js';
import type { CaseActions } from './case-actions.js';
import { may, QUESTION_PERMISSION } from './staff-permissions.js';

/** What carrying a change of roles through works with; the two callbacks are the channel's part (telling people). */
export interface RevocationDeps {
  staff: StaffRepository;
  questions: StaffQuestions;
  referrals: ReferralRepository;
  cases: CaseRepository;
  actions: CaseActions;
  /** Hands a referral back to waiting and tells the person another researcher will come. */
  handBackReferral: (referral: Referral) => Promise<void>;
  /** A case went back to the queue: the group is told. */
  caseReleased: (record: CaseRecord) => Promise<void>;
}

/** A researcher holds at most one referral; the bound only keeps a bad record from looping. */
const MAX_REFERRALS = 10;

/**
 * Carries through the changes of roles and removals the CLI recorded (`revokeDueAt` on the
 * member): the member's questions that need a role they no longer hold are withdrawn, their
 * referral goes back to waiting, the cases they hold go back to the queue. Every act also
 * checks the role at its own moment (services/staff-permissions.ts); this takes away what the
 * member was in the middle of. Each step is safe to repeat; the mark is cleared last, and only
 * for the change seen, so a crash or a second change meanwhile is carried through next time.
 * Returns how many members were settled.
 */
export async function settleRevocations(deps: RevocationDeps): Promise<number> {
  let settled = 0;
  const failed: unknown[] = [];
  for (const { staffId, dueAt } of await deps.staff.revocationsDue()) {
    // One member whose hand-back keeps failing (Telegram refusing a message) must not hold back the others.
    try {
      await settleOne(deps, staffId, dueAt);
      settled += 1;
    } catch (error) {
      failed.push(error);
    }
  }
  // Thrown after the others were done, so the alert poster logs it and the next run tries again.
  if (failed.length > 0) throw failed[0];
  return settled;
}

async function settleOne(deps: RevocationDeps, staffId: string, dueAt: Date): Promise<void> {
  const member = await deps.staff.get(staffId);
  for (const question of await deps.questions.pendingFor(staffId)) {
    if (!may(member, QUESTION_PERMISSION[question.purpose])) await deps.questions.end(question.id, 'revoked');
  }
  if (!may(member, 'relay')) {
    for (
      let i = 0, referral = await deps.referrals.activeFor(staffId);
      referral && i < MAX_REFERRALS;
      i++, referral = await deps.referrals.activeFor(staffId)
    ) {
      await deps.handBackReferral(referral);
    }
  }
  if (!may(member, 'study')) {
    for (const caseId of await deps.cases.heldBy(staffId)) {
      if (!(await deps.actions.releaseHeld(caseId, staffId, { kind: 'system', id: 'staff-roles' }))) continue;
      const record = await deps.cases.get(caseId);
      if (record) await deps.caseReleased(record);
    }
  }
  await deps.staff.revocationSettled(staffId, dueAt);
}
