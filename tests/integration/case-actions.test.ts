/**
 * Every move staff can make on a case through the staff desk's actions, legal and illegal,
 * against the real MongoDB and Redis: a legal move is made once, with who, when and why in
 * the case's history and an audit entry; an illegal one is refused and changes nothing; the
 * beneficiary is told of a decision, of registration and of the service, once each.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/models/audit-log.js';
import { CaseRepository, type NewCase } from '../../src/models/case-repository.js';
import { CASE_TRANSITIONS, type CaseStatus } from '../../src/models/case-states.js';
import { OpenRequestLocks } from '../../src/models/open-request-locks.js';
import { RecordRepository } from '../../src/models/record-repository.js';
import type { Staff } from '../../src/models/staff.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { AFTER_DECISION, CaseActions, type AfterDecision } from '../../src/services/case-actions.js';
import { ChatLocks } from '../../src/services/chat-lock.js';
import { freshDatabase, REDIS_URL } from '../helpers/db.js';

const keys = new KeyRing({ keys: { k1: Buffer.alloc(32, 7) }, currentKeyId: 'k1', lookupKey: Buffer.alloc(32, 9) });
const member = (roles: Staff['roles']): Staff => ({ id: `stf_${roles.join('_')}`, name: roles.join('+'), telegramUserId: 1, roles, active: true }) as Staff;
const researcher = member(['researcher']);
const committee = member(['committee']);
const admin = member(['admin']);

let db: Awaited<ReturnType<typeof freshDatabase>>;
let redis: Redis;
let cases: CaseRepository;
let audit: AuditLog;
let locks: OpenRequestLocks;
let actions: CaseActions;
const told: { key: string; noticeId: string }[] = [];
const surveysScheduled: { caseId: string; occasion: string }[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  redis = new Redis(REDIS_URL);
  cases = new CaseRepository(db.connection, keys);
  audit = new AuditLog(db.connection);
  locks = new OpenRequestLocks(db.connection);
  for (const repo of [cases, audit, locks]) if ('init' in repo) await (repo as { init: () => Promise<void> }).init();
  actions = new CaseActions({
    cases,
    records: new RecordRepository(db.connection, keys),
    locks,
    audit,
    chatLocks: new ChatLocks(redis, `t${randomUUID().slice(0, 8)}`),
    notify: async (_target, notice, noticeId) => {
      if (!told.some((t) => t.noticeId === noticeId)) told.push({ key: notice.key, noticeId });
    },
    scheduleSurvey: async (record, occasion) => {
      surveysScheduled.push({ caseId: record.id, occasion });
    },
  });
});
afterAll(async () => {
  await db.drop();
  await redis.quit();
});

let n = 0;
/** A case in `status`, reached by legal moves. */
async function caseIn(status: CaseStatus): Promise<string> {
  n += 1;
  const id = `case_${String(n).padStart(24, '0')}`;
  const at = new Date('2026-11-01T09:00:00Z');
  const input: NewCase = {
    id,
    reference: `SR-MV${String(n).padStart(2, '0')}-0000`,
    channel: 'console',
    chatKey: `console_${String(n).padStart(24, '0')}`,
    lang: 'ar',
    nationalIdHash: `hash-${n}`,
    supportType: 'food',
    city: 'نمران',
    answers: { national_id: '1000000008' },
    documentIds: [],
    declaration: { version: 'd1', acceptedAt: at, channel: 'console', messageId: 'm', answersHash: 'h' },
    flow: { id: 'support_request', version: 1 },
    submittedAt: at,
    expectedBy: new Date(at.getTime() + 14 * 86_400_000),
    by: { kind: 'system', id: 'test' },
  };
  await cases.insertSubmitted(input);
  await locks.acquire(input.nationalIdHash, id, at);
  const path: Record<CaseStatus, CaseStatus[]> = {
    submitted: [],
    in_review: ['in_review'],
    information_requested: ['in_review', 'information_requested'],
    approved: ['in_review', 'approved'],
    rejected: ['in_review', 'rejected'],
    registered: ['in_review', 'approved', 'registered'],
    service_delivered: ['in_review', 'approved', 'registered', 'service_delivered'],
    closed: ['in_review', 'rejected', 'closed'],
    withdrawn: ['withdrawn'],
  };
  for (const to of path[status]) await cases.move(id, to, { kind: 'system', id: 'setup' }, new Date());
  return id;
}

