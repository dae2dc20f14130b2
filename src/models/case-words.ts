import type { KeyRing } from '../privacy/key-ring.js';
import type { CaseMove, Decision } from './case-states.js';

/*
 * The committee's and staff's words in a case (the support granted, a rejection's reason, the
 * reason of every move in its history) are sealed like the answers: they carry income, health
 * and family details. Words written before they were sealed are read as they are, and sealed in
 * place by CaseRepository.sealWords (the sweeper, a batch at a time).
 */

export function sealDecision(keys: KeyRing, decision: Decision): Decision {
  return {
    ...decision,
    ...(decision.reason !== undefined ? { reason: keys.encryptText(decision.reason) } : {}),
    ...(decision.supportGranted !== undefined ? { supportGranted: keys.encryptText(decision.supportGranted) } : {}),
  };
}

export function openDecision(keys: KeyRing, decision: Decision): Decision {
  return {
    ...decision,
    ...(decision.reason !== undefined ? { reason: openWords(keys, decision.reason) } : {}),
    ...(decision.supportGranted !== undefined ? { supportGranted: openWords(keys, decision.supportGranted) } : {}),
  };
}

/** Sealed words opened; words stored before sealing (in clear) as they are. */
export function openWords(keys: KeyRing, value: string): string {
  return keys.isEncrypted(value) ? keys.decryptText(value) : value;
}

/** Whether a case still holds words in clear (stored before they were sealed). */
export function holdsClearWords(keys: KeyRing, doc: { decision?: Decision | null; history?: CaseMove[] }): boolean {
  const clear = (value: string | undefined) => value !== undefined && value !== '' && !keys.isEncrypted(value);
  return clear(doc.decision?.reason) || clear(doc.decision?.supportGranted) || (doc.history ?? []).some((move) => clear(move.reason));
}

/** The history and decision with every word in clear sealed, and those sealed already left as they are. */
export function sealClearWords(keys: KeyRing, doc: { decision?: Decision | null; history?: CaseMove[] }): { history: CaseMove[]; decision: Decision | null } {
  const seal = (value: string) => (keys.isEncrypted(value) ? value : keys.encryptText(value));
  const history = (doc.history ?? []).map((move) => (move.reason ? { ...move, reason: seal(move.reason) } : move));
  const decision = doc.decision
    ? {
        ...doc.decision,
        ...(doc.decision.reason ? { reason: seal(doc.decision.reason) } : {}),
        ...(doc.decision.supportGranted ? { supportGranted: seal(doc.decision.supportGranted) } : {}),
      }
    : null;
  return { history, decision };
}
