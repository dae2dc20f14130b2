import type { Flow } from './flow-definition.js';
import type { AnswerValue, Draft } from './session.js';
import { answeredPath } from './path.js';
import { MENU_FLOW, type Turn } from './turn.js';

/** The ids of the files given in answer to the flow's document questions. */
export function answeredDocumentIds(flow: Flow, answers: Record<string, AnswerValue>): string[] {
  return Object.entries(flow.steps).flatMap(([id, s]) => {
    const value = answers[id];
    return s.kind === 'question' && s.answer.type === 'document' && Array.isArray(value) ? value.map(String) : [];
  });
}

/** The answers that make the request: those on the path, nothing left over from a changed branch. */
export function requestAnswers(flow: Flow, draft: Draft): Record<string, AnswerValue> {
  const answers: Record<string, AnswerValue> = {};
  for (const id of answeredPath(flow, draft.answers)) answers[id] = draft.answers[id] as AnswerValue;
  return answers;
}

/** The flows whose unfinished drafts are kept at the menu (a support request). */
export function keptDraftFlows(turn: Turn): string[] {
  return Object.keys(turn.s.drafts).filter((id) => id !== MENU_FLOW && turn.flow(id).keepsDraft);
}

export function hasKeptDrafts(turn: Turn): boolean {
  return keptDraftFlows(turn).length > 0;
}

/** Hands files no longer part of any answer to the caller for deletion. */
export function discard(turn: Turn, flowId: string, documentIds: string[]): void {
  if (documentIds.length > 0) turn.emit({ type: 'documents_discarded', flow: flowId, documentIds });
}

/** Files received for a document question that was left before "done". */
export function discardUnfinishedFiles(turn: Turn, flowId: string, draft: Draft): void {
  discard(turn, flowId, draft.files);
  draft.files = [];
}

/** Deletes a flow's draft and returns the files it held, for the caller to delete too. */
export function dropDraft(turn: Turn, flowId: string): string[] {
  const draft = turn.s.drafts[flowId];
  delete turn.s.drafts[flowId];
  // The last texts kept for a researcher are answers too: they go with the draft.
  turn.s.recent = [];
  return draft ? [...answeredDocumentIds(turn.flow(flowId), draft.answers), ...draft.files] : [];
}

/** Drops the submitted flow's draft; files left over from a changed branch (a lease after housing became owned) go with it. */
export function dropSubmittedDraft(turn: Turn, flow: Flow, draft: Draft): void {
  const kept = new Set(answeredDocumentIds(flow, requestAnswers(flow, draft)));
  discard(
    turn,
    flow.id,
    dropDraft(turn, flow.id).filter((id) => !kept.has(id)),
  );
}

/** Drops every kept draft; `tell` says so now, otherwise the person is told when they return. */
export function expireDrafts(turn: Turn, tell: boolean): void {
  const expired = keptDraftFlows(turn).map((id) => [id, turn.s.drafts[id]] as const);
  // A draft with no answer yet (the person stopped at the privacy notice) goes without a word.
  const lostAnswers = expired.some(([, draft]) => draft && Object.keys(draft.answers).length > 0);
  for (const [flowId] of expired) turn.emit({ type: 'draft_expired', flow: flowId, documentIds: dropDraft(turn, flowId) });
  if (tell) {
    if (lostAnswers || turn.s.draftsExpired) turn.say('draft.expired');
    turn.s.draftsExpired = false;
  } else if (expired.length > 0) {
    turn.s.draftsExpired = lostAnswers;
    turn.s.position = null;
  }
}
