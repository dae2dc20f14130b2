import { hasForeignDigits } from '../../core/text/digits.js';
import { prepareInput } from '../../core/text/input.js';
import { numeralValue, readNumeral } from './numeral.js';
import { fail, ok, type Validation } from '../../core/text/validation.js';

/**
 * The inclusive bounds an amount or a count must fall within.
 */
export interface NumberRange {
  min: number;
  max: number;
}

const MAX_AMOUNT_DECIMALS = 2;

// The riyal written every way people write it, before or after the number:
// SAR, SR, ر.س (with or without dots and spaces), ريال (سعودي), ﷼ and the
// 2025 riyal sign U+20C1. Only one is removed at each end.
const CURRENCY = '(?:saudi\\s+riyals?|riyals?|rials?|sar|sr|ريالات|ريال(?:\\s+سعودي(?:ه|ة)?)?|ر\\s?\\.?\\s?س\\.?|\\uFDFC|\\u20C1)';
const CURRENCY_PREFIX = new RegExp(`^${CURRENCY}\\s*`, 'iu');
const CURRENCY_SUFFIX = new RegExp(`\\s*${CURRENCY}$`, 'iu');

/**
 * Validates an amount of money in riyals and returns it as a number with at
 * most two decimals.
 *
 * Accepts any accepted digit script, thousands separators (`,`, `٬`, `،`),
 * the Arabic decimal separator and a currency before or after the number.
 * Refuses negatives, exponents, hexadecimal, `NaN`, `Infinity` and numbers
 * spelled out in words, each with a key of its own.
 */
export function validateAmount(raw: string, range: NumberRange): Validation<number> {
  const input = prepareInput(raw);
  if (input === '') return fail('validation.required');
  if (hasForeignDigits(input)) return fail('validation.foreignDigits');

  const numeral = readNumeral(input.replace(CURRENCY_PREFIX, '').replace(CURRENCY_SUFFIX, ''));
  if (numeral.kind === 'words') return fail('validation.amount.notANumber');
  if (numeral.kind === 'malformed') return fail('validation.amount.format');
  if (numeral.negative) return fail('validation.amount.negative');
  if (numeral.fraction.length > MAX_AMOUNT_DECIMALS) {
    return fail('validation.amount.decimals', { max: MAX_AMOUNT_DECIMALS });
  }
  const value = numeralValue(numeral);
  if (value < range.min || value > range.max) return fail('validation.amount.range', { min: range.min, max: range.max });
  return ok(value);
}

/**
 * Validates a count (people in a household, children, months) and returns it
 * as a non-negative integer.
 *
 * Same digit handling as {@link validateAmount}, without currencies; refuses
 * decimals.
 */
export function validateCount(raw: string, range: NumberRange): Validation<number> {
  const input = prepareInput(raw);
  if (input === '') return fail('validation.required');
  if (hasForeignDigits(input)) return fail('validation.foreignDigits');

  const numeral = readNumeral(input);
  if (numeral.kind === 'words') return fail('validation.count.notANumber');
  if (numeral.kind === 'malformed') return fail('validation.count.format');
  if (numeral.negative) return fail('validation.count.negative');
  if (numeral.fraction !== '') return fail('validation.count.notInteger');
  const value = numeralValue(numeral);
  if (value < range.min || value > range.max) return fail('validation.count.range', { min: range.min, max: range.max });
  return ok(value);
}
