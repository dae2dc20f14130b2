import type { Translate } from './contract.js';
import type { AnswerValue } from './session.js';

/** Kinds of message the flows cannot take as an answer; each gets its own explanation. */
export type UnsupportedKind = 'sticker' | 'voice' | 'location' | 'contact' | 'video' | 'other';

/** A request as a look-up shows it: whether the chat or the national ID already has an open request, or the chat's own requests. */
export interface OpenCaseSummary {
  caseId: string;
  reference: string;
  status: string;
  submittedAt: string;
  expectedBy: string;
}

/** The outcome of a request the engine made of its caller, fed back in as input. */
export type RequestResult =
  | { request: 'find_own_open_case'; openCase: OpenCaseSummary | null }
  | { request: 'check_national_id'; holder: 'none' | 'this_chat' | 'limited' }
  | { request: 'submit_case'; outcome: 'submitted'; caseId: string; reference: string; expectedBy: string }
  | { request: 'submit_case'; outcome: 'duplicate' }
  | { request: 'withdraw_case'; outcome: 'withdrawn' | 'not_open'; reference: string }
  | { request: 'submit_record'; reference: string }
  | { request: 'find_own_cases'; cases: OpenCaseSummary[] }
  /** `opensAt`: outside working hours, when researchers are next at work (readable); null within them. */
  | { request: 'open_referral'; reference: string; opensAt: string | null }
  /** `open` false: the researcher ended the referral meanwhile, so nothing was relayed. */
  | { request: 'relay_to_researcher'; open: boolean }
  | { request: 'close_referral' }
  /** `already`: this invitation was answered before (a repeated answer). */
  | { request: 'submit_survey'; outcome: 'recorded' | 'already' }
  /** The chat's requests with their answers, and its other records; the drafts the engine has itself. */
  | {
      request: 'export_own_data';
      cases: {
        reference: string;
        status: string;
        submittedAt: string;
        flow: string;
        flowVersion: number;
        answers: Record<string, AnswerValue>;
        /** What the committee wrote with its decision (the support granted, or why not), when it has decided. */
        decisionWords?: string;
      }[];
      records: { kind: string; reference: string; createdAt: string }[];
      ratings: number;
    }
  /** `pending`: a request made earlier still waits for a decision (its reference is given again). */
  | { request: 'request_erasure'; outcome: 'recorded' | 'pending'; reference: string }
  /** `not_waiting`: the case no longer waits for information (answered before, or moved on). */
  /** `stillOwed`: documents promised at submission are still owed (words came, no file), so «استكمال» stays open for them. */
  | { request: 'submit_info'; outcome: 'recorded' | 'not_waiting'; reference: string; stillOwed?: boolean }
  /** `limited`: too many attempts for this reference or chat; `not_found` also when the digits do not match. */
  | { request: 'lookup_case'; outcome: 'found'; found: OpenCaseSummary }
  | { request: 'lookup_case'; outcome: 'not_found' | 'limited' };

/** One thing a person sent, already turned into the engine's terms by the channel and the services. */
export type EngineInput =
  | { kind: 'text'; text: string }
  /** A button press: the option id it carries. */
  | { kind: 'choice'; optionId: string }
  /** A file that passed inspection and is stored; `documentId` refers to it. */
  | { kind: 'document'; documentId: string }
  /** A file that failed inspection; `error` is a message key. */
  | { kind: 'document_rejected'; error: string; params?: Record<string, string | number> }
  | { kind: 'unsupported'; what: UnsupportedKind }
  | { kind: 'result'; result: RequestResult }
  /** A draft left idle too long was expired by the sweeper; the person is told when they return. */
  | { kind: 'expire' }
  /** Something the association tells the person without their asking (a decision); rendered in their language. */
  | { kind: 'notice'; key: string; params: Record<string, string | number> };

/** Facts about the inbound message, recorded with a declaration. */
export interface InputMeta {
  channel: string;
  messageId: string;
  /** When the message was received (ISO). */
  at: string;
}

/**
 * Everything the engine needs from outside, passed in so that `step` stays pure:
 * the clock, an id source, the message catalogue and limits.
 */
export interface EngineEnv {
  now: Date;
  /** Returns a new id; seeded from the inbound message so a retry gets the same ids. */
  newId: () => string;
  t: Translate;
  /** How long a draft may sit idle before it expires. */
  draftIdleMs: number;
  /** Version of the privacy notice the person must consent to. */
  privacyNoticeVersion: string;
  /** Invalid answers in a row after which the person is offered help. */
  helpAfterInvalid: number;
  /** Invalid answers in a row after which a researcher is called (default: two more than `helpAfterInvalid`). */
  referAfterInvalid?: number;
}
