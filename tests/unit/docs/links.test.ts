/**
 * The documentation holds together: README.md and every page under docs/ link only to files that
 * exist, and every `#anchor` names a heading of its target, slugged as GitHub does. The README
 * stays a front door (under 300 lines, with its "Where to change" table), and every package in
 * package.json is named in docs/dependencies.md with the reason it is there.
 *
 * External links (http, https, mailto) are not fetched. The checker is tried first on fixtures,
 * so each assertion below is known to fail when a link breaks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The README and every markdown page under docs/, as repository paths with forward slashes. */
function markdownPages(): string[] {
  const pages = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) pages.push(path);
    }
  };
  walk('docs');
  return pages.sort();
}

/**
 * The text with the lines of fenced code blocks blanked (their line count kept, for line
 * numbers): a `#` or a `[x](y)` inside a code block is neither a heading nor a link.
 */
function withoutCodeBlocks(text: string): string {
  let fence: string | null = null;
  return text
    .split('\n')
    .map((line) => {
      const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line);
      if (fence === null) {
        if (opener) fence = opener[1]!;
        return opener ? '' : line;
      }
      if (opener && opener[1]![0] === fence[0] && opener[1]!.length >= fence.length && line.trim() === opener[1]) fence = null;
      return '';
    })
    .join('\n');
}

/**
 * GitHub's anchor for a heading: the rendered text in lower case, everything but letters (Arabic
 * included), marks, digits, `_`, spaces and hyphens removed, each space a hyphen.
 */
function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '')
    .trim();
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page offers: its headings' slugs, a repeated one numbered as GitHub does (`-1`, `-2`). */
function anchorsOf(markdown: string): Set<string> {
  const lines = withoutCodeBlocks(markdown).split('\n');
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  lines.forEach((line, i) => {
    const atx = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    const next = lines[i + 1] ?? '';
    const setext = line.trim() !== '' && !line.trimStart().startsWith('|') && /^ {0,3}(=+|-+)\s*$/.test(next) ? line : null;
    const text = atx ? atx[1]! : setext;
    if (text === null) return;
    const slug = githubSlug(text);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  });
  for (const match of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1]!);
  return anchors;
}

/** A link as written in a page. */
interface Link {
  page: string;
  line: number;
  target: string;
}

