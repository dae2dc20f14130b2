/**
 * The support request every simulated applicant makes, as data, shared by the engine
 * micro-benchmark, the service run and both baselines so that all of them answer the
 * same questions: every question on the path of a single widow with no income in her
 * own home asking for food, one document (an ID photo), the review, the declaration,
 * the submission. That path skips the questions that do not apply to her (relationship,
 * dependants' ages, income sources, rent, the other documents), as the service does.
 */
import { loadCatalogues } from '../src/i18n/translator.js';

/** What an applicant sends at one turn. */
export type Send = { text: string } | { choice: string } | { photo: true };

/** One turn: what is sent, and the message key of the reply that ends the turn (the next question). */
export interface Turn {
  send: Send;
  /** The question this answer leads to; the applicant waits for it before answering. */
  next: string;
}

/** The applicant's turns, in order; `{{id}}` is replaced by the applicant's own national ID. */
export const REQUEST_TURNS: readonly Turn[] = [
  { send: { text: '/start' }, next: 'menu.prompt' },
  { send: { choice: 'request' }, next: 'privacy.notice' },
  { send: { choice: 'yes' }, next: 'q.forWhom' },
  { send: { choice: 'self' }, next: 'q.fullName' },
  { send: { text: 'فاطمة علي الزهراني' }, next: 'q.nationalId' },
  { send: { text: '{{id}}' }, next: 'q.mobile' },
  { send: { text: '0559876543' }, next: 'q.city' },
  { send: { text: 'الرياض' }, next: 'q.district' },
  { send: { text: 'النسيم' }, next: 'q.maritalStatus' },
  { send: { choice: 'widowed' }, next: 'q.familyCount' },
  { send: { text: '1' }, next: 'q.monthlyIncome' },
  { send: { text: '0' }, next: 'q.housing' },
  { send: { choice: 'owned' }, next: 'q.supportType' },
  { send: { choice: 'food' }, next: 'q.description' },
  { send: { text: 'نحتاج سلة غذائية شهرية حتى يصرف الضمان الاجتماعي' }, next: 'q.docId' },
  { send: { photo: true }, next: 'document.received' },
  { send: { text: 'تم' }, next: 'review.prompt' },
  { send: { choice: 'confirm' }, next: 'declaration.text' },
  { send: { choice: 'yes' }, next: 'request.submitted' },
];

/** The first turn of a conversation left mid-flow in the leak run: straight into the request (Telegram's command menu). */
export const LEAK_TURN: Turn = { send: { text: '/request' }, next: 'privacy.notice' };

const catalogues = loadCatalogues();

/** The Arabic text of a message key, as the bots send it (without placeholders filled). */
export function arabic(key: string): string {
  const text = catalogues.ar[key];
  if (text === undefined) throw new Error(`bench script: no message ${key}`);
  return text;
}

/**
 * A piece of the message `key` that any rendering of it contains: its first line up to the
 * first placeholder or nested message, so a reply can be recognised without filling them.
 */
export function markerOf(key: string): string {
  const text = arabic(key);
  const cut = text.search(/\{\{|\$t\(|\n/);
  const head = (cut < 0 ? text : text.slice(0, cut)).trim();
  if (head.length < 6) throw new Error(`bench script: ${key} has no recognisable beginning`);
  return head.slice(0, 40);
}

/**
 * The n-th valid national ID of a run: '1', eight digits from n, and the Luhn check digit
 * the validator requires. One per applicant, since one open request is allowed per ID.
 */
export function nationalIdOf(n: number): string {
  const body = `1${String(n % 100_000_000).padStart(8, '0')}`;
  for (let check = 0; check <= 9; check++) if (luhnValid(`${body}${check}`)) return `${body}${check}`;
  throw new Error('unreachable: some check digit always fits');
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The text of a turn for one applicant. */
export function textFor(send: { text: string }, nationalId: string): string {
  return send.text.replace('{{id}}', nationalId);
}
