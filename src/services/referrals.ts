import { createHash } from 'node:crypto';
import type { EngineRequest } from '../engine/events.js';
import type { Language } from '../engine/session.js';
import type { AuditLog } from '../models/audit-log.js';
import type { ReferralRepository } from '../models/referral-repository.js';
import type { ChatLocks } from './chat-lock.js';
import { referenceFromSeed } from '../core/reference.js';
import { nextOpening, type WorkingHours } from '../core/working-hours.js';

/** What the beneficiary's side of a referral works with. */
export interface ReferralDeps {
  referrals: ReferralRepository;
  audit: AuditLog;
  chatLocks: ChatLocks;
  workingHours: WorkingHours;
  /** Formats the next opening for the person (Gregorian and Hijri, with the time). */
  formatOpening: (at: Date, lang: Language) => string;
  /** Hurries the staff side along (announcing, relaying); the referral document is the guarantee. */
  onReferralChanged?: () => Promise<void>;
}

interface Origin {
  chatKey: string;
  channel: string;
  lang: Language;
  now: Date;
  /** The inbound message being handled: relayed messages are keyed by it, so a retry relays once. */
  messageMark: string;
}

/** The referral's id: derived from the chat and the id the engine drew, so a retried opening finds it. */
export function referralIdOf(chatKey: string, referralId: string): string {
  return `ref_${createHash('sha256').update(`referral:${chatKey}:${referralId}`).digest('hex').slice(0, 24)}`;
}

/** Opens a referral (idempotent) and says when a researcher can be expected. */
export async function openReferral(
  deps: ReferralDeps,
  request: Extract<EngineRequest, { type: 'open_referral' }>,
  origin: Origin,
): Promise<{ reference: string; opensAt: string | null }> {
  const id = referralIdOf(origin.chatKey, request.referralId);
  for (let attempt = 0; attempt < 5; attempt++) {
    const opened = await deps.referrals.open({
      id,
      engineId: request.referralId,
      reference: referenceFromSeed('RF', Buffer.from(`${id}:${attempt}`)),
      chatKey: origin.chatKey,
      channel: origin.channel,
      lang: request.lang,
      reason: request.reason,
      context: request.context,
      recent: request.recent,
      createdAt: origin.now,
    });
    if (!opened) continue;
    await deps.audit.recordOnce(`referral:${id}`, {
      at: origin.now,
      actor: { kind: 'beneficiary', id: origin.chatKey },
      action: 'referral.opened',
      target: { kind: 'referral', id },
      details: { channel: origin.channel, reason: request.reason, flow: request.context.flow, step: request.context.step },
    });
    await deps.onReferralChanged?.().catch(() => undefined);
    const opening = nextOpening(origin.now, deps.workingHours);
    return { reference: opened.reference, opensAt: opening ? deps.formatOpening(opening, request.lang) : null };
  }
  throw new Error('could not find a free reference for a referral');
}

/** Passes something the person sent to the researcher; `open` false when the referral has ended. */
export async function relayToResearcher(
  deps: ReferralDeps,
  request: Extract<EngineRequest, { type: 'relay_to_researcher' }>,
  origin: Origin,
): Promise<boolean> {
  const id = referralIdOf(origin.chatKey, request.referralId);
  const open = await deps.chatLocks.exclusive(`referral:${id}`, async () => {
    const referral = await deps.referrals.get(id);
    if (!referral || referral.status === 'closed') return false;
    await deps.referrals.queueForResearcher(id, { id: origin.messageMark, from: 'beneficiary', ...request.message, at: origin.now });
    return true;
  });
  if (open) await deps.onReferralChanged?.().catch(() => undefined);
  return open;
}

/** The person ends the referral; the researcher is told. */
export async function closeReferral(deps: ReferralDeps, request: Extract<EngineRequest, { type: 'close_referral' }>, origin: Origin): Promise<void> {
  const id = referralIdOf(origin.chatKey, request.referralId);
  const closed = await deps.chatLocks.exclusive(`referral:${id}`, async () => {
    const referral = await deps.referrals.get(id);
    if (!referral || !(await deps.referrals.close(id, 'beneficiary', origin.now))) return false;
    // A researcher who took it hears that it ended; one who did not has nothing to hear.
    if (referral.status === 'active')
      await deps.referrals.queueForResearcher(id, { id: `end:${origin.messageMark}`, from: 'system', text: 'ended_by_beneficiary', at: origin.now });
    return true;
  });
  if (!closed) return;
  await deps.audit.recordOnce(`referral-closed:${id}`, {
    at: origin.now,
    actor: { kind: 'beneficiary', id: origin.chatKey },
    action: 'referral.closed',
    target: { kind: 'referral', id },
    details: { by: 'beneficiary' },
  });
  await deps.onReferralChanged?.().catch(() => undefined);
}
