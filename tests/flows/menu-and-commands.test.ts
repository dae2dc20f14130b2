import { describe, it } from 'vitest';
import { newSpecState, runSpec, type SpecCase } from './spec-runner.js';
import { SessionSchema } from '../../src/engine/session.js';
import { AR_SELF, AR_SELF_ANSWERS, OPEN_CASE, answersUpTo, ar, en, startArabic, startEnglish, walk } from './fixtures.js';

const HOUR = 3_600_000;

const menu: SpecCase[] = [
  {
    name: 'first contact in Arabic: greeting and the numbered menu; the first message is not taken as an answer',
    turns: [
      {
        send: '١',
        replies: [
          'السلام عليكم ورحمة الله وبركاته',
          'For English, send: English',
          ar('menu.prompt'),
          '1. تقديم طلب دعم [request]',
          '3. أسئلة عن الجمعية وخدماتها [questions]',
          '4. التحدث مع باحث اجتماعي [researcher]',
          '5. اقتراح أو شكوى [feedback]',
          '6. التطوع مع الجمعية [volunteer]',
          '7. قيّم خدمتنا [rate]',
          '9. English [language]',
          '10. مساعدة [help]',
        ],
        replyCount: 2,
        at: 'menu/menu',
        requests: [],
        notEvents: ['flow_started'],
        session: { lang: 'ar' },
      },
    ],
  },
  {
    name: 'first contact with “English”: greeting and menu in English',
    turns: [
      {
        send: 'english',
        replies: ['Peace be upon you', 'للعربية أرسل: عربي', en('menu.prompt'), '1. Apply for support [request]', '9. العربية [language]'],
        notReplies: ['القائمة الرئيسية'],
        events: ['language_changed'],
        session: { lang: 'en' },
      },
    ],
  },
  {
    name: 'the sweeper’s `expire` with no draft changes nothing; the next message is answered with the menu, no expiry notice',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: { expire: true }, replyCount: 0, at: 'menu/menu', notEvents: ['draft_expired'], session: { draftsExpired: false } },
      { send: 'السلام عليكم', replies: [ar('menu.prompt')], notReplies: [ar('draft.expired')], at: 'menu/menu' },
    ],
  },
  {
    name: 'menu: an unknown number, a sticker and a file each get their own answer and the menu again',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      {
        send: '١٢',
        replies: ['لم نتعرّف على اختيارك', 'من 1 إلى 10'],
        lastReply: ar('menu.prompt'),
        at: 'menu/menu',
        eventsMatch: [{ type: 'answer_rejected', flow: 'menu', error: 'validation.choice.unknown' }],
      },
      { send: { unsupported: 'sticker' }, replies: [ar('unsupported.sticker')], lastReply: ar('menu.prompt'), at: 'menu/menu' },
      { send: { document: 'stray' }, replies: [ar('document.notExpected')], lastReply: ar('menu.prompt'), at: 'menu/menu' },
    ],
  },
  {
    name: 'menu: choosing by the option’s words, «تقديم طلب دعم», starts the request',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: 'تقديم طلب دعم', replies: [ar('privacy.notice')], at: 'support_request/consent' },
    ],
  },
  {
    name: 'menu: the language option switches to English and back to Arabic',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '٩', replies: ['English selected.', en('menu.prompt')], notReplies: [ar('menu.prompt')], at: 'menu/menu', session: { lang: 'en' } },
      { send: { choice: 'language' }, replies: [ar('language.changed'), ar('menu.prompt')], at: 'menu/menu', session: { lang: 'ar' } },
      { send: '/lang', replies: ['English selected.'], session: { lang: 'en' } },
    ],
  },
  {
    name: 'menu: help explains the commands and how to reach the association, then the menu',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '١٠', replies: ['«رجوع» يعيدك إلى السؤال السابق', '«إلغاء» يخرجك من الطلب', ar('contact.howToReach'), ar('menu.prompt')], at: 'menu/menu' },
      { send: 'help', replies: ['«القائمة» تعرض القائمة الرئيسية'], lastReply: ar('menu.prompt'), at: 'menu/menu' },
    ],
  },
];

