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

import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Language } from '../engine/session.js';
import { errorFields, type Logger } from '../logger.js';

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

/** One thing wrong with the content files. */
export interface ContentProblem {
  /** The file, relative to the content root, such as `messages/en.json`. */
  file: string;
  /** The message key (for `messages/`) or topic id (for `faq/`) concerned, when there is one. */
  key?: string;
  /** What is wrong, without quoting whole texts. */
  message: string;
}

/** One problem on one line: `messages/en.json: key "menu.prompt": missing (present in messages/ar.json)`. */
export function formatProblem(problem: ContentProblem): string {
  if (problem.key === undefined) return `${problem.file}: ${problem.message}`;
  const label = problem.file.startsWith('faq/') ? 'topic' : 'key';
  return `${problem.file}: ${label} "${problem.key}": ${problem.message}`;
}

/** Content refused; `problems` lists everything found, and the message has one line per problem. */
export class ContentError extends Error {
  override readonly name = 'ContentError';
  readonly problems: ContentProblem[];

  constructor(problems: ContentProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
  }
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
// Reading a file

/** Reads and parses one JSON file; reports a missing, unreadable, empty or invalid file. */
function readJson(root: string, file: string, otherFile: string, problems: ContentProblem[]): { value: unknown } | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const other = isFile(join(root, otherFile)) ? ` (${otherFile} exists; every text needs an Arabic and an English version)` : '';
      problems.push({ file, message: `file missing${other}` });
    } else {
      problems.push({ file, message: `cannot read the file (${code ?? 'unknown error'})` });
    }
    return undefined;
  }
  // Some editors save UTF-8 with a byte-order mark; it is invisible, so accept it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') {
    problems.push({ file, message: 'file is empty' });
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    problems.push({ file, message: describeJsonError(text, err) });
    return undefined;
  }
  for (const duplicate of scanJson(text).duplicates) {
    const lines = `lines ${lineColumn(text, duplicate.firstPos).line} and ${lineColumn(text, duplicate.pos).line}`;
    if (duplicate.path === '') {
      problems.push({ file, key: duplicate.key, message: `defined twice (${lines}); only the last would be used` });
    } else {
      problems.push({ file, message: `"${duplicate.key}" appears twice in ${duplicate.path} (${lines}); only the last would be used` });
    }
  }
  return { value };
}

/** `invalid JSON at line 12, column 40 (after key "menu.prompt"): expected ',' …`, never quoting the text. */
function describeJsonError(text: string, err: unknown): string {
  const found = scanJson(text).error;
  if (found !== undefined) {
    const { line, column } = lineColumn(text, found.pos);
    const near = found.lastKey === undefined ? '' : ` (after key "${found.lastKey}")`;
    return `invalid JSON at line ${line}, column ${column}${near}: ${found.reason}`;
  }
  // The scanner and the parser disagree (should not happen): fall back to the parser's own words,
  // without the snippet of text V8 quotes.
  const message = err instanceof Error ? err.message : String(err);
  const position = /at position (\d+)/.exec(message)?.[1];
  const at = position === undefined ? undefined : lineColumn(text, Number(position));
  const where = at === undefined ? '' : ` at line ${at.line}, column ${at.column}`;
  return `invalid JSON${where}: ${message.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '')}`;
}

function lineColumn(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, pos);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: Array.from(before.slice(lineStart)).length + 1 };
}

interface JsonScan {
  /** The first syntax error, for a file JSON.parse refused. */
  error?: { pos: number; reason: string; lastKey?: string };
  /** Keys appearing twice in one object; JSON.parse silently keeps the last. */
  duplicates: { path: string; key: string; pos: number; firstPos: number }[];
}

