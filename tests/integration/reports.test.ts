/**
 * Reports and exports on a seeded data set with known figures, against the real MongoDB:
 * every figure of the report, the series the weekly chart is drawn from and the PNG it
 * makes, and CSV exports safe against spreadsheet formula injection.
 */
import sharp from 'sharp';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseRepository, type NewCase } from '../../src/models/case-repository.js';
import { RecordRepository } from '../../src/models/record-repository.js';
import { ReferralRepository } from '../../src/models/referral-repository.js';
import { SurveyRepository } from '../../src/models/survey-repository.js';
import type { CaseStatus } from '../../src/models/case-states.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { chartSeries, CHART_SIZE, renderChart } from '../../src/services/report-chart.js';
import { exportRows, safeCell, toCsv } from '../../src/services/csv-export.js';
import { buildReport, parseRange, percentile, type ReportDeps } from '../../src/services/reports.js';
import { freshDatabase } from '../helpers/db.js';

const keys = new KeyRing({ keys: { k1: Buffer.alloc(32, 3) }, currentKeyId: 'k1', lookupKey: Buffer.alloc(32, 4) });
const DAY = 86_400_000;
/** Sunday 1 November 2026, 00:00 Saudi time: the period is two weeks from here. */
const FROM = new Date('2026-11-01T00:00:00+03:00');
const TO = new Date(FROM.getTime() + 14 * DAY);
const at = (days: number) => new Date(FROM.getTime() + days * DAY + 10 * 3_600_000);

let db: Awaited<ReturnType<typeof freshDatabase>>;
let deps: ReportDeps;

/** Six cases: four decided after 10, 12, 14 and 20 days (one decided after the period), one undecided past its date, one submitted. */
const SEED: { day: number; status: CaseStatus; support: string; decidedAfter?: number; name?: string }[] = [
  { day: 0, status: 'approved', support: 'food', decidedAfter: 10 },
  { day: 1, status: 'rejected', support: 'rent', decidedAfter: 12 },
  { day: 2, status: 'approved', support: 'food', decidedAfter: 11 },
  { day: 8, status: 'approved', support: 'medical', decidedAfter: 20, name: '=HYPERLINK("http://evil.example","click")' },
  { day: -20, status: 'in_review', support: 'food' },
  { day: 9, status: 'submitted', support: 'bills' },
];

beforeAll(async () => {
  db = await freshDatabase();
  deps = {
    cases: new CaseRepository(db.connection, keys),
    surveys: new SurveyRepository(db.connection, keys),
    referrals: new ReferralRepository(db.connection, keys),
    records: new RecordRepository(db.connection, keys),
  };
  for (const repo of Object.values(deps)) await repo.init();
  let n = 0;
  for (const seed of SEED) {
    n += 1;
    const submittedAt = at(seed.day);
    const id = `case_${String(n).padStart(24, '0')}`;
    const input: NewCase = {
      id,
      reference: `SR-RPT${n}-000${n}`,
      channel: n % 2 === 0 ? 'whatsapp' : 'telegram',
      chatKey: `chat_${n}`,
      lang: 'ar',
      nationalIdHash: `hash_${n}`,
      supportType: seed.support,
      city: 'نمران',
      answers: { full_name: seed.name ?? `مستفيد ${n}`, national_id: '1000000008', mobile: '+966501234567' },
      documentIds: [],
      declaration: { version: 'd1', acceptedAt: submittedAt, channel: 'telegram', messageId: 'm', answersHash: 'h' },
      flow: { id: 'support_request', version: 1 },
      submittedAt,
      expectedBy: new Date(submittedAt.getTime() + 14 * DAY),
      by: { kind: 'system', id: 'seed' },
    };
    await deps.cases.insertSubmitted(input);
    const staff = { kind: 'staff' as const, id: 'stf_seed', name: 'seed' };
    if (seed.status !== 'submitted') await deps.cases.move(id, 'in_review', staff, submittedAt);
    if (seed.decidedAfter !== undefined) {
      const decidedAt = new Date(submittedAt.getTime() + seed.decidedAfter * DAY);
      const outcome = seed.status as 'approved' | 'rejected';
      await deps.cases.move(id, outcome, staff, decidedAt, 'seed', { decision: { outcome, by: staff, at: decidedAt } });
    }
  }
  // Ratings 5, 4, 4, 2 in the first week, 3 in the second; one with a comment.
  const ratings: [number, number, string | null][] = [
    [5, 1, 'شكرًا على سرعة الرد'],
    [4, 2, null],
    [4, 3, null],
    [2, 4, null],
    [3, 9, null],
  ];
  for (const [i, [rating, day, comment]] of ratings.entries())
    await deps.surveys.rateUnasked(`srv_seed_${i}`, `chat_${i}`, 'telegram', rating, comment, at(day));
  // Two referrals, one taken; a suggestion, two complaints (one answered), a volunteer.
  await deps.referrals.open({
    id: 'ref_a',
    engineId: 'a',
    reference: 'RF-AAAA-0001',
    chatKey: 'chat_1',
    channel: 'telegram',
    lang: 'ar',
    reason: 'asked',
    context: { flow: null, step: null },
    recent: [],
    createdAt: at(3),
  });
  await deps.referrals.open({
    id: 'ref_b',
    engineId: 'b',
    reference: 'RF-BBBB-0002',
    chatKey: 'chat_2',
    channel: 'whatsapp',
    lang: 'ar',
    reason: 'voice',
    context: { flow: null, step: null },
    recent: [],
    createdAt: at(4),
  });
  await deps.referrals.take('ref_a', { staffId: 'stf_r', name: 'Researcher', telegramUserId: 1 });
  const record = (id: string, kind: 'feedback' | 'volunteer', answers: Record<string, string>, day: number) =>
    deps.records.insert({
      id,
      kind,
      reference: `FB-${id.toUpperCase()}-0000`.slice(0, 12),
      chatKey: 'chat_1',
      channel: 'telegram',
      lang: 'ar',
      answers,
      documentIds: [],
      createdAt: at(day),
    });
  await record('rec1', 'feedback', { feedback_kind: 'suggestion', feedback_text: 'افتحوا يوم السبت' }, 2);
  await record('rec2', 'feedback', { feedback_kind: 'complaint', feedback_text: '+1 لم يرد أحد' }, 3);
  await record('rec3', 'feedback', { feedback_kind: 'complaint', feedback_text: 'تأخر' }, 5);
  await record('rec4', 'volunteer', { volunteer_name: 'سعد' }, 6);
  await deps.records.answer('rec2', 'نعتذر', 'stf_h', at(4), { act: 'answer-rec2', owe: [] });
});
afterAll(async () => db.drop());

