/**
 * Answer validators for intake flows, and the registry flows name them by.
 *
 * Every failure carries a message key, never text. The keys, their meaning and
 * their params:
 *
 * Shared
 * - `validation.required`: the answer is empty (after invisible characters and spaces are removed).
 * - `validation.foreignDigits`: digits from a script other than ASCII, Arabic-Indic or Eastern Arabic-Indic (e.g. Devanagari, fullwidth); ask for ordinary digits.
 * - `validation.malformed`: the text is damaged (a broken character, lone surrogate); ask to type it again.
 *
 * National ID / iqama (`nationalId`)
 * - `validation.nationalId.notDigits`: contains letters or symbols other than spaces, dashes, dots or underscores between digits.
 * - `validation.nationalId.tooShort`: fewer than 10 digits. Params: `length` (digits typed), `expected` (10).
 * - `validation.nationalId.tooLong`: more than 10 digits. Params: `length` (digits typed), `expected` (10).
 * - `validation.nationalId.firstDigit`: does not start with 1 (citizen) or 2 (resident). Params: `digit` (the first digit typed).
 * - `validation.nationalId.checksum`: the check digit is wrong, so this cannot be a valid number (probably a typo); ask kindly to check the card.
 *
 * Saudi mobile (`saudiMobile`)
 * - `validation.mobile.notDigits`: contains letters or symbols other than spaces, dashes, dots, parentheses and a leading +.
 * - `validation.mobile.foreign`: dialled with a country code other than +966; only Saudi mobiles are accepted.
 * - `validation.mobile.landline`: a Saudi landline (01X…); ask for a mobile number starting with 05.
 * - `validation.mobile.tooShort`: starts like a mobile (05…) but has too few digits (a mobile is 05 and eight more).
 * - `validation.mobile.tooLong`: starts like a mobile (05…) but has too many digits.
 * - `validation.mobile.invalid`: not a Saudi mobile number (e.g. 052…, unknown prefix).
 *
 * Amount of money in riyals (`amount`)
 * - `validation.amount.notANumber`: written in words (or no digits at all); ask for digits, e.g. 3500.
 * - `validation.amount.format`: digits in a shape we do not read (1e9, 0x10, 3,50, 1.2.3); ask for a plain number like 3500 or 3500.50.
 * - `validation.amount.negative`: a negative amount.
 * - `validation.amount.decimals`: too many decimal places. Params: `max` (2).
 * - `validation.amount.range`: outside the allowed range. Params: `min`, `max`.
 *
 * Count (`count`)
 * - `validation.count.notANumber`: written in words (or no digits at all); ask for digits, e.g. 4.
 * - `validation.count.format`: digits in a shape we do not read (1e3, 0x10, 1.2.3).
 * - `validation.count.negative`: a negative number.
 * - `validation.count.notInteger`: has a decimal part; ask for a whole number.
 * - `validation.count.range`: outside the allowed range. Params: `min`, `max`.
 *
 * Date (`date`)
 * - `validation.date.format`: not a date in a form we read; ask for DD/MM/YYYY, e.g. 15/03/1985.
 * - `validation.date.looksHijri`: the year looks Hijri (1300–1599); ask for the Gregorian (ميلادي) date. Params: `year`.
 * - `validation.date.invalid`: no such day in the calendar (30 February, 31 April, month 13).
 * - `validation.date.tooEarly`: before the earliest allowed date. Params: `notBefore` (YYYY-MM-DD).
 * - `validation.date.tooLate`: after the latest allowed date (e.g. in the future). Params: `notAfter` (YYYY-MM-DD).
 *
 * Age (`age`)
 * - `validation.age.notANumber`: written in words (or no digits at all); ask for digits, e.g. 35.
 * - `validation.age.format`: digits in a shape we do not read.
 * - `validation.age.notInteger`: has a decimal part; ask for whole years.
 * - `validation.age.range`: negative or over 120. Params: `min` (0), `max` (120).
 *
 * Free text (`text`)
 * - `validation.text.tooLong`: longer than allowed. Params: `max`, `length` (characters typed, after cleanup).
 * - `validation.text.tooShort`: shorter than required. Params: `min`, `length`.
 *
 * Full name (`name`)
 * - `validation.name.tooLong`: over 100 characters. Params: `max` (100), `length`.
 * - `validation.name.tooShort`: under 2 characters. Params: `min` (2), `length`.
 * - `validation.name.digits`: contains digits.
 * - `validation.name.characters`: contains something other than letters, spaces, apostrophes and hyphens (emoji, symbols, brackets).
 * - `validation.name.singleWord`: only one word; ask for the first and the family name.
 *
 * Choice (`choice`, `yesNo`)
 * - `validation.choice.unknown`: matches no option (or more than one); ask to answer with a number from 1 to `count` or one of the options. Params: `count` (number of options).
 * - `validation.yesNo.unknown`: neither yes nor no; ask to answer نعم / لا (or 1 / 2).
 *
 * @packageDocumentation
 */

import { matchChoice, matchYesNo } from '../../core/text/choice.js';
import { validateAge, validateDate } from './date.js';
import { validateNationalId } from './national-id.js';
import { validateAmount, validateCount } from './number.js';
import { validateSaudiMobile } from './saudi-mobile.js';
import { validateName, validateText } from './text.js';

export type { ChoiceOption } from '../../core/text/choice.js';
export type { DateBounds } from './date.js';
export type { NationalId } from './national-id.js';
export type { NumberRange } from './number.js';
export type { Validation } from '../../core/text/validation.js';
export type { TextLimits } from './text.js';
export {
  matchChoice,
  matchYesNo,
  validateAge,
  validateAmount,
  validateCount,
  validateDate,
  validateName,
  validateNationalId,
  validateSaudiMobile,
  validateText,
};
