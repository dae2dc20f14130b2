/**
 * `local/no-import-cycle`: an import that closes a cycle between modules of src/ is an error,
 * type-only imports counted like any other (eslint-plugin-import-x's no-cycle skips them, and
 * two modules that import each other's types still cannot be read, moved or layered apart).
 *
 * The other modules' imports are read from disk once per lint run; the linted file's own come
 * from its text, so a fixture linted from a string is judged like a file on disk.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const IMPORT = /^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The module a relative specifier names (`./x.js` is `./x.ts` in the sources), or null. */
function targetOf(file, specifier) {
  const path = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
  return existsSync(path) ? path : null;
}

/** Each module of `root` and the modules it imports. */
function importGraph(root) {
  return new Map(sourceFiles(root).map((file) => [file, [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => targetOf(file, m[1])).filter(Boolean)]));
}

/** Whether `from` reaches `to` through the graph's imports. */
function reaches(graph, from, to, seen = new Set()) {
  if (from === to) return true;
  if (seen.has(from)) return false;
  seen.add(from);
  return (graph.get(from) ?? []).some((next) => reaches(graph, next, to, seen));
}

const graphs = new Map();

export default {
  meta: {
    type: 'problem',
    messages: {
      cycle: 'This import closes an import cycle ({{target}} imports this module back, directly or through others): move what both need into a lower module.',
    },
    schema: [],
  },
  create(context) {
    const root = resolve(context.cwd, 'src');
    const file = context.filename;
    if (!file.startsWith(`${root}/`)) return {};
    if (!graphs.has(root)) graphs.set(root, importGraph(root));
    const graph = graphs.get(root);
    const check = (node) => {
      const specifier = node.source?.value;
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const target = targetOf(file, specifier);
      if (target && target !== file && reaches(graph, target, file))
        context.report({ node, messageId: 'cycle', data: { target: target.slice(root.length + 1) } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check };
  },
};
