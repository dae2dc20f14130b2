/**
 * Finds the FAQ topic a free-text question is about, in Arabic (formal or Gulf
 * dialect) or English, misspellings included.
 *
 * How: the question and every topic (title, phrases and, at a lower weight, the
 * answer, in both languages at once) go through the same analysis — Arabic
 * normalisation, dialect and synonym folding, stop words, light stemming — into
 * terms. Each topic is then scored by the share of the question it covers:
 * BM25 without length normalisation, divided by the best score any topic could
 * reach for this question, so a score reads as "how much of what was asked this
 * topic answers", from 0 to just under 1, whatever the length of the question.
 * A word the topics do not know is matched to the nearest known word when it is
 * close enough (a typo); otherwise it still counts against every topic, which
 * is what keeps chit-chat from being answered.
 *
 * Pure and deterministic: built once from the content, no I/O, no randomness,
 * ties broken by menu order.
 *
 * @packageDocumentation
 */

import { normalizeArabic } from '../core/text/normalize-arabic.js';
import { FAQ_LANGUAGES, type FaqContent, type FaqLanguage } from './faq-content.js';
import type { FaqMatch } from '../engine/contract.js';
import { EXPRESSIONS, STOP_WORDS_LIST, SYNONYM_GROUPS } from './faq-words.js';
import { ARABIC, ARABIC_CLITICS, MIN_ARABIC_STEM, stem, stemArabic } from './stemming.js';

export { stemArabic, stemEnglish } from './stemming.js';

/**
 * How a ranking becomes a decision (scores are the share of the question a
 * topic covers, see the module comment).
 */
export const FAQ_THRESHOLDS = {
  /** Below this, nothing matches well enough to offer: the bot hands over to a researcher. */
  none: 0.3,
  /**
   * From this the best topic may be answered directly. A term met once in the
   * body of an answer brings only 0.375 of its weight, so a direct answer needs
   * part of the question to be in a topic's title or phrases.
   */
  answer: 0.5,
  /** ...when the runner-up is at least this far behind; closer, it is the person's choice. */
  margin: 0.15,
  /**
   * ...and when the words matched carry at least this much idf in all (about one
   * word found in no more than two or three topics): a share of a question made
   * only of common words ("my request", "support") is a large share of very
   * little, so those get choices.
   */
  evidence: 1.25,
  /** A third choice is offered only when it scores at least this fraction of the best. */
  thirdChoice: 0.6,
} as const;

/** How much one occurrence of a term counts, by where it is in a topic. */
const FIELD_WEIGHT = { title: 2, phrase: 1, answer: 0.3 } as const;

/**
 * BM25's k1: how fast repeated occurrences stop adding up. Small, because a
 * topic that names a term in two phrases is not much more about it than one
 * that names it once.
 */
const SATURATION = 0.5;

/**
 * The weight of a question word no topic knows. About that of a word found in
 * three topics: enough that a message mostly about something else ("what is the
 * best phone") does not look like a confident match on its one known word.
 */
const UNKNOWN_WORD_WEIGHT = 1;

/**
 * A misspelt word is taken for a known one when they are this similar (0..1) and
 * both are at least this long: a three-letter word is one letter away from
 * too many others (رايك is not راض, هلال is not هلا).
 */
const FUZZY_MIN_SIMILARITY = 0.75;
const FUZZY_MIN_LENGTH = 4;
/** Two more or fewer letters already cost more similarity than a typo may. */
const MAX_LENGTH_DIFFERENCE = 2;

/**
 * Questions are a line or two; past this many words a message is a story, and
 * its first words say what it is about. Keeps the typo search bounded.
 */
const MAX_QUESTION_WORDS = 40;

// ---------------------------------------------------------------------------
// Analysis: text → words → terms.

const NOT_A_LETTER = /[^\p{L}\s]+/gu;

/**
 * The words of a text, normalised, without digits, emoji or one-letter words
 * (a number or an emoji says nothing about the topic; "ع" and "u" are shorthand
 * stop words), with two-word expressions rewritten.
 */
function wordsOf(text: string): string[] {
  const words = normalizeArabic(text)
    .replace(NOT_A_LETTER, ' ')
    .split(/\s+/)
    .filter((w) => [...w].length > 1);
  return rewriteExpressions(words);
}

const EXPRESSION_MAP = new Map(Object.entries(EXPRESSIONS).map(([from, to]) => [normalizeArabic(from), normalizeArabic(to)]));

function rewriteExpressions(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const pair = EXPRESSION_MAP.get(`${words[i]} ${words[i + 1] ?? ''}`);
    if (pair === undefined) {
      out.push(words[i] as string);
      continue;
    }
    if (pair !== '') out.push(pair);
    i += 1;
  }
  return out;
}

