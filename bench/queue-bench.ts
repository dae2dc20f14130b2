/**
 * The staff's case queue (`/cases`) on a year's worth of cases: 10,000 seeded in a database of
 * their own (shaped as the service stores them: one real case cloned, its states, holders, dates
 * and information requests varied), then what `/cases` and a list page cost, read as the service
 * reads them (CaseQueue over CaseRepository), each measured `repeats` times one after another.
 */
import { performance } from 'node:perf_hooks';
import type { Connection } from 'mongoose';
import { openDatabase } from '../src/models/database.js';
import { CaseRepository } from '../src/models/case-repository.js';
import type { CaseStatus } from '../src/models/case-states.js';
import type { Staff } from '../src/models/staff.js';
import { KeyRing } from '../src/privacy/key-ring.js';
import { CaseQueue, QUEUE_FILTERS, queryOf, type QueueFilter } from '../src/services/case-queue.js';

export interface QueueBenchResult {
  cases: number;
  seedSeconds: number;
  repeats: number;
  /** `/cases` for an administrator: every filter's count. */
  countsMs: { p50: number; max: number };
  /** The first page of each filter (its count included, as a page shows "page 1 of n"). */
  firstPageMs: Record<QueueFilter, { p50: number; max: number; total: number }>;
  /** What the server says of one read behind the busiest list (FerretDB: whether the filter, sort and limit went to PostgreSQL). */
  plan: unknown;
}

/** Of 10,000 cases over a year, how many stand in each state (most are done). */
const MIX: readonly [CaseStatus, number][] = [
  ['closed', 0.68],
  ['withdrawn', 0.04],
  ['rejected', 0.02],
  ['submitted', 0.04],
  ['in_review', 0.07],
  ['information_requested', 0.05],
  ['approved', 0.04],
  ['registered', 0.03],
  ['service_delivered', 0.03],
];
const DAY = 86_400_000;
const RESEARCHERS = Array.from({ length: 12 }, (_, i) => `stf_r${String(i).padStart(2, '0')}`);

const stats = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10, max: Math.round(sorted.at(-1)! * 10) / 10 };
};

async function seed(connection: Connection, cases: CaseRepository, count: number, now: number): Promise<void> {
  const at = new Date(now);
  await cases.insertSubmitted({
    id: 'case_000000000000000000000000',
    reference: 'SR-BNCH-0000',
    channel: 'telegram',
    chatKey: 'telegram_template',
    lang: 'ar',
    nationalIdHash: 'hash-template',
    supportType: 'food',
    city: 'نمران',
    answers: { full_name: 'اسم للقياس فقط', national_id: '1000000008', description: 'وصف طويل للحاجة '.repeat(20) },
    documentIds: [],
    declaration: { version: 'declaration-2026-1', acceptedAt: at, channel: 'telegram', messageId: '1', answersHash: '0'.repeat(64) },
    flow: { id: 'support_request', version: 1 },
    submittedAt: at,
    expectedBy: new Date(now + 14 * DAY),
    by: { kind: 'system', id: 'bench' },
  });
  const collection = connection.collection('cases');
  const template = await collection.findOne({ _id: 'case_000000000000000000000000' as never });
  await collection.deleteMany({});
  if (!template) throw new Error('the template case was not stored');
  const statuses = MIX.flatMap(([status, share]) => Array.from({ length: Math.round(share * count) }, () => status));
  for (let start = 0; start < count; start += 500) {
    const docs = [];
    for (let n = start; n < Math.min(count, start + 500); n++) {
      const status = statuses[n % statuses.length]!;
      // Done cases spread over the year; open ones over the last month.
      const ageDays = ['submitted', 'in_review', 'information_requested', 'approved', 'registered'].includes(status) ? (n * 7) % 30 : 30 + ((n * 13) % 335);
      const submittedAt = new Date(now - ageDays * DAY - (n % 86_400) * 1000);
      const held = status !== 'submitted' && status !== 'withdrawn';
      docs.push({
        ...template,
        _id: `case_${n.toString(16).padStart(24, '0')}`,
        reference: `SR-B${String(n).padStart(3, '0').slice(-3)}-${n.toString(36).toUpperCase().padStart(4, '0')}`,
        chatKey: `telegram_${n}`,
        nationalIdHash: `hash-${n}`,
        status,
        supportType: ['food', 'rent', 'bills', 'medical'][n % 4],
        submittedAt,
        expectedBy: new Date(submittedAt.getTime() + 14 * DAY),
        assignee: held ? { id: RESEARCHERS[n % RESEARCHERS.length], name: 'باحث' } : null,
        infoRequest:
          status === 'information_requested' ? { items: n % 2 === 0 ? ['income_proof'] : ['other'], note: template.personal, by: 'x', at: submittedAt } : null,
      });
    }
    await collection.insertMany(docs as never[]);
  }
}

export async function queueBench(mongoUri: string, dbName: string, count: number, repeats: number): Promise<QueueBenchResult> {
  const keys = new KeyRing({ keys: { k1: Buffer.alloc(32, 7) }, currentKeyId: 'k1', lookupKey: Buffer.alloc(32, 9) });
  const connection = await openDatabase({ uri: mongoUri, dbName });
  try {
    const cases = new CaseRepository(connection, keys);
    await cases.init();
    const now = Date.now();
    const seeding = performance.now();
    await seed(connection, cases, count, now);
    const seedSeconds = (performance.now() - seeding) / 1000;
    const queue = new CaseQueue(cases);
    const admin: Staff = {
      id: 'stf_admin' as Staff['id'],
      name: 'admin',
      telegramUserId: 1,
      roles: ['admin'],
      language: null,
      active: true,
      adminTokenIssuedAt: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    const researcher: Staff = { ...admin, id: RESEARCHERS[0] as Staff['id'], roles: ['researcher'] };
    const time = async (run: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const at = performance.now();
        await run();
        times.push(performance.now() - at);
      }
      return times;
    };
    // One unmeasured pass: connections opened, plans made.
    await queue.counts(admin);
    const countsMs = stats(await time(() => queue.counts(admin)));
    const firstPageMs = {} as QueueBenchResult['firstPageMs'];
    for (const filter of QUEUE_FILTERS) {
      const member = filter === 'mine' ? researcher : admin;
      let total = 0;
      const times = await time(async () => {
        const page = await queue.page(member, filter, 0);
        total = page.ok ? page.total : -1;
      });
      firstPageMs[filter] = { ...stats(times), total };
    }
    // One of the reads behind "past the promised date": one status, its range checked after.
    const overdue = queryOf('overdue', admin, new Date(now));
    const plan = await connection
      .db!.command({
        explain: { find: 'cases', filter: { status: 'in_review', expectedBy: { $lt: overdue.expectedBefore } }, sort: { expectedBy: 1 }, limit: 10 },
      })
      .catch((error: unknown) => ({ error: String(error) }));
    return { cases: count, seedSeconds: Math.round(seedSeconds * 10) / 10, repeats, countsMs, firstPageMs, plan };
  } finally {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  }
}
