import { describe, expect, it } from 'vitest';
import { KeyRing } from '../../../../src/privacy/key-ring.js';
import {
  CALLBACK_DATA_MAX_BYTES,
  StaffActionSchema,
  isStaffActionData,
  signAction,
  signListPage,
  verifyAction,
  verifyListPage,
} from '../../../../src/bots/telegram/callback-data.js';

const keys = new KeyRing({ keys: { k1: Buffer.alloc(32, 1) }, currentKeyId: 'k1', lookupKey: Buffer.alloc(32, 9) });
const otherKeys = new KeyRing({ keys: { k1: Buffer.alloc(32, 1) }, currentKeyId: 'k1', lookupKey: Buffer.alloc(32, 8) });
const CASE = 'case_0123456789abcdef01234567';
const OTHER_CASE = 'case_0123456789abcdef01234568';

/** The answer to a suggestion or complaint names a record, taking a referral a referral; every other action a case. */
/** Each action's id names what it acts on: a case, a record (answer), a referral (take), an erasure request (erase, keep), a question holding a draft decision (send, edit, drop). */
const PREFIX_OF: Record<string, string> = { answer: 'rec', take: 'ref', erase: 'del', keep: 'del', send: 'que', edit: 'que', drop: 'que' };
const idFor = (action: string) => (PREFIX_OF[action] ? `${PREFIX_OF[action]}_${CASE.slice(5)}` : CASE);
/** *Give* (a hand-over to the colleague chosen) also names the colleague, by Telegram user id (the longest such id fits). */
const MEMBER = 999_999_999_999_999;
const sign = (action: (typeof StaffActionSchema.options)[number]) =>
  action === 'give' ? signAction(keys, action, idFor(action), MEMBER) : signAction(keys, action, idFor(action));

describe('signAction / verifyAction', () => {
  it('refuses an id of the wrong kind for the action', () => {
    expect(() => signAction(keys, 'answer', CASE)).toThrow(TypeError);
    expect(() => signAction(keys, 'claim', `rec_${CASE.slice(5)}`)).toThrow(TypeError);
    expect(() => signAction(keys, 'erase', CASE)).toThrow(TypeError);
    expect(() => signAction(keys, 'send', CASE)).toThrow(TypeError);
  });

  it('round-trips every action within Telegram’s 64-byte limit', () => {
    for (const action of StaffActionSchema.options) {
      const id = idFor(action);
      const data = sign(action);
      expect(Buffer.byteLength(data, 'utf8')).toBeLessThanOrEqual(CALLBACK_DATA_MAX_BYTES);
      expect(data).toMatch(/^s1:[a-z]:[0-9a-f]{24}(:[0-9]+)?:[A-Za-z0-9_-]{16}$/);
      expect(verifyAction(keys, data)).toEqual(action === 'give' ? { action, caseId: id, member: MEMBER } : { action, caseId: id });
      expect(isStaffActionData(data)).toBe(true);
    }
  });

  it('gives every action its own letter and is deterministic', () => {
    const letters = StaffActionSchema.options.map((action) => sign(action).split(':')[1]);
    expect(new Set(letters).size).toBe(letters.length);
    expect(signAction(keys, 'claim', CASE)).toBe(signAction(keys, 'claim', CASE));
  });

  it('names a colleague only in *give*, and refuses a colleague changed or dropped', () => {
    expect(() => signAction(keys, 'give', CASE)).toThrow(TypeError);
    expect(() => signAction(keys, 'claim', CASE, 5)).toThrow(TypeError);
    expect(() => signAction(keys, 'give', CASE, 0)).toThrow(TypeError);
    const data = signAction(keys, 'give', CASE, 8101);
    expect(verifyAction(keys, data.replace(':8101:', ':8102:'))).toBeNull();
    expect(verifyAction(keys, data.replace(':8101:', ':'))).toBeNull();
    // A member's id added to another action's genuine data does not verify either.
    const claim = signAction(keys, 'claim', CASE);
    expect(verifyAction(keys, claim.replace(/:([A-Za-z0-9_-]{16})$/, ':8101:$1'))).toBeNull();
  });

  it('refuses data altered to another case or another action', () => {
    const data = signAction(keys, 'claim', CASE);
    const [version, , hex, sig] = data.split(':');
    expect(verifyAction(keys, `${version}:a:${hex}:${sig}`)).toBeNull();
    expect(verifyAction(keys, `${version}:o:${hex}:${sig}`)).toBeNull();
    expect(verifyAction(keys, `${version}:c:${OTHER_CASE.slice(5)}:${sig}`)).toBeNull();
    // A signature moved from another genuine button does not fit.
    const otherSig = signAction(keys, 'claim', OTHER_CASE).split(':')[3];
    expect(verifyAction(keys, `${version}:c:${hex}:${otherSig}`)).toBeNull();
  });

  it('refuses truncated, extended, re-cased and otherwise damaged data', () => {
    const data = signAction(keys, 'approve', CASE);
    expect(verifyAction(keys, data.slice(0, -1))).toBeNull();
    expect(verifyAction(keys, data.slice(0, 30))).toBeNull();
    expect(verifyAction(keys, `${data}A`)).toBeNull();
    expect(verifyAction(keys, data.toUpperCase())).toBeNull();
    expect(verifyAction(keys, data.replace('s1:', 's2:'))).toBeNull();
    const last = data.at(-1) === 'A' ? 'B' : 'A';
    expect(verifyAction(keys, `${data.slice(0, -1)}${last}`)).toBeNull();
    expect(verifyAction(keys, ` ${data}`)).toBeNull();
  });

  it('refuses data signed under another lookup key, and unknown action letters', () => {
    expect(verifyAction(otherKeys, signAction(keys, 'reject', CASE))).toBeNull();
    expect(verifyAction(keys, 's1:z:0123456789abcdef01234567:AAAAAAAAAAAAAAAA')).toBeNull();
  });

  it('refuses random data and beneficiary option ids', () => {
    for (const data of [
      'yes',
      'no',
      'edit_full_name',
      'rented',
      '',
      's1:',
      'x'.repeat(64),
      'x'.repeat(500),
      's1:c:case_0123456789abcdef01234567:AAAAAAAAAAAAAAAA',
    ]) {
      expect(verifyAction(keys, data)).toBeNull();
    }
    expect(verifyAction(keys, undefined)).toBeNull();
    expect(verifyAction(keys, 42)).toBeNull();
  });

  it('refuses to sign a malformed case id or an unknown action', () => {
    expect(() => signAction(keys, 'claim', 'case_0123456789ABCDEF01234567')).toThrow(TypeError);
    expect(() => signAction(keys, 'claim', 'case_0123')).toThrow(TypeError);
    expect(() => signAction(keys, 'claim', '0123456789abcdef01234567')).toThrow(TypeError);
    expect(() => signAction(keys, 'delete' as never, CASE)).toThrow(TypeError);
  });
});

