/**
 * Light stemming for the FAQ matcher: enough to meet a word's forms (the article, clitics,
 * pronoun and plural endings in Arabic; plurals, -ing and -ed in English), not a morphology.
 *
 * @packageDocumentation
 */

/** Arabic letters: a word with one is stemmed as Arabic. */
export const ARABIC = /[\u0600-\u06FF]/;

// Article and conjunction+article forms, longest first; the single-letter
// clitics (و ف ب ل ك) alone are too often the first letter of the word itself
// (باحث, لجنه, فواتير), so they are tried only when the rest is a known word.
const ARABIC_PREFIXES = ['وبال', 'وال', 'بال', 'كال', 'فال', 'ال'];
export const ARABIC_CLITICS = ['و', 'ف', 'ب', 'ل', 'ك'];
// Possessive pronouns and plural/feminine endings, longest first.
// The alef is the accusative ending (سعوديًا, متطوعًا) once the tanween is gone.
const ARABIC_SUFFIXES = ['اتها', 'اتهم', 'اتكم', 'اتنا', 'اتك', 'اتي', 'ها', 'هم', 'كم', 'نا', 'ات', 'ين', 'ون', 'ه', 'ي', 'ك', 'ا'];
const PRONOUN_SUFFIXES = new Set(['ها', 'هم', 'كم', 'نا', 'ي', 'ك']);
export const MIN_ARABIC_STEM = 3;

/**
 * A light Arabic stem: the article (with a leading و ب ك ف) and up to two
 * suffixes removed, never below three letters. A ت left before a pronoun was a
 * ta marbuta (جمعيتكم, حالتي), so it goes too, to meet جمعيه and حاله.
 */
export function stemArabic(word: string): string {
  let stem = word;
  const prefix = ARABIC_PREFIXES.find((p) => stem.startsWith(p) && stem.length - p.length >= MIN_ARABIC_STEM);
  if (prefix) stem = stem.slice(prefix.length);
  for (let pass = 0; pass < 2; pass += 1) {
    const suffix = ARABIC_SUFFIXES.find((s) => stem.endsWith(s) && stem.length - s.length >= MIN_ARABIC_STEM);
    if (!suffix) break;
    stem = stem.slice(0, -suffix.length);
    if (PRONOUN_SUFFIXES.has(suffix) && stem.endsWith('ت') && stem.length > MIN_ARABIC_STEM) stem = stem.slice(0, -1);
  }
  return stem;
}

/** A light English stem: plurals, -ing, -ed and a final e, so "required" meets "require". */
export function stemEnglish(word: string): string {
  let stem = word;
  if (stem.length <= 3) return stem;
  if (/[^aeiou]ie[sd]$/.test(stem) && stem.length > 4) return `${stem.slice(0, -3)}y`;
  if (stem.endsWith('ing') && stem.length > 5) stem = stem.slice(0, -3);
  else if (stem.endsWith('ed') && stem.length > 4) stem = stem.slice(0, -2);
  else if (/(s|x|z|ch|sh)es$/.test(stem)) stem = stem.slice(0, -2);
  else if (stem.endsWith('s') && !/(ss|us|is)$/.test(stem)) stem = stem.slice(0, -1);
  if (stem.endsWith('e') && stem.length > 4) stem = stem.slice(0, -1);
  return stem;
}

/** The stem of a normalised word, Arabic or English. */
export function stem(word: string): string {
  return ARABIC.test(word) ? stemArabic(word) : stemEnglish(word);
}