const commands: SpecCase[] = [
  {
    name: '/cancel at the menu with nothing in progress: nothing to cancel, the menu',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '/cancel', replies: [ar('cancel.nothing'), ar('menu.prompt')], at: 'menu/menu', notEvents: ['flow_cancelled'], drafts: [] },
    ],
  },
  {
    name: '/cancel mid-flow: the draft is gone and `flow_cancelled` carries every file, the one not yet confirmed with «تم» too',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'doc_family_card' }),
      { send: { document: 'family-card-1' }, at: 'support_request/doc_family_card' },
      {
        send: '/cancel',
        replies: [ar('cancel.done'), ar('menu.prompt')],
        at: 'menu/menu',
        drafts: [],
        eventsMatch: [{ type: 'flow_cancelled', flow: 'support_request', documentIds: ['doc-id-front', 'doc-id-back', 'family-card-1'] }],
        requests: [],
      },
      // Consent stays given; a new request starts empty.
      {
        send: '١',
        replies: [ar('q.forWhom')],
        notReplies: [ar('privacy.notice'), ar('draft.resumed', { title: ar('request.title') })],
        at: 'support_request/for_whom',
        events: ['flow_started'],
        session: { drafts: { support_request: { answers: {} } } },
      },
    ],
  },
  {
    name: '«إلغاء» (with hamza) mid-flow cancels in Arabic; “cancel” in English',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'city' }),
      { send: 'إلغاء', replies: [ar('cancel.done')], at: 'menu/menu', drafts: [], events: ['flow_cancelled'] },
      { send: 'English', at: 'menu/menu' },
      { send: '1', at: 'support_request/for_whom' },
      { send: 'cancel', replies: [en('cancel.done'), en('menu.prompt')], at: 'menu/menu', drafts: [] },
    ],
  },
  {
    name: '/cancel at the menu with an unfinished request kept (engine fix needed): the draft and its files are deleted, not “nothing to cancel”',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'doc_family_card' }),
      { send: '/menu', at: 'menu/menu', drafts: ['support_request'] },
      {
        send: '/cancel',
        notReplies: [ar('cancel.nothing')],
        replies: [ar('cancel.done')],
        drafts: [],
        eventsMatch: [{ type: 'flow_cancelled', flow: 'support_request', documentIds: ['doc-id-front', 'doc-id-back'] }],
      },
    ],
  },
  {
    name: 'back returns one question and shows the answer; answering goes on to where the person was, not re-asking answered questions',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'housing' }),
      {
        send: 'رجوع',
        replies: [ar('q.incomeSources'), 'إجابتك الحالية: راتب، حساب المواطن'],
        at: 'support_request/income_sources',
        answers: answersUpTo(AR_SELF_ANSWERS, AR_SELF, 'housing'),
      },
      { send: 'السابق', replies: [ar('q.monthlyIncome'), 'إجابتك الحالية: 3500'], at: 'support_request/monthly_income' },
      {
        send: '٤٠٠٠',
        replies: [ar('q.housing')],
        notReplies: [ar('q.incomeSources')],
        at: 'support_request/housing',
        answers: { monthly_income: 4000, income_sources: ['salary', 'citizen_account'] },
      },
    ],
  },
  {
    name: 'back to a question whose new answer opens a branch asks the new question, then goes on',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'housing' }),
      { send: '١', at: 'support_request/support_type' },
      { send: 'back', at: 'support_request/housing', replies: ['إجابتك الحالية: ملك'] },
      { send: '٢', replies: [ar('q.monthlyRent')], at: 'support_request/monthly_rent' },
      { send: '٩٠٠', replies: [ar('q.supportType')], at: 'support_request/support_type', answers: { housing: 'rented', monthly_rent: 900 } },
    ],
  },
  {
    name: 'back at the first question: there is none before it, the same question again',
    turns: [
      ...startArabic(),
      { send: 'رجوع', replies: [ar('back.nowhere')], lastReply: ar('q.forWhom'), at: 'support_request/for_whom' },
      { send: '/back', replies: [ar('back.nowhere')], at: 'support_request/for_whom' },
    ],
  },
  {
    name: 'back at the privacy notice: there is none before it, the notice again (English)',
    turns: [
      { send: 'English', at: 'menu/menu' },
      { send: '1', at: 'support_request/consent' },
      {
        send: 'back',
        replies: [en('back.nowhere')],
        lastReply: en('privacy.notice'),
        at: 'support_request/consent',
        notEvents: ['consent_given', 'consent_refused'],
      },
    ],
  },
  {
    name: 'help mid-flow: the help text, then the same question with the answers kept',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'mobile' }),
      {
        send: 'مساعدة',
        replies: [ar('help.text')],
        lastReply: ar('q.mobile'),
        at: 'support_request/mobile',
        answers: answersUpTo(AR_SELF_ANSWERS, AR_SELF, 'mobile'),
      },
    ],
  },
  {
    name: '“English” at the privacy notice shows it in English; “عربي” at a question shows it in Arabic again',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '١', at: 'support_request/consent' },
      { send: 'English', replies: ['English selected.', en('privacy.notice'), '1. I agree [yes]'], at: 'support_request/consent' },
      { send: 'I agree', at: 'support_request/for_whom' },
      { send: '1', at: 'support_request/full_name' },
      {
        send: 'عربي',
        replies: [ar('language.changed'), ar('q.fullName')],
        notReplies: [en('q.fullName')],
        at: 'support_request/full_name',
        session: { lang: 'ar' },
        answers: { for_whom: 'self' },
      },
    ],
  },
];

