import type { Report } from './reports.js';

/** Renders a message key (the staff's language is chosen by the caller). */
type T = (key: string, params?: Record<string, string | number>) => string;

/** The report as a message, every figure labelled in words; nothing personal but the comments people chose to write. */
export function formatReport(report: Report, t: T, dates: { from: string; to: string }): string {
  const list = (counts: Record<string, number>, label: (key: string) => string) =>
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([key, count]) => `  • ${label(key)}: ${count}`)
      .join('\n') || '  —';
  const dash = (value: number | null) => (value === null ? '—' : String(value));
  const { satisfaction: s } = report;
  return [
    t('report.header', dates),
    '',
    t('report.requests', { total: report.requests.total }),
    list(report.requests.byStatus, (status) => t(`caseStatus.${status}`)),
    t('report.bySupportType'),
    list(report.requests.bySupportType, (type) => t(`opt.support.${type}`)),
    '',
    t('report.timeToDecision', {
      decided: report.timeToDecision.decided,
      median: dash(report.timeToDecision.medianDays),
      p90: dash(report.timeToDecision.p90Days),
    }),
    t('report.pastDeadline', { count: report.pastDeadline }),
    '',
    t('report.satisfaction', {
      answers: s.answers,
      average: dash(s.average),
      five: s.distribution['5'],
      four: s.distribution['4'],
      three: s.distribution['3'],
      two: s.distribution['2'],
      one: s.distribution['1'],
    }),
    ...(s.comments.length > 0 ? [t('report.comments'), ...s.comments.slice(0, 20).map((c) => `  «${c.slice(0, 200)}»`)] : []),
    '',
    t('report.referrals', report.referrals),
    t('report.feedback', report.feedback),
    t('report.volunteers', { count: report.volunteers }),
  ].join('\n');
}
