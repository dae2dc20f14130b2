/**
 * Checks the content files staff edit (`content/messages/*.json`, `content/faq/*.json`):
 * every key in both languages, every placeholder matching, every file valid.
 *
 * `npm run content:check` checks the repository's `content/`; `npm run content:check -- <root>`
 * checks another content folder. Prints one summary line and exits 0, or one line per problem
 * (file and key) and exits 1. The checks themselves live in `src/i18n/content.ts`.
 */
import { resolve } from 'node:path';
import { ContentError, contentSummary, DEFAULT_CONTENT_ROOT, formatProblem, loadContent } from '../src/i18n/content.js';

const root = process.argv[2] === undefined ? DEFAULT_CONTENT_ROOT : resolve(process.argv[2]);
try {
  const { messageKeys, faqTopics } = contentSummary(loadContent(root));
  console.log(`content OK: ${messageKeys} message keys, ${faqTopics} FAQ topics, in ar and en`);
} catch (err) {
  if (!(err instanceof ContentError)) throw err;
  for (const problem of err.problems) console.error(formatProblem(problem));
  console.error(`content refused: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}`);
  process.exitCode = 1;
}
