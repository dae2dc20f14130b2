/**
 * Folding of Arabic (and Latin) free text for matching, never for display or
 * storage: it throws away distinctions that people do not type consistently.
 *
 * @packageDocumentation
 */

import { normalizeDigits, stripInvisibles } from './digits.js';

// Tashkeel, superscript alef and Quranic annotation marks are optional in
// writing, and tatweel is only a stretching stroke.
const DIACRITICS_AND_TATWEEL = /[\u064B-\u065F\u0670\u06D6-\u06ED\u0640]/g;

// Hamza seats, the ta marbuta and the final ya are spelled either way in
// everyday writing (and by keyboards without the hamza forms). The Persian
// yeh and keheh come from the same keyboards that produce Eastern digits and
// look identical to the Arabic letters in most fonts.
const LETTER_FOLDS: Readonly<Record<string, string>> = {
  '\u0623': '\u0627', // أ
  '\u0625': '\u0627', // إ
  '\u0622': '\u0627', // آ
  '\u0671': '\u0627', // ٱ
  '\u0649': '\u064A', // ى
  '\u0629': '\u0647', // ة
  '\u0624': '\u0648', // ؤ
  '\u0626': '\u064A', // ئ
  '\u06CC': '\u064A', // ی
  '\u06A9': '\u0643', // ک
};
const FOLDABLE_LETTER = /[\u0623\u0625\u0622\u0671\u0649\u0629\u0624\u0626\u06CC\u06A9]/g;

// \p{P} covers the Arabic comma, semicolon and question mark (and U+066B,
// though normalizeDigits has already turned that into '.').
const PUNCTUATION_AND_SPACE = /[\p{P}\s]+/gu;

/**
 * Folds text for matching: NFKC, lower case, no tashkeel or tatweel, one form
 * each of alef, ya, ha/ta marbuta, waw and ya with hamza, ASCII digits, no
 * invisible characters, and punctuation and whitespace runs as single spaces.
 *
 * Two strings a person would consider "the same answer" fold to the same
 * result; the result is not meant to be shown to anyone.
 */
export function normalizeArabic(s: string): string {
  // Invisibles go first: a zero-width joiner between two letters would
  // otherwise survive and keep them from matching.
  return normalizeDigits(
    stripInvisibles(s)
      .normalize('NFKC')
      .toLowerCase()
      .replace(DIACRITICS_AND_TATWEEL, '')
      .replace(FOLDABLE_LETTER, (ch) => LETTER_FOLDS[ch] ?? ch),
  )
    .replace(PUNCTUATION_AND_SPACE, ' ')
    .trim();
}

/**
 * The words of `s` after {@link normalizeArabic}, in order, without empty
 * strings.
 */
export function tokens(s: string): string[] {
  const folded = normalizeArabic(s);
  return folded === '' ? [] : folded.split(' ');
}
