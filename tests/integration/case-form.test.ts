/**
 * The support request form as a PDF, from a case stored in the real database, printed by
 * Debian's Chromium and read back with poppler (pdftotext, pdfinfo) as a person would read the
 * page: Arabic answers as joined words, a long case onto a second page, an anonymised case
 * with nothing personal, the audit entry, who may print it, and the command line's file.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { loadFlowCatalog } from '../../src/flows/catalog.js';
import { createTranslator, loadCatalogues } from '../../src/i18n/translator.js';
import type { Staff } from '../../src/models/staff.js';
import { mayPrintForm, printCaseForm, type FormPrintingDeps } from '../../src/services/form-printing.js';
import { PdfRenderer, PdfRenderError } from '../../src/services/pdf-renderer.js';
import { writeCaseForm } from '../../src/cli/form-commands.js';
import { startTestApp, testEnvironment } from '../helpers/test-app.js';
import { newCase } from '../helpers/new-case.js';
import { pdfPages, pdfText } from '../helpers/pdf.js';

const NAME = 'محمد عبدالله القحطاني';
const DESCRIPTION = 'تأخرت في سداد إيجار الشقة ثلاثة أشهر بسبب مرض الزوجة وتوقفي عن العمل، والأطفال في المدارس. ';
const AGES = [40, 17, 15, 14, 12, 11, 9, 8, 6, 4, 2];

function member(roles: Staff['roles'], id = 'stf_member00001'): Staff {
  const at = new Date();
  return {
    id: id as Staff['id'],
    name: 'Member',
    telegramUserId: 1,
    roles,
    language: null,
    active: true,
    adminTokenIssuedAt: null,
    createdAt: at,
    updatedAt: at,
  };
}

let app: RunningApp;
let deps: FormPrintingDeps;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const env = testEnvironment();
  app = await startTestApp(env, { roles: ['bot'] });
  cleanup = async () => {
    await app.stop();
    await env.cleanup();
  };
  deps = {
    cases: app.repositories.cases,
    documents: app.repositories.documents,
    audit: app.repositories.audit,
    translate: createTranslator(loadCatalogues()),
    requestFlow: loadFlowCatalog().get('support_request')!,
    renderer: new PdfRenderer({ executablePath: '/usr/bin/chromium' }),
  };
});

afterAll(async () => {
  await cleanup?.();
});

/** A case of a family of twelve with a long description and one photo of the ID. */
async function storedCase(n: number): Promise<{ id: string; reference: string }> {
  const input = newCase(n, {
    reference: `SR-FORM-000${n}`,
    documentIds: [`doc_form_${n}`],
    answers: {
      for_whom: 'self',
      full_name: NAME,
      national_id: '1000000008',
      mobile: '+966501234567',
      city: 'نمران',
      district: 'النسيم',
      marital_status: 'married',
      family_count: 12,
      dependants_ages: AGES,
      monthly_income: 3200,
      housing: 'rented',
      monthly_rent: 1500,
      support_type: 'rent',
      description: DESCRIPTION.repeat(8),
      doc_id: [`doc_form_${n}`],
    },
  });
  await app.repositories.documents.put(`doc_form_${n}`, Buffer.from('a photo'), {
    chatKey: input.chatKey,
    kind: 'image',
    mime: 'image/jpeg',
    size: 184_320,
    createdAt: input.submittedAt,
  });
  await app.repositories.cases.insertSubmitted(input);
  return { id: input.id, reference: input.reference };
}

