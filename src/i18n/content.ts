/**
 * The content files staff edit without touching code, checked as one whole:
 *
 * - `messages/ar.json`, `messages/en.json`: every text the bot says, flat keys to
 *   texts with i18next `{{placeholders}}`, `$t(key)` nesting and plural keys
 *   (`_zero`, `_one`, `_two`, `_few`, `_many`, `_other`);
 * - `faq/ar.json`, `faq/en.json`: `{ "topics": [ { id, title, answer, phrases } ] }`,
 *   the same topic ids in the same order in both languages.
 *
 * {@link loadContent} reads all four files and refuses them with one
 * {@link ContentError} listing every problem found, each naming the file (relative
 * to the content root) and the key or topic. {@link ContentStore} keeps the last
 * good content of a running service, reloading it when the files change.
 *
 * Problems never quote whole texts: a problem may be logged, and a message says
 * where to look, not what the text is.
 *
 * @packageDocumentation
 */

import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Language } from '../engine/session.js';
import { ContentError, type ContentProblem } from './content-problems.js';
import { isDirectory, readJson } from './json-file.js';

export { ContentError, formatProblem, type ContentProblem } from './content-problems.js';

/** The folder holding `messages/` and `faq/`. */
export const DEFAULT_CONTENT_ROOT = fileURLToPath(new URL('../../content/', import.meta.url));

/** The languages every text must exist in; Arabic first, as it is the service's main language. */
export const CONTENT_LANGUAGES: readonly Language[] = ['ar', 'en'];

/** One FAQ topic as staff write it. */
export interface FaqTopic {
  id: string;
  title: string;
  answer: string;
  phrases: string[];
}

/** Everything the content files hold, once checked. */
export interface Content {
  messages: Record<Language, Record<string, string>>;
  faq: Record<Language, { topics: FaqTopic[] }>;
}

/** The plural suffixes i18next adds to a key. */
const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** A key without its plural suffix: `review.files_two` → `review.files`. */
export function baseKey(key: string): string {
  return key.replace(PLURAL_SUFFIX, '');
}

/** Counts for a one-line summary of checked content. */
export function contentSummary(content: Content): { messageKeys: number; faqTopics: number } {
  return {
    messageKeys: new Set(Object.keys(content.messages.ar).map(baseKey)).size,
    faqTopics: content.faq.ar.topics.length,
  };
}

const LANGUAGE_NAMES: Record<Language, string> = { ar: 'Arabic', en: 'English' };
const messagesFile = (lang: Language) => `messages/${lang}.json`;
const faqFile = (lang: Language) => `faq/${lang}.json`;

/**
 * Reads and checks the content under `root`; throws {@link ContentError} with
 * every problem found. The result is deeply frozen.
 */
export function loadContent(root: string = DEFAULT_CONTENT_ROOT): Content {
  const problems: ContentProblem[] = [];
  if (!isDirectory(root)) {
    throw new ContentError([{ file: '.', message: `content folder not found: ${root}` }]);
  }
  const messages = checkMessages(root, problems);
  const faq = checkFaq(root, messages, problems);
  if (problems.length > 0) throw new ContentError(sortProblems(problems));
  return deepFreeze({
    messages: { ar: messages.ar?.texts ?? {}, en: messages.en?.texts ?? {} },
    faq: { ar: { topics: faq.ar ?? [] }, en: { topics: faq.en ?? [] } },
  });
}

/** Problems grouped by file in a fixed order, keeping the order they were found in within a file. */
function sortProblems(problems: ContentProblem[]): ContentProblem[] {
  const order = [...CONTENT_LANGUAGES.map(messagesFile), ...CONTENT_LANGUAGES.map(faqFile)];
  const rank = (file: string) => (order.includes(file) ? order.indexOf(file) : order.length);
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => rank(a.problem.file) - rank(b.problem.file) || a.index - b.index)
    .map(({ problem }) => problem);
}

// ---------------------------------------------------------------------------
// Texts: placeholders and nesting

