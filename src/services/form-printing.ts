import type { Translate } from '../engine/contract.js';
import type { Flow } from '../engine/flow-definition.js';
import type { Language } from '../engine/session.js';
import type { AuditLog } from '../models/audit-log.js';
import type { CaseRecord, CaseRepository } from '../models/case-repository.js';
import type { Actor } from '../models/case-states.js';
import type { DocumentMeta, DocumentStore } from '../models/document-store.js';
import type { Staff } from '../models/staff.js';
import { buildCaseForm } from './case-form.js';
import { formHtml } from './form-html.js';
import type { PdfRenderer } from './pdf-renderer.js';
import { may } from './staff-permissions.js';

export interface FormPrintingDeps {
  cases: Pick<CaseRepository, 'get' | 'findByReference'>;
  documents: Pick<DocumentStore, 'meta'>;
  audit: AuditLog;
  translate: Translate;
  /** The support-request flow, for the answers' labels. */
  requestFlow: Flow;
  renderer: PdfRenderer;
  now?: () => Date;
}

/** Who asks for a form: a staff member on Telegram, or the operator at the command line. */
export type FormReader = { staff: Staff } | { operator: string };

export type PrintedForm = { ok: true; pdf: Buffer; reference: string; filename: string } | { ok: false; reason: 'not_found' | 'not_allowed' };

/** Whether a member may print a case's form: the committee, administrators, and the researcher holding the case. */
export function mayPrintForm(member: Staff, record: Pick<CaseRecord, 'assignee'>): boolean {
  return may(member, 'decide') || may(member, 'administer') || (may(member, 'study') && record.assignee?.id === member.id);
}

/**
 * The support request form of a case as a PDF, for the association's paper file: checked
 * (who may), audited (`case.form_printed`, before anything is drawn: a form that holds personal
 * data is never made unrecorded), then filled in and rendered in memory. Nothing is stored:
 * the caller sends it or writes it where the operator said.
 */
export async function printCaseForm(
  deps: FormPrintingDeps,
  which: { caseId: string } | { reference: string },
  reader: FormReader,
  lang: Language,
  via: 'telegram' | 'cli',
): Promise<PrintedForm> {
  const record = 'caseId' in which ? await deps.cases.get(which.caseId) : await deps.cases.findByReference(which.reference);
  if (!record) return { ok: false, reason: 'not_found' };
  if ('staff' in reader && !mayPrintForm(reader.staff, record)) return { ok: false, reason: 'not_allowed' };
  const at = deps.now?.() ?? new Date();
  const actor: Actor =
    'staff' in reader ? { kind: 'staff', id: reader.staff.id, name: reader.staff.name } : { kind: 'operator', id: reader.operator, name: reader.operator };
  await deps.audit.record({ at, actor, action: 'case.form_printed', target: { kind: 'case', id: record.id }, details: { via, lang } });
  const documents = new Map<string, DocumentMeta>();
  for (const id of [...record.documentIds, ...record.additions.flatMap((a) => a.documentIds)]) {
    const meta = await deps.documents.meta(id);
    if (meta) documents.set(id, meta);
  }
  const form = buildCaseForm({ record, flow: deps.requestFlow, translate: deps.translate, lang, documents, printedAt: at, printedBy: actor.name ?? actor.id });
  const pdf = await deps.renderer.render(formHtml(form), { label: `${form.heading.title} · ${record.reference}`, dir: lang === 'ar' ? 'rtl' : 'ltr' });
  return { ok: true, pdf, reference: record.reference, filename: `${record.reference}-form.pdf` };
}
