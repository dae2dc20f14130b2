import type { EngineRequest } from '../engine/events.js';
import type { OpenCaseSummary, RequestResult } from '../engine/input.js';
import type { AnswerValue, Language } from '../engine/session.js';
import { CaseTransitionError, isOpen } from '../models/case-states.js';
import type { Channel } from '../core/channel.js';
import { readableDate } from '../core/calendar.js';
import { submitCase, type SubmissionDeps } from './submission.js';
import type { ChatLocks } from './chat-lock.js';
import { submitRecord, type RecordDeps } from './records.js';
import type { AttemptCounter } from './attempt-counter.js';
import type { SurveyRepository } from '../models/survey-repository.js';
import { createHash } from 'node:crypto';
import { closeReferral, openReferral, relayToResearcher, type ReferralDeps } from './referrals.js';
import { requestErasure, type ErasureDeps } from './erasure.js';

/** Dependencies of {@link resolveRequest}: the submission's, the locks that serialise writes to a case, and who to tell of a new case. */
export type RequestDeps = SubmissionDeps &
  RecordDeps &
  ReferralDeps &
  Pick<ErasureDeps, 'erasures' | 'hurryAdministrators'> & {
    chatLocks: ChatLocks;
    attempts: AttemptCounter;
    surveys: SurveyRepository;
    onCaseSubmitted?: (caseId: string, channel: Channel) => Promise<void>;
    /** Hurries the researcher's alert along when information was provided (the case's flag is the guarantee). */
    onInfoProvided?: () => Promise<void>;
  };

/** The chat a request comes from. */
export interface RequestOrigin {
  chatKey: string;
  channel: Channel;
  lang: Language;
  now: Date;
  /** The inbound message being handled (its mark): what a relayed message is keyed by. */
  messageMark: string;
}

/**
 * Does what the engine asked for (look-ups, submission, withdrawal) and returns the
 * result to feed back into it. A chat only ever learns about its own cases; for an ID
 * held by another chat it learns only that a request exists.
 */
export async function resolveRequest(deps: RequestDeps, request: EngineRequest, origin: RequestOrigin): Promise<RequestResult> {
  switch (request.type) {
    case 'find_own_open_case': {
      const found = await deps.cases.findOpenByChat(origin.chatKey);
      const openCase: OpenCaseSummary | null = found && summaryOf(found, origin.lang);
      return { request: 'find_own_open_case', openCase };
    }
    case 'check_national_id': {
      const lock = await deps.locks.get(deps.keys.lookupHash('national-id', request.nationalId));
      if (!lock) return { request: 'check_national_id', holder: 'none' };
      const holder = await deps.cases.statusOf(lock.caseId);
      if (holder && !isOpen(holder.status)) return { request: 'check_national_id', holder: 'none' };
      return { request: 'check_national_id', holder: holder?.chatKey === origin.chatKey ? 'this_chat' : 'another_chat' };
    }
    case 'submit_case': {
      const outcome = await submitCase(deps, request, origin);
      if (outcome.outcome === 'duplicate') return { request: 'submit_case', outcome: 'duplicate' };
      // Researchers are alerted from MongoDB (the case's pending alert); this only hurries it along.
      await deps.onCaseSubmitted?.(outcome.caseId, origin.channel).catch(() => undefined);
      return { request: 'submit_case', outcome: 'submitted', reference: outcome.reference, expectedBy: readableDate(outcome.expectedBy, origin.lang) };
    }
    case 'withdraw_case':
      return withdraw(deps, request.caseId, origin);
    case 'submit_record':
      return { request: 'submit_record', reference: await submitRecord(deps, request, origin) };
    case 'find_own_cases': {
      const cases = await deps.cases.listByChat(origin.chatKey);
      return { request: 'find_own_cases', cases: cases.map((c) => summaryOf(c, origin.lang)) };
    }
    case 'lookup_case':
      return lookupCase(deps, request, origin);
    case 'open_referral':
      return { request: 'open_referral', ...(await openReferral(deps, request, origin)) };
    case 'relay_to_researcher':
      return { request: 'relay_to_researcher', open: await relayToResearcher(deps, request, origin) };
    case 'close_referral':
      await closeReferral(deps, request, origin);
      return { request: 'close_referral' };
    case 'submit_survey':
      return { request: 'submit_survey', outcome: await submitSurvey(deps, request, origin) };
    case 'submit_info':
      return provideInfo(deps, request, origin);
    case 'export_own_data':
      return exportOwnData(deps, origin);
    case 'request_erasure':
      return { request: 'request_erasure', ...(await requestErasure(deps, request, origin)) };
  }
}