const leavingAndResuming: SpecCase[] = [
  {
    name: 'leaving for the menu mid-flow and coming back (English “menu”): draft.resumed and the same question, answers kept',
    turns: [
      ...startEnglish(),
      { send: '1', at: 'support_request/full_name' },
      { send: 'Sara Ahmed Al-Qahtani', at: 'support_request/national_id' },
      { send: 'menu', replies: [en('menu.prompt')], at: 'menu/menu', drafts: ['support_request'], notEvents: ['flow_cancelled'] },
      {
        send: 'Apply for support',
        replies: ['You have a support request in progress; let us continue where you stopped.', en('q.nationalId')],
        notReplies: [en('privacy.notice'), en('q.forWhom')],
        at: 'support_request/national_id',
        answers: { for_whom: 'self', full_name: 'Sara Ahmed Al-Qahtani' },
        notEvents: ['flow_started'],
      },
    ],
  },
  {
    name: 'leaving for the menu with /menu mid-flow (Arabic) and coming back from the menu: the same question',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'marital_status' }),
      { send: '/menu', replies: [ar('menu.prompt')], at: 'menu/menu', drafts: ['support_request'] },
      // “My request” with nothing sent yet says so and points to the unfinished one.
      { send: '٢', replies: [ar('status.draftOnly')], notReplies: [ar('status.none')], at: 'menu/menu', drafts: ['support_request'] },
      {
        send: '١',
        replies: ['لديك طلب دعم لم يكتمل، سنكمل من حيث توقفت.', ar('q.maritalStatus')],
        at: 'support_request/marital_status',
        answers: answersUpTo(AR_SELF_ANSWERS, AR_SELF, 'marital_status'),
      },
    ],
  },
  {
    name: '«القائمة» typed mid-flow leaves for the menu (engine fix needed), instead of being recorded as the district',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'district' }),
      { send: 'القائمة', replies: [ar('menu.prompt')], at: 'menu/menu', drafts: ['support_request'], notEvents: ['answer_recorded'] },
      { send: '١', replies: [ar('q.district')], at: 'support_request/district' },
      { send: 'القائمة الرئيسية', at: 'menu/menu', notEvents: ['answer_recorded'] },
    ],
  },
];

const consent: SpecCase[] = [
  {
    name: 'consent refused: no personal question is asked, the association’s contact, the menu; asked again on a new try',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '١', at: 'support_request/consent' },
      {
        send: 'لا أوافق',
        replies: ['نحترم قرارك', ar('contact.howToReach'), ar('menu.prompt')],
        notReplies: [ar('q.forWhom'), ar('q.fullName')],
        at: 'menu/menu',
        drafts: [],
        events: ['consent_refused'],
        eventsMatch: [{ type: 'consent_refused', version: 'privacy-2026-1' }],
        notEvents: ['consent_given'],
        session: { consent: null },
      },
      { send: '١', replies: [ar('privacy.notice')], at: 'support_request/consent' },
      { send: { choice: 'no' }, replies: ['نحترم قرارك'], at: 'menu/menu', session: { consent: null } },
    ],
  },
  {
    name: 'consent refused in English with “I do not agree”',
    turns: [
      { send: 'English', at: 'menu/menu' },
      { send: '1', at: 'support_request/consent' },
      {
        send: 'I do not agree',
        replies: ['We respect your decision', en('contact.howToReach')],
        notReplies: [en('q.forWhom')],
        at: 'menu/menu',
        events: ['consent_refused'],
      },
    ],
  },
  {
    name: 'consent is recorded with its version and time, and not asked again for a second request',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '١', at: 'support_request/consent' },
      {
        send: { choice: 'yes' },
        at: 'support_request/for_whom',
        session: { consent: { version: 'privacy-2026-1', at: '2026-11-01T09:00:00.000Z' } },
        eventsMatch: [{ type: 'consent_given', version: 'privacy-2026-1' }],
      },
      ...walk(AR_SELF),
      { send: '١', at: 'support_request/declaration' },
      { send: 'نعم', at: 'menu/menu', drafts: [], submitted: { answers: AR_SELF_ANSWERS } },
      { send: { advanceMs: 30 * 24 * HOUR } },
      {
        send: '١',
        replies: [ar('q.forWhom')],
        notReplies: [ar('privacy.notice')],
        at: 'support_request/for_whom',
        events: ['flow_started'],
        notEvents: ['consent_given'],
      },
    ],
  },
];

