import { documentsSentLater } from '../engine/flow-definition.js';
import type { KeyRing } from '../privacy/key-ring.js';
import type { CaseRepository } from '../models/case-repository.js';
import type { OpenRequestLocks, OpenRequestLock } from '../models/open-request-locks.js';
import type { AuditLog } from '../models/audit-log.js';
import { isOpen } from '../models/case-states.js';
import type { EngineRequest } from '../engine/events.js';
import type { Channel } from '../core/channel.js';
import { expectedAnswerDate } from '../core/calendar.js';
import { referenceFromSeed } from '../core/reference.js';
import { caseIdOf } from './identifiers.js';

/** Lets tests crash a submission at a chosen step; production passes nothing. */
export interface FaultInjector {
  at(point: string): void;
}

export type SubmitRequest = Extract<EngineRequest, { type: 'submit_case' }>;

/** Where a submission came from. */
export interface SubmissionOrigin {
  chatKey: string;
  channel: Channel;
  now: Date;
}

/**
 * What a submission achieved: a case with its reference and date, or a refusal because this
 * chat already has an open request under the ID.
 */
export type SubmissionOutcome = { outcome: 'submitted'; caseId: string; reference: string; expectedBy: Date } | { outcome: 'duplicate' };

/** When a person who promised documents later is reminded, unless configured: three days. */
const DEFAULT_DOCUMENTS_REMINDER_MS = 3 * 86_400_000;

/** Dependencies of the submission use case. */
export interface SubmissionDeps {
  keys: KeyRing;
  cases: CaseRepository;
  locks: OpenRequestLocks;
  audit: AuditLog;
  committeeDays: number;
  /** Whether the committee's days are calendar days or working days (Sunday to Thursday). */
  committeeDayCount?: 'calendar' | 'working';
  /** The day after submission on which researchers are reminded (counted the same way); none when absent. */
  committeeReminderDay?: number;
  /** After submission, when a person who promised documents later is reminded of them (DOCUMENTS_REMINDER_DAYS). */
  documentsReminderMs?: number;
  /** A pending lock older than this is a crashed submission, for the sweeper to finish or undo. */
  staleLockMs: number;
  faults?: FaultInjector;
}

/**
 * Submits a support request, crash-safe without transactions.
 *
 * 1. refuse only when this same chat already has an open request under the ID;
 * 2. take the lock on the national ID (unique insert), unless another chat's open request
 *    holds it: then this request is taken all the same, and staff see the two side by side
 *    (the person is told nothing different, so no one learns that the ID is known, and its
 *    owner is never turned away by someone who used it first);
 * 3. insert the case under an id derived from the draft (a retry inserts nothing);
 * 4. mark the lock active.
 * Each step is idempotent, so the retried inbound message repeats the whole
 * submission and lands on the same case; a crash that is never retried leaves a
 * pending lock that {@link resolveStaleLock} finishes or rolls back.
 */
export async function submitCase(deps: SubmissionDeps, request: SubmitRequest, origin: SubmissionOrigin): Promise<SubmissionOutcome> {
  const caseId = caseIdOf(request.submissionId, origin.chatKey);
  const nationalId = String(request.answers.national_id ?? '');
  const nationalIdHash = deps.keys.lookupHash('national-id', nationalId);

  const open = await deps.cases.openWithId(nationalIdHash);
  if (open.some((c) => c.chatKey === origin.chatKey && c.id !== caseId)) return { outcome: 'duplicate' };
  const lock = await takeLock(deps, nationalIdHash, caseId, origin.now);
  deps.faults?.at('after-lock');

  const submittedAt = lock?.createdAt ?? origin.now;
  const expectedBy = expectedAnswerDate(submittedAt, { days: deps.committeeDays, mode: deps.committeeDayCount ?? 'calendar' });
  const remindAt =
    deps.committeeReminderDay === undefined
      ? undefined
      : expectedAnswerDate(submittedAt, { days: deps.committeeReminderDay, mode: deps.committeeDayCount ?? 'calendar' });
  const receipt = await insertCase(deps, request, origin, { caseId, nationalIdHash, submittedAt, expectedBy, ...(remindAt ? { remindAt } : {}) });
  deps.faults?.at('after-case');

  if (lock && !(await deps.locks.activate(nationalIdHash, caseId))) {
    // The sweeper rolled the lock back while this submission was slow: take it again for the case now written.
    const retaken = await deps.locks.acquire(nationalIdHash, caseId, origin.now);
    if (retaken.caseId === caseId) await deps.locks.activate(nationalIdHash, caseId);
  }
  deps.faults?.at('after-activate');
  await deps.audit.recordOnce(`submitted:${caseId}`, {
    at: origin.now,
    actor: { kind: 'beneficiary', id: origin.chatKey },
    action: 'case.submitted',
    target: { kind: 'case', id: caseId },
    details: { channel: origin.channel, declarationVersion: request.declaration.version, sharesId: lock === null || open.some((c) => c.id !== caseId) },
  });
  return { outcome: 'submitted', caseId, ...receipt };
}

