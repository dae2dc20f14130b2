import type { Flow, Step } from './flow-definition.js';
import { answerLabelKey, displayAnswer } from './display.js';
import type { EngineEnv, InputMeta } from './input.js';
import type { EngineEvent, EngineRequest } from './events.js';
import type { OutboundMessage } from '../core/channel.js';
import type { FlowCatalog } from './contract.js';
import { firstOpen } from './path.js';
import type { AnswerValue, Draft, Language, Session } from './session.js';

/** The flow every conversation returns to. */
export const MENU_FLOW = 'menu';

/** An option as the engine offers it: an id the answer carries back, a label in the person's language. */
export type Choice = { id: string; label: string };

/**
 * One call of `step`: the session being changed, what the change produced, and the small
 * vocabulary every part of the engine speaks (say, ask, the current step). What to do for
 * a step's action lives in `actions.ts`; it is handed in so that this file depends on none
 * of the parts that use it.
 */
export class Turn {
  readonly events: EngineEvent[] = [];
  request: EngineRequest | null = null;

  constructor(
    readonly catalog: FlowCatalog,
    readonly s: Session,
    readonly meta: InputMeta,
    readonly env: EngineEnv,
    private readonly actions: (turn: Turn, action: string) => void,
  ) {}

  /** Does a flow's `action:` target (submit, look up, open the questions, …). */
  act(action: string): void {
    this.actions(this, action);
  }

  /** Asks the caller for I/O; the answer comes back as a `result` input, matched by `waiting`. */
  ask(request: EngineRequest, purpose: string, value?: string): void {
    this.request = request;
    this.s.waiting = { request: request.type, purpose, ...(value === undefined ? {} : { value }) };
  }

  /** The flow, draft and step the person stands at; `relocated` when that step vanished from a newer version. */
  current(): { flow: Flow; draft: Draft; step: Step; stepId: string; relocated: boolean } {
    const position = this.s.position;
    if (!position) throw new Error('no current flow');
    const flow = this.flow(position.flow, position.version);
    let draft = this.s.drafts[flow.id];
    if (!draft) {
      draft = this.newDraft();
      this.s.drafts[flow.id] = draft;
    }
    let step = flow.steps[position.step];
    const relocated = !step;
    if (!step) {
      // The step vanished in a newer version of the flow: resume at the first open step.
      const open = firstOpen(flow, flow.start, draft.answers, this.consentCurrent());
      position.step = flow.steps[open] ? open : flow.start;
      step = flow.steps[position.step] as Step;
    }
    position.version = flow.version;
    return { flow, draft, step, stepId: position.step, relocated };
  }

  flow(id: string, version?: number): Flow {
    const flow = this.catalog.get(id, version);
    if (!flow) throw new Error(`unknown flow "${id}"`);
    return flow;
  }

  newDraft(): Draft {
    return { id: this.env.newId(), answers: {}, trail: [], files: [], startedAt: this.env.now.toISOString() };
  }

  consentCurrent(): boolean {
    return this.s.consent?.version === this.env.privacyNoticeVersion;
  }

  setLanguage(lang: Language): void {
    if (this.s.lang === lang) return;
    this.s.lang = lang;
    this.emit({ type: 'language_changed', lang });
  }

  /** A message key read in both languages: what a typed answer may match. */
  readonly labelsOf = (key: string): string[] => [this.env.t('ar', key), this.env.t('en', key)];

  /** The message key naming a question on the review. */
  labelKey(flow: Flow, stepId: string): string {
    return answerLabelKey(flow, stepId);
  }

  /** How an answer reads back to the person, in their language. */
  display(flow: Flow, stepId: string, value: AnswerValue | undefined): string {
    return displayAnswer(flow, stepId, value, this.s.lang, this.env.t);
  }

  t(key: string, params?: Record<string, string | number>): string {
    return this.env.t(this.s.lang, key, params);
  }

  say(key: string, params?: Record<string, string | number>): void {
    this.send({ text: this.t(key, params) });
  }

  sayWith(key: string, options: Choice[], params?: Record<string, string | number>): void {
    this.send({ text: this.t(key, params), options });
  }

  send(message: OutboundMessage): void {
    this.emit({ type: 'message_created', message });
  }

  emit(event: EngineEvent): void {
    this.events.push(event);
  }
}
