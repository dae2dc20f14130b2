import { hasForeignDigits } from '../../core/text/digits.js';
import { prepareInput } from '../../core/text/input.js';
import { numeralValue, readNumeral } from './numeral.js';
import { fail, ok, type Validation } from '../../core/text/validation.js';

/**
 * Optional inclusive bounds for {@link validateDate}.
 *
 * Each bound counts as the calendar day it falls on in Riyadh, so that
 * `notAfter: new Date()` means "today" as the person sees it even between
 * midnight and 03:00.
 */
export interface DateBounds {
  notAfter?: Date;
  notBefore?: Date;
}

const YEAR_FIRST = /^(?<year>\d{4})\s*(?<sep>[-/])\s*(?<month>\d{1,2})\s*\k<sep>\s*(?<day>\d{1,2})$/;
const DAY_FIRST = /^(?<day>\d{1,2})\s*(?<sep>[-/])\s*(?<month>\d{1,2})\s*\k<sep>\s*(?<year>\d{4})$/;

// Hijri years are around 1447 now; a Gregorian year in this band is useless to
// us, so it is far more likely someone answered with the Hijri date.
const HIJRI_LOOKING_YEARS = { from: 1300, to: 1599 };

// Saudi Arabia keeps UTC+03:00 all year (no daylight saving).
const RIYADH_OFFSET_MS = 3 * 60 * 60 * 1000;

const AGE_RANGE = { min: 0, max: 120 };
const AGE_UNIT = /\s*(?:سنة|سنه|سنوات|سنين|عام|اعوام|أعوام|عاما|عامًا|years?\s+old|years?|yrs?|y)$/iu;

/**
 * Validates a Gregorian calendar date and returns it as `YYYY-MM-DD`.
 *
 * Accepts `YYYY-MM-DD` (or with `/`) and `DD/MM/YYYY` or `DD-MM-YYYY`, in any
 * accepted digit script, one- or two-digit day and month. Refuses dates that do
 * not exist (30 February, 31 April), years that look Hijri, and dates outside
 * the bounds.
 */
export function validateDate(raw: string, bounds: DateBounds = {}): Validation<string> {
  const input = prepareInput(raw);
  if (input === '') return fail('validation.required');
  if (hasForeignDigits(input)) return fail('validation.foreignDigits');

  const groups = (YEAR_FIRST.exec(input) ?? DAY_FIRST.exec(input))?.groups;
  if (groups?.year === undefined || groups.month === undefined || groups.day === undefined) {
    return fail('validation.date.format');
  }
  const year = Number(groups.year);
  const month = Number(groups.month);
  const day = Number(groups.day);

  if (year >= HIJRI_LOOKING_YEARS.from && year <= HIJRI_LOOKING_YEARS.to) {
    return fail('validation.date.looksHijri', { year });
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return fail('validation.date.invalid');
  }

  const iso = `${groups.year}-${pad2(month)}-${pad2(day)}`;
  // ISO strings of equal length compare in calendar order.
  if (bounds.notBefore && iso < riyadhDay(bounds.notBefore)) {
    return fail('validation.date.tooEarly', { notBefore: riyadhDay(bounds.notBefore) });
  }
  if (bounds.notAfter && iso > riyadhDay(bounds.notAfter)) {
    return fail('validation.date.tooLate', { notAfter: riyadhDay(bounds.notAfter) });
  }
  return ok(iso);
}

/**
 * Validates an age in whole years, 0 to 120, and returns it as a number.
 *
 * Accepts any accepted digit script and a trailing unit (سنة, سنوات, عام,
 * years, ...).
 */
export function validateAge(raw: string): Validation<number> {
  const input = prepareInput(raw);
  if (input === '') return fail('validation.required');
  if (hasForeignDigits(input)) return fail('validation.foreignDigits');

  const numeral = readNumeral(input.replace(AGE_UNIT, ''));
  if (numeral.kind === 'words') return fail('validation.age.notANumber');
  if (numeral.kind === 'malformed') return fail('validation.age.format');
  if (numeral.fraction !== '') return fail('validation.age.notInteger');
  const value = numeralValue(numeral);
  if (numeral.negative || value < AGE_RANGE.min || value > AGE_RANGE.max) return fail('validation.age.range', AGE_RANGE);
  return ok(value);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function riyadhDay(instant: Date): string {
  return new Date(instant.getTime() + RIYADH_OFFSET_MS).toISOString().slice(0, 10);
}
