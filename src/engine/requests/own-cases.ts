import type { OpenCaseSummary, RequestResult } from '../input.js';
import { hasKeptDrafts } from '../drafts.js';
import { showMenu } from '../navigation.js';
import type { Turn } from '../turn.js';

/** "My requests": the chat's own requests, newest first. */
export function askOwnCases(turn: Turn): void {
  turn.ask({ type: 'find_own_cases' }, 'status');
}

/** Each of the chat's requests in plain words, an unfinished one if kept, and how to follow one made elsewhere. */
export function onOwnCases(turn: Turn, { cases }: Extract<RequestResult, { request: 'find_own_cases' }>): void {
  if (cases.length === 0) turn.say(hasKeptDrafts(turn) ? 'status.draftOnly' : 'status.none');
  else {
    const lines = cases.map((c) => turn.t(c.status === 'information_requested' ? 'status.lineMissing' : 'status.line', caseParams(turn, c)));
    turn.say('status.list', { count: cases.length, cases: lines.join('\n\n') });
    if (hasKeptDrafts(turn)) turn.say('status.draftAlso');
  }
  turn.say('status.otherPhone');
  showMenu(turn);
}

/** A request's placeholders for a message: reference, status in words, dates. */
export function caseParams(turn: Turn, c: OpenCaseSummary): Record<string, string> {
  return { reference: c.reference, status: turn.t(`caseStatus.${c.status}`), submittedAt: c.submittedAt, expectedBy: c.expectedBy };
}
