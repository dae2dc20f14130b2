import type { EngineRequest } from '../engine/events.js';
import type { RequestResult } from '../engine/input.js';
import type { Channel } from '../core/channel.js';
import { readableDate } from '../core/calendar.js';
import { submitCase, type SubmissionDeps } from './submission.js';
import { submitRecord, type RecordDeps } from './records.js';
import { closeReferral, openReferral, relayToResearcher, type ReferralDeps } from './referrals.js';
import { requestErasure, type ErasureDeps } from './erasure.js';
import type { RequestOrigin } from './requests/origin.js';
import { findOwnCases, findOwnOpenCase } from './requests/own-cases.js';
import { checkNationalId, type NationalIdDeps } from './requests/national-id.js';
import { lookupCase, type LookupDeps } from './requests/lookup-case.js';
import { exportOwnData, type OwnDataDeps } from './requests/own-data.js';
import { provideInfo, type InfoDeps } from './requests/info.js';
import { submitSurvey, type SurveyDeps } from './requests/survey.js';
import { withdrawCase, type WithdrawDeps } from './requests/withdraw-case.js';

/** Dependencies of {@link resolveRequest}: everything each kind of request's resolver takes, and who to tell of a new case. */
export type RequestDeps = SubmissionDeps &
  RecordDeps &
  ReferralDeps &
  Pick<ErasureDeps, 'erasures' | 'hurryAdministrators'> &
  LookupDeps &
  NationalIdDeps &
  OwnDataDeps &
  InfoDeps &
  SurveyDeps &
  WithdrawDeps & {
    onCaseSubmitted?: (caseId: string, channel: Channel) => Promise<void>;
  };

type Resolver<K extends EngineRequest['type']> = (
  deps: RequestDeps,
  request: Extract<EngineRequest, { type: K }>,
  origin: RequestOrigin,
) => Promise<RequestResult>;

/**
 * For each kind of request the engine makes (engine/requests/), the service that does it.
 * A chat only ever learns about its own cases; of an ID used by another chat it learns nothing.
 */
const RESOLVERS: { [K in EngineRequest['type']]: Resolver<K> } = {
  find_own_open_case: (deps, _request, origin) => findOwnOpenCase(deps, origin),
  find_own_cases: (deps, _request, origin) => findOwnCases(deps, origin),
  check_national_id: checkNationalId,
  submit_case: async (deps, request, origin) => {
    const outcome = await submitCase(deps, request, origin);
    if (outcome.outcome === 'duplicate') return { request: 'submit_case', outcome: 'duplicate' };
    // Researchers are alerted from MongoDB (the case's pending alert); this only hurries it along.
    await deps.onCaseSubmitted?.(outcome.caseId, origin.channel).catch(() => undefined);
    return {
      request: 'submit_case',
      outcome: 'submitted',
      caseId: outcome.caseId,
      reference: outcome.reference,
      expectedBy: readableDate(outcome.expectedBy, origin.lang),
    };
  },
  withdraw_case: withdrawCase,
  submit_record: async (deps, request, origin) => ({ request: 'submit_record', reference: await submitRecord(deps, request, origin) }),
  lookup_case: lookupCase,
  open_referral: async (deps, request, origin) => ({ request: 'open_referral', ...(await openReferral(deps, request, origin)) }),
  relay_to_researcher: async (deps, request, origin) => ({ request: 'relay_to_researcher', open: await relayToResearcher(deps, request, origin) }),
  close_referral: async (deps, request, origin) => {
    await closeReferral(deps, request, origin);
    return { request: 'close_referral' };
  },
  submit_survey: submitSurvey,
  submit_info: provideInfo,
  export_own_data: (deps, _request, origin) => exportOwnData(deps, origin),
  request_erasure: async (deps, request, origin) => ({ request: 'request_erasure', ...(await requestErasure(deps, request, origin)) }),
};

/** Does what the engine asked for and returns the result to feed back into it. */
export function resolveRequest(deps: RequestDeps, request: EngineRequest, origin: RequestOrigin): Promise<RequestResult> {
  return (RESOLVERS[request.type] as Resolver<typeof request.type>)(deps, request, origin);
}
