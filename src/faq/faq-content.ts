/**
 * The FAQ as the matcher and the texts use it. The files (content/faq/{ar,en}.json) are
 * read and checked with every other content file by `src/i18n/content.ts`, the one place
 * that knows what valid content is (`npm run content:check`).
 */
import { DEFAULT_CONTENT_ROOT, loadContent, type Content } from '../i18n/content.js';

export type FaqLanguage = 'ar' | 'en';
export const FAQ_LANGUAGES: readonly FaqLanguage[] = ['ar', 'en'];

/** One topic: its id (message keys `faq.<id>.title` / `.answer`), the texts, and ways people ask. */
export type FaqTopic = Content['faq']['ar']['topics'][number];
export interface FaqContent {
  topics: FaqTopic[];
}

/** The `{{name}}` placeholders of a text, sorted and without repeats. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? ''))].sort();
}

/** The FAQ of the content under `root`, checked; throws a `ContentError` naming file and topic. */
export function loadFaqContent(root: string = DEFAULT_CONTENT_ROOT): Record<FaqLanguage, FaqContent> {
  return loadContent(root).faq;
}
