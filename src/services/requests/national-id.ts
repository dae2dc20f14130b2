import type { EngineRequest } from '../../engine/events.js';
import type { RequestResult } from '../../engine/input.js';
import type { CaseRepository } from '../../models/case-repository.js';
import { isOpen } from '../../models/case-states.js';
import type { KeyRing } from '../../privacy/key-ring.js';
import type { OpenRequestLocks } from '../../models/open-request-locks.js';
import type { RequestOrigin } from './origin.js';

export interface NationalIdDeps {
  keys: KeyRing;
  locks: OpenRequestLocks;
  cases: CaseRepository;
}

/** Whether an open request already uses the ID; for an ID held by another chat, only that one exists. */
export async function checkNationalId(
  deps: NationalIdDeps,
  request: Extract<EngineRequest, { type: 'check_national_id' }>,
  origin: RequestOrigin,
): Promise<RequestResult> {
  const lock = await deps.locks.get(deps.keys.lookupHash('national-id', request.nationalId));
  if (!lock) return { request: 'check_national_id', holder: 'none' };
  const holder = await deps.cases.statusOf(lock.caseId);
  if (holder && !isOpen(holder.status)) return { request: 'check_national_id', holder: 'none' };
  return { request: 'check_national_id', holder: holder?.chatKey === origin.chatKey ? 'this_chat' : 'another_chat' };
}
