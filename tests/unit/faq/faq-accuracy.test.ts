import { describe, expect, it } from 'vitest';
import { loadFaqContent } from '../../../src/faq/faq-content.js';
import { FAQ_THRESHOLDS, FaqMatcher, stemArabic, stemEnglish } from '../../../src/faq/faq-matcher.js';
import { normalizeArabic } from '../../../src/core/text/normalize-arabic.js';
import { LABELLED_QUESTIONS, OFF_TOPIC_QUESTIONS, type LabelledQuestion, type QuestionStyle } from './labelled-questions.js';

const content = loadFaqContent();
const matcher = new FaqMatcher(content);
const topicIds = content.ar.topics.map((t) => t.id);
const STYLES: readonly QuestionStyle[] = ['formal', 'gulf', 'english', 'typo', 'digits'];

const MIN_TOP1 = 0.85;
const MIN_TOP3 = 0.95;
const MIN_OFF_TOPIC_NOT_ANSWERED = 0.8;

const percent = (hits: number, total: number) => `${((100 * hits) / total).toFixed(1)}% (${hits}/${total})`;

interface Result {
  question: LabelledQuestion;
  top1: boolean;
  top3: boolean;
  ranked: { topicId: string; score: number }[];
}

function evaluate(questions: readonly LabelledQuestion[]): Result[] {
  return questions.map((question) => {
    const ranked = matcher.ranked(question.text);
    return {
      question,
      ranked,
      top1: ranked[0]?.topicId === question.topic,
      top3: ranked.slice(0, 3).some((r) => r.topicId === question.topic),
    };
  });
}

/** Whole-word containment of normalised texts, so "تطوع" is not "found" inside "التطوعي". */
function contains(haystack: string, needle: string): boolean {
  return ` ${haystack} `.includes(` ${needle} `);
}

describe('the labelled questions', () => {
  it('are enough, cover every topic several times and every style at least 12 times', () => {
    expect(LABELLED_QUESTIONS.length).toBeGreaterThanOrEqual(90);
    for (const q of LABELLED_QUESTIONS) expect(topicIds, q.text).toContain(q.topic);
    for (const id of topicIds) expect(LABELLED_QUESTIONS.filter((q) => q.topic === id).length, id).toBeGreaterThanOrEqual(5);
    for (const style of STYLES) expect(LABELLED_QUESTIONS.filter((q) => q.style === style).length, style).toBeGreaterThanOrEqual(12);
    expect(OFF_TOPIC_QUESTIONS.length).toBeGreaterThanOrEqual(10);
    for (const q of OFF_TOPIC_QUESTIONS) expect(q.topic).toBeNull();
    const texts = [...LABELLED_QUESTIONS, ...OFF_TOPIC_QUESTIONS].map((q) => normalizeArabic(q.text));
    expect(new Set(texts).size, 'a question is repeated').toBe(texts.length);
  });

  it('are not copied from the content, nor the content from them', () => {
    // Every title, phrase and answer of both languages, normalised. A labelled
    // question may not equal or sit inside any of them; a title or phrase of two
    // words or more may not sit inside a question (one keyword inside a question
    // is the keyword doing its job, not a copy).
    const texts = (['ar', 'en'] as const).flatMap((lang) =>
      content[lang].topics.flatMap((t) =>
        [t.title, t.answer, ...t.phrases].map((text) => ({ where: `${lang}/${t.id}: ${text}`, text: normalizeArabic(text) })),
      ),
    );
    const copies: string[] = [];
    for (const q of [...LABELLED_QUESTIONS, ...OFF_TOPIC_QUESTIONS]) {
      const question = normalizeArabic(q.text);
      for (const c of texts) {
        if (contains(c.text, question)) copies.push(`question "${q.text}" is in ${c.where}`);
        else if (c.text.includes(' ') && contains(question, c.text)) copies.push(`${c.where} is in question "${q.text}"`);
      }
    }
    expect(copies).toEqual([]);
  });
});

