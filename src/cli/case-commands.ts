import type { AuditLog } from '../models/audit-log.js';
import type { CaseListItem, CaseRepository } from '../models/case-repository.js';
import type { CaseStatus } from '../models/case-states.js';
import type { CommandOutput } from './output.js';

/** The most cases one `cases list` shows; a bounded read keeps FerretDB's in-memory sort cheap. */
export const MAX_CASE_LIST = 500;

/** What the case commands need: the cases, the audit log, where to write, and who is at the keyboard. */
export interface CaseCommandDeps {
  cases: Pick<CaseRepository, 'list'>;
  audit: AuditLog;
  out: CommandOutput;
  /** The operator's name (`--operator`), recorded as the actor of every entry. */
  operator: string;
  /** The clock for audit entries; tests may fix it. */
  now?: () => Date;
}

/**
 * `cases list`: the newest cases, optionally in one status, recorded as `cases.listed`.
 *
 * Shows only what {@link CaseListItem} holds — reference, status, channel, support
 * type, city and dates — never a beneficiary's personal answers.
 */
export async function listCases(deps: CaseCommandDeps, filter: { status?: CaseStatus; limit: number }): Promise<CaseListItem[]> {
  const items = await deps.cases.list(filter);
  // Recorded before anything is shown: a read that cannot be audited shows nothing.
  await deps.audit.record({
    at: (deps.now ?? (() => new Date()))(),
    actor: { kind: 'operator', id: deps.operator, name: deps.operator },
    action: 'cases.listed',
    target: { kind: 'case', id: filter.status ?? 'all' },
    details: { status: filter.status ?? null, limit: filter.limit, count: items.length },
  });
  deps.out.table(
    ['REFERENCE', 'STATUS', 'CHANNEL', 'SUPPORT', 'CITY', 'SUBMITTED', 'EXPECTED BY'],
    items.map((c) => [c.reference, c.status, c.channel, c.supportType, c.city, c.submittedAt, c.expectedBy]),
    items,
    filter.status ? `No cases with status ${filter.status}.` : 'No cases.',
  );
  return items;
}
