import type { Condition, Flow, Step } from './flow-definition.js';
import type { AnswerValue } from './session.js';

type Answers = Record<string, AnswerValue>;

/** Whether a condition holds for the answers given so far; a missing answer never satisfies a comparison. */
export function holds(condition: Condition, answers: Answers): boolean {
  if ('all' in condition) return condition.all.every((c) => holds(c, answers));
  if ('any' in condition) return condition.any.some((c) => holds(c, answers));
  if ('not' in condition) return !holds(condition.not, answers);
  const value = answers[condition.field];
  if (value === undefined) return false;
  if ('equals' in condition) return value === condition.equals;
  if ('in' in condition) return condition.in.some((v) => v === value);
  return typeof value === 'number' && value > condition.gt;
}

/** The target of the first transition of `step` whose condition holds. */
export function nextTarget(step: Step, answers: Answers): string {
  for (const t of step.next) if (!t.when || holds(t.when, answers)) return t.to;
  // defineFlow cannot prove a catch-all exists, so a flow ending without a match ends the flow.
  return 'end';
}

/** Whether a target names a step of the flow rather than `flow:`, `action:` or `end`. */
export function isStepTarget(target: string): boolean {
  return !target.includes(':') && target !== 'end';
}

/** Whether a question applies on the path given the answers (its `skipIf` does not hold). */
export function applies(step: Step, answers: Answers): boolean {
  return !(step.kind === 'question' && step.skipIf && holds(step.skipIf, answers));
}

/**
 * Walks the flow from `from`, passing over questions already answered or not
 * applying and a consent already given, and returns where the person must be
 * asked next: a step id, or a non-step target when the path leaves the flow.
 */
export function firstOpen(flow: Flow, from: string, answers: Answers, consentGiven: boolean): string {
  let target = from;
  for (let guard = 0; guard < 500 && isStepTarget(target); guard++) {
    const step = flow.steps[target];
    if (!step) return 'end';
    const passOver = (step.kind === 'question' && (!applies(step, answers) || answers[target] !== undefined)) || (step.kind === 'consent' && consentGiven);
    if (!passOver) return target;
    target = nextTarget(step, answers);
  }
  return target;
}

/**
 * The questions on the path from the start to the review, in order, that apply
 * given the answers; the answers to anything else (a rent after housing changed
 * to owned) are not part of the request.
 */
export function answeredPath(flow: Flow, answers: Answers): string[] {
  const path: string[] = [];
  let target = flow.start;
  for (let guard = 0; guard < 500 && isStepTarget(target); guard++) {
    const step = flow.steps[target];
    if (!step || step.kind === 'review' || step.kind === 'declaration') break;
    if (step.kind === 'question' && applies(step, answers)) {
      if (answers[target] === undefined) break;
      path.push(target);
    }
    target = nextTarget(step, answers);
  }
  return path;
}