/** Every inline link, image and reference definition of a page, outside code. */
function linksOf(page: string, markdown: string): Link[] {
  const text = withoutCodeBlocks(markdown)
    // An inline code span that holds link syntax is code, not a link; one inside a link's text stays.
    .replace(/`[^`\n]*`/g, (span) => (span.includes('](') ? ' '.repeat(span.length) : span));
  const lineOf = (index: number): number => text.slice(0, index).split('\n').length;
  const links: Link[] = [];
  const inline = /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
  for (const match of text.matchAll(inline)) {
    links.push({ page, line: lineOf(match.index), target: match[1]!.replace(/^<|>$/g, '') });
  }
  for (const match of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)) {
    links.push({ page, line: lineOf(match.index), target: match[1]! });
  }
  return links;
}

/** How a checker sees the repository: whether a path exists, and a markdown file's text. */
interface Repository {
  exists: (path: string) => boolean;
  read: (path: string) => string;
}

const diskRepository: Repository = {
  exists: (path) => existsSync(join(ROOT, path)),
  read: (path) => readFileSync(join(ROOT, path), 'utf8'),
};

/** The broken links of the pages: a file that does not exist (or lies outside the repository), or an anchor no heading has. */
function brokenLinks(pages: readonly string[], repo: Repository): { missingFiles: string[]; missingAnchors: string[] } {
  const missingFiles: string[] = [];
  const missingAnchors: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  for (const page of pages) {
    for (const link of linksOf(page, repo.read(page))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link.target) || link.target.startsWith('//')) continue;
      const where = `${link.page}:${link.line} → ${link.target}`;
      const hash = link.target.indexOf('#');
      const rawPath = (hash === -1 ? link.target : link.target.slice(0, hash)).replace(/\?.*$/, '');
      const rawAnchor = hash === -1 ? '' : link.target.slice(hash + 1);
      let path: string;
      let anchor: string;
      try {
        path = decodeURI(rawPath);
        anchor = decodeURIComponent(rawAnchor);
      } catch {
        missingFiles.push(`${where} (cannot be decoded)`);
        continue;
      }
      const resolved =
        path === '' ? link.page : path.startsWith('/') ? posix.normalize(path.slice(1)) : posix.normalize(posix.join(posix.dirname(link.page), path));
      if (resolved.startsWith('..')) {
        missingFiles.push(`${where} (outside the repository)`);
        continue;
      }
      const file = resolved.replace(/\/$/, '') || '.';
      if (!repo.exists(file)) {
        missingFiles.push(where);
        continue;
      }
      if (anchor === '' || !file.endsWith('.md')) continue;
      let anchors = anchorCache.get(file);
      if (!anchors) {
        anchors = anchorsOf(repo.read(file));
        anchorCache.set(file, anchors);
      }
      if (!anchors.has(anchor)) missingAnchors.push(`${where} (no heading "${anchor}" in ${file})`);
    }
  }
  return { missingFiles, missingAnchors };
}

/** The rows of the first table under the README's "Where to change" heading, as cells; null without such a table. */
function whereToChangeRows(readme: string): string[][] | null {
  const lines = withoutCodeBlocks(readme).split('\n');
  const start = lines.findIndex((line) => /^#{2,3}\s+Where to change\b/i.test(line));
  if (start === -1) return null;
  const section: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,3}\s/.test(line)) break;
    section.push(line);
  }
  const first = section.findIndex((line) => line.trimStart().startsWith('|'));
  if (first === -1 || !/^\s*\|(\s*:?-+:?\s*\|)+\s*$/.test(section[first + 1] ?? '')) return null;
  const rows: string[][] = [];
  for (const line of section.slice(first + 2)) {
    if (!line.trimStart().startsWith('|')) break;
    rows.push(
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** The code spans of a cell that name a file or a folder (a path, or a dot-file such as `.env.example`), not a symbol or a key. */
function placesIn(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)]
    .map((m) => m[1]!)
    .filter((span) => !/\s/.test(span) && (span.includes('/') || /^\.[\w.-]+$/.test(span) || /\.(ts|js|cjs|json|md|sql|sh)$/.test(span)));
}

describe('the link checker itself', () => {
  const files: Record<string, string> = {
    'README.md': [
      '# Title',
      '## Keys: custody and rotation',
      '## What a beneficiary meets',
      '## المساعدة — الأسئلة',
      '```sh',
      '# not a heading [nor](a-link.md)',
      '```',
      '[ok](docs/a.md) [ok too](docs/a.md#the-part) [self](#keys-custody-and-rotation) [arabic](#المساعدة--الأسئلة)',
      '[gone](docs/gone.md) [bad anchor](docs/a.md#no-such-part) [out](../shared/PRODUCT.md) [web](https://example.org/x#y)',
      '`[code](not-checked.md)` and [`docs/a.md`](docs/a.md)',
    ].join('\n'),
    'docs/a.md': '# A\n\n## The part\n\n## The part\n\n[back](../README.md#what-a-beneficiary-meets) [twice](#the-part-1) [wrong](#the-part-2)\n',
  };
  const repo: Repository = { exists: (path) => path in files || path === 'docs', read: (path) => files[path] ?? '' };

  it('slugs headings as GitHub does, Arabic letters kept', () => {
    expect(githubSlug('Keys: custody and rotation')).toBe('keys-custody-and-rotation');
    expect(githubSlug('Fifth round (2026-11-30, fifth session): sends held until Telegram answers, a lighter hot path')).toBe(
      'fifth-round-2026-11-30-fifth-session-sends-held-until-telegram-answers-a-lighter-hot-path',
    );
    expect(githubSlug("The `staff_list` and **bold**: what's — here")).toBe('the-staff_list-and-bold-whats--here');
    expect(githubSlug('المساعدة — الأسئلة')).toBe('المساعدة--الأسئلة');
  });

  it('reports a missing file, a link out of the repository and an anchor no heading has, and nothing else', () => {
    const found = brokenLinks(Object.keys(files), repo);
    expect(found.missingFiles).toEqual(['README.md:9 → docs/gone.md', 'README.md:9 → ../shared/PRODUCT.md (outside the repository)']);
    expect(found.missingAnchors).toEqual([
      'README.md:9 → docs/a.md#no-such-part (no heading "no-such-part" in docs/a.md)',
      'docs/a.md:7 → #the-part-2 (no heading "the-part-2" in docs/a.md)',
    ]);
  });

  it('finds the "Where to change" table and the places its rows name', () => {
    const readme =
      '# R\n\n## Where to change X\n\n| to change | where |\n|---|---|\n| a role | `src/services/staff-permissions.ts`, `ROLES_FOR` |\n| two | `a/b.ts` or `c/d.ts` |\n\n## Next\n';
    expect(whereToChangeRows(readme)).toEqual([
      ['a role', '`src/services/staff-permissions.ts`, `ROLES_FOR`'],
      ['two', '`a/b.ts` or `c/d.ts`'],
    ]);
    expect(whereToChangeRows('# R\n\n## Where to change X\n\nNo table.\n')).toBeNull();
    expect(placesIn('`.env.example`; `staff.*` keys, `npm run content:check`')).toEqual(['.env.example']);
  });
});

