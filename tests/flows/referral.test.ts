/**
 * Referral to a social researcher, as data (the policy: "if the procedure is unclear to
 * them, refer them to the social research officer"): asked for in words, from the menu,
 * by asking for help twice, by repeated mistakes, by a voice note; while it is open the bot
 * relays and stays silent; either side ends it and the person is back at the question
 * they left, with every answer kept.
 */
import { describe, it } from 'vitest';
import { runSpec, type SpecCase } from './spec-runner.js';
import { AR_SELF, answersUpTo, AR_SELF_ANSWERS, ar, en, startArabic, startEnglish, walk } from './fixtures.js';

const OPENED_AR = ar('referral.opened', { reference: 'RF-TEST-0001' });

const referral: SpecCase[] = [
  {
    name: '«باحث» in the middle of a request: the researchers are called with where the person stood and what they last wrote; nothing is lost',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'district' }),
      {
        send: 'باحث',
        replies: [OPENED_AR],
        notReplies: [ar('q.district')],
        at: 'support_request/district',
        events: ['referral_opened'],
        requests: [
          {
            type: 'open_referral',
            reason: 'asked',
            lang: 'ar',
            context: { flow: 'support_request', step: 'district' },
            recent: ['١', 'محمد عبدالله القحطاني', '١٠٨٧٦٥٤٣٢١', '٠٥٠١٢٣٤٥٦٧', 'نمران'],
          },
        ],
        session: { referral: { reference: 'RF-TEST-0001' }, recent: [] },
      },
      // Relayed, and the bot does not answer in the researcher's place.
      {
        send: 'لا أعرف ماذا أكتب في اسم الحي، أسكن في قرية',
        replyCount: 0,
        at: 'support_request/district',
        requests: [{ type: 'relay_to_researcher', message: { text: 'لا أعرف ماذا أكتب في اسم الحي، أسكن في قرية' } }],
      },
      {
        send: { document: 'photo-of-a-letter' },
        replyCount: 0,
        requests: [{ type: 'relay_to_researcher', message: { documentId: 'photo-of-a-letter' } }],
        notEvents: ['documents_discarded'],
      },
      { send: 'نمران', replyCount: 0, answers: answersUpTo(AR_SELF_ANSWERS, AR_SELF, 'district') },
      // "إنهاء": back at the question left, answers kept.
      {
        send: 'إنهاء',
        replies: [ar('referral.closedByYou'), ar('q.district')],
        at: 'support_request/district',
        requests: [{ type: 'close_referral' }],
        session: { referral: null },
        answers: answersUpTo(AR_SELF_ANSWERS, AR_SELF, 'district'),
      },
      { send: 'حي الملك فهد', replies: [ar('q.maritalStatus')], at: 'support_request/marital_status' },
    ],
  },
  {
    name: 'the researcher ends it: the person is told and asked the question they left again; a notice about another referral changes nothing',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'mobile' }),
      { send: '/researcher', replies: [OPENED_AR], requests: [{ type: 'open_referral', referralId: 'id-7-1' }] },
      {
        send: { notice: 'referral.claimed', params: { name: 'سارة' } },
        replies: [ar('referral.claimed', { name: 'سارة' })],
        session: { referral: { id: 'id-7-1' } },
      },
      {
        send: { notice: 'referral.fromResearcher', params: { name: 'سارة', text: 'اكتب رقم جوالك الذي يبدأ بـ 05' } },
        replies: ['سارة', 'اكتب رقم جوالك الذي يبدأ بـ 05'],
        replyCount: 1,
      },
      { send: { notice: 'referral.ended', params: { name: 'سارة', referralId: 'an-older-one' } }, replyCount: 1, session: { referral: { id: 'id-7-1' } } },
      {
        send: { notice: 'referral.ended', params: { name: 'سارة', referralId: 'id-7-1' } },
        replies: [ar('referral.ended', { name: 'سارة' }), ar('q.mobile')],
        at: 'support_request/mobile',
        session: { referral: null },
      },
      { send: '٠٥٥١٢٣٤٥٦٧', replies: [ar('q.city')], at: 'support_request/city' },
    ],
  },
  {
    name: 'asking for help twice at the same question calls a researcher; once only explains',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'family_count' }),
      { send: 'مساعدة', replies: [ar('help.text').split('\n')[0]!, ar('q.familyCount')], notReplies: [OPENED_AR], requests: [] },
      {
        send: 'help',
        replies: [OPENED_AR],
        requests: [{ type: 'open_referral', reason: 'help_twice', context: { flow: 'support_request', step: 'family_count' } }],
      },
    ],
  },
  {
    name: 'five wrong answers in a row: help is offered at the third, a researcher called at the fifth',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'national_id' }),
      { send: '123', notReplies: [ar('help.offer')] },
      { send: '456', notReplies: [ar('help.offer')] },
      { send: '789', replies: [ar('help.offer')], requests: [] },
      { send: '111', notReplies: [OPENED_AR], requests: [] },
      {
        send: '222',
        replies: [ar('validation.nationalId.tooShort', { length: 3, expected: 10 }), OPENED_AR],
        notReplies: [ar('q.nationalId')],
        requests: [{ type: 'open_referral', reason: 'stuck', context: { step: 'national_id' } }],
      },
    ],
  },
  {
    name: 'a voice note: told it cannot be heard, and a researcher is called to write to them',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'city' }),
      { send: { unsupported: 'voice' }, replies: [ar('unsupported.voice'), OPENED_AR], requests: [{ type: 'open_referral', reason: 'voice' }] },
    ],
  },
  {
    name: 'from the menu, outside working hours: told when to expect the researcher; «القائمة» ends it and shows the menu',
    world: { referral: { opensAt: 'الأحد 06/12/2026 08:00' } },
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      {
        send: '٤',
        replies: [OPENED_AR, ar('referral.outsideHours', { opensAt: 'الأحد 06/12/2026 08:00' })],
        requests: [{ type: 'open_referral', reason: 'asked', context: { flow: 'menu', step: 'menu' } }],
      },
      {
        send: 'English',
        replies: ['English selected.'],
        notReplies: [en('menu.prompt')],
        session: { lang: 'en', referral: { reference: 'RF-TEST-0001' } },
        requests: [],
      },
      { send: 'menu', replies: [en('referral.closedByYou'), en('menu.prompt')], requests: [{ type: 'close_referral' }], session: { referral: null } },
    ],
  },
  {
    name: 'a message after the researcher ended it meanwhile: told so, and back where they were',
    world: { referral: { open: false } },
    turns: [
      ...startEnglish(),
      { send: 'researcher', replies: [en('referral.opened', { reference: 'RF-TEST-0001' })] },
      { send: 'hello?', replies: [en('referral.endedBefore'), en('q.forWhom')], at: 'support_request/for_whom', session: { referral: null } },
    ],
  },
];

describe('referral to a social researcher', () => {
  for (const spec of referral) it(spec.name, () => void runSpec(spec));
});
