import { z } from 'zod';

/** The languages every message exists in. Arabic is the default. */
export const LanguageSchema = z.enum(['ar', 'en']);
export type Language = z.infer<typeof LanguageSchema>;

/** A value given in answer to a question, as stored in the session (JSON only). */
export const AnswerValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.array(z.number()), z.record(z.string(), z.string())]);
export type AnswerValue = z.infer<typeof AnswerValueSchema>;

/** Where a conversation stands inside a flow. */
export const PositionSchema = z.object({ flow: z.string(), version: z.number().int(), step: z.string() });
export type Position = z.infer<typeof PositionSchema>;

/** A question the engine has put to its caller and waits on (a look-up or a submission). */
export const WaitingSchema = z.object({
  request: z.string(),
  /** Why the engine asked: a flow guard, a step, or a menu action. */
  purpose: z.string(),
  /** A validated answer held until the check on it comes back. */
  value: z.string().optional(),
});
export type Waiting = z.infer<typeof WaitingSchema>;

/** The answers of one flow in progress, kept across `back`, edits, leaving for the menu and restarts. */
export const DraftSchema = z.object({
  /** Seeds the submission id, so a retried submission is recognised as the same one. */
  id: z.string(),
  answers: z.record(z.string(), AnswerValueSchema),
  /** Steps answered in order, for `back`. */
  trail: z.array(z.string()),
  /** Files received so far for the document question in progress. */
  files: z.array(z.string()),
  /** Set while the person changes an answer from the review: "back" then returns there, keeping the answer. */
  editingFrom: z.string().optional(),
  startedAt: z.string(),
});
export type Draft = z.infer<typeof DraftSchema>;

/**
 * A conversation handed to a social researcher (the policy's referral when the procedure
 * is unclear): while it is open, what the person sends is relayed and the bot does not
 * answer in the researcher's place; when it ends they are back where they were.
 */
export const ReferralStateSchema = z.object({
  /** Seeds the referral's id, so a retried opening finds the same referral. */
  id: z.string(),
  reference: z.string(),
  since: z.string(),
});
export type ReferralState = z.infer<typeof ReferralStateSchema>;

/**
 * The whole state of one conversation: JSON-safe, validated when loaded, small.
 *
 * Drafts are keyed by flow id; a flow marked `keepsDraft` keeps its draft when the
 * person leaves for the menu, and it is dropped on cancel, on submission and when
 * it sits idle past the limit.
 */
export const SessionSchema = z.object({
  v: z.literal(1),
  lang: LanguageSchema,
  position: PositionSchema.nullable(),
  drafts: z.record(z.string(), DraftSchema),
  /** Invalid answers in a row to the current question. */
  invalidCount: z.number().int().nonnegative(),
  /** Version of the privacy notice the person consented to, and when. */
  consent: z.object({ version: z.string(), at: z.string() }).nullable(),
  waiting: WaitingSchema.nullable(),
  /** When the person last wrote; drives draft expiry. */
  lastActiveAt: z.string().nullable(),
  /** Set when drafts were expired in the person's absence, so they are told on return. */
  draftsExpired: z.boolean(),
  /** An open referral to a researcher; absent in sessions saved before referrals existed. */
  referral: ReferralStateSchema.nullable().optional(),
  /** The person's last few texts, for the researcher who takes a referral (the session is stored encrypted). */
  recent: z.array(z.string()).optional(),
  /** How many times "help" was asked at the current question: the second time, a researcher is called. */
  helpCount: z.number().int().nonnegative().optional(),
  /** The person stopped optional messages (survey invitations, reminders); service messages still come. */
  optOut: z.boolean().optional(),
  /** A survey invitation received while busy with something else, answered when they send «تقييم». */
  pendingSurvey: z.string().nullable().optional(),
  /** A researcher's request for information received while busy, answered when they send «استكمال». */
  pendingInfo: z.object({ caseId: z.string(), reference: z.string() }).nullable().optional(),
});
export type Session = z.infer<typeof SessionSchema>;

/** A session for a chat that has never written. */
export function newSession(): Session {
  return {
    v: 1,
    lang: 'ar',
    position: null,
    drafts: {},
    invalidCount: 0,
    consent: null,
    waiting: null,
    lastActiveAt: null,
    draftsExpired: false,
  };
}
