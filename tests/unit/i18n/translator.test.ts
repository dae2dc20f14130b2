/**
 * The translator renders most texts itself, for speed, and leaves the rest to i18next: for
 * every key of both languages and a range of params (plurals, missing and odd values,
 * values that look like placeholders or nested messages) it must say exactly what i18next says.
 */
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { createTranslator, loadCatalogues } from '../../../src/i18n/translator.js';

describe('the translator', () => {
  it('renders every key exactly as i18next does', () => {
    const catalogues = loadCatalogues();
    const translate = createTranslator(catalogues, { days: 21 });
    const reference = i18next.createInstance();
    void reference.init({
      initAsync: false,
      resources: { ar: { translation: catalogues.ar }, en: { translation: catalogues.en } },
      lng: 'ar',
      fallbackLng: 'ar',
      keySeparator: false,
      nsSeparator: false,
      interpolation: { escapeValue: false, defaultVariables: { days: 21 } },
      returnNull: false,
    });
    const names = new Set<string>();
    for (const catalogue of Object.values(catalogues))
      for (const text of Object.values(catalogue)) for (const m of text.matchAll(/\{\{\s*-?\s*([A-Za-z0-9_.]+)/g)) names.add(m[1]!);
    const odd = [42, 'v$&{{name}} $1', 'x $t(association.name) y', true];
    const every = Object.fromEntries([...names].map((name, i) => [name, odd[i % odd.length]]));
    const half = Object.fromEntries(Object.entries(every).filter((_, i) => i % 2 === 0));
    const paramSets: (Record<string, unknown> | undefined)[] = [
      undefined,
      {},
      every,
      half,
      { full_name: 'x', family_count: 3 },
      { reference: null },
      { days: null },
      { days: 3 },
      { count: 1.5 },
      { count: '3' },
      { count: 2, ordinal: true },
      { count: 2, context: 'male' },
      { count: 0, context: '' },
      { count: 2, max: 4 },
      ...Array.from({ length: 31 }, (_, count) => ({ count })),
    ];
    const keys = new Set([...Object.keys(catalogues.ar), ...Object.keys(catalogues.en), 'no.such.key']);
    const differences: string[] = [];
    for (const lang of ['ar', 'en'] as const) {
      const t = reference.getFixedT(lang);
      for (const key of keys) {
        for (const params of paramSets) {
          if (translate(lang, key, params as never) !== (t(key, (params ?? {}) as never) as unknown as string))
            differences.push(`${lang} ${key} ${JSON.stringify(params)}`);
        }
      }
    }
    expect(differences.slice(0, 10)).toEqual([]);
  });
});