describe('the documentation', () => {
  const pages = markdownPages();

  it('is the README and the pages under docs/', () => {
    expect(pages).toContain('README.md');
    expect(pages).toEqual(
      expect.arrayContaining(['docs/telegram.md', 'docs/whatsapp.md', 'docs/operations.md', 'docs/privacy.md', 'docs/reliability.md', 'docs/performance.md']),
    );
  });

  const { missingFiles, missingAnchors } = brokenLinks(pages, diskRepository);

  it('links only to files that exist', () => {
    expect(missingFiles).toEqual([]);
  });

  it('links only to anchors its target has', () => {
    expect(missingAnchors).toEqual([]);
  });

  it('links to every page under docs/ from the README', () => {
    const fromReadme = new Set(linksOf('README.md', diskRepository.read('README.md')).map((link) => posix.normalize(link.target.replace(/#.*$/, ''))));
    expect(pages.filter((page) => page !== 'README.md' && !fromReadme.has(page))).toEqual([]);
  });
});

describe('the README, a front door', () => {
  const readme = diskRepository.read('README.md');

  it('is under 300 lines', () => {
    expect(readme.replace(/\n$/, '').split('\n').length).toBeLessThan(300);
  });

  it('has a "Where to change" table covering what the issue asks, each row naming one place', () => {
    const rows = whereToChangeRows(readme);
    expect(rows, 'a "## Where to change …" heading followed by a table').not.toBeNull();
    const topics = (rows ?? []).map((row) => row[0] ?? '');
    for (const topic of [/wording/i, /validation/i, /step/i, /telegram/i, /whatsapp/i, /retry/i, /role/i, /report/i]) {
      expect(
        topics.filter((t) => topic.test(t)),
        `a row about ${topic.source}`,
      ).not.toEqual([]);
    }
    const notOnePlace = (rows ?? []).filter((row) => placesIn(row[1] ?? '').length !== 1).map((row) => row.join(' | '));
    expect(notOnePlace).toEqual([]);
  });
});

describe('docs/dependencies.md', () => {
  it('says why each package of package.json is there', () => {
    const pkg = JSON.parse(diskRepository.read('package.json')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const named = new Set(
      diskRepository
        .read('docs/dependencies.md')
        .split('\n')
        .filter((line) => line.startsWith('| ') && !/^\|\s*package\s*\|/.test(line))
        .flatMap((line) => (line.split('|')[1] ?? '').split(','))
        .map((name) => name.replace(/\(dev\)/, '').trim()),
    );
    const packages = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
    expect(packages.filter((name) => !named.has(name))).toEqual([]);
  });
});
