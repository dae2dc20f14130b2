import { normalizeArabic } from './normalize-arabic.js';
import { prepareInput } from './input.js';
import { fail, ok, type Validation } from './validation.js';

/**
 * One option of a multiple-choice question: the id the flow stores, and the
 * labels (in every language) a person may answer with.
 */
export interface ChoiceOption {
  id: string;
  labels: readonly string[];
}

// "2", "2.", "2)" and, since parentheses are mirrored on screen in
// right-to-left text, "2(" too; "۔" is the Urdu full stop of the same keyboards
// that type Eastern digits.
const OPTION_NUMBER = /^\(?\s*(\d{1,3})\s*[.)(\u06D4]?$/;
const MIN_PARTIAL_LENGTH = 3;

const YES_PHRASES = foldAll([
  'نعم',
  'ايوه',
  'ايوا',
  'ايه',
  'اي',
  'أوافق',
  'موافق',
  'موافقة',
  'صح',
  'اكيد',
  'تمام',
  'yes',
  'y',
  'yeah',
  'yep',
  'ok',
  'okay',
  'agree',
  'i agree',
  'sure',
]);
const NO_PHRASES = foldAll([
  'لا',
  'لأ',
  'لاء',
  'لا أوافق',
  'غير موافق',
  'مو موافق',
  'ما أوافق',
  'no',
  'n',
  'nope',
  'disagree',
  'i disagree',
  'i do not agree',
  "i don't agree",
]);
// Single words that may be repeated or combined ("نعم موافق", "no no") without
// changing the answer; negations are deliberately absent from YES_WORDS.
const YES_WORDS = foldAll(['نعم', 'ايوه', 'ايوا', 'ايه', 'اي', 'أوافق', 'موافق', 'صح', 'اكيد', 'تمام', 'yes', 'ok', 'okay', 'agree', 'sure']);
const NO_WORDS = foldAll(['لا', 'لاء', 'no', 'nope']);

/**
 * Matches an answer to one of `options` and returns the option's id.
 *
 * An answer matches an option when it is the option's 1-based number (any
 * accepted digit script, optionally followed by `.` or `)`), or when, after
 * {@link normalizeArabic}, it equals one of the option's labels. Failing that,
 * and only for answers of three characters or more, it matches when it
 * contains a whole label or a label contains it, provided exactly one option
 * matches that way; two candidates are as good as none.
 */
export function matchChoice(raw: string, options: readonly ChoiceOption[]): Validation<string> {
  const unknown = fail<string>('validation.choice.unknown', { count: options.length });

  const number = OPTION_NUMBER.exec(prepareInput(raw))?.[1];
  if (number !== undefined) {
    const option = options[Number(number) - 1];
    return option ? ok(option.id) : unknown;
  }

  const answer = normalizeArabic(typeof raw === 'string' ? raw : '');
  if (answer === '') return unknown;
  const foldedOptions = options.map((option) => ({
    id: option.id,
    labels: option.labels.map(normalizeArabic).filter((label) => label !== ''),
  }));

  const exact = foldedOptions.find((option) => option.labels.includes(answer));
  if (exact) return ok(exact.id);

  if ([...answer].length < MIN_PARTIAL_LENGTH) return unknown;
  const paddedAnswer = ` ${answer} `;
  const partial = foldedOptions.filter((option) => option.labels.some((label) => paddedAnswer.includes(` ${label} `) || label.includes(answer)));
  return partial.length === 1 && partial[0] ? ok(partial[0].id) : unknown;
}

/**
 * Reads a yes-or-no answer: Arabic and English words (نعم، ايوه، اي، أوافق،
 * موافق، صح، yes, y, ok, agree / لا، لأ، لا أوافق، no, n), with or without
 * hamza, tashkeel or punctuation, or the numbers 1 (yes) and 2 (no).
 */
export function matchYesNo(raw: string): Validation<boolean> {
  const number = OPTION_NUMBER.exec(prepareInput(raw))?.[1];
  if (number !== undefined && Number(number) === 1) return ok(true);
  if (number !== undefined && Number(number) === 2) return ok(false);

  const answer = normalizeArabic(typeof raw === 'string' ? raw : '');
  if (YES_PHRASES.has(answer)) return ok(true);
  if (NO_PHRASES.has(answer)) return ok(false);

  const words = answer.split(' ');
  if (answer !== '' && words.every((word) => YES_WORDS.has(word))) return ok(true);
  if (answer !== '' && words.every((word) => NO_WORDS.has(word))) return ok(false);
  return fail('validation.yesNo.unknown');
}

function foldAll(phrases: readonly string[]): ReadonlySet<string> {
  return new Set(phrases.map(normalizeArabic));
}
