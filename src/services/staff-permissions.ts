import type { Staff, StaffRole } from '../models/staff.js';
import type { QuestionPurpose } from '../models/staff-questions.js';

/**
 * The one role table: every staff act, on every path (a button, an answer to the bot's
 * question, the referral relay, the information a person adds being forwarded, the
 * command line, the admin HTTP endpoints), asks {@link may} at the moment of the act,
 * with the member as just read from MongoDB. A role removed is therefore lost at once.
 */
export const ROLES_FOR = {
  /** Open a case privately (audited). */
  view: ['researcher', 'committee', 'admin'],
  /** Take a new case for study. */
  claim: ['researcher'],
  /** Ask the person for information, write the field-visit note; hear what the person adds. */
  study: ['researcher'],
  /** Approve or reject, take a decision back within its window, reopen a decided case. */
  decide: ['committee'],
  /** Registration, the service, closing. */
  advance: ['researcher', 'committee'],
  /** Take a referral and talk with the person in it. */
  relay: ['researcher'],
  /** Answer a suggestion or complaint. */
  answer_feedback: ['complaints_handler'],
  /** Hear of new volunteers. */
  volunteers: ['volunteer_coordinator'],
  /** Reports, exports, erasure decisions, operational alerts, the admin HTTP endpoints. */
  administer: ['admin'],
} as const satisfies Record<string, readonly StaffRole[]>;

export type StaffAct = keyof typeof ROLES_FOR;

/** Whether the member, as stored now, may do `act`: active, and holding one of its roles. */
export function may(member: Pick<Staff, 'active' | 'roles'> | null | undefined, act: StaffAct): boolean {
  return member?.active === true && member.roles.some((role) => (ROLES_FOR[act] as readonly StaffRole[]).includes(role));
}

/** What answering each of the bot's questions to staff needs: a question outlives no role it depends on. */
export const QUESTION_PERMISSION: Readonly<Record<QuestionPurpose, StaffAct>> = {
  approved: 'decide',
  rejected: 'decide',
  reopen: 'decide',
  info: 'study',
  note: 'study',
  recommend_approve: 'study',
  recommend_reject: 'study',
  answered: 'answer_feedback',
};
