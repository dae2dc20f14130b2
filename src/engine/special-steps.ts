import { createHash } from 'node:crypto';
import { SENT_LATER, type Flow, type Step } from './flow-definition.js';
import type { EngineInput } from './input.js';
import type { AnswerValue, Draft } from './session.js';
import { isDone, isLater } from './commands.js';
import { readAnswer } from './answers.js';
import { normalizeDigits } from '../core/text/digits.js';
import { nextTarget } from './path.js';
import { discard, dropDraft, requestAnswers } from './drafts.js';
import { goTo, showMenu } from './navigation.js';
import { doneOption, prompt, reviewOptions } from './prompt.js';
import { record, reject } from './recording.js';
import type { Turn } from './turn.js';

/** The steps that are not a plain question: files, the privacy consent, the review and the signed declaration. */

/** Files arrive one by one until the question's maximum or "done". */
export function answerDocument(
  turn: Turn,
  { maxFiles: max, optional, later }: { maxFiles: number; optional?: boolean; later?: boolean },
  stepId: string,
  draft: Draft,
  input: EngineInput,
): void {
  if (input.kind === 'document') {
    draft.files.push(input.documentId);
    if (draft.files.length >= max) return finishDocuments(turn, stepId, draft);
    return turn.sayWith('document.received', [doneOption(turn)], { count: draft.files.length, max });
  }
  // The one option shown (see prompt, doneOption), pressed or typed as its number or its words.
  const shown = draft.files.length > 0 ? 'done' : later ? SENT_LATER : null;
  // Only the number: the option's words are read by isDone and isLater, exactly (a sentence that merely contains them is not an answer).
  const typedNumber = input.kind === 'text' && normalizeDigits(input.text).trim() === '1';
  const chose = (id: string) => (input.kind === 'choice' && input.optionId === id) || (typedNumber && shown === id);
  // "Later" before any file: the document is promised, the request goes on without it.
  if (later && draft.files.length === 0 && (chose(SENT_LATER) || (input.kind === 'text' && isLater(input.text)))) return record(turn, stepId, SENT_LATER);
  const done = chose('done') || (input.kind === 'text' && isDone(input.text));
  if (!done) return reject(turn, later && draft.files.length === 0 ? 'document.expectedOrLater' : 'document.expected');
  if (draft.files.length === 0) {
    // Revisiting a question already answered: "done" with no new file keeps the files given before.
    const given = draft.answers[stepId];
    if (Array.isArray(given) && given.length > 0) return record(turn, stepId, given);
    if (optional) return record(turn, stepId, []);
    return reject(turn, 'document.needOne');
  }
  finishDocuments(turn, stepId, draft);
}

function finishDocuments(turn: Turn, stepId: string, draft: Draft): void {
  const files = draft.files;
  draft.files = [];
  record(turn, stepId, files);
}

export function onConsent(turn: Turn, accepted: boolean, step: Step): void {
  if (!accepted) {
    turn.emit({ type: 'consent_refused', version: turn.env.privacyNoticeVersion });
    const flowId = turn.s.position?.flow;
    if (flowId) discard(turn, flowId, dropDraft(turn, flowId));
    turn.say('privacy.refused');
    return showMenu(turn);
  }
  turn.s.consent = { version: turn.env.privacyNoticeVersion, at: turn.env.now.toISOString() };
  turn.emit({ type: 'consent_given', version: turn.env.privacyNoticeVersion });
  turn.s.invalidCount = 0;
  goTo(turn, nextTarget(step, turn.current().draft.answers));
}

/** The review: confirm goes on to the declaration; "change …" opens that question and comes back after. */
export function onReview(turn: Turn, raw: { text?: string; choice?: string }, flow: Flow, draft: Draft, step: Step): void {
  const choices = reviewOptions(turn, flow, draft).map(({ id, label }) => ({ id, label }));
  const read = readAnswer({ type: 'choice', options: choices }, raw, turn.catalog.validators, turn.labelsOf);
  if (!read.ok) return reject(turn, read.error, read.params);
  turn.s.invalidCount = 0;
  if (read.value === 'confirm') return goTo(turn, nextTarget(step, draft.answers));
  const stepId = String(read.value).slice('edit_'.length);
  const position = turn.s.position;
  if (position) {
    draft.editingFrom = position.step;
    position.step = stepId;
  }
  prompt(turn);
}

/** The signed declaration: accepted, it binds the hash of exactly the answers reviewed; declined, back to the review. */
export function onDeclaration(turn: Turn, accepted: boolean, step: Extract<Step, { kind: 'declaration' }>, flow: Flow, draft: Draft): void {
  turn.s.invalidCount = 0;
  if (!accepted) {
    turn.say('declaration.declined');
    const review = Object.entries(flow.steps).find(([, s]) => s.kind === 'review');
    if (review && turn.s.position) turn.s.position.step = review[0];
    return prompt(turn);
  }
  turn.emit({
    type: 'declaration_accepted',
    declaration: {
      version: step.declarationVersion,
      acceptedAt: turn.env.now.toISOString(),
      channel: turn.meta.channel,
      messageId: turn.meta.messageId,
      answersHash: hashAnswers(requestAnswers(flow, draft)),
    },
  });
  goTo(turn, nextTarget(step, draft.answers));
}

/** SHA-256 over the answers in a canonical order, so the declaration binds exactly what was reviewed. */
export function hashAnswers(answers: Record<string, AnswerValue>): string {
  const canonical = JSON.stringify(
    Object.keys(answers)
      .sort()
      .map((k) => [k, answers[k]]),
  );
  return createHash('sha256').update(canonical).digest('hex');
}
