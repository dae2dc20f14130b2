import { DEFAULT_CONTENT_ROOT, loadContent } from './content.js';
import i18next from 'i18next';
import type { Translate } from '../engine/input.js';
import type { Language } from '../engine/session.js';

/** One language's messages: flat keys (dots are part of the key) to texts with `{{placeholders}}`. */
export type Catalogue = Record<string, string>;

/**
 * Reads and checks the content under `root` (see `content.ts`): the Arabic and English
 * messages, with the FAQ's topics as `faq.<id>.title` and `faq.<id>.answer`.
 */
export function loadCatalogues(root: string = DEFAULT_CONTENT_ROOT): Record<Language, Catalogue> {
  const content = loadContent(root);
  return {
    ar: { ...content.messages.ar, ...faqMessages(content.faq.ar.topics) },
    en: { ...content.messages.en, ...faqMessages(content.faq.en.topics) },
  };
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