/** A case as the person's look-ups show it: reference, status, dates in their language. */
function summaryOf(c: { id: string; reference: string; status: string; submittedAt: Date; expectedBy: Date }, lang: Language): OpenCaseSummary {
  return { caseId: c.id, reference: c.reference, status: c.status, submittedAt: readableDate(c.submittedAt, lang), expectedBy: readableDate(c.expectedBy, lang) };
}

/** Failed look-ups allowed per reference a day: four digits cannot be guessed in five tries. */
const LOOKUP_FAILURES_PER_REFERENCE = 5;
/** Look-ups allowed per chat an hour, found or not. */
const LOOKUPS_PER_CHAT = 10;

/**
 * A request's status from another phone. A wrong reference and wrong digits read the same
 * ("not found"), and after too many failures for one reference (from any chats) or too many
 * look-ups from one chat, nothing is looked up for a while.
 */
async function lookupCase(deps: RequestDeps, request: Extract<EngineRequest, { type: 'lookup_case' }>, origin: RequestOrigin): Promise<RequestResult> {
  const failuresKey = `lookup-failures:${deps.keys.lookupHash('reference', request.reference)}`;
  if (!(await deps.attempts.allow(`lookups:${origin.chatKey}`, LOOKUPS_PER_CHAT, 3_600_000))) return { request: 'lookup_case', outcome: 'limited' };
  if ((await deps.attempts.count(failuresKey)) >= LOOKUP_FAILURES_PER_REFERENCE) return { request: 'lookup_case', outcome: 'limited' };
  const record = await deps.cases.findByReference(request.reference);
  const nationalId = record ? String(record.answers.national_id ?? '') : '';
  if (!record || nationalId.length < 4 || nationalId.slice(-4) !== request.lastFour) {
    await deps.attempts.allow(failuresKey, LOOKUP_FAILURES_PER_REFERENCE, 86_400_000);
    return { request: 'lookup_case', outcome: 'not_found' };
  }
  await deps.audit.record({
    at: origin.now,
    actor: { kind: 'beneficiary', id: origin.chatKey },
    action: 'case.looked_up',
    target: { kind: 'case', id: record.id },
    details: { channel: origin.channel, ownChat: record.chatKey === origin.chatKey },
  });
  return { request: 'lookup_case', outcome: 'found', found: summaryOf(record, origin.lang) };
}

/** What the association holds about this chat, for the person (only ever their own: found by their chat). */
async function exportOwnData(deps: RequestDeps, origin: RequestOrigin): Promise<RequestResult> {
  const cases = await deps.cases.ownedBy(origin.chatKey);
  const records = await deps.records.ofChat(origin.chatKey);
  await deps.audit.record({ at: origin.now, actor: { kind: 'beneficiary', id: origin.chatKey }, action: 'privacy.data_viewed', target: { kind: 'conversation', id: origin.chatKey }, details: { cases: cases.length, records: records.length } });
  return {
    request: 'export_own_data',
    cases: cases.map((c) => ({ reference: c.reference, status: c.status, submittedAt: readableDate(c.submittedAt, origin.lang), flow: c.flow.id, flowVersion: c.flow.version, answers: c.answers as Record<string, AnswerValue> })),
    records: records.map((r) => ({ kind: r.kind, reference: r.reference, createdAt: readableDate(r.createdAt, origin.lang) })),
    ratings: await deps.surveys.countAnsweredBy(origin.chatKey),
  };
}

