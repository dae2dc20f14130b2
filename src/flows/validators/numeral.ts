/**
 * What a prepared answer (see `prepareInput`) says as a number, read strictly
 * enough that `Number()` is only ever applied to plain digits.
 *
 * - `number`: optional sign, an integer part (thousands separators removed)
 *   and a fraction (possibly empty).
 * - `words`: no digits at all, or digits mixed with words ("٣ آلاف", "3k"):
 *   the person should be asked for digits only.
 * - `malformed`: digits in a shape we do not read (`1e9`, `0x10`, `3,50`,
 *   `1.2.3`, `+5`).
 */
export type Numeral = { kind: 'number'; negative: boolean; integer: string; fraction: string } | { kind: 'words' } | { kind: 'malformed' };

// A minus typed before or, by people writing right to left, after the number;
// dash look-alikes included because phones substitute them.
const LEADING_MINUS = /^[-\u2010-\u2015\u2212]\s*/;
const TRAILING_MINUS = /\s*[-\u2010-\u2015\u2212]$/;

// Thousands groups must all use the same separator and have three digits, so
// "3,50" (a decimal comma?) is refused rather than read as 350. The Arabic
// thousands separator and the Arabic comma both occur as group separators.
const PLAIN_NUMBER = /^(?<integer>\d{1,3}(?<sep>[,\u066C\u060C\u00A0\u202F ])\d{3}(?:\k<sep>\d{3})*|\d+)(?:\.(?<fraction>\d+))?$/u;
const GROUP_SEPARATOR = /[,\u066C\u060C\u00A0\u202F ]/g;
const ASCII_DIGIT = /[0-9]/;
const LETTER = /\p{L}/u;
const PROGRAMMER_NOTATION = /^(?:0[xob][0-9a-f]+|[\d.,]+e[+-]?\d+)$/i;

/**
 * Reads `prepared` (digits already ASCII, invisibles stripped, trimmed) as a
 * {@link Numeral}.
 */
export function readNumeral(prepared: string): Numeral {
  let body = prepared;
  let negative = false;
  if (LEADING_MINUS.test(body)) {
    negative = true;
    body = body.replace(LEADING_MINUS, '');
  } else if (TRAILING_MINUS.test(body)) {
    negative = true;
    body = body.replace(TRAILING_MINUS, '');
  }

  const match = PLAIN_NUMBER.exec(body);
  if (match?.groups?.integer !== undefined) {
    return {
      kind: 'number',
      negative,
      integer: match.groups.integer.replace(GROUP_SEPARATOR, ''),
      fraction: match.groups.fraction ?? '',
    };
  }
  if (!ASCII_DIGIT.test(body)) return { kind: 'words' };
  if (LETTER.test(body) && !PROGRAMMER_NOTATION.test(body)) return { kind: 'words' };
  return { kind: 'malformed' };
}

/**
 * The value of a `number` numeral's digits, or `Infinity` when the integer
 * part is too long to be represented exactly (callers' ranges refuse it).
 */
export function numeralValue(numeral: { integer: string; fraction: string }): number {
  if (numeral.integer.replace(/^0+/, '').length > 15) return Infinity;
  // Safe: both parts matched \d+ above, so Number() sees nothing but digits.
  return Number(numeral.fraction === '' ? numeral.integer : `${numeral.integer}.${numeral.fraction}`);
}
