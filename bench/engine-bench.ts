/**
 * The engine alone, no I/O: how many conversation steps one core runs per second.
 * Each applicant's whole request (REQUEST_TURNS) is stepped from a fresh session, the
 * engine's requests answered at once as the world would (no open case, the ID free,
 * the submission accepted), with the catalog and texts the service loads.
 */
import { performance } from 'node:perf_hooks';
import { step, type StepResult } from '../src/engine/step.js';
import { newSession, type Session } from '../src/engine/session.js';
import type { EngineEnv, EngineInput, RequestResult } from '../src/engine/input.js';
import type { EngineRequest } from '../src/engine/events.js';
import { loadFlowCatalog } from '../src/flows/catalog.js';
import { createTranslator, loadCatalogues } from '../src/i18n/translator.js';
import { REQUEST_TURNS, nationalIdOf, textFor } from './script.js';

export interface EngineResult {
  /** Inputs (messages a person sent) handled per second; the target is 50,000. */
  stepsPerSecond: number;
  /** Calls of `step`, which include the ones feeding back a request's result. */
  stepCallsPerSecond: number;
  conversations: number;
  seconds: number;
  /** Replies the request produced, to tell how many outbound messages one request costs. */
  repliesPerConversation: number;
  messagesPerConversation: number;
}

const catalog = loadFlowCatalog();
const translate = createTranslator(loadCatalogues());

function answer(request: EngineRequest): RequestResult {
  switch (request.type) {
    case 'find_own_open_case':
      return { request: 'find_own_open_case', openCase: null };
    case 'check_national_id':
      return { request: 'check_national_id', holder: 'none' };
    case 'submit_case':
      return { request: 'submit_case', outcome: 'submitted', caseId: 'case_bench', reference: 'SR-BNCH-0001', expectedBy: '15 Nov 2026' };
    default:
      throw new Error(`engine bench: unexpected request ${request.type}`);
  }
}

/** Runs one whole request; returns [inputs, step calls, replies]. */
function oneConversation(n: number, now: Date): [number, number, number] {
  let session: Session = newSession();
  const nationalId = nationalIdOf(n);
  let counter = 0;
  const env: EngineEnv = {
    now,
    newId: () => `id${n}-${++counter}`,
    t: translate,
    draftIdleMs: 72 * 3_600_000,
    privacyNoticeVersion: 'privacy-2026-1',
    helpAfterInvalid: 3,
  };
  let calls = 0;
  let replies = 0;
  for (const [i, turn] of REQUEST_TURNS.entries()) {
    const send = turn.send;
    const input: EngineInput =
      'text' in send
        ? { kind: 'text', text: textFor(send, nationalId) }
        : 'choice' in send
          ? { kind: 'choice', optionId: send.choice }
          : { kind: 'document', documentId: `doc-${n}` };
    const meta = { channel: 'telegram', messageId: `${n}-${i}`, at: now.toISOString() };
    let result: StepResult = step(catalog, session, input, meta, env);
    calls += 1;
    replies += result.events.filter((e) => e.type === 'message_created').length;
    while (result.request) {
      result = step(catalog, result.session, { kind: 'result', result: answer(result.request) }, meta, env);
      calls += 1;
      replies += result.events.filter((e) => e.type === 'message_created').length;
    }
    session = result.session;
  }
  if (session.position?.flow !== 'menu') throw new Error('engine bench: the request did not end back at the menu');
  return [REQUEST_TURNS.length, calls, replies];
}

/** Steps whole requests for `seconds` after a one-second warm-up. */
export function runEngineBench(seconds: number): EngineResult {
  const now = new Date('2026-11-01T09:00:00Z');
  const warmUntil = performance.now() + 1000;
  let n = 0;
  while (performance.now() < warmUntil) oneConversation(n++, now);
  let inputs = 0;
  let calls = 0;
  let replies = 0;
  let conversations = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    const [i, c, r] = oneConversation(n++, now);
    inputs += i;
    calls += c;
    replies += r;
    conversations += 1;
  }
  const elapsed = (performance.now() - start) / 1000;
  return {
    stepsPerSecond: inputs / elapsed,
    stepCallsPerSecond: calls / elapsed,
    conversations,
    seconds: elapsed,
    repliesPerConversation: replies / conversations,
    messagesPerConversation: REQUEST_TURNS.length,
  };
}