/** A well-formed i18next placeholder: `{{name}}`, `{{ name }}`, `{{- name}}`, `{{name, format}}`. */
const PLACEHOLDER = /\{\{\s*(?:-\s*)?([A-Za-z_$][\w$.]*)\s*(?:,[^{}]*)?\}\}/g;
/** What is left of a broken one once the good ones are removed: `{{name}`, `{name}}`, `{{ }}`, `{{الاسم}}`, `{name}`. */
const MALFORMED = /\{\{[^{}\n]{0,40}\}{0,2}|\{?[^{}\s]{0,40}\}\}|\{\s*[A-Za-z_$][\w$.]*\s*\}/g;
/** i18next nesting: `$t(key)` or `$t(key, {"count": 2})`. */
const NESTING = /\$t\(([^)]*)\)/g;

interface TextScan {
  placeholders: Set<string>;
  malformed: string[];
  nested: string[];
  unclosedNesting: boolean;
}

function scanText(text: string): TextScan {
  const placeholders = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) placeholders.add(match[1] as string);
  const malformed = [...text.replace(PLACEHOLDER, ' ').matchAll(MALFORMED)].map((m) => m[0]);
  const nested = [...text.matchAll(NESTING)].map((m) => (m[1] as string).split(',')[0]?.trim() ?? '');
  const unclosedNesting = (text.match(/\$t\(/g)?.length ?? 0) > nested.length;
  return { placeholders, malformed, nested, unclosedNesting };
}

/** Problems within one text: broken placeholders, broken nesting, nesting to a key that does not exist. */
function checkText(scan: TextScan, exists: (key: string) => boolean, report: (message: string) => void): void {
  for (const fragment of scan.malformed) {
    const name = /[A-Za-z_$][\w$.]*/.exec(fragment)?.[0];
    report(
      name === undefined
        ? `malformed placeholder "${fragment}": a placeholder is two braces each side around the English name the other language uses, like {{name}}`
        : `malformed placeholder "${fragment}": write {{${name}}}, two braces each side`,
    );
  }
  if (scan.unclosedNesting) report('"$t(" is not closed with ")"');
  for (const key of scan.nested) {
    if (key === '') report('"$t()" names no key');
    else if (!exists(key)) report(`$t(${key}) refers to a message key that does not exist`);
  }
}

const list = (names: Iterable<string>) =>
  [...names]
    .sort()
    .map((n) => `{{${n}}}`)
    .join(', ');

function placeholderDifference(here: Set<string>, there: Set<string>): string | undefined {
  const missing = [...there].filter((n) => !here.has(n));
  const extra = [...here].filter((n) => !there.has(n));
  if (missing.length === 0 && extra.length === 0) return undefined;
  const parts = [...(missing.length > 0 ? [`missing ${list(missing)}`] : []), ...(extra.length > 0 ? [`unknown ${list(extra)}`] : [])];
  return parts.join('; ');
}

// ---------------------------------------------------------------------------
// Messages

const MessageTextSchema = z
  .string({ error: (issue) => `must be a text in double quotes, found ${describeType(issue.input)}` })
  .refine((text) => text.trim() !== '', { error: 'text is empty' });

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object (keys are flat: "a.b": "text")';
  return `a ${typeof value}`;
}

interface Catalogue {
  /** Every key in the file, whatever its value. */
  keys: Set<string>;
  /** Every key's base (without plural suffix). */
  bases: Set<string>;
  /** The keys with a valid text. */
  texts: Record<string, string>;
  /** The scan of each valid text. */
  scans: Map<string, TextScan>;
  /** Plural keys whose forms disagree on placeholders (already reported; not compared across languages). */
  inconsistentPlurals: Set<string>;
}

