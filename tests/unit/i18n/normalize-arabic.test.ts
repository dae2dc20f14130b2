import { describe, expect, it } from 'vitest';
import { normalizeArabic, tokens } from '../../../src/core/text/normalize-arabic.js';

describe('normalizeArabic', () => {
  it.each([
    ['tashkeel', 'مُحَمَّدٌ', 'محمد'],
    ['tanween and shadda', 'شُكْرًا', 'شكرا'],
    ['superscript alef', 'هٰذا', 'هذا'],
    ['Quranic marks', 'الرَّحِيمِ ۝', 'الرحيم'],
    ['tatweel', 'مـــرحبا', 'مرحبا'],
    ['alef with hamza above', 'أحمد', 'احمد'],
    ['alef with hamza below', 'إبراهيم', 'ابراهيم'],
    ['alef madda', 'آمنة', 'امنه'],
    ['alef wasla', 'ٱلله', 'الله'],
    ['alef maksura', 'مستشفى', 'مستشفي'],
    ['ta marbuta', 'مدرسة', 'مدرسه'],
    ['waw with hamza', 'مؤسسة', 'موسسه'],
    ['ya with hamza', 'رئيس', 'رييس'],
    ['Persian yeh and keheh', 'کتابی', 'كتابي'],
    ['combining hamza composed by NFKC', 'ا\u0654حمد', 'احمد'],
    ['presentation forms (NFKC)', 'ﻻ ﷲ', 'لا الله'],
    ['Latin lower case', 'YES Please', 'yes please'],
    ['fullwidth Latin (NFKC)', 'ＹＥＳ', 'yes'],
    ['Arabic-Indic digits', 'الطابق ٣', 'الطابق 3'],
    ['Eastern digits', 'الطابق ۳', 'الطابق 3'],
    ['Arabic decimal separator becomes a space with the rest of the punctuation', '٣٫٥', '3 5'],
    ['invisibles', 'نع\u200Bم\u200F', 'نعم'],
    ['Arabic punctuation', 'نعم، أوافق؛ طيب؟', 'نعم اوافق طيب'],
    ['Latin punctuation', '"yes!" (ok)...', 'yes ok'],
    ['whitespace runs', '  \t نعم \n\n  أوافق  ', 'نعم اوافق'],
    ['empty', '', ''],
    ['punctuation only', ' ؟!، ', ''],
  ])('%s', (_name, input, expected) => {
    expect(normalizeArabic(input)).toBe(expected);
  });

  it('folds spelling variants of the same answer together', () => {
    const variants = ['أُوافِق', 'اوافق', 'إوافق.', ' أوافـــق ', '\u200Fأوافق\u200E'];
    expect(new Set(variants.map(normalizeArabic))).toEqual(new Set(['اوافق']));
  });

  it('is idempotent', () => {
    const once = normalizeArabic('  أَهْلاً   وسَهْلاً، يا صديقـــي! ١٢٣ ABC ');
    expect(normalizeArabic(once)).toBe(once);
  });
});

describe('tokens', () => {
  it.each([
    ['نعم، أوافق!', ['نعم', 'اوافق']],
    ['  عدد الأطفال: ٣  ', ['عدد', 'الاطفال', '3']],
    ['I agree', ['i', 'agree']],
    ['', []],
    [' ، ؟ ', []],
  ])('%j → %j', (input, expected) => {
    expect(tokens(input)).toEqual(expected);
  });
});