describe('FAQ accuracy on the labelled questions', () => {
  it(`finds the right topic first for ${MIN_TOP1 * 100}% and among the first three for ${MIN_TOP3 * 100}%`, () => {
    const results = evaluate(LABELLED_QUESTIONS);
    const count = (rs: Result[], key: 'top1' | 'top3') => rs.filter((r) => r[key]).length;
    const lines = [`FAQ accuracy: top-1 ${percent(count(results, 'top1'), results.length)}, top-3 ${percent(count(results, 'top3'), results.length)}`];
    for (const style of STYLES) {
      const rs = results.filter((r) => r.question.style === style);
      lines.push(`  ${style.padEnd(8)} top-1 ${percent(count(rs, 'top1'), rs.length)}, top-3 ${percent(count(rs, 'top3'), rs.length)}`);
    }
    const decisions = LABELLED_QUESTIONS.map((q) => ({ q, m: matcher.match(q.text) }));
    const answered = decisions.filter((d) => d.m.kind === 'answer');
    const wrong = answered.filter((d) => d.m.kind === 'answer' && d.m.topicId !== d.q.topic);
    lines.push(
      `  decisions: ${answered.length} answered (${wrong.length} wrongly), ` +
        `${decisions.filter((d) => d.m.kind === 'choices').length} offered choices, ${decisions.filter((d) => d.m.kind === 'none').length} none`,
    );
    for (const r of results.filter((x) => !x.top1)) {
      const top = r.ranked
        .slice(0, 3)
        .map((x) => `${x.topicId} ${x.score.toFixed(2)}`)
        .join(', ');
      lines.push(`  miss${r.top3 ? ' (in top 3)' : ''}: "${r.question.text}" [${r.question.style}] wanted ${r.question.topic}, got ${top}`);
    }
    for (const d of wrong) lines.push(`  wrong answer: "${d.q.text}" wanted ${d.q.topic}, answered ${d.m.kind === 'answer' ? d.m.topicId : ''}`);
    // eslint-disable-next-line no-console -- the figures are what this test is for
    console.log(lines.join('\n'));

    expect(count(results, 'top1') / results.length).toBeGreaterThanOrEqual(MIN_TOP1);
    expect(count(results, 'top3') / results.length).toBeGreaterThanOrEqual(MIN_TOP3);
  });

  it(`never answers at least ${MIN_OFF_TOPIC_NOT_ANSWERED * 100}% of off-topic chit-chat with confidence`, () => {
    const decisions = OFF_TOPIC_QUESTIONS.map((q) => ({ text: q.text, m: matcher.match(q.text) }));
    const answered = decisions.filter((d) => d.m.kind === 'answer');
    // eslint-disable-next-line no-console -- the figures are what this test is for
    console.log(
      `FAQ off-topic: ${percent(decisions.length - answered.length, decisions.length)} not answered ` +
        `(${decisions.filter((d) => d.m.kind === 'none').length} none, ${decisions.filter((d) => d.m.kind === 'choices').length} choices)` +
        answered.map((d) => `\n  answered: "${d.text}" → ${d.m.kind === 'answer' ? d.m.topicId : ''}`).join(''),
    );
    expect((decisions.length - answered.length) / decisions.length).toBeGreaterThanOrEqual(MIN_OFF_TOPIC_NOT_ANSWERED);
  });
});

