import type { RequestResult } from '../input.js';
import type { Waiting } from '../session.js';
import { enterFlow, showMenu } from '../navigation.js';
import type { Turn } from '../turn.js';
import { caseParams } from './own-cases.js';

/**
 * A guarded flow's check, asked by `startFlow`: a new request only without an open one
 * (one request at a time), a withdrawal only with one, which the flow then works on.
 */
export function onOpenCase(turn: Turn, { openCase }: Extract<RequestResult, { request: 'find_own_open_case' }>, waiting: Waiting): void {
  const flow = turn.flow(waiting.purpose.slice('guard:'.length));
  if (flow.guard === 'no_open_case' && openCase) {
    turn.say('request.alreadyOpen', caseParams(turn, openCase));
    return showMenu(turn);
  }
  if (flow.guard === 'open_case' && !openCase) {
    turn.say('withdraw.none');
    return showMenu(turn);
  }
  enterFlow(turn, flow, openCase ? { case_id: openCase.caseId, case_reference: openCase.reference } : {});
}
