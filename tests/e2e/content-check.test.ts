/**
 * `npm run content:check` as staff run it: a real process
 * (`npx tsx scripts/content-check.ts <root>`) on a temporary copy of the content.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function check(contentRoot: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'scripts/content-check.ts', contentRoot], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A copy of the real messages with a small valid FAQ. */
function goodCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'content-check-'));
  roots.push(root);
  cpSync(join(ROOT, 'content/messages'), join(root, 'messages'), { recursive: true });
  mkdirSync(join(root, 'faq'));
  const topic = (title: string, answer: string, phrase: string) => ({ topics: [{ id: 'about', title, answer, phrases: [phrase] }] });
  writeFileSync(join(root, 'faq/ar.json'), JSON.stringify(topic('عن الجمعية', 'نرد خلال {{days}} أيام.', 'من أنتم')));
  writeFileSync(join(root, 'faq/en.json'), JSON.stringify(topic('About us', 'We reply within {{days}} days.', 'who are you')));
  return root;
}

describe('content:check (spawned)', () => {
  it('passes a good copy: exit 0 and the OK line', async () => {
    const root = goodCopy();
    const ar = JSON.parse(readFileSync(join(root, 'messages/ar.json'), 'utf8')) as Record<string, string>;
    const keys = new Set(Object.keys(ar).map((k) => k.replace(/_(zero|one|two|few|many|other)$/, ''))).size;
    const run = await check(root);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`content OK: ${keys} message keys, 1 FAQ topics, in ar and en\n`);
    expect(run.code).toBe(0);
  });

  it('refuses a copy with a key missing in English: exit 1, naming the file and the key', async () => {
    const root = goodCopy();
    const file = join(root, 'messages/en.json');
    const en = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    delete en['menu.prompt'];
    writeFileSync(file, JSON.stringify(en, null, 2));
    const run = await check(root);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual(['messages/en.json: key "menu.prompt": missing (present in messages/ar.json)', 'content refused: 1 problem', '']);
  });
});