describe('the report', () => {
  it('gives the known figures of the seeded period', async () => {
    const report = await buildReport(deps, FROM, TO, at(14));
    expect(report.requests.total).toBe(5);
    expect(report.requests.byStatus).toEqual({ approved: 3, rejected: 1, submitted: 1 });
    expect(report.requests.bySupportType).toEqual({ food: 2, rent: 1, medical: 1, bills: 1 });
    // Decided by the end of the period: 10, 11 and 12 days (the 20-day decision falls after it).
    expect(report.timeToDecision).toEqual({ decided: 3, medianDays: 11, p90Days: 12 });
    // The in-review case from before the period is past its date now; the submitted one is not yet.
    expect(report.pastDeadline).toBe(1);
    expect(report.satisfaction).toEqual({
      answers: 5,
      average: 3.6,
      distribution: { '1': 0, '2': 1, '3': 1, '4': 2, '5': 1 },
      comments: ['شكرًا على سرعة الرد'],
    });
    expect(report.referrals).toEqual({ opened: 2, taken: 1 });
    expect(report.feedback).toEqual({ suggestions: 1, complaints: 2, answered: 1 });
    expect(report.volunteers).toBe(1);
    expect(report.weeks.map((w) => [w.requests, w.decisions, w.satisfaction])).toEqual([
      [3, 0, 3.8],
      [2, 3, 3],
    ]);
  });

  it('draws the chart from exactly those figures, as a PNG of the stated size', async () => {
    const report = await buildReport(deps, FROM, TO, at(14));
    const series = chartSeries(report);
    expect(series).toEqual({ labels: ['10-31', '11-07'], requests: [3, 2], decisions: [0, 3], satisfaction: [3.8, 3] });
    const png = await renderChart(series);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const meta = await sharp(png).metadata();
    expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: 'png', ...CHART_SIZE });
  });

  it('reads its dates as Saudi days, the last included, and computes percentiles by nearest rank', () => {
    expect(parseRange('2026-11-01', '2026-11-14')).toEqual({ from: FROM, to: TO });
    expect(parseRange('2026-11-14', '2026-11-01')).toBeNull();
    expect(parseRange('1/11/2026', '2026-11-14')).toBeNull();
    expect(parseRange('2026-02-29', '2026-03-10')).toBeNull();
    expect(parseRange('2026-04-01', '2026-04-31')).toBeNull();
    expect(parseRange('2028-02-29', '2028-03-01')).not.toBeNull();
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('exports', () => {
  it('write cases with personal data and defuse formula-like cells', async () => {
    const rows = await exportRows(deps, 'cases', FROM, TO);
    const parsed = parse(toCsv(rows), { bom: true }) as string[][];
    expect(parsed[0]).toContain('national_id');
    expect(parsed).toHaveLength(6);
    const medical = parsed.find((row) => row.includes('medical'))!;
    expect(medical[parsed[0]!.indexOf('full_name')]).toBe('\'=HYPERLINK("http://evil.example","click")');
    expect(medical[parsed[0]!.indexOf('national_id')]).toBe('1000000008');
  });

  it('write complaints and surveys; every formula lead is defused', async () => {
    const complaints = parse(toCsv(await exportRows(deps, 'complaints', FROM, TO)), { bom: true }) as string[][];
    expect(complaints).toHaveLength(4);
    expect(complaints.some((row) => row.includes("'+1 لم يرد أحد"))).toBe(true);
    const surveys = parse(toCsv(await exportRows(deps, 'surveys', FROM, TO)), { bom: true }) as string[][];
    expect(
      surveys
        .slice(1)
        .map((row) => row[4])
        .sort(),
    ).toEqual(['2', '3', '4', '4', '5']);
    for (const lead of ['=', '+', '-', '@', '\t', '\r']) expect(safeCell(`${lead}x`)).toBe(`'${lead}x`);
    expect(safeCell('ordinary')).toBe('ordinary');
  });
});
