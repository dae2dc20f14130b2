/**
 * A corpus of hostile and malformed inputs across the request, each with its expected
 * outcome: accepted (with the clean value stored) or refused with a specific message in the
 * person's language and the same question again — never a crash, never a raw key, never
 * anything stored from a refused answer. Inputs elsewhere in the suite: 30 messages in a
 * second (tests/integration/flood.test.ts), forged button data and the bot added to a
 * stranger's group (tests/e2e/telegram.test.ts, normalize-update unit tests), a PDF renamed
 * .jpg and decompression bombs (tests/unit document inspection), formula cells in exports
 * (tests/integration/reports.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { runSpec, type SpecInput } from './spec-runner.js';
import { AR_SELF, ar, startArabic, walk } from './fixtures.js';

type Outcome = { accept: unknown } | { refuse: string };

/** [question, what is sent, expected outcome, why it matters]. */
const CORPUS: [step: string, send: SpecInput, outcome: Outcome, what: string][] = [
  ['national_id', '١٠٨٧٦٥٤٣٢١', { accept: '1087654321' }, 'Arabic-Indic digits'],
  ['national_id', '۱۰۸۷۶۵۴۳۲۱', { accept: '1087654321' }, 'Eastern Arabic-Indic (Persian) digits'],
  ['national_id', '١٠٨7654321', { accept: '1087654321' }, 'mixed digit scripts'],
  ['national_id', '108 765 4321', { accept: '1087654321' }, 'spaces'],
  ['national_id', '108-765-4321', { accept: '1087654321' }, 'dashes'],
  ['national_id', '\u200f1087654321\u200f', { accept: '1087654321' }, 'right-to-left marks'],
  ['national_id', '1087\u200b654321', { accept: '1087654321' }, 'a zero-width space'],
  ['national_id', '108765432', { refuse: 'validation.nationalId.tooShort' }, '9 digits'],
  ['national_id', '10876543210', { refuse: 'validation.nationalId.tooLong' }, '11 digits'],
  ['national_id', '1087654322', { refuse: 'validation.nationalId.checksum' }, 'a wrong check digit'],
  ['national_id', '3087654321', { refuse: 'validation.nationalId.firstDigit' }, 'first digit not 1 or 2'],
  ['national_id', '१०८७६५४३२१', { refuse: 'validation.foreignDigits' }, 'Devanagari digits'],
  ['national_id', '{"$gt": ""}', { refuse: 'validation.nationalId.notDigits' }, 'a MongoDB operator'],
  ['national_id', '__proto__', { refuse: 'validation.nationalId.notDigits' }, 'a prototype key'],
  ['mobile', '+966501234567', { accept: '+966501234567' }, 'international form'],
  ['mobile', '00966501234567', { accept: '+966501234567' }, '00 prefix'],
  ['mobile', '966501234567', { accept: '+966501234567' }, 'country code without +'],
  ['mobile', '٠٥٠-١٢٣-٤٥٦٧', { accept: '+966501234567' }, 'Arabic digits with dashes'],
  ['mobile', '(050) 123 4567', { accept: '+966501234567' }, 'parentheses and spaces'],
  ['mobile', '+20 100 123 4567', { refuse: 'validation.mobile.foreign' }, 'a foreign number'],
  ['mobile', '0112345678', { refuse: 'validation.mobile.landline' }, 'a landline'],
  ['monthly_income', '-500', { refuse: 'validation.amount.negative' }, 'a negative income'],
  ['monthly_income', '1e9', { refuse: 'validation.amount.format' }, 'scientific notation'],
  ['monthly_income', '0x10', { refuse: 'validation.amount.format' }, 'hexadecimal'],
  ['monthly_income', 'NaN', { refuse: 'validation.amount.notANumber' }, 'NaN'],
  ['monthly_income', '٣٬٥٠٠', { accept: 3500 }, 'the Arabic thousands separator'],
  ['monthly_income', '3500 ريال', { accept: 3500 }, 'with the currency'],
  ['monthly_income', 'ثلاثة آلاف', { refuse: 'validation.amount.notANumber' }, 'a number in words'],
  ['monthly_income', '=SUM(A1:A9)', { refuse: 'validation.amount.notANumber' }, 'a spreadsheet formula'],
  ['full_name', '😀😀😀 😀😀', { refuse: 'validation.name.characters' }, 'emoji only'],
  ['full_name', `محمد ${'ع'.repeat(5000)}`, { refuse: 'validation.name.tooLong' }, '5,000 characters'],
  ['full_name', 'محمد\u0000 القحطاني', { accept: 'محمد القحطاني' }, 'a NUL character (dropped, the name kept clean)'],
  ['full_name', '\ud800محمد القحطاني', { refuse: 'validation.malformed' }, 'a broken surrogate'],
  ['full_name', '=HYPERLINK("http://x","y")', { refuse: 'validation.name.characters' }, 'a spreadsheet formula as a name'],
  ['full_name', 'Constructor', { refuse: 'validation.name.singleWord' }, 'a prototype property name (not taken for a command)'],
  ['full_name', 'toString', { refuse: 'validation.name.singleWord' }, 'another prototype property name'],
  ['full_name', '{"$ne": null}', { refuse: 'validation.name.characters' }, 'a MongoDB operator as a name'],
  ['description', 'ا'.repeat(5000), { refuse: 'validation.text.tooLong' }, '5,000 characters of description'],
  ['family_count', '٥٫٥', { refuse: 'validation.count.notInteger' }, 'a decimal with the Arabic separator'],
  ['family_count', 'خمسة', { refuse: 'validation.count.notANumber' }, 'a count in words'],
  ['city', { unsupported: 'sticker' }, { refuse: 'unsupported.sticker' }, 'a sticker where text is expected'],
  ['city', { unsupported: 'location' }, { refuse: 'unsupported.location' }, 'a location where text is expected'],
  ['city', { unsupported: 'contact' }, { refuse: 'unsupported.contact' }, 'a contact where text is expected'],
  ['city', { unsupported: 'video' }, { refuse: 'unsupported.video' }, 'a video where text is expected'],
  ['for_whom', { choice: 'approve' }, { refuse: 'validation.choice.unknown' }, 'forged button data (a staff action)'],
  ['for_whom', { choice: 'rented' }, { refuse: 'validation.choice.unknown' }, 'a button of another question'],
  ['doc_id', { rejected: 'document.tooManyPixels' }, { refuse: 'document.tooManyPixels' }, 'a decompression-bomb image'],
  ['doc_id', { rejected: 'document.unsupportedType' }, { refuse: 'document.unsupportedType' }, 'a text file named .pdf'],
];