function checkMessages(root: string, problems: ContentProblem[]): Partial<Record<Language, Catalogue>> {
  const catalogues: Partial<Record<Language, Catalogue>> = {};
  for (const lang of CONTENT_LANGUAGES) {
    const file = messagesFile(lang);
    const other = messagesFile(lang === 'ar' ? 'en' : 'ar');
    const read = readJson(root, file, other, problems);
    if (read === undefined) continue;
    if (typeof read.value !== 'object' || read.value === null || Array.isArray(read.value)) {
      problems.push({ file, message: `must be one JSON object of keys and texts, found ${describeType(read.value)}` });
      continue;
    }
    const catalogue: Catalogue = { keys: new Set(), bases: new Set(), texts: {}, scans: new Map(), inconsistentPlurals: new Set() };
    for (const [key, value] of Object.entries(read.value)) {
      catalogue.keys.add(key);
      catalogue.bases.add(baseKey(key));
      if (key.trim() === '') {
        problems.push({ file, key, message: 'empty key' });
        continue;
      }
      const parsed = MessageTextSchema.safeParse(value);
      if (!parsed.success) {
        problems.push({ file, key, message: parsed.error.issues[0]?.message ?? 'invalid text' });
        continue;
      }
      catalogue.texts[key] = parsed.data;
      catalogue.scans.set(key, scanText(parsed.data));
    }
    const exists = (key: string) => catalogue.keys.has(key) || catalogue.bases.has(key);
    for (const key of Object.keys(catalogue.texts)) {
      checkText(catalogue.scans.get(key) as TextScan, exists, (message) => problems.push({ file, key, message }));
    }
    checkPluralForms(lang, catalogue, problems);
    catalogues[lang] = catalogue;
  }
  const { ar, en } = catalogues;
  if (ar !== undefined && en !== undefined) compareCatalogues(ar, en, problems);
  return catalogues;
}

/** The plural forms a key needs in a language (CLDR categories), plus `_zero`, which i18next allows in every language. */
function pluralForms(lang: Language): { needed: string[]; allowed: Set<string> } {
  const needed = new Intl.PluralRules(lang).resolvedOptions().pluralCategories as string[];
  const order = ['zero', 'one', 'two', 'few', 'many', 'other'];
  return { needed: order.filter((c) => needed.includes(c)), allowed: new Set([...needed, 'zero']) };
}

/**
 * A plural key needs every form its language uses (i18next shows the raw key for
 * a missing one), a form the language never uses is a mistake, and the forms of
 * one key may differ from each other only by `{{count}}`.
 */
function checkPluralForms(lang: Language, catalogue: Catalogue, problems: ContentProblem[]): void {
  const file = messagesFile(lang);
  const { needed, allowed } = pluralForms(lang);
  const forms = new Map<string, string[]>();
  for (const key of catalogue.keys) {
    const suffix = PLURAL_SUFFIX.exec(key)?.[1];
    if (suffix === undefined) continue;
    forms.set(baseKey(key), [...(forms.get(baseKey(key)) ?? []), suffix]);
  }
  for (const [base, suffixes] of forms) {
    for (const suffix of suffixes) {
      if (!allowed.has(suffix)) {
        problems.push({
          file,
          key: `${base}_${suffix}`,
          message: `${LANGUAGE_NAMES[lang]} has no "${suffix}" plural form (it uses ${needed.map((c) => `_${c}`).join(', ')}); this text would never be shown`,
        });
      }
    }
    if (!catalogue.keys.has(base)) {
      for (const category of needed) {
        if (!suffixes.includes(category)) {
          problems.push({
            file,
            key: `${base}_${category}`,
            message: `missing plural form (${LANGUAGE_NAMES[lang]} uses ${needed.map((c) => `_${c}`).join(', ')})`,
          });
        }
      }
    }
    const scans = suffixes.flatMap((suffix) => {
      const scan = catalogue.scans.get(`${base}_${suffix}`);
      return scan === undefined ? [] : [{ key: `${base}_${suffix}`, scan }];
    });
    if (scans.some(({ scan }) => scan.malformed.length > 0)) continue;
    const union = withoutCount(new Set(scans.flatMap(({ scan }) => [...scan.placeholders])));
    const differences = [...union].sort().flatMap((name) => {
      const without = scans.filter(({ scan }) => !scan.placeholders.has(name)).map(({ key }) => `_${PLURAL_SUFFIX.exec(key)?.[1] ?? ''}`);
      const within = scans.filter(({ scan }) => scan.placeholders.has(name)).map(({ key }) => `_${PLURAL_SUFFIX.exec(key)?.[1] ?? ''}`);
      return without.length === 0 ? [] : [`{{${name}}} in ${within.join(', ')} but not in ${without.join(', ')}`];
    });
    if (differences.length > 0) {
      catalogue.inconsistentPlurals.add(base);
      problems.push({ file, key: base, message: `plural forms use different placeholders (only {{count}} may differ): ${differences.join('; ')}` });
    }
  }
}

