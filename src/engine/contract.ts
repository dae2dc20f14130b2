import type { Flow } from './flow-definition.js';
import type { Validator } from './answers.js';
import type { Language } from './session.js';

/*
 * What the engine reads from outside, as the engine defines it: the flows and validators,
 * the FAQ, the message texts. Content (src/flows, src/faq, src/i18n) implements these; the
 * engine never imports it.
 */

/** Where a free-text question leads: one topic's answer, two or three topics to choose from, or nothing. */
export type FaqMatch =
  /** `score`: how well the question matched the topic (the matcher's own measure, for tuning and its tests). */
  { kind: 'answer'; topicId: string; score: number } | { kind: 'choices'; topicIds: string[] } | { kind: 'none' };

/** The questions the association answers: topics in menu order (texts `faq.<id>.title` / `.answer`), and a matcher. */
export interface FaqIndex {
  topicIds(): readonly string[];
  match(text: string): FaqMatch;
}

/** The flows and validators a step runs against. */
export interface FlowCatalog {
  /** The flow with this id at this version, or its latest version when that one is gone. */
  get(id: string, version?: number): Flow | undefined;
  validators: Readonly<Record<string, Validator>>;
  faq?: FaqIndex;
}

/** Renders a message key in a language; pure, loaded once. */
export type Translate = (lang: Language, key: string, params?: Record<string, string | number>) => string;
