import { normalizeDigits, stripInvisibles } from './digits.js';

/**
 * Brings a raw answer to the form every validator starts from: no invisible
 * characters, ASCII digits, no surrounding whitespace.
 *
 * Anything that is not a string becomes `''`, so that a malformed update from
 * a messaging platform ends as "answer required" instead of a crash.
 */
export function prepareInput(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  return normalizeDigits(stripInvisibles(raw)).trim();
}
