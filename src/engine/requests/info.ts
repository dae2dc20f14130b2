import type { RequestResult } from '../input.js';
import type { Draft } from '../session.js';
import { discard, dropDraft } from '../drafts.js';
import { isFree, openFresh, repeatQuestion, showMenu } from '../navigation.js';
import { prompt } from '../prompt.js';
import type { Turn } from '../turn.js';

/**
 * A researcher needs more from the person: what is missing, in their language, then the
 * short flow to send it — at once when they are free, otherwise when they send «استكمال».
 * A service message: it comes even to a person who stopped optional messages.
 */
export function onInfoRequested(turn: Turn, params: Record<string, string | number>): void {
  const items = String(params.items ?? '')
    .split(',')
    .filter(Boolean)
    .map((id) => `• ${turn.t(`info.item.${id}`)}`);
  const note = String(params.note ?? '').trim();
  turn.say('info.requested', { reference: String(params.reference ?? ''), items: items.join('\n') || '—', note: note || '—' });
  turn.s.pendingInfo = { caseId: String(params.caseId ?? ''), reference: String(params.reference ?? '') };
  if (isFree(turn)) return startInfo(turn);
  turn.say('info.later');
}

/**
 * The reminder, once, of documents promised at submission: which, for which request, and how to
 * send them («استكمال» opens the short flow for it). A service message, like an information request.
 */
export function onDocumentsReminder(turn: Turn, params: Record<string, string | number>): void {
  const flow = turn.catalog.get(String(params.flow ?? 'support_request'));
  const items = String(params.items ?? '')
    .split(',')
    .filter((id) => id && flow?.steps[id])
    .map((id) => `• ${turn.t(turn.labelKey(flow!, id))}`);
  const reference = String(params.reference ?? '');
  turn.say('documents.reminder', { reference, items: items.join('\n') || '—' });
  turn.s.pendingInfo = { caseId: String(params.caseId ?? ''), reference };
}

export function startInfo(turn: Turn): void {
  const pending = turn.s.pendingInfo;
  if (!pending) {
    turn.say('info.nothing');
    return repeatQuestion(turn);
  }
  openFresh(turn, 'info', { case_id: pending.caseId, case_reference: pending.reference });
  prompt(turn);
}

export function submitInfo(turn: Turn, draft: Draft): void {
  turn.ask(
    {
      type: 'submit_info',
      caseId: String(draft.answers.case_id ?? ''),
      text: draft.answers.info_text ? String(draft.answers.info_text) : '',
      documentIds: Array.isArray(draft.answers.info_files) ? draft.answers.info_files.map(String) : [],
    },
    'info',
  );
}

export function onInfoSubmitted(turn: Turn, result: Extract<RequestResult, { request: 'submit_info' }>): void {
  const { flow } = turn.current();
  const kept = result.outcome === 'recorded';
  // Files sent for a request that was no longer waiting are not kept.
  const dropped = dropDraft(turn, flow.id);
  if (!kept) discard(turn, flow.id, dropped);
  // Words without the documents promised: «استكمال» still sends them.
  turn.s.pendingInfo = kept && result.stillOwed ? turn.s.pendingInfo : null;
  turn.say(kept ? 'info.thanks' : 'info.notWaiting', { reference: result.reference });
  showMenu(turn);
}
