import { startFaq } from './faq.js';
import { showMenu } from './navigation.js';
import { askErasure } from './requests/erasure.js';
import { submitInfo } from './requests/info.js';
import { askLookup } from './requests/lookup-case.js';
import { askOwnCases } from './requests/own-cases.js';
import { refer } from './requests/referral.js';
import { submitCase } from './requests/submit-case.js';
import { submitRecord } from './requests/submit-record.js';
import { startSurvey, submitSurvey } from './requests/survey.js';
import { askWithdraw } from './requests/withdraw-case.js';
import type { Turn } from './turn.js';

/** What a flow's `action:` target does; the flows name these in their `next`. */
export function act(turn: Turn, action: string): void {
  const { flow, draft } = turn.current();
  switch (action) {
    case 'toggle_language':
      turn.setLanguage(turn.s.lang === 'ar' ? 'en' : 'ar');
      turn.say('language.changed');
      return showMenu(turn);
    case 'show_status':
      return askOwnCases(turn);
    case 'lookup_case':
      return askLookup(turn, draft);
    case 'withdraw_case':
      return askWithdraw(turn, draft);
    case 'request_erasure':
      return askErasure(turn);
    case 'show_help':
      turn.say('help.text');
      return showMenu(turn);
    case 'submit_case':
      return submitCase(turn, flow, draft);
    case 'submit_record':
      return submitRecord(turn, flow, draft);
    case 'refer':
      return refer(turn, 'asked');
    case 'questions':
      return startFaq(turn);
    case 'rate':
      return startSurvey(turn, turn.s.pendingSurvey ?? null);
    case 'submit_info':
      return submitInfo(turn, draft);
    case 'submit_survey':
      return submitSurvey(turn, draft);
    case 'declined':
      turn.say(`${flow.id}.declined`);
      return showMenu(turn);
    default:
      throw new Error(`unknown action "${action}" in flow ${flow.id}`);
  }
}
