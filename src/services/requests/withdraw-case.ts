import type { EngineRequest } from '../../engine/events.js';
import type { RequestResult } from '../../engine/input.js';
import type { AuditLog } from '../../models/audit-log.js';
import type { CaseRepository } from '../../models/case-repository.js';
import { CaseTransitionError, isOpen } from '../../models/case-states.js';
import type { OpenRequestLocks } from '../../models/open-request-locks.js';
import type { ChatLocks } from '../chat-lock.js';
import type { RequestOrigin } from './origin.js';

export interface WithdrawDeps {
  cases: CaseRepository;
  locks: OpenRequestLocks;
  chatLocks: ChatLocks;
  audit: AuditLog;
}

/** The person withdraws their own open request: the case moves, the national ID is free again, the audit says so (once). */
export async function withdrawCase(
  deps: WithdrawDeps,
  { caseId }: Extract<EngineRequest, { type: 'withdraw_case' }>,
  origin: RequestOrigin,
): Promise<RequestResult> {
  const record = await deps.cases.get(caseId);
  // A chat may withdraw only its own case; anything else reads as "not open" and reveals nothing.
  if (!record || record.chatKey !== origin.chatKey) return { request: 'withdraw_case', outcome: 'not_open', reference: '' };
  const last = record.history.at(-1);
  // Withdrawn already by this chat: a retry after a crash finishes the work below instead of refusing.
  const alreadyOurs = record.status === 'withdrawn' && last?.by.kind === 'beneficiary' && last.by.id === origin.chatKey;
  if (!alreadyOurs) {
    if (!isOpen(record.status)) return { request: 'withdraw_case', outcome: 'not_open', reference: record.reference };
    try {
      // Every write to a case is made under its lock: a researcher may be claiming it right now.
      await deps.chatLocks.exclusive(`case:${caseId}`, () =>
        deps.cases.move(caseId, 'withdrawn', { kind: 'beneficiary', id: origin.chatKey }, origin.now, 'withdrawn by the beneficiary'),
      );
    } catch (error) {
      if (error instanceof CaseTransitionError) return { request: 'withdraw_case', outcome: 'not_open', reference: record.reference };
      throw error;
    }
  }
  await deps.locks.release(record.nationalIdHash, caseId);
  await deps.audit.recordOnce(`withdrawn:${caseId}`, {
    at: origin.now,
    actor: { kind: 'beneficiary', id: origin.chatKey },
    action: 'case.withdrawn',
    target: { kind: 'case', id: caseId },
    details: { channel: origin.channel },
  });
  return { request: 'withdraw_case', outcome: 'withdrawn', reference: record.reference };
}