const openCases: SpecCase[] = [
  {
    name: 'withdraw with an open case: confirm yes → a withdraw request for that case, told it is withdrawn, the menu',
    world: { openCase: OPEN_CASE },
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      {
        send: '٨',
        replies: [`هل تريد سحب طلبك رقم ${OPEN_CASE.reference}؟`, '1. نعم [yes]'],
        at: 'withdraw/confirm',
        requests: [{ type: 'find_own_open_case' }],
      },
      {
        send: 'نعم',
        replies: [`تم سحب طلبك رقم ${OPEN_CASE.reference}`, ar('menu.prompt')],
        at: 'menu/menu',
        requests: [{ type: 'withdraw_case', caseId: OPEN_CASE.caseId }],
        drafts: [],
      },
    ],
  },
  {
    name: 'withdraw with an open case: confirm no → nothing withdrawn, the menu',
    world: { openCase: OPEN_CASE },
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '/withdraw', at: 'withdraw/confirm' },
      { send: 'لا', replies: [ar('menu.prompt')], notReplies: ['تم سحب'], at: 'menu/menu', requests: [], drafts: [] },
    ],
  },
  {
    name: 'withdraw in English with a button; a case no longer open is reported as such',
    world: { openCase: OPEN_CASE, withdrawOutcome: 'not_open' },
    turns: [
      { send: 'English', at: 'menu/menu' },
      { send: { choice: 'withdraw' }, replies: [`Do you want to withdraw your request ${OPEN_CASE.reference}?`], at: 'withdraw/confirm' },
      {
        send: { choice: 'yes' },
        replies: [`Request ${OPEN_CASE.reference} is no longer open`, en('menu.prompt')],
        at: 'menu/menu',
        requests: [{ type: 'withdraw_case', caseId: OPEN_CASE.caseId }],
      },
    ],
  },
  {
    name: 'withdraw without an open case: withdraw.none, the menu, no question asked',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      {
        send: 'سحب طلبي',
        replies: [ar('withdraw.none'), ar('menu.prompt')],
        notReplies: ['هل تريد سحب'],
        at: 'menu/menu',
        requests: [{ type: 'find_own_open_case' }],
      },
    ],
  },
  {
    name: '“my request” with an open case: its reference, status in words, dates; then the menu',
    world: { openCase: OPEN_CASE },
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      {
        send: 'متابعة طلبي',
        replies: [
          'طلباتك:',
          `${OPEN_CASE.reference}: قيد الدراسة`,
          `تاريخ التقديم: ${OPEN_CASE.submittedAt}`,
          `يُتوقّع الرد ابتداءً من: ${OPEN_CASE.expectedBy}`,
          ar('status.otherPhone'),
          ar('menu.prompt'),
        ],
        notReplies: ['in_review'],
        at: 'menu/menu',
        requests: [{ type: 'find_own_cases' }],
      },
      { send: 'English', at: 'menu/menu' },
      { send: '/status', replies: ['Your requests:', `${OPEN_CASE.reference}: under study`, en('status.otherPhone')], at: 'menu/menu' },
    ],
  },
  {
    name: '“my request” without an open case: status.none, the menu',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '٢', replies: [ar('status.none'), ar('menu.prompt')], at: 'menu/menu' },
    ],
  },
  {
    name: '/request with an open case shows it instead of starting (request.alreadyOpen), in English',
    world: { openCase: { ...OPEN_CASE, status: 'information_requested' } },
    turns: [
      { send: 'English', at: 'menu/menu' },
      {
        send: '/request',
        replies: ['You already have an open request.', 'Status: waiting for information from you', 'A new request cannot be made'],
        notReplies: [en('privacy.notice')],
        at: 'menu/menu',
        drafts: [],
      },
    ],
  },
];

