import type { Translate } from '../engine/contract.js';
import { DEFAULT_CONTENT_ROOT, loadContent } from './content.js';
import i18next from 'i18next';
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
  return Object.fromEntries(
    topics.flatMap((topic) => [
      [`faq.${topic.id}.title`, topic.title],
      [`faq.${topic.id}.answer`, topic.answer],
    ]),
  );
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
  // Most texts are plain or fill in simple {{name}} placeholders; those are rendered here,
  // without i18next's per-call work (over half of the engine's time when every text went
  // through it). Everything else (nesting, plurals, formats, a missing value) is i18next's.
  const simple = { ar: simpleTexts(catalogues.ar), en: simpleTexts(catalogues.en) };
  const variables: Record<string, unknown> = { days: defaults.days ?? 14 };
  /** The simple text i18next would pick for `key`; undefined when the choice or the text is i18next's to make. */
  const pick = (lang: Language, key: string, params: Record<string, unknown> | undefined): SimpleText | undefined => {
    const direct = simple[lang].get(key);
    if (direct) return direct;
    // A plural: the variant for the count, as i18next looks for it (_zero first for 0, then the
    // language's category, then the key itself), in the language and then in Arabic.
    const count = params?.count;
    if (typeof count !== 'number' || params?.ordinal || (params?.context !== undefined && params.context !== '')) return undefined;
    for (const code of lang === 'ar' ? (['ar'] as const) : (['en', 'ar'] as const)) {
      const candidates = [...(count === 0 ? [`${key}_zero`] : []), `${key}_${PLURAL_RULES[code].select(count)}`, key];
      const found = candidates.find((candidate) => catalogues[code][candidate] !== undefined);
      if (found) return simple[code].get(found);
    }
    return undefined;
  };
  return (lang, key, params) => {
    const text = params === undefined || !I18NEXT_OPTIONS.some((option) => option in params) ? pick(lang, key, params) : undefined;
    const rendered = text && fill(text, params, variables);
    return rendered ?? fixed[lang](key, params ?? {});
  };
}

/** The plural rules i18next uses for each language. */
const PLURAL_RULES = { ar: new Intl.PluralRules('ar'), en: new Intl.PluralRules('en') };

/**
 * Names i18next reads from the params as options: a text given one is left to i18next. A
 * plural's count, an ordinal or a context only choose among a key's variants (see `pick`).
 */
const I18NEXT_OPTIONS = [
  'lng',
  'lngs',
  'fallbackLng',
  'ns',
  'defaultValue',
  'replace',
  'returnObjects',
  'returnDetails',
  'joinArrays',
  'postProcess',
  'interpolation',
  'keySeparator',
  'nsSeparator',
  'skipInterpolation',
];

/** A text cut at its placeholders: `parts` around `names`, one more part than names. */
interface SimpleText {
  parts: string[];
  names: string[];
}

/**
 * Texts with no plural or context variants and only plain {{name}} placeholders; a nested
 * $t(key) of a text with neither placeholders nor nesting (the association's name) is
 * written in at once, as i18next would render it.
 */
function simpleTexts(catalogue: Catalogue): Map<string, SimpleText> {
  const simple = new Map<string, SimpleText>();
  const isPlain = (text: string | undefined): text is string => text !== undefined && !text.includes('{{') && !text.includes('$t(');
  for (const [key, written] of Object.entries(catalogue)) {
    const text = written.replace(/\$t\(([A-Za-z0-9_.]+)\)/g, (nesting, nested: string) => (isPlain(catalogue[nested]) ? catalogue[nested] : nesting));
    if (text.includes('$t(')) continue;
    const parts: string[] = [];
    const names: string[] = [];
    let last = 0;
    for (const match of text.matchAll(/\{\{([A-Za-z0-9_]+)\}\}/g)) {
      parts.push(text.slice(last, match.index));
      names.push(match[1]!);
      last = match.index + match[0].length;
    }
    parts.push(text.slice(last));
    // Any other placeholder form ({{ name }}, {{- name}}, {{value, number}}) is left to i18next.
    if (!parts.some((part) => part.includes('{{'))) simple.set(key, { parts, names });
  }
  // A key with variants (key_one, key_other, key_female) is chosen among them by i18next.
  for (const key of Object.keys(catalogue)) if (key.includes('_')) simple.delete(key.slice(0, key.lastIndexOf('_')));
  return simple;
}

/** Fills the placeholders as i18next does (inserted values are not read again); undefined when a value is missing or not plain. */
function fill(text: SimpleText, params: Record<string, unknown> | undefined, variables: Record<string, unknown>): string | undefined {
  let out = text.parts[0]!;
  for (let i = 0; i < text.names.length; i++) {
    const name = text.names[i]!;
    const value = params?.[name] !== undefined ? params[name] : variables[name];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
    // i18next reads a nested message out of an inserted value too: that rare case stays its own.
    if (typeof value === 'string' && value.includes('$t(')) return undefined;
    out += String(value) + text.parts[i + 1]!;
  }
  return out;
}