/** Words ending in "your" (plural), which the lexicon keeps as typed, see below. */
const SECOND_PERSON = /كم$/;

/** Marks a word that carries no topic. */
const STOP = '';

/**
 * Every form the analysis knows without the topics — stop words and synonym
 * keys, as typed and stemmed — with the term each stands for (STOP for a stop
 * word). Built once.
 */
const LEXICON: ReadonlyMap<string, string> = buildLexicon();

function buildLexicon(): Map<string, string> {
  const lexicon = new Map<string, string>();
  const add = (form: string, term: string, withStem: boolean) => {
    const word = normalizeArabic(form);
    for (const key of withStem ? [word, stem(word)] : [word]) if (!lexicon.has(key)) lexicon.set(key, term);
  };
  // Stop words as typed only: the stem of حقه or عندكم is a word of its own.
  for (const word of STOP_WORDS_LIST) add(word, STOP, false);
  const stops = new Set(STOP_WORDS_LIST.map(normalizeArabic));
  for (const [canonical, variants] of Object.entries(SYNONYM_GROUPS)) {
    const word = normalizeArabic(canonical);
    const value = stops.has(word) ? STOP : stem(word);
    add(canonical, value, true);
    // "your number" (رقمكم) is the association's; the bare stem (رقم) is anybody's.
    for (const variant of variants) add(variant, value, !SECOND_PERSON.test(normalizeArabic(variant)));
  }
  return lexicon;
}

/** The term a word stands for by itself: its lexicon entry, else its stem. */
function termOf(word: string): string {
  return LEXICON.get(word) ?? LEXICON.get(stem(word)) ?? stem(word);
}

/**
 * The word without a leading single-letter clitic (و ف ب ل ك), stemmed, and
 * for "لل" the article it hides (للجنه is ل + اللجنه).
 */
function withoutClitic(word: string): string[] {
  if (!ARABIC.test(word)) return [];
  const forms: string[] = [];
  if (word.startsWith('لل')) forms.push(stemArabic(`ا${word.slice(1)}`));
  for (const clitic of ARABIC_CLITICS) {
    const rest = word.slice(clitic.length);
    if (word.startsWith(clitic) && [...rest].length >= MIN_ARABIC_STEM) forms.push(rest, stemArabic(rest));
  }
  return forms;
}

/**
 * The term of a word, exactly, given the terms the topics use: a stop word or
 * synonym as typed or stemmed; else, when dropping a leading clitic gives a
 * known word (لتطوير → تطوير, وسداد → سداد), that word; else its own stem if
 * the topics use it. Undefined when none of these is known.
 */
function exactTerm(word: string, vocabulary: ReadonlySet<string>): string | undefined {
  const lexical = LEXICON.get(word) ?? LEXICON.get(stem(word));
  if (lexical !== undefined) return lexical;
  for (const form of withoutClitic(word)) {
    const term = LEXICON.get(form) ?? (vocabulary.has(form) ? form : undefined);
    if (term !== undefined) return term;
  }
  const own = stem(word);
  if (vocabulary.has(own)) return own;
  return withoutVerbPrefix(word).find((form) => vocabulary.has(form));
}

// The prefixes of the present tense (اطلب, نطلب, يطلب, تطلب). Only tried last,
// and only towards a word the topics use, since they also begin many nouns.
const VERB_PREFIXES = ['ا', 'ن', 'ي', 'ت'];

function withoutVerbPrefix(word: string): string[] {
  const rest = word.slice(1);
  const prefixed = ARABIC.test(word) && VERB_PREFIXES.some((p) => word.startsWith(p));
  return prefixed && [...rest].length >= MIN_ARABIC_STEM ? [stemArabic(rest)] : [];
}

/** A question word, resolved: the term and how sure we are it is that term (1, or the typo similarity). */
interface QueryTerm {
  term: string | null;
  similarity: number;
}

// ---------------------------------------------------------------------------
// Similarity for misspellings.

/** A word prepared for typo comparison: its letters and its character trigrams, boundaries marked. */
interface Spelling {
  letters: string[];
  trigrams: Map<string, number>;
}

function spelling(word: string): Spelling {
  const letters = [...word];
  const padded = ['#', ...letters, '#'];
  const trigrams = new Map<string, number>();
  for (let i = 0; i + 3 <= padded.length; i += 1) {
    const gram = padded.slice(i, i + 3).join('');
    trigrams.set(gram, (trigrams.get(gram) ?? 0) + 1);
  }
  return { letters, trigrams };
}

