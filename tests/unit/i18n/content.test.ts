import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ContentError,
  contentSummary,
  DEFAULT_CONTENT_ROOT,
  formatProblem,
  loadContent,
  type Content,
  type ContentProblem,
} from '../../../src/i18n/content.js';
import { ContentStore } from '../../../src/i18n/content-store.js';
import { createLogger } from '../../../src/logger.js';

const REAL_ROOT = fileURLToPath(new URL('../../../content/', import.meta.url));
const PLURAL = /_(zero|one|two|few|many|other)$/;

type Json = Record<string, unknown>;
type Faq = { topics: { id: string; title: string; answer: string; phrases: string[] }[] };

/** A minimal valid FAQ, so these tests never wait for the real one. */
const FAQ: Record<'ar' | 'en', Faq> = {
  ar: {
    topics: [
      { id: 'about', title: 'عن الجمعية', answer: 'نخدم الأسر في نمران، ونرد خلال {{days}} أيام عمل.', phrases: ['من أنتم', 'عن الجمعية'] },
      { id: 'hours', title: 'أوقات العمل', answer: 'من الأحد إلى الخميس. $t(contact.howToReach)', phrases: ['متى تفتحون'] },
    ],
  },
  en: {
    topics: [
      { id: 'about', title: 'About us', answer: 'We serve families in Nimran and reply within {{days}} working days.', phrases: ['who are you', 'about'] },
      { id: 'hours', title: 'Opening hours', answer: 'Sunday to Thursday. $t(contact.howToReach)', phrases: ['when are you open'] },
    ],
  },
};

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A temporary content root: a copy of the real messages and the FAQ fixture. */
function makeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'content-test-'));
  roots.push(root);
  cpSync(join(REAL_ROOT, 'messages'), join(root, 'messages'), { recursive: true });
  mkdirSync(join(root, 'faq'));
  writeJson(root, 'faq/ar.json', FAQ.ar);
  writeJson(root, 'faq/en.json', FAQ.en);
  return root;
}

function readJson<T = Json>(root: string, file: string): T {
  return JSON.parse(readFileSync(join(root, file), 'utf8')) as T;
}

function writeJson(root: string, file: string, value: unknown): void {
  writeFileSync(join(root, file), `${JSON.stringify(value, null, 2)}\n`);
}

function edit<T = Json>(root: string, file: string, change: (json: T) => void): void {
  const json = readJson<T>(root, file);
  change(json);
  writeJson(root, file, json);
}

/** The problems loading `root` reports; fails when the content is accepted. */
function problemsOf(root: string): ContentProblem[] {
  try {
    loadContent(root);
  } catch (err) {
    if (err instanceof ContentError) return err.problems;
    throw err;
  }
  throw new Error('the content was accepted');
}

