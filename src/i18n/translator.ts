import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import i18next from 'i18next';
import { z } from 'zod';
import type { Translate } from '../engine/input.js';
import type { Language } from '../engine/session.js';

/** One language's messages: flat keys (dots are part of the key) to texts with `{{placeholders}}`. */
export const CatalogueSchema = z.record(z.string(), z.string().min(1));
export type Catalogue = z.infer<typeof CatalogueSchema>;

/** The folder of the content files staff edit. */
export const DEFAULT_CONTENT_DIR = fileURLToPath(new URL('../../content/messages/', import.meta.url));

/** Reads and checks the Arabic and English catalogues from `dir`. */
export function loadCatalogues(dir: string = DEFAULT_CONTENT_DIR): Record<Language, Catalogue> {
  const read = (lang: Language): Catalogue => {
    const file = `${dir.replace(/\/?$/, '/')}${lang}.json`;
    const parsed = CatalogueSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  };
  return { ar: read('ar'), en: read('en') };
}

/**
 * Builds the pure `Translate` function the engine uses, backed by i18next
 * (interpolation, `$t()` nesting, fallback to Arabic). Loaded synchronously once;
 * a missing key renders as the key itself so a gap shows instead of crashing a chat.
 */
export function createTranslator(catalogues: Record<Language, Catalogue>): Translate {
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    resources: { ar: { translation: catalogues.ar }, en: { translation: catalogues.en } },
    lng: 'ar',
    fallbackLng: 'ar',
    keySeparator: false,
    nsSeparator: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  const fixed = { ar: instance.getFixedT('ar'), en: instance.getFixedT('en') };
  return (lang, key, params) => fixed[lang](key, params ?? {});
}