/** Dice coefficient of the character trigrams. */
function trigramSimilarity(a: Spelling, b: Spelling): number {
  let shared = 0;
  let total = 0;
  for (const [gram, n] of a.trigrams) {
    shared += Math.min(n, b.trigrams.get(gram) ?? 0);
    total += n;
  }
  for (const n of b.trigrams.values()) total += n;
  return total === 0 ? 0 : (2 * shared) / total;
}

/**
 * 1 − (Damerau–Levenshtein distance, adjacent swaps included / longer length).
 * Trigrams alone are harsh on the three- to five-letter words Arabic stems
 * mostly are: one wrong letter in a four-letter word breaks three trigrams of four.
 */
function editSimilarity(a: Spelling, b: Spelling): number {
  const x = a.letters;
  const y = b.letters;
  // Three rows of the distance table: two back for a swap, one back, this one.
  let before = new Array<number>(y.length + 1).fill(0);
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= y.length; j += 1) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let d = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) d = Math.min(d, (before[j - 2] ?? 0) + 1);
      current.push(d);
    }
    before = previous;
    previous = current;
  }
  return 1 - (previous[y.length] ?? 0) / Math.max(x.length, y.length, 1);
}

function similarity(a: Spelling, b: Spelling): number {
  return Math.max(trigramSimilarity(a, b), editSimilarity(a, b));
}

// ---------------------------------------------------------------------------
// The matcher.

interface TopicIndex {
  id: string;
  /** Weighted occurrences of each term (FIELD_WEIGHT per occurrence). */
  weights: Map<string, number>;
}

export class FaqMatcher {
  private readonly topics: TopicIndex[];
  private readonly vocabulary: ReadonlySet<string>;
  private readonly idf: Map<string, number>;
  /** Every form a misspelt word may be taken for, with its term (the lexicon and the topics' terms), by length. */
  private readonly fuzzyTargets: Map<number, FuzzyTarget[]>;

  constructor(content: Record<FaqLanguage, FaqContent>) {
    // Two passes: the first collects the words the content uses, so that the
    // second can tell "لتطوير" is ل + a known word and index it as that word.
    const firstPass = vocabularyOf(indexTopics(content, termOf));
    this.topics = indexTopics(content, (word) => exactTerm(word, firstPass) ?? termOf(word));
    this.vocabulary = vocabularyOf(this.topics);
    this.idf = inverseTopicFrequency(this.topics);
    this.fuzzyTargets = fuzzyTargetsByLength([...LEXICON, ...[...this.vocabulary].filter((t) => !LEXICON.has(t)).map((t): [string, string] => [t, t])]);
  }

  /** Every topic, best first, with its score (0..1); ties in menu order. */
  ranked(text: string): { topicId: string; score: number }[] {
    return this.score(this.analyse(text));
  }

  /** The decision: answer the best topic, offer the two or three nearest, or nothing. */
  match(text: string): FaqMatch {
    const query = this.analyse(text);
    if (!query.some((q) => q.term !== STOP)) return { kind: 'none' };
    const [first, second, third] = this.score(query);
    if (!first || first.score < FAQ_THRESHOLDS.none) return { kind: 'none' };
    const runnerUp = second?.score ?? 0;
    const clear = first.score >= FAQ_THRESHOLDS.answer && first.score - runnerUp >= FAQ_THRESHOLDS.margin;
    if (clear && this.evidence(query, first.topicId) >= FAQ_THRESHOLDS.evidence) {
      return { kind: 'answer', topicId: first.topicId, score: first.score };
    }
    const choices = [first, second].filter((t): t is ScoredTopic => t !== undefined);
    if (third && third.score > 0 && third.score >= first.score * FAQ_THRESHOLDS.thirdChoice) choices.push(third);
    return { kind: 'choices', topicIds: choices.map((t) => t.topicId) };
  }

  /** The question's words resolved to terms; stop words kept so `match` can tell "no content" from "unknown". */
  private analyse(text: string): QueryTerm[] {
    return wordsOf(text)
      .slice(0, MAX_QUESTION_WORDS)
      .map((word) => this.resolve(word));
  }

  /** A question word as a term: exactly, else the nearest known form if it is a likely typo, else unknown. */
  private resolve(word: string): QueryTerm {
    const exact = exactTerm(word, this.vocabulary);
    if (exact !== undefined) return { term: exact, similarity: 1 };
    return this.nearestKnown([word, stem(word), ...withoutClitic(word)]) ?? { term: null, similarity: 0 };
  }

