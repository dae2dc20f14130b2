import { createHash } from 'node:crypto';
import type { Channel } from '../core/channel.js';
import type { EngineRequest } from '../engine/events.js';
import type { AuditLog } from '../models/audit-log.js';
import type { CaseRepository } from '../models/case-repository.js';
import { ERASED } from '../models/erased.js';
import { canMove, CaseTransitionError, isOpen, type Actor } from '../models/case-states.js';
import type { ConversationRepository } from '../models/conversation-repository.js';
import type { DocumentStore } from '../models/document-store.js';
import type { ErasureRepository, ErasureRequest } from '../models/erasure-repository.js';
import type { InboxRepository } from '../models/inbox-repository.js';
import type { WhatsAppIdentities } from '../models/whatsapp-identities.js';
import type { OpenRequestLocks } from '../models/open-request-locks.js';
import type { RecordRepository } from '../models/record-repository.js';
import type { ReferralRepository } from '../models/referral-repository.js';
import type { SurveyRepository } from '../models/survey-repository.js';
import type { ChatLocks } from './chat-lock.js';
import { referenceFromSeed } from '../core/reference.js';

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
  /** The person's WhatsApp ids, recorded with the id their conversation is kept under (one may be their number). */
  whatsappIds: Pick<WhatsAppIdentities, 'eraseChat'>;
  chatLocks: ChatLocks;
  audit: AuditLog;
  /** Tells the person the outcome in their chat, in their language, once (by notice id). */
  notify: (target: { chatKey: string; channel: Channel }, notice: { key: string; params: Record<string, string | number> }, noticeId: string) => Promise<void>;
  /** Hurries the administrators' side along (a request to announce, an approval to carry out); MongoDB holds what is waiting, the sweeper is the backstop. */
  hurryAdministrators?: () => Promise<void>;
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
  deps: Pick<ErasureDeps, 'erasures' | 'audit' | 'hurryAdministrators'>,
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
    await deps.hurryAdministrators?.().catch(() => undefined);
    return { outcome: 'recorded', reference };
  }
  throw new Error('could not find a free reference for an erasure request');
}

/** The administrators were told of the request (the alert is owed until one of them is). */
export async function erasureAlertSent(deps: Pick<ErasureDeps, 'erasures' | 'chatLocks'>, id: string): Promise<void> {
  await deps.chatLocks.exclusive(`erasure:${id}`, () => deps.erasures.alertSent(id));
}

/**
 * An administrator's decision on an erasure request: recorded (the first decision stands;
 * a second, by anyone, changes nothing) and, for a refusal, told to the person. An approval
 * is carried out by {@link finishErasure}, which the caller runs now (the CLI) or leaves to a
 * worker (a Telegram press must not hold up the bot's updates); the sweeper is the backstop.
 */
export async function recordDecision(
  deps: ErasureDeps,
  id: string,
  approve: boolean,
  by: Actor,
  now: Date,
): Promise<{ outcome: 'approved' | 'refused' | 'already'; request: ErasureRequest } | { outcome: 'not_found' }> {
  const request = await deps.erasures.get(id);
  if (!request) return { outcome: 'not_found' };
  const decided = await deps.chatLocks.exclusive(`erasure:${id}`, () => deps.erasures.decide(id, approve ? 'approved' : 'refused', by, now));
  if (!decided) return { outcome: 'already', request };
  await deps.audit.recordOnce(`erasure-decided:${id}`, {
    at: now,
    actor: by,
    action: approve ? 'privacy.erasure_approved' : 'privacy.erasure_refused',
    target: { kind: 'erasure', id },
    details: { reference: request.reference },
  });
  if (!approve) await tellRefusal(deps, id, now);
  return { outcome: approve ? 'approved' : 'refused', request: { ...request, status: approve ? 'approved' : 'refused' } };
}

