import { describe, it } from 'vitest';
import { runSpec, type SpecCase, type SpecInput, type SpecTurn } from './spec-runner.js';
import { AR_SELF, AR_SELF_ANSWERS, VALID_ID, answersUpTo, ar, en, startArabic, startEnglish, walk, type PathStep } from './fixtures.js';

/** An invalid answer: what is sent, the error key, and words its message must contain. */
type Invalid = [send: SpecInput, error: string, ...says: string[]];

/**
 * Turns sending each invalid answer at `step`: each is answered with its own message
 * and the same question again, nothing is recorded, the earlier answers are kept.
 */
function rejectedAt(step: string, question: string, kept: Record<string, unknown>, invalid: Invalid[]): SpecTurn[] {
  return invalid.map(([send, error, ...says]) => ({
    send,
    replies: says,
    lastReply: question,
    at: `support_request/${step}`,
    answers: kept,
    missingAnswers: [step],
    eventsMatch: [{ type: 'answer_rejected', flow: 'support_request', step, error }],
    notEvents: ['answer_recorded'],
  }));
}

/** A new Arabic chat walked to `step` of {@link AR_SELF}, then the invalid answers, then a valid one. */
/**
 * These cases send every wrong answer of a question in a row to see each message; the
 * researcher that repeated mistakes call is tested on its own (tests/flows/referral.test.ts).
 */
const LIST_EVERY_MESSAGE = { referAfterInvalid: 99 };

function arabicErrors(name: string, step: string, invalid: Invalid[], valid: SpecTurn): SpecCase {
  return {
    name,
    world: LIST_EVERY_MESSAGE,
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: step }),
      ...rejectedAt(step, ar(`q.${camel(step)}`), answersUpTo(AR_SELF_ANSWERS, AR_SELF, step), invalid),
      valid,
    ],
  };
}

