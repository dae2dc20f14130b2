import type { SpecInput, SpecTurn } from './spec-runner.js';
import { translate } from './spec-runner.js';
import type { AnswerValue, Language } from '../../src/engine/session.js';

/** Answers as the engine stores them. */
export type Answers = Record<string, AnswerValue>;

/** A national ID that passes the check digit, as ASCII and as Arabic-Indic digits. */
export const VALID_ID = '1087654321';
export const VALID_ID_AR = '١٠٨٧٦٥٤٣٢١';
/** Another valid national ID and a valid iqama number. */
export const OTHER_ID = '1029384755';
export const IQAMA = '2123456788';

/** Placeholders every prompt of the privacy notice carries (the spec runner's 72-hour draft limit). */
const NOTICE_PARAMS = { draftHours: 72 };

/** The message of `key` in `lang`, to recognise a question asked (again). */
export const msg = (lang: Language, key: string, params?: Record<string, string | number>): string => translate(lang, key, { ...NOTICE_PARAMS, ...params });
export const ar = (key: string, params?: Record<string, string | number>): string => msg('ar', key, params);
export const en = (key: string, params?: Record<string, string | number>): string => msg('en', key, params);

/** One question of the support request and what the person sends to answer it (several inputs for files). */
export type PathStep = [step: string, ...inputs: SpecInput[]];

const FLOW = 'support_request';

/**
 * The turns that answer `path` from `from` (inclusive) up to `to` (exclusive), each
 * asserting where the conversation stands next, so a walk also checks which
 * questions the answers lead to. After the last step of the path the flow is at the review.
 */
export function walk(path: PathStep[], options: { from?: string; to?: string } = {}): SpecTurn[] {
  const start = options.from ? path.findIndex(([s]) => s === options.from) : 0;
  const end = options.to ? path.findIndex(([s]) => s === options.to) : path.length;
  if (start < 0 || end < 0) throw new Error(`walk: ${options.from ?? ''}..${options.to ?? ''} not on the path`);
  const turns: SpecTurn[] = [];
  for (let i = start; i < end; i++) {
    const [stepId, ...inputs] = path[i] as PathStep;
    const next = path[i + 1]?.[0] ?? 'review';
    inputs.forEach((send, k) => turns.push({ send, at: `${FLOW}/${k === inputs.length - 1 ? next : stepId}` }));
  }
  return turns;
}

/** The answers `path` gives up to `to` (exclusive), as the draft holds them, given the values. */
export function answersUpTo(values: Record<string, unknown>, path: PathStep[], to: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [stepId] of path) {
    if (stepId === to) break;
    if (stepId in values) out[stepId] = values[stepId];
  }
  return out;
}

/** A new chat in Arabic: greeting, «تقديم طلب دعم», consent. Ends at the first question. */
export function startArabic(): SpecTurn[] {
  return [
    { send: 'السلام عليكم', replies: ['السلام عليكم ورحمة الله', ar('menu.prompt')], at: 'menu/menu', requests: [] },
    { send: '١', replies: [ar('privacy.notice')], at: `${FLOW}/consent`, events: ['flow_started'], requests: [{ type: 'find_own_open_case' }] },
    { send: 'أوافق', replies: [ar('q.forWhom')], at: `${FLOW}/for_whom`, events: ['consent_given'] },
  ];
}

/** A new chat that asks for English at once, then applies and consents. Ends at the first question. */
export function startEnglish(): SpecTurn[] {
  return [
    { send: 'English', replies: ['Peace be upon you', en('menu.prompt')], notReplies: ['القائمة الرئيسية'], at: 'menu/menu', session: { lang: 'en' } },
    { send: '1', replies: [en('privacy.notice')], at: `${FLOW}/consent` },
    { send: 'I agree', replies: [en('q.forWhom')], at: `${FLOW}/for_whom`, events: ['consent_given'] },
  ];
}

// ---- the Arabic applicant for herself or himself: a family of five, rented home, food basket ----

