import type { AnswerSpec } from './flow-definition.js';
import type { AnswerValue } from './session.js';
import { matchChoice, matchYesNo } from '../core/text/choice.js';
import { normalizeDigits } from '../core/text/digits.js';

import type { Validation } from '../core/text/validation.js';

export type { Validation };

/** A named check from the registry: turns raw text into a clean value or a message key. */
export type Validator = (raw: string, options?: Record<string, number>) => Validation<AnswerValue>;

/** A validated question with its options taken from earlier answers filled in (a missing or non-numeric answer gives none). */
export function withAnswerOptions(
  spec: Extract<AnswerSpec, { type: 'validated' }>,
  answers: Readonly<Record<string, AnswerValue | undefined>>,
): Extract<AnswerSpec, { type: 'validated' }> {
  if (!spec.optionsFrom) return spec;
  const options = { ...spec.options };
  for (const [name, stepId] of Object.entries(spec.optionsFrom)) {
    const value = answers[stepId];
    if (typeof value === 'number') options[name] = value;
  }
  return { ...spec, options };
}

/** What the person sent for a question: typed text or a pressed button's option id. */
export interface RawAnswer {
  text?: string;
  choice?: string;
}

/**
 * Reads an answer to a question according to its spec. `labelsOf` gives an
 * option's label in every language, so a person may type either.
 */
export function readAnswer(
  spec: Exclude<AnswerSpec, { type: 'document' | 'faq' }> | { type: 'yes_no' },
  raw: RawAnswer,
  validators: Readonly<Record<string, Validator>>,
  labelsOf: (key: string) => string[],
): Validation<AnswerValue> {
  switch (spec.type) {
    case 'yes_no': {
      if (raw.choice !== undefined) {
        return raw.choice === 'yes' || raw.choice === 'no'
          ? { ok: true, value: raw.choice === 'yes' }
          : { ok: false, error: 'validation.choice.unknown', params: { count: 2 } };
      }
      return matchYesNo(raw.text ?? '');
    }
    case 'choice': {
      if (raw.choice !== undefined) {
        return spec.options.some((o) => o.id === raw.choice)
          ? { ok: true, value: raw.choice }
          : { ok: false, error: 'validation.choice.unknown', params: { count: spec.options.length } };
      }
      return matchChoice(
        raw.text ?? '',
        spec.options.map((o) => ({ id: o.id, labels: labelsOf(o.label) })),
      );
    }
    case 'multi_choice': {
      const options = spec.options.map((o) => ({ id: o.id, labels: labelsOf(o.label) }));
      // "1، 3", "1 و 3", "1 3" and "salary, pension" all list several options.
      const parts = normalizeDigits(raw.text ?? raw.choice ?? '')
        .split(/[,،;؛\n]+|\s+و\s*|\s+and\s+/i)
        .flatMap((p) => (/^[\d\s.]+$/.test(p) ? p.split(/\s+/) : [p]))
        .map((p) => p.trim())
        .filter(Boolean);
      if (parts.length === 0) return { ok: false, error: 'validation.multiChoice.empty' };
      const ids: string[] = [];
      for (const part of parts) {
        const match = matchChoice(part, options);
        if (!match.ok) return { ok: false, error: 'validation.multiChoice.unknown', params: { part, count: options.length } };
        if (!ids.includes(String(match.value))) ids.push(String(match.value));
      }
      return { ok: true, value: ids };
    }
    case 'validated': {
      if (raw.text === undefined) return { ok: false, error: 'validation.expectedText' };
      const validator = validators[spec.validator];
      if (!validator) throw new Error(`unknown validator "${spec.validator}"`);
      return validator(raw.text, spec.options);
    }
  }
}
