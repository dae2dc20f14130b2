import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseRepository } from '../../src/models/case-repository.js';
import type { Staff } from '../../src/models/staff.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { agendaPage, CaseQueue, documentsMissing, filtersFor, QUEUE_PAGE_SIZE } from '../../src/services/case-queue.js';
import { freshDatabase } from '../helpers/db.js';
import { newCase } from '../helpers/new-case.js';

const keys = new KeyRing({ keys: { k1: Buffer.alloc(32, 7) }, currentKeyId: 'k1', lookupKey: Buffer.alloc(32, 9) });
const NOW = new Date('2026-12-07T09:00:00Z');
const DAY = 86_400_000;

function member(id: string, roles: Staff['roles'], active = true): Staff {
  return { id: id as Staff['id'], name: id, telegramUserId: 1, roles, language: null, active, adminTokenIssuedAt: null, createdAt: NOW, updatedAt: NOW };
}
const researcher = member('stf_researcher', ['researcher']);
const colleague = member('stf_colleague', ['researcher']);
const committee = member('stf_committee', ['committee']);
const admin = member('stf_admin', ['admin']);
const system = { kind: 'system' as const, id: 'test' };

let db: Awaited<ReturnType<typeof freshDatabase>>;
let cases: CaseRepository;
let queue: CaseQueue;

/** A case submitted `daysAgo` days before NOW (promised 14 days after), moved along `path`. */
async function seed(n: number, daysAgo: number, path: readonly string[] = [], holder: Staff | null = null, items: string[] = ['income_proof']): Promise<void> {
  const at = new Date(NOW.getTime() - daysAgo * DAY);
  await cases.insertSubmitted(newCase(n, { at }));
  const id = newCase(n).id;
  for (const to of path) {
    if (to === 'information_requested') await cases.requestInfo(id, { items, note: 'please' }, system, at);
    else await cases.move(id, to as never, system, at, undefined, to === 'in_review' && holder ? { assignee: { id: holder.id, name: holder.name } } : {});
  }
}

beforeAll(async () => {
  db = await freshDatabase();
  cases = new CaseRepository(db.connection, keys);
  await cases.init();
  queue = new CaseQueue(cases, () => NOW);
  // 23 new cases, spread over the last 23 days: some past their promise, some due soon.
  for (let n = 1; n <= 23; n++) await seed(n, n);
  await seed(30, 2, ['in_review'], researcher);
  await seed(31, 12, ['in_review', 'information_requested'], researcher, ['family_card']);
  await seed(32, 5, ['in_review', 'information_requested'], colleague, ['other']);
  await seed(33, 20, ['in_review', 'approved'], researcher);
  await seed(34, 20, ['in_review', 'rejected', 'closed'], researcher);
});
afterAll(async () => db.drop());

describe('the case queue', () => {
  it('shows each role the filters that make sense for it, administrators all', () => {
    expect(filtersFor(researcher)).toEqual(['mine', 'new', 'info', 'docs', 'due', 'overdue', 'decided']);
    expect(filtersFor(committee)).toEqual(['committee', 'due', 'overdue', 'decided']);
    expect(filtersFor(admin)).toEqual(['mine', 'new', 'info', 'docs', 'committee', 'due', 'overdue', 'decided']);
    expect(filtersFor(member('stf_gone', ['researcher'], false))).toEqual([]);
  });

  it('counts each filter from the database', async () => {
    const counts = Object.fromEntries((await queue.counts(admin)).map(({ filter, count }) => [filter, count]));
    // Promised 14 days after submission: new cases older than 14 days are past it (15..23: 9), 12..14 days old due within 3 days (3), and case 31.
    expect(counts).toEqual({ mine: 0, new: 23, info: 2, docs: 1, committee: 0, due: 3 + 1, overdue: 9, decided: 1 });
    const mine = Object.fromEntries((await queue.counts(researcher)).map(({ filter, count }) => [filter, count]));
    expect(mine.mine).toBe(3);
  });

  it('pages ten at a time, most urgent first, and gives the last page for a page past the end', async () => {
    const first = await queue.page(researcher, 'new', 0);
    expect(first.ok && first.lines.length).toBe(QUEUE_PAGE_SIZE);
    expect(first.ok && first.pages).toBe(3);
    expect(first.ok && first.lines[0]!.reference).toBe('SR-TEST-0023');
    expect(first.ok && first.lines[0]!.daysSinceSubmission).toBe(23);
    expect(first.ok && first.lines[0]!.daysToPromise).toBe(-9);
    const past = await queue.page(researcher, 'new', 7);
    expect(past.ok && past.page).toBe(2);
    expect(past.ok && past.lines.map((l) => l.reference)).toEqual(['SR-TEST-0003', 'SR-TEST-0002', 'SR-TEST-0001']);
  });

  it("lists a researcher's own cases only, and documents missing only where a document was asked for", async () => {
    const mine = await queue.page(researcher, 'mine', 0);
    expect(mine.ok && mine.lines.map((l) => l.reference).sort()).toEqual(['SR-TEST-0030', 'SR-TEST-0031', 'SR-TEST-0033']);
    const docs = await queue.page(researcher, 'docs', 0);
    expect(docs.ok && docs.lines.map((l) => l.reference)).toEqual(['SR-TEST-0031']);
    // A new request whose lease the person will send later is missing documents too, until it comes.
    await cases.insertSubmitted(newCase(50, { at: new Date(NOW.getTime() - DAY), documentsLater: ['doc_lease'], documentsReminderAt: NOW }));
    const withPromised = await queue.page(researcher, 'docs', 0);
    expect(withPromised.ok && withPromised.lines.map((l) => l.reference).sort()).toEqual(['SR-TEST-0031', 'SR-TEST-0050']);
    expect((await cases.get('case_000000000000000000000050'))?.documentsLater).toEqual(['doc_lease']);
  });

  it('refuses a filter the role does not allow (a role removed since the list was drawn)', async () => {
    expect(await queue.page(committee, 'new', 0)).toEqual({ ok: false, reason: 'not_allowed' });
    expect(await queue.page(member('stf_researcher', ['researcher'], false), 'mine', 0)).toEqual({ ok: false, reason: 'not_allowed' });
  });
});

