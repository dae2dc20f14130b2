import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
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
  type ChoiceOption,
  type Validation,
} from '../../../src/flows/validators/index.js';
import { validatorRegistry } from '../../../src/flows/catalog.js';

const LRM = '\u200E';
const RLM = '\u200F';
const ZWSP = '\u200B';
const ZWJ = '\u200D';
const RLO = '\u202E';
const PDF = '\u202C';

function errorOf(result: Validation<unknown>): string | undefined {
  return result.ok ? undefined : result.error;
}

describe('validateNationalId', () => {
  it.each([
    ['ASCII citizen', '1000000008', '1000000008', 'citizen'],
    ['ASCII resident', '2100000005', '2100000005', 'resident'],
    ['another valid citizen', '1234567897', '1234567897', 'citizen'],
    ['Arabic-Indic', '١٠٠٠٠٠٠٠٠٨', '1000000008', 'citizen'],
    ['Eastern', '۲۱۰۰۰۰۰۰۰۵', '2100000005', 'resident'],
    ['mixed scripts with spaces', '1٠٠0 ۰۰۰ ۰0٨', '1000000008', 'citizen'],
    ['Arabic-Indic with dashes', '٢١٠-٠٠٠-٠٠٠٥', '2100000005', 'resident'],
    ['dots and underscores', '1.000_000.008', '1000000008', 'citizen'],
    ['RLM and LRM around and inside', `${RLM}١٠٠٠${LRM}٠٠٠٠٠٨${LRM}`, '1000000008', 'citizen'],
    ['zero-width characters', `1${ZWSP}000${ZWJ}000\uFEFF008`, '1000000008', 'citizen'],
    ['surrounding spaces and a no-break space', '  1000\u00A0000008 ', '1000000008', 'citizen'],
    ['en dash from a phone keyboard', '1000–000–008', '1000000008', 'citizen'],
  ])('accepts %s', (_name, input, id, kind) => {
    expect(validateNationalId(input)).toEqual({ ok: true, value: { id, kind } });
  });

  it.each([
    ['empty', '', 'validation.required', undefined],
    ['only invisibles and spaces', ` ${RLM}${ZWSP} `, 'validation.required', undefined],
    ['9 digits', '100000000', 'validation.nationalId.tooShort', { length: 9, expected: 10 }],
    ['11 digits', '10000000080', 'validation.nationalId.tooLong', { length: 11, expected: 10 }],
    ['9 Arabic-Indic digits', '١٠٠٠٠٠٠٠٠', 'validation.nationalId.tooShort', { length: 9, expected: 10 }],
    ['wrong check digit', '1000000000', 'validation.nationalId.checksum', undefined],
    ['wrong check digit, resident', '2100000006', 'validation.nationalId.checksum', undefined],
    ['first digit 3', '3000000006', 'validation.nationalId.firstDigit', { digit: '3' }],
    ['first digit 0', '0000000000', 'validation.nationalId.firstDigit', { digit: '0' }],
    ['Devanagari digits', '१०००००००००८', 'validation.foreignDigits', undefined],
    ['one Devanagari digit among ASCII', '100000000८', 'validation.foreignDigits', undefined],
    ['fullwidth digits', '１０００００００００８', 'validation.foreignDigits', undefined],
    ['mathematical digits', '𝟏𝟎𝟎𝟎𝟎𝟎𝟎𝟎𝟎𝟖', 'validation.foreignDigits', undefined],
    ['letters', '10000000O8', 'validation.nationalId.notDigits', undefined],
    ['Arabic words', 'رقمي 1000000008', 'validation.nationalId.notDigits', undefined],
    ['leading dash', '-1000000008', 'validation.nationalId.notDigits', undefined],
    ['separator not between digits', '1000000008-', 'validation.nationalId.notDigits', undefined],
    ['plus sign', '+1000000008', 'validation.nationalId.notDigits', undefined],
  ])('refuses %s', (_name, input, error, params) => {
    const result = validateNationalId(input);
    expect(result).toEqual(params === undefined ? { ok: false, error } : { ok: false, error, params });
  });
});