/** Answered the way people type on an Arabic phone keyboard: Arabic-Indic digits, «ريال», the Arabic comma. */
export const AR_SELF: PathStep[] = [
  ['for_whom', '١'],
  ['full_name', 'محمد عبدالله القحطاني'],
  ['national_id', VALID_ID_AR],
  ['mobile', '٠٥٠١٢٣٤٥٦٧'],
  ['city', 'نمران'],
  ['district', 'حي الملك فهد'],
  ['marital_status', '٢'],
  ['family_count', '٥'],
  ['dependants_ages', '١٢، ٩، ٤، ٢'],
  ['monthly_income', '٣٬٥٠٠ ريال'],
  ['income_sources', '١، ٣'],
  ['housing', '٢'],
  ['monthly_rent', '١٥٠٠ ريال'],
  ['support_type', '١'],
  ['description', 'نحتاج سلة غذائية للأسرة، فالراتب لا يكفي حتى آخر الشهر'],
  ['doc_id', { document: 'doc-id-front' }, { document: 'doc-id-back' }, 'تم'],
  ['doc_family_card', { document: 'doc-family-card' }, 'تم'],
  ['doc_income_proof', { document: 'doc-income' }, { choice: 'done' }],
  ['doc_lease', { document: 'doc-lease' }, 'خلاص'],
];

/** What the engine must hold for {@link AR_SELF}: clean values, ASCII digits, option ids. */
export const AR_SELF_ANSWERS: Answers = {
  for_whom: 'self',
  full_name: 'محمد عبدالله القحطاني',
  national_id: VALID_ID,
  mobile: '+966501234567',
  city: 'نمران',
  district: 'حي الملك فهد',
  marital_status: 'married',
  family_count: 5,
  dependants_ages: [12, 9, 4, 2],
  monthly_income: 3500,
  income_sources: ['salary', 'citizen_account'],
  housing: 'rented',
  monthly_rent: 1500,
  support_type: 'food',
  description: 'نحتاج سلة غذائية للأسرة، فالراتب لا يكفي حتى آخر الشهر',
  doc_id: ['doc-id-front', 'doc-id-back'],
  doc_family_card: ['doc-family-card'],
  doc_income_proof: ['doc-income'],
  doc_lease: ['doc-lease'],
};

export const AR_SELF_DOCUMENTS = ['doc-id-front', 'doc-id-back', 'doc-family-card', 'doc-income', 'doc-lease'];

/** The review lines {@link AR_SELF} must show. */
export const AR_SELF_REVIEW = [
  '• لمن الطلب: لنفسي',
  '• الاسم الكامل: محمد عبدالله القحطاني',
  `• رقم الهوية أو الإقامة: ${VALID_ID}`,
  '• رقم الجوال: 0501234567',
  '• عدد أفراد الأسرة: 5',
  '• أعمار المعالين: 12، 9، 4، 2',
  '• الدخل الشهري (ريال): 3500',
  '• مصادر الدخل: راتب، حساب المواطن',
  '• السكن: إيجار',
  '• الإيجار الشهري (ريال): 1500',
  '• صورة الهوية: ملفان',
  '• عقد الإيجار: ملف واحد',
];

/** Removes keys from an answers object (a branch no longer on the path). */
export function without(answers: Answers, ...keys: string[]): Answers {
  return Object.fromEntries(Object.entries(answers).filter(([k]) => !keys.includes(k)));
}

/** The option number of a review's "change …" entry for `step` on a path (1 is confirm). */
export function reviewOption(path: PathStep[], step: string): string {
  const index = path.findIndex(([s]) => s === step);
  if (index < 0) throw new Error(`reviewOption: ${step} not on the path`);
  return String(index + 2);
}

/** A chat's own open request, as the case repository would report it. */
export const OPEN_CASE = {
  caseId: 'case-42',
  reference: 'SR-2026-000042',
  status: 'in_review',
  submittedAt: '20 Oct 2026',
  expectedBy: '3 Nov 2026',
};
