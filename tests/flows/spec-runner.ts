import type { FlowCatalog } from '../../src/engine/contract.js';
import { expect } from 'vitest';
import { step, type StepResult } from '../../src/engine/step.js';
import { newSession, SessionSchema, type Language, type Session } from '../../src/engine/session.js';
import type { EngineEnv, EngineInput, RequestResult } from '../../src/engine/input.js';
import type { Declaration, EngineEvent, EngineRequest } from '../../src/engine/events.js';
import { loadFlowCatalog } from '../../src/flows/catalog.js';
import { createTranslator, loadCatalogues } from '../../src/i18n/translator.js';

/** What the world outside the engine answers to its requests, as data. */
export interface World {
  /** Whether the chat has checked too many national IDs today. */
  idChecksLimited?: boolean;
  /** National IDs with an open request made from this chat. */
  takenHere?: string[];
  /** The chat's own open request, if any. */
  openCase?: { caseId: string; reference: string; status: string; submittedAt: string; expectedBy: string } | null;
  /** Submissions refused because this chat has an open request under the ID. */
  duplicateOnSubmit?: boolean;
  /** What an accepted submission answers (defaults: SR-TEST-0001, 15 Nov 2026). */
  submission?: { reference: string; expectedBy: string };
  /** What a withdrawal answers (default: withdrawn). */
  withdrawOutcome?: 'withdrawn' | 'not_open';
  /** The chat's own requests, newest first (default: the open case, if any). */
  ownCases?: { caseId: string; reference: string; status: string; submittedAt: string; expectedBy: string }[];
  /** What /mydata finds besides the drafts (default: nothing). */
  ownData?: Omit<Extract<RequestResult, { request: 'export_own_data' }>, 'request'>;
  /** Whether the case no longer waits for the information sent. */
  infoNotWaiting?: boolean;
  /** Whether the invitation being answered was answered before. */
  surveyAnsweredBefore?: boolean;
  /** Invalid answers in a row that call a researcher (default: the engine's, five). */
  referAfterInvalid?: number;
  /** What opening a referral answers (default: RF-TEST-0001 within working hours); whether relays find it open (default yes). */
  referral?: { reference?: string; opensAt?: string | null; open?: boolean };
  /** A deletion request made earlier and still pending (default: none, so a new one is recorded as DEL-TEST-0001). */
  erasurePending?: string;
  /** What a look-up from another phone answers (default: not found). */
  lookup?:
    | { outcome: 'found'; found: { caseId: string; reference: string; status: string; submittedAt: string; expectedBy: string } }
    | { outcome: 'not_found' | 'limited' };
}

/** One input a spec case sends, or a move of the fixed clock. */
export type SpecInput =
  | string
  | { choice: string }
  | { document: string }
  | { unsupported: 'sticker' | 'voice' | 'location' | 'contact' | 'video' | 'other' }
  | { rejected: string; params?: Record<string, string | number> }
  | { advanceMs: number }
  /** The sweeper's expiry of an idle draft. */
  | { expire: true }
  /** Something the association tells the person (a decision, a researcher's message). */
  | { notice: string; params?: Record<string, string | number> };

/** What a turn expects of the `submit_case` request it made. */
export interface SubmittedExpectation {
  /** Exactly these answers (nothing more: only the fields on the path). */
  answers?: Record<string, unknown>;
  /** Exactly these document ids, in order. */
  documentIds?: string[];
  /** Fields the declaration must have. */
  declaration?: Partial<Declaration>;
  lang?: Language;
}

