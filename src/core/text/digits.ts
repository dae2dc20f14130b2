/**
 * Digit scripts and invisible characters in user input.
 *
 * People here type numbers with ASCII digits, Arabic-Indic digits (Arabic
 * keyboards) or Eastern Arabic-Indic digits (Persian and Urdu keyboards), and
 * phones insert direction marks around them when text is copied out of a
 * right-to-left context. NFKC converts none of these, so they are handled here.
 *
 * @packageDocumentation
 */

const ARABIC_INDIC_ZERO = 0x0660;
const EASTERN_ZERO = 0x06f0;
const ASCII_ZERO = 0x30;
const ARABIC_DECIMAL_SEPARATOR = '\u066B';

const LOCAL_DIGIT = /[\u0660-\u0669\u06F0-\u06F9\u066B]/g;
const ASCII_DIGIT = /[0-9]/g;
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\u061C\uFEFF\u00AD]/g;
const ANY_DECIMAL_DIGIT = /\p{Nd}/gu;
const FOREIGN_DIGIT = /(?![0-9\u0660-\u0669\u06F0-\u06F9])\p{Nd}/u;
const SINGLE_DECIMAL_DIGIT = /^\p{Nd}$/u;

/**
 * A digit script, named by its zero.
 *
 * `'ascii'`, `'arabic-indic'` (U+0660) and `'eastern'` (U+06F0) are the ones we
 * accept; any other decimal digit is `'foreign'`, and its string form is
 * `foreign:` followed by the hexadecimal code point of its zero, so that two
 * different foreign scripts still count as two.
 */
export type DigitScript = 'ascii' | 'arabic-indic' | 'eastern' | `foreign:${string}`;

/**
 * Converts Arabic-Indic and Eastern Arabic-Indic digits to ASCII and the Arabic
 * decimal separator (U+066B) to `.`; everything else is left as it is.
 *
 * The Arabic thousands separator (U+066C) and the Arabic comma (U+060C) are
 * not touched: whether they group thousands or separate list items depends on
 * what the caller is parsing.
 */
export function normalizeDigits(s: string): string {
  return s.replace(LOCAL_DIGIT, (ch) => {
    if (ch === ARABIC_DECIMAL_SEPARATOR) return '.';
    const code = ch.charCodeAt(0);
    const zero = code >= EASTERN_ZERO ? EASTERN_ZERO : ARABIC_INDIC_ZERO;
    return String.fromCharCode(ASCII_ZERO + code - zero);
  });
}

/**
 * Converts ASCII digits to Arabic-Indic digits, for display in Arabic messages.
 */
export function toArabicDigits(s: string): string {
  return s.replace(ASCII_DIGIT, (d) => String.fromCharCode(ARABIC_INDIC_ZERO + d.charCodeAt(0) - ASCII_ZERO));
}

/**
 * Removes direction marks, bidi embeddings, overrides and isolates, zero-width
 * characters, the byte-order mark and the soft hyphen.
 *
 * None of them is visible, so a person cannot tell they are there; left in,
 * they break digit matching and let text display in a different order from the
 * one it is stored in.
 */
export function stripInvisibles(s: string): string {
  return s.replace(INVISIBLE, '');
}

/**
 * The script of one decimal digit, or `undefined` when `ch` is not a single
 * decimal digit (Unicode category Nd).
 */
export function digitScript(ch: string): DigitScript | undefined {
  if (!SINGLE_DECIMAL_DIGIT.test(ch)) return undefined;
  const code = ch.codePointAt(0) as number;
  const zero = zeroOf(code);
  if (zero === ASCII_ZERO) return 'ascii';
  if (zero === ARABIC_INDIC_ZERO) return 'arabic-indic';
  if (zero === EASTERN_ZERO) return 'eastern';
  return `foreign:${zero.toString(16)}`;
}

/**
 * The set of digit scripts that occur in `s`.
 */
export function digitScripts(s: string): Set<DigitScript> {
  const scripts = new Set<DigitScript>();
  for (const match of s.matchAll(ANY_DECIMAL_DIGIT)) {
    const script = digitScript(match[0]);
    if (script) scripts.add(script);
  }
  return scripts;
}

/**
 * Whether `s` contains digits from two or more scripts (ASCII with
 * Arabic-Indic, Arabic-Indic with Eastern, and so on).
 *
 * Only reports; the caller decides. Our policy accepts a national ID typed in
 * mixed scripts, since phones switch keyboards mid-number.
 */
export function hasMixedDigitScripts(s: string): boolean {
  return digitScripts(s).size > 1;
}

/**
 * Whether `s` contains a decimal digit that is neither ASCII, Arabic-Indic nor
 * Eastern Arabic-Indic (Devanagari, fullwidth, mathematical bold, ...).
 *
 * We refuse those rather than convert them: nobody here types them on purpose,
 * and they are a classic way to slip look-alike numbers past a check.
 */
export function hasForeignDigits(s: string): boolean {
  return FOREIGN_DIGIT.test(s);
}

/**
 * Unicode assigns decimal digits only in contiguous runs of ten, zero first, so
 * the zero of any digit is found by walking back to the start of its run (runs
 * of several scripts back to back, like the mathematical digits, are still
 * multiples of ten).
 */
function zeroOf(code: number): number {
  let start = code;
  while (start > 0 && SINGLE_DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return code - ((code - start) % 10);
}