describe('validateSaudiMobile', () => {
  it.each([
    ['05XXXXXXXX', '0501234567', '+966501234567'],
    ['5XXXXXXXX', '501234567', '+966501234567'],
    ['9665XXXXXXXX', '966501234567', '+966501234567'],
    ['+9665XXXXXXXX', '+966501234567', '+966501234567'],
    ['009665XXXXXXXX', '00966501234567', '+966501234567'],
    ['spaces', '050 123 4567', '+966501234567'],
    ['dashes', '050-123-4567', '+966501234567'],
    ['parentheses', '(050) 123 4567', '+966501234567'],
    ['dots', '050.123.4567', '+966501234567'],
    ['+966 0 5… (stray trunk zero)', '+966 0 50 123 4567', '+966501234567'],
    ['00966 05…', '00966 0501234567', '+966501234567'],
    ['+966 (0)5…', '+966 (0) 50 123 4567', '+966501234567'],
    ['Arabic-Indic digits', '٠٥٠١٢٣٤٥٦٧', '+966501234567'],
    ['Eastern digits', '۰۵۰۱۲۳۴۵۶۷', '+966501234567'],
    ['mixed digits and RLM', `${RLM}+٩٦٦ 5۰ 123 4567${LRM}`, '+966501234567'],
    ['051', '0511234567', '+966511234567'],
    ['053', '0531234567', '+966531234567'],
    ['054', '0541234567', '+966541234567'],
    ['055', '0551234567', '+966551234567'],
    ['056', '0561234567', '+966561234567'],
    ['0570', '0570123456', '+966570123456'],
    ['0578', '0578123456', '+966578123456'],
    ['05790', '0579012345', '+966579012345'],
    ['05791', '0579112345', '+966579112345'],
    ['058', '0581234567', '+966581234567'],
    ['059', '0591234567', '+966591234567'],
  ])('accepts %s', (_name, input, e164) => {
    expect(validateSaudiMobile(input)).toEqual({ ok: true, value: e164 });
  });

  it.each([
    ['empty', '', 'validation.required'],
    ['052 (not a mobile range)', '0521234567', 'validation.mobile.invalid'],
    ['05792 (not a mobile range)', '0579212345', 'validation.mobile.invalid'],
    ['0579 with 9 as fourth digit', '0579912345', 'validation.mobile.invalid'],
    ['057 with 9 digits after 5 but prefix 0579 too long', '05790123456', 'validation.mobile.tooLong'],
    ['too short', '05012345', 'validation.mobile.tooShort'],
    ['too long', '050123456789', 'validation.mobile.tooLong'],
    ['+966 too short', '+96650123456', 'validation.mobile.tooShort'],
    ['Riyadh landline', '0112345678', 'validation.mobile.landline'],
    ['Jeddah landline, international', '+966 12 234 5678', 'validation.mobile.landline'],
    ['old eight-digit landline', '01 234 5678', 'validation.mobile.landline'],
    ['UAE mobile', '+971501234567', 'validation.mobile.foreign'],
    ['Egyptian mobile with 00', '00201001234567', 'validation.mobile.foreign'],
    ['UK number', '+44 7700 900123', 'validation.mobile.foreign'],
    ['letters', '05O1234567', 'validation.mobile.notDigits'],
    ['plus in the middle', '050+1234567', 'validation.mobile.notDigits'],
    ['Devanagari digits', '०५०१२३४५६७', 'validation.foreignDigits'],
    ['fullwidth digits', '０５０１２３４５６７', 'validation.foreignDigits'],
    ['toll-free 800', '8001234567', 'validation.mobile.invalid'],
    ['unified 9200', '920012345', 'validation.mobile.invalid'],
  ])('refuses %s', (_name, input, error) => {
    expect(validateSaudiMobile(input)).toEqual({ ok: false, error });
  });
});