describe('the committee’s agenda', () => {
  it('lists the cases in review with a stated recommendation, oldest promise first, flagging documents asked for and not come', async () => {
    const at = (days: number) => new Date(NOW.getTime() - days * DAY);
    // 40: recommended approval; 41: recommended rejection, older; 42: only notes from before (they recommend nothing); 43: nothing.
    await seed(40, 3, ['in_review'], researcher);
    await seed(41, 8, ['in_review'], researcher);
    await seed(42, 9, ['in_review'], researcher);
    await seed(43, 10, ['in_review'], researcher);
    const id = (n: number) => newCase(n).id;
    const sara = { kind: 'staff' as const, id: researcher.id, name: 'سارة' };
    await cases.setRecommendation(id(40), { outcome: 'approve', detail: 'سلة غذائية شهرية\nلثلاثة أشهر', visitNote: 'زيارة' }, sara, at(1), { act: 'r40' });
    await cases.setRecommendation(id(41), { outcome: 'reject', detail: 'الدخل كافٍ', visitNote: 'زيارة' }, { ...sara, name: 'فهد' }, at(1), { act: 'r41' });
    await db.connection.db!.collection('cases').updateOne({ _id: id(42) as never }, { $set: { earlierNotes: keys.encryptText('سارة (2026-11-01): ملاحظة') } });
    // Case 41: an ID photo asked for, answered with words only.
    await cases.requestInfo(id(41), { items: ['id'], note: 'صورة أوضح' }, system, at(2));
    await cases.provideInfo(id(41), { text: 'لا أملك صورة الآن', documentIds: [], mark: 'm41' }, { kind: 'beneficiary', id: 'x' }, at(1));

    expect(await agendaPage(cases, researcher, 0, NOW)).toEqual({ ok: false, reason: 'not_allowed' });
    const page = await agendaPage(cases, committee, 0, NOW);
    expect(page.ok && page.total).toBe(2);
    expect(page.ok && page.lines.map((l) => [l.reference, l.recommendation.outcome, l.documentsMissing])).toEqual([
      ['SR-TEST-0041', 'reject', true],
      ['SR-TEST-0040', 'approve', false],
    ]);
    expect(page.ok && page.lines[1]!.recommendation).toEqual({ outcome: 'approve', detail: 'سلة غذائية شهرية\nلثلاثة أشهر', by: 'سارة' });
    expect((await agendaPage(cases, admin, 5, NOW)).ok).toBe(true);
  });

  it('flags documents missing when documents were asked for and none came after, or were promised at submission', () => {
    const request = { items: ['income_proof'], note: '', by: 'x', at: NOW };
    const none = { documentsLater: [] };
    expect(documentsMissing({ infoRequest: null, additions: [], ...none })).toBe(false);
    expect(documentsMissing({ infoRequest: { ...request, items: ['other'] }, additions: [], ...none })).toBe(false);
    expect(documentsMissing({ infoRequest: request, additions: [], ...none })).toBe(true);
    expect(documentsMissing({ infoRequest: request, additions: [{ text: '', documentIds: ['d1'], at: new Date(NOW.getTime() - DAY) }], ...none })).toBe(true);
    expect(documentsMissing({ infoRequest: request, additions: [{ text: '', documentIds: ['d1'], at: NOW }], ...none })).toBe(false);
    expect(documentsMissing({ infoRequest: null, additions: [], documentsLater: ['doc_lease'] })).toBe(true);
  });
});