const realEn = readJson<Record<string, string>>(REAL_ROOT, 'messages/en.json');
const realAr = readJson<Record<string, string>>(REAL_ROOT, 'messages/ar.json');
const nestedTargets = new Set(Object.values({ ...realAr, ...realEn }).flatMap((t) => [...t.matchAll(/\$t\(([^,)]+)/g)].map((m) => m[1]!.trim())));
/** A plain key (no plural, not nested anywhere), preferring the example. */
const PLAIN_KEY = ['menu.prompt', ...Object.keys(realEn)].find(
  (k) => k in realAr && k in realEn && !PLURAL.test(k) && !nestedTargets.has(k) && !/\{\{|\$t\(/.test(realEn[k]! + realAr[k]!),
)!;
/** A non-plural key with exactly one placeholder in both languages. */
const PLACEHOLDER_KEY = ['draft.resumed', ...Object.keys(realEn)].find((k) => {
  const names = (text: string | undefined) => [...new Set([...(text ?? '').matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]))];
  return !PLURAL.test(k) && !nestedTargets.has(k) && names(realEn[k]).length === 1 && names(realAr[k]).join() === names(realEn[k]).join();
})!;
const PLACEHOLDER = /\{\{(\w+)\}\}/.exec(realEn[PLACEHOLDER_KEY]!)![1]!;

describe('loadContent', () => {
  it('accepts the real messages with a valid FAQ, and counts them', () => {
    const content = loadContent(makeRoot());
    expect(content.messages.en[PLAIN_KEY]).toBe(realEn[PLAIN_KEY]);
    expect(content.messages.ar['review.files_one']).toBe(realAr['review.files_one']);
    expect(content.faq.en.topics.map((t) => t.id)).toEqual(['about', 'hours']);
    expect(contentSummary(content)).toEqual({
      messageKeys: new Set(Object.keys(realAr).map((k) => k.replace(PLURAL, ''))).size,
      faqTopics: 2,
    });
    expect(Object.isFrozen(content.messages.en)).toBe(true);
    expect(Object.isFrozen(content.faq.ar.topics[0]!.phrases)).toBe(true);
  });

  // The FAQ files are being written alongside this module; the repository's own folder is checked once both exist.
  it.skipIf(!existsSync(join(REAL_ROOT, 'faq/ar.json')) || !existsSync(join(REAL_ROOT, 'faq/en.json')))(
    'accepts the repository content folder, FAQ included',
    () => {
      expect(DEFAULT_CONTENT_ROOT).toBe(REAL_ROOT);
      const content = loadContent();
      expect(content.faq.ar.topics.length).toBe(content.faq.en.topics.length);
    },
  );

  it('refuses a key missing in English, naming the file and the key', () => {
    const root = makeRoot();
    edit(root, 'messages/en.json', (json) => delete json[PLAIN_KEY]);
    const problems = problemsOf(root);
    expect(problems).toEqual([{ file: 'messages/en.json', key: PLAIN_KEY, message: 'missing (present in messages/ar.json)' }]);
    expect(formatProblem(problems[0]!)).toBe(`messages/en.json: key "${PLAIN_KEY}": missing (present in messages/ar.json)`);
  });

  it('refuses a key missing in Arabic, naming messages/ar.json', () => {
    const root = makeRoot();
    edit(root, 'messages/en.json', (json) => (json['menu.newThing'] = 'New'));
    expect(problemsOf(root)).toEqual([{ file: 'messages/ar.json', key: 'menu.newThing', message: 'missing (present in messages/en.json)' }]);
  });

  it('refuses a missing language file, naming the file once rather than every key', () => {
    const root = makeRoot();
    rmSync(join(root, 'messages/en.json'));
    const problems = problemsOf(root);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'messages/en.json' });
    expect(problems[0]!.message).toMatch(/^file missing \(messages\/ar\.json exists/);

    const faqRoot = makeRoot();
    rmSync(join(faqRoot, 'faq/ar.json'));
    expect(problemsOf(faqRoot)).toEqual([{ file: 'faq/ar.json', message: expect.stringMatching(/^file missing/) }]);
  });

  it('refuses a missing content folder', () => {
    expect(problemsOf(join(tmpdir(), 'no-such-content-folder'))).toEqual([{ file: '.', message: expect.stringContaining('content folder not found') }]);
  });

  it.each([
    ['{{name}', (p: string) => `{{${p}}`],
    ['{name}}', (p: string) => `{${p}}}`],
    ['{{ }}', () => '{{ }}'],
    ['{name}', (p: string) => `{${p}}`],
    ['a translated name', () => '{{الاسم}}'],
  ])('refuses a broken placeholder (%s), naming the file and the key', (_case, broken) => {
    const root = makeRoot();
    edit(root, 'messages/en.json', (json) => (json[PLACEHOLDER_KEY] = String(json[PLACEHOLDER_KEY]).replace(`{{${PLACEHOLDER}}}`, broken(PLACEHOLDER))));
    const problems = problemsOf(root);
    // Only the malformed placeholder: the mismatch it causes is not reported twice.
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'messages/en.json', key: PLACEHOLDER_KEY });
    expect(problems[0]!.message).toContain(`malformed placeholder "${broken(PLACEHOLDER)}"`);
  });

  it('refuses placeholders whose names differ between the languages', () => {
    const root = makeRoot();
    edit(root, 'messages/en.json', (json) => (json[PLACEHOLDER_KEY] = String(json[PLACEHOLDER_KEY]).replace(`{{${PLACEHOLDER}}}`, '{{typo}}')));
    expect(problemsOf(root)).toEqual([
      {
        file: 'messages/en.json',
        key: PLACEHOLDER_KEY,
        message: `placeholders differ from messages/ar.json: missing {{${PLACEHOLDER}}}; unknown {{typo}}`,
      },
    ]);
  });

  it('refuses invalid JSON with the line, column and nearest key, without quoting the text', () => {
    const root = makeRoot();
    const text = readFileSync(join(root, 'messages/en.json'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes(`"${PLAIN_KEY}":`)) + 1;
    writeFileSync(join(root, 'messages/en.json'), text.replace(`"${PLAIN_KEY}": "`, `"${PLAIN_KEY}": "Send "menu" `));
    const problems = problemsOf(root);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.file).toBe('messages/en.json');
    expect(problems[0]!.message).toMatch(new RegExp(`^invalid JSON at line ${line}, column \\d+ \\(after key "${PLAIN_KEY.replace(/\./g, '\\.')}"\\): `));
    expect(problems[0]!.message).not.toContain('Send');

    writeFileSync(join(root, 'faq/ar.json'), '{ "topics": [ { "id": "about", }, ] }');
    expect(problemsOf(root)).toContainEqual({
      file: 'faq/ar.json',
      message: 'invalid JSON at line 1, column 32 (after key "id"): a comma before } (remove the last comma)',
    });
  });

  it('refuses an empty file, a non-text value, an empty text and a key defined twice', () => {
    const root = makeRoot();
    writeFileSync(join(root, 'faq/en.json'), '');
    edit(root, 'messages/ar.json', (json) => (json[PLAIN_KEY] = 5));
    edit(root, 'messages/en.json', (json) => (json[PLAIN_KEY] = '   '));
    const text = readFileSync(join(root, 'messages/en.json'), 'utf8');
    writeFileSync(join(root, 'messages/en.json'), text.replace('{\n', `{\n  "${PLACEHOLDER_KEY}": "old",\n`));
    const problems = problemsOf(root);
    expect(problems).toContainEqual({ file: 'faq/en.json', message: 'file is empty' });
    expect(problems).toContainEqual({ file: 'messages/ar.json', key: PLAIN_KEY, message: 'must be a text in double quotes, found a number' });
    expect(problems).toContainEqual({ file: 'messages/en.json', key: PLAIN_KEY, message: 'text is empty' });
    expect(problems).toContainEqual({ file: 'messages/en.json', key: PLACEHOLDER_KEY, message: expect.stringMatching(/^defined twice \(lines 2 and \d+\)/) });
  });

  it('refuses $t() nesting that points at a missing key', () => {
    const root = makeRoot();
    edit(root, 'messages/en.json', (json) => (json[PLAIN_KEY] = 'See $t(contact.nowhere)'));
    expect(problemsOf(root)).toEqual([
      { file: 'messages/en.json', key: PLAIN_KEY, message: '$t(contact.nowhere) refers to a message key that does not exist' },
    ]);
  });

  it('accepts plural keys with different forms per language, the one-form Arabic text without {{count}}', () => {
    const root = makeRoot();
    edit(root, 'messages/ar.json', (json) =>
      Object.assign(json, {
        'test.requests_zero': 'لا طلبات لدى {{name}}',
        'test.requests_one': 'طلب واحد لدى {{name}}',
        'test.requests_two': 'طلبان لدى {{name}}',
        'test.requests_few': '{{count}} طلبات لدى {{name}}',
        'test.requests_many': '{{count}} طلبًا لدى {{name}}',
        'test.requests_other': '{{count}} طلب لدى {{name}}',
      }),
    );
    edit(root, 'messages/en.json', (json) =>
      Object.assign(json, { 'test.requests_one': '{{name}} has {{count}} request', 'test.requests_other': '{{name}} has {{count}} requests' }),
    );
    expect(loadContent(root).messages.ar['test.requests_two']).toBe('طلبان لدى {{name}}');
  });

  it('refuses a missing or unused plural form, and plural forms differing by more than {{count}}', () => {
    const root = makeRoot();
    edit(root, 'messages/ar.json', (json) => {
      delete json['review.files_two'];
      json['review.files_few'] = '{{count}} ملفات {{name}}';
    });
    edit(root, 'messages/en.json', (json) => (json['review.files_few'] = '{{count}} files'));
    const problems = problemsOf(root);
    expect(problems).toContainEqual({
      file: 'messages/ar.json',
      key: 'review.files_two',
      message: 'missing plural form (Arabic uses _zero, _one, _two, _few, _many, _other)',
    });
    expect(problems).toContainEqual({
      file: 'messages/ar.json',
      key: 'review.files',
      message: 'plural forms use different placeholders (only {{count}} may differ): {{name}} in _few but not in _zero, _one, _many, _other',
    });
    expect(problems).toContainEqual({
      file: 'messages/en.json',
      key: 'review.files_few',
      message: expect.stringContaining('English has no "few" plural form'),
    });
  });

  it('refuses an FAQ topic missing in one language, naming the file and the topic', () => {
    const root = makeRoot();
    edit<Faq>(root, 'faq/en.json', (faq) => faq.topics.splice(1, 1));
    const problems = problemsOf(root);
    expect(problems).toEqual([{ file: 'faq/en.json', key: 'hours', message: 'missing (present in faq/ar.json)' }]);
    expect(formatProblem(problems[0]!)).toBe('faq/en.json: topic "hours": missing (present in faq/ar.json)');
  });

  it('refuses FAQ topics out of order, duplicate ids, empty fields, mismatched placeholders and missing nested keys', () => {
    const order = makeRoot();
    edit<Faq>(order, 'faq/en.json', (faq) => faq.topics.reverse());
    expect(problemsOf(order)).toEqual([
      { file: 'faq/en.json', key: 'hours', message: 'topic 1 here but topic 2 in faq/ar.json; topics must be in the same order in both languages' },
    ]);

    const root = makeRoot();
    edit<Faq>(root, 'faq/ar.json', (faq) => {
      faq.topics.push({ ...faq.topics[0]! });
      faq.topics[1]!.answer = 'راجع $t(contact.nowhere)';
    });
    edit<Faq>(root, 'faq/en.json', (faq) => {
      faq.topics[0]!.answer = 'We reply within {{dayz}} days.';
      faq.topics[1]!.title = ' ';
      faq.topics[1]!.phrases = [];
    });
    const problems = problemsOf(root);
    expect(problems).toContainEqual({ file: 'faq/ar.json', key: 'about', message: 'duplicate id (topics 1 and 3)' });
    expect(problems).toContainEqual({ file: 'faq/ar.json', key: 'hours', message: 'answer: $t(contact.nowhere) refers to a message key that does not exist' });
    expect(problems).toContainEqual({ file: 'faq/en.json', key: 'hours', message: 'title: is empty' });
    expect(problems).toContainEqual({ file: 'faq/en.json', key: 'hours', message: 'phrases: is empty (at least one phrase is needed)' });
    expect(problems).toContainEqual({
      file: 'faq/en.json',
      key: 'about',
      message: 'placeholders in title and answer differ from faq/ar.json: missing {{days}}; unknown {{dayz}}',
    });
  });

  it('refuses an FAQ file of the wrong shape', () => {
    const root = makeRoot();
    writeJson(root, 'faq/ar.json', [{ id: 'about' }]);
    writeJson(root, 'faq/en.json', { topics: [{ id: 'about', title: 'About', answer: 'x', phrases: 'about' }, 'hours'] });
    const problems = problemsOf(root);
    expect(problems).toContainEqual({ file: 'faq/ar.json', message: 'must be { "topics": [ … ] }, found a list' });
    expect(problems).toContainEqual({ file: 'faq/en.json', key: 'about', message: 'phrases: must be a list of texts [ "…" ], found a string' });
    expect(problems).toContainEqual({ file: 'faq/en.json', key: 'topics[1]', message: expect.stringContaining('must be an object') });
  });

  it('lists several problems at once, one line each, in a ContentError', () => {
    const root = makeRoot();
    edit(root, 'messages/en.json', (json) => {
      delete json[PLAIN_KEY];
      json[PLACEHOLDER_KEY] = String(json[PLACEHOLDER_KEY]).replace(`{{${PLACEHOLDER}}}`, `{{${PLACEHOLDER}}`);
    });
    edit<Faq>(root, 'faq/ar.json', (faq) => faq.topics.pop());
    let error: unknown;
    try {
      loadContent(root);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ContentError);
    const { problems, message } = error as ContentError;
    expect(problems.map((p) => [p.file, p.key])).toEqual([
      ['messages/en.json', PLACEHOLDER_KEY],
      ['messages/en.json', PLAIN_KEY],
      ['faq/ar.json', 'hours'],
    ]);
    expect(message.split('\n')).toEqual(problems.map(formatProblem));
  });

  it('accepts a file saved with a byte-order mark', () => {
    const root = makeRoot();
    writeFileSync(join(root, 'messages/en.json'), `\uFEFF${readFileSync(join(root, 'messages/en.json'), 'utf8')}`);
    expect(loadContent(root).messages.en[PLAIN_KEY]).toBe(realEn[PLAIN_KEY]);
  });
});

