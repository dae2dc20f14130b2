import type { RequestResult } from '../input.js';
import type { Draft } from '../session.js';
import { showMenu } from '../navigation.js';
import type { Turn } from '../turn.js';

/** Withdraws the open case the withdrawal flow was entered with (its guard found it). */
export function askWithdraw(turn: Turn, draft: Draft): void {
  turn.ask({ type: 'withdraw_case', caseId: String(draft.answers.case_id) }, 'withdraw');
}

export function onWithdrawn(turn: Turn, result: Extract<RequestResult, { request: 'withdraw_case' }>): void {
  if (result.outcome === 'withdrawn') turn.say('withdraw.done', { reference: result.reference });
  else turn.say(result.reference ? 'withdraw.notOpen' : 'withdraw.none', { reference: result.reference });
  showMenu(turn);
}
