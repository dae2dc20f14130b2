import type { Channel } from '../core/channel.js';
import type { AuditLog } from '../models/audit-log.js';
import type { Referral, ReferralRepository } from '../models/referral-repository.js';
import type { Staff, StaffRepository } from '../models/staff.js';
import type { CaseActionDeps } from './case-actions.js';
import type { ChatLocks } from './chat-lock.js';
import { may } from './staff-permissions.js';

export interface ReferralActionDeps {
  referrals: ReferralRepository;
  staff: StaffRepository;
  audit: AuditLog;
  chatLocks: ChatLocks;
  notify: CaseActionDeps['notify'];
}

/** What taking a referral came to; the refusals say why, for the desk to put in words. */
export type TakeResult =
  | { ok: true; referral: Referral }
  | { ok: false; reason: 'not_allowed' | 'not_found' | 'already' }
  | { ok: false; reason: 'busy'; reference: string }
  | { ok: false; reason: 'taken_by'; name: string | null };

/**
 * The researchers' acts on a referral, whatever the channel they work in: take it, speak in
 * it, end it, hand it back. Each is checked against the one role table at the moment of the
 * act, written under the referral's lock, audited, and the person told through their chat's
 * inbox (the notice's id makes a repeat tell nobody twice). The desk only translates.
 */
export class ReferralActions {
  constructor(private readonly deps: ReferralActionDeps) {}

  /** Takes a waiting referral for the member: one conversation at a time, the first taker wins. */
  async take(member: Staff, referralId: string): Promise<TakeResult> {
    const { referrals, chatLocks, audit } = this.deps;
    if (!may(member, 'relay')) return { ok: false, reason: 'not_allowed' };
    // One conversation at a time: what a researcher writes privately goes to the one person they are talking to.
    const current = await referrals.activeFor(member.id);
    if (current && current.id !== referralId) return { ok: false, reason: 'busy', reference: current.reference };
    const researcher = { staffId: member.id, name: member.name, telegramUserId: member.telegramUserId };
    const taken = await chatLocks.exclusive(`referral:${referralId}`, () => referrals.take(referralId, researcher));
    const referral = await referrals.get(referralId);
    if (!referral) return { ok: false, reason: 'not_found' };
    if (!taken)
      return referral.researcher?.staffId === member.id
        ? { ok: false, reason: 'already' }
        : { ok: false, reason: 'taken_by', name: referral.researcher?.name ?? null };
    await audit.record({
      at: new Date(),
      actor: { kind: 'staff', id: member.id, name: member.name },
      action: 'referral.taken',
      target: { kind: 'referral', id: referralId },
    });
    return { ok: true, referral };
  }

  /** The taker could not be written to at all (never started the bot): the referral waits for another researcher. */
  async untake(referralId: string): Promise<void> {
    await this.deps.chatLocks.exclusive(`referral:${referralId}`, () => this.deps.referrals.release(referralId));
  }

  /** Tells the person who took their conversation (once per referral). */
  async tellTaken(member: Staff, referral: Referral): Promise<void> {
    await this.deps.notify(this.personOf(referral), { key: 'referral.claimed', params: { name: member.name } }, `referral-taken:${referral.id}`);
  }

  /** The member's open referral, if they have one, and whether they may still speak in it (a role lost a moment ago stops them). */
  async openFor(member: Staff): Promise<{ referral: Referral; allowed: boolean } | null> {
    const referral = await this.deps.referrals.activeFor(member.id);
    return referral ? { referral, allowed: may(member, 'relay') } : null;
  }

  /** The researcher's words for the person (once per Telegram message); nothing for an empty text. */
  async relay(member: Staff, referral: Referral, text: string, messageId: string): Promise<void> {
    const body = text.trim().slice(0, 3000);
    if (body === '') return;
    await this.deps.notify(
      this.personOf(referral),
      { key: 'referral.fromResearcher', params: { name: member.name, text: body } },
      `relay:${referral.id}:${messageId}`,
    );
  }

  /** The researcher ends the conversation: the person is told and back where they were. False when it had ended already. */
  async end(member: Staff, referral: Referral): Promise<boolean> {
    const closed = await this.deps.chatLocks.exclusive(`referral:${referral.id}`, () => this.deps.referrals.close(referral.id, 'researcher', new Date()));
    if (!closed) return false;
    await this.deps.audit.record({
      at: new Date(),
      actor: { kind: 'staff', id: member.id, name: member.name },
      action: 'referral.closed',
      target: { kind: 'referral', id: referral.id },
      details: { by: 'researcher' },
    });
    await this.deps.notify(
      this.personOf(referral),
      { key: 'referral.ended', params: { name: member.name, referralId: referral.engineId } },
      `referral-ended:${referral.id}`,
    );
    return true;
  }

  /** Whether the researcher holding an active referral may still relay (read now: a removed role counts at once). */
  async holderMayRelay(referral: Referral): Promise<boolean> {
    const researcher = referral.researcher;
    if (!researcher || referral.status !== 'active') return true;
    return may(await this.deps.staff.get(researcher.staffId), 'relay');
  }

  /**
   * Takes an active referral from its researcher: back to waiting (announced again), the person
   * told another researcher will be with them, the act audited. Each step is keyed by the
   * referral and the researcher, so a repeat tells nobody twice. False when nothing was handed
   * back (ended meanwhile by the person or the researcher).
   */
  async handBack(referral: Referral, why: 'role' | 'unreachable'): Promise<boolean> {
    const researcher = referral.researcher;
    if (!researcher) return false;
    if (!(await this.deps.chatLocks.exclusive(`referral:${referral.id}`, () => this.deps.referrals.release(referral.id)))) return false;
    const key = `referral-released:${referral.id}:${researcher.staffId}`;
    await this.deps.audit.recordOnce(key, {
      at: new Date(),
      actor: { kind: 'system', id: 'staff-desk' },
      action: 'referral.released',
      target: { kind: 'referral', id: referral.id },
      details: { staffId: researcher.staffId, why },
    });
    await this.deps.notify(this.personOf(referral), { key: 'referral.researcherUnavailable', params: {} }, key);
    return true;
  }

  /** Records that the referral was announced (and where, to edit the announcement later). */
  async announced(referral: Referral, alert: { chatId: string; messageId: number } | null): Promise<void> {
    await this.deps.chatLocks.exclusive(`referral:${referral.id}`, () => this.deps.referrals.announced(referral.id, new Date(), alert));
  }

  /** Records which of the person's messages reached the researcher. */
  async delivered(referral: Referral, messageIds: string[]): Promise<void> {
    await this.deps.chatLocks.exclusive(`referral:${referral.id}`, () => this.deps.referrals.delivered(referral.id, messageIds));
  }

  private personOf(referral: Referral): { chatKey: string; channel: Channel } {
    return { chatKey: referral.chatKey, channel: referral.channel as Channel };
  }
}