/** The person's answer to an information request on their own case: kept with the case, back in review, the researcher told. */
async function provideInfo(deps: RequestDeps, request: Extract<EngineRequest, { type: 'submit_info' }>, origin: RequestOrigin): Promise<RequestResult> {
  const record = await deps.cases.get(request.caseId);
  // Only the chat the case came from may add to it; anything else reads as "not waiting".
  if (!record || record.chatKey !== origin.chatKey) return { request: 'submit_info', outcome: 'not_waiting', reference: '' };
  const provided = await deps.chatLocks.exclusive(`case:${record.id}`, () =>
    deps.cases.provideInfo(record.id, { text: request.text, documentIds: request.documentIds, mark: origin.messageMark }, { kind: 'beneficiary', id: origin.chatKey }, origin.now),
  );
  if (!provided) return { request: 'submit_info', outcome: 'not_waiting', reference: record.reference };
  await deps.audit.recordOnce(`info-provided:${record.id}:${origin.messageMark}`, {
    at: origin.now,
    actor: { kind: 'beneficiary', id: origin.chatKey },
    action: 'case.information_provided',
    target: { kind: 'case', id: record.id },
    details: { files: request.documentIds.length, text: request.text !== '' },
  });
  await deps.onInfoProvided?.().catch(() => undefined);
  return { request: 'submit_info', outcome: 'recorded', reference: record.reference };
}

/** A rating: the answer to an invitation of this chat (once), or one given unasked (once per draft). */
async function submitSurvey(deps: RequestDeps, request: Extract<EngineRequest, { type: 'submit_survey' }>, origin: RequestOrigin): Promise<'recorded' | 'already'> {
  if (request.surveyId) {
    const outcome = await deps.chatLocks.exclusive(`survey:${request.surveyId}`, () =>
      deps.surveys.answer(request.surveyId!, origin.chatKey, request.rating, request.comment, origin.now, origin.messageMark),
    );
    if (outcome !== 'unknown') return outcome;
  }
  const id = `srv_asked_${createHash('sha256').update(`${origin.chatKey}:${request.submissionId}`).digest('hex').slice(0, 24)}`;
  await deps.surveys.rateUnasked(id, origin.chatKey, origin.channel, request.rating, request.comment, origin.now);
  return 'recorded';
}

async function withdraw(deps: RequestDeps, caseId: string, origin: RequestOrigin): Promise<RequestResult> {
  const record = await deps.cases.get(caseId);
  // A chat may withdraw only its own case; anything else reads as "not open" and reveals nothing.
  if (!record || record.chatKey !== origin.chatKey) return { request: 'withdraw_case', outcome: 'not_open', reference: '' };
  const last = record.history.at(-1);
  // Withdrawn already by this chat: a retry after a crash finishes the work below instead of refusing.
  const alreadyOurs = record.status === 'withdrawn' && last?.by.kind === 'beneficiary' && last.by.id === origin.chatKey;
  if (!alreadyOurs) {
    if (!isOpen(record.status)) return { request: 'withdraw_case', outcome: 'not_open', reference: record.reference };
    try {
      // Every write to a case is made under its lock: a researcher may be claiming it right now.
      await deps.chatLocks.exclusive(`case:${caseId}`, () =>
        deps.cases.move(caseId, 'withdrawn', { kind: 'beneficiary', id: origin.chatKey }, origin.now, 'withdrawn by the beneficiary'),
      );
    } catch (error) {
      if (error instanceof CaseTransitionError) return { request: 'withdraw_case', outcome: 'not_open', reference: record.reference };
      throw error;
    }
  }
  await deps.locks.release(record.nationalIdHash, caseId);
  await deps.audit.recordOnce(`withdrawn:${caseId}`, {
    at: origin.now,
    actor: { kind: 'beneficiary', id: origin.chatKey },
    action: 'case.withdrawn',
    target: { kind: 'case', id: caseId },
    details: { channel: origin.channel },
  });
  return { request: 'withdraw_case', outcome: 'withdrawn', reference: record.reference };
}
