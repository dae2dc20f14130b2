import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFaqContent, placeholdersOf, type FaqContent, type FaqLanguage } from '../../../src/faq/faq-content.js';
import { ContentError, DEFAULT_CONTENT_ROOT } from '../../../src/i18n/content.js';

const content = loadFaqContent();
const REQUIRED_TOPICS = ['about', 'eligibility', 'documents', 'process', 'timeline', 'contact', 'rights', 'volunteer'];

/** A deep copy to break on purpose. */
const copy = (): Record<FaqLanguage, FaqContent> => structuredClone(content);
const topic = (c: Record<FaqLanguage, FaqContent>, lang: FaqLanguage, id: string) => {
  const found = c[lang].topics.find((t) => t.id === id);
  if (!found) throw new Error(`no topic ${id} in ${lang}`);
  return found;
};

describe('the FAQ content', () => {
  it('has ten topics that pass the content checks', () => {
    expect(content.ar.topics).toHaveLength(10);
  });

  it('has the topics the issue asks for, in the same order in both languages', () => {
    const ids = content.ar.topics.map((t) => t.id);
    expect(content.en.topics.map((t) => t.id)).toEqual(ids);
    for (const id of REQUIRED_TOPICS) expect(ids).toContain(id);
  });

  it('says what the policy says about the committee, with the configured period', () => {
    expect(topic(content, 'ar', 'timeline').answer).toContain('لا تقل عن أسبوعين');
    expect(topic(content, 'en', 'timeline').answer).toContain('no less than two weeks');
    for (const lang of ['ar', 'en'] as const) expect(placeholdersOf(topic(content, lang, 'timeline').answer)).toEqual(['days']);
  });

  it('gives the seven steps, the documents, the way to a researcher, the rights and volunteering', () => {
    expect(topic(content, 'ar', 'process').answer).toMatch(/١\.[\s\S]*٧\./);
    expect(topic(content, 'en', 'process').answer).toMatch(/1\.[\s\S]*7\./);
    for (const word of ['هوية', 'سجل الأسرة', 'الدخل', 'عقد الإيجار', 'التقارير الطبية', 'PDF'])
      expect(topic(content, 'ar', 'documents').answer).toContain(word);
    for (const word of ['ID', 'family card', 'income', 'lease', 'Medical reports', 'PDF']) expect(topic(content, 'en', 'documents').answer).toContain(word);
    expect(topic(content, 'ar', 'contact').answer).toContain('«باحث»');
    expect(topic(content, 'en', 'contact').answer).toContain('"researcher"');
    expect(topic(content, 'ar', 'rights').answer).toContain('لا للعقاب والتشهير');
    expect(topic(content, 'en', 'rights').answer).toContain('never for punishment');
    expect(topic(content, 'ar', 'rights').answer).toContain('حذفها');
    expect(topic(content, 'en', 'rights').answer).toContain('delete');
    expect(topic(content, 'ar', 'volunteer').answer).toContain('من القائمة');
    expect(topic(content, 'en', 'volunteer').answer).toContain('from the main menu');
  });

  it('uses no placeholder but {{days}}, and no answer ends on the menu', () => {
    for (const lang of ['ar', 'en'] as const) {
      for (const t of content[lang].topics) {
        for (const name of placeholdersOf(t.answer)) expect(name, `${lang}/${t.id}`).toBe('days');
        const lastLine = t.answer.trim().split('\n').pop() ?? '';
        expect(lastLine, `${lang}/${t.id}`).not.toMatch(/القائمة|menu/i);
      }
    }
  });
});

describe('FAQ edits the content checks refuse, naming the file and the topic', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  /** The content with the FAQ replaced by `faq`, loaded; the problems, one per line. */
  const problemsWith = (faq: Record<FaqLanguage, FaqContent>): string[] => {
    root = mkdtempSync(join(tmpdir(), 'faq-content-'));
    cpSync(DEFAULT_CONTENT_ROOT, root, { recursive: true });
    for (const lang of ['ar', 'en'] as const) writeFileSync(join(root, 'faq', `${lang}.json`), JSON.stringify(faq[lang]));
    try {
      loadFaqContent(root);
      return [];
    } catch (error) {
      if (!(error instanceof ContentError)) throw error;
      return error.message.split('\n');
    }
  };

  it('a topic missing from one language', () => {
    const broken = copy();
    broken.en.topics = broken.en.topics.filter((t) => t.id !== 'volunteer');
    expect(problemsWith(broken)).toEqual(['faq/en.json: topic "volunteer": missing (present in faq/ar.json)']);
  });

  it('topics in a different order', () => {
    const broken = copy();
    broken.en.topics.reverse();
    expect(problemsWith(broken).join('\n')).toMatch(/faq\/en\.json: topic "\w+": topic 1 here but topic \d+ in faq\/ar\.json/);
  });

  it('a placeholder that differs between the languages', () => {
    const broken = copy();
    topic(broken, 'en', 'timeline').answer = topic(broken, 'en', 'timeline').answer.replace('{{days}}', 'fourteen');
    const problems = problemsWith(broken);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^faq\/en\.json: topic "timeline": placeholders in title and answer differ/);
  });

  it('a duplicate id, a badly formed id, empty phrases and an unknown placeholder', () => {
    const broken = copy();
    broken.ar.topics.push({ ...topic(broken, 'ar', 'about') });
    const about = topic(broken, 'en', 'about');
    about.phrases = [];
    topic(broken, 'en', 'eligibility').answer += ' {{phone}}';
    const problems = problemsWith(broken).join('\n');
    expect(problems).toContain('faq/ar.json: topic "about": duplicate id');
    expect(problems).toContain('faq/en.json: topic "about": phrases: is empty');
    expect(problems).toContain('faq/en.json: topic "eligibility": unknown placeholder {{phone}}');

    const badId = copy();
    topic(badId, 'ar', 'about').id = 'About Us';
    topic(badId, 'en', 'about').id = 'About Us';
    expect(problemsWith(badId).join('\n')).toContain('faq/ar.json: topic "About Us": id: id must be 2 to 31 lower-case letters');
  });
});
