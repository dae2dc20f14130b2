import { describe, expect, it } from 'vitest';
import {
  digitScript,
  digitScripts,
  hasForeignDigits,
  hasMixedDigitScripts,
  normalizeDigits,
  stripInvisibles,
  toArabicDigits,
} from '../../../src/core/text/digits.js';

describe('normalizeDigits', () => {
  it.each([
    ['0123456789', '0123456789'],
    ['٠١٢٣٤٥٦٧٨٩', '0123456789'],
    ['۰۱۲۳۴۵۶۷۸۹', '0123456789'],
    ['1٢۳', '123'],
    ['٣٥٠٠٫٥', '3500.5'],
    // Group separators are the caller's business.
    ['٣٬٥٠٠', '3٬500'],
    ['١،٢', '1،2'],
    ['رقمي ١٢٣ فقط', 'رقمي 123 فقط'],
    ['१२३', '१२३'],
    ['１２３', '１２３'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalizeDigits(input)).toBe(expected);
  });
});

describe('toArabicDigits', () => {
  it.each([
    ['0123456789', '٠١٢٣٤٥٦٧٨٩'],
    ['الطلب رقم 42', 'الطلب رقم ٤٢'],
    ['3500.5', '٣٥٠٠.٥'],
    ['no digits', 'no digits'],
  ])('%j → %j', (input, expected) => {
    expect(toArabicDigits(input)).toBe(expected);
  });

  it('round-trips through normalizeDigits', () => {
    expect(normalizeDigits(toArabicDigits('2024-05-01 1000000008'))).toBe('2024-05-01 1000000008');
  });
});

describe('stripInvisibles', () => {
  it.each([
    ['zero-width space', '12\u200B34', '1234'],
    ['zero-width non-joiner', '12\u200C34', '1234'],
    ['zero-width joiner', '12\u200D34', '1234'],
    ['left-to-right mark', '\u200E1234', '1234'],
    ['right-to-left mark', '1234\u200F', '1234'],
    ['embeddings and overrides', '\u202A1\u202B2\u202C3\u202D4\u202E5', '12345'],
    ['isolates', '\u20661\u20672\u20683\u2069', '123'],
    ['Arabic letter mark', '\u061C١٢', '١٢'],
    ['byte-order mark', '\uFEFFنعم', 'نعم'],
    ['soft hyphen', 'ab\u00ADcd', 'abcd'],
    ['ordinary text untouched', 'محمد Ali 12', 'محمد Ali 12'],
  ])('%s', (_name, input, expected) => {
    expect(stripInvisibles(input)).toBe(expected);
  });
});

describe('digitScript', () => {
  it.each([
    ['7', 'ascii'],
    ['٧', 'arabic-indic'],
    ['۷', 'eastern'],
    ['७', 'foreign:966'],
    ['７', 'foreign:ff10'],
    ['𝟕', 'foreign:1d7ce'],
    ['𝟽', 'foreign:1d7f6'],
    ['a', undefined],
    ['77', undefined],
    ['٫', undefined],
  ])('%j → %j', (input, expected) => {
    expect(digitScript(input)).toBe(expected);
  });

  it('lists the scripts of a string', () => {
    expect([...digitScripts('1٢۳')].sort()).toEqual(['arabic-indic', 'ascii', 'eastern']);
    expect(digitScripts('no digits').size).toBe(0);
  });
});

describe('hasMixedDigitScripts', () => {
  it.each([
    ['1234567890', false],
    ['١٢٣٤٥٦٧٨٩٠', false],
    ['۱۲۳۴۵۶۷۸۹۰', false],
    ['abc', false],
    ['12٣٤', true],
    ['١٢۳۴', true],
    ['12۳۴', true],
    ['12३', true],
    ['१२３', true],
  ])('%j → %s', (input, expected) => {
    expect(hasMixedDigitScripts(input)).toBe(expected);
  });
});

describe('hasForeignDigits', () => {
  it.each([
    ['1234567890', false],
    ['١٢٣٤٥٦٧٨٩٠', false],
    ['۱۲۳۴۵۶۷۸۹۰', false],
    ['1٢۳', false],
    ['نص بلا أرقام', false],
    // Superscripts and circled digits are numbers but not decimal digits.
    ['²①', false],
    ['१२३', true],
    ['１２３', true],
    ['𝟏𝟐𝟑', true],
    ['12३4', true],
    ['১২৩', true],
  ])('%j → %s', (input, expected) => {
    expect(hasForeignDigits(input)).toBe(expected);
  });
});
