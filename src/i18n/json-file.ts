/**
 * Reading one content file: its JSON parsed, or a problem naming the line and column (and
 * never quoting the text). Keys are checked for duplicates, which JSON.parse would hide.
 */

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ContentProblem } from './content-problems.js';

/** Reads and parses one JSON file; reports a missing, unreadable, empty or invalid file. */
export function readJson(root: string, file: string, otherFile: string, problems: ContentProblem[]): { value: unknown } | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const other = isFile(join(root, otherFile)) ? ` (${otherFile} exists; every text needs an Arabic and an English version)` : '';
      problems.push({ file, message: `file missing${other}` });
    } else {
      problems.push({ file, message: `cannot read the file (${code ?? 'unknown error'})` });
    }
    return undefined;
  }
  // Some editors save UTF-8 with a byte-order mark; it is invisible, so accept it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') {
    problems.push({ file, message: 'file is empty' });
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    problems.push({ file, message: describeJsonError(text, err) });
    return undefined;
  }
  for (const duplicate of scanJson(text).duplicates) {
    const lines = `lines ${lineColumn(text, duplicate.firstPos).line} and ${lineColumn(text, duplicate.pos).line}`;
    if (duplicate.path === '') {
      problems.push({ file, key: duplicate.key, message: `defined twice (${lines}); only the last would be used` });
    } else {
      problems.push({ file, message: `"${duplicate.key}" appears twice in ${duplicate.path} (${lines}); only the last would be used` });
    }
  }
  return { value };
}

/** `invalid JSON at line 12, column 40 (after key "menu.prompt"): expected ',' …`, never quoting the text. */
function describeJsonError(text: string, err: unknown): string {
  const found = scanJson(text).error;
  if (found !== undefined) {
    const { line, column } = lineColumn(text, found.pos);
    const near = found.lastKey === undefined ? '' : ` (after key "${found.lastKey}")`;
    return `invalid JSON at line ${line}, column ${column}${near}: ${found.reason}`;
  }
  // The scanner and the parser disagree (should not happen): fall back to the parser's own words,
  // without the snippet of text V8 quotes.
  const message = err instanceof Error ? err.message : String(err);
  const position = /at position (\d+)/.exec(message)?.[1];
  const at = position === undefined ? undefined : lineColumn(text, Number(position));
  const where = at === undefined ? '' : ` at line ${at.line}, column ${at.column}`;
  return `invalid JSON${where}: ${message.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '')}`;
}

function lineColumn(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, pos);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: Array.from(before.slice(lineStart)).length + 1 };
}

interface JsonScan {
  /** The first syntax error, for a file JSON.parse refused. */
  error?: { pos: number; reason: string; lastKey?: string };
  /** Keys appearing twice in one object; JSON.parse silently keeps the last. */
  duplicates: { path: string; key: string; pos: number; firstPos: number }[];
}

class JsonStop {
  constructor(
    readonly pos: number,
    readonly reason: string,
  ) {}
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * A strict JSON scanner that explains the first syntax error in words staff can
 * act on and finds duplicate keys. JSON.parse stays the authority on the value.
 */
function scanJson(text: string): JsonScan {
  let i = 0;
  let lastKey: string | undefined;
  const duplicates: JsonScan['duplicates'] = [];
  const fail = (reason: string, pos = i): never => {
    throw new JsonStop(pos, reason);
  };
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const string = (): string => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) fail('a text is not closed with "', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return JSON.parse(text.slice(start, i)) as string;
      }
      if (c === 0x5c) {
        const next = text[i + 1];
        if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else if (next !== undefined && next !== 'u' && '"\\/bfnrt'.includes(next)) i += 2;
        else fail('a backslash must be followed by " \\ / b f n r t or u and four hex digits (write \\\\ for a backslash)');
        continue;
      }
      if (c < 0x20) fail(c === 0x0a ? 'a line break inside a text (write \\n instead)' : 'a control character inside a text');
      i++;
    }
  };
  const value = (path: string): void => {
    skipSpace();
    const c = text[i];
    if (c === undefined) return fail('the file ends too early (a missing } or ]?)');
    if (c === '{') return object(path);
    if (c === '[') return array(path);
    if (c === '"') {
      string();
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    JSON_NUMBER.lastIndex = i;
    const number = JSON_NUMBER.exec(text);
    if (number !== null) {
      i += number[0].length;
      return;
    }
    if (c === '}' || c === ']') fail(`expected a value before "${c}" (a comma too many?)`);
    fail(
      c === "'"
        ? 'texts and keys must be in double quotes "…", not single quotes'
        : `unexpected character ${JSON.stringify(c)} (texts must be in double quotes)`,
    );
  };
  const object = (path: string): void => {
    i++;
    const seen = new Map<string, number>();
    skipSpace();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[i] !== '"') fail(text[i] === '}' ? 'a comma before } (remove the last comma)' : 'expected a key in double quotes');
      const keyPos = i;
      const key = string();
      lastKey = key;
      const firstPos = seen.get(key);
      if (firstPos === undefined) seen.set(key, keyPos);
      else duplicates.push({ path, key, pos: keyPos, firstPos });
      skipSpace();
      if (text[i] !== ':') fail("expected ':' after the key");
      i++;
      value(path === '' ? key : `${path}.${key}`);
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      if (i >= text.length) fail('the file ends too early (a missing }?)');
      fail(
        text[i] === '"' ? "expected ',' between two entries (a missing comma?)" : `expected ',' or '}' after the value (a " inside a text must be written \\")`,
      );
    }
  };
  const array = (path: string): void => {
    i++;
    skipSpace();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (let index = 0; ; index++) {
      value(`${path}[${index}]`);
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      if (i >= text.length) fail('the file ends too early (a missing ]?)');
      fail(`expected ',' or ']' after the value (a " inside a text must be written \\")`);
    }
  };
  try {
    value('');
    skipSpace();
    if (i < text.length) fail('unexpected text after the end (a } too many?)');
    return { duplicates };
  } catch (err) {
    if (err instanceof JsonStop) return { error: { pos: err.pos, reason: err.reason, ...(lastKey === undefined ? {} : { lastKey }) }, duplicates };
    throw err;
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
