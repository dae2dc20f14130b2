import { expect } from 'vitest';
import { step, type FlowCatalog, type StepResult } from '../../src/engine/step.js';
import { newSession, SessionSchema, type Session } from '../../src/engine/session.js';
import type { EngineEnv, EngineInput, RequestResult } from '../../src/engine/input.js';
import type { EngineEvent, EngineRequest } from '../../src/engine/events.js';
import { loadFlowCatalog } from '../../src/flows/catalog.js';
import { createTranslator, loadCatalogues } from '../../src/i18n/translator.js';

/** What the world outside the engine answers to its requests, as data. */
export interface World {
  /** National IDs with an open request made from another chat. */
  takenElsewhere?: string[];
  /** The chat's own open request, if any. */
  openCase?: { caseId: string; reference: string; status: string; submittedAt: string; expectedBy: string } | null;
  /** Submissions refused as duplicates. */
  duplicateOnSubmit?: boolean;
}

/** One input of a spec case and what must follow it. */
export interface SpecTurn {
  send: string | { choice: string } | { document: string } | { unsupported: 'sticker' | 'voice' | 'location' | 'contact' | 'video' } | { rejected: string } | { advanceMs: number };
  /** Substrings every one of which must appear in the replies to this input. */
  replies?: string[];
  /** Substrings none of which may appear in the replies. */
  notReplies?: string[];
  /** The step the conversation must stand at afterwards (`flow/step`), or null at none. */
  at?: string | null;
  /** Answers the current draft must hold afterwards. */
  answers?: Record<string, unknown>;
  /** Event types that must have been produced. */
  events?: string[];
}

/** A conversation as data: inputs and expected outputs. */
export interface SpecCase {
  name: string;
  world?: World;
  turns: SpecTurn[];
}

export const catalog: FlowCatalog = loadFlowCatalog();
export const translate = createTranslator(loadCatalogues());

/** The state carried between turns of a spec case: JSON text, as it would be stored. */
export interface SpecState {
  sessionJson: string;
  clock: number;
  messageCount: number;
  submitted: EngineRequest[];
}

export function newSpecState(): SpecState {
  return { sessionJson: JSON.stringify(newSession()), clock: Date.parse('2026-11-01T09:00:00Z'), messageCount: 0, submitted: [] };
}

function resolve(request: EngineRequest, world: World, state: SpecState): RequestResult {
  switch (request.type) {
    case 'find_own_open_case':
      return { request: 'find_own_open_case', openCase: world.openCase ?? null };
    case 'check_national_id':
      return { request: 'check_national_id', holder: world.takenElsewhere?.includes(request.nationalId) ? 'another_chat' : 'none' };
    case 'submit_case':
      state.submitted.push(request);
      return world.duplicateOnSubmit ? { request: 'submit_case', outcome: 'duplicate' } : { request: 'submit_case', outcome: 'submitted', reference: 'SR-TEST-0001', expectedBy: '15 Nov 2026' };
    case 'withdraw_case':
      return { request: 'withdraw_case', outcome: 'withdrawn', reference: 'SR-TEST-0001' };
  }
}

/**
 * Sends one input through the engine as the service would: the session read from JSON,
 * requests resolved from the world, the session written back as JSON.
 */
export function turn(state: SpecState, input: EngineInput, world: World = {}): { replies: string[]; events: EngineEvent[]; session: Session } {
  state.messageCount += 1;
  let ids = 0;
  const env: EngineEnv = {
    now: new Date(state.clock),
    newId: () => `id-${state.messageCount}-${++ids}`,
    t: translate,
    draftIdleMs: 72 * 3600_000,
    privacyNoticeVersion: 'privacy-2026-1',
    helpAfterInvalid: 3,
  };
  const meta = { channel: 'console', messageId: `m${state.messageCount}`, at: env.now.toISOString() };
  let result: StepResult = step(catalog, SessionSchema.parse(JSON.parse(state.sessionJson)), input, meta, env);
  const events = [...result.events];
  for (let i = 0; result.request && i < 5; i++) {
    result = step(catalog, result.session, { kind: 'result', result: resolve(result.request, world, state) }, meta, env);
    events.push(...result.events);
  }
  expect(result.request).toBeNull();
  state.sessionJson = JSON.stringify(result.session);
  const replies = events.flatMap((e) => (e.type === 'message_created' ? [renderForTest(e.message)] : []));
  return { replies, events, session: result.session };
}

function renderForTest(message: { text: string; options?: { id: string; label: string }[] }): string {
  return [message.text, ...(message.options ?? []).map((o, i) => `${i + 1}. ${o.label} [${o.id}]`)].join('\n');
}

function toInput(send: SpecTurn['send']): EngineInput | null {
  if (typeof send === 'string') return { kind: 'text', text: send };
  if ('choice' in send) return { kind: 'choice', optionId: send.choice };
  if ('document' in send) return { kind: 'document', documentId: send.document };
  if ('unsupported' in send) return { kind: 'unsupported', what: send.unsupported };
  if ('rejected' in send) return { kind: 'document_rejected', error: send.rejected, params: { maxMb: 10 } };
  return null;
}

/** Runs a spec case, asserting each turn's expectations. */
export function runSpec(spec: SpecCase, state: SpecState = newSpecState()): SpecState {
  spec.turns.forEach((t, index) => {
    if (typeof t.send === 'object' && 'advanceMs' in t.send) {
      state.clock += t.send.advanceMs;
      return;
    }
    const input = toInput(t.send);
    if (!input) return;
    const { replies, events, session } = turn(state, input, spec.world);
    const where = `${spec.name}, turn ${index + 1} (${JSON.stringify(t.send)})`;
    const all = replies.join('\n---\n');
    for (const r of t.replies ?? []) expect(all, `${where}: replies should contain "${r}"`).toContain(r);
    for (const r of t.notReplies ?? []) expect(all, `${where}: replies should not contain "${r}"`).not.toContain(r);
    if (t.at !== undefined) {
      const at = session.position ? `${session.position.flow}/${session.position.step}` : null;
      expect(at, `${where}: position`).toBe(t.at);
    }
    if (t.answers) {
      const flow = session.position?.flow ?? '';
      expect(session.drafts[flow]?.answers, `${where}: answers`).toMatchObject(t.answers);
    }
    for (const type of t.events ?? []) expect(events.map((e) => e.type), `${where}: events`).toContain(type);
  });
  return state;
}
