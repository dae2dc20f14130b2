import type { ReferralReason } from '../events.js';
import type { EngineInput, RequestResult } from '../input.js';
import type { Waiting } from '../session.js';
import { isEndOfReferral, type Command } from '../commands.js';
import { repeatQuestion, showMenu } from '../navigation.js';
import type { Turn } from '../turn.js';

/**
 * A referral to a social researcher (the policy's referral when the procedure is unclear):
 * opening one, what the person sends while it is open, and its end.
 */

/** What a person can send in a conversation (not a result, an expiry or a notice). */
export type PersonInput = Exclude<EngineInput, { kind: 'result' | 'expire' | 'notice' }>;

/** Hands the conversation to a researcher; the person stays where they were and returns there after. */
export function refer(turn: Turn, reason: ReferralReason): void {
  if (turn.s.referral) return;
  const position = turn.s.position;
  const referralId = turn.env.newId();
  turn.ask(
    {
      type: 'open_referral',
      referralId,
      reason,
      lang: turn.s.lang,
      context: { flow: position?.flow ?? null, step: position?.step ?? null },
      recent: turn.s.recent ?? [],
    },
    'referral',
    referralId,
  );
}

export function onReferralOpened(turn: Turn, result: Extract<RequestResult, { request: 'open_referral' }>, waiting: Waiting): void {
  turn.s.referral = { id: waiting.value ?? '', reference: result.reference, since: turn.env.now.toISOString() };
  turn.s.recent = [];
  turn.s.invalidCount = 0;
  turn.s.helpCount = 0;
  turn.emit({ type: 'referral_opened', reference: result.reference });
  turn.say('referral.opened', { reference: result.reference });
  if (result.opensAt) turn.say('referral.outsideHours', { opensAt: result.opensAt });
}

/**
 * While a researcher has the conversation the bot steps aside: everything is relayed,
 * unanswered, except a change of language and the words that end the referral ("end",
 * "menu", "cancel", "back"), which bring the person back where they were.
 */
export function inReferral(turn: Turn, input: PersonInput, command: Command | null): void {
  const referral = turn.s.referral;
  if (!referral) return;
  if (command === 'english' || command === 'arabic' || command === 'language') {
    if (command === 'language') turn.setLanguage(turn.s.lang === 'ar' ? 'en' : 'ar');
    return turn.say('language.changed');
  }
  if (command === 'menu' || command === 'cancel' || command === 'back' || (input.kind === 'text' && isEndOfReferral(input.text))) {
    return turn.ask({ type: 'close_referral', referralId: referral.id }, command === 'menu' ? 'referral_close:menu' : 'referral_close:return');
  }
  if (input.kind === 'document_rejected') return turn.say(input.error, input.params);
  const message =
    input.kind === 'text'
      ? { text: input.text }
      : input.kind === 'choice'
        ? { text: input.optionId }
        : input.kind === 'document'
          ? { documentId: input.documentId }
          : { unsupported: input.what };
  turn.ask({ type: 'relay_to_researcher', referralId: referral.id, message }, 'relay');
}

export function onRelayed(turn: Turn, result: Extract<RequestResult, { request: 'relay_to_researcher' }>): void {
  // Relayed: the researcher answers, not the bot.
  if (result.open) return;
  turn.s.referral = null;
  turn.say('referral.endedBefore');
  repeatQuestion(turn);
}

/** The person ended the referral: "menu" goes to the menu, the other words back to where they were. */
export function onReferralClosed(turn: Turn, _result: Extract<RequestResult, { request: 'close_referral' }>, waiting: Waiting): void {
  turn.s.referral = null;
  turn.say('referral.closedByYou');
  return waiting.purpose === 'referral_close:menu' ? showMenu(turn) : repeatQuestion(turn);
}

/** The researcher ended the conversation: the person is back at the question they left. */
export function onReferralEnded(turn: Turn, params: Record<string, string | number>): void {
  turn.say('referral.ended', params);
  if (turn.s.referral && params.referralId === turn.s.referral.id) {
    turn.s.referral = null;
    repeatQuestion(turn);
  }
}