/** Tells the person their request was refused, once (the notice id), and records it; the sweeper retries one a crash left untold. */
export async function tellRefusal(deps: ErasureDeps, id: string, now: Date): Promise<void> {
  const request = await deps.erasures.get(id);
  if (!request || request.status !== 'refused' || request.notifiedAt) return;
  await deps.notify(
    { chatKey: request.chatKey, channel: request.channel as Channel },
    { key: 'erase.refused', params: { reference: request.reference } },
    `erasure:${id}`,
  );
  await deps.chatLocks.exclusive(`erasure:${id}`, () => deps.erasures.markNotified(id, now));
}

/** A decision and, for an approval, the erasure itself, at once: what the command line does. */
export async function decideErasure(deps: ErasureDeps, id: string, approve: boolean, by: Actor, now: Date): Promise<ErasureDecision> {
  const decision = await recordDecision(deps, id, approve, by, now);
  if (decision.outcome === 'not_found') return decision;
  if (decision.outcome === 'refused') return { outcome: 'refused', request: decision.request };
  // Approved now, or approved before and cut short by a crash: finishing is safe to repeat.
  if (decision.outcome === 'approved' || (approve && decision.request.status === 'approved')) return finishErasure(deps, id, now);
  return { outcome: 'already', request: decision.request };
}

/**
 * Carries out an approved erasure and tells the person. Held under the request's lock from
 * start to end, so two runs (a press and the sweeper) never overlap; the data's removal is
 * recorded before the notice, so a run after a crash only tells the person (erasing the
 * conversation again would drop the notice's reply not yet sent).
 */
export async function finishErasure(deps: ErasureDeps, id: string, now: Date): Promise<ErasureDecision> {
  return deps.chatLocks.exclusive(
    `erasure:${id}`,
    async (): Promise<ErasureDecision> => {
      const request = await deps.erasures.get(id);
      if (!request) return { outcome: 'not_found' };
      if (request.status !== 'approved') return { outcome: 'already', request };
      let erased = request.erased;
      if (!erased) {
        erased = await eraseChat(deps, request.chatKey, now);
        await deps.erasures.recordErased(id, erased);
      }
      // Told after the erasure: the notice lands in the fresh conversation, in the language the person used.
      await deps.notify(
        { chatKey: request.chatKey, channel: request.channel as Channel },
        { key: 'erase.done', params: { reference: request.reference } },
        `erasure:${id}`,
      );
      await deps.erasures.done(id, now);
      await deps.audit.recordOnce(`erased:${id}`, {
        at: now,
        actor: { kind: 'system', id: 'erasure' },
        action: 'privacy.erased',
        target: { kind: 'erasure', id },
        details: { ...erased },
      });
      return { outcome: 'erased', request: { ...request, status: 'done', erased }, erased };
    },
    // Long enough for an erasure already running to end.
    120_000,
  );
}

/**
 * Erases what the association holds about one chat: its open request is ended (withdrawn,
 * or closed once decided), every case anonymised (see {@link CaseRepository.anonymise}),
 * suggestions, volunteering, rating comments and referrals emptied, every document it sent
 * deleted, and the conversation started afresh. Kept: anonymous statistics, the decisions
 * and the audit log (which names the chat only by its keyed hash).
 *
 * All of it under the chat's lock, so nothing the person sends meanwhile slips past (the
 * chat's worker waits); each record's own lock is taken inside it, in the order the worker
 * takes them (chat, then case, record, survey or referral).
 */