describe('the support request form (PDF)', () => {
  it('prints the Arabic answers as joined words, the family of twelve and a long description onto a second page, audited', async () => {
    const { id, reference } = await storedCase(1);
    const printed = await printCaseForm(deps, { reference }, { staff: member(['committee']) }, 'ar', 'telegram');
    expect(printed.ok).toBe(true);
    if (!printed.ok) return;
    expect(printed.pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(printed.pdf);
    // Words as a person reads them: the letters joined in logical order, not isolated forms (U+FE70–U+FEFF).
    // (The name is read back in parts: the font draws «الله» as one ligature, which poppler reads out of order.)
    for (const answer of ['القحطاني', 'النسيم', 'نمران', 'تأخرت في سداد إيجار الشقة']) expect(text).toContain(answer);
    expect(text).not.toMatch(/[\uFE70-\uFEFF]/);
    expect(text).toContain('جمعية الخدمات الاجتماعية بنمران');
    expect(text).toContain('طلب دعم مستفيد');
    expect(text).toContain(reference);
    expect(text).toContain('بصحة البيانات والمستندات المقدمة');
    expect(text).toContain('0'.repeat(64));
    // Family of twelve: eleven dependants, the last of them (age ٢) on a later page than the first.
    expect(pdfPages(printed.pdf)).toBeGreaterThanOrEqual(2);
    expect(pdfText(printed.pdf, 1)).toContain('القحطاني');
    expect(pdfText(printed.pdf, 1)).not.toContain('أعمار أفراد الأسرة المعالين');
    expect(text).toContain('١١');
    const audit = await app.repositories.audit.list({ targetKind: 'case', targetId: id, limit: 10 });
    expect(audit.filter((e) => e.action === 'case.form_printed')).toEqual([expect.objectContaining({ details: { via: 'telegram', lang: 'ar' } })]);
  }, 60_000);

  it('prints in English for a member who reads English, the person’s words as they wrote them', async () => {
    const { reference } = await storedCase(2);
    const printed = await printCaseForm(deps, { reference }, { staff: member(['admin']) }, 'en', 'telegram');
    if (!printed.ok) throw new Error('not printed');
    const text = pdfText(printed.pdf);
    for (const words of [
      'Beneficiary support request',
      'The Social Services Association in Nimran',
      'Full name',
      'Rent payment',
      'Ages of the dependants',
      'القحطاني',
    ])
      expect(text).toContain(words);
  }, 60_000);

  it('prints nothing personal from an anonymised case, and says what was erased', async () => {
    const { id, reference } = await storedCase(3);
    await app.repositories.cases.anonymise(id, 'erasure', new Date('2026-12-05T10:00:00Z'));
    const printed = await printCaseForm(deps, { reference }, { operator: 'Operator Huda' }, 'ar', 'cli');
    if (!printed.ok) throw new Error('not printed');
    const text = pdfText(printed.pdf);
    expect(text).toContain('البيانات الشخصية لهذا الطلب بطلب صاحبه');
    for (const personal of ['القحطاني', 'محمد', '1000000008', '0501234567', 'النسيم', 'تأخرت', 'أعمار أفراد الأسرة', 'صورة الهوية'])
      expect(text, `${personal} printed from an anonymised case`).not.toContain(personal);
    expect(text).toContain(reference);
  }, 60_000);

  it('is the committee’s, the administrators’ and the holding researcher’s; nobody else’s, and an unknown case is not found', async () => {
    const { id } = await storedCase(4);
    const record = (await app.repositories.cases.get(id))!;
    const researcher = member(['researcher'], 'stf_holder00001');
    expect(mayPrintForm(member(['committee']), record)).toBe(true);
    expect(mayPrintForm(member(['admin']), record)).toBe(true);
    expect(mayPrintForm(researcher, record)).toBe(false);
    expect(mayPrintForm(researcher, { assignee: { id: researcher.id, name: 'R' } })).toBe(true);
    expect(mayPrintForm(member(['complaints_handler']), record)).toBe(false);
    expect(mayPrintForm({ ...member(['committee']), active: false }, record)).toBe(false);
    expect(await printCaseForm(deps, { caseId: id }, { staff: researcher }, 'ar', 'telegram')).toEqual({ ok: false, reason: 'not_allowed' });
    expect(await printCaseForm(deps, { reference: 'SR-NONE-0000' }, { staff: member(['committee']) }, 'ar', 'telegram')).toEqual({
      ok: false,
      reason: 'not_found',
    });
    const audit = await app.repositories.audit.list({ targetKind: 'case', targetId: id, limit: 10 });
    expect(audit.filter((e) => e.action === 'case.form_printed')).toEqual([]);
  });

  it('writes the command line’s file owner-only, never over an existing one, and leaves nothing when the render fails', async () => {
    const { reference } = await storedCase(5);
    const dir = await mkdtemp(join(tmpdir(), 'form-'));
    try {
      const out = join(dir, 'form.pdf');
      const bytes = await writeCaseForm(deps, reference, out, 'ar', 'Operator Huda');
      expect(statSync(out).mode & 0o777).toBe(0o600);
      expect((await readFile(out)).length).toBe(bytes);
      expect(pdfText(await readFile(out))).toContain('القحطاني');

      const taken = join(dir, 'taken.pdf');
      await writeFile(taken, 'mine');
      await expect(writeCaseForm(deps, reference, taken, 'ar', 'Operator Huda')).rejects.toMatchObject({ code: 'EEXIST' });
      expect(await readFile(taken, 'utf8')).toBe('mine');

      const broken = { ...deps, renderer: new PdfRenderer({ executablePath: join(dir, 'no-chromium') }) };
      const failed = writeCaseForm(broken, reference, join(dir, 'failed.pdf'), 'ar', 'Operator Huda');
      await expect(failed).rejects.toBeInstanceOf(PdfRenderError);
      await expect(failed).rejects.not.toThrow('القحطاني');
      expect(existsSync(join(dir, 'failed.pdf'))).toBe(false);
      expect(readdirSync(dir).sort()).toEqual(['form.pdf', 'taken.pdf']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