  private nearestKnown(forms: string[]): QueryTerm | undefined {
    let best: QueryTerm | undefined;
    for (const form of new Set(forms)) {
      const length = [...form].length;
      if (length < FUZZY_MIN_LENGTH) continue;
      const typed = spelling(form);
      for (let knownLength = length - MAX_LENGTH_DIFFERENCE; knownLength <= length + MAX_LENGTH_DIFFERENCE; knownLength += 1) {
        for (const { known, term } of this.fuzzyTargets.get(knownLength) ?? []) {
          const s = similarity(typed, known);
          // Strictly better only, so the first target (fixed order, built once) wins ties.
          if (s >= FUZZY_MIN_SIMILARITY && (!best || s > best.similarity)) best = { term, similarity: s };
        }
      }
    }
    return best;
  }

  /** The idf the question's terms found in a topic carry, in all (how much was recognised, not what share). */
  private evidence(query: QueryTerm[], topicId: string): number {
    const topic = this.topics.find((t) => t.id === topicId);
    if (!topic) return 0;
    return query.reduce((sum, q) => (q.term && topic.weights.has(q.term) ? sum + (this.idf.get(q.term) ?? 0) * q.similarity : sum), 0);
  }

  /**
   * Each topic's share of the question: for every question term, its idf times
   * how well it matched (1, or the typo similarity) times BM25's saturated
   * frequency of the term in the topic, summed and divided by the sum of the
   * idfs, which is what a topic containing every term many times would get.
   * Unknown words add to that sum only.
   */
  private score(query: QueryTerm[]): ScoredTopic[] {
    const content = query.filter((q) => q.term !== STOP);
    const weightOf = (q: QueryTerm) => (q.term === null ? UNKNOWN_WORD_WEIGHT : (this.idf.get(q.term) ?? UNKNOWN_WORD_WEIGHT));
    const total = content.reduce((sum, q) => sum + weightOf(q), 0);
    const scored = this.topics.map((topic, order) => {
      let covered = 0;
      for (const q of content) {
        if (q.term === null) continue;
        const tf = topic.weights.get(q.term) ?? 0;
        covered += weightOf(q) * q.similarity * (tf / (tf + SATURATION));
      }
      return { topicId: topic.id, score: total === 0 ? 0 : round(covered / total), order };
    });
    scored.sort((a, b) => b.score - a.score || a.order - b.order);
    return scored.map(({ topicId, score }) => ({ topicId, score }));
  }
}

interface ScoredTopic {
  topicId: string;
  score: number;
}

/** Scores are rounded so that floating-point noise never reorders two equal topics. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

interface FuzzyTarget {
  known: Spelling;
  term: string;
}

function fuzzyTargetsByLength(entries: [form: string, term: string][]): Map<number, FuzzyTarget[]> {
  const byLength = new Map<number, FuzzyTarget[]>();
  for (const [form, term] of entries) {
    const length = [...form].length;
    if (length < FUZZY_MIN_LENGTH) continue;
    byLength.set(length, [...(byLength.get(length) ?? []), { known: spelling(form), term }]);
  }
  return byLength;
}

function vocabularyOf(topics: TopicIndex[]): Set<string> {
  return new Set(topics.flatMap((t) => [...t.weights.keys()]));
}

/** Per topic, the weighted occurrences of each term over both languages' title, phrases and answer. */
function indexTopics(content: Record<FaqLanguage, FaqContent>, termOfWord: (word: string) => string): TopicIndex[] {
  const order = content.ar.topics.map((t) => t.id);
  for (const t of content.en.topics) if (!order.includes(t.id)) order.push(t.id);
  return order.map((id) => {
    const weights = new Map<string, number>();
    const add = (text: string, weight: number) => {
      for (const word of wordsOf(stripPlaceholders(text))) {
        const term = termOfWord(word);
        if (term !== STOP) weights.set(term, (weights.get(term) ?? 0) + weight);
      }
    };
    for (const lang of FAQ_LANGUAGES) {
      const topic = content[lang].topics.find((t) => t.id === id);
      if (!topic) continue;
      add(topic.title, FIELD_WEIGHT.title);
      for (const phrase of topic.phrases) add(phrase, FIELD_WEIGHT.phrase);
      add(topic.answer, FIELD_WEIGHT.answer);
    }
    return { id, weights };
  });
}

/** `{{days}}` is filled in later; its name is not something a person asks about. */
function stripPlaceholders(text: string): string {
  return text.replace(/\{\{\s*\w+\s*\}\}/g, ' ');
}

/**
 * BM25's idf over topics, where a topic that has a term only in its answer
 * counts as part of a topic: the answer is where every topic mentions its
 * neighbours ("the committee", "two weeks"), so it should not make a term common.
 */
function inverseTopicFrequency(topics: TopicIndex[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const topic of topics) {
    for (const [term, weight] of topic.weights) df.set(term, (df.get(term) ?? 0) + Math.min(1, weight));
  }
  const n = topics.length;
  return new Map([...df].map(([term, f]) => [term, Math.log(1 + (n - f + 0.5) / (f + 0.5))]));
}
