import { createHash } from 'node:crypto';
import type { Channel } from '../bots/inbound-message.js';
import type { EngineRequest } from '../engine/events.js';
import type { AuditLog } from '../models/audit-log.js';
import type { CaseRepository } from '../models/case-repository.js';
import { CaseTransitionError, isOpen, type Actor } from '../models/case-states.js';
import type { ConversationRepository } from '../models/conversation-repository.js';
import type { DocumentStore } from '../models/document-store.js';
import type { ErasureRepository, ErasureRequest } from '../models/erasure-repository.js';
import type { InboxRepository } from '../models/inbox-repository.js';
import type { OpenRequestLocks } from '../models/open-request-locks.js';
import type { RecordRepository } from '../models/record-repository.js';
import type { ReferralRepository } from '../models/referral-repository.js';
import type { SurveyRepository } from '../models/survey-repository.js';
import type { ChatLocks } from './chat-lock.js';
import { referenceFromSeed } from './reference.js';

/** What erasing a person's data works with: every store that holds something of theirs. */
export interface ErasureDeps {
  erasures: ErasureRepository;
  cases: CaseRepository;
  records: RecordRepository;
  surveys: SurveyRepository;
  referrals: ReferralRepository;
  inbox: InboxRepository;
  conversations: ConversationRepository;
  documents: DocumentStore;
  locks: OpenRequestLocks;
  chatLocks: ChatLocks;
  audit: AuditLog;
  /** Tells the person the outcome in their chat, in their language, once (by notice id). */
  notify: (target: { chatKey: string; channel: Channel }, notice: { key: string; params: Record<string, string | number> }, noticeId: string) => Promise<void>;
  /** Hurries the administrators' alert along; the request's pending alert is the guarantee. */
  onErasureRequested?: () => Promise<void>;
}

/** What an erasure removed: counts only. */
export type ErasedCounts = NonNullable<ErasureRequest['erased']>;

/** The outcome of an administrator's decision. */
export type ErasureDecision =
  | { outcome: 'erased'; request: ErasureRequest; erased: ErasedCounts }
  | { outcome: 'refused'; request: ErasureRequest }
  /** Decided before (by this or another administrator): nothing changed. */
  | { outcome: 'already'; request: ErasureRequest }
  | { outcome: 'not_found' };

/** The id of the erasure request a draft becomes: derived, so the retried message finds its own request. */
export function erasureIdOf(requestId: string, chatKey: string): string {
  return `del_${createHash('sha256').update(`erasure:${chatKey}:${requestId}`).digest('hex').slice(0, 24)}`;
}

/**
 * Records a person's request to erase their data, for an administrator to decide. One
 * pending request per chat: asking again gives the same reference. Runs while the chat's
 * lock is held (it is a step's request), so two of the chat's messages cannot race here.
 */
export async function requestErasure(
  deps: Pick<ErasureDeps, 'erasures' | 'audit' | 'onErasureRequested'>,
  request: Extract<EngineRequest, { type: 'request_erasure' }>,
  origin: { chatKey: string; channel: Channel; now: Date },
): Promise<{ outcome: 'recorded' | 'pending'; reference: string }> {
  const id = erasureIdOf(request.requestId, origin.chatKey);
  const own = await deps.erasures.get(id);
  if (own) return { outcome: 'recorded', reference: own.reference };
  const pending = await deps.erasures.pendingFor(origin.chatKey);
  if (pending) return { outcome: 'pending', reference: pending.reference };
  for (let attempt = 0; attempt < 5; attempt++) {
    const reference = referenceFromSeed('DEL', Buffer.from(`${id}:${attempt}`));
    if (!(await deps.erasures.insert({ id, reference, chatKey: origin.chatKey, channel: origin.channel, requestedAt: origin.now }))) {
      // The id taken means a retry got here first; otherwise the reference clashed: try the next.
      const mine = await deps.erasures.get(id);
      if (mine) return { outcome: 'recorded', reference: mine.reference };
      continue;
    }
    await deps.audit.recordOnce(`erasure-requested:${id}`, {
      at: origin.now,
      actor: { kind: 'beneficiary', id: origin.chatKey },
      action: 'privacy.erasure_requested',
      target: { kind: 'erasure', id },
      details: { channel: origin.channel },
    });
    await deps.onErasureRequested?.().catch(() => undefined);
    return { outcome: 'recorded', reference };
  }
  throw new Error('could not find a free reference for an erasure request');
}

/**
 * An administrator's decision on an erasure request. Approval erases at once (see
 * {@link eraseChat}) and tells the person; refusal tells them too. Deciding twice, or a
 * second administrator deciding, changes nothing. An approval whose erasure was cut short
 * by a crash is finished here when approved again, or by the sweeper.
 */
export async function decideErasure(deps: ErasureDeps, id: string, approve: boolean, by: Actor, now: Date): Promise<ErasureDecision> {
  const request = await deps.erasures.get(id);
  if (!request) return { outcome: 'not_found' };
  const decided = await deps.chatLocks.exclusive(`erasure:${id}`, () => deps.erasures.decide(id, approve ? 'approved' : 'refused', by, now));
  if (!decided) {
    if (approve && request.status === 'approved') return finishErasure(deps, id, now);
    return { outcome: 'already', request };
  }
  await deps.audit.recordOnce(`erasure-decided:${id}`, {
    at: now,
    actor: by,
    action: approve ? 'privacy.erasure_approved' : 'privacy.erasure_refused',
    target: { kind: 'erasure', id },
    details: { reference: request.reference },
  });
  if (approve) return finishErasure(deps, id, now);
  await deps.notify({ chatKey: request.chatKey, channel: request.channel as Channel }, { key: 'erase.refused', params: { reference: request.reference } }, `erasure:${id}`);
  return { outcome: 'refused', request: { ...request, status: 'refused' } };
}