describe('hostile and malformed input', () => {
  it('has at least 40 cases', () => expect(CORPUS.length).toBeGreaterThanOrEqual(40));

  for (const [step, send, outcome, what] of CORPUS) {
    it(`${step}: ${what} → ${'accept' in outcome ? 'accepted' : outcome.refuse}`, () => {
      const state = runSpec({ name: 'walk', world: { referAfterInvalid: 99 }, turns: [...startArabic(), ...walk(AR_SELF, { to: step })] });
      const before = JSON.parse(state.sessionJson) as { drafts: Record<string, { answers: Record<string, unknown> }> };
      if ('accept' in outcome) {
        runSpec(
          { name: what, world: { referAfterInvalid: 99 }, turns: [{ send, notEvents: ['answer_rejected'], answers: { [step]: outcome.accept } }] },
          state,
        );
        return;
      }
      const reply =
        outcome.refuse.startsWith('validation.') || outcome.refuse.startsWith('document.') || outcome.refuse.startsWith('unsupported.') ? outcome.refuse : '';
      runSpec(
        {
          name: what,
          world: { referAfterInvalid: 99 },
          turns: [
            {
              send,
              at: `support_request/${step}`,
              eventsMatch: [{ type: 'answer_rejected', step, error: outcome.refuse }],
              notEvents: ['answer_recorded'],
              missingAnswers: [step],
              notReplies: [reply],
            },
          ],
        },
        state,
      );
      const after = JSON.parse(state.sessionJson) as { drafts: Record<string, { answers: Record<string, unknown> }> };
      // Nothing of the refused answer is kept; everything given before is.
      expect(after.drafts.support_request?.answers).toEqual(before.drafts.support_request?.answers);
      // The message is in Arabic words, not a raw key, and the question is asked again.
      const replies = state.log.at(-1)!.events.flatMap((e) => (e.type === 'message_created' ? [e.message.text] : []));
      expect(replies.some((text) => /[\u0600-\u06FF]{3}/u.test(text) && !text.includes(outcome.refuse))).toBe(true);
      expect(replies.at(-1)).toContain(
        ar(`q.${step.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())}`)
          .split('\n')[0]!
          .slice(0, 20),
      );
    });
  }
});
