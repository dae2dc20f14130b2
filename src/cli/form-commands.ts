import { link, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Language } from '../engine/session.js';
import { printCaseForm, type FormPrintingDeps } from '../services/form-printing.js';
import { PdfRenderer } from '../services/pdf-renderer.js';
import { loadFlowCatalog } from '../flows/catalog.js';
import { createTranslator, loadCatalogues } from '../i18n/translator.js';
import type { Stores } from './admin-stores.js';

/** No case has the reference given. */
export class FormCaseNotFoundError extends Error {
  constructor(reference: string) {
    super(`There is no case ${reference}.`);
    this.name = 'FormCaseNotFoundError';
  }
}

/** What the command line prints a form with: the stores it opened, the texts, the request flow, Chromium. */
export function formPrintingDeps({ storage, audit, config }: Stores): FormPrintingDeps {
  const { cases, documents } = storage.repositories;
  return {
    cases,
    documents,
    audit,
    translate: createTranslator(loadCatalogues()),
    requestFlow: loadFlowCatalog().get('support_request')!,
    renderer: new PdfRenderer({ executablePath: config.CHROMIUM_PATH }),
  };
}

/**
 * `case form SR-… --out file.pdf`: the case's support request form, audited under the operator
 * (`case.form_printed`, via cli) and written owner-only to a file that did not exist. The PDF is
 * written whole under a temporary name beside it and then given its name by a hard link, which
 * fails where anything exists: a failed render or write leaves no file, half or whole, and an
 * existing file is never replaced.
 *
 * @returns the bytes written
 */
export async function writeCaseForm(deps: FormPrintingDeps, reference: string, out: string, lang: Language, operator: string): Promise<number> {
  const printed = await printCaseForm(deps, { reference }, { operator }, lang, 'cli');
  if (!printed.ok) throw new FormCaseNotFoundError(reference);
  const whole = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString('hex')}.part`);
  try {
    await writeFile(whole, printed.pdf, { mode: 0o600, flag: 'wx', flush: true });
    await link(whole, out);
  } finally {
    await rm(whole, { force: true });
  }
  return printed.pdf.length;
}
