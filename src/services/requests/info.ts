import type { EngineRequest } from '../../engine/events.js';
import type { RequestResult } from '../../engine/input.js';
import type { AuditLog } from '../../models/audit-log.js';
import type { CaseRepository } from '../../models/case-repository.js';
import type { ChatLocks } from '../chat-lock.js';
import type { RequestOrigin } from './origin.js';

export interface InfoDeps {
  cases: CaseRepository;
  chatLocks: ChatLocks;
  audit: AuditLog;
  /** Hurries the researcher's alert along when information was provided (the case's flag is the guarantee). */
  onInfoProvided?: () => Promise<void>;
}

/**
 * The person's answer to an information request on their own case (kept with the case, back in
 * review), or the documents they promised at submission (kept, the state unchanged); either way
 * the researcher is told.
 */
export async function provideInfo(deps: InfoDeps, request: Extract<EngineRequest, { type: 'submit_info' }>, origin: RequestOrigin): Promise<RequestResult> {
  const record = await deps.cases.get(request.caseId);
  // Only the chat the case came from may add to it; anything else reads as "not waiting".
  if (!record || record.chatKey !== origin.chatKey) return { request: 'submit_info', outcome: 'not_waiting', reference: '' };
  const addition = { text: request.text, documentIds: request.documentIds, mark: origin.messageMark };
  const provided = await deps.chatLocks.exclusive(`case:${record.id}`, () =>
    record.status === 'information_requested' || record.documentsLater.length === 0
      ? deps.cases.provideInfo(record.id, addition, { kind: 'beneficiary', id: origin.chatKey }, origin.now)
      : deps.cases.provideLaterDocuments(record.id, addition, origin.now),
  );
  if (!provided) return { request: 'submit_info', outcome: 'not_waiting', reference: record.reference };
  await deps.audit.recordOnce(`info-provided:${record.id}:${origin.messageMark}`, {
    at: origin.now,
    actor: { kind: 'beneficiary', id: origin.chatKey },
    action: 'case.information_provided',
    target: { kind: 'case', id: record.id },
    details: { files: request.documentIds.length, text: request.text !== '' },
  });
  await deps.onInfoProvided?.().catch(() => undefined);
  const stillOwed = record.documentsLater.length > 0 && request.documentIds.length === 0;
  return { request: 'submit_info', outcome: 'recorded', reference: record.reference, ...(stillOwed ? { stillOwed } : {}) };
}
