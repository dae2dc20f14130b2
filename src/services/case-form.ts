import type { Translate } from '../engine/contract.js';
import { SENT_LATER, type Flow } from '../engine/flow-definition.js';
import type { AnswerValue, Language } from '../engine/session.js';
import { answerLabelKey, displayAnswer, listOf } from '../engine/display.js';
import type { CaseRecord } from '../models/case-repository.js';
import type { DocumentMeta } from '../models/document-store.js';
import { readableDate, readableDateTime } from '../core/calendar.js';

/** A label and its value, as one line of the form. */
export interface FormRow {
  label: string;
  value: string;
}

/** A table of the form: its column titles and rows. */
export interface FormTable {
  columns: string[];
  rows: string[][];
}

/**
 * The association's support request form (طلب دعم مستفيد), filled in for one case, in one
 * language: what the paper file holds. Built here from the case; drawn by form-html.ts.
 */
export interface CaseForm {
  lang: Language;
  heading: { country: string; association: string; registration: string; title: string };
  /** Reference, status, channel, dates, researcher. */
  facts: FormRow[];
  /** Set when the case's personal data was erased or anonymised: the form says so and shows none. */
  erased: string | null;
  sections: { title: string; rows: FormRow[] }[];
  family: { title: string; table: FormTable } | null;
  documents: { title: string; table: FormTable; none: string };
  declaration: { title: string; words: string; signed: string; hash: string };
  study: { title: string; lines: string[] };
  decision: { title: string; lines: string[] };
  history: { title: string; table: FormTable };
  signatures: { title: string; lines: string[] };
  printed: string;
}

/** The form's sections: the request's questions in the order of the paper form. */
const SECTIONS: readonly { key: string; steps: readonly string[] }[] = [
  { key: 'applicant', steps: ['for_whom', 'relationship', 'full_name', 'national_id', 'mobile', 'city', 'district', 'marital_status'] },
  { key: 'household', steps: ['family_count'] },
  { key: 'income', steps: ['monthly_income', 'income_sources', 'housing', 'monthly_rent'] },
  { key: 'need', steps: ['support_type', 'description'] },
];
/** Answers shown as the family table. */
const AGES_STEP = 'dependants_ages';
/** Validators whose answers are counts and amounts: written with the digits of the form's language. */
const NUMERIC_VALIDATORS = new Set(['count', 'amount', 'age_list']);

export interface CaseFormInput {
  record: CaseRecord;
  /** The support-request flow the case was filed with, for labels and answer names. */
  flow: Flow;
  translate: Translate;
  lang: Language;
  /** The stored documents' descriptions (no content), by id; a missing one is shown as missing. */
  documents: ReadonlyMap<string, DocumentMeta>;
  /** When the form is printed, and by whom: on every copy. */
  printedAt: Date;
  printedBy: string;
}

/** Fills in the form for a case; nothing personal when the case was anonymised. */
export function buildCaseForm(input: CaseFormInput): CaseForm {
  const { record, flow, lang } = input;
  const t = (key: string, params?: Record<string, string | number>) => input.translate(lang, key, params);
  const show = (stepId: string) => {
    const value = record.answers[stepId] as AnswerValue | undefined;
    const shown = displayAnswer(flow, stepId, value, lang, input.translate);
    const spec = flow.steps[stepId];
    const numeric = spec?.kind === 'question' && spec.answer.type === 'validated' && NUMERIC_VALIDATORS.has(spec.answer.validator);
    return numeric ? inDigitsOf(shown, lang) : shown;
  };
  const label = (stepId: string) => t(answerLabelKey(flow, stepId)).split('\n')[0]!;
  const answered = (stepId: string) => record.answers[stepId] !== undefined && record.answers[stepId] !== null;
  const placed = new Set([...SECTIONS.flatMap((s) => s.steps), AGES_STEP]);
  const documentSteps = Object.keys(flow.steps).filter((id) => flow.steps[id]?.kind === 'question' && isDocumentStep(flow, id));
  const others = Object.keys(record.answers).filter((id) => !placed.has(id) && !documentSteps.includes(id) && flow.steps[id]);
  const sections = record.anonymised
    ? []
    : [
        ...SECTIONS.map((s) => ({ title: t(`form.section.${s.key}`), rows: s.steps.filter(answered).map((id) => ({ label: label(id), value: show(id) })) })),
        ...(others.length > 0 ? [{ title: t('form.section.other'), rows: others.map((id) => ({ label: label(id), value: show(id) })) }] : []),
      ].filter((s) => s.rows.length > 0);
  const ages = Array.isArray(record.answers[AGES_STEP]) ? (record.answers[AGES_STEP] as unknown[]) : [];
  const family =
    record.anonymised || ages.length === 0
      ? null
      : {
          title: t('form.family.title'),
          table: {
            columns: [t('form.family.number'), t('form.family.age')],
            rows: ages.map((age, i) => [inDigitsOf(String(i + 1), lang), inDigitsOf(String(age), lang)]),
          },
        };
  return {
    lang,
    heading: paperHeading(t, t('form.title')),
    facts: [
      { label: t('form.reference'), value: record.reference },
      { label: t('form.status'), value: capitalised(t(`caseStatus.${record.status}`)) },
      { label: t('form.channel'), value: t(`channel.${record.channel}`) },
      { label: t('form.submittedAt'), value: readableDate(record.submittedAt, lang) },
      { label: t('form.expectedBy'), value: readableDate(record.expectedBy, lang) },
      { label: t('form.researcher'), value: record.assignee?.name ?? '—' },
    ],
    erased: record.anonymised ? t(`form.erased.${record.anonymised.because}`, { at: readableDate(record.anonymised.at, lang) }) : null,
    sections,
    family,
    documents: documentTable(input, documentSteps, t, label),
    declaration: {
      title: t('form.section.declaration'),
      // The exact words the person signed, in the language they signed them in.
      words: input.translate(record.lang, flowDeclarationKey(flow)),
      signed: t('form.declaration.signed', {
        at: readableDateTime(record.declaration.acceptedAt, lang),
        channel: t(`channel.${record.declaration.channel || record.channel}`),
        version: record.declaration.version,
      }),
      hash: record.declaration.answersHash ? t('form.declaration.hash', { hash: record.declaration.answersHash }) : t('form.declaration.noHash'),
    },
    study: { title: t('form.section.study'), lines: record.anonymised ? [] : studyLines(record, t, lang) },
    decision: { title: t('form.section.decision'), lines: decisionLines(record, t, lang) },
    history: {
      title: t('form.section.history'),
      table: {
        columns: [t('form.history.at'), t('form.history.status'), t('form.history.by'), t('form.history.reason')],
        rows: record.history.map((move) => [
          readableDateTime(move.at, lang),
          t(`caseStatus.${move.to}`),
          move.by.name ?? t(`staff.case.actor.${move.by.kind}`),
          record.anonymised ? '' : (move.reason ?? ''),
        ]),
      },
    },
    signatures: {
      title: t('form.section.signatures'),
      lines: ['applicant', 'researcher', 'committee', 'chair'].map((who) => t(`form.signature.${who}`)),
    },
    printed: t('form.printed', { at: readableDateTime(input.printedAt, lang), by: input.printedBy }),
  };
}

