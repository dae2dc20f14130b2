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
import { CaseRepository } from '../../src/models/case-repository.js';
import { CASE_TRANSITIONS, type CaseStatus } from '../../src/models/case-states.js';
import { OpenRequestLocks } from '../../src/models/open-request-locks.js';
import { RecordRepository } from '../../src/models/record-repository.js';
import type { Staff } from '../../src/models/staff.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { AFTER_DECISION, askRefusal, CaseActions, type AfterDecision, type CaseActionDeps } from '../../src/services/case-actions.js';
import { finishAllOwed } from '../../src/services/owed-work.js';
import { answerFeedback } from '../../src/services/record-actions.js';
import { resolveStaleLock } from '../../src/services/submission.js';
import { ChatLocks } from '../../src/services/chat-lock.js';
import { freshDatabase, REDIS_URL } from '../helpers/db.js';
import { newCase } from '../helpers/new-case.js';

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
let records: RecordRepository;
let chatLocks: ChatLocks;
const told: { key: string; noticeId: string }[] = [];
const surveysScheduled: { caseId: string; occasion: string }[] = [];

beforeAll(async () => {
  db = await freshDatabase();
  redis = new Redis(REDIS_URL);
  cases = new CaseRepository(db.connection, keys);
  audit = new AuditLog(db.connection);
  locks = new OpenRequestLocks(db.connection);
  for (const repo of [cases, audit, locks]) if ('init' in repo) await (repo as { init: () => Promise<void> }).init();
  records = new RecordRepository(db.connection, keys);
  chatLocks = new ChatLocks(redis, `t${randomUUID().slice(0, 8)}`);
  actions = new CaseActions({
    cases,
    records,
    locks,
    audit,
    chatLocks,
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
async function caseIn(status: CaseStatus, under: { chatKey?: string; nationalIdHash?: string } = {}): Promise<string> {
  n += 1;
  const input = newCase(n, {
    at: new Date('2026-11-01T09:00:00Z'),
    reference: `SR-MV${String(n).padStart(2, '0')}-0000`,
    ...under,
  });
  const { id, submittedAt: at } = input;
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

/**
 * The database goes away right after an act's write (the fault hook throws the driver's
 * network error there), and the act is tried again, as the staff lanes and a webhook
 * redelivery do; or nothing tries it again and the sweeper finds what is owed. Either way
 * the person is asked once and the audit entry is there once. On ea8f709 the retry of an
 * information request answered "wrong state" and the person was never asked.
 */
describe('a staff act and what it owes, finished once', () => {
  let armed = false;
  let clock = new Date('2026-12-01T09:00:00Z');
  const networkError = () => Object.assign(new Error('connection closed'), { name: 'MongoNetworkError' });
  const faultyWith = (extra: Partial<CaseActionDeps> = {}) =>
    new CaseActions({
      cases,
      records,
      locks,
      audit,
      chatLocks,
      notify: async (_target, notice, noticeId) => {
        if (!told.some((t) => t.noticeId === noticeId)) told.push({ key: notice.key, noticeId });
      },
      faults: {
        at: () => {
          if (!armed) return;
          armed = false;
          throw networkError();
        },
      },
      clock: () => clock,
      ...extra,
    });
  const owedDeps = () => ({
    cases,
    records,
    audit,
    locks,
    chatLocks,
    notify: async (_t: unknown, notice: { key: string }, noticeId: string) =>
      void (told.some((t) => t.noticeId === noticeId) || told.push({ key: notice.key, noticeId })),
  });
  const entries = async (id: string, action: string) => (await audit.list({ targetId: id, limit: 50 })).filter((e) => e.action === action);
  const noticesFor = (act: string) => told.filter((t) => t.noticeId.startsWith(act));

  const cases_ = [
    { name: 'a claim', from: 'submitted', audit: 'case.claimed', run: (a: CaseActions, id: string, act: string) => a.claim(id, researcher, act), notice: null },
    {
      name: 'an information request',
      from: 'in_review',
      audit: 'case.information_requested',
      run: (a: CaseActions, id: string, act: string) => a.requestInfo(id, researcher, { items: ['lease'], note: 'عقد الإيجار' }, act),
      notice: 'info.requested',
    },
    {
      name: 'a rejection',
      from: 'in_review',
      audit: 'case.rejected',
      run: (a: CaseActions, id: string, act: string) => a.decide(id, committee, 'rejected', 'الدخل يتجاوز الحد', act),
      notice: 'decision.rejected',
    },
    {
      name: 'a registration',
      from: 'approved',
      audit: 'case.registered',
      run: (a: CaseActions, id: string, act: string) => a.advance(id, researcher, 'registered', act),
      notice: 'caseProgress.registered',
    },
    {
      name: 'a field-visit note',
      from: 'in_review',
      audit: 'case.note_added',
      run: (a: CaseActions, id: string, act: string) => a.addNote(id, researcher, 'زرت الأسرة', act),
      notice: null,
    },
    {
      name: 'a reopening',
      from: 'approved',
      audit: 'case.reopened',
      run: (a: CaseActions, id: string, act: string) => a.reopen(id, committee, 'وصلت معلومات جديدة', act),
      notice: 'caseProgress.reopened',
    },
  ] as const;

  for (const c of cases_) {
    it(`${c.name}: retried after the database went away right after its write, owes nothing twice`, async () => {
      const id = await caseIn(c.from);
      const act = `act-${c.name.replace(/\W/g, '')}-${id}`;
      const faulty = faultyWith();
      armed = true;
      await expect(c.run(faulty, id, act)).rejects.toThrow('connection closed');
      // Written, and owing: nothing told, no audit entry yet.
      expect((await cases.get(id))!.owed.length).toBeGreaterThan(0);
      expect(await entries(id, c.audit)).toHaveLength(0);
      const again = await c.run(faulty, id, act);
      expect(again).toMatchObject({ ok: true });
      expect(await entries(id, c.audit)).toHaveLength(1);
      // Notices are keyed by the act, or (registration) by the case and the state reached.
      expect(told.filter((t) => t.noticeId.startsWith(act) || t.noticeId.endsWith(id)).map((t) => t.key)).toEqual(c.notice ? [c.notice] : []);
      expect((await cases.get(id))!.owed).toEqual([]);
      // A third time (a webhook redelivering the same press) changes nothing.
      expect(await c.run(faulty, id, act)).toMatchObject({ ok: true, changed: false });
      expect(await entries(id, c.audit)).toHaveLength(1);
      if (c.name === 'a field-visit note') expect((await cases.get(id))!.notes).toHaveLength(1);
    });
  }

  it('finishes from MongoDB what a process killed between the write and the notice left owed', async () => {
    const id = await caseIn('in_review');
    armed = true;
    await expect(faultyWith().requestInfo(id, researcher, { items: ['id'], note: '' }, `killed-${id}`)).rejects.toThrow();
    expect(noticesFor(`killed-${id}`)).toEqual([]);
    expect(await finishAllOwed(owedDeps(), new Date(Date.now() + 1000), () => undefined)).toBeGreaterThanOrEqual(2);
    expect(noticesFor(`killed-${id}`).map((t) => t.key)).toEqual(['info.requested']);
    expect(await entries(id, 'case.information_requested')).toHaveLength(1);
    expect((await cases.get(id))!.owed).toEqual([]);
  });

  it('answers a complaint once, however often the answer is handled', async () => {
    const id = `rec_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    await records.insert({
      id,
      kind: 'feedback',
      reference: `FB-${id.slice(4, 8).toUpperCase()}-0001`,
      chatKey: 'console_x',
      channel: 'console',
      lang: 'ar',
      answers: { feedback_text: 'تأخر الرد' },
      documentIds: [],
      createdAt: new Date(),
    });
    const handler = member(['complaints_handler']);
    const deps = {
      ...owedDeps(),
      faults: {
        at: () => {
          if (armed) {
            armed = false;
            throw networkError();
          }
        },
      },
    };
    armed = true;
    await expect(answerFeedback(deps, id, handler, 'نعتذر', 'q-answer', new Date())).rejects.toThrow();
    expect(await answerFeedback(deps, id, handler, 'نعتذر', 'q-answer', new Date())).toMatchObject({ ok: true, changed: false });
    expect(told.filter((t) => t.noticeId === `answered:${id}`)).toHaveLength(1);
    expect((await audit.list({ targetId: id, limit: 10 })).filter((e) => e.action === 'record.answered')).toHaveLength(1);
    // Another member's answer after it is refused; a member without the role is refused at the act.
    expect(await answerFeedback(deps, id, handler, 'رد آخر', 'q-other', new Date())).toMatchObject({ ok: false, reason: 'answered_by_other' });
    expect(await answerFeedback(deps, id, researcher, 'رد', 'q-3', new Date())).toEqual({ ok: false, reason: 'not_allowed' });
  });

  it('holds a decision for the undo window: taken back, the person hears nothing; sent, once after the window', async () => {
    const id = await caseIn('in_review');
    const slow = faultyWith({ decisionUndoMs: 120_000 });
    clock = new Date();
    expect(await slow.decide(id, committee, 'approved', 'سلة غذائية', `first-${id}`)).toMatchObject({ ok: true, changed: true });
    expect(noticesFor(`first-${id}`)).toEqual([]);
    // Another member cannot take it back; the one who decided can, inside the window.
    expect(await slow.undoDecision(id, { ...committee, id: 'stf_other' } as typeof committee)).toMatchObject({ ok: false, reason: 'not_allowed' });
    expect(await slow.undoDecision(id, committee)).toMatchObject({ ok: true, changed: true });
    expect((await cases.get(id))!).toMatchObject({ status: 'in_review', decision: null });
    await finishAllOwed(owedDeps(), new Date(clock.getTime() + 180_000), () => undefined);
    expect(noticesFor(`first-${id}`)).toEqual([]);
    expect(await entries(id, 'case.decision_taken_back')).toHaveLength(1);
    // Decided again and left: told once when the window is over, and too late to take back then.
    expect(await slow.decide(id, committee, 'rejected', 'لا تنطبق الشروط', `second-${id}`)).toMatchObject({ ok: true, changed: true });
    // Nothing moves on before the person is told: closing now would free the ID before the rejection is said.
    expect(await slow.advance(id, researcher, 'closed', `close-early-${id}`)).toMatchObject({ ok: false, reason: 'still_sending' });
    expect(await slow.reopen(id, committee, 'سبب', `reopen-early-${id}`)).toMatchObject({ ok: false, reason: 'still_sending' });
    await finishAllOwed(owedDeps(), new Date(clock.getTime() + 60_000), () => undefined);
    expect(noticesFor(`second-${id}`)).toEqual([]);
    expect(await locks.get((await cases.get(id))!.nationalIdHash)).not.toBeNull();
    await finishAllOwed(owedDeps(), new Date(clock.getTime() + 121_000), () => undefined);
    expect(noticesFor(`second-${id}`).map((t) => t.key)).toEqual(['decision.rejected']);
    expect(await locks.get((await cases.get(id))!.nationalIdHash)).toBeNull();
    clock = new Date(clock.getTime() + 121_000);
    expect(await slow.undoDecision(id, committee)).toMatchObject({ ok: false, reason: 'too_late' });
  });

  it('takes the national ID back when a rejection is reopened; a reopening stopped before its move leaves no lock behind', async () => {
    const id = await caseIn('rejected');
    const hash = (await cases.get(id))!.nationalIdHash;
    await locks.release(hash, id);
    expect(await faultyWith().reopen(id, committee, 'معلومات جديدة', `reopen-ok-${id}`)).toMatchObject({ ok: true, changed: true });
    expect(await locks.get(hash)).toMatchObject({ caseId: id, state: 'active' });
    // A pending lock left by a reopening that stopped before the case moved (still rejected) is rolled back, not activated.
    const other = await caseIn('rejected');
    const otherHash = (await cases.get(other))!.nationalIdHash;
    await locks.release(otherHash, other);
    const pending = await locks.acquire(otherHash, other, new Date());
    expect(await resolveStaleLock({ cases, locks }, pending)).toBe('rolled_back');
    expect(await locks.get(otherHash)).toBeNull();
  });

  it('lets a researcher take up a case under study that nobody holds (its researcher lost the role), as it stands', async () => {
    const id = await caseIn('information_requested');
    await cases.setAssignee(id, { id: 'stf_gone', name: 'gone' }, { act: `held-${id}` });
    expect(await faultyWith().releaseHeld(id, 'stf_gone', { kind: 'system', id: 'staff-roles' })).toBe(true);
    expect((await cases.get(id))!).toMatchObject({ status: 'information_requested', assignee: null });
    expect(await faultyWith().claim(id, researcher, `take-up-${id}`)).toMatchObject({ ok: true, changed: true });
    expect((await cases.get(id))!).toMatchObject({ status: 'information_requested', assignee: { id: researcher.id } });
    expect(await entries(id, 'case.released')).toHaveLength(1);
    expect(await entries(id, 'case.claimed')).toHaveLength(1);
    // Its holder pressing Claim again: already done. Once withdrawn, Claim is refused for the state, even to its holder.
    expect(await faultyWith().claim(id, researcher, `take-up-again-${id}`)).toMatchObject({ ok: true, changed: false });
    const withdrawn = await caseIn('in_review');
    await cases.setAssignee(withdrawn, { id: researcher.id, name: researcher.name }, { act: `held-w-${withdrawn}` });
    await cases.move(withdrawn, 'withdrawn', { kind: 'beneficiary', id: 'chat' }, new Date());
    expect(await faultyWith().claim(withdrawn, researcher, `claim-withdrawn-${withdrawn}`)).toMatchObject({ ok: false, reason: 'wrong_state' });
    // Another researcher now finds it held.
    expect(await faultyWith().claim(id, { ...researcher, id: 'stf_other' } as typeof researcher, `take-up-2-${id}`)).toMatchObject({
      ok: false,
      reason: 'held_by_other',
    });
  });

  it('hands a case under study to a colleague once: by its holder or an administrator, to an active researcher only', async () => {
    const id = await caseIn('information_requested');
    await cases.setAssignee(id, { id: researcher.id, name: researcher.name }, { act: `held-h-${id}` });
    const colleague = { ...researcher, id: 'stf_colleague', name: 'colleague' } as Staff;
    // Not the holder, a committee member, a colleague removed or without the role: refused, nothing written.
    const third = { ...researcher, id: 'stf_third', name: 'third' } as Staff;
    expect(await actions.handOver(id, colleague, third, `h1-${id}`)).toMatchObject({ ok: false, reason: 'not_allowed' });
    // Naming the one who holds it already changes nothing, whoever presses.
    expect(await actions.handOver(id, colleague, researcher, `h1b-${id}`)).toMatchObject({ ok: true, changed: false });
    expect(await actions.handOver(id, committee, colleague, `h2-${id}`)).toMatchObject({ ok: false, reason: 'not_allowed' });
    expect(await actions.handOver(id, researcher, { ...colleague, active: false }, `h3-${id}`)).toMatchObject({ ok: false, reason: 'cannot_take' });
    expect(await actions.handOver(id, researcher, committee, `h4-${id}`)).toMatchObject({ ok: false, reason: 'cannot_take' });
    expect(await actions.handOver(id, researcher, null, `h5-${id}`)).toMatchObject({ ok: false, reason: 'cannot_take' });
    expect(await entries(id, 'case.handed_over')).toHaveLength(0);
    // The holder hands it over; the same press again (a redelivery) changes nothing more.
    expect(await actions.handOver(id, researcher, colleague, `h6-${id}`)).toMatchObject({ ok: true, changed: true });
    expect(await actions.handOver(id, researcher, colleague, `h6-${id}`)).toMatchObject({ ok: true, changed: false });
    const after = (await cases.get(id))!;
    expect(after).toMatchObject({ status: 'information_requested', assignee: { id: colleague.id } });
    expect(after.history.filter((m) => m.reason === 'handed over to colleague')).toHaveLength(1);
    expect(await entries(id, 'case.handed_over')).toHaveLength(1);
    // The administrator gives it back; a decided case is handed to nobody.
    expect(await actions.handOver(id, admin, researcher, `h7-${id}`)).toMatchObject({ ok: true, changed: true });
    const decided = await caseIn('approved');
    expect(await actions.handOver(decided, admin, researcher, `h8-${decided}`)).toMatchObject({ ok: false, reason: 'wrong_state' });
  });

  it('records a researcher’s recommendation once; with REQUIRE_RECOMMENDATION the committee decides only after one', async () => {
    const strict = faultyWith({ requireRecommendation: true });
    const id = await caseIn('in_review');
    await cases.setAssignee(id, { id: researcher.id, name: researcher.name }, { act: `held-r-${id}` });
    // Nothing recommended: Approve and Reject are refused at the press and at Send.
    expect(await askRefusal(cases, (await cases.get(id))!, 'approved', true)).toBe('no_recommendation');
    expect(await askRefusal(cases, (await cases.get(id))!, 'rejected', true)).toBe('no_recommendation');
    expect(await askRefusal(cases, (await cases.get(id))!, 'approved', false)).toBeNull();
    expect(await strict.decide(id, committee, 'approved', 'food', `d0-${id}`)).toMatchObject({ ok: false, reason: 'no_recommendation' });
    // The committee may not recommend, nor a researcher who does not hold the case; its holder does, once per act.
    const recommendation = { outcome: 'approve' as const, detail: 'a monthly food basket', visitNote: 'visited: no income' };
    expect(await strict.recommend(id, committee, recommendation, `r0-${id}`)).toMatchObject({ ok: false, reason: 'not_allowed' });
    const colleague = { ...researcher, id: 'stf_colleague_r', name: 'colleague' } as Staff;
    expect(await strict.recommend(id, colleague, recommendation, `r00-${id}`)).toMatchObject({ ok: false, reason: 'held_by_other' });
    expect(await strict.recommend(id, researcher, recommendation, `r1-${id}`)).toMatchObject({ ok: true, changed: true });
    expect(await strict.recommend(id, researcher, recommendation, `r1-${id}`)).toMatchObject({ ok: true, changed: false });
    expect((await cases.get(id))!.recommendation).toMatchObject({ ...recommendation, by: researcher.name });
    expect(await entries(id, 'case.recommended')).toHaveLength(1);
    // Sealed on disk.
    expect(JSON.stringify((await cases.raw(id))!.recommendation)).not.toContain('food basket');
    expect(await strict.decide(id, committee, 'approved', 'a monthly food basket', `d1-${id}`)).toMatchObject({ ok: true, changed: true });
    expect((await cases.get(id))!.history.at(-1)!.reason).not.toContain('without a recommendation');
    // After the decision nothing more is recommended.
    expect(await strict.recommend(id, researcher, recommendation, `r2-${id}`)).toMatchObject({ ok: false, reason: 'wrong_state' });
    // Without the requirement, a decision taken with none says so in the history.
    const loose = await caseIn('in_review');
    expect(await faultyWith().decide(loose, committee, 'rejected', 'income above the limit', `d2-${loose}`)).toMatchObject({ ok: true, changed: true });
    expect((await cases.get(loose))!.history.at(-1)!.reason).toBe('income above the limit [decided without a recommendation]');
  });

  it('refuses to reopen a rejection when the person has made another request since, from the same chat', async () => {
    const id = await caseIn('rejected');
    const record = (await cases.get(id))!;
    await locks.release(record.nationalIdHash, id);
    await caseIn('submitted', { chatKey: record.chatKey, nationalIdHash: record.nationalIdHash });
    expect(await faultyWith().reopen(id, committee, 'سبب', `reopen-${id}`)).toMatchObject({ ok: false, reason: 'id_in_use' });
    expect((await cases.get(id))!.status).toBe('rejected');
  });

  it('reopens a rejection when another chat’s open request uses the ID, leaving that request its lock', async () => {
    const id = await caseIn('rejected');
    const record = (await cases.get(id))!;
    await locks.release(record.nationalIdHash, id);
    const other = await caseIn('submitted', { nationalIdHash: record.nationalIdHash });
    expect(await faultyWith().reopen(id, committee, 'سبب', `reopen-${id}`)).toMatchObject({ ok: true, changed: true });
    expect((await cases.get(id))!.status).toBe('in_review');
    expect(await locks.get(record.nationalIdHash)).toMatchObject({ caseId: other });
  });

  it('approves nothing while another open request uses the same national ID; once the other is rejected, approves', async () => {
    const id = await caseIn('in_review');
    const hash = (await cases.get(id))!.nationalIdHash;
    const other = await caseIn('in_review', { nationalIdHash: hash });
    for (const target of [id, other]) {
      expect(await faultyWith().decide(target, committee, 'approved', 'سلة غذائية', `approve-${target}`)).toMatchObject({ ok: false, reason: 'id_shared' });
      expect((await cases.get(target))!.status).toBe('in_review');
      expect(await askRefusal(cases, (await cases.get(target))!, 'approved')).toBe('id_shared');
    }
    // Rejecting is always possible: it is how staff settle whose ID it is.
    expect(await faultyWith().decide(other, committee, 'rejected', 'رقم الهوية لصاحب طلب آخر', `reject-${other}`)).toMatchObject({ ok: true, changed: true });
    expect(await askRefusal(cases, (await cases.get(id))!, 'approved')).toBeNull();
    expect(await faultyWith().decide(id, committee, 'approved', 'سلة غذائية', `approve-again-${id}`)).toMatchObject({ ok: true, changed: true });
  });
});