function withoutCount(names: Set<string>): Set<string> {
  const copy = new Set(names);
  copy.delete('count');
  return copy;
}

/** Keys in one language only, and placeholders differing between the languages, compared by base key. */
function compareCatalogues(ar: Catalogue, en: Catalogue, problems: ContentProblem[]): void {
  const catalogues = { ar, en };
  for (const [lang, other] of [
    ['ar', 'en'],
    ['en', 'ar'],
  ] as const) {
    for (const base of catalogues[other].bases) {
      if (!catalogues[lang].bases.has(base)) {
        problems.push({ file: messagesFile(lang), key: base, message: `missing (present in ${messagesFile(other)})` });
      }
    }
  }
  for (const base of ar.bases) {
    if (!en.bases.has(base) || ar.inconsistentPlurals.has(base) || en.inconsistentPlurals.has(base)) continue;
    const forms = (catalogue: Catalogue) => [...catalogue.scans].filter(([key]) => baseKey(key) === base).map(([, scan]) => scan);
    const arForms = forms(ar);
    const enForms = forms(en);
    if (arForms.length === 0 || enForms.length === 0 || [...arForms, ...enForms].some((scan) => scan.malformed.length > 0)) continue;
    const plural = [...ar.keys, ...en.keys].some((key) => key !== base && baseKey(key) === base);
    const union = (scans: TextScan[]) => {
      const names = new Set(scans.flatMap((scan) => [...scan.placeholders]));
      return plural ? withoutCount(names) : names;
    };
    const difference = placeholderDifference(union(enForms), union(arForms));
    if (difference !== undefined) {
      problems.push({ file: messagesFile('en'), key: base, message: `placeholders differ from ${messagesFile('ar')}: ${difference}` });
    }
  }
}

// ---------------------------------------------------------------------------
// FAQ

const FaqTextSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'missing' : `must be a text in double quotes, found ${describeType(issue.input)}`) })
  .refine((text) => text.trim() !== '', { error: 'is empty' });

const FaqFileSchema = z.object(
  { topics: z.array(z.unknown(), { error: (issue) => (issue.input === undefined ? 'missing' : `must be a list [ … ], found ${describeType(issue.input)}`) }) },
  { error: (issue) => `must be { "topics": [ … ] }, found ${describeType(issue.input)}` },
);

const FaqTopicSchema = z.object(
  {
    // The id becomes message keys (faq.<id>.answer) and button data: plain lower-case words.
    id: FaqTextSchema.pipe(z.string().regex(/^[a-z][a-z_]{1,30}$/, { error: 'id must be 2 to 31 lower-case letters or "_", starting with a letter' })),
    title: FaqTextSchema,
    answer: FaqTextSchema,
    phrases: z
      .array(FaqTextSchema, {
        error: (issue) => (issue.input === undefined ? 'missing' : `must be a list of texts [ "…" ], found ${describeType(issue.input)}`),
      })
      .min(1, { error: 'is empty (at least one phrase is needed)' }),
  },
  { error: (issue) => `must be an object { "id", "title", "answer", "phrases" }, found ${describeType(issue.input)}` },
);

/** What an FAQ text may fill in: the committee's answer period in days (COMMITTEE_ANSWER_DAYS). */
const FAQ_PLACEHOLDERS: ReadonlySet<string> = new Set(['days']);