/** Carries out an approved erasure and tells the person; safe to repeat (the sweeper finishes one a crash cut short). */
export async function finishErasure(deps: ErasureDeps, id: string, now: Date): Promise<ErasureDecision> {
  const request = await deps.erasures.get(id);
  if (!request) return { outcome: 'not_found' };
  if (request.status !== 'approved') return { outcome: 'already', request };
  const erased = await eraseChat(deps, request.chatKey, now);
  // Told after the erasure: the notice lands in the fresh conversation, in the language the person used.
  await deps.notify({ chatKey: request.chatKey, channel: request.channel as Channel }, { key: 'erase.done', params: { reference: request.reference } }, `erasure:${id}`);
  await deps.chatLocks.exclusive(`erasure:${id}`, () => deps.erasures.done(id, erased));
  await deps.audit.recordOnce(`erased:${id}`, {
    at: now,
    actor: { kind: 'system', id: 'erasure' },
    action: 'privacy.erased',
    target: { kind: 'erasure', id },
    details: { ...erased },
  });
  return { outcome: 'erased', request: { ...request, status: 'done', erased }, erased };
}

/**
 * Erases what the association holds about one chat: its open request is withdrawn, every
 * case anonymised (see {@link CaseRepository.anonymise}), suggestions, volunteering,
 * ratings' comments and referrals emptied, every document it sent deleted, and the
 * conversation started afresh. Kept: anonymous statistics, the decisions and the audit
 * log (which names the chat only by its keyed hash). Each write is under its record's lock.
 */
export async function eraseChat(deps: ErasureDeps, chatKey: string, now: Date): Promise<ErasedCounts> {
  const documentIds = new Set(await deps.documents.idsOfChat(chatKey));
  const caseIds = await deps.cases.idsOfChat(chatKey);
  for (const caseId of caseIds) {
    const held = await deps.chatLocks.exclusive(`case:${caseId}`, async () => {
      const current = await deps.cases.statusOf(caseId);
      if (current && isOpen(current.status)) {
        try {
          await deps.cases.move(caseId, 'withdrawn', { kind: 'system', id: 'erasure' }, now, 'data erased at the person’s request');
        } catch (error) {
          if (!(error instanceof CaseTransitionError)) throw error;
        }
      }
      return deps.cases.anonymise(caseId, 'erasure', now);
    });
    if (!held) continue;
    held.documentIds.forEach((d) => documentIds.add(d));
    await deps.locks.release(held.nationalIdHash, caseId);
  }
  const recordIds = await deps.records.idsOfChat(chatKey);
  for (const recordId of recordIds) {
    const files = await deps.chatLocks.exclusive(`record:${recordId}`, () => deps.records.anonymise(recordId));
    files.forEach((d) => documentIds.add(d));
  }
  const surveyIds = await deps.surveys.idsOfChat(chatKey);
  for (const surveyId of surveyIds) await deps.chatLocks.exclusive(`survey:${surveyId}`, () => deps.surveys.anonymise(surveyId));
  const referralIds = await deps.referrals.idsOfChat(chatKey);
  for (const referralId of referralIds) await deps.chatLocks.exclusive(`referral:${referralId}`, () => deps.referrals.anonymise(referralId, now));
  await deps.documents.delete([...documentIds]);
  await deps.inbox.removeSetAside(chatKey);
  await deps.chatLocks.exclusive(`chat:${chatKey}`, () => deps.conversations.erase(chatKey, now));
  return { cases: caseIds.length, records: recordIds.length, surveys: surveyIds.length, referrals: referralIds.length, documents: documentIds.size };
}

/**
 * The retention schedule, run by the sweeper: a finished case gets its date once
 * (`retainUntil`, in MongoDB, so a wiped Redis or a restart loses none), and a case past it
 * is anonymised and its documents deleted. Returns how many were anonymised.
 */
export async function applyRetention(deps: Pick<ErasureDeps, 'cases' | 'documents' | 'locks' | 'chatLocks' | 'audit'>, retentionMs: number, now: Date): Promise<number> {
  for (const { id, finalAt } of await deps.cases.awaitingRetentionDate()) {
    await deps.chatLocks.exclusive(`case:${id}`, () => deps.cases.setRetention(id, new Date(finalAt.getTime() + retentionMs)));
  }
  let anonymised = 0;
  for (const id of await deps.cases.retentionDue(now)) {
    const held = await deps.chatLocks.exclusive(`case:${id}`, () => deps.cases.anonymise(id, 'retention', now));
    if (!held) continue;
    await deps.documents.delete(held.documentIds);
    await deps.locks.release(held.nationalIdHash, id);
    await deps.audit.recordOnce(`retention:${id}`, { at: now, actor: { kind: 'system', id: 'retention' }, action: 'case.anonymised', target: { kind: 'case', id }, details: { documents: held.documentIds.length } });
    anonymised += 1;
  }
  return anonymised;
}
