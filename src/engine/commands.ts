import { normalizeArabic } from '../core/text/normalize-arabic.js';

/** A word or slash command that works anywhere in a conversation. */
export type Command =
  | 'menu'
  | 'cancel'
  | 'back'
  | 'help'
  | 'language'
  | 'english'
  | 'arabic'
  | 'request'
  | 'withdraw'
  | 'status'
  | 'feedback'
  | 'volunteer'
  | 'track'
  | 'researcher'
  | 'ask'
  | 'rate'
  | 'stop'
  | 'resume'
  | 'provide'
  | 'mydata'
  | 'erase';

// Written as people type them; normalised once below, the same way the input is.
const WORD_LIST: Record<string, Command> = {
  menu: 'menu',
  'main menu': 'menu',
  القائمة: 'menu',
  'القائمة الرئيسية': 'menu',
  start: 'menu',
  cancel: 'cancel',
  إلغاء: 'cancel',
  'إلغاء الطلب': 'cancel',
  back: 'back',
  رجوع: 'back',
  السابق: 'back',
  ارجع: 'back',
  help: 'help',
  مساعدة: 'help',
  language: 'language',
  اللغة: 'language',
  english: 'english',
  إنجليزي: 'english',
  الإنجليزية: 'english',
  arabic: 'arabic',
  عربي: 'arabic',
  العربية: 'arabic',
  track: 'track',
  تتبع: 'track',
  'تتبع طلب': 'track',
  researcher: 'researcher',
  'social researcher': 'researcher',
  'talk to a researcher': 'researcher',
  باحث: 'researcher',
  الباحث: 'researcher',
  'باحث اجتماعي': 'researcher',
  'الباحث الاجتماعي': 'researcher',
  'ابي باحث': 'researcher',
  'ابغى باحث': 'researcher',
  'اريد باحث': 'researcher',
  'كلمني باحث': 'researcher',
  موظف: 'researcher',
  'ابي موظف': 'researcher',
  questions: 'ask',
  'a question': 'ask',
  سؤال: 'ask',
  'عندي سؤال': 'ask',
  استفسار: 'ask',
  'عندي استفسار': 'ask',
  الاسئلة: 'ask',
  'الأسئلة الشائعة': 'ask',
  rate: 'rate',
  'rate the service': 'rate',
  تقييم: 'rate',
  'تقييم الخدمة': 'rate',
  'stop messages': 'stop',
  'إيقاف الرسائل': 'stop',
  'ايقاف الرسائل': 'stop',
  'resume messages': 'resume',
  'استئناف الرسائل': 'resume',
  provide: 'provide',
  استكمال: 'provide',
  'استكمال الطلب': 'provide',
  'my data': 'mydata',
  بياناتي: 'mydata',
  'delete my data': 'erase',
  'erase my data': 'erase',
  'حذف بياناتي': 'erase',
  'احذف بياناتي': 'erase',
  'امسح بياناتي': 'erase',
  'حذف البيانات': 'erase',
};

const WORDS: Record<string, Command> = Object.fromEntries(Object.entries(WORD_LIST).map(([word, command]) => [normalizeArabic(word), command]));

const SLASH: Record<string, Command> = {
  start: 'menu',
  menu: 'menu',
  cancel: 'cancel',
  back: 'back',
  help: 'help',
  language: 'language',
  lang: 'language',
  request: 'request',
  withdraw: 'withdraw',
  status: 'status',
  feedback: 'feedback',
  complaint: 'feedback',
  suggestion: 'feedback',
  volunteer: 'volunteer',
  track: 'track',
  researcher: 'researcher',
  ask: 'ask',
  faq: 'ask',
  questions: 'ask',
  rate: 'rate',
  stop: 'stop',
  resume: 'resume',
  provide: 'provide',
  mydata: 'mydata',
  delete: 'erase',
  erase: 'erase',
};

/**
 * Recognises a whole message that is a command: `/cancel` (also `/cancel@SomeBot`
 * as Telegram sends it in groups) or one of the command words in either language.
 * Only the whole message counts, so "back" inside a description is just text.
 */
export function detectCommand(text: string): Command | null {
  const trimmed = text.trim();
  const slash = /^\/([a-z]+)(?:@\w+)?$/i.exec(trimmed);
  // Own keys only: "constructor" or "__proto__" typed as a name must not find Object's own members.
  const key = slash ? slash[1]!.toLowerCase() : normalizeArabic(trimmed);
  const table = slash ? SLASH : WORDS;
  return Object.hasOwn(table, key) ? table[key]! : null;
}

const END_OF_REFERRAL = new Set(
  ['end', 'end chat', 'finish chat', 'إنهاء', 'انهاء', 'إنهاء المحادثة', 'انهاء المحادثه', 'انتهينا', 'شكرا انتهيت'].map(normalizeArabic),
);

/** Whether the person ends a conversation with a researcher ("end", «إنهاء»). */
export function isEndOfReferral(text: string): boolean {
  return END_OF_REFERRAL.has(normalizeArabic(text.trim())) || /^\/end(@\w+)?$/i.test(text.trim());
}

const DONE = new Set(['done', 'finished', 'finish', 'تم', 'انتهيت', 'خلاص', 'بس'].map(normalizeArabic));

const LATER = new Set(
  ['later', 'send later', 'i will send it later', 'لاحقا', 'لاحقًا', 'بعدين', 'سأرسله لاحقا', 'سارسله لاحقا', 'ارسله لاحقا', 'أرسله لاحقا'].map(normalizeArabic),
);

/** Whether the person says they will send a document later. */
export function isLater(text: string): boolean {
  return LATER.has(normalizeArabic(text.trim())) || text.trim().toLowerCase() === '/later';
}

/** Whether the person says they have sent all the files for a document question. */
export function isDone(text: string): boolean {
  return DONE.has(normalizeArabic(text.trim())) || text.trim().toLowerCase() === '/done';
}