function checkFaq(root: string, messages: Partial<Record<Language, Catalogue>>, problems: ContentProblem[]): Partial<Record<Language, FaqTopic[]>> {
  const result: Partial<Record<Language, FaqTopic[]>> = {};
  /** The ids of each language's topics, in order, including topics that are otherwise invalid. */
  const ids: Partial<Record<Language, string[]>> = {};
  const scans: Partial<Record<Language, Map<string, TextScan[]>>> = {};
  for (const lang of CONTENT_LANGUAGES) {
    const file = faqFile(lang);
    const read = readJson(root, file, faqFile(lang === 'ar' ? 'en' : 'ar'), problems);
    if (read === undefined) continue;
    const parsed = FaqFileSchema.safeParse(read.value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push({ file, message: issue.path.length === 0 ? issue.message : `${issue.path.join('.')}: ${issue.message}` });
      continue;
    }
    const topics: FaqTopic[] = [];
    const langIds: string[] = [];
    const langScans = new Map<string, TextScan[]>();
    const firstIndex = new Map<string, number>();
    const catalogue = messages[lang];
    const exists = (key: string) => catalogue === undefined || catalogue.keys.has(key) || catalogue.bases.has(key);
    parsed.data.topics.forEach((raw, index) => {
      const rawId = (raw as { id?: unknown } | null)?.id;
      const hasId = typeof rawId === 'string' && rawId.trim() !== '';
      const key = hasId ? rawId : `topics[${index}]`;
      if (hasId) {
        langIds.push(rawId);
        const first = firstIndex.get(rawId);
        if (first === undefined) firstIndex.set(rawId, index);
        else problems.push({ file, key, message: `duplicate id (topics ${first + 1} and ${index + 1})` });
      }
      const topic = FaqTopicSchema.safeParse(raw);
      if (!topic.success) {
        for (const issue of topic.error.issues)
          problems.push({ file, key, message: issue.path.length === 0 ? issue.message : `${fieldPath(issue.path)} ${issue.message}` });
        return;
      }
      topics.push(topic.data);
      const topicScans = [topic.data.title, topic.data.answer].map(scanText);
      for (const name of new Set(topicScans.flatMap((scan) => [...scan.placeholders]))) {
        if (!FAQ_PLACEHOLDERS.has(name))
          problems.push({ file, key, message: `unknown placeholder {{${name}}} (only ${[...FAQ_PLACEHOLDERS].map((p) => `{{${p}}}`).join(', ')})` });
      }
      langScans.set(topic.data.id, topicScans);
      for (const [field, scan] of [
        ['title', topicScans[0]],
        ['answer', topicScans[1]],
      ] as const) {
        checkText(scan as TextScan, exists, (message) => problems.push({ file, key, message: `${field}: ${message}` }));
      }
    });
    result[lang] = topics;
    ids[lang] = langIds;
    scans[lang] = langScans;
  }
  const { ar: arIds, en: enIds } = ids;
  if (arIds !== undefined && enIds !== undefined) {
    for (const [lang, other, here, there] of [
      ['ar', 'en', arIds, enIds],
      ['en', 'ar', enIds, arIds],
    ] as const) {
      for (const id of new Set(there)) {
        if (!here.includes(id)) problems.push({ file: faqFile(lang), key: id, message: `missing (present in ${faqFile(other)})` });
      }
    }
    const sameSet = arIds.length === enIds.length && new Set(arIds).size === arIds.length && arIds.every((id) => enIds.includes(id));
    const moved = enIds.findIndex((id, index) => arIds[index] !== id);
    if (sameSet && moved !== -1) {
      const id = enIds[moved] as string;
      problems.push({
        file: faqFile('en'),
        key: id,
        message: `topic ${moved + 1} here but topic ${arIds.indexOf(id) + 1} in ${faqFile('ar')}; topics must be in the same order in both languages`,
      });
    }
    for (const [id, enScans] of scans.en ?? []) {
      const arScans = scans.ar?.get(id);
      if (arScans === undefined || [...arScans, ...enScans].some((scan) => scan.malformed.length > 0)) continue;
      const union = (list: TextScan[]) => new Set(list.flatMap((scan) => [...scan.placeholders]));
      const difference = placeholderDifference(union(enScans), union(arScans));
      if (difference !== undefined) {
        problems.push({ file: faqFile('en'), key: id, message: `placeholders in title and answer differ from ${faqFile('ar')}: ${difference}` });
      }
    }
  }
  return result;
}

/** `phrases[2]` rather than `phrases.2`. */
function fieldPath(path: PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('') + ':';
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