/** One input of a spec case and what must follow it. */
export interface SpecTurn {
  send: SpecInput;
  /** The inbound message id of this input (default `m<n>`, n counting inputs). */
  messageId?: string;
  /** Substrings every one of which must appear in the replies to this input. */
  replies?: string[];
  /** Substrings none of which may appear in the replies. */
  notReplies?: string[];
  /** A substring of the last reply (e.g. the question asked again after an error). */
  lastReply?: string;
  /** How many messages the replies must be. */
  replyCount?: number;
  /** The step the conversation must stand at afterwards (`flow/step`), or null at none. */
  at?: string | null;
  /** Answers the current draft must hold afterwards. */
  answers?: Record<string, unknown>;
  /** Answers the current draft must not hold afterwards. */
  missingAnswers?: string[];
  /** Exactly the flows holding a draft afterwards, the menu's own left out. */
  drafts?: string[];
  /** Event types that must have been produced. */
  events?: string[];
  /** Event types that must not have been produced. */
  notEvents?: string[];
  /** Each must match (toMatchObject) at least one event produced. */
  eventsMatch?: Record<string, unknown>[];
  /** Document ids that some event of this turn hands to the caller for deletion (in its `documentIds`). */
  discards?: string[];
  /** The requests made to the caller, in order, each matched with toMatchObject; `[]` means none. */
  requests?: Record<string, unknown>[];
  /** The `submit_case` request this turn made. */
  submitted?: SubmittedExpectation;
  /** Fields the session must have afterwards (toMatchObject). */
  session?: Record<string, unknown>;
}

/** A conversation as data: inputs and expected outputs. */
export interface SpecCase {
  name: string;
  world?: World;
  /** The language of the session before the first input (default: a new chat, Arabic). */
  lang?: Language;
  /** The channel every input arrives on (default `console`). */
  channel?: string;
  turns: SpecTurn[];
}

export const catalog: FlowCatalog = loadFlowCatalog();
export const translate = createTranslator(loadCatalogues());

/** The fixed clock every spec case starts at. */
export const SPEC_EPOCH = Date.parse('2026-11-01T09:00:00Z');

/** What one input produced, kept for comparisons (determinism). */
export interface SpecLogEntry {
  input: EngineInput;
  /** The clock and the origin the input was handled with, to replay it. */
  clock: number;
  origin: TurnOrigin;
  events: EngineEvent[];
  requests: EngineRequest[];
  sessionJson: string;
}

/** The state carried between turns of a spec case: JSON text, as it would be stored. */
export interface SpecState {
  sessionJson: string;
  clock: number;
  messageCount: number;
  submitted: EngineRequest[];
  log: SpecLogEntry[];
}

export function newSpecState(options: { lang?: Language } = {}): SpecState {
  const session: Session = { ...newSession(), ...(options.lang ? { lang: options.lang } : {}) };
  return { sessionJson: JSON.stringify(session), clock: SPEC_EPOCH, messageCount: 0, submitted: [], log: [] };
}