export async function eraseChat(deps: ErasureDeps, chatKey: string, now: Date): Promise<ErasedCounts> {
  return deps.chatLocks.exclusive(`chat:${chatKey}`, async () => {
    let documents = 0;
    const caseIds = await deps.cases.idsOfChat(chatKey);
    for (const caseId of caseIds) {
      documents += await deps.chatLocks.exclusive(`case:${caseId}`, async () => {
        await endCase(deps, caseId, now);
        return anonymiseCase(deps, caseId, 'erasure', now);
      });
    }
    const recordIds = await deps.records.idsOfChat(chatKey);
    for (const recordId of recordIds) {
      const files = await deps.chatLocks.exclusive(`record:${recordId}`, async () => {
        const held = await deps.records.anonymise(recordId);
        await deps.documents.delete(held);
        return held.length;
      });
      documents += files;
    }
    const surveyIds = await deps.surveys.idsOfChat(chatKey);
    for (const surveyId of surveyIds) await deps.chatLocks.exclusive(`survey:${surveyId}`, () => deps.surveys.anonymise(surveyId));
    const referralIds = await deps.referrals.idsOfChat(chatKey);
    for (const referralId of referralIds) await deps.chatLocks.exclusive(`referral:${referralId}`, () => deps.referrals.anonymise(referralId, now));
    // Files of an unfinished draft, or sent where none was asked for: whatever else the chat sent.
    const loose = await deps.documents.idsOfChat(chatKey);
    await deps.documents.delete(loose);
    documents += loose.length;
    await deps.inbox.removeSetAside(chatKey);
    await deps.conversations.erase(chatKey, now);
    await deps.whatsappIds.eraseChat(chatKey);
    return { cases: caseIds.length, records: recordIds.length, surveys: surveyIds.length, referrals: referralIds.length, documents };
  });
}

/** Ends a case still open: withdrawn before a decision, closed after one (the only ways out the state table allows). */
async function endCase(deps: ErasureDeps, caseId: string, now: Date): Promise<void> {
  const current = await deps.cases.statusOf(caseId);
  if (!current || !isOpen(current.status)) return;
  const to = canMove(current.status, 'withdrawn') ? 'withdrawn' : 'closed';
  try {
    await deps.cases.move(caseId, to, { kind: 'system', id: 'erasure' }, now, 'data erased at the person’s request');
  } catch (error) {
    if (!(error instanceof CaseTransitionError)) throw error;
  }
}

/**
 * Deletes a case's documents, frees its national ID, anonymises it and drops the comments
 * of its ratings, in that order, so a crash part-way leaves the rest to a retry (the
 * anonymisation is what marks it done). Returns how many documents went. The caller holds
 * the case's lock.
 */
async function anonymiseCase(
  deps: Pick<ErasureDeps, 'cases' | 'documents' | 'locks' | 'surveys' | 'chatLocks'>,
  caseId: string,
  because: 'erasure' | 'retention',
  now: Date,
): Promise<number> {
  const refs = await deps.cases.personalRefs(caseId);
  if (!refs) return 0;
  await deps.documents.delete(refs.documentIds);
  if (refs.nationalIdHash !== ERASED) await deps.locks.release(refs.nationalIdHash, caseId);
  await deps.cases.anonymise(caseId, because, now);
  for (const surveyId of await deps.surveys.idsOfCase(caseId)) await deps.chatLocks.exclusive(`survey:${surveyId}`, () => deps.surveys.anonymise(surveyId));
  return refs.documentIds.length;
}

/**
 * The retention schedule, run by the sweeper: a finished case gets its date once
 * (`retainUntil`, in MongoDB, so a wiped Redis or a restart loses none), and a case past it
 * is anonymised with its documents and its ratings' comments. One case that fails is
 * logged and left for the next sweep; the others go on. Returns how many were anonymised.
 */
export async function applyRetention(
  deps: Pick<ErasureDeps, 'cases' | 'documents' | 'locks' | 'surveys' | 'chatLocks' | 'audit'>,
  retentionMs: number,
  now: Date,
  onError: (caseId: string, error: unknown) => void,
): Promise<number> {
  for (const { id, finalAt } of await deps.cases.awaitingRetentionDate()) {
    await deps.chatLocks.exclusive(`case:${id}`, () => deps.cases.setRetention(id, new Date(finalAt.getTime() + retentionMs)));
  }
  let anonymised = 0;
  for (const id of await deps.cases.retentionDue(now)) {
    try {
      const documents = await deps.chatLocks.exclusive(`case:${id}`, () => anonymiseCase(deps, id, 'retention', now));
      await deps.audit.recordOnce(`retention:${id}`, {
        at: now,
        actor: { kind: 'system', id: 'retention' },
        action: 'case.anonymised',
        target: { kind: 'case', id },
        details: { documents },
      });
      anonymised += 1;
    } catch (error) {
      onError(id, error);
    }
  }
  return anonymised;
}