describe('validateAmount', () => {
  const range = { min: 0, max: 1_000_000 };

  it.each([
    ['3500', 3500],
    ['3,500', 3500],
    ['٣٬٥٠٠', 3500],
    ['٣،٥٠٠', 3500],
    ['234,567', 234567],
    ['3500 ريال', 3500],
    ['3500ريال', 3500],
    ['3500 ريالات', 3500],
    ['3500 ريال سعودي', 3500],
    ['3500 SAR', 3500],
    ['3500 sar', 3500],
    ['SAR 3500', 3500],
    ['3500 SR', 3500],
    ['3500 ر.س', 3500],
    ['3500 ر.س.', 3500],
    ['3500 ر س', 3500],
    ['ر.س 3500', 3500],
    ['3500 ﷼', 3500],
    ['3500.50', 3500.5],
    ['3500.05', 3500.05],
    ['٣٥٠٠٫٥', 3500.5],
    ['٣٥٠٠', 3500],
    ['۳۵۰۰', 3500],
    ['0', 0],
    ['03500', 3500],
    [`${RLM}٣٥٠٠ ريال${RLM}`, 3500],
    ['1,000,000', 1_000_000],
  ])('accepts %j', (input, value) => {
    expect(validateAmount(input, range)).toEqual({ ok: true, value });
  });

  it.each([
    ['', 'validation.required', undefined],
    ['   ', 'validation.required', undefined],
    ['-500', 'validation.amount.negative', undefined],
    ['−500', 'validation.amount.negative', undefined],
    ['500-', 'validation.amount.negative', undefined],
    ['-٥٠٠ ريال', 'validation.amount.negative', undefined],
    ['1e9', 'validation.amount.format', undefined],
    ['1E3', 'validation.amount.format', undefined],
    ['0x10', 'validation.amount.format', undefined],
    ['3,50', 'validation.amount.format', undefined],
    ['3,5000', 'validation.amount.format', undefined],
    ['3,500٬000', 'validation.amount.format', undefined],
    ['1.2.3', 'validation.amount.format', undefined],
    ['+500', 'validation.amount.format', undefined],
    ['.5', 'validation.amount.format', undefined],
    ['5%', 'validation.amount.format', undefined],
    ['NaN', 'validation.amount.notANumber', undefined],
    ['Infinity', 'validation.amount.notANumber', undefined],
    ['-Infinity', 'validation.amount.notANumber', undefined],
    ['ثلاثة آلاف', 'validation.amount.notANumber', undefined],
    ['٣ آلاف', 'validation.amount.notANumber', undefined],
    ['three thousand', 'validation.amount.notANumber', undefined],
    ['3k', 'validation.amount.notANumber', undefined],
    ['ريال', 'validation.amount.notANumber', undefined],
    ['3500.505', 'validation.amount.decimals', { max: 2 }],
    ['3.500', 'validation.amount.decimals', { max: 2 }],
    ['1000001', 'validation.amount.range', { min: 0, max: 1_000_000 }],
    ['99999999999999999999999', 'validation.amount.range', { min: 0, max: 1_000_000 }],
    ['९००', 'validation.foreignDigits', undefined],
    ['３５００', 'validation.foreignDigits', undefined],
  ])('refuses %j', (input, error, params) => {
    const result = validateAmount(input, range);
    expect(result).toEqual(params === undefined ? { ok: false, error } : { ok: false, error, params });
  });

  it('applies the minimum', () => {
    expect(validateAmount('99', { min: 100, max: 200 })).toEqual({
      ok: false,
      error: 'validation.amount.range',
      params: { min: 100, max: 200 },
    });
  });
});

describe('validateCount', () => {
  const range = { min: 0, max: 30 };

  it.each([
    ['4', 4],
    ['٤', 4],
    ['۴', 4],
    ['0', 0],
    [' 12 ', 12],
    ['30', 30],
  ])('accepts %j', (input, value) => {
    expect(validateCount(input, range)).toEqual({ ok: true, value });
  });

  it.each([
    ['', 'validation.required'],
    ['-1', 'validation.count.negative'],
    ['2.5', 'validation.count.notInteger'],
    ['٢٫٥', 'validation.count.notInteger'],
    ['3.0', 'validation.count.notInteger'],
    ['1e2', 'validation.count.format'],
    ['0x10', 'validation.count.format'],
    ['أربعة', 'validation.count.notANumber'],
    ['four', 'validation.count.notANumber'],
    ['NaN', 'validation.count.notANumber'],
    ['४', 'validation.foreignDigits'],
  ])('refuses %j', (input, error) => {
    expect(errorOf(validateCount(input, range))).toBe(error);
  });

  it('refuses out-of-range counts with the bounds as params', () => {
    expect(validateCount('31', range)).toEqual({ ok: false, error: 'validation.count.range', params: { min: 0, max: 30 } });
  });
});