function camel(step: string): string {
  return step.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** An English applicant, answers typed in English. */
const EN_PATH: PathStep[] = [
  ['for_whom', '1'],
  ['full_name', 'Sara Ahmed Al-Qahtani'],
  ['national_id', VALID_ID],
  ['mobile', '0501234567'],
  ['city', 'Nimran'],
  ['district', 'Al Rawdah'],
  ['marital_status', '2'],
  ['family_count', '3'],
  ['dependants_ages', '8, 5'],
  ['monthly_income', '2500'],
  ['income_sources', '2'],
  ['housing', '2'],
  ['monthly_rent', '1200'],
];
const EN_ANSWERS = {
  for_whom: 'self',
  full_name: 'Sara Ahmed Al-Qahtani',
  national_id: VALID_ID,
  mobile: '+966501234567',
  city: 'Nimran',
  district: 'Al Rawdah',
  marital_status: 'married',
  family_count: 3,
  dependants_ages: [8, 5],
  monthly_income: 2500,
  income_sources: ['social_security'],
  housing: 'rented',
};

function englishErrors(name: string, step: string, invalid: Invalid[], valid: SpecTurn): SpecCase {
  return {
    name,
    world: LIST_EVERY_MESSAGE,
    turns: [
      ...startEnglish(),
      ...walk(EN_PATH, { to: step }),
      ...rejectedAt(step, en(`q.${camel(step)}`), answersUpTo(EN_ANSWERS, EN_PATH, step), invalid),
      valid,
    ],
  };
}

const CONTACT_AR = ar('contact.howToReach');
const CONTACT_EN = en('contact.howToReach');

const typedAnswers: SpecCase[] = [
  arabicErrors(
    'national ID: too short, too long, wrong first digit, wrong check digit (kindly, with how to reach the association), letters, foreign digits, empty',
    'national_id',
    [
      ['١٢٣٤٥', 'validation.nationalId.tooShort', 'يتكون من 10 أرقام، والرقم المرسل أقصر من ذلك'],
      ['١٠٨٧٦٥٤٣٢١٠٠', 'validation.nationalId.tooLong', 'والرقم المرسل أطول من ذلك'],
      ['3087654321', 'validation.nationalId.firstDigit', 'رقم الهوية الوطنية يبدأ بـ 1، ورقم الإقامة يبدأ بـ 2'],
      ['1087654322', 'validation.nationalId.checksum', 'راجعه على بطاقة الهوية وأرسله مرة أخرى', CONTACT_AR],
      ['10876543ab', 'validation.nationalId.notDigits', 'رقم الهوية يتكون من أرقام فقط'],
      ['१०८७६५४३२१', 'validation.foreignDigits', 'اكتب الأرقام بالأرقام العربية (١٢٣) أو الإنجليزية (123)'],
      ['   ', 'validation.required', 'لم تصلنا إجابة'],
    ],
    {
      send: '١٠٨ ٧٦٥ ٤٣٢١',
      replies: [ar('q.mobile')],
      at: 'support_request/mobile',
      answers: { national_id: VALID_ID },
      requests: [{ type: 'check_national_id', nationalId: VALID_ID }],
    },
  ),
  englishErrors(
    'national ID in English: too short, wrong check digit with how to reach the association',
    'national_id',
    [
      ['12345', 'validation.nationalId.tooShort', 'the number sent is shorter'],
      ['1087654322', 'validation.nationalId.checksum', 'One of the digits seems to be wrong', CONTACT_EN],
      ['ID 1087654321', 'validation.nationalId.notDigits', 'An ID number has digits only'],
    ],
    { send: '1087-654-321', at: 'support_request/mobile', answers: { national_id: VALID_ID } },
  ),
  arabicErrors(
    'mobile: foreign, landline, 052, too short, too long, letters',
    'mobile',
    [
      ['+20 100 123 4567', 'validation.mobile.foreign', 'نحتاج رقم جوال سعوديًا', 'فاكتب رقم أحد أفراد الأسرة'],
      ['0112345678', 'validation.mobile.landline', 'هذا رقم هاتف ثابت'],
      ['٠٥٢١٢٣٤٥٦٧', 'validation.mobile.invalid', 'هذا ليس رقم جوال سعوديًا صحيحًا'],
      ['050123', 'validation.mobile.tooShort', 'رقم الجوال ناقص'],
      ['05012345678', 'validation.mobile.tooLong', 'رقم الجوال أطول من المعتاد'],
      ['جوالي', 'validation.mobile.notDigits', 'رقم الجوال يتكون من أرقام فقط'],
    ],
    { send: '+966 50 123 4567', replies: [ar('q.city')], at: 'support_request/city', answers: { mobile: '+966501234567' } },
  ),
  englishErrors(
    'mobile in English: foreign and landline',
    'mobile',
    [
      ['+44 7700 900123', 'validation.mobile.foreign', 'We need a Saudi mobile number'],
      ['011 234 5678', 'validation.mobile.landline', 'This is a landline number'],
      ['0521234567', 'validation.mobile.invalid', 'This is not a valid Saudi mobile number'],
    ],
    { send: '00966501234567', at: 'support_request/city', answers: { mobile: '+966501234567' } },
  ),
  arabicErrors(
    'monthly income: -500, 1e9, 0x10, words, out of range, three decimals',
    'monthly_income',
    [
      ['-500', 'validation.amount.negative', 'لا يمكن أن يكون المبلغ سالبًا'],
      ['1e9', 'validation.amount.format', 'لم نتمكن من قراءة المبلغ'],
      ['0x10', 'validation.amount.format', 'لم نتمكن من قراءة المبلغ'],
      ['ثلاثة آلاف', 'validation.amount.notANumber', 'اكتب المبلغ بالأرقام من فضلك'],
      ['٣ آلاف', 'validation.amount.notANumber', 'اكتب المبلغ بالأرقام من فضلك'],
      ['250000', 'validation.amount.range', 'المبلغ يجب أن يكون بين 0 و200000 ريال'],
      ['3500.505', 'validation.amount.decimals', 'بهللتين على الأكثر'],
    ],
    { send: '٣٬٥٠٠ ريال', replies: [ar('q.incomeSources')], at: 'support_request/income_sources', answers: { monthly_income: 3500 } },
  ),
  arabicErrors(
    'monthly rent: zero and a negative amount written after the number',
    'monthly_rent',
    [
      ['٠', 'validation.amount.range', 'بين 1 و100000'],
      ['500-', 'validation.amount.negative', 'لا يمكن أن يكون المبلغ سالبًا'],
    ],
    { send: 'SAR 1,500', at: 'support_request/support_type', answers: { monthly_rent: 1500 } },
  ),
  englishErrors(
    'amounts in English: negative, exponent, words',
    'monthly_income',
    [
      ['-500', 'validation.amount.negative', 'The amount cannot be negative'],
      ['1e9', 'validation.amount.format', 'We could not read the amount'],
      ['two thousand', 'validation.amount.notANumber', 'Please write the amount in digits'],
    ],
    { send: '2,500 SAR', at: 'support_request/income_sources', answers: { monthly_income: 2500 } },
  ),
  arabicErrors(
    'family count: decimals (also with the Arabic decimal separator), out of range, negative, words',
    'family_count',
    [
      ['2.5', 'validation.count.notInteger', 'اكتب عددًا صحيحًا دون كسور'],
      ['٣٫٥', 'validation.count.notInteger', 'اكتب عددًا صحيحًا دون كسور'],
      ['0', 'validation.count.range', 'العدد يجب أن يكون بين 1 و30'],
      ['٣١', 'validation.count.range', 'العدد يجب أن يكون بين 1 و30'],
      ['-3', 'validation.count.negative', 'لا يمكن أن يكون العدد سالبًا'],
      ['خمسة', 'validation.count.notANumber', 'اكتب العدد بالأرقام من فضلك'],
    ],
    { send: '٥', replies: [ar('q.dependantsAges')], at: 'support_request/dependants_ages', answers: { family_count: 5 } },
  ),
  englishErrors(
    'family count in English: decimals and out of range',
    'family_count',
    [
      ['2.5', 'validation.count.notInteger', 'Please write a whole number'],
      ['40', 'validation.count.range', 'The number must be between 1 and 30'],
    ],
    { send: '3', at: 'support_request/dependants_ages', answers: { family_count: 3 } },
  ),
  arabicErrors(
    'dependants’ ages: words, an age over 120, nothing but commas, more than the family size allows',
    'dependants_ages',
    [
      ['عشرة', 'validation.ages.invalid', 'لم نتمكن من قراءة العمر «عشرة»'],
      ['12، 150', 'validation.ages.invalid', 'لم نتمكن من قراءة العمر «150»'],
      ['، ،', 'validation.ages.empty', 'اكتب عمرًا واحدًا على الأقل'],
      ['٥، ٦، ٧، ٨، ٩', 'validation.ages.moreThanFamily', 'عدد الأعمار التي كتبتها 5', 'عدد أفراد الأسرة 5 بمن فيهم صاحب الطلب', 'أرسل 4 على الأكثر', '«رجوع»'],
      [Array.from({ length: 30 }, () => '5').join(', '), 'validation.ages.moreThanFamily', 'عدد الأعمار التي كتبتها 30'],
    ],
    { send: '١٢ ٩ ٤ ٢', at: 'support_request/monthly_income', answers: { dependants_ages: [12, 9, 4, 2] } },
  ),
  arabicErrors(
    'full name: one word, emoji only, 5,000 characters, digits',
    'full_name',
    [
      ['محمد', 'validation.name.singleWord', 'اكتب الاسم الأول واسم العائلة على الأقل'],
      ['😀😀😀', 'validation.name.characters', 'الاسم يحتوي على رموز غير مقبولة'],
      ['محمد '.repeat(1000), 'validation.name.tooLong', 'الاسم أطول من المسموح (100 حرف)'],
      ['محمد 2', 'validation.name.digits', 'الاسم لا يحتوي على أرقام'],
    ],
    { send: '  محمد   عبدالله القحطاني ', replies: [ar('q.nationalId')], at: 'support_request/national_id', answers: { full_name: 'محمد عبدالله القحطاني' } },
  ),
  englishErrors(
    'full name in English: one word and emoji',
    'full_name',
    [
      ['Sara', 'validation.name.singleWord', 'Please write at least the first name and the family name'],
      ['🙂 🙂', 'validation.name.characters', 'The name contains symbols that are not accepted'],
    ],
    { send: 'Sara Ahmed Al-Qahtani', at: 'support_request/national_id', answers: { full_name: 'Sara Ahmed Al-Qahtani' } },
  ),
  arabicErrors(
    'city: digits only and one letter',
    'city',
    [
      ['١٢٣', 'validation.place.invalid', 'اكتب اسم المكان بالحروف'],
      ['ن', 'validation.text.tooShort', 'اكتب 2 أحرف على الأقل'],
    ],
    { send: 'نمران', at: 'support_request/district', answers: { city: 'نمران' } },
  ),
  arabicErrors(
    'description: too short and too long (with its length)',
    'description',
    [
      ['قصير', 'validation.text.tooShort', 'الإجابة قصيرة جدًا، اكتب 10 أحرف على الأقل'],
      ['أ'.repeat(1200), 'validation.text.tooLong', 'الإجابة طويلة جدًا (1200 حرفًا)، والحد الأقصى 1000 حرف'],
    ],
    { send: 'نحتاج سلة غذائية للأسرة، فالراتب لا يكفي حتى آخر الشهر', at: 'support_request/doc_id' },
  ),
];

const choices: SpecCase[] = [
  arabicErrors(
    'marital status: an unknown choice number, unknown words, an unknown button',
    'marital_status',
    [
      ['٩', 'validation.choice.unknown', 'لم نتعرّف على اختيارك', 'من 1 إلى 4'],
      ['ربما', 'validation.choice.unknown', 'من 1 إلى 4'],
      [{ choice: 'engaged' }, 'validation.choice.unknown', 'من 1 إلى 4'],
    ],
    { send: 'متزوج', at: 'support_request/family_count', answers: { marital_status: 'married' } },
  ),
  arabicErrors(
    'income sources: an unknown number among several, an unknown word, nothing',
    'income_sources',
    [
      ['١، ٧', 'validation.multiChoice.unknown', 'لم نتعرّف على «7»', 'من 1 إلى 6'],
      ['راتب، سيارة', 'validation.multiChoice.unknown', 'لم نتعرّف على «سيارة»'],
      ['،', 'validation.multiChoice.empty', 'اختر خيارًا واحدًا على الأقل'],
    ],
    { send: '1 و 3', at: 'support_request/housing', answers: { income_sources: ['salary', 'citizen_account'] } },
  ),
  englishErrors(
    'marital status in English: an unknown number',
    'marital_status',
    [['7', 'validation.choice.unknown', 'We did not recognise your choice', '(1 to 4)']],
    { send: 'Married', at: 'support_request/family_count', answers: { marital_status: 'married' } },
  ),
  {
    name: 'privacy notice: an answer that is neither yes nor no → asked for yes or no, the notice again, nothing recorded',
    turns: [
      { send: 'مرحبا', at: 'menu/menu' },
      { send: '١', at: 'support_request/consent' },
      // Asked again: the whole notice or its short question, with the same two options.
      {
        send: 'ربما',
        replies: [ar('validation.yesNo.unknown')],
        lastReply: 'هل توافق على جمع بياناتك واستخدامها',
        at: 'support_request/consent',
        notEvents: ['consent_given', 'consent_refused'],
        session: { consent: null },
      },
      { send: 'يمكن', lastReply: '2. لا أوافق [no]', at: 'support_request/consent' },
      { send: 'موافق', at: 'support_request/for_whom', events: ['consent_given'] },
    ],
  },
  {
    name: 'review: an unknown choice number → the review again with every answer; declaration: an unclear answer → asked again',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF),
      { send: '٩٩', replies: ['لم نتعرّف على اختيارك', 'من 1 إلى 20'], lastReply: '• السكن: إيجار', at: 'support_request/review', answers: AR_SELF_ANSWERS },
      { send: '١', at: 'support_request/declaration' },
      {
        send: 'ممكن',
        replies: [ar('validation.yesNo.unknown')],
        lastReply: '1. أقرّ وأوقّع [yes]',
        at: 'support_request/declaration',
        notEvents: ['declaration_accepted'],
        requests: [],
      },
      { send: '١', at: 'menu/menu', events: ['declaration_accepted'] },
    ],
  },
];