const expiry: SpecCase[] = [
  {
    name: 'draft expiry: past 72 h idle, writing again → draft.expired, the menu, the draft and its files gone',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'doc_family_card' }),
      { send: { document: 'family-card-1' }, at: 'support_request/doc_family_card' },
      { send: { advanceMs: 72 * HOUR + 60_000 } },
      {
        send: 'تم',
        replies: [ar('draft.expired'), ar('menu.prompt')],
        notReplies: [ar('q.docIncomeProof')],
        at: 'menu/menu',
        drafts: [],
        eventsMatch: [{ type: 'draft_expired', flow: 'support_request', documentIds: ['doc-id-front', 'doc-id-back', 'family-card-1'] }],
        notEvents: ['answer_recorded'],
      },
      {
        send: '١',
        replies: [ar('q.forWhom')],
        at: 'support_request/for_whom',
        events: ['flow_started'],
        notReplies: [ar('draft.resumed', { title: ar('request.title') })],
      },
    ],
  },
  {
    name: 'no expiry before 72 h: after 71 h the conversation goes on where it was',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'city' }),
      { send: { advanceMs: 71 * HOUR } },
      { send: 'نمران', replies: [ar('q.district')], notReplies: [ar('draft.expired')], at: 'support_request/district', notEvents: ['draft_expired'] },
    ],
  },
  {
    name: 'a draft left at the menu also expires after 72 h (English)',
    turns: [
      ...startEnglish(),
      { send: '1', at: 'support_request/full_name' },
      { send: 'menu', at: 'menu/menu', drafts: ['support_request'] },
      { send: { advanceMs: 80 * HOUR } },
      { send: '1', replies: [en('draft.expired'), en('menu.prompt')], at: 'menu/menu', drafts: [], events: ['draft_expired'] },
    ],
  },
  {
    name: 'the sweeper’s `expire` input deletes the draft silently; the person is told when they return',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'doc_id' }),
      { send: { document: 'id-front' }, at: 'support_request/doc_id' },
      { send: { advanceMs: 73 * HOUR } },
      {
        send: { expire: true },
        replyCount: 0,
        at: null,
        drafts: [],
        eventsMatch: [{ type: 'draft_expired', flow: 'support_request', documentIds: ['id-front'] }],
        session: { draftsExpired: true },
      },
      { send: { advanceMs: 24 * HOUR } },
      {
        send: 'السلام عليكم',
        replies: [ar('draft.expired'), ar('menu.prompt')],
        at: 'menu/menu',
        session: { draftsExpired: false },
        notEvents: ['draft_expired'],
      },
      { send: '١', replies: [ar('q.forWhom')], at: 'support_request/for_whom', events: ['flow_started'] },
    ],
  },
];

describe('menu', () => {
  for (const spec of menu) it(spec.name, () => void runSpec(spec));
});

describe('commands: cancel, back, help, language', () => {
  for (const spec of commands) it(spec.name, () => void runSpec(spec));
});

describe('leaving for the menu and resuming', () => {
  for (const spec of leavingAndResuming) it(spec.name, () => void runSpec(spec));
});

describe('consent', () => {
  for (const spec of consent) it(spec.name, () => void runSpec(spec));
});

describe('withdraw, status and open requests', () => {
  for (const spec of openCases) it(spec.name, () => void runSpec(spec));
});

describe('draft expiry', () => {
  for (const spec of expiry) it(spec.name, () => void runSpec(spec));
});

describe('consent to an older privacy notice', () => {
  it('is asked again when the notice changed, and the new version is recorded', () => {
    const state = runSpec({ name: 'a chat at the menu', turns: [{ send: 'مرحبا', at: 'menu/menu' }] });
    const session = SessionSchema.parse(JSON.parse(state.sessionJson));
    state.sessionJson = JSON.stringify({ ...session, consent: { version: 'privacy-2025-1', at: '2025-06-01T08:00:00.000Z' } });
    runSpec(
      {
        name: 'after the notice changed',
        turns: [
          { send: '١', replies: [ar('privacy.notice')], at: 'support_request/consent' },
          {
            send: 'نعم',
            at: 'support_request/for_whom',
            session: { consent: { version: 'privacy-2026-1', at: '2026-11-01T09:00:00.000Z' } },
            eventsMatch: [{ type: 'consent_given', version: 'privacy-2026-1' }],
          },
        ],
      },
      state,
    );
  });
});

