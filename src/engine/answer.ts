import { readAnswer, withAnswerOptions } from './answers.js';
import { discard } from './drafts.js';
import { answerAtMenu, answerFaq } from './faq.js';
import { prompt, yesNoLabelKeys } from './prompt.js';
import { record, reject } from './recording.js';
import { checkNationalId } from './requests/national-id.js';
import { refer, type PersonInput } from './requests/referral.js';
import { answerDocument, onConsent, onDeclaration, onReview } from './special-steps.js';
import { MENU_FLOW, type Turn } from './turn.js';

/** What the person sent, read as the answer to the step they stand at. */
export function answer(turn: Turn, input: PersonInput): void {
  const { flow, draft, step, stepId, relocated } = turn.current();
  // The question the person answered is gone from a newer version of the flow: ask where they now stand.
  if (relocated) return prompt(turn);
  const wantsFiles = step.kind === 'question' && step.answer.type === 'document';
  if (input.kind === 'unsupported' && input.what === 'voice') {
    // Someone who speaks rather than types may find the questions hard: a researcher writes to them.
    turn.say('unsupported.voice');
    return refer(turn, 'voice');
  }
  if (input.kind === 'unsupported') return reject(turn, wantsFiles ? 'document.expected' : `unsupported.${input.what}`);
  if (input.kind === 'document_rejected') return reject(turn, input.error, input.params);
  if (step.kind === 'question' && step.answer.type === 'document') return answerDocument(turn, step.answer, stepId, draft, input);
  if (input.kind === 'document') {
    if (input.documentId) discard(turn, flow.id, [input.documentId]);
    turn.say('document.notExpected');
    return prompt(turn);
  }
  const raw = input.kind === 'choice' ? { choice: input.optionId } : { text: input.text };
  if (step.kind === 'question' && step.answer.type === 'faq') return answerFaq(turn, raw, draft);

  if (step.kind === 'consent' || step.kind === 'declaration') {
    // The option as shown ("أقرّ وأوقّع") counts, as does a plain yes or no.
    const labelled = readAnswer({ type: 'choice', options: yesNoLabelKeys(step.kind) }, raw, turn.catalog.validators, turn.labelsOf);
    const yes = labelled.ok
      ? { ok: true as const, value: labelled.value === 'yes' }
      : readAnswer({ type: 'yes_no' }, raw, turn.catalog.validators, turn.labelsOf);
    if (!yes.ok) return reject(turn, yes.error, yes.params);
    return step.kind === 'consent' ? onConsent(turn, yes.value === true, step) : onDeclaration(turn, yes.value === true, step, flow, draft);
  }
  if (step.kind === 'review') return onReview(turn, raw, flow, draft, step);
  const spec = step.answer;
  if (spec.type === 'document' || spec.type === 'faq') return;

  const read = readAnswer(spec.type === 'validated' ? withAnswerOptions(spec, draft.answers) : spec, raw, turn.catalog.validators, turn.labelsOf);
  if (!read.ok && flow.id === MENU_FLOW && raw.text !== undefined && !/\p{Nd}/u.test(raw.text)) return answerAtMenu(turn, raw.text);
  if (!read.ok) return reject(turn, read.error, read.params);
  if (step.check === 'national_id') return checkNationalId(turn, stepId, String(read.value));
  record(turn, stepId, read.value);
}