const kindsOfMessage: SpecCase[] = [
  arabicErrors(
    'stickers, locations, contacts and videos where text is expected: each its own message, the same question (a voice note calls a researcher: referral.test.ts)',
    'city',
    [
      [{ unsupported: 'sticker' }, 'unsupported.sticker', 'شكرًا على الملصق', 'نحتاج هنا إلى إجابة مكتوبة'],
      [{ unsupported: 'location' }, 'unsupported.location', 'لا نحتاج الموقع هنا'],
      [{ unsupported: 'contact' }, 'unsupported.contact', 'لا نحتاج جهة اتصال هنا'],
      [{ unsupported: 'video' }, 'unsupported.video', 'لا نستقبل مقاطع الفيديو'],
    ],
    { send: 'نمران', at: 'support_request/district', answers: { city: 'نمران' } },
  ),
  englishErrors('a location in English', 'district', [[{ unsupported: 'location' }, 'unsupported.location', 'We do not need a location here']], {
    send: 'Al Rawdah',
    at: 'support_request/marital_status',
  }),
  {
    name: 'a file where text is expected: told no file is asked here, the same question, nothing recorded',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'description' }),
      {
        send: { document: 'stray-photo' },
        replies: [ar('document.notExpected')],
        lastReply: ar('q.description'),
        at: 'support_request/description',
        missingAnswers: ['description'],
        notEvents: ['answer_recorded'],
        answers: answersUpTo(AR_SELF_ANSWERS, AR_SELF, 'description'),
      },
      { send: 'نحتاج سلة غذائية للأسرة، فالراتب لا يكفي', at: 'support_request/doc_id' },
    ],
  },
  {
    name: 'document question: text instead of a file, «تم» with no file, rejected files (too large, wrong type, damaged); the accepted file is kept',
    world: LIST_EVERY_MESSAGE,
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'doc_id' }),
      ...rejectedAt('doc_id', ar('q.docId'), answersUpTo(AR_SELF_ANSWERS, AR_SELF, 'doc_id'), [
        ['هذه هويتي', 'document.expected', 'ننتظر هنا صورة أو ملف PDF'],
        ['تم', 'document.needOne', 'نحتاج ملفًا واحدًا على الأقل'],
        [{ choice: 'done' }, 'document.needOne', 'نحتاج ملفًا واحدًا على الأقل'],
        [{ rejected: 'document.tooLarge', params: { maxMb: 10 } }, 'document.tooLarge', 'حجم الملف أكبر من المسموح (10 ميجابايت)'],
        [{ rejected: 'document.unsupportedType' }, 'document.unsupportedType', 'أرسل صورة (JPG أو PNG) أو ملف PDF'],
      ]),
      { send: { document: 'id-front' }, replies: ['وصلنا الملف (1 من 4 كحد أقصى)'], at: 'support_request/doc_id' },
      {
        send: { rejected: 'document.corrupt' },
        replies: ['تعذّر فتح الملف'],
        at: 'support_request/doc_id',
        eventsMatch: [{ type: 'answer_rejected', error: 'document.corrupt' }],
        session: { drafts: { support_request: { files: ['id-front'] } } },
      },
      { send: 'تم', replies: [ar('q.docFamilyCard')], at: 'support_request/doc_family_card', answers: { doc_id: ['id-front'] } },
    ],
  },
  {
    name: 'document question in English: text instead of a file, “done” with no file',
    turns: [
      ...startEnglish(),
      ...walk(EN_PATH, { to: 'monthly_rent' }),
      { send: '1200', at: 'support_request/support_type' },
      { send: 'Food basket', at: 'support_request/description' },
      { send: 'We need food for the family this month.', at: 'support_request/doc_id' },
      { send: 'I will send it later', replies: ['We are waiting for a photo or a PDF here'], lastReply: en('q.docId'), at: 'support_request/doc_id' },
      { send: 'done', replies: ['We need at least one file'], lastReply: en('q.docId'), at: 'support_request/doc_id' },
      { send: { rejected: 'document.tooLarge', params: { maxMb: 10 } }, replies: ['larger than allowed (10 MB)'], at: 'support_request/doc_id' },
    ],
  },
  {
    name: 'document question: the most files allowed moves on by itself',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'doc_id' }),
      { send: { document: 'p1' }, at: 'support_request/doc_id' },
      { send: { document: 'p2' }, at: 'support_request/doc_id' },
      { send: { document: 'p3' }, replies: ['(3 من 4 كحد أقصى)'], at: 'support_request/doc_id' },
      { send: { document: 'p4' }, replies: [ar('q.docFamilyCard')], at: 'support_request/doc_family_card', answers: { doc_id: ['p1', 'p2', 'p3', 'p4'] } },
    ],
  },
  {
    name: 'a sticker or a voice note at a document question asks for a photo or PDF, not for a written answer',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'doc_id' }),
      { send: { unsupported: 'sticker' }, replies: ['صورة أو ملف PDF'], notReplies: ['إجابة مكتوبة'], lastReply: ar('q.docId'), at: 'support_request/doc_id' },
      { send: { unsupported: 'voice' }, notReplies: ['اكتب إجابتك'], at: 'support_request/doc_id' },
    ],
  },
];