describe('validateDate', () => {
  it.each([
    ['YYYY-MM-DD', '1985-03-15', '1985-03-15'],
    ['YYYY/MM/DD', '1985/03/15', '1985-03-15'],
    ['DD/MM/YYYY', '15/03/1985', '1985-03-15'],
    ['DD-MM-YYYY', '15-03-1985', '1985-03-15'],
    ['one-digit day and month', '5/3/1985', '1985-03-05'],
    ['spaces around separators', '15 / 03 / 1985', '1985-03-15'],
    ['Arabic-Indic digits', '١٥/٠٣/١٩٨٥', '1985-03-15'],
    ['Eastern digits', '۱۹۸۵-۰۳-۱۵', '1985-03-15'],
    ['mixed digits with RLM', `${RLM}١٥/03/۱۹۸۵${RLM}`, '1985-03-15'],
    ['29 February in a leap year', '29/02/2024', '2024-02-29'],
    ['29 February 2000', '2000-02-29', '2000-02-29'],
    ['31 December', '31-12-1999', '1999-12-31'],
  ])('accepts %s', (_name, input, iso) => {
    expect(validateDate(input)).toEqual({ ok: true, value: iso });
  });

  it.each([
    ['empty', '', 'validation.required'],
    ['30 February', '2023-02-30', 'validation.date.invalid'],
    ['29 February in a common year', '29/02/2023', 'validation.date.invalid'],
    ['29 February 1900', '1900-02-29', 'validation.date.invalid'],
    ['31 April', '31/04/2024', 'validation.date.invalid'],
    ['month 13', '2024-13-01', 'validation.date.invalid'],
    ['month 0', '2024-00-10', 'validation.date.invalid'],
    ['day 0', '00/01/2024', 'validation.date.invalid'],
    ['year 0', '0000-01-01', 'validation.date.invalid'],
    ['mixed separators', '15/03-1985', 'validation.date.format'],
    ['two-digit year', '15/03/85', 'validation.date.format'],
    ['month name', '15 March 1985', 'validation.date.format'],
    ['time included', '1985-03-15T10:00', 'validation.date.format'],
    ['words', 'أمس', 'validation.date.format'],
    ['Devanagari digits', '१५/०३/१९८५', 'validation.foreignDigits'],
  ])('refuses %s', (_name, input, error) => {
    expect(errorOf(validateDate(input))).toBe(error);
  });

  it('refuses a Hijri-looking year with the year as param', () => {
    expect(validateDate('15/03/1445')).toEqual({ ok: false, error: 'validation.date.looksHijri', params: { year: 1445 } });
    // 30 Safar exists in the Hijri calendar: the Hijri hint must win over "invalid".
    expect(errorOf(validateDate('30/02/1445'))).toBe('validation.date.looksHijri');
  });

  it('applies notBefore and notAfter inclusively', () => {
    const bounds = { notBefore: new Date('1900-01-01T00:00:00Z'), notAfter: new Date('2024-06-01T12:00:00Z') };
    expect(validateDate('1900-01-01', bounds)).toEqual({ ok: true, value: '1900-01-01' });
    expect(validateDate('01/06/2024', bounds)).toEqual({ ok: true, value: '2024-06-01' });
    expect(validateDate('1899-12-31', bounds)).toEqual({
      ok: false,
      error: 'validation.date.tooEarly',
      params: { notBefore: '1900-01-01' },
    });
    expect(validateDate('02/06/2024', bounds)).toEqual({
      ok: false,
      error: 'validation.date.tooLate',
      params: { notAfter: '2024-06-01' },
    });
  });

  it('reads bounds as Riyadh calendar days', () => {
    // 22:30 UTC on 1 June is 01:30 on 2 June in Riyadh: "today" is 2 June.
    const notAfter = new Date('2024-06-01T22:30:00Z');
    expect(validateDate('2024-06-02', { notAfter })).toEqual({ ok: true, value: '2024-06-02' });
    expect(errorOf(validateDate('2024-06-03', { notAfter }))).toBe('validation.date.tooLate');
  });
});

