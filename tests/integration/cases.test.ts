import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mongoose';
import { CaseRepository, type NewCase } from '../../src/models/case-repository.js';
import { CASE_TRANSITIONS, CaseStatusSchema, CaseTransitionError, canMove, isOpen } from '../../src/models/case-states.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { freshDatabase } from '../helpers/db.js';

const keys = new KeyRing({ keys: { k1: Buffer.alloc(32, 7) }, currentKeyId: 'k1', lookupKey: Buffer.alloc(32, 9) });
const staff = { kind: 'staff' as const, id: 'stf_test', name: 'Researcher' };
let db: Awaited<ReturnType<typeof freshDatabase>>;
let connection: Connection;
let cases: CaseRepository;

function newCase(id: string): NewCase {
  const at = new Date('2026-11-01T09:00:00Z');
  return {
    id,
    reference: `SR-${id.toUpperCase()}`,
    channel: 'console',
    chatKey: 'console_0123456789abcdef01234567',
    lang: 'ar',
    nationalIdHash: keys.lookupHash('national-id', '1000000008'),
    supportType: 'food',
    city: 'الرياض',
    answers: { full_name: 'محمد القحطاني', national_id: '1000000008' },
    documentIds: [],
    declaration: { version: 'declaration-2026-1', acceptedAt: at, channel: 'console', messageId: 'm1', answersHash: 'h' },
    flow: { id: 'support_request', version: 1 },
    submittedAt: at,
    expectedBy: new Date(at.getTime() + 14 * 86_400_000),
    by: { kind: 'beneficiary', id: 'console_0123456789abcdef01234567' },
  };
}

beforeAll(async () => {
  db = await freshDatabase();
  connection = db.connection;
  cases = new CaseRepository(connection, keys);
  await cases.init();
});
afterAll(async () => db.drop());

describe('the case model', () => {
  it('has a transition for every state and ends in closed or withdrawn', () => {
    for (const status of CaseStatusSchema.options) expect(CASE_TRANSITIONS).toHaveProperty(status);
    expect(CASE_TRANSITIONS.closed).toEqual([]);
    expect(CASE_TRANSITIONS.withdrawn).toEqual([]);
    expect(canMove('submitted', 'approved')).toBe(false);
    expect(isOpen('approved')).toBe(true);
    expect(isOpen('rejected')).toBe(false);
  });

  it('records who, when and why on every move, along the whole life of a case', async () => {
    await cases.insertSubmitted(newCase('case_life0001'));
    const path = ['in_review', 'information_requested', 'in_review', 'approved', 'registered', 'service_delivered', 'closed'] as const;
    let at = Date.parse('2026-11-02T09:00:00Z');
    for (const to of path) await cases.move('case_life0001', to, staff, new Date((at += 3_600_000)), `moved to ${to}`);
    const record = await cases.get('case_life0001');
    expect(record?.status).toBe('closed');
    expect(record?.history.map((h) => h.to)).toEqual(['submitted', ...path]);
    expect(record?.history[1]).toMatchObject({ from: 'submitted', to: 'in_review', by: staff, reason: 'moved to in_review' });
  });

  it('refuses an illegal move and leaves the case as it was', async () => {
    await cases.insertSubmitted(newCase('case_bad00001'));
    await expect(cases.move('case_bad00001', 'approved', staff, new Date())).rejects.toBeInstanceOf(CaseTransitionError);
    await expect(cases.move('case_missing', 'in_review', staff, new Date())).rejects.toBeInstanceOf(CaseTransitionError);
    const record = await cases.get('case_bad00001');
    expect(record?.status).toBe('submitted');
    expect(record?.history).toHaveLength(1);
  });

  it('inserts a case once: the same id again changes nothing', async () => {
    expect(await cases.insertSubmitted(newCase('case_once0001'))).toBe(true);
    expect(await cases.insertSubmitted({ ...newCase('case_once0001'), city: 'جدة' })).toBe(false);
    expect((await cases.get('case_once0001'))?.city).toBe('الرياض');
  });
});
