import type { EngineRequest } from '../../engine/events.js';
import type { RequestResult } from '../../engine/input.js';
import type { AuditLog } from '../../models/audit-log.js';
import type { CaseRepository } from '../../models/case-repository.js';
import type { KeyRing } from '../../privacy/key-ring.js';
import type { AttemptCounter } from '../attempt-counter.js';
import { summaryOf, type RequestOrigin } from './origin.js';

export interface LookupDeps {
  keys: KeyRing;
  cases: CaseRepository;
  attempts: AttemptCounter;
  audit: AuditLog;
}

/** Failed look-ups allowed per reference a day: four digits cannot be guessed in five tries. */
const LOOKUP_FAILURES_PER_REFERENCE = 5;
/** Look-ups allowed per chat an hour, found or not. */
const LOOKUPS_PER_CHAT = 10;

/**
 * A request's status from another phone. A wrong reference and wrong digits read the same
 * ("not found"). After too many look-ups from one chat, nothing is looked up for it for a while;
 * after five failures for one reference from other chats, that reference is not looked up for
 * them for a day, while the chat that made the request still follows it (a stranger who knows
 * a reference cannot lock its owner out). A try at a reference is taken before the digits are
 * compared, atomically, and a right answer gives it back: look-ups at the same moment cannot
 * pass the limit together.
 */
export async function lookupCase(deps: LookupDeps, request: Extract<EngineRequest, { type: 'lookup_case' }>, origin: RequestOrigin): Promise<RequestResult> {
  const failuresKey = `lookup-failures:${deps.keys.lookupHash('reference', request.reference)}`;
  if (!(await deps.attempts.allow(`lookups:${origin.chatKey}`, LOOKUPS_PER_CHAT, 3_600_000))) return { request: 'lookup_case', outcome: 'limited' };
  const record = await deps.cases.findByReference(request.reference);
  const ownRequest = record !== null && record.chatKey === origin.chatKey;
  if (!ownRequest && !(await deps.attempts.take(failuresKey, LOOKUP_FAILURES_PER_REFERENCE, 86_400_000))) {
    return { request: 'lookup_case', outcome: 'limited' };
  }
  const nationalId = record ? String(record.answers.national_id ?? '') : '';
  // A failed try keeps the try it took: it counts against the reference, for other chats.
  if (!record || nationalId.length < 4 || nationalId.slice(-4) !== request.lastFour) return { request: 'lookup_case', outcome: 'not_found' };
  if (!ownRequest) await deps.attempts.giveBack(failuresKey);
  await deps.audit.record({
    at: origin.now,
    actor: { kind: 'beneficiary', id: origin.chatKey },
    action: 'case.looked_up',
    target: { kind: 'case', id: record.id },
    details: { channel: origin.channel, ownChat: ownRequest },
  });
  return { request: 'lookup_case', outcome: 'found', found: summaryOf(record, origin.lang) };
}
