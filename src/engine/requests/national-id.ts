import type { RequestResult } from '../input.js';
import type { Waiting } from '../session.js';
import { prompt } from '../prompt.js';
import { record } from '../recording.js';
import type { Turn } from '../turn.js';

/**
 * A national ID typed at a question marked `check: national_id`: valid in form, it is held
 * until the caller says whether this chat already has an open request under it (another
 * chat's request is never told), or that the chat has checked too many IDs today.
 */
export function checkNationalId(turn: Turn, stepId: string, nationalId: string): void {
  turn.ask({ type: 'check_national_id', nationalId }, `step:${stepId}`, nationalId);
}

export function onNationalIdChecked(turn: Turn, result: Extract<RequestResult, { request: 'check_national_id' }>, waiting: Waiting): void {
  const stepId = waiting.purpose.slice('step:'.length);
  if (result.holder === 'none') return record(turn, stepId, waiting.value ?? '');
  turn.say(result.holder === 'limited' ? 'nationalId.checksLimited' : 'nationalId.takenHere');
  prompt(turn);
}
