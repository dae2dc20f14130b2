/**
 * `npm run form:samples`: the support request form of a made-up case (no real person), printed
 * by the service's own code in Arabic and in English and turned into page images with poppler's
 * pdftoppm, for docs/telegram.md. Run it after changing the form; the images show what the
 * committee's paper file will hold.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFlowCatalog } from '../src/flows/catalog.js';
import { createTranslator, loadCatalogues } from '../src/i18n/translator.js';
import type { CaseRecord } from '../src/models/case-repository.js';
import type { DocumentMeta } from '../src/models/document-store.js';
import { buildCaseForm } from '../src/services/case-form.js';
import { formHtml } from '../src/services/form-html.js';
import { PdfRenderer } from '../src/services/pdf-renderer.js';

const at = (iso: string) => new Date(iso);
const submitted = at('2026-12-01T09:30:00Z');
const sara = { kind: 'staff' as const, id: 'stf_sample0001', name: 'سارة الباحثة' };
const khalid = { kind: 'staff' as const, id: 'stf_sample0002', name: 'خالد العضو' };
const record: CaseRecord = {
  id: 'case_000000000000000000000001',
  reference: 'SR-7K2M-Q9TD',
  status: 'approved',
  channel: 'whatsapp',
  chatKey: 'sample',
  lang: 'ar',
  nationalIdHash: 'sample',
  supportType: 'rent',
  city: 'نمران',
  answers: {
    for_whom: 'self',
    full_name: 'فاطمة علي الزهراني',
    national_id: '1000000008',
    mobile: '+966559876543',
    city: 'نمران',
    district: 'الصفا',
    marital_status: 'widowed',
    family_count: 12,
    dependants_ages: [17, 15, 14, 12, 11, 9, 8, 6, 4, 2, 1],
    monthly_income: 1800,
    income_sources: ['social_security', 'charity'],
    housing: 'rented',
    monthly_rent: 1500,
    support_type: 'rent',
    description:
      'توفي زوجي قبل سنة، وأعول أحد عشر ولدًا، ودخلي من الضمان الاجتماعي لا يكفي الإيجار. تأخرت في سداد إيجار الشقة ثلاثة أشهر، وأنذرني المالك بالإخلاء نهاية الشهر.',
    doc_id: ['doc_1'],
    doc_lease: ['doc_2'],
  },
  documentIds: ['doc_1', 'doc_2'],
  declaration: { version: 'declaration-2026-1', acceptedAt: submitted, channel: 'whatsapp', messageId: 'sample', answersHash: 'a3f19c'.repeat(10) + 'b2d4' },
  flow: { id: 'support_request', version: 1 },
  submittedAt: submitted,
  expectedBy: at('2026-12-15T09:30:00Z'),
  decision: { outcome: 'approved', by: khalid, at: at('2026-12-06T11:00:00Z'), supportGranted: 'سداد إيجار ثلاثة أشهر (٤٥٠٠ ريال)' },
  assignee: { id: sara.id, name: sara.name },
  alert: null,
  history: [
    { from: null, to: 'submitted', at: submitted, by: { kind: 'beneficiary', id: 'sample' } },
    { from: 'submitted', to: 'in_review', at: at('2026-12-02T08:00:00Z'), by: sara, reason: 'claimed for study' },
    { from: 'in_review', to: 'approved', at: at('2026-12-06T11:00:00Z'), by: khalid },
  ],
  infoRequest: null,
  additions: [],
  notes: [],
  earlierNotes: '',
  recommendation: {
    outcome: 'approve',
    detail: 'سداد إيجار ثلاثة أشهر',
    visitNote: 'زرت الأسرة يوم الأحد: الشقة مستأجرة والعقد ساري، والمتأخرات كما ذُكرت، والأولاد في المدارس.',
    by: sara.name,
    at: at('2026-12-04T10:00:00Z'),
  },
  owed: [],
  anonymised: null,
  documentsLater: [],
};
const documents = new Map<string, DocumentMeta>([
  ['doc_1', { chatKey: 'sample', kind: 'image', mime: 'image/jpeg', size: 184_320, createdAt: submitted }],
  ['doc_2', { chatKey: 'sample', kind: 'pdf', mime: 'application/pdf', size: 1_572_864, createdAt: submitted }],
]);

const translate = createTranslator(loadCatalogues());
const flow = loadFlowCatalog().get('support_request')!;
const renderer = new PdfRenderer({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
const work = mkdtempSync(join(tmpdir(), 'form-samples-'));
try {
  for (const lang of ['ar', 'en'] as const) {
    const form = buildCaseForm({ record, flow, translate, lang, documents, printedAt: at('2026-12-07T08:00:00Z'), printedBy: 'نورة المديرة' });
    const pdf = join(work, `form-${lang}.pdf`);
    writeFileSync(pdf, await renderer.render(formHtml(form), { label: `${form.heading.title} · ${record.reference}`, dir: lang === 'ar' ? 'rtl' : 'ltr' }));
    execFileSync('pdftoppm', ['-r', '70', '-png', pdf, join('docs', 'images', `form-${lang}`)]);
    console.log(`docs/images/form-${lang}-*.png`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
