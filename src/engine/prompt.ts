import { SENT_LATER, type Flow, type QuestionStep } from './flow-definition.js';
import type { AnswerValue, Draft } from './session.js';
import { answeredPath } from './path.js';
import type { Choice, Turn } from './turn.js';

/**
 * Asks the current step's question, with its options and the answer already given.
 * After a mistake (`again`), a long statement (the privacy notice, the declaration)
 * is not repeated whole: only its short question and options.
 */
export function prompt(turn: Turn, again = false): void {
  const { flow, draft, step, stepId } = turn.current();
  switch (step.kind) {
    case 'consent':
    case 'declaration':
      return turn.sayWith(again && step.reprompt ? step.reprompt : step.prompt, yesNoOptions(turn, step.kind), {
        ...scalarAnswers(draft.answers),
        // The privacy notice says how long an unfinished request is kept.
        draftHours: Math.round(turn.env.draftIdleMs / 3_600_000),
      });
    case 'review':
      return turn.sayWith(
        step.prompt,
        reviewOptions(turn, flow, draft).map(({ id, text }) => ({ id, label: text })),
        { answers: answerLines(turn, flow, draft.answers).join('\n') },
      );
    case 'question': {
      const given = draft.answers[stepId];
      const current = given === undefined || !flow.keepsDraft ? undefined : turn.display(flow, stepId, given);
      const options = questionOptions(turn, step);
      const question = turn.t(step.prompt, scalarAnswers(draft.answers));
      const hint = draft.editingFrom ? 'question.currentWhileEditing' : 'question.current';
      const text = current === undefined ? question : `${question}\n\n${turn.t(hint, { value: current })}`;
      return turn.send({ text, ...(options.length ? { options } : {}) });
    }
  }
}

/** Each answer on the path as the review shows it: "• label: value". */
export function answerLines(turn: Turn, flow: Flow, answers: Record<string, AnswerValue>): string[] {
  return answeredPath(flow, answers).map((id) => `• ${turn.t(turn.labelKey(flow, id))}: ${turn.display(flow, id, answers[id])}`);
}

function questionOptions(turn: Turn, step: QuestionStep): Choice[] {
  switch (step.answer.type) {
    case 'choice':
      return step.answer.options.map((o) => ({ id: o.id, label: turn.t(o.label) }));
    case 'yes_no':
      return yesNoOptions(turn, 'question');
    case 'faq':
      return faqOptions(turn, turn.current().draft);
    case 'document':
      return step.answer.later ? [{ id: SENT_LATER, label: turn.t('document.later') }] : [];
    default:
      return [];
  }
}

/** The yes and no options of a consent, a declaration or a yes/no question, as message keys. */
export function yesNoLabelKeys(kind: string): Choice[] {
  return [
    { id: 'yes', label: kind === 'declaration' ? 'declaration.accept' : kind === 'consent' ? 'privacy.accept' : 'common.yes' },
    { id: 'no', label: kind === 'declaration' ? 'declaration.decline' : kind === 'consent' ? 'privacy.decline' : 'common.no' },
  ];
}

function yesNoOptions(turn: Turn, kind: string): Choice[] {
  return yesNoLabelKeys(kind).map(({ id, label }) => ({ id, label: turn.t(label) }));
}

export function doneOption(turn: Turn): Choice {
  return { id: 'done', label: turn.t('document.done') };
}

/** Review options: confirm, then one "change …" per answer on the path; `label` is the key a typed answer matches. */
export function reviewOptions(turn: Turn, flow: Flow, draft: Draft): (Choice & { text: string })[] {
  const confirm = { id: 'confirm', label: 'review.confirm', text: turn.t('review.confirm') };
  const edits = answeredPath(flow, draft.answers).map((id) => {
    const key = turn.labelKey(flow, id);
    return { id: `edit_${id}`, label: key, text: turn.t('review.change', { field: turn.t(key) }) };
  });
  return [confirm, ...edits];
}

/** The topics offered now (those a question came near, or all), and a researcher last. */
export function faqOptions(turn: Turn, draft: Draft): Choice[] {
  const all = turn.catalog.faq?.topicIds() ?? [];
  const shown = Array.isArray(draft.answers.faq_shown) ? draft.answers.faq_shown.map(String).filter((id) => all.includes(id)) : [...all];
  return [...shown.map((id) => ({ id, label: turn.t(`faq.${id}.title`) })), { id: 'researcher', label: turn.t('faq.researcher') }];
}

/** The draft's plain answers, offered to prompts as placeholders (a withdrawal names the reference). */
function scalarAnswers(answers: Record<string, AnswerValue>): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(answers)) if (typeof v === 'string' || typeof v === 'number') params[k] = v;
  return params;
}
