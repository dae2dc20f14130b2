import { hasForeignDigits } from '../../core/text/digits.js';
import { prepareInput } from '../../core/text/input.js';
import { fail, ok, type Validation } from '../../core/text/validation.js';

/**
 * A checked Saudi national ID or iqama number: ten ASCII digits and whether it
 * belongs to a citizen (first digit 1) or a resident (first digit 2).
 */
export interface NationalId {
  id: string;
  kind: 'citizen' | 'resident';
}

const ID_LENGTH = 10;

// People copy the number from a card or a message, where it is often grouped;
// only separators between two digits are dropped, so "-123…" stays refused.
const SEPARATOR_BETWEEN_DIGITS = /(?<=\d)[\s\-\u2010-\u2015\u2212._]+(?=\d)/g;
const ONLY_DIGITS = /^\d+$/;

/**
 * Validates a Saudi national ID or iqama number typed in any accepted digit
 * script, mixed scripts included, with or without separators.
 *
 * The checks run in the order a person can act on them: digits only, length,
 * first digit, then the Luhn check digit. A passing check digit does not prove
 * the number was ever issued.
 */
export function validateNationalId(raw: string): Validation<NationalId> {
  const input = prepareInput(raw);
  if (input === '') return fail('validation.required');
  if (hasForeignDigits(input)) return fail('validation.foreignDigits');

  const id = input.replace(SEPARATOR_BETWEEN_DIGITS, '');
  if (!ONLY_DIGITS.test(id)) return fail('validation.nationalId.notDigits');
  if (id.length < ID_LENGTH) return fail('validation.nationalId.tooShort', { length: id.length, expected: ID_LENGTH });
  if (id.length > ID_LENGTH) return fail('validation.nationalId.tooLong', { length: id.length, expected: ID_LENGTH });

  const first = id[0];
  if (first !== '1' && first !== '2') return fail('validation.nationalId.firstDigit', { digit: first ?? '' });
  if (!passesLuhn(id)) return fail('validation.nationalId.checksum');

  return ok({ id, kind: first === '1' ? 'citizen' : 'resident' });
}

/**
 * Standard Luhn over the whole number, check digit included: from the right,
 * every second digit is doubled (9 subtracted when above 9) and the total must
 * be a multiple of ten.
 */
function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