class JsonStop {
  constructor(
    readonly pos: number,
    readonly reason: string,
  ) {}
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * A strict JSON scanner that explains the first syntax error in words staff can
 * act on and finds duplicate keys. JSON.parse stays the authority on the value.
 */
function scanJson(text: string): JsonScan {
  let i = 0;
  let lastKey: string | undefined;
  const duplicates: JsonScan['duplicates'] = [];
  const fail = (reason: string, pos = i): never => {
    throw new JsonStop(pos, reason);
  };
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const string = (): string => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) fail('a text is not closed with "', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return JSON.parse(text.slice(start, i)) as string;
      }
      if (c === 0x5c) {
        const next = text[i + 1];
        if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (next !== undefined && next !== 'u' && '"\\/bfnrt'.includes(next)) i += 2;
        else fail('a backslash must be followed by " \\ / b f n r t or u and four hex digits (write \\\\ for a backslash)');
        continue;
      }
      if (c < 0x20) fail(c === 0x0a ? 'a line break inside a text (write \\n instead)' : 'a control character inside a text');
      i++;
    }
  };
  const value = (path: string): void => {
    skipSpace();
    const c = text[i];
    if (c === undefined) return fail('the file ends too early (a missing } or ]?)');
    if (c === '{') return object(path);
    if (c === '[') return array(path);
    if (c === '"') {
      string();
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    JSON_NUMBER.lastIndex = i;
    const number = JSON_NUMBER.exec(text);
    if (number !== null) {
      i += number[0].length;
      return;
    }
    if (c === '}' || c === ']') fail(`expected a value before "${c}" (a comma too many?)`);
    fail(
      c === "'"
        ? 'texts and keys must be in double quotes "…", not single quotes'
        : `unexpected character ${JSON.stringify(c)} (texts must be in double quotes)`,
    );
  };
  const object = (path: string): void => {
    i++;
    const seen = new Map<string, number>();
    skipSpace();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[i] !== '"') fail(text[i] === '}' ? 'a comma before } (remove the last comma)' : 'expected a key in double quotes');
      const keyPos = i;
      const key = string();
      lastKey = key;
      const firstPos = seen.get(key);
      if (firstPos === undefined) seen.set(key, keyPos);
      else duplicates.push({ path, key, pos: keyPos, firstPos });
      skipSpace();
      if (text[i] !== ':') fail("expected ':' after the key");
      i++;
      value(path === '' ? key : `${path}.${key}`);
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      if (i >= text.length) fail('the file ends too early (a missing }?)');
      fail(
        text[i] === '"' ? "expected ',' between two entries (a missing comma?)" : `expected ',' or '}' after the value (a " inside a text must be written \\")`,
      );
    }
  };
  const array = (path: string): void => {
    i++;
    skipSpace();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (let index = 0; ; index++) {
      value(`${path}[${index}]`);
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      if (i >= text.length) fail('the file ends too early (a missing ]?)');
      fail(`expected ',' or ']' after the value (a " inside a text must be written \\")`);
    }
  };
  try {
    value('');
    skipSpace();
    if (i < text.length) fail('unexpected text after the end (a } too many?)');
    return { duplicates };
  } catch (err) {
    if (err instanceof JsonStop) return { error: { pos: err.pos, reason: err.reason, ...(lastKey === undefined ? {} : { lastKey }) }, duplicates };
    throw err;
  }
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

// ---------------------------------------------------------------------------
// The running service's content

/** What {@link ContentStore} logs through. */
export type ContentLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/** Options for {@link ContentStore.watch}. */
export interface WatchOptions {
  /** Quiet time after the last change before reloading; editors write in several steps. */
  debounceMs?: number;
  /** Delay before watching a folder again after its watcher failed (the folder replaced or removed). */
  retryMs?: number;
}

/** The folders {@link ContentStore.watch} watches, relative to the root. */
const WATCHED_FOLDERS = ['messages', 'faq'];
const WATCHED_FILES = new Set(CONTENT_LANGUAGES.map((lang) => `${lang}.json`));

/**
 * The running service's content: the last good {@link Content}, replaced only by
 * content that passes every check.
 */
