/**
 * The FAQ staff edit: `content/faq/{ar,en}.json`, one list of topics per language,
 * in the order the "Questions" menu shows them.
 *
 * Loading checks the shape (zod); {@link checkFaqContent} checks what the shape
 * cannot: that both languages offer the same topics in the same order with the
 * same placeholders, so a person switching language finds the same menu.
 *
 * @packageDocumentation
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export type FaqLanguage = 'ar' | 'en';
export const FAQ_LANGUAGES: readonly FaqLanguage[] = ['ar', 'en'];

/** The only placeholders an answer may use; the bot fills them from its configuration. */
export const FAQ_PLACEHOLDERS: readonly string[] = ['days'];

/** Topic ids are used in callback data and logs: short, lower case, no spaces. */
export const FAQ_TOPIC_ID = /^[a-z][a-z_]{1,30}$/;

export const FaqTopicSchema = z.object({
  id: z.string().min(1),
  /** The short label shown in the menu. */
  title: z.string().trim().min(1),
  /** The answer sent as is, after `{{days}}` is filled in. */
  answer: z.string().trim().min(1),
  /** Ways people ask, in the file's language; indexed by the matcher with the title and answer. */
  phrases: z.array(z.string().trim().min(1)),
});

export const FaqContentSchema = z.object({ topics: z.array(FaqTopicSchema).min(1) });

export type FaqTopic = z.infer<typeof FaqTopicSchema>;
export type FaqContent = z.infer<typeof FaqContentSchema>;

/** The folder of the FAQ files staff edit. */
export const DEFAULT_FAQ_DIR = fileURLToPath(new URL('../../content/faq/', import.meta.url));

/**
 * Reads and checks both languages' FAQ from `dir`. Throws naming the file when
 * its shape is wrong or when {@link checkFaqContent} finds a problem, so a bad
 * edit stops the service at start-up rather than confusing a beneficiary.
 */
export function loadFaqContent(dir: string = DEFAULT_FAQ_DIR): Record<FaqLanguage, FaqContent> {
  const read = (lang: FaqLanguage): FaqContent => {
    const file = `${dir.replace(/\/?$/, '/')}${lang}.json`;
    const parsed = FaqContentSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  };
  const content = { ar: read('ar'), en: read('en') };
  const problems = checkFaqContent(content);
  if (problems.length > 0) throw new Error(`FAQ content in ${dir}:\n${problems.join('\n')}`);
  return content;
}

/** The `{{name}}` placeholders of a text, sorted and without repeats. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? ''))].sort();
}

/**
 * Problems a schema cannot see, each a line naming the language file and the
 * topic id: ids badly formed or repeated, a topic missing from one language or
 * in another place, placeholders unknown or differing between the languages,
 * a topic without phrases. An empty list means the content is fine.
 */
export function checkFaqContent(content: Record<FaqLanguage, FaqContent>): string[] {
  return [...FAQ_LANGUAGES.flatMap((lang) => checkOneLanguage(lang, content[lang])), ...checkLanguagesAgree(content)];
}

function checkOneLanguage(lang: FaqLanguage, content: FaqContent): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const topic of content.topics) {
    const where = `${lang}.json, topic "${topic.id}"`;
    if (!FAQ_TOPIC_ID.test(topic.id)) problems.push(`${where}: the id must be 2 to 31 lower-case letters or "_", starting with a letter`);
    if (seen.has(topic.id)) problems.push(`${where}: the id is used twice`);
    seen.add(topic.id);
    if (topic.phrases.length === 0) problems.push(`${where}: "phrases" is empty; give a few ways people ask`);
    for (const name of placeholdersOf(`${topic.title}\n${topic.answer}`)) {
      if (!FAQ_PLACEHOLDERS.includes(name)) problems.push(`${where}: unknown placeholder {{${name}}} (only ${FAQ_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')})`);
    }
  }
  return problems;
}

function checkLanguagesAgree(content: Record<FaqLanguage, FaqContent>): string[] {
  const problems: string[] = [];
  const arIds = content.ar.topics.map((t) => t.id);
  const enIds = content.en.topics.map((t) => t.id);
  for (const [lang, ids, other, otherIds] of [
    ['ar', arIds, 'en', enIds],
    ['en', enIds, 'ar', arIds],
  ] as const) {
    for (const id of ids) if (!otherIds.includes(id)) problems.push(`${lang}.json, topic "${id}": missing from ${other}.json`);
  }
  // Order is compared on the ids both files have, once each, so that one missing
  // or repeated topic is reported as that and not as every later topic moving.
  const common = [...new Set(arIds)].filter((id) => enIds.includes(id));
  const enCommon = [...new Set(enIds)].filter((id) => arIds.includes(id));
  common.forEach((id, i) => {
    if (enCommon[i] !== id) problems.push(`ar.json, topic "${id}": in a different place in en.json (the menu order must be the same)`);
  });
  for (const id of common) {
    const ar = content.ar.topics.find((t) => t.id === id);
    const en = content.en.topics.find((t) => t.id === id);
    if (!ar || !en) continue;
    const arPlaceholders = placeholdersOf(`${ar.title}\n${ar.answer}`).join(', ');
    const enPlaceholders = placeholdersOf(`${en.title}\n${en.answer}`).join(', ');
    if (arPlaceholders !== enPlaceholders) {
      problems.push(`ar.json and en.json, topic "${id}": placeholders differ (ar: ${arPlaceholders || 'none'}; en: ${enPlaceholders || 'none'})`);
    }
  }
  return problems;
}
