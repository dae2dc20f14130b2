/**
 * Starts the fault suite's report afresh, sizes the load to the machine (unless FAULTS_SCALE
 * says), and at the end stamps the duration against the budget and prints the table (the JSON
 * stays in .data/faults-report.json for CI to keep).
 */
import { rmSync } from 'node:fs';
import { LOG_DIR } from './harness/service.js';
import { calibrate } from './harness/calibrate.js';
import { BUDGET_MS, formatTable, readReport, SCRIPT_CACHE, writeReport } from './harness/report.js';

export default function setup(): () => void {
  const startedAt = Date.now();
  rmSync(SCRIPT_CACHE, { force: true });
  rmSync(LOG_DIR, { recursive: true, force: true });
  // Set before the test processes start, which inherit it (`scaled` reads it).
  const sizing = process.env.FAULTS_SCALE === undefined ? calibrate() : { probeMs: undefined, scale: Number(process.env.FAULTS_SCALE) };
  process.env.FAULTS_SCALE = String(sizing.scale);
  writeReport({ startedAt: new Date(startedAt).toISOString(), budgetMs: BUDGET_MS, scale: sizing.scale, probeMs: sizing.probeMs, cases: [] });
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
