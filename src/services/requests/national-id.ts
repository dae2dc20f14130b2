import type { EngineRequest } from '../../engine/events.js';
import type { RequestResult } from '../../engine/input.js';
import type { AuditLog } from '../../models/audit-log.js';
import type { CaseRepository } from '../../models/case-repository.js';
import type { KeyRing } from '../../privacy/key-ring.js';
import type { AttemptCounter } from '../attempt-counter.js';
import type { RequestOrigin } from './origin.js';

export interface NationalIdDeps {
  keys: KeyRing;
  cases: CaseRepository;
  attempts: AttemptCounter;
  audit: AuditLog;
}

/** National IDs one chat may have checked a day: a family applying for several members fits, a list of strangers does not. */
export const ID_CHECKS_PER_CHAT = 10;
const ID_CHECK_WINDOW_MS = 86_400_000;

/**
 * Whether this chat already has an open request under the ID. Nothing else is told: an ID
 * held by another chat's request reads exactly like a free one (the request goes on and both
 * cases reach staff marked as sharing the ID, see submission.ts), so a stranger with a list
 * of IDs learns nothing, and the ID's owner is never turned away by someone who used it first.
 * Checks are counted and audited per chat.
 */
export async function checkNationalId(
  deps: NationalIdDeps,
  request: Extract<EngineRequest, { type: 'check_national_id' }>,
  origin: RequestOrigin,
): Promise<RequestResult> {
  const allowed = await deps.attempts.allow(`id-checks:${origin.chatKey}`, ID_CHECKS_PER_CHAT, ID_CHECK_WINDOW_MS);
  const open = allowed ? await deps.cases.openWithId(deps.keys.lookupHash('national-id', request.nationalId)) : [];
  const ownRequest = open.some((c) => c.chatKey === origin.chatKey);
  await deps.audit.record({
    at: origin.now,
    actor: { kind: 'beneficiary', id: origin.chatKey },
    action: allowed ? 'national_id.checked' : 'national_id.check_refused',
    target: { kind: 'chat', id: origin.chatKey },
    // Whether other chats hold the ID lets staff see a chat fishing for known IDs; the ID itself is never written.
    details: { channel: origin.channel, ...(allowed ? { ownRequest, heldElsewhere: open.some((c) => c.chatKey !== origin.chatKey) } : {}) },
  });
  if (!allowed) return { request: 'check_national_id', holder: 'limited' };
  return { request: 'check_national_id', holder: ownRequest ? 'this_chat' : 'none' };
}
