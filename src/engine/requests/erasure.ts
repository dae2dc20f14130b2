import type { RequestResult } from '../input.js';
import { showMenu } from '../navigation.js';
import type { Turn } from '../turn.js';

/** The person asks the association to erase their data; an administrator decides. */
export function askErasure(turn: Turn): void {
  turn.ask({ type: 'request_erasure', requestId: turn.env.newId() }, 'erasure');
}

export function onErasureRequested(turn: Turn, result: Extract<RequestResult, { request: 'request_erasure' }>): void {
  turn.say(result.outcome === 'recorded' ? 'erase.recorded' : 'erase.pending', { reference: result.reference });
  showMenu(turn);
}
