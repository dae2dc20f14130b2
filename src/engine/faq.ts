import type { FaqMatch } from './contract.js';
import type { Draft } from './session.js';
import { readAnswer } from './answers.js';
import { openFresh } from './navigation.js';
import { faqOptions, prompt } from './prompt.js';
import { refer } from './requests/referral.js';
import type { Turn } from './turn.js';

/** Opens the questions with every topic, or with the two or three a typed question came near. */
export function startFaq(turn: Turn, candidates?: string[]): void {
  const draft = openFresh(turn, 'faq', candidates ? { faq_shown: candidates } : {});
  if (candidates) return turn.sayWith('faq.didYouMean', faqOptions(turn, draft));
  prompt(turn);
}

/**
 * A topic chosen (by button, number or its words among those shown) is answered; free
 * text goes to the matcher: one topic is answered, a few are offered, none brings the
 * offer of a researcher. The person stays in the questions until they leave.
 */
export function answerFaq(turn: Turn, raw: { text?: string; choice?: string }, draft: Draft): void {
  const shown = faqOptions(turn, draft);
  const options = shown.map(({ id }) => ({ id, label: id === 'researcher' ? 'faq.researcher' : `faq.${id}.title` }));
  const chosen = readAnswer({ type: 'choice', options }, raw, turn.catalog.validators, turn.labelsOf);
  if (chosen.ok) return chosen.value === 'researcher' ? refer(turn, 'no_answer') : answerTopic(turn, String(chosen.value), draft);
  const match: FaqMatch =
    raw.text !== undefined && !/^\s*\p{Nd}+\s*$/u.test(raw.text) ? (turn.catalog.faq?.match(raw.text) ?? { kind: 'none' }) : { kind: 'none' };
  if (match.kind === 'answer') return answerTopic(turn, match.topicId, draft);
  if (match.kind === 'choices') {
    draft.answers.faq_shown = match.topicIds;
    return turn.sayWith('faq.didYouMean', faqOptions(turn, draft));
  }
  turn.s.invalidCount += 1;
  delete draft.answers.faq_shown;
  turn.sayWith('faq.noMatch', faqOptions(turn, draft));
}

/** A question typed at the menu is answered; "السلام عليكم" is a greeting, not a wrong choice. */
export function answerAtMenu(turn: Turn, text: string): void {
  const match = turn.catalog.faq?.match(text) ?? { kind: 'none' };
  if (match.kind === 'answer') {
    turn.say(`faq.${match.topicId}.answer`);
    return prompt(turn);
  }
  if (match.kind === 'choices') return startFaq(turn, match.topicIds);
  turn.say('welcome.back');
  prompt(turn);
}

function answerTopic(turn: Turn, topicId: string, draft: Draft): void {
  turn.s.invalidCount = 0;
  delete draft.answers.faq_shown;
  turn.emit({ type: 'faq_answered', topic: topicId });
  turn.say(`faq.${topicId}.answer`);
  turn.sayWith('faq.more', faqOptions(turn, draft));
}
