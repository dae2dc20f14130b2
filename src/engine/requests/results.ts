import type { RequestResult } from '../input.js';
import type { Waiting } from '../session.js';
import type { Turn } from '../turn.js';
import { onNationalIdChecked } from './national-id.js';
import { onOpenCase } from './open-case.js';
import { onOwnCases } from './own-cases.js';
import { onLookedUp } from './lookup-case.js';
import { onWithdrawn } from './withdraw-case.js';
import { onCaseSubmitted } from './submit-case.js';
import { onRecordSubmitted } from './submit-record.js';
import { onReferralClosed, onReferralOpened, onRelayed } from './referral.js';
import { onOwnData } from './own-data.js';
import { onErasureRequested } from './erasure.js';
import { onInfoSubmitted } from './info.js';
import { onSurveyAnswered } from './survey.js';

type Handler<K extends RequestResult['request']> = (turn: Turn, result: Extract<RequestResult, { request: K }>, waiting: Waiting) => void;

/** For each kind of request, how its answer comes back into the conversation (the asking is beside it, in the same file). */
const ON_RESULT: { [K in RequestResult['request']]: Handler<K> } = {
  find_own_open_case: onOpenCase,
  check_national_id: onNationalIdChecked,
  submit_case: onCaseSubmitted,
  withdraw_case: onWithdrawn,
  submit_record: onRecordSubmitted,
  find_own_cases: onOwnCases,
  lookup_case: onLookedUp,
  open_referral: onReferralOpened,
  relay_to_researcher: onRelayed,
  close_referral: onReferralClosed,
  export_own_data: onOwnData,
  request_erasure: onErasureRequested,
  submit_info: onInfoSubmitted,
  submit_survey: onSurveyAnswered,
};

/** The caller's answer to the request the engine made; a result nobody waits for (a stale resume) changes nothing. */
export function onResult(turn: Turn, result: RequestResult): void {
  const waiting = turn.s.waiting;
  if (!waiting || waiting.request !== result.request) return;
  turn.s.waiting = null;
  (ON_RESULT[result.request] as Handler<typeof result.request>)(turn, result, waiting);
}