describe('validateAge', () => {
  it.each([
    ['35', 35],
    ['٣٥', 35],
    ['۳۵', 35],
    ['0', 0],
    ['120', 120],
    ['35 سنة', 35],
    ['٣٥ سنه', 35],
    ['35 years', 35],
    ['35 years old', 35],
  ])('accepts %j', (input, value) => {
    expect(validateAge(input)).toEqual({ ok: true, value });
  });

  it.each([
    ['', 'validation.required'],
    ['121', 'validation.age.range'],
    ['-1', 'validation.age.range'],
    ['35.5', 'validation.age.notInteger'],
    ['خمسة وثلاثون', 'validation.age.notANumber'],
    ['thirty', 'validation.age.notANumber'],
    ['1e2', 'validation.age.format'],
    ['३५', 'validation.foreignDigits'],
  ])('refuses %j', (input, error) => {
    expect(errorOf(validateAge(input))).toBe(error);
  });

  it('gives the range as params', () => {
    expect(validateAge('200')).toEqual({ ok: false, error: 'validation.age.range', params: { min: 0, max: 120 } });
  });
});

describe('validateText', () => {
  const limits = { min: 1, max: 500 };

  it.each([
    ['plain Arabic', 'أحتاج مساعدة في دفع الإيجار', 'أحتاج مساعدة في دفع الإيجار'],
    ['whitespace collapsed', '  كلمة   أخرى\t\tهنا  ', 'كلمة أخرى هنا'],
    ['newlines kept, blank lines limited', 'سطر أول  \r\n\r\n\r\n\r\n  سطر ثان', 'سطر أول\n\nسطر ثان'],
    ['NUL removed', 'abc\u0000def', 'abcdef'],
    ['C0 and C1 controls removed', 'a\u0001b\u001Fc\u007Fd\u009Fe', 'abcde'],
    ['RLO override stripped', `${RLO}txt.exe${PDF} مرفق`, 'txt.exe مرفق'],
    ['NFC', 'e\u0301te', '\u00E9te'],
    ['emoji kept', 'شكرا 🌹', 'شكرا 🌹'],
    ['Arabic-Indic digits become ASCII', 'عمارة ٣', 'عمارة 3'],
    ['operator-looking text is just text', '{"$gt": ""}', '{"$gt": ""}'],
  ])('accepts %s', (_name, input, cleaned) => {
    expect(validateText(input, limits)).toEqual({ ok: true, value: cleaned });
  });

  it.each([
    ['empty', '', 'validation.required'],
    ['controls and invisibles only', `\u0000${RLM}${ZWSP}\u0007 `, 'validation.required'],
    ['lone high surrogate', 'abc\uD83Ddef', 'validation.malformed'],
    ['lone low surrogate', 'abc\uDE00def', 'validation.malformed'],
    ['reversed surrogate pair', 'abc\uDE00\uD83D', 'validation.malformed'],
    ['surrogate at the end', 'abc\uD83D', 'validation.malformed'],
  ])('refuses %s', (_name, input, error) => {
    expect(errorOf(validateText(input, limits))).toBe(error);
  });

  it('refuses text over max with max and length as params', () => {
    expect(validateText('ا'.repeat(5000), limits)).toEqual({
      ok: false,
      error: 'validation.text.tooLong',
      params: { max: 500, length: 5000 },
    });
  });

  it('counts code points, not UTF-16 units', () => {
    expect(validateText('😀'.repeat(500), limits).ok).toBe(true);
    expect(validateText('😀'.repeat(501), limits)).toEqual({
      ok: false,
      error: 'validation.text.tooLong',
      params: { max: 500, length: 501 },
    });
  });

  it('refuses text under min', () => {
    expect(validateText('ok', { min: 5, max: 10 })).toEqual({
      ok: false,
      error: 'validation.text.tooShort',
      params: { min: 5, length: 2 },
    });
  });

  it('has default limits', () => {
    expect(validateText('نص').ok).toBe(true);
    expect(errorOf(validateText('x'.repeat(1001)))).toBe('validation.text.tooLong');
  });
});

