import type { RequestResult } from '../input.js';
import type { Draft } from '../session.js';
import { showMenu } from '../navigation.js';
import type { Turn } from '../turn.js';
import { caseParams } from './own-cases.js';

/** A request's status from another phone: its reference and the last four digits of its national ID. */
export function askLookup(turn: Turn, draft: Draft): void {
  turn.ask({ type: 'lookup_case', reference: String(draft.answers.track_reference), lastFour: String(draft.answers.track_last_four) }, 'lookup');
}

export function onLookedUp(turn: Turn, result: Extract<RequestResult, { request: 'lookup_case' }>): void {
  if (result.outcome === 'found') turn.say('track.found', caseParams(turn, result.found));
  else turn.say(result.outcome === 'limited' ? 'track.limited' : 'track.notFound');
  showMenu(turn);
}
