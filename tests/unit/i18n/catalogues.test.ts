import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogues } from '../../../src/i18n/translator.js';
import { menuFlow, withdrawFlow } from '../../../src/flows/menu.js';
import { supportRequestFlow } from '../../../src/flows/support-request.js';
import { CaseStatusSchema } from '../../../src/models/case-states.js';
import { InboundMessageSchema } from '../../../src/core/channel.js';

const catalogues = loadCatalogues();
/** A key without its plural suffix: Arabic has six plural forms, English two. */
const base = (key: string) => key.replace(/_(zero|one|two|few|many|other)$/, '');
const baseKeys = (catalogue: Record<string, string>) => [...new Set(Object.keys(catalogue).map(base))].sort();
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every message key a flow definition names. */
function flowKeys(flow: unknown): string[] {
  const keys: string[] = [];
  const walk = (value: unknown, field?: string) => {
    if (typeof value === 'string' && field && ['prompt', 'reprompt', 'label', 'title'].includes(field)) keys.push(value);
    else if (Array.isArray(value)) value.forEach((v) => walk(v, field));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(flow);
  return keys;
}

describe('message catalogues', () => {
  it('have the same keys in Arabic and English', () => {
    expect(baseKeys(catalogues.en)).toEqual(baseKeys(catalogues.ar));
    expect(
      Object.keys(catalogues.ar)
        .filter((k) => k.startsWith('review.files_'))
        .sort(),
    ).toEqual(['review.files_few', 'review.files_many', 'review.files_one', 'review.files_other', 'review.files_two', 'review.files_zero']);
  });

  it('use the same placeholders in both languages', () => {
    const byBase = (catalogue: Record<string, string>, key: string) =>
      [
        ...new Set(
          Object.entries(catalogue)
            .filter(([k]) => base(k) === key)
            .flatMap(([, text]) => placeholders(text)),
        ),
      ].sort();
    for (const key of baseKeys(catalogues.ar)) {
      if (key === 'review.files') continue; // "ملف واحد" needs no number; the other forms carry {{count}}
      expect(byBase(catalogues.en, key), key).toEqual(byBase(catalogues.ar, key));
    }
  });

  it('have every key the flows name', () => {
    for (const key of [menuFlow, withdrawFlow, supportRequestFlow].flatMap(flowKeys)) expect(baseKeys(catalogues.ar), key).toContain(key);
  });

  it('have every key the code names, including the ones built from a status or a message kind', () => {
    const prefixes = new Set(Object.keys(catalogues.ar).map((k) => k.split('.')[0]));
    // The admin CLI and the repositories speak in audit actions (staff.added), not message keys.
    const messageSources = sourceFiles('src').filter((f) => !f.startsWith('src/cli/') && !f.startsWith('src/models/'));
    const used = messageSources.flatMap((file) =>
      // Audit actions (`action: 'referral.taken'`) look like keys but are not messages.
      [...readFileSync(file, 'utf8').matchAll(/(action: )?'([a-z][A-Za-z]*\.[A-Za-z.]+)'/g)]
        .filter((m) => m[1] === undefined)
        .map((m) => m[2]!)
        .filter((k) => prefixes.has(k.split('.')[0]!) && !k.endsWith('.')),
    );
    expect(used.length).toBeGreaterThan(50);
    const built = [
      ...CaseStatusSchema.options.map((s) => `caseStatus.${s}`),
      ...InboundMessageSchema.shape.unsupported.unwrap().options.map((k) => `unsupported.${k}`),
    ];
    const known = new Set(baseKeys(catalogues.ar));
    for (const key of [...used, ...built]) expect(known.has(key), key).toBe(true);
  });
});

describe('staff pop-ups', () => {
  it('fit the 200 characters Telegram allows an answer to a button (answerCallbackQuery), in both languages', () => {
    for (const [lang, catalogue] of Object.entries(catalogues)) {
      const long = Object.entries(catalogue as Record<string, string>).filter(([key, text]) => key.startsWith('staff.answer.') && [...text].length > 200);
      expect(long, lang).toEqual([]);
    }
  });
});