describe('validateName', () => {
  it.each([
    ['Arabic', 'محمد عبدالله القحطاني', 'محمد عبدالله القحطاني'],
    ['Arabic with tashkeel', 'مُحَمَّد علي', 'مُحَمَّد علي'],
    ['Latin', 'Sarah Al-Harbi', 'Sarah Al-Harbi'],
    ['apostrophe', "Mary O'Neil", "Mary O'Neil"],
    ['typographic apostrophe', 'Mary O’Neil', 'Mary O’Neil'],
    ['mixed scripts', 'Fatima الزهراني', 'Fatima الزهراني'],
    ['spaces collapsed, trimmed', '  نورة    الشمري \n', 'نورة الشمري'],
    ['RLM and zero-width stripped', `${RLM}نورة${ZWSP} الشمري${LRM}`, 'نورة الشمري'],
    ['RLO stripped silently', `${RLO}نورة الشمري${PDF}`, 'نورة الشمري'],
    ['NUL stripped', 'Ali\u0000 Hassan', 'Ali Hassan'],
    ['NFC', 'Rene\u0301 Dupont', 'Ren\u00E9 Dupont'],
    ['compound given name', 'عبد الله', 'عبد الله'],
  ])('accepts %s', (_name, input, cleaned) => {
    expect(validateName(input)).toEqual({ ok: true, value: cleaned });
  });

  it.each([
    ['empty', '', 'validation.required'],
    ['spaces and invisibles only', ` ${RLM}${ZWSP}\u0000 `, 'validation.required'],
    ['single word', 'محمد', 'validation.name.singleWord'],
    ['single Latin word', 'Muhammad', 'validation.name.singleWord'],
    ['single letter', 'م', 'validation.name.tooShort'],
    ['emoji only', '😀😀', 'validation.name.characters'],
    ['emoji sequence only', '👨‍👩‍👧 🇸🇦', 'validation.name.characters'],
    ['name with emoji', 'محمد علي 🌹', 'validation.name.characters'],
    ['ASCII digits', 'Ali Hassan 2', 'validation.name.digits'],
    ['Arabic-Indic digits', 'علي ٣', 'validation.name.digits'],
    ['Devanagari digits', 'Ali १', 'validation.name.digits'],
    ['query operator', '{"$gt": ""}', 'validation.name.characters'],
    ['__proto__', '__proto__', 'validation.name.characters'],
    ['constructor.prototype', 'constructor.prototype x', 'validation.name.characters'],
    ['markup', '<b>Ali</b> Hassan', 'validation.name.characters'],
    ['at sign', 'ali@example.com x', 'validation.name.characters'],
    ['lone surrogate', 'Ali \uD83D Hassan', 'validation.malformed'],
    ['broken pair', 'Ali \uDE00\uD83D Hassan', 'validation.malformed'],
  ])('refuses %s', (_name, input, error) => {
    expect(errorOf(validateName(input))).toBe(error);
  });

  it('refuses 5,000 characters with max and length', () => {
    expect(validateName(`${'ا'.repeat(2500)} ${'ب'.repeat(2499)}`)).toEqual({
      ok: false,
      error: 'validation.name.tooLong',
      params: { max: 100, length: 5000 },
    });
  });

  it('accepts exactly 100 characters', () => {
    const name = `${'a'.repeat(50)} ${'b'.repeat(49)}`;
    expect(validateName(name)).toEqual({ ok: true, value: name });
    expect(errorOf(validateName(`${name}b`))).toBe('validation.name.tooLong');
  });
});

