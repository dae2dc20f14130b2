import type { Staff } from '../models/staff.js';
import type { SelfServiceRecord } from '../models/record-repository.js';
import { owedItems } from '../models/owed.js';
import { finishOwed, type OwedWorkDeps } from './owed-work.js';
import { may } from './staff-permissions.js';

/** What came of answering a suggestion or complaint. */
export type FeedbackAnswerResult =
  { ok: true; changed: boolean; reference: string } | { ok: false; reason: 'not_allowed' | 'not_found' | 'answered_by_other'; reference?: string };

/**
 * A complaints handler answers a suggestion or complaint: the answer is stored sealed with
 * what it owes (the author told, the audit entry) in one write under the record's lock, then
 * those are performed; a retry of the same act (`act`, the question's id) only finishes
 * what is still owed, so the author hears it once.
 */
export async function answerFeedback(deps: OwedWorkDeps, recordId: string, staff: Staff, text: string, act: string, now: Date): Promise<FeedbackAnswerResult> {
  if (!may(staff, 'answer_feedback')) return { ok: false, reason: 'not_allowed' };
  const record = await deps.records.get(recordId);
  if (!record) return { ok: false, reason: 'not_found' };
  const actor = { kind: 'staff' as const, id: staff.id, name: staff.name };
  const owe = owedItems(act, [
    { work: { kind: 'audit', key: '', action: 'record.answered', actor, at: now }, dueAt: now },
    { work: { kind: 'notice', key: 'feedback.answered', params: { reference: record.reference, answer: text }, noticeId: `answered:${recordId}` }, dueAt: now },
  ]);
  const outcome = await deps.chatLocks.exclusive(`record:${recordId}`, () => deps.records.answer(recordId, text, staff.id, now, { act, owe }));
  if (outcome === 'answered') await deps.faults?.at('staff-act-written');
  await finishOwed(deps, 'record', recordId, now);
  if (outcome === 'refused') return { ok: false, reason: 'answered_by_other', reference: record.reference };
  return { ok: true, changed: outcome === 'answered', reference: record.reference };
}

/** Whether the member may be asked for their answer to this suggestion or complaint now (the act checks again). */
export async function mayAskAnswer(
  deps: Pick<OwedWorkDeps, 'records'>,
  recordId: string,
  staff: Staff,
): Promise<{ ok: true; record: SelfServiceRecord } | { ok: false; reason: 'not_allowed' | 'not_found' | 'already' }> {
  if (!may(staff, 'answer_feedback')) return { ok: false, reason: 'not_allowed' };
  const record = await deps.records.get(recordId);
  if (!record) return { ok: false, reason: 'not_found' };
  if (record.status !== 'open') return { ok: false, reason: 'already' };
  return { ok: true, record };
}

/** The staff group was told, once, that nobody holds the role a new record needs. */
export async function unassignedNoticed(deps: Pick<OwedWorkDeps, 'records' | 'chatLocks'>, recordId: string): Promise<void> {
  await deps.chatLocks.exclusive(`record:${recordId}`, () => deps.records.unassignedNoticed(recordId));
}
