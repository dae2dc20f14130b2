import { documentsSentLater, type Flow } from '../flow-definition.js';
import type { RequestResult } from '../input.js';
import type { Draft } from '../session.js';
import { answeredDocumentIds, dropSubmittedDraft, requestAnswers } from '../drafts.js';
import { showMenu } from '../navigation.js';
import { prompt } from '../prompt.js';
import type { Turn } from '../turn.js';

/** Submits the request with the declaration signed in this same turn, which binds its answers. */
export function submitCase(turn: Turn, flow: Flow, draft: Draft): void {
  const declared = [...turn.events].reverse().find((e) => e.type === 'declaration_accepted');
  if (!declared || declared.type !== 'declaration_accepted') throw new Error(`flow ${flow.id} submits without a declaration`);
  const answers = requestAnswers(flow, draft);
  turn.ask(
    {
      type: 'submit_case',
      submissionId: draft.id,
      flow: flow.id,
      flowVersion: flow.version,
      lang: turn.s.lang,
      answers,
      documentIds: answeredDocumentIds(flow, answers),
      declaration: declared.declaration,
    },
    'submit',
  );
}

export function onCaseSubmitted(turn: Turn, result: Extract<RequestResult, { request: 'submit_case' }>): void {
  if (result.outcome === 'duplicate') return askForAnotherId(turn);
  const { flow, draft } = turn.current();
  // The answers on the path, as submitted: a "later" on a question the person's answers left behind is not owed.
  const later = documentsSentLater(requestAnswers(flow, draft));
  dropSubmittedDraft(turn, flow, draft);
  turn.say('request.submitted', { reference: result.reference, expectedBy: result.expectedBy });
  if (later.length > 0) {
    // The documents promised: listed now, sent with «استكمال» whenever the person has them.
    turn.say('request.documentsLater', { items: later.map((id) => `• ${turn.t(turn.labelKey(flow, id))}`).join('\n') });
    turn.s.pendingInfo = { caseId: result.caseId, reference: result.reference };
  }
  showMenu(turn);
}

/**
 * This chat already has an open request under the national ID (made since the ID was checked):
 * the draft is kept and the person asked for the ID again, as at the question itself.
 */
function askForAnotherId(turn: Turn): void {
  const { flow, draft } = turn.current();
  const idStep = Object.entries(flow.steps).find(([, s]) => s.kind === 'question' && s.check === 'national_id')?.[0];
  turn.say('nationalId.takenHere');
  if (!idStep || !turn.s.position) return showMenu(turn);
  delete draft.answers[idStep];
  draft.trail = draft.trail.filter((id) => id !== idStep);
  turn.s.position.step = idStep;
  prompt(turn);
}
