import { prepareInput } from '../../core/text/input.js';
import { fail, ok, type Validation } from '../../core/text/validation.js';

/**
 * Inclusive length bounds for {@link validateText}, in Unicode code points.
 */
export interface TextLimits {
  min: number;
  max: number;
}

const DEFAULT_TEXT_LIMITS: TextLimits = { min: 1, max: 1000 };
const NAME_LIMITS: TextLimits = { min: 2, max: 100 };
const MIN_NAME_WORDS = 2;

// Checked on the raw string: a lone surrogate means the text was cut in the
// middle of a character somewhere upstream, and the rest cannot be trusted.
// (String#isWellFormed exists in Node 20 but not in our ES2023 typings.)
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Line and paragraph breaks of every platform become '\n' and tabs a space
// before control characters go, so that no two words end up glued together.
const LINE_BREAK = /\r\n?|[\u0085\u2028\u2029]/g;
const TAB = /\t/g;
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/g;
const HORIZONTAL_SPACE = /[^\S\n]+/g;
const SPACE_AROUND_NEWLINE = / ?\n ?/g;
const BLANK_LINES = /\n{3,}/g;
const ANY_SPACE = /\s+/g;

const NAME_CHARACTERS = /^[\p{L}\p{M} '\u2018\u2019\-\u2010]+$/u;
const NUMBER_CHARACTER = /\p{N}/u;
const LETTER = /\p{L}/u;

/**
 * Validates free text and returns it cleaned: NFC, no control characters but
 * newlines, no invisible or direction-override characters, whitespace runs as
 * one space, at most one blank line in a row.
 *
 * Override characters are stripped rather than refused: they are invisible,
 * so the person could not see what to fix. Lengths count code points after
 * cleanup.
 */
export function validateText(raw: string, limits: TextLimits = DEFAULT_TEXT_LIMITS): Validation<string> {
  if (typeof raw === 'string' && LONE_SURROGATE.test(raw)) return fail('validation.malformed');
  const text = cleanText(raw).replace(HORIZONTAL_SPACE, ' ').replace(SPACE_AROUND_NEWLINE, '\n').replace(BLANK_LINES, '\n\n').trim();
  if (text === '') return fail('validation.required');
  const length = codePoints(text);
  if (length > limits.max) return fail('validation.text.tooLong', { max: limits.max, length });
  if (length < limits.min) return fail('validation.text.tooShort', { min: limits.min, length });
  return ok(text);
}

/**
 * Validates a person's full name and returns it cleaned (NFC, single spaces).
 *
 * A name is 2 to 100 characters of letters in any script, combining marks,
 * spaces, apostrophes and hyphens, with at least two words (given and family
 * name). Digits, emoji, brackets, `$`, `_` and the like are refused, which
 * also keeps query operators and `__proto__` out of the name field.
 */
export function validateName(raw: string): Validation<string> {
  if (typeof raw === 'string' && LONE_SURROGATE.test(raw)) return fail('validation.malformed');
  const name = cleanText(raw).replace(ANY_SPACE, ' ').trim();
  if (name === '') return fail('validation.required');
  const length = codePoints(name);
  if (length > NAME_LIMITS.max) return fail('validation.name.tooLong', { max: NAME_LIMITS.max, length });
  if (NUMBER_CHARACTER.test(name)) return fail('validation.name.digits');
  if (!NAME_CHARACTERS.test(name)) return fail('validation.name.characters');
  if (length < NAME_LIMITS.min) return fail('validation.name.tooShort', { min: NAME_LIMITS.min, length });
  const words = name.split(' ').filter((word) => LETTER.test(word));
  if (words.length < MIN_NAME_WORDS) return fail('validation.name.singleWord');
  return ok(name);
}

function cleanText(raw: string): string {
  // prepareInput has already stripped direction marks, overrides, isolates
  // and zero-width characters.
  return prepareInput(raw).replace(LINE_BREAK, '\n').replace(TAB, ' ').replace(CONTROL, '').normalize('NFC');
}

function codePoints(s: string): number {
  let count = 0;
  for (const _ of s) count += 1;
  return count;
}