function resolve(request: EngineRequest, world: World, state: SpecState): RequestResult {
  switch (request.type) {
    case 'find_own_open_case':
      return { request: 'find_own_open_case', openCase: world.openCase ?? null };
    case 'check_national_id': {
      const holder = world.idChecksLimited ? 'limited' : world.takenHere?.includes(request.nationalId) ? 'this_chat' : 'none';
      return { request: 'check_national_id', holder };
    }
    case 'submit_case': {
      state.submitted.push(request);
      const { reference, expectedBy } = world.submission ?? { reference: 'SR-TEST-0001', expectedBy: '15 Nov 2026' };
      return world.duplicateOnSubmit
        ? { request: 'submit_case', outcome: 'duplicate' }
        : { request: 'submit_case', outcome: 'submitted', caseId: 'case_000000000000000000000001', reference, expectedBy };
    }
    case 'withdraw_case':
      return { request: 'withdraw_case', outcome: world.withdrawOutcome ?? 'withdrawn', reference: world.openCase?.reference ?? 'SR-TEST-0001' };
    case 'find_own_cases':
      return { request: 'find_own_cases', cases: world.ownCases ?? (world.openCase ? [world.openCase] : []) };
    case 'lookup_case':
      return { request: 'lookup_case', ...(world.lookup ?? { outcome: 'not_found' }) };
    case 'open_referral':
      state.submitted.push(request);
      return { request: 'open_referral', reference: world.referral?.reference ?? 'RF-TEST-0001', opensAt: world.referral?.opensAt ?? null };
    case 'relay_to_researcher':
      state.submitted.push(request);
      return { request: 'relay_to_researcher', open: world.referral?.open ?? true };
    case 'close_referral':
      state.submitted.push(request);
      return { request: 'close_referral' };
    case 'export_own_data':
      return { request: 'export_own_data', cases: world.ownData?.cases ?? [], records: world.ownData?.records ?? [], ratings: world.ownData?.ratings ?? 0 };
    case 'submit_info':
      state.submitted.push(request);
      return { request: 'submit_info', outcome: world.infoNotWaiting ? 'not_waiting' : 'recorded', reference: 'SR-TEST-0001' };
    case 'submit_survey':
      state.submitted.push(request);
      return { request: 'submit_survey', outcome: world.surveyAnsweredBefore ? 'already' : 'recorded' };
    case 'submit_record':
      state.submitted.push(request);
      return { request: 'submit_record', reference: request.kind === 'feedback' ? 'FB-TEST-0001' : 'VL-TEST-0001' };
    case 'request_erasure':
      state.submitted.push(request);
      return world.erasurePending
        ? { request: 'request_erasure', outcome: 'pending', reference: world.erasurePending }
        : { request: 'request_erasure', outcome: 'recorded', reference: 'DEL-TEST-0001' };
  }
}

/** Where an input comes from, as the channel adapter reports it. */
export interface TurnOrigin {
  channel?: string;
  messageId?: string;
}

/**
 * Sends one input through the engine as the service would: the session read from JSON,
 * requests resolved from the world, the session written back as JSON.
 */
export function turn(
  state: SpecState,
  input: EngineInput,
  world: World = {},
  origin: TurnOrigin = {},
): { replies: string[]; events: EngineEvent[]; requests: EngineRequest[]; session: Session } {
  state.messageCount += 1;
  let ids = 0;
  const env: EngineEnv = {
    now: new Date(state.clock),
    newId: () => `id-${state.messageCount}-${++ids}`,
    t: translate,
    draftIdleMs: 72 * 3600_000,
    privacyNoticeVersion: 'privacy-2026-1',
    helpAfterInvalid: 3,
    ...(world.referAfterInvalid === undefined ? {} : { referAfterInvalid: world.referAfterInvalid }),
  };
  const meta = { channel: origin.channel ?? 'console', messageId: origin.messageId ?? `m${state.messageCount}`, at: env.now.toISOString() };
  let result: StepResult = step(catalog, SessionSchema.parse(JSON.parse(state.sessionJson)), input, meta, env);
  const events = [...result.events];
  const requests: EngineRequest[] = [];
  for (let i = 0; result.request && i < 5; i++) {
    requests.push(result.request);
    result = step(catalog, result.session, { kind: 'result', result: resolve(result.request, world, state) }, meta, env);
    events.push(...result.events);
  }
  expect(result.request).toBeNull();
  state.sessionJson = JSON.stringify(result.session);
  state.log.push({ input, clock: state.clock, origin, events, requests, sessionJson: state.sessionJson });
  const replies = events.flatMap((e) => (e.type === 'message_created' ? [renderForTest(e.message)] : []));
  return { replies, events, requests, session: result.session };
}

function renderForTest(message: { text: string; options?: { id: string; label: string }[] }): string {
  return [message.text, ...(message.options ?? []).map((o, i) => `${i + 1}. ${o.label} [${o.id}]`)].join('\n');
}