/**
 * Takes the ID's lock for `caseId`, clearing a lock left by a case that is no longer open; null
 * when another open request (or a submission being written) holds it.
 */
async function takeLock(deps: SubmissionDeps, nationalIdHash: string, caseId: string, now: Date): Promise<OpenRequestLock | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const lock = await deps.locks.acquire(nationalIdHash, caseId, now);
    if (lock.caseId === caseId) return lock;
    const holder = await deps.cases.statusOf(lock.caseId);
    if (holder && isOpen(holder.status)) return null;
    if (!holder && lock.state === 'pending' && now.getTime() - lock.createdAt.getTime() < deps.staleLockMs) return null;
    // The holder's case ended, or never came to be: the lock is stale.
    if (holder) await deps.locks.release(nationalIdHash, lock.caseId);
    else await resolveStaleLock(deps, lock);
  }
  return null;
}

async function insertCase(
  deps: SubmissionDeps,
  request: SubmitRequest,
  origin: SubmissionOrigin,
  ids: { caseId: string; nationalIdHash: string; submittedAt: Date; expectedBy: Date; remindAt?: Date },
): Promise<{ reference: string; expectedBy: Date }> {
  const existing = await deps.cases.receiptOf(ids.caseId);
  if (existing) return existing;
  // The reference is derived from a keyed hash of the draft: unguessable, yet the same on a retry.
  // A duplicate reference (40 bits: rare, not impossible) leaves no case, and the next seed is tried.
  for (let attempt = 0; attempt < 5; attempt++) {
    const seed = Buffer.from(deps.keys.lookupHash('reference', `${request.submissionId}:${attempt}`), 'hex');
    await deps.cases.insertSubmitted({
      id: ids.caseId,
      reference: referenceFromSeed('SR', seed),
      channel: origin.channel,
      chatKey: origin.chatKey,
      lang: request.lang,
      nationalIdHash: ids.nationalIdHash,
      supportType: String(request.answers.support_type ?? 'other'),
      city: String(request.answers.city ?? ''),
      answers: request.answers,
      documentIds: request.documentIds,
      declaration: { ...request.declaration, acceptedAt: new Date(request.declaration.acceptedAt) },
      flow: { id: request.flow, version: request.flowVersion },
      submittedAt: ids.submittedAt,
      expectedBy: ids.expectedBy,
      ...(ids.remindAt ? { remindAt: ids.remindAt } : {}),
      // The document questions answered "later": the case lists them until they come, and the person is reminded once.
      documentsLater: documentsSentLater(request.answers),
      documentsReminderAt: new Date(ids.submittedAt.getTime() + (deps.documentsReminderMs ?? DEFAULT_DOCUMENTS_REMINDER_MS)),
      by: { kind: 'beneficiary', id: origin.chatKey },
    });
    const stored = await deps.cases.receiptOf(ids.caseId);
    if (stored) return stored;
  }
  throw new Error('could not store the case');
}

/**
 * Finishes or undoes a submission a crash left half done: a pending lock whose case
 * exists is activated; one whose case was never written is released, so the person
 * (or anyone with that ID) can submit again.
 */
export async function resolveStaleLock(deps: Pick<SubmissionDeps, 'cases' | 'locks'>, lock: OpenRequestLock): Promise<'finished' | 'rolled_back'> {
  const holder = await deps.cases.statusOf(lock.caseId);
  // A case that is no longer open (a reopening that stopped before its move) does not keep the ID.
  if (holder && isOpen(holder.status)) {
    await deps.locks.activate(lock.nationalIdHash, lock.caseId);
    return 'finished';
  }
  await deps.locks.releasePending(lock.nationalIdHash, lock.caseId);
  return 'rolled_back';
}
