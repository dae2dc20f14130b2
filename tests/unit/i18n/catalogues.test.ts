import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogues } from '../../../src/i18n/translator.js';
import { menuFlow, withdrawFlow } from '../../../src/flows/menu.js';
import { supportRequestFlow } from '../../../src/flows/support-request.js';
import { CaseStatusSchema } from '../../../src/models/case-states.js';
import { InboundMessageSchema } from '../../../src/bots/inbound-message.js';

const catalogues = loadCatalogues();
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
    expect(Object.keys(catalogues.en).sort()).toEqual(Object.keys(catalogues.ar).sort());
  });

  it('use the same placeholders in both languages', () => {
    for (const key of Object.keys(catalogues.ar)) {
      expect(placeholders(catalogues.en[key] ?? ''), key).toEqual(placeholders(catalogues.ar[key] ?? ''));
    }
  });

  it('have every key the flows name', () => {
    for (const key of [menuFlow, withdrawFlow, supportRequestFlow].flatMap(flowKeys)) expect(catalogues.ar, key).toHaveProperty([key]);
  });

  it('have every key the code names, including the ones built from a status or a message kind', () => {
    const prefixes = new Set(Object.keys(catalogues.ar).map((k) => k.split('.')[0]));
    const used = sourceFiles('src').flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/'([a-z][A-Za-z]*\.[A-Za-z.]+)'/g)].map((m) => m[1]!).filter((k) => prefixes.has(k.split('.')[0]!) && !k.endsWith('.')),
    );
    expect(used.length).toBeGreaterThan(50);
    const built = [
      ...CaseStatusSchema.options.map((s) => `caseStatus.${s}`),
      ...InboundMessageSchema.shape.unsupported.unwrap().options.map((k) => `unsupported.${k}`),
    ];
    for (const key of [...used, ...built]) expect(catalogues.ar, key).toHaveProperty([key]);
  });
});