/** A logger writing JSON lines into memory. */
function memoryLogger() {
  let written = '';
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      written += chunk.toString();
      callback();
    },
  });
  return {
    logger: createLogger({ level: 'info', pretty: false, destination }),
    output: () => written,
    lines: () =>
      written
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Resolves with the next content `store` accepts, or rejects after `ms`. */
function nextChange(store: ContentStore, ms = 5000): Promise<Content> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('no content change within the time allowed'));
    }, ms);
    const stop = store.onChange((content) => {
      clearTimeout(timer);
      stop();
      resolve(content);
    });
  });
}

describe('ContentStore', () => {
  it('refuses to open on bad content', () => {
    const root = makeRoot();
    edit(root, 'messages/en.json', (json) => delete json[PLAIN_KEY]);
    expect(() => ContentStore.open(root, memoryLogger().logger)).toThrow(ContentError);
  });

  it('takes a good edit on reload and tells its listeners', () => {
    const root = makeRoot();
    const { logger, lines } = memoryLogger();
    const store = ContentStore.open(root, logger);
    const seen: Content[] = [];
    store.onChange((content) => seen.push(content));
    edit(root, 'messages/en.json', (json) => (json[PLAIN_KEY] = 'Main menu, edited'));

    expect(store.reload()).toBe(true);
    expect(store.current.messages.en[PLAIN_KEY]).toBe('Main menu, edited');
    expect(seen).toEqual([store.current]);
    expect(lines().at(-1)).toMatchObject({ level: 30, msg: 'content reloaded', faqTopics: 2 });
  });

  it('keeps the last good content after a bad edit and logs each problem by file and key, not text', () => {
    const root = makeRoot();
    const { logger, lines, output } = memoryLogger();
    const store = ContentStore.open(root, logger);
    const before = store.current;
    let changes = 0;
    store.onChange(() => changes++);
    edit(root, 'messages/en.json', (json) => {
      json[PLACEHOLDER_KEY] = `A long secret sentence {{${PLACEHOLDER}}`;
      delete json[PLAIN_KEY];
    });

    expect(store.reload()).toBe(false);
    expect(store.current).toBe(before);
    expect(changes).toBe(0);
    const errors = lines().filter((line) => line.level === 50);
    expect(errors.map((line) => [line.msg, line.file, line.key])).toEqual([
      ['content problem', 'messages/en.json', PLACEHOLDER_KEY],
      ['content problem', 'messages/en.json', PLAIN_KEY],
    ]);
    expect(errors[0]!.problem).toContain('malformed placeholder');
    expect(lines().at(-1)).toMatchObject({ level: 40, problems: 2 });
    expect(output()).not.toContain('secret sentence');
  });

  it('watches the folders: picks up an edit in place and a save by rename, ignores a bad one', async () => {
    const root = makeRoot();
    const { logger, lines } = memoryLogger();
    const store = ContentStore.open(root, logger);
    const stop = store.watch();
    try {
      let changed = nextChange(store);
      edit(root, 'messages/en.json', (json) => (json[PLAIN_KEY] = 'Edited in place'));
      expect((await changed).messages.en[PLAIN_KEY]).toBe('Edited in place');

      // A bad save is refused and logged; the content stays.
      edit(root, 'messages/en.json', (json) => delete json[PLAIN_KEY]);
      await expect.poll(() => lines().some((line) => line.msg === 'content problem' && line.key === PLAIN_KEY), { timeout: 5000 }).toBe(true);
      expect(store.current.messages.en[PLAIN_KEY]).toBe('Edited in place');

      // Editors that write a new file and rename it over the old one.
      changed = nextChange(store);
      const faq = structuredClone(FAQ.en);
      faq.topics[0]!.title = 'About the association';
      writeJson(root, 'faq/en.json.tmp', faq);
      edit(root, 'messages/en.json', (json) => (json[PLAIN_KEY] = 'Fixed'));
      renameSync(join(root, 'faq/en.json.tmp'), join(root, 'faq/en.json'));
      const content = await changed;
      expect(content.faq.en.topics[0]!.title).toBe('About the association');
      expect(content.messages.en[PLAIN_KEY]).toBe('Fixed');
    } finally {
      stop();
    }

    // Stopped: no more reloads.
    let late = 0;
    store.onChange(() => late++);
    edit(root, 'messages/en.json', (json) => (json[PLAIN_KEY] = 'After stop'));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(late).toBe(0);
  });
});
