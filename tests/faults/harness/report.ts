/**
 * The fault suite's report: each case adds its figures to `.data/faults-report.json` (cases
 * run one after another, so a read-modify-write is safe); the global teardown prints the table.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tally } from './ledger.js';
import type { JobCounts } from './jobs.js';
import { SIZED_ON_MS } from './calibrate.js';

export const REPORT_PATH = fileURLToPath(new URL('../../../.data/faults-report.json', import.meta.url));

/** Where the first case of a run keeps the replies it learnt for the others (the global setup removes it). */
export const SCRIPT_CACHE = fileURLToPath(new URL('../../../.data/faults-script.json', import.meta.url));

/** The time the whole suite is allowed on CI's 2-core machines. */
export const BUDGET_MS = 240_000;

/** One case's entry in the report. */
export interface CaseEntry {
  case: string;
  title: string;
  passed: boolean;
  durationMs: number;
  /** The faults injected, in words and numbers. */
  faults: Record<string, number>;
  /** The invariants' counts (absent for a case that checks something else, see `figures`). */
  tally?: Tally;
  /** A case's own figures (due times re-armed, ...). */
  figures?: Record<string, number>;
  /** What the duplicate sends are bounded by in this case (kills that landed mid-send, answers dropped after the send...). */
  duplicateBound: number;
  /** BullMQ jobs of the case, by event (from the queues' event streams). */
  jobs?: JobCounts;
  /** Warnings and errors the service logged, by message. */
  logged: Record<string, number>;
  violations: string[];
  notes: string[];
}

/** The whole report file. */
export interface Report {
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  budgetMs: number;
  withinBudget?: boolean;
  /** The load's scale (1: the crowd the cases were written for) and, when measured, the machine probe behind it. */
  scale?: number;
  probeMs?: number;
  cases: CaseEntry[];
}

export function readReport(): Report {
  try {
    return JSON.parse(readFileSync(REPORT_PATH, 'utf8')) as Report;
  } catch {
    return { startedAt: new Date().toISOString(), budgetMs: BUDGET_MS, cases: [] };
  }
}

export function writeReport(report: Report): void {
  mkdirSync(dirname(REPORT_PATH), { recursive: true });
  writeFileSync(REPORT_PATH, `${JSON.stringify(report, null, 2)}\n`);
}

/** Adds (or replaces) a case's entry. */
export function recordCase(entry: CaseEntry): void {
  const report = readReport();
  report.cases = [...report.cases.filter((c) => c.case !== entry.case), entry];
  writeReport(report);
}

/** The summary table, one row per case. */
export function formatTable(report: Report): string {
  const header = ['case', 'faults', 'inbound', 'lost', 'twice', 'replies', 'delivered', 'dup sends', 'bound', 'cases', 'dup cases', 'jobs', 'time', 'ok'];
  const rows = report.cases.map((c) => {
    const t = c.tally;
    const n = (value: number | undefined) => (value === undefined ? '-' : String(value));
    return [
      c.case,
      Object.entries(c.faults)
        .map(([k, v]) => `${v} ${k}`)
        .join(', '),
      n(t?.inbound),
      n(t ? t.lost + t.stuck : undefined),
      n(t?.handledTwice),
      n(t?.replies),
      n(t?.delivered),
      n(t ? t.duplicateSends + t.duplicateAlerts : undefined),
      t ? String(c.duplicateBound) : '-',
      t ? `${t.casesCreated}/${t.casesExpected}` : '-',
      n(t?.duplicateCases),
      c.jobs ? String(c.jobs.completed) : '-',
      `${(c.durationMs / 1000).toFixed(1)}s`,
      c.passed ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ');
  const sizing =
    report.scale !== undefined
      ? `; load scale ${report.scale}${report.probeMs !== undefined ? ` (machine probe ${report.probeMs} ms against ${SIZED_ON_MS} ms for scale 1)` : ' (FAULTS_SCALE)'}`
      : '';
  const total =
    report.durationMs !== undefined
      ? `\nsuite: ${(report.durationMs / 1000).toFixed(1)} s of a ${(report.budgetMs / 1000).toFixed(0)} s budget${report.withinBudget ? '' : ' — OVER BUDGET'}${sizing}`
      : '';
  // Cases that count something else than messages (staff acts, due times) show their own figures under the table.
  const figures = report.cases
    .filter((c) => c.figures)
    .map(
      (c) =>
        `${c.case}: ${Object.entries(c.figures!)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
    );
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line), ...figures].join('\n') + total;
}

/**
 * Runs a case's body; when it fails before recording its figures (a time-out, a fault that
 * could not be injected), records the case as failed with the reason, so the table and the
 * JSON never leave a case out.
 */
export async function reported(name: string, title: string, body: () => Promise<void>): Promise<void> {
  const startedAt = Date.now();
  try {
    await body();
  } catch (error) {
    if (!readReport().cases.some((c) => c.case === name)) {
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 500);
      recordCase({
        case: name,
        title,
        passed: false,
        durationMs: Date.now() - startedAt,
        faults: {},
        duplicateBound: 0,
        logged: {},
        violations: [reason],
        notes: [],
      });
    }
    throw error;
  }
}