function toInput(send: SpecInput): EngineInput | null {
  if (typeof send === 'string') return { kind: 'text', text: send };
  if ('choice' in send) return { kind: 'choice', optionId: send.choice };
  if ('document' in send) return { kind: 'document', documentId: send.document };
  if ('unsupported' in send) return { kind: 'unsupported', what: send.unsupported };
  if ('rejected' in send) return { kind: 'document_rejected', error: send.rejected, params: send.params ?? { maxMb: 10 } };
  if ('expire' in send) return { kind: 'expire' };
  if ('notice' in send) return { kind: 'notice', key: send.notice, params: send.params ?? {} };
  return null;
}

/** Runs a spec case, asserting each turn's expectations. */
export function runSpec(spec: SpecCase, state: SpecState = newSpecState({ lang: spec.lang })): SpecState {
  spec.turns.forEach((t, index) => {
    if (typeof t.send === 'object' && 'advanceMs' in t.send) {
      state.clock += t.send.advanceMs;
      return;
    }
    const input = toInput(t.send);
    if (!input) return;
    const { replies, events, requests, session } = turn(state, input, spec.world, { channel: spec.channel, messageId: t.messageId });
    const where = `${spec.name}, turn ${index + 1} (${JSON.stringify(t.send).slice(0, 80)})`;
    const all = replies.join('\n---\n');
    for (const r of t.replies ?? []) expect(all, `${where}: replies should contain "${r}"`).toContain(r);
    for (const r of t.notReplies ?? []) expect(all, `${where}: replies should not contain "${r}"`).not.toContain(r);
    if (t.lastReply !== undefined) expect(replies.at(-1) ?? '', `${where}: last reply`).toContain(t.lastReply);
    if (t.replyCount !== undefined) expect(replies, `${where}: number of replies`).toHaveLength(t.replyCount);
    if (t.at !== undefined) {
      const at = session.position ? `${session.position.flow}/${session.position.step}` : null;
      expect(at, `${where}: position`).toBe(t.at);
    }
    const draft = session.drafts[session.position?.flow ?? ''];
    if (t.answers) expect(draft?.answers, `${where}: answers`).toMatchObject(t.answers);
    for (const field of t.missingAnswers ?? []) expect(draft?.answers ?? {}, `${where}: answers`).not.toHaveProperty(field);
    if (t.drafts)
      expect(
        Object.keys(session.drafts)
          .filter((f) => f !== 'menu')
          .sort(),
        `${where}: drafts`,
      ).toEqual([...t.drafts].sort());
    const types = events.map((e) => e.type);
    for (const type of t.events ?? []) expect(types, `${where}: events`).toContain(type);
    for (const type of t.notEvents ?? []) expect(types, `${where}: events`).not.toContain(type);
    for (const pattern of t.eventsMatch ?? []) expect(events, `${where}: events`).toContainEqual(expect.objectContaining(pattern));
    if (t.discards) {
      const discarded = events.flatMap((e) => ('documentIds' in e ? e.documentIds : []));
      expect(discarded, `${where}: documents handed over for deletion`).toEqual(expect.arrayContaining(t.discards));
    }
    if (t.requests) {
      expect(requests, `${where}: requests`).toHaveLength(t.requests.length);
      t.requests.forEach((r, i) => expect(requests[i], `${where}: request ${i + 1}`).toMatchObject(r));
    }
    if (t.submitted) {
      const submit = requests.find((r) => r.type === 'submit_case');
      expect(submit, `${where}: a submit_case request`).toBeDefined();
      if (submit?.type === 'submit_case') {
        const s = t.submitted;
        if (s.answers) expect(submit.answers, `${where}: submitted answers`).toEqual(s.answers);
        if (s.documentIds) expect(submit.documentIds, `${where}: submitted documents`).toEqual(s.documentIds);
        if (s.declaration) expect(submit.declaration, `${where}: declaration`).toMatchObject(s.declaration);
        if (s.lang) expect(submit.lang, `${where}: language`).toBe(s.lang);
      }
    }
    if (t.session) expect(session, `${where}: session`).toMatchObject(t.session);
  });
  return state;
}
