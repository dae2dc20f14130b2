import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { KeyRing } from '../../privacy/key-ring.js';

/**
 * What a staff button does. A zod enum so later issues can add actions; each action
 * also needs a one-letter code in {@link ACTION_CODES} (the compiler insists).
 */
export const StaffActionSchema = z.enum([
  'open',
  'claim',
  'approve',
  'reject',
  'answer',
  'take',
  'register',
  'serve',
  'close',
  'ask_info',
  'note',
  'erase',
  'keep',
  'send',
  'edit',
  'drop',
  'undo',
  'reopen',
  'handover',
  'give',
  'recommend_approve',
  'recommend_reject',
  'form',
]);
export type StaffAction = z.infer<typeof StaffActionSchema>;

/** Telegram's limit on a button's `callback_data`, in bytes. */
export const CALLBACK_DATA_MAX_BYTES = 64;

/**
 * The one-letter code of each action inside the button data. Codes are part of the
 * signed text: changing one invalidates every button already sent with it.
 */
const ACTION_CODES: Readonly<Record<StaffAction, string>> = {
  open: 'o',
  claim: 'c',
  approve: 'a',
  reject: 'r',
  /** Answer a suggestion or complaint: the id is a record's (`rec_…`), not a case's. */
  answer: 'f',
  /** Take a referral to a researcher: the id is a referral's (`ref_…`). */
  take: 't',
  register: 'g',
  serve: 's',
  close: 'x',
  ask_info: 'i',
  note: 'n',
  /** Approve or refuse a person's request to erase their data: the id is a deletion request's (`del_…`). */
  erase: 'e',
  keep: 'k',
  /** *Send*, *Edit*, *Cancel* under a decision's preview: the id is the question's (`que_…`) that holds the draft. */
  send: 'd',
  edit: 'w',
  drop: 'q',
  /** Take a decision back within its window; reopen a decided case. */
  undo: 'u',
  reopen: 'p',
  /** Hand a held case to a colleague: first the list of colleagues, then *give* to the one chosen (the data names them too). */
  handover: 'h',
  give: 'v',
  /** A researcher's recommendation to approve or to reject: the bot asks for the support proposed or the reason, and the visit note. */
  recommend_approve: 'y',
  recommend_reject: 'j',
  /** The case's support request form as a PDF, privately. */
  form: 'm',
};

/** What each action's id names: a case, a self-service record, a referral, an erasure request, or a question to staff. */
const ID_PREFIX: Readonly<Record<StaffAction, 'case' | 'rec' | 'ref' | 'del' | 'que'>> = {
  open: 'case',
  claim: 'case',
  approve: 'case',
  reject: 'case',
  answer: 'rec',
  take: 'ref',
  register: 'case',
  serve: 'case',
  close: 'case',
  ask_info: 'case',
  note: 'case',
  erase: 'del',
  keep: 'del',
  send: 'que',
  edit: 'que',
  drop: 'que',
  undo: 'case',
  reopen: 'case',
  handover: 'case',
  give: 'case',
  recommend_approve: 'case',
  recommend_reject: 'case',
  form: 'case',
};

const ACTIONS_BY_CODE: ReadonlyMap<string, StaffAction> = new Map(StaffActionSchema.options.map((action) => [ACTION_CODES[action], action] as const));

// A later action given a code already in use, or not one lower-case letter, must fail at start-up, not verify as another action.
if (ACTIONS_BY_CODE.size !== StaffActionSchema.options.length || [...ACTIONS_BY_CODE.keys()].some((code) => !/^[a-z]$/.test(code))) {
  throw new Error('callback-data: every staff action needs its own one-letter code (a-z).');
}

const VERSION = 's1';
/** Purpose given to {@link KeyRing.lookupHash}, so these signatures share no domain with other keyed hashes. */
const PURPOSE = 'callback';
const SIGNATURE_BYTES = 12;
const ID_PATTERN = /^(case|rec|ref|del|que)_([0-9a-f]{24})$/;
/**
 * `s1:<code>:<24 hex>[:<staff member's Telegram id>]:<16 base64url>`; 12 bytes are exactly 16
 * base64url characters, so the encoding is canonical.
 */
const DATA_PATTERN = /^s1:([a-z]):([0-9a-f]{24})(?::([1-9][0-9]{0,15}))?:([A-Za-z0-9_-]{16})$/;
/** The actions whose data also names a staff member (by Telegram user id), and only those. */
const NAMES_MEMBER: ReadonlySet<StaffAction> = new Set(['give']);
/** Any version of staff data: what {@link isStaffActionData} recognises. */
const SHAPE_PATTERN = /^s[0-9]+:/;

/**
 * Button data for a staff action on a case, signed so that nobody can make a button
 * for another case or another action: `s1:<action letter>:<case hex>:<signature>`
 * (46 bytes, within Telegram's 64), the signature being the first 12 bytes of
 * `keys.lookupHash('callback', 's1:<letter>:<hex>')` as base64url.
 *
 * A signature proves the bot made the data, not that this press is the first: a
 * genuine button can be pressed again, by anyone who can see it, or replayed from a
 * copy. Replays are made harmless by the case's state machine and by the presser's
 * role, which the caller checks on every press; the signature only rules out forged
 * and altered data.
 *
 * @throws TypeError when the action is unknown or the case id is not `case_` + 24 lower-case hex
 */
