import type { Flow } from './flow-definition.js';
import type { AnswerValue, Draft } from './session.js';
import { firstOpen, isStepTarget } from './path.js';
import { prompt } from './prompt.js';
import { MENU_FLOW, type Turn } from './turn.js';

/** Where the person goes between flows: the menu, a flow's start, the next open step. */

export function showMenu(turn: Turn): void {
  openFresh(turn, MENU_FLOW);
  prompt(turn);
}

/** Asks the current question again, or shows the menu when the person stands nowhere. */
export function repeatQuestion(turn: Turn): void {
  if (turn.s.position) prompt(turn);
  else showMenu(turn);
}

/**
 * Leaves the current flow and stands at the start of `flowId` with a fresh draft holding
 * `scratch` (ids it works on, not answers). For the flows entered without the guard and
 * resume of a request: the menu, the questions, a rating, an information request.
 */
export function openFresh(turn: Turn, flowId: string, scratch: Record<string, AnswerValue> = {}): Draft {
  const flow = turn.flow(flowId);
  leaveFlow(turn);
  const draft = { ...turn.newDraft(), answers: scratch };
  turn.s.drafts[flow.id] = draft;
  turn.s.position = { flow: flow.id, version: flow.version, step: flow.start };
  return draft;
}

/** Whether the person is free for something the association brings up (at the menu, no researcher talking). */
export function isFree(turn: Turn): boolean {
  return !turn.s.referral && (!turn.s.position || turn.s.position.flow === MENU_FLOW);
}

/** Leaves the current flow, keeping its draft only when the flow keeps drafts. */
function leaveFlow(turn: Turn): void {
  const flowId = turn.s.position?.flow;
  if (flowId && !turn.flow(flowId).keepsDraft) delete turn.s.drafts[flowId];
  turn.s.position = null;
  turn.s.invalidCount = 0;
  turn.s.helpCount = 0;
}

/** Starts a flow; a guarded one (one open request per chat) first asks for the chat's open case (requests/open-case.ts). */
export function startFlow(turn: Turn, flowId: string): void {
  const flow = turn.flow(flowId);
  if (flow.guard) return turn.ask({ type: 'find_own_open_case' }, `guard:${flowId}`);
  enterFlow(turn, flow);
}

/** Enters a flow, resuming its kept draft or starting one holding `scratch`. */
export function enterFlow(turn: Turn, flow: Flow, scratch: Record<string, AnswerValue> = {}): void {
  leaveFlow(turn);
  const kept = turn.s.drafts[flow.id];
  if (kept && Object.keys(kept.answers).length > 0) {
    turn.say('draft.resumed', { title: flow.title ? turn.t(flow.title) : '' });
  } else {
    turn.s.drafts[flow.id] = { ...turn.newDraft(), answers: scratch };
    turn.emit({ type: 'flow_started', flow: flow.id });
  }
  turn.s.position = { flow: flow.id, version: flow.version, step: flow.start };
  goTo(turn, flow.start);
}

/** Moves to the first open step from `target`, or acts on a target that leaves the flow. */
export function goTo(turn: Turn, target: string): void {
  const { flow, draft } = turn.current();
  const open = firstOpen(flow, target, draft.answers, turn.consentCurrent());
  if (isStepTarget(open)) {
    turn.s.position = { flow: flow.id, version: flow.version, step: open };
    return prompt(turn);
  }
  if (open === 'end') return showMenu(turn);
  if (open.startsWith('flow:')) return startFlow(turn, open.slice('flow:'.length));
  turn.act(open.slice('action:'.length));
}