function documentTable(
  input: CaseFormInput,
  steps: readonly string[],
  t: (key: string, params?: Record<string, string | number>) => string,
  label: (stepId: string) => string,
): CaseForm['documents'] {
  const { record, lang } = input;
  const rows: string[][] = [];
  const row = (kind: string, id: string) => {
    const meta = input.documents.get(id);
    rows.push(
      meta
        ? [kind, t(`form.documents.type.${meta.kind}`), inDigitsOf(readableSize(meta.size), lang), readableDate(meta.createdAt, lang)]
        : [kind, t('form.documents.missing'), '—', '—'],
    );
  };
  if (!record.anonymised) {
    for (const stepId of steps) {
      const ids = record.answers[stepId];
      if (Array.isArray(ids)) for (const id of ids) row(label(stepId), String(id));
      // Still owed; once files came they are the rows "sent after the request was submitted" below.
      else if (ids === SENT_LATER && record.documentsLater.includes(stepId)) rows.push([label(stepId), t('review.later'), '—', '—']);
    }
    for (const addition of record.additions) for (const id of addition.documentIds) row(t('form.documents.added'), id);
  }
  return {
    title: t('form.section.documents'),
    table: { columns: [t('form.documents.kind'), t('form.documents.type'), t('form.documents.size'), t('form.documents.date')], rows },
    none: t('form.documents.none'),
  };
}

function studyLines(record: CaseRecord, t: (key: string, params?: Record<string, string | number>) => string, lang: Language): string[] {
  const r = record.recommendation;
  const lines = r
    ? [
        t(`staff.recommendation.${r.outcome}`, { by: r.by, at: readableDate(r.at, lang), detail: r.detail }),
        t('staff.recommendation.visitNote', { text: r.visitNote }),
      ]
    : [t('staff.recommendation.none')];
  if (record.infoRequest)
    lines.push(
      t('staff.case.infoRequest', {
        at: readableDateTime(record.infoRequest.at, lang),
        items:
          listOf(
            record.infoRequest.items.map((i) => t(`info.item.${i}`)),
            lang,
          ) || '—',
        note: record.infoRequest.note || '—',
      }),
    );
  for (const a of record.additions)
    lines.push(t('staff.case.addition', { at: readableDateTime(a.at, lang), text: a.text || '—', files: a.documentIds.length }));
  if (record.earlierNotes) lines.push(t('staff.recommendation.earlierNotes', { text: record.earlierNotes }));
  return lines;
}

function decisionLines(record: CaseRecord, t: (key: string, params?: Record<string, string | number>) => string, lang: Language): string[] {
  const d = record.decision;
  if (!d) return [t('form.decision.none')];
  const by = d.by.name ?? t(`staff.case.actor.${d.by.kind}`);
  const words = d.outcome === 'approved' ? d.supportGranted : d.reason;
  return [
    t(`form.decision.${d.outcome}`, { by, at: readableDateTime(d.at, lang) }),
    ...(words ? [t(`form.decision.words.${d.outcome}`, { text: words })] : []),
  ];
}

/** The declaration step's text key (the flow names it, so a new version of the words is printed as signed). */
function flowDeclarationKey(flow: Flow): string {
  const step = Object.values(flow.steps).find((s) => s.kind === 'declaration');
  return step && 'prompt' in step && typeof step.prompt === 'string' ? step.prompt : 'declaration.text';
}

function isDocumentStep(flow: Flow, stepId: string): boolean {
  const step = flow.steps[stepId];
  return step?.kind === 'question' && step.answer.type === 'document';
}

/** A size in kB or MB, to one decimal. */
function readableSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

/** The association's heading on its paper (the form, the agenda). */
export function paperHeading(t: (key: string) => string, title: string): CaseForm['heading'] {
  return { country: t('form.country'), association: capitalised(t('association.name')), registration: t('form.registration'), title };
}

/** A heading's first letter in capitals (the English texts are written for the middle of a sentence). */
function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Western digits as Arabic-Indic ones in an Arabic form, as the association writes its figures. */
export function inDigitsOf(text: string, lang: Language): string {
  return lang === 'ar' ? text.replace(/[0-9]/g, (d) => '٠١٢٣٤٥٦٧٨٩'[Number(d)]!) : text;
}
