import type { CaseRepository } from '../models/case-repository.js';
import type { RecordRepository } from '../models/record-repository.js';
import type { ReferralRepository } from '../models/referral-repository.js';
import type { SurveyRepository } from '../models/survey-repository.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** The figures an administrator reads for a period: requests, decisions and their speed, the clock, satisfaction, referrals, complaints. */
export interface Report {
  from: Date;
  to: Date;
  requests: { total: number; byStatus: Record<string, number>; bySupportType: Record<string, number> };
  /** Days from submission to the committee's decision, for the cases of the period decided by `to`. */
  timeToDecision: { decided: number; medianDays: number | null; p90Days: number | null };
  /** Undecided cases past their promised date, now. */
  pastDeadline: number;
  satisfaction: { answers: number; average: number | null; distribution: Record<'1' | '2' | '3' | '4' | '5', number>; comments: string[] };
  referrals: { opened: number; taken: number };
  feedback: { suggestions: number; complaints: number; answered: number };
  volunteers: number;
  /** Week by week (weeks starting at `from`): requests submitted, decisions made, average rating. */
  weeks: { start: Date; requests: number; decisions: number; satisfaction: number | null }[];
}

export interface ReportDeps {
  cases: CaseRepository;
  surveys: SurveyRepository;
  referrals: ReferralRepository;
  records: RecordRepository;
}

/** Builds the report for [from, to) from MongoDB. */
export async function buildReport(deps: ReportDeps, from: Date, to: Date, now: Date): Promise<Report> {
  const cases = await deps.cases.submittedBetween(from, to);
  const surveys = await deps.surveys.answeredBetween(from, to);
  const records = await deps.records.createdBetween(from, to);
  const decided = cases.filter((c) => c.decision && c.decision.at < to);
  const days = decided.map((c) => (c.decision!.at.getTime() - c.submittedAt.getTime()) / DAY).sort((a, b) => a - b);
  const ratings = surveys.map((s) => s.rating).filter((r): r is number => r !== null);
  const feedback = records.filter((r) => r.kind === 'feedback');
  const weeks: Report['weeks'] = [];
  for (let start = from.getTime(); start < to.getTime(); start += WEEK) {
    const end = Math.min(start + WEEK, to.getTime());
    const inWeek = (at: Date) => at.getTime() >= start && at.getTime() < end;
    const weekRatings = surveys.filter((s) => s.answeredAt && inWeek(s.answeredAt) && s.rating !== null).map((s) => s.rating!);
    weeks.push({
      start: new Date(start),
      requests: cases.filter((c) => inWeek(c.submittedAt)).length,
      decisions: cases.filter((c) => c.decision && inWeek(c.decision.at)).length,
      satisfaction: weekRatings.length > 0 ? round(mean(weekRatings)) : null,
    });
  }
  return {
    from,
    to,
    requests: { total: cases.length, byStatus: countBy(cases.map((c) => c.status)), bySupportType: countBy(cases.map((c) => c.supportType)) },
    timeToDecision: { decided: days.length, medianDays: percentile(days, 0.5), p90Days: percentile(days, 0.9) },
    pastDeadline: await deps.cases.pastDeadline(now),
    satisfaction: {
      answers: ratings.length,
      average: ratings.length > 0 ? round(mean(ratings)) : null,
      distribution: { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0, ...countBy(ratings.map(String)) },
      comments: surveys.map((s) => s.comment).filter((c): c is string => Boolean(c)),
    },
    referrals: await deps.referrals.countBetween(from, to),
    feedback: {
      suggestions: feedback.filter((r) => r.answers.feedback_kind === 'suggestion').length,
      complaints: feedback.filter((r) => r.answers.feedback_kind === 'complaint').length,
      answered: feedback.filter((r) => r.status === 'answered').length,
    },
    volunteers: records.filter((r) => r.kind === 'volunteer').length,
    weeks,
  };
}

/** The nearest-rank percentile of sorted values, in days with one decimal; null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return round(sorted[rank - 1]!);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** `YYYY-MM-DD YYYY-MM-DD` in Saudi time, the second day included; null when unreadable or reversed. */
export function parseRange(from: string | undefined, to: string | undefined): { from: Date; to: Date } | null {
  const day = (text: string | undefined) => {
    if (!text || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
    const date = new Date(`${text}T00:00:00+03:00`);
    // JavaScript rolls 2026-02-30 over to 2 March: a date that does not read back as typed does not exist.
    return !Number.isNaN(date.getTime()) && new Date(date.getTime() + 3 * 3_600_000).toISOString().slice(0, 10) === text ? date : null;
  };
  const start = day(from);
  const end = day(to);
  if (!start || !end || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start) return null;
  return { from: start, to: new Date(end.getTime() + 86_400_000) };
}