describe('isStaffActionData', () => {
  it('recognises the shape without verifying, and not option ids', () => {
    expect(isStaffActionData('s1:c:0123456789abcdef01234567:AAAAAAAAAAAAAAAA')).toBe(true);
    expect(isStaffActionData('s1:c:truncated')).toBe(true);
    for (const data of ['yes', 'edit_full_name', 'support_request', 'status', 'self', '', 's:x']) {
      expect(isStaffActionData(data)).toBe(false);
    }
    expect(isStaffActionData(null)).toBe(false);
  });
});

describe('signListPage / verifyListPage', () => {
  it('round-trips a list page within Telegram’s limit, and is recognised as staff data', () => {
    const data = signListPage(keys, 'n', 12);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(CALLBACK_DATA_MAX_BYTES);
    expect(verifyListPage(keys, data)).toEqual({ filterCode: 'n', page: 12 });
    expect(isStaffActionData(data)).toBe(true);
  });

  it('refuses an altered page, another key’s signature, and an action’s data', () => {
    const data = signListPage(keys, 'n', 1);
    expect(verifyListPage(keys, data.replace(':l:n1:', ':l:n2:'))).toBeNull();
    const otherKeys = new KeyRing({ keys: { k1: Buffer.alloc(32, 1) }, currentKeyId: 'k1', lookupKey: Buffer.alloc(32, 8) });
    expect(verifyListPage(otherKeys, data)).toBeNull();
    expect(verifyListPage(keys, signAction(keys, 'open', `case_${'a'.repeat(24)}`))).toBeNull();
    expect(verifyAction(keys, data)).toBeNull();
  });

  it('refuses to sign what it could not read back', () => {
    expect(() => signListPage(keys, 'NN', 0)).toThrow(TypeError);
    expect(() => signListPage(keys, 'n', -1)).toThrow(TypeError);
    expect(() => signListPage(keys, 'n', 10_000)).toThrow(TypeError);
  });
});