export function signAction(keys: KeyRing, action: StaffAction, caseId: string, member?: number): string {
  const parsedAction = StaffActionSchema.safeParse(action);
  if (!parsedAction.success) throw new TypeError(`signAction: unknown staff action "${String(action).slice(0, 20)}".`);
  const match = typeof caseId === 'string' ? ID_PATTERN.exec(caseId) : null;
  const hex = match && match[1] === ID_PREFIX[parsedAction.data] ? match[2] : undefined;
  if (hex === undefined)
    throw new TypeError(`signAction: the id of "${parsedAction.data}" is "${ID_PREFIX[parsedAction.data]}_" followed by 24 lower-case hex digits.`);
  if (NAMES_MEMBER.has(parsedAction.data) !== (member !== undefined) || (member !== undefined && !(Number.isSafeInteger(member) && member > 0)))
    throw new TypeError(
      `signAction: "${parsedAction.data}" ${NAMES_MEMBER.has(parsedAction.data) ? 'names' : 'does not name'} a staff member (a positive Telegram id).`,
    );
  const body = `${VERSION}:${ACTION_CODES[parsedAction.data]}:${hex}${member === undefined ? '' : `:${member}`}`;
  const data = `${body}:${signature(keys, body)}`;
  // Holds by construction; checked so that a future longer action code or id fails here, not at Telegram.
  if (Buffer.byteLength(data, 'utf8') > CALLBACK_DATA_MAX_BYTES) {
    throw new TypeError(`signAction: the data would exceed ${CALLBACK_DATA_MAX_BYTES} bytes.`);
  }
  return data;
}

/**
 * Checks button data made by {@link signAction} and returns the action and case it
 * names, or null for anything else: altered, truncated, signed under another lookup
 * key, an unknown action letter, or not staff data at all (a beneficiary's option id).
 *
 * A valid result is not permission: the caller checks the presser's role and the
 * case's state, and must expect the same genuine data more than once (see
 * {@link signAction}).
 */
export function verifyAction(keys: KeyRing, data: unknown): { action: StaffAction; caseId: string; member?: number } | null {
  if (typeof data !== 'string' || data.length > CALLBACK_DATA_MAX_BYTES) return null;
  const match = DATA_PATTERN.exec(data);
  if (match === null) return null;
  const [, code = '', hex = '', member, given = ''] = match;
  const action = ACTIONS_BY_CODE.get(code);
  if (action === undefined || NAMES_MEMBER.has(action) !== (member !== undefined)) return null;
  if (!signedBy(keys, `${VERSION}:${code}:${hex}${member === undefined ? '' : `:${member}`}`, given)) return null;
  return { action, caseId: `${ID_PREFIX[action]}_${hex}`, ...(member === undefined ? {} : { member: Number(member) }) };
}

/**
 * Whether button data has the shape of staff action data (any version), without
 * verifying it: a press in a private chat whose data looks like this goes to the
 * staff path and is verified there, never to the conversation engine as an option.
 */
export function isStaffActionData(data: unknown): data is string {
  return typeof data === 'string' && SHAPE_PATTERN.test(data);
}

function signature(keys: KeyRing, body: string): string {
  return Buffer.from(keys.lookupHash(PURPOSE, body), 'hex').subarray(0, SIGNATURE_BYTES).toString('base64url');
}

/** Whether `given` is the signature of `body`, compared in constant time. */
function signedBy(keys: KeyRing, body: string, given: string): boolean {
  const expected = Buffer.from(signature(keys, body), 'ascii');
  const actual = Buffer.from(given, 'ascii');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** `s1:l:<filter code><page>:<signature>`: a page of the staff's case list (see {@link signListPage}). */
const LIST_PATTERN = /^s1:l:([a-z])([0-9]{1,4}):([A-Za-z0-9_-]{16})$/;

/**
 * Button data for a page of the case queue (`/cases`): a filter's one-letter code and the page,
 * signed like the actions so that only the bot's own buttons are read. The list shows nothing
 * the presser may not see: the filter is checked against their roles at every press.
 */
export function signListPage(keys: KeyRing, filterCode: string, page: number): string {
  if (!/^[a-z]$/.test(filterCode) || !Number.isInteger(page) || page < 0 || page > 9999)
    throw new TypeError('signListPage: a filter letter and a page 0-9999.');
  const body = `${VERSION}:l:${filterCode}${page}`;
  return `${body}:${signature(keys, body)}`;
}

/** The filter code and page of a signed list button; null for anything else (an action's data included). */
export function verifyListPage(keys: KeyRing, data: unknown): { filterCode: string; page: number } | null {
  if (typeof data !== 'string') return null;
  const match = LIST_PATTERN.exec(data);
  if (match === null) return null;
  const [, code = '', page = '', given = ''] = match;
  if (!signedBy(keys, `${VERSION}:l:${code}${page}`, given)) return null;
  return { filterCode: code, page: Number(page) };
}