export class ContentStore {
  readonly root: string;
  #content: Content;
  readonly #logger: ContentLogger;
  readonly #listeners = new Set<(content: Content) => void>();

  private constructor(root: string, logger: ContentLogger, content: Content) {
    this.root = root;
    this.#logger = logger;
    this.#content = content;
  }

  /** Loads the content; throws {@link ContentError} so that a service never starts with bad content. */
  static open(root: string, logger: ContentLogger): ContentStore {
    return new ContentStore(root, logger, loadContent(root));
  }

  /** The last good content (deeply frozen). */
  get current(): Content {
    return this.#content;
  }

  /**
   * Reads the files again. Good content replaces the current one and is passed to
   * every `onChange` listener; bad content is logged, one line per problem (file
   * and key, never texts), and the last good content stays.
   */
  reload(): boolean {
    let content: Content;
    try {
      content = loadContent(this.root);
    } catch (err) {
      if (err instanceof ContentError) {
        for (const problem of err.problems) {
          this.#logger.error({ file: problem.file, key: problem.key, problem: problem.message }, 'content problem');
        }
        this.#logger.warn({ problems: err.problems.length }, 'content edit refused; keeping the last good content');
      } else {
        this.#logger.error(errorFields(err, { stack: true }), 'content reload failed; keeping the last good content');
      }
      return false;
    }
    this.#content = content;
    this.#logger.info(contentSummary(content), 'content reloaded');
    for (const listener of this.#listeners) {
      try {
        listener(content);
      } catch (err) {
        this.#logger.error(errorFields(err, { stack: true }), 'content change listener failed');
      }
    }
    return true;
  }

  /** Calls `listener` with the new content after each successful reload; returns a function that stops it. */
  onChange(listener: (content: Content) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Reloads when a content file changes. The folders are watched rather than the
   * files, so editors that save by writing a new file and renaming it over the
   * old one are followed; a folder whose watcher fails is watched again after
   * `retryMs`. Watchers and timers do not keep the process alive. Returns a
   * function that stops watching.
   */
  watch(options: WatchOptions = {}): () => void {
    const debounceMs = options.debounceMs ?? 300;
    const retryMs = options.retryMs ?? 1000;
    let stopped = false;
    let pending: NodeJS.Timeout | undefined;
    const watchers = new Map<string, FSWatcher>();
    const retries = new Set<NodeJS.Timeout>();

    const schedule = () => {
      if (stopped) return;
      if (pending !== undefined) clearTimeout(pending);
      pending = setTimeout(() => {
        pending = undefined;
        if (!stopped) this.reload();
      }, debounceMs);
      pending.unref();
    };
    const retry = (folder: string) => {
      const timer = setTimeout(() => {
        retries.delete(timer);
        if (stopped) return;
        attach(folder);
        schedule();
      }, retryMs);
      timer.unref();
      retries.add(timer);
    };
    const attach = (folder: string) => {
      const path = join(this.root, folder);
      let watcher: FSWatcher;
      try {
        watcher = watch(path, { persistent: false }, (_event, filename) => {
          if (filename === null || WATCHED_FILES.has(String(filename))) schedule();
        });
      } catch (err) {
        this.#logger.warn({ folder, ...errorFields(err) }, 'cannot watch a content folder; trying again');
        retry(folder);
        return;
      }
      watcher.on('error', (err) => {
        this.#logger.warn({ folder, ...errorFields(err) }, 'content folder watcher failed; watching it again');
        watcher.close();
        watchers.delete(folder);
        retry(folder);
      });
      watchers.set(folder, watcher);
    };

    for (const folder of WATCHED_FOLDERS) attach(folder);
    return () => {
      stopped = true;
      if (pending !== undefined) clearTimeout(pending);
      for (const timer of retries) clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    };
  }
}

// ---------------------------------------------------------------------------

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