const help: SpecCase[] = [
  {
    name: 'help is offered after three invalid answers in a row, not before; a valid answer starts the count again',
    turns: [
      ...startArabic(),
      ...walk(AR_SELF, { to: 'family_count' }),
      { send: 'abc', notReplies: [ar('help.offer')], at: 'support_request/family_count', session: { invalidCount: 1 } },
      { send: 'كثير', notReplies: [ar('help.offer')], at: 'support_request/family_count', session: { invalidCount: 2 } },
      {
        send: '2.5',
        replies: [ar('validation.count.notInteger'), 'يبدو أن هذا السؤال غير واضح', '«باحث»'],
        lastReply: ar('q.familyCount'),
        at: 'support_request/family_count',
        session: { invalidCount: 3 },
      },
      { send: '٥', notReplies: [ar('help.offer')], at: 'support_request/dependants_ages', session: { invalidCount: 0 } },
      { send: 'عشرة', notReplies: [ar('help.offer')], at: 'support_request/dependants_ages', session: { invalidCount: 1 } },
      { send: 'عشرة', notReplies: [ar('help.offer')], session: { invalidCount: 2 } },
      { send: 'عشرة', replies: [ar('help.offer')], session: { invalidCount: 3 } },
      // Offered once when the person seems stuck, not after every further mistake.
      {
        send: 'عشرة',
        replies: [ar('validation.ages.invalid', { part: 'عشرة' })],
        notReplies: [ar('help.offer')],
        lastReply: ar('q.dependantsAges'),
        session: { invalidCount: 4 },
      },
    ],
  },
  {
    name: 'help offered after three invalid answers in English, with the word that calls a researcher',
    turns: [
      ...startEnglish(),
      ...walk(EN_PATH, { to: 'mobile' }),
      { send: '123', notReplies: [en('help.offer')] },
      { send: '456', notReplies: [en('help.offer')] },
      { send: '789', replies: ['This question seems unclear', 'send "researcher"'], lastReply: en('q.mobile'), at: 'support_request/mobile' },
    ],
  },
];

describe('validation errors: typed answers', () => {
  for (const spec of typedAnswers) it(spec.name, () => void runSpec(spec));
});

describe('validation errors: choices, consent, review, declaration', () => {
  for (const spec of choices) it(spec.name, () => void runSpec(spec));
});

describe('validation errors: stickers, voice notes, files', () => {
  for (const spec of kindsOfMessage) it(spec.name, () => void runSpec(spec));
});

describe('validation errors: help after repeated invalid answers', () => {
  for (const spec of help) it(spec.name, () => void runSpec(spec));
});