describe('FaqMatcher', () => {
  it.each([
    ['hamza on alef', 'أريد أن أتطوع', 'اريد ان اتطوع'],
    ['alef madda and hamza below', 'إلى من أشتكي؟ آسف', 'الى من اشتكي اسف'],
    ['ta marbuta', 'ما المستندات المطلوبة للجمعية', 'ما المستندات المطلوبه للجمعيه'],
    ['alef maqsura', 'متى يصدر القرار', 'متي يصدر القرار'],
    ['tashkeel', 'مَا هِيَ المُسْتَنَدَاتُ المَطْلُوبَةُ؟', 'ما هي المستندات المطلوبة'],
    ['tatweel', 'المـــستندات المطلــوبة', 'المستندات المطلوبة'],
    ['Arabic-Indic digits', 'الرد خلال ١٤ يوم', 'الرد خلال 14 يوم'],
    ['Eastern Arabic-Indic digits', 'الرد خلال ۱۴ يوم', 'الرد خلال 14 يوم'],
    ['invisible marks', 'كيف\u200f أتطوع\u200b', 'كيف أتطوع'],
    ['English case and punctuation', 'HOW can I Volunteer?!', 'how can i volunteer'],
  ])('ranks %s variants the same', (_name, variant, plain) => {
    expect(matcher.ranked(variant)).toEqual(matcher.ranked(plain));
    expect(matcher.match(variant)).toEqual(matcher.match(plain));
  });

  it('answers a clear question with its topic and a score', () => {
    expect(matcher.match('وش الاوراق المطلوبه')).toMatchObject({ kind: 'answer', topicId: 'documents' });
    expect(matcher.match('how can i volunteer')).toMatchObject({ kind: 'answer', topicId: 'volunteer' });
    const match = matcher.match('كم يوم ياخذ الرد');
    expect(match.kind === 'answer' && match.score >= FAQ_THRESHOLDS.answer).toBe(true);
  });

  it('answers in either language whatever the chat language, from one matcher', () => {
    expect(matcher.match('ابي اتطوع')).toMatchObject({ kind: 'answer', topicId: 'volunteer' });
    expect(matcher.match('i want to volunteer')).toMatchObject({ kind: 'answer', topicId: 'volunteer' });
  });

  it.each(['طلبي', 'دعم', 'الطلب كيف', 'my request', 'help'])('offers two or three topics when unsure: %s', (text) => {
    const match = matcher.match(text);
    expect(match.kind).toBe('choices');
    if (match.kind !== 'choices') return;
    expect(match.topicIds.length).toBeGreaterThanOrEqual(2);
    expect(match.topicIds.length).toBeLessThanOrEqual(3);
    expect(new Set(match.topicIds).size).toBe(match.topicIds.length);
    expect(match.topicIds).toEqual(
      matcher
        .ranked(text)
        .slice(0, match.topicIds.length)
        .map((r) => r.topicId),
    );
  });

  it.each(['', '   ', '🙏🙏🌹', '؟؟؟ !!', '١٢٣٤٥', 'وش هو', 'the and of', 'x'])('finds nothing in %j', (text) => {
    expect(matcher.match(text)).toEqual({ kind: 'none' });
  });

  it('finds nothing when no word is known', () => {
    expect(matcher.match('كبسه بيتزا شاورما')).toEqual({ kind: 'none' });
    expect(matcher.match('football weather movie')).toEqual({ kind: 'none' });
  });

  it('takes a misspelt word for the one meant', () => {
    expect(matcher.ranked('ايش المسنتدات')[0]?.topicId).toBe('documents');
    expect(matcher.ranked('volunter')[0]?.topicId).toBe('volunteer');
  });

  it('ranks every topic, best first, with scores between 0 and 1', () => {
    const ranked = matcher.ranked('متى يردون علي');
    expect(ranked.map((r) => r.topicId).sort()).toEqual([...topicIds].sort());
    for (let i = 1; i < ranked.length; i += 1) expect(ranked[i - 1]!.score).toBeGreaterThanOrEqual(ranked[i]!.score);
    for (const r of ranked) expect(r.score).toBeGreaterThanOrEqual(0);
    for (const r of ranked) expect(r.score).toBeLessThanOrEqual(1);
  });

  it('is deterministic: same input, same output, from the same or a new matcher', () => {
    const again = new FaqMatcher(loadFaqContent());
    for (const q of [...LABELLED_QUESTIONS.slice(0, 30), ...OFF_TOPIC_QUESTIONS]) {
      const first = JSON.stringify([matcher.match(q.text), matcher.ranked(q.text)]);
      expect(JSON.stringify([matcher.match(q.text), matcher.ranked(q.text)])).toBe(first);
      expect(JSON.stringify([again.match(q.text), again.ranked(q.text)])).toBe(first);
    }
  });

  it('breaks ties in menu order', () => {
    const ranked = matcher.ranked('كبسه');
    expect(ranked.map((r) => r.topicId)).toEqual(topicIds);
  });
});

describe('light stemming', () => {
  it.each([
    ['الجمعية', 'جمعيتكم'],
    ['حالة', 'حالتي'],
    ['المستندات', 'مستنداتي'],
    ['بيانات', 'بياناتي'],
    ['متطوع', 'متطوعين'],
    ['سعودي', 'سعوديًا'],
  ])('meets %s and %s', (a, b) => {
    expect(stemArabic(normalizeArabic(a))).toBe(stemArabic(normalizeArabic(b)));
  });

  it('never cuts an Arabic word below three letters', () => {
    for (const word of ['رد', 'حق', 'كم', 'بيت', 'لجنه', 'وقتي', 'فرد'])
      expect([...stemArabic(normalizeArabic(word))].length).toBeGreaterThanOrEqual(Math.min(3, word.length));
    expect(stemArabic('وقتي')).toBe('وقت');
  });

  it.each([
    ['documents', 'document'],
    ['required', 'require'],
    ['volunteering', 'volunteer'],
    ['studies', 'study'],
    ['applied', 'apply'],
  ])('meets %s and %s', (a, b) => {
    expect(stemEnglish(a)).toBe(stemEnglish(b));
  });
});
