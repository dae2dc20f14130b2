/** What is wrong with the content files, as every check reports it. */

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