describe('matchChoice', () => {
  const maritalStatus: ChoiceOption[] = [
    { id: 'single', labels: ['أعزب', 'عزباء', 'single'] },
    { id: 'married', labels: ['متزوج', 'متزوجة', 'married'] },
    { id: 'divorced', labels: ['مطلق', 'مطلقة', 'divorced'] },
    { id: 'widowed', labels: ['أرمل', 'أرملة', 'widowed'] },
  ];
  const housing: ChoiceOption[] = [
    { id: 'rent', labels: ['إيجار', 'rent'] },
    { id: 'own', labels: ['ملك', 'own'] },
    { id: 'family', labels: ['مع الأهل', 'with family'] },
    { id: 'none', labels: ['بدون سكن'] },
  ];

  it.each([
    ['number', '2', 'married'],
    ['number with dot', '2.', 'married'],
    ['number with parenthesis', '2)', 'married'],
    ['number with mirrored parenthesis', '2(', 'married'],
    ['number in parentheses', '(3)', 'divorced'],
    ['Arabic-Indic number', '٣', 'divorced'],
    ['Arabic-Indic number with dot', '٤.', 'widowed'],
    ['Eastern number', '۱', 'single'],
    ['number with RLM and spaces', ` ${RLM}٢ `, 'married'],
    ['exact label', 'متزوجة', 'married'],
    ['label without hamza', 'ارمله', 'widowed'],
    ['label with tashkeel', 'مُطَلَّقَة', 'divorced'],
    ['Latin label, upper case', 'MARRIED', 'married'],
    ['label with punctuation', 'أعزب.', 'single'],
    ['input contains a whole label', 'انا متزوج والحمد لله', 'married'],
    ['label contains the input', 'مطلق', 'divorced'],
    ['partial label, unique', 'widow', 'widowed'],
  ])('matches %s', (_name, input, id) => {
    expect(matchChoice(input, maritalStatus)).toEqual({ ok: true, value: id });
  });

  it.each([
    ['whole label inside a sentence', 'ساكن مع الاهل حاليا', 'family'],
    ['partial label of three letters', 'بدون', 'none'],
    ['Latin whole label in a sentence', 'I rent a flat', 'rent'],
  ])('matches %s (housing)', (_name, input, id) => {
    expect(matchChoice(input, housing)).toEqual({ ok: true, value: id });
  });

  it.each([
    ['empty', ''],
    ['number 0', '0'],
    ['number too large', '5'],
    ['number with trailing words', '5 شيء'],
    ['Latin word containing a label', 'renting'],
    ['unrelated text', 'لا أعرف'],
    ['two options match', 'كنت متزوج والآن مطلق'],
    ['partial input under three characters', 'مت'],
    ['partial input matching several options', 'ed'],
    ['Devanagari number', '२'],
    ['fullwidth number', '２'],
  ])('refuses %s', (_name, input) => {
    expect(matchChoice(input, maritalStatus)).toEqual({
      ok: false,
      error: 'validation.choice.unknown',
      params: { count: 4 },
    });
  });

  it('refuses everything when there are no options', () => {
    expect(matchChoice('1', [])).toEqual({ ok: false, error: 'validation.choice.unknown', params: { count: 0 } });
  });

  it('ignores labels that fold to nothing', () => {
    const options = [
      { id: 'a', labels: ['...', 'alpha'] },
      { id: 'b', labels: ['beta'] },
    ];
    expect(errorOf(matchChoice('anything', options))).toBe('validation.choice.unknown');
  });
});

