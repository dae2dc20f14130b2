import { z } from 'zod';

/** Every state a case can be in, from submission to its end. */
export const CaseStatusSchema = z.enum([
  'submitted',
  'in_review',
  'information_requested',
  'approved',
  'rejected',
  'registered',
  'service_delivered',
  'closed',
  'withdrawn',
]);
export type CaseStatus = z.infer<typeof CaseStatusSchema>;

/**
 * The moves a case may make. Registration follows approval once the requirements
 * are complete (policy step 6), then the service (step 7); a rejected or served case
 * is closed. Withdrawal is open to the beneficiary until a decision. A decision goes back
 * to review when taken back or reopened.
 */
export const CASE_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  submitted: ['in_review', 'withdrawn'],
  // Back to submitted: the researcher holding it lost the role, and it waits for another.
  in_review: ['information_requested', 'approved', 'rejected', 'withdrawn', 'submitted'],
  information_requested: ['in_review', 'withdrawn'],
  // Back to in review: the decision taken back within its undo window, or reopened by the committee.
  approved: ['registered', 'closed', 'in_review'],
  rejected: ['closed', 'in_review'],
  registered: ['service_delivered', 'closed'],
  service_delivered: ['closed'],
  closed: [],
  withdrawn: [],
};

/** States after which the national ID is free for a new request. */
export const FINAL_STATES: readonly CaseStatus[] = ['rejected', 'closed', 'withdrawn'];

/** Whether a case in this state still counts as the person's open request. */
export function isOpen(status: CaseStatus): boolean {
  return !FINAL_STATES.includes(status);
}

/** Whether `from → to` is a legal move. */
export function canMove(from: CaseStatus, to: CaseStatus): boolean {
  return CASE_TRANSITIONS[from].includes(to);
}

/** Who moved a case: a staff member, the beneficiary from their chat, or the system. */
export const ActorSchema = z.object({
  kind: z.enum(['staff', 'beneficiary', 'system', 'operator']),
  id: z.string(),
  name: z.string().optional(),
});
export type Actor = z.infer<typeof ActorSchema>;

/** One move in a case's history: who, when, why. */
export const CaseMoveSchema = z.object({
  from: CaseStatusSchema.nullable(),
  to: CaseStatusSchema,
  at: z.date(),
  by: ActorSchema,
  reason: z.string().optional(),
  /** The staff act that made the move (a question's or a press's id): a retry of the act finds it done. */
  act: z.string().optional(),
});
export type CaseMove = z.infer<typeof CaseMoveSchema>;

/** The committee's decision: who decided, why, and for an approval the support granted. */
export const DecisionSchema = z.object({
  outcome: z.enum(['approved', 'rejected']),
  by: ActorSchema,
  at: z.date(),
  reason: z.string().optional(),
  supportGranted: z.string().optional(),
});
export type Decision = z.infer<typeof DecisionSchema>;

/** Thrown for a move the transition table forbids, or when the case moved meanwhile. */
export class CaseTransitionError extends Error {
  readonly code = 'CASE_TRANSITION';
  constructor(
    readonly from: CaseStatus | null,
    readonly to: CaseStatus,
  ) {
    super(`a case cannot move from ${from ?? 'nothing'} to ${to}`);
    this.name = 'CaseTransitionError';
  }
}
