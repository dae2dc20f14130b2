import { withAnswerOptions } from './answers.js';
import { nextTarget } from './path.js';
import type { AnswerValue } from './session.js';
import { discard } from './drafts.js';
import { goTo } from './navigation.js';
import { prompt } from './prompt.js';
import { refer } from './requests/referral.js';
import type { Turn } from './turn.js';

/** Keeps a valid answer to the current question and moves on. */
export function record(turn: Turn, stepId: string, value: AnswerValue): void {
  const { flow, draft, step } = turn.current();
  const replaced = draft.answers[stepId];
  if (Array.isArray(replaced) && step.kind === 'question' && step.answer.type === 'document') {
    const kept = new Set((Array.isArray(value) ? value : []).map(String));
    discard(
      turn,
      flow.id,
      replaced.map(String).filter((id) => !kept.has(id)),
    );
  }
  draft.answers[stepId] = value;
  dropContradicted(turn, stepId);
  draft.trail.push(stepId);
  delete draft.editingFrom;
  turn.s.invalidCount = 0;
  turn.s.helpCount = 0;
  if (flow.keepsDraft) turn.emit({ type: 'answer_recorded', flow: flow.id, step: stepId });
  goTo(turn, nextTarget(step, draft.answers));
}

/** Says what was wrong with an answer and asks again; help is offered, then a researcher called, as mistakes repeat. */
export function reject(turn: Turn, error: string, params?: Record<string, string | number>): void {
  const position = turn.s.position;
  if (position) turn.emit({ type: 'answer_rejected', flow: position.flow, step: position.step, error });
  turn.s.invalidCount += 1;
  turn.say(error, params);
  // Still stuck after help was offered: the procedure is unclear to them, so a researcher is called.
  if (turn.s.invalidCount === (turn.env.referAfterInvalid ?? turn.env.helpAfterInvalid + 2)) return refer(turn, 'stuck');
  // Offered once when the person seems stuck, not after every further mistake.
  if (turn.s.invalidCount === turn.env.helpAfterInvalid) turn.say('help.offer');
  prompt(turn, true);
}

/**
 * Drops the answers checked against the one just changed that no longer pass (ages for a family
 * made smaller): the flow then asks those questions again, before the review.
 */
function dropContradicted(turn: Turn, changed: string): void {
  const { flow, draft } = turn.current();
  for (const [stepId, step] of Object.entries(flow.steps)) {
    if (step.kind !== 'question' || step.answer.type !== 'validated' || !Object.values(step.answer.optionsFrom ?? {}).includes(changed)) continue;
    const stored = draft.answers[stepId];
    if (stored === undefined) continue;
    const validator = turn.catalog.validators[step.answer.validator];
    const spec = withAnswerOptions(step.answer, draft.answers);
    if (validator && !validator(Array.isArray(stored) ? stored.join(' ') : String(stored), spec.options).ok) delete draft.answers[stepId];
  }
}
