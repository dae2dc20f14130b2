import type { Translate } from '../engine/contract.js';
import type { Flow } from '../engine/flow-definition.js';
import type { Language } from '../engine/session.js';
import { displayAnswer } from '../engine/display.js';
import type { AuditLog } from '../models/audit-log.js';
import type { CaseRepository } from '../models/case-repository.js';
import type { Staff } from '../models/staff.js';
import { readableDate, readableDateTime } from '../core/calendar.js';
import { inDigitsOf, paperHeading } from './case-form.js';
import { meetingAgenda } from './case-queue.js';
import { agendaHtml, type AgendaPaper } from './form-html.js';
import type { PdfRenderer } from './pdf-renderer.js';

export interface AgendaPrintingDeps {
  cases: CaseRepository;
  audit: AuditLog;
  translate: Translate;
  /** The support-request flow, for the support type's name. */
  requestFlow: Flow;
  renderer: PdfRenderer;
  now?: () => Date;
}

export type PrintedAgenda = { ok: true; pdf: Buffer; filename: string; count: number } | { ok: false; reason: 'not_allowed' };

/**
 * `/agenda pdf`: the committee's agenda for a meeting as a PDF, in the member's language: every
 * case ready for decision (up to a hundred), the oldest promised date first, with its support
 * type, city, promised date, the researcher's recommendation and a flag where documents asked for
 * never came, and a blank column to write each decision in. The committee's and administrators';
 * audited (`agenda.printed`) before it is drawn; never stored.
 */
export async function printAgenda(deps: AgendaPrintingDeps, member: Staff, lang: Language): Promise<PrintedAgenda> {
  const now = deps.now?.() ?? new Date();
  const agenda = await meetingAgenda(deps.cases, member, now);
  if (!agenda.ok) return agenda;
  await deps.audit.record({
    at: now,
    actor: { kind: 'staff', id: member.id, name: member.name },
    action: 'agenda.printed',
    target: { kind: 'agenda', id: now.toISOString().slice(0, 10) },
    details: { lang, cases: agenda.lines.length },
  });
  const t = (key: string, params?: Record<string, string | number>) => deps.translate(lang, key, params);
  const paper: AgendaPaper = {
    lang,
    heading: paperHeading(t, t('form.agenda.title')),
    intro: [
      t('form.agenda.intro', { date: readableDate(now, lang), count: agenda.total }),
      ...(agenda.total > agenda.lines.length ? [t('form.agenda.cut', { shown: agenda.lines.length })] : []),
    ].join(' '),
    table: {
      columns: ['number', 'reference', 'support', 'city', 'promise', 'recommendation', 'decision'].map((c) => t(`form.agenda.column.${c}`)),
      rows: agenda.lines.map((line, i) => [
        inDigitsOf(String(i + 1), lang),
        line.reference,
        displayAnswer(deps.requestFlow, 'support_type', line.supportType, lang, deps.translate) || '—',
        line.city || '—',
        readableDate(line.expectedBy, lang),
        [
          t(`form.agenda.recommendation.${line.recommendation.outcome}`, { detail: line.recommendation.detail, by: line.recommendation.by }),
          ...(line.documentsMissing ? [t('form.agenda.missing')] : []),
        ].join('\n'),
        '',
      ]),
    },
    none: t('staff.agenda.empty'),
    printed: t('form.printed', { at: readableDateTime(now, lang), by: member.name }),
  };
  const pdf = await deps.renderer.render(agendaHtml(paper), { label: paper.heading.title, dir: lang === 'ar' ? 'rtl' : 'ltr' });
  return { ok: true, pdf, filename: `agenda-${now.toISOString().slice(0, 10)}.pdf`, count: agenda.lines.length };
}