describe('case moves after the decision', () => {
  const targets = Object.keys(AFTER_DECISION) as AfterDecision[];
  const states = Object.keys(CASE_TRANSITIONS) as CaseStatus[];

  for (const from of states) {
    for (const to of targets) {
      if (from === to) continue;
      const legal = CASE_TRANSITIONS[from].includes(to);
      it(`${from} → ${to}: ${legal ? 'made, with history and audit' : 'refused, nothing changes'}`, async () => {
        const id = await caseIn(from);
        const before = (await cases.get(id))!;
        const result = await actions.advance(id, researcher, to, `press-${id}`, 'because');
        const after = (await cases.get(id))!;
        const entries = await audit.list({ targetKind: 'case', targetId: id, limit: 10 });
        if (legal) {
          expect(result).toMatchObject({ ok: true, changed: true });
          expect(after.status).toBe(to);
          expect(after.history.at(-1)).toMatchObject({ from, to, by: { kind: 'staff', id: researcher.id }, reason: 'because' });
          expect(entries.map((e) => e.action)).toEqual([AFTER_DECISION[to].audit]);
          // Told once, even when the button is pressed again.
          expect(await actions.advance(id, researcher, to, `press-again-${id}`)).toMatchObject({ ok: true, changed: false });
          expect(told.filter((t) => t.noticeId === `${to}-${id}`)).toHaveLength(AFTER_DECISION[to].notice ? 1 : 0);
          // Closing frees the ID for a new request.
          if (to === 'closed') expect(await locks.get(before.nationalIdHash)).toBeNull();
        } else {
          expect(result).toMatchObject({ ok: false, reason: 'wrong_state' });
          expect(after.status).toBe(from);
          expect(after.history).toHaveLength(before.history.length);
          expect(entries).toEqual([]);
        }
      });
    }
  }

  it('refuses staff without the role, and committee and researchers may both move a case on', async () => {
    const id = await caseIn('approved');
    expect(await actions.advance(id, admin, 'registered', 'p-admin')).toEqual({ ok: false, reason: 'not_allowed' });
    expect((await cases.get(id))!.status).toBe('approved');
    expect(await actions.advance(id, committee, 'registered', 'p-committee')).toMatchObject({ ok: true, changed: true });
  });

  it('invites the beneficiary to rate after the decision and after the service', async () => {
    const decidedId = await caseIn('in_review');
    expect(await actions.decide(decidedId, committee, 'approved', 'سلة غذائية', 'q-decide')).toMatchObject({ ok: true, changed: true });
    expect(surveysScheduled).toContainEqual({ caseId: decidedId, occasion: 'decision' });
    const servedId = await caseIn('registered');
    await actions.advance(servedId, researcher, 'service_delivered', 'p-serve');
    expect(surveysScheduled).toContainEqual({ caseId: servedId, occasion: 'service' });
    expect(surveysScheduled.filter((s) => s.caseId === servedId)).toEqual([{ caseId: servedId, occasion: 'service' }]);
  });

  it('keeps one addition when the same answer to an information request is handled twice (a retry)', async () => {
    const id = await caseIn('in_review');
    await actions.requestInfo(id, researcher, { items: ['id'], note: 'صورة أوضح' }, 'q-info');
    const by = { kind: 'beneficiary' as const, id: 'chat' };
    expect(await cases.provideInfo(id, { text: 'هذه صورة أوضح', documentIds: ['doc-1'], mark: 'm-1' }, by, new Date())).toBe(true);
    expect(await cases.provideInfo(id, { text: 'هذه صورة أوضح', documentIds: ['doc-1'], mark: 'm-1' }, by, new Date())).toBe(true);
    expect(await cases.provideInfo(id, { text: 'رسالة أخرى', documentIds: [], mark: 'm-2' }, by, new Date())).toBe(false);
    const record = (await cases.get(id))!;
    expect(record.additions).toHaveLength(1);
    expect(record.documentIds).toEqual(['doc-1']);
    expect(record.status).toBe('in_review');
  });
});
