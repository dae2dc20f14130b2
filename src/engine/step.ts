import type { EngineEnv, EngineInput, InputMeta } from './input.js';
import type { EngineEvent, EngineRequest } from './events.js';
import type { FlowCatalog } from './contract.js';
import type { Session } from './session.js';
import { cloneJson } from './clone.js';
import { detectCommand } from './commands.js';
import { act } from './actions.js';
import { answer } from './answer.js';
import { onCommand } from './command-handling.js';
import { discard, expireDrafts } from './drafts.js';
import { modeOf } from './modes.js';
import { showMenu } from './navigation.js';
import { onDocumentsReminder, onInfoRequested } from './requests/info.js';
import { inReferral, onReferralEnded, type PersonInput } from './requests/referral.js';
import { onResult } from './requests/results.js';
import { onSurveyInvite } from './requests/survey.js';
import { MENU_FLOW, Turn } from './turn.js';

/** What a step produced: the next session, what happened, and at most one request to the caller. */
export interface StepResult {
  session: Session;
  events: EngineEvent[];
  request: EngineRequest | null;
}

/** How many of the person's last texts a researcher taking a referral sees. */
const RECENT_TEXTS = 5;

/**
 * Advances a conversation by one input. Pure and deterministic: the clock, ids and
 * messages come from `env`; nothing is sent or stored here. When the step needs
 * I/O (a look-up, a submission) it returns a `request`; the caller performs it
 * and calls `step` again with a `result` input before committing the session.
 *
 * The parts: `modes.ts` says who handles a message, `answer.ts` reads it against the
 * step, `command-handling.ts` obeys commands, `actions.ts` does a flow's actions, and
 * `requests/` holds one file per kind of request: what is asked and how its answer comes back.
 */
export function step(catalog: FlowCatalog, session: Session, input: EngineInput, meta: InputMeta, env: EngineEnv): StepResult {
  const turn = new Turn(catalog, cloneJson(session), meta, env, act);
  if (input.kind === 'result') onResult(turn, input.result);
  else if (input.kind === 'expire') expireDrafts(turn, false);
  // A notice is not the person's activity: it changes little beyond what they are told.
  else if (input.kind === 'notice') onNotice(turn, input.key, input.params);
  else onMessage(turn, input);
  return { session: turn.s, events: turn.events, request: turn.request };
}

/** Whether the conversation stands at a question that takes files, so a file sent now is worth fetching. */
export function expectsDocument(catalog: FlowCatalog, session: Session): boolean {
  // A file sent while a researcher has the conversation is relayed to them.
  if (session.referral) return true;
  const position = session.position;
  const current = position ? catalog.get(position.flow, position.version)?.steps[position.step] : undefined;
  return current?.kind === 'question' && current.answer.type === 'document';
}

/** Something the person sent: handled by the conversation's mode. */
function onMessage(turn: Turn, input: PersonInput): void {
  const mode = modeOf(turn);
  turn.s.lastActiveAt = turn.env.now.toISOString();
  // A request left unanswered (the caller crashed before resuming) is simply dropped;
  // the person's new message is handled from where the conversation stood.
  turn.s.waiting = null;

  const command = input.kind === 'text' ? detectCommand(input.text) : null;
  if (command === 'english' || command === 'arabic') turn.setLanguage(command === 'english' ? 'en' : 'ar');
  if (input.kind === 'text' && !command) turn.s.recent = [...(turn.s.recent ?? []), input.text.slice(0, 300)].slice(-RECENT_TEXTS);

  switch (mode.kind) {
    case 'first_contact':
      turn.say('welcome.first');
      // A first message that is already a command (/request from Telegram's menu) is obeyed.
      return command && command !== 'english' && command !== 'arabic' ? onCommand(turn, command) : showMenu(turn);
    case 'with_researcher':
      return inReferral(turn, input, command);
    case 'drafts_expired':
      expireDrafts(turn, true);
      // A file sent to the expired draft was stored before this step: it goes too.
      if (input.kind === 'document' && input.documentId) discard(turn, MENU_FLOW, [input.documentId]);
      return showMenu(turn);
    case 'at_rest':
      if (command) return onCommand(turn, command);
      turn.say('welcome.back');
      return showMenu(turn);
    case 'in_flow':
      if (command) return onCommand(turn, command);
      return answer(turn, input);
  }
}

/** Something the association tells the person without their asking, rendered in their language. */
function onNotice(turn: Turn, key: string, params: Record<string, string | number>): void {
  if (key === 'survey.invite') return onSurveyInvite(turn, String(params.surveyId ?? ''), params);
  if (key === 'info.requested') return onInfoRequested(turn, params);
  if (key === 'documents.reminder') return onDocumentsReminder(turn, params);
  if (key === 'referral.ended') return onReferralEnded(turn, params);
  turn.say(key, params);
}
