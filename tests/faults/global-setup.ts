/**
 * Starts the fault suite's report afresh and, at the end, stamps its duration against the
 * budget and prints the table (the JSON stays in .data/faults-report.json for CI to keep).
 */
import { rmSync } from 'node:fs';
import { LOG_DIR } from './harness/service.js';
import { BUDGET_MS, formatTable, readReport, SCRIPT_CACHE, writeReport } from './harness/report.js';

export default function setup(): () => void {
  const startedAt = Date.now();
  rmSync(SCRIPT_CACHE, { force: true });
  rmSync(LOG_DIR, { recursive: true, force: true });
  writeReport({ startedAt: new Date(startedAt).toISOString(), budgetMs: BUDGET_MS, cases: [] });
  return () => {
    const report = readReport();
    report.finishedAt = new Date().toISOString();
    report.durationMs = Date.now() - startedAt;
    report.withinBudget = report.durationMs <= BUDGET_MS;
    writeReport(report);
    process.stdout.write(`\nReliability under faults (${report.cases.length} cases)\n${formatTable(report)}\nreport: .data/faults-report.json\n\n`);
    // Over budget is reported; CI may make it fail the run.
    if (!report.withinBudget && process.env.FAULTS_STRICT_BUDGET === '1') process.exitCode = 1;
  };
}
