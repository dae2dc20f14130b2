import type { AnswerValue, Language } from './session.js';

import type { OutboundMessage } from '../core/channel.js';

/** The signed declaration, as recorded with the case. */
export interface Declaration {
  version: string;
  acceptedAt: string;
  channel: string;
  messageId: string;
  /** SHA-256 of the canonical JSON of the answers declared correct. */
  answersHash: string;
}

/**
 * What a step did, in the past tense; the caller persists, delivers and audits them.
 * Events never carry answer values except where the caller must store them (`case_submit_requested`).
 */
export type EngineEvent =
  | { type: 'message_created'; message: OutboundMessage }
  | { type: 'flow_started'; flow: string }
  | { type: 'answer_recorded'; flow: string; step: string }
  | { type: 'answer_rejected'; flow: string; step: string; error: string }
  | { type: 'consent_given'; version: string }
  | { type: 'consent_refused'; version: string }
  | { type: 'language_changed'; lang: Language }
  | { type: 'flow_cancelled'; flow: string; documentIds: string[] }
  | { type: 'draft_expired'; flow: string; documentIds: string[] }
  /** Files no longer part of any answer (replaced, left unfinished, or on a branch not taken). */
  | { type: 'documents_discarded'; flow: string; documentIds: string[] }
  | { type: 'declaration_accepted'; declaration: Declaration }
  | { type: 'referral_opened'; reference: string }
  /** A question answered from the FAQ (the topic only: what was typed stays in the chat). */
  | { type: 'faq_answered'; topic: string };

/** Why a conversation was handed to a researcher. */
export type ReferralReason = 'asked' | 'help_twice' | 'stuck' | 'voice' | 'no_answer';

/**
 * Something the engine cannot do itself because it needs I/O; the caller does it and
 * feeds the outcome back as a `result` input before committing the step.
 */
export type EngineRequest =
  | { type: 'find_own_open_case' }
  /** The chat's own requests, newest first, for "my requests". */
  | { type: 'find_own_cases' }
  /** A request's status from another phone: its reference and the last four digits of its national ID. */
  | { type: 'lookup_case'; reference: string; lastFour: string }
  | { type: 'check_national_id'; nationalId: string }
  | {
      type: 'submit_case';
      submissionId: string;
      flow: string;
      flowVersion: number;
      lang: Language;
      answers: Record<string, AnswerValue>;
      documentIds: string[];
      declaration: Declaration;
    }
  | { type: 'withdraw_case'; caseId: string }
  /** Hands the conversation to a social researcher; `context` says where the person stood (ids only). */
  | {
      type: 'open_referral';
      referralId: string;
      reason: ReferralReason;
      lang: Language;
      context: { flow: string | null; step: string | null };
      recent: string[];
    }
  /** Something the person sent while a researcher has the conversation. */
  | { type: 'relay_to_researcher'; referralId: string; message: { text?: string; documentId?: string; unsupported?: string } }
  | { type: 'close_referral'; referralId: string }
  /** Everything the association holds about this chat, for the person to read (/mydata). */
  | { type: 'export_own_data' }
  /** The person asks the association to erase their data; an administrator decides. `requestId` makes a retry find its own request. */
  | { type: 'request_erasure'; requestId: string }
  /** What the person sends in answer to a researcher's request for information about their case. */
  | { type: 'submit_info'; caseId: string; text: string; documentIds: string[] }
  /** A rating of the service: for an invitation (`surveyId`), or given unasked. */
  | { type: 'submit_survey'; surveyId: string | null; submissionId: string; rating: number; comment: string | null }
  /** A short flow's answers to store (a suggestion or complaint, a volunteer): `kind` is the flow's id. */
  | {
      type: 'submit_record';
      kind: 'feedback' | 'volunteer';
      submissionId: string;
      lang: Language;
      answers: Record<string, AnswerValue>;
      documentIds: string[];
    };
