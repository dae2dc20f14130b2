import type { Command } from './commands.js';
import { answeredPath } from './path.js';
import { discardUnfinishedFiles, dropDraft, keptDraftFlows } from './drafts.js';
import { startFaq } from './faq.js';
import { repeatQuestion, showMenu, startFlow } from './navigation.js';
import { prompt } from './prompt.js';
import { startInfo } from './requests/info.js';
import { askOwnCases } from './requests/own-cases.js';
import { askOwnData } from './requests/own-data.js';
import { refer } from './requests/referral.js';
import { startSurvey } from './requests/survey.js';
import { MENU_FLOW, type Turn } from './turn.js';

/** A word or slash command, obeyed wherever the person stands (outside a referral). */
export function onCommand(turn: Turn, command: Command): void {
  switch (command) {
    case 'english':
    case 'arabic':
      turn.say('language.changed');
      return repeatQuestion(turn);
    case 'language':
      turn.setLanguage(turn.s.lang === 'ar' ? 'en' : 'ar');
      turn.say('language.changed');
      return repeatQuestion(turn);
    case 'menu':
      return showMenu(turn);
    case 'help':
      // Asking for help a second time at the same question: the procedure is unclear, so a researcher is called.
      turn.s.helpCount = (turn.s.helpCount ?? 0) + 1;
      if (turn.s.helpCount >= 2) return refer(turn, 'help_twice');
      turn.say('help.text');
      return repeatQuestion(turn);
    case 'researcher':
      return refer(turn, 'asked');
    case 'ask':
      return startFaq(turn);
    case 'rate':
      return startSurvey(turn, turn.s.pendingSurvey ?? null);
    case 'provide':
      return startInfo(turn);
    case 'mydata':
      return askOwnData(turn);
    case 'erase':
      return startFlow(turn, 'erase');
    case 'stop':
    case 'resume':
      turn.s.optOut = command === 'stop';
      turn.say(command === 'stop' ? 'optional.stopped' : 'optional.resumed');
      return repeatQuestion(turn);
    case 'cancel':
      return cancel(turn);
    case 'back':
      return back(turn);
    case 'request':
      return startFlow(turn, 'support_request');
    case 'withdraw':
      return startFlow(turn, 'withdraw');
    case 'feedback':
    case 'volunteer':
    case 'track':
      return startFlow(turn, command);
    case 'status':
      return askOwnCases(turn);
  }
}

function cancel(turn: Turn): void {
  const current = turn.s.position?.flow;
  // At the menu, "cancel" means the unfinished request kept there, if any.
  const flows = current && current !== MENU_FLOW ? [current] : keptDraftFlows(turn);
  if (flows.length === 0) {
    turn.say('cancel.nothing');
    return showMenu(turn);
  }
  for (const flowId of flows) turn.emit({ type: 'flow_cancelled', flow: flowId, documentIds: dropDraft(turn, flowId) });
  turn.say('cancel.done');
  showMenu(turn);
}

function back(turn: Turn): void {
  const position = turn.s.position;
  const draft = position ? turn.s.drafts[position.flow] : undefined;
  if (position && draft?.editingFrom) {
    // Changing an answer from the review: "back" keeps the answer and returns to the review.
    position.step = draft.editingFrom;
    delete draft.editingFrom;
    discardUnfinishedFiles(turn, position.flow, draft);
    turn.s.invalidCount = 0;
    return prompt(turn);
  }
  let previous = draft?.trail.pop();
  if (position && draft) {
    // A question that no longer applies (the rent after housing changed to owned) is not returned to.
    const onPath = answeredPath(turn.flow(position.flow), draft.answers);
    while (previous !== undefined && !onPath.includes(previous)) previous = draft.trail.pop();
  }
  if (!position || !draft || previous === undefined) {
    turn.say('back.nowhere');
    return repeatQuestion(turn);
  }
  position.step = previous;
  turn.s.invalidCount = 0;
  discardUnfinishedFiles(turn, position.flow, draft);
  prompt(turn);
}