const tracking: SpecCase[] = [
  {
    name: '“my requests” lists every request of the chat, newest first, says what is missing, and mentions the unfinished one',
    world: {
      ownCases: [
        { caseId: 'case_b', reference: 'SR-BBBB-2222', status: 'information_requested', submittedAt: '1 Nov 2026', expectedBy: '15 Nov 2026' },
        { caseId: 'case_a', reference: 'SR-AAAA-1111', status: 'rejected', submittedAt: '1 Jan 2026', expectedBy: '15 Jan 2026' },
      ],
    },
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'city' }),
      {
        send: '/status',
        replies: ['SR-BBBB-2222: بانتظار معلومات منك', 'الباحث ينتظر منك معلومات', 'SR-AAAA-1111: مرفوض', ar('status.draftAlso'), ar('status.otherPhone')],
        at: 'menu/menu',
        drafts: ['support_request'],
      },
    ],
  },
  {
    name: 'following a request from another phone: a reference typed loosely and the last four digits in Arabic digits → the status only',
    world: {
      lookup: {
        outcome: 'found',
        found: { caseId: 'case_x', reference: 'SR-7KQ4-M9XD', status: 'in_review', submittedAt: '1 Nov 2026', expectedBy: '15 Nov 2026' },
      },
    },
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: 'تتبع', replies: [ar('track.reference')], at: 'track/track_reference' },
      { send: 'رقم الطلب ١٢٣', replies: [ar('validation.reference.invalid'), ar('track.reference')], at: 'track/track_reference' },
      { send: 'sr 7kq4 m9xd', replies: [ar('track.lastFour')], at: 'track/track_last_four', answers: { track_reference: 'SR-7KQ4-M9XD' } },
      { send: '٤٣٢', replies: [ar('validation.lastFour.invalid')], at: 'track/track_last_four' },
      {
        send: '٤٣٢١',
        replies: ['حالة الطلب SR-7KQ4-M9XD: قيد الدراسة', ar('menu.prompt')],
        notReplies: ['الاسم', 'الهوية الوطنية'],
        at: 'menu/menu',
        requests: [{ type: 'lookup_case', reference: 'SR-7KQ4-M9XD', lastFour: '4321' }],
        drafts: [],
      },
    ],
  },
  {
    name: 'a look-up that fails, and one refused for too many attempts, say only that',
    world: { lookup: { outcome: 'limited' } },
    turns: [
      { send: 'hello', at: 'menu/menu' },
      { send: 'English', at: 'menu/menu' },
      { send: '/track', replies: [en('track.reference')], at: 'track/track_reference' },
      { send: 'SR-7KQ4-M9XD', at: 'track/track_last_four' },
      { send: '1234', replies: [en('track.limited'), en('menu.prompt')], at: 'menu/menu' },
    ],
  },
];

describe('tracking requests', () => {
  for (const spec of tracking) it(spec.name, () => void runSpec(spec));
});

describe('menu versions', () => {
  it('a session saved at the first menu reads its numbers as they were shown: 4 was English there; the new menu follows', () => {
    const state = newSpecState();
    const saved = SessionSchema.parse(JSON.parse(state.sessionJson));
    state.sessionJson = JSON.stringify({
      ...saved,
      position: { flow: 'menu', version: 1, step: 'menu' },
      drafts: { menu: { id: 'm1', answers: {}, trail: [], files: [], startedAt: '2026-11-01T09:00:00.000Z' } },
      lastActiveAt: '2026-11-01T09:00:00.000Z',
    });
    runSpec({ name: 'at menu@1', turns: [{ send: '4', replies: ['English selected.'], session: { lang: 'en' }, at: 'menu/menu' }] }, state);
    // Back at the menu, now the current version: 10 is help.
    runSpec({ name: 'at menu@2', turns: [{ send: '10', replies: [en('help.text').split('\n')[0]!] }] }, state);
  });
});
