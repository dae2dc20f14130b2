import { SENT_LATER, type Flow, type Option } from './flow-definition.js';
import type { Translate } from './contract.js';
import type { AnswerValue, Language } from './session.js';

/** How an answer reads back to a person (the review) or to staff (the case view), in `lang`. */
export function displayAnswer(flow: Flow, stepId: string, value: AnswerValue | undefined, lang: Language, t: Translate): string {
  const step = flow.steps[stepId];
  if (value === undefined || step?.kind !== 'question') return '';
  const spec = step.answer;
  const label = (id: string | number): string => {
    const option = spec.type === 'choice' || spec.type === 'multi_choice' ? spec.options.find((o: Option) => o.id === String(id)) : undefined;
    return option ? t(lang, option.label) : String(id);
  };
  if (spec.type === 'document')
    return value === SENT_LATER ? t(lang, 'review.later') : t(lang, 'review.files', { count: Array.isArray(value) ? value.length : 0 });
  if (spec.type === 'yes_no') return t(lang, value ? 'common.yes' : 'common.no');
  if (spec.type === 'choice') return label(String(value));
  // Stored in international form; read back as people write it at home.
  if (spec.type === 'validated' && spec.validator === 'saudi_mobile' && typeof value === 'string') return value.replace(/^\+966/, '0');
  if (Array.isArray(value)) return listOf(value.map(label), lang);
  if (typeof value === 'object') return Object.values(value).join(' ');
  return String(value);
}

/** Items in a line, with the comma of the language. */
export function listOf(items: readonly string[], lang: Language): string {
  return items.join(lang === 'ar' ? '، ' : ', ');
}

/** The message key naming a question on the review and the case view. */
export function answerLabelKey(flow: Flow, stepId: string): string {
  const step = flow.steps[stepId];
  return step?.kind === 'question' ? (step.label ?? step.prompt) : stepId;
}
