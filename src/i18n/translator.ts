import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadFaqContent } from '../faq/faq-content.js';
import i18next from 'i18next';
import { z } from 'zod';
import type { Translate } from '../engine/input.js';
import type { Language } from '../engine/session.js';

/** One language's messages: flat keys (dots are part of the key) to texts with `{{placeholders}}`. */
export const CatalogueSchema = z.record(z.string(), z.string().min(1));
export type Catalogue = z.infer<typeof CatalogueSchema>;

/** The folder of the content files staff edit. */
export const DEFAULT_CONTENT_DIR = fileURLToPath(new URL('../../content/messages/', import.meta.url));

/**
 * Reads and checks the Arabic and English catalogues from `dir`, with the FAQ's topics
 * (content/faq, next to it) as `faq.<id>.title` and `faq.<id>.answer`.
 */
export function loadCatalogues(dir: string = DEFAULT_CONTENT_DIR): Record<Language, Catalogue> {
  const read = (lang: Language): Catalogue => {
    const file = `${dir.replace(/\/?$/, '/')}${lang}.json`;
    const parsed = CatalogueSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  };
  const faqDir = fileURLToPath(new URL('../faq/', pathToFileURL(dir.replace(/\/?$/, '/'))));
  const faq = existsSync(faqDir) ? loadFaqContent(faqDir) : { ar: { topics: [] }, en: { topics: [] } };
  return { ar: { ...read('ar'), ...faqMessages(faq.ar.topics) }, en: { ...read('en'), ...faqMessages(faq.en.topics) } };
}

/** The FAQ's topics as message keys, so they render like every other text. */
export function faqMessages(topics: readonly { id: string; title: string; answer: string }[]): Catalogue {
  return Object.fromEntries(topics.flatMap((topic) => [[`faq.${topic.id}.title`, topic.title], [`faq.${topic.id}.answer`, topic.answer]]));
}

/**
 * Builds the pure `Translate` function the engine uses, backed by i18next
 * (interpolation, `$t()` nesting, fallback to Arabic). Loaded synchronously once;
 * a missing key renders as the key itself so a gap shows instead of crashing a chat.
 */
export function createTranslator(catalogues: Record<Language, Catalogue>, defaults: { days?: number } = {}): Translate {
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    resources: { ar: { translation: catalogues.ar }, en: { translation: catalogues.en } },
    lng: 'ar',
    fallbackLng: 'ar',
    keySeparator: false,
    nsSeparator: false,
    // {{days}} in the FAQ is the committee's answer period, configured (COMMITTEE_ANSWER_DAYS).
    interpolation: { escapeValue: false, defaultVariables: { days: defaults.days ?? 14 } },
    returnNull: false,
  });
  const fixed = { ar: instance.getFixedT('ar'), en: instance.getFixedT('en') };
  return (lang, key, params) => fixed[lang](key, params ?? {});
}