describe('matchYesNo', () => {
  it.each([
    'نعم',
    'نعم.',
    'نَعَم',
    'ايوه',
    'ايوة',
    'إيوه',
    'اي',
    'أي',
    'إي',
    'أوافق',
    'اوافق',
    'موافق',
    'موافقة',
    'صح',
    'نعم أوافق',
    'نعم، موافق!',
    'yes',
    'Yes',
    'YES!',
    'y',
    'Y',
    'ok',
    'OK',
    'agree',
    'I agree',
    '1',
    '١',
    '۱',
    '1.',
    `${RLM}نعم${RLM}`,
  ])('reads %j as yes', (input) => {
    expect(matchYesNo(input)).toEqual({ ok: true, value: true });
  });

  it.each([
    'لا',
    'لأ',
    'لآ',
    'لا.',
    'لا أوافق',
    'لا اوافق',
    'غير موافق',
    'مو موافق',
    'لا لا',
    'no',
    'No',
    'NO!',
    'n',
    'N',
    'nope',
    "I don't agree",
    '2',
    '٢',
    '۲',
    '2)',
  ])('reads %j as no', (input) => {
    expect(matchYesNo(input)).toEqual({ ok: true, value: false });
  });

  it.each(['', 'ربما', 'maybe', '3', '0', 'نعم لا', 'yes no', 'لا نعم', 'مو', 'agreed?', '👍'])('refuses %j', (input) => {
    expect(matchYesNo(input)).toEqual({ ok: false, error: 'validation.yesNo.unknown' });
  });
});

describe('validators registry', () => {
  it('registers every validator flows may name', () => {
    expect(Object.keys(validatorRegistry).sort()).toEqual([
      'age_list',
      'amount',
      'case_reference',
      'count',
      'date',
      'last_four_digits',
      'name',
      'national_id',
      'optional_comment',
      'place',
      'saudi_mobile',
      'text',
    ]);
  });

  const hostile: unknown[] = [
    '',
    ' ',
    '\u0000',
    '\uD800',
    '\uDFFF\uD800',
    `${RLO}${PDF}`,
    '{"$gt": ""}',
    '__proto__',
    'constructor',
    'toString',
    'NaN',
    'Infinity',
    '-0',
    '1e309',
    '9'.repeat(400),
    '٫',
    '٬',
    '،',
    '-',
    '+',
    '.',
    '((((',
    '😀'.repeat(2000),
    'ا'.repeat(100_000),
    '1 '.repeat(10_000),
    undefined,
    null,
    42,
    {},
  ];

  it.each(hostile.map((input) => [input]))('never throws and returns a Validation for %j', (input) => {
    const calls: (() => Validation<unknown>)[] = [
      ...Object.values(validatorRegistry).map((validate) => () => validate(input as string, { min: 0, max: 100 })),
      () => validateAge(input as string),
      () => matchChoice(input as string, [{ id: 'a', labels: ['alpha'] }]),
      () => matchYesNo(input as string),
    ];
    for (const call of calls) {
      const result = call();
      expect(typeof result.ok).toBe('boolean');
      if (!result.ok) expect(result.error).toMatch(/^validation\.[A-Za-z]+(\.[A-Za-z]+)?$/);
    }
  });
});

describe('message keys', () => {
  const validatorDir = new URL('../../../src/flows/validators/', import.meta.url);
  // The text helpers the engine also uses live below it, in src/core/text.
  const coreText = new URL('../../../src/core/text/', import.meta.url);
  // The validators documented in index.ts; other files in the folder keep their own lists.
  const files = ['index.ts', 'numeral.ts', 'national-id.ts', 'saudi-mobile.ts', 'number.ts', 'date.ts', 'text.ts'];
  const sources = [
    ...files.map((file) => ({ file, text: readFileSync(new URL(file, validatorDir), 'utf8') })),
    ...['validation.ts', 'input.ts', 'choice.ts'].map((file) => ({ file: `core/text/${file}`, text: readFileSync(new URL(file, coreText), 'utf8') })),
  ];
  const index = sources.find((source) => source.file === 'index.ts')?.text ?? '';
  const documented = new Set(index.match(/`validation\.[A-Za-z.]+`/g)?.map((key) => key.slice(1, -1)));
  const used = new Set(
    sources
      .filter((source) => source.file !== 'index.ts')
      .flatMap((source) => source.text.match(/'validation\.[A-Za-z.]+'/g) ?? [])
      .map((key) => key.slice(1, -1)),
  );

  it('documents in index.ts every key the validators use', () => {
    expect(used.size).toBeGreaterThan(30);
    expect([...used].filter((key) => !documented.has(key))).toEqual([]);
  });

  it('documents no key that is not used', () => {
    expect([...documented].filter((key) => !used.has(key))).toEqual([]);
  });
});
