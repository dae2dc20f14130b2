import type { Position, ReferralState } from './session.js';
import { hasKeptDrafts } from './drafts.js';
import type { Turn } from './turn.js';

/**
 * Where a conversation stands when the person writes, which decides who handles what they
 * sent. The stored session keeps these as separate fields (`referral`, `position`,
 * `draftsExpired`, …, validated when loaded); this type is the one place that reads them
 * together and says which wins, in this order.
 */
export type Mode =
  /** The chat has never written: welcomed, then the menu (or the command it opened with). */
  | { kind: 'first_contact' }
  /** A researcher has the conversation: everything is relayed, except the words that end it. */
  | { kind: 'with_researcher'; referral: ReferralState }
  /** A kept draft sat idle past the limit (now, or while the person was away): dropped and said so. */
  | { kind: 'drafts_expired' }
  /** Standing nowhere (after an expiry in their absence): a command is obeyed, anything else brings the menu. */
  | { kind: 'at_rest' }
  /** At a step of a flow (the menu is a flow too): a command is obeyed, anything else answers the step. */
  | { kind: 'in_flow'; position: Position };

/** The mode before this message is taken into account (read before `lastActiveAt` moves). */
export function modeOf(turn: Turn): Mode {
  const s = turn.s;
  if (s.lastActiveAt === null) return { kind: 'first_contact' };
  if (s.referral) return { kind: 'with_researcher', referral: s.referral };
  const idleMs = turn.env.now.getTime() - Date.parse(s.lastActiveAt);
  if (s.draftsExpired || (idleMs > turn.env.draftIdleMs && hasKeptDrafts(turn))) return { kind: 'drafts_expired' };
  if (!s.position) return { kind: 'at_rest' };
  return { kind: 'in_flow', position: s.position };
}
