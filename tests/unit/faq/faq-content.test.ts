import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkFaqContent, loadFaqContent, placeholdersOf, type FaqContent, type FaqLanguage } from '../../../src/faq/faq-content.js';

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
  it('passes its own checks', () => {
    expect(checkFaqContent(content)).toEqual([]);
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
    for (const word of ['هوية', 'سجل الأسرة', 'الدخل', 'عقد الإيجار', 'التقارير الطبية', 'PDF']) expect(topic(content, 'ar', 'documents').answer).toContain(word);
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

describe('checkFaqContent', () => {
  it('reports a topic missing from one language, naming the file and the topic', () => {
    const broken = copy();
    broken.en.topics = broken.en.topics.filter((t) => t.id !== 'volunteer');
    const problems = checkFaqContent(broken);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('ar.json');
    expect(problems[0]).toContain('en.json');
    expect(problems[0]).toContain('"volunteer"');
  });

  it('reports topics in a different order', () => {
    const broken = copy();
    broken.en.topics.reverse();
    const problems = checkFaqContent(broken);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(/different place in en\.json/);
  });

  it('reports a placeholder that differs between the languages, naming the files and the topic', () => {
    const broken = copy();
    topic(broken, 'en', 'timeline').answer = topic(broken, 'en', 'timeline').answer.replace('{{days}}', 'fourteen');
    const problems = checkFaqContent(broken);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('"timeline"');
    expect(problems[0]).toContain('en.json');
    expect(problems[0]).toContain('ar: days');
  });

  it('reports a duplicate id, naming the file and the topic', () => {
    const broken = copy();
    broken.ar.topics.push({ ...topic(broken, 'ar', 'about') });
    const problems = checkFaqContent(broken);
    expect(problems).toContain('ar.json, topic "about": the id is used twice');
  });

  it('reports a badly formed id, empty phrases and an unknown placeholder', () => {
    const broken = copy();
    const about = topic(broken, 'en', 'about');
    about.phrases = [];
    about.answer += ' {{phone}}';
    const problems = checkFaqContent(broken);
    expect(problems).toContain('en.json, topic "about": "phrases" is empty; give a few ways people ask');
    expect(problems.some((p) => p.startsWith('en.json, topic "about": unknown placeholder {{phone}}'))).toBe(true);

    const badId = copy();
    topic(badId, 'ar', 'about').id = 'About Us';
    topic(badId, 'en', 'about').id = 'About Us';
    expect(checkFaqContent(badId).filter((p) => p.includes('"About Us": the id must'))).toHaveLength(2);
  });
});

describe('loadFaqContent', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  const writeBoth = (ar: unknown, en: unknown) => {
    dir = mkdtempSync(join(tmpdir(), 'faq-'));
    writeFileSync(join(dir, 'ar.json'), JSON.stringify(ar));
    writeFileSync(join(dir, 'en.json'), JSON.stringify(en));
    return dir;
  };

  it('reads both languages from a folder', () => {
    const loaded = loadFaqContent(writeBoth(content.ar, content.en));
    expect(loaded).toEqual(content);
  });

  it('refuses a file of the wrong shape, naming it', () => {
    const folder = writeBoth(content.ar, { topics: [{ id: 'about', title: '' }] });
    expect(() => loadFaqContent(folder)).toThrow(/en\.json/);
  });

  it('refuses content that fails the checks', () => {
    const en = structuredClone(content.en);
    en.topics.pop();
    const folder = writeBoth(content.ar, en);
    expect(() => loadFaqContent(folder)).toThrow(/missing from en\.json/);
  });
});
