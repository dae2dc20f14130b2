import type { Flow } from '../flow-definition.js';
import type { RequestResult } from '../input.js';
import type { Draft } from '../session.js';
import { answeredDocumentIds, dropSubmittedDraft, requestAnswers } from '../drafts.js';
import { showMenu } from '../navigation.js';
import type { Turn } from '../turn.js';

/** A short flow's answers to store (a suggestion or complaint, a volunteer); the flow's id is the record's kind. */
export function submitRecord(turn: Turn, flow: Flow, draft: Draft): void {
  if (flow.id !== 'feedback' && flow.id !== 'volunteer') throw new Error(`flow ${flow.id} cannot submit a record`);
  const answers = requestAnswers(flow, draft);
  turn.ask(
    { type: 'submit_record', kind: flow.id, submissionId: draft.id, lang: turn.s.lang, answers, documentIds: answeredDocumentIds(flow, answers) },
    'record',
  );
}

export function onRecordSubmitted(turn: Turn, result: Extract<RequestResult, { request: 'submit_record' }>): void {
  const { flow, draft } = turn.current();
  dropSubmittedDraft(turn, flow, draft);
  turn.say(`${flow.id}.submitted`, { reference: result.reference });
  showMenu(turn);
}
