import { stringify } from 'csv-stringify/sync';
import type { CaseRepository } from '../models/case-repository.js';
import type { RecordRepository } from '../models/record-repository.js';
import type { SurveyRepository } from '../models/survey-repository.js';
import type { AuditActor, AuditLog } from '../models/audit-log.js';

/** What can be exported. */
export const EXPORT_KINDS = ['cases', 'surveys', 'complaints'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface ExportDeps {
  cases: CaseRepository;
  surveys: SurveyRepository;
  records: RecordRepository;
}

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return at
 * the start: CSV injection) is prefixed with an apostrophe, so it is shown as text.
 */
export function safeCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** The rows of an export for [from, to), header first. Personal data: the caller checks the role and audits. */
export async function exportRows(deps: ExportDeps, kind: ExportKind, from: Date, to: Date): Promise<string[][]> {
  switch (kind) {
    case 'cases': {
      const rows = (await deps.cases.submittedBetween(from, to)).map((c) => [
        c.reference,
        c.status,
        c.channel,
        c.supportType,
        c.city,
        c.answers.full_name,
        c.answers.national_id,
        c.answers.mobile,
        c.submittedAt,
        c.expectedBy,
        c.decision?.outcome,
        c.decision?.at,
        c.decision?.reason ?? c.decision?.supportGranted,
      ]);
      return [
        [
          'reference',
          'status',
          'channel',
          'support_type',
          'city',
          'full_name',
          'national_id',
          'mobile',
          'submitted_at',
          'expected_by',
          'decision',
          'decided_at',
          'decision_text',
        ],
        ...rows.map((r) => r.map(safeCell)),
      ];
    }
    case 'surveys': {
      const rows = (await deps.surveys.answeredBetween(from, to)).map((s) => [s.id, s.occasion, s.reference, s.channel, s.rating, s.comment, s.answeredAt]);
      return [['survey', 'occasion', 'reference', 'channel', 'rating', 'comment', 'answered_at'], ...rows.map((r) => r.map(safeCell))];
    }
    case 'complaints': {
      const rows = (await deps.records.createdBetween(from, to))
        .filter((r) => r.kind === 'feedback')
        .map((r) => [r.reference, r.answers.feedback_kind, r.channel, r.answers.feedback_text, r.status, r.createdAt, r.answer?.text, r.answer?.at]);
      return [['reference', 'kind', 'channel', 'text', 'status', 'created_at', 'answer', 'answered_at'], ...rows.map((r) => r.map(safeCell))];
    }
  }
}

/** Rows as CSV (RFC 4180 quoting by csv-stringify), with a byte-order mark so spreadsheets read Arabic as UTF-8. */
export function toCsv(rows: string[][]): string {
  return `\uFEFF${stringify(rows)}`;
}

/**
 * An export of personal data as a CSV, and the audit entry that every such export leaves:
 * who took it, which kind, which days, how many rows, and from where (the command line or
 * Telegram). `dates` are the days as the person typed them.
 */
export async function exportAudited(
  deps: ExportDeps & { audit: AuditLog },
  request: { kind: ExportKind; from: Date; to: Date; dates: { from: string; to: string }; actor: AuditActor; via: 'cli' | 'telegram' },
): Promise<{ csv: string; rows: number }> {
  const rows = await exportRows(deps, request.kind, request.from, request.to);
  await deps.audit.record({
    at: new Date(),
    actor: request.actor,
    action: 'data.exported',
    target: { kind: 'export', id: request.kind },
    details: { ...request.dates, rows: rows.length - 1, via: request.via },
  });
  return { csv: toCsv(rows), rows: rows.length - 1 };
}
