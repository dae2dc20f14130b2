import { hasForeignDigits } from '../../core/text/digits.js';
import { prepareInput } from '../../core/text/input.js';
import { fail, ok, type Validation } from '../../core/text/validation.js';

// Grouping people use when writing a number; removed wherever it appears.
const FORMATTING = /[\s\-\u2010-\u2015\u2212.()]/g;
const DIGITS_WITH_OPTIONAL_PLUS = /^\+?\d+$/;
const SAUDI_COUNTRY_CODE = '966';
const NATIONAL_LENGTH = 9;

// libphonenumber's Saudi mobile pattern (national number, after +966): 050,
// 051, 053–056, 058, 059 and 0570–0578 are mobile; 052 is not.
const SAUDI_MOBILE = /^(?:579[01]\d{5}|5(?:[013-689]\d|7[0-8])\d{6})$/;

// Today's landlines are 01X XXX XXXX; the pre-2007 eight-digit numbers
// (01 XXX XXXX, 02 …, 03 …) are still printed on old letterheads.
const SAUDI_LANDLINE = /^(?:1\d{7,8}|[2-467]\d{7})$/;

/**
 * Validates a Saudi mobile number and returns it in E.164 form
 * (`+9665XXXXXXXX`).
 *
 * Accepts the national form (05…, 5…), the international forms (9665…,
 * +9665…, 009665…), a stray trunk zero after the country code (+966 05…), and
 * spaces, dashes, dots and parentheses anywhere. Other country codes and Saudi
 * landlines get errors of their own, so the bot can say what is wrong.
 */
export function validateSaudiMobile(raw: string): Validation<string> {
  const input = prepareInput(raw);
  if (input === '') return fail('validation.required');
  if (hasForeignDigits(input)) return fail('validation.foreignDigits');

  const compact = input.replace(FORMATTING, '');
  if (!DIGITS_WITH_OPTIONAL_PLUS.test(compact)) return fail('validation.mobile.notDigits');

  const national = nationalNumber(compact);
  if (national === undefined) return fail('validation.mobile.foreign');

  if (SAUDI_MOBILE.test(national)) return ok(`+${SAUDI_COUNTRY_CODE}${national}`);
  if (SAUDI_LANDLINE.test(national)) return fail('validation.mobile.landline');
  // Counts would mislead here (the person may have typed 05…, 5… or +9665…),
  // so the messages only say which way the number is off.
  if (national.startsWith('5') && national.length < NATIONAL_LENGTH) return fail('validation.mobile.tooShort');
  if (national.startsWith('5') && national.length > NATIONAL_LENGTH) return fail('validation.mobile.tooLong');
  return fail('validation.mobile.invalid');
}

/**
 * The Saudi national number (no country code, no trunk zero) in `compact`, or
 * `undefined` when it is dialled with another country's code.
 */
function nationalNumber(compact: string): string | undefined {
  let international: string | undefined;
  if (compact.startsWith('+')) international = compact.slice(1);
  else if (compact.startsWith('00')) international = compact.slice(2);
  // Without + or 00, "9665…" is still unambiguous at full length: no Saudi
  // national number is twelve digits long.
  else if (compact.startsWith(SAUDI_COUNTRY_CODE) && compact.length >= 12) international = compact;

  if (international !== undefined) {
    if (!international.startsWith(SAUDI_COUNTRY_CODE)) return undefined;
    return stripTrunkZero(international.slice(SAUDI_COUNTRY_CODE.length));
  }
  return stripTrunkZero(compact);
}

function stripTrunkZero(national: string): string {
  return national.startsWith('0') ? national.slice(1) : national;
}
