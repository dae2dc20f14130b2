/**
 * The administrator's CLI as an operator runs it: a real process
 * (`node --import tsx src/cli/admin.ts ...`) against a fresh database.
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../src/models/audit-log.js';
import { CaseRepository } from '../../src/models/case-repository.js';
import { ErasureRepository } from '../../src/models/erasure-repository.js';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { freshDatabase, MONGODB_URI } from '../helpers/db.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STAFF_ID = /stf_[0-9a-hjkmnp-tv-z]{10}/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The server URI with the database name swapped in. */
function uriFor(dbName: string): string {
  const url = new URL(MONGODB_URI);
  url.pathname = `/${dbName}`;
  return url.toString();
}

describe('admin CLI (spawned)', () => {
  let connection: Connection;
  let drop: () => Promise<void>;
  let env: NodeJS.ProcessEnv;

  function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], {
        cwd: ROOT,
        env: { ...env, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      // A hung CLI must fail the test, not the suite's timeout.
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      });
    });
  }

  /** One line on stderr and no stack trace. */
  function expectOneLineError(result: Run, pattern: RegExp): void {
    expect(result.stderr.endsWith('\n')).toBe(true);
    expect(result.stderr.trimEnd()).toMatch(pattern);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }

  beforeAll(async () => {
    let dbName: string;
    ({ connection, dbName, drop } = await freshDatabase());
    env = {
      ...process.env,
      MONGODB_URI: uriFor(dbName),
      DATA_KEYS: `t1:${KeyRing.generateKeyBase64()}`,
      DATA_KEY_CURRENT: 't1',
      LOOKUP_KEY: KeyRing.generateKeyBase64(),
    };
  });

  afterAll(async () => {
    await drop?.();
  });

  it('refuses staff add without --operator: exit 1, a one-line message, nothing stored', async () => {
    const result = await run(['staff', 'add', '--name', 'No Operator', '--telegram-id', '4242', '--role', 'researcher']);

    expect(result.code).toBe(1);
    expectOneLineError(result, /^error: "staff add" needs --operator <name>/);
    expect(result.stdout).toBe('');
    expect(await connection.collection('staff').countDocuments({})).toBe(0);
  });

  it('add, list, roles and remove round-trip, each audited under the operator', async () => {
    const operator = ['--operator', 'Operator Huda'];

    const aisha = ['staff', 'add', '--name', 'عائشة الحربي', '--telegram-id', '7123456789', '--role', 'researcher', 'committee', '--language'];
    const french = await run([...aisha, 'fr', ...operator]);
    expect(french.code).toBe(1);
    expect(french.stderr).toMatch(/--language.*fr.*(ar|en)/);

    const added = await run([...aisha, 'en', ...operator]);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const id = STAFF_ID.exec(added.stdout)?.[0];
    expect(id).toBeDefined();
    expect(added.stdout).toBe(`Added ${id}: عائشة الحربي (Telegram 7123456789), roles researcher, committee, reads English.\n`);

    const listed = await run(['staff', 'list', ...operator]);
    expect(listed.code).toBe(0);
    const [header, row, ...rest] = listed.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID +NAME +TELEGRAM ID +ROLES +LANGUAGE +ACTIVE +ADDED +ADMIN TOKEN$/);
    expect(row).toMatch(new RegExp(`^${id} +عائشة الحربي +7123456789 +researcher,committee +en +yes +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +-$`));
    expect(rest).toEqual([]);
    // Columns line up: NAME starts where the id column ends in both lines.
    expect(header?.indexOf('NAME')).toBe(row?.indexOf('عائشة'));

    const roles = await run(['staff', 'roles', id ?? '', '--role', 'admin', ...operator]);
    expect(roles).toMatchObject({ code: 0, stdout: `Roles of ${id} (عائشة الحربي): admin.\n` });

    const removed = await run(['staff', 'remove', id ?? '', ...operator]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(new RegExp(`^Removed ${id} `));

    const active = await run(['staff', 'list', ...operator]);
    expect(active).toMatchObject({ code: 0, stdout: 'No active staff members.\n' });

    const all = await run(['staff', 'list', '--all', '--json', ...operator]);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual([
      expect.objectContaining({ id, name: 'عائشة الحربي', telegramUserId: 7123456789, roles: ['admin'], language: 'en', active: false }),
    ]);

    const removedAgain = await run(['staff', 'remove', id ?? '', ...operator]);
    expect(removedAgain.code).toBe(1);
    expectOneLineError(removedAgain, new RegExp(`^error: Staff member ${id} has been removed\\.$`));

    const trail = await connection.collection('audit_log').find({ 'target.kind': 'staff', 'target.id': id }).sort({ at: 1 }).toArray();
    expect(trail.map((e) => e.action)).toEqual(['staff.added', 'staff.roles_changed', 'staff.removed']);
    for (const entry of trail) expect(entry.actor).toEqual({ kind: 'operator', id: 'Operator Huda', name: 'Operator Huda' });
    expect(await connection.collection('audit_log').countDocuments({ action: 'staff.listed' })).toBe(3);
  }, 90_000);

  it('--json output parses; a duplicate Telegram id exits 1 with STAFF_DUPLICATE’s message', async () => {
    const operator = ['--operator', 'Operator Huda'];
    const added = await run(['staff', 'add', '--name', 'Json Member', '--telegram-id', '555', '--role', 'committee', '--json', ...operator]);
    expect(added.code).toBe(0);
    const member = JSON.parse(added.stdout) as Record<string, unknown>;
    expect(member).toMatchObject({ name: 'Json Member', telegramUserId: 555, roles: ['committee'], active: true, reactivated: false });
    expect(member.id).toMatch(STAFF_ID);
    expect(new Date(String(member.createdAt)).toString()).not.toBe('Invalid Date');

    const duplicate = await run(['staff', 'add', '--name', 'Someone Else', '--telegram-id', '555', '--role', 'admin', ...operator]);
    expect(duplicate.code).toBe(1);
    expectOneLineError(duplicate, /^error: Telegram user 555 is already a staff member \(stf_/);

    const cases = await run(['cases', 'list', '--status', 'submitted', '--limit', '5', '--json', ...operator]);
    expect(cases.code).toBe(0);
    expect(JSON.parse(cases.stdout)).toEqual([]);
  }, 60_000);

  it('report prints the period’s figures and writes the chart; export writes an owner-only CSV with formula cells defused, audited', async () => {
    const keys = KeyRing.parse(String(env.DATA_KEYS), String(env.DATA_KEY_CURRENT), String(env.LOOKUP_KEY));
    const submittedAt = new Date('2026-11-03T09:00:00+03:00');
    await new CaseRepository(connection, keys).insertSubmitted({
      id: 'case_00000000000000000000cl01',
      reference: 'SR-CL01-0001',
      channel: 'telegram',
      chatKey: 'chat_cli',
      lang: 'ar',
      nationalIdHash: 'hash_cli',
      supportType: 'food',
      city: 'نمران',
      answers: { full_name: '@SUM(A1:A9)', national_id: '1000000008', mobile: '+966501234567' },
      documentIds: [],
      declaration: { version: 'd1', acceptedAt: submittedAt, channel: 'telegram', messageId: 'm', answersHash: 'h' },
      flow: { id: 'support_request', version: 1 },
      submittedAt,
      expectedBy: new Date(submittedAt.getTime() + 14 * 86_400_000),
      by: { kind: 'system', id: 'test' },
    });
    const operator = ['--operator', 'Operator Huda'];
    const dir = mkdtempSync(join(tmpdir(), 'cli-report-'));
    try {
      const report = await run(['report', '--from', '2026-11-01', '--to', '2026-11-30', '--chart', join(dir, 'chart.png'), ...operator]);
      expect(report.code, report.stderr).toBe(0);
      expect(report.stdout).toContain('Requests: 1');
      expect(report.stdout).toContain('Food basket: 1');
      expect(readFileSync(join(dir, 'chart.png')).subarray(1, 4).toString('latin1')).toBe('PNG');

      const out = join(dir, 'cases.csv');
      const exported = await run(['export', 'cases', '--from', '2026-11-01', '--to', '2026-11-30', '--out', out, ...operator]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stdout.trim()).toBe(`1 cases written to ${out}`);
      expect(statSync(out).mode & 0o777).toBe(0o600);
      const csv = readFileSync(out, 'utf8');
      expect(csv).toContain("'@SUM(A1:A9)");
      expect(csv).toContain('1000000008');
      const entries = await new AuditLog(connection).list({ targetKind: 'export', targetId: 'cases', limit: 5 });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ action: 'data.exported', actor: { kind: 'operator', id: 'Operator Huda' }, details: { rows: 1, via: 'cli' } });

      const refused = await run(['export', 'cases', '--from', '2026-11-30', '--to', '2026-11-01', '--out', out, ...operator]);
      expect(refused.code).toBe(1);
      expectOneLineError(refused, /--from and --to must be days/);

      // Never written through: not over an export already there, not through a link (to a file, or to nowhere yet).
      const again = await run(['export', 'cases', '--from', '2026-11-01', '--to', '2026-11-30', '--out', out, ...operator]);
      expect(again.code).toBe(1);
      expectOneLineError(again, /exists; an export never replaces a file or writes through a link/);
      expect(readFileSync(out, 'utf8')).toBe(csv);
      const target = join(dir, 'someone-elses.txt');
      writeFileSync(target, 'kept as it was');
      symlinkSync(target, join(dir, 'link.csv'));
      symlinkSync(join(dir, 'not-yet.csv'), join(dir, 'dangling.csv'));
      for (const link of ['link.csv', 'dangling.csv']) {
        const through = await run(['export', 'cases', '--from', '2026-11-01', '--to', '2026-11-30', '--out', join(dir, link), ...operator]);
        expect(through.code, link).toBe(1);
      }
      expect(readFileSync(target, 'utf8')).toBe('kept as it was');
      expect(existsSync(join(dir, 'not-yet.csv'))).toBe(false);
      // Refused before anything was read: the audit log still holds the one export.
      expect(await new AuditLog(connection).list({ targetKind: 'export', targetId: 'cases', limit: 5 })).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses bad values with exit 1 and one line, before touching the database', async () => {
    const operator = ['--operator', 'Operator Huda'];
    // An unreachable database would turn any attempt to connect into exit 2.
    const offline = { MONGODB_URI: 'mongodb://127.0.0.1:1/x' };
    const cases: [string[], RegExp][] = [
      [
        ['staff', 'add', '--name', 'Bad Id', '--telegram-id', '12a', '--role', 'admin', ...operator],
        /^error: --telegram-id must be a positive whole number, got "12a"\.$/,
      ],
      [['staff', 'add', '--name', 'B', '--telegram-id', '12', '--role', 'admin', ...operator], /^error: name must be 2 to 80 characters$/],
      [
        ['staff', 'add', '--name', 'Bad Role', '--telegram-id', '12', '--role', 'boss', ...operator],
        /^error: option '--role <role\.\.\.>' argument 'boss' is invalid/,
      ],
      [['staff', 'roles', 'stf_nope', '--role', 'admin', ...operator], /^error: staff id must look like stf_/],
      [['cases', 'list', '--limit', '0', ...operator], /^error: --limit must be a positive whole number/],
      [['cases', 'list'], /^error: "cases list" needs --operator <name>/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args, offline)));
    results.forEach((result, i) => {
      expect(result.code, cases[i]?.[0].join(' ')).toBe(1);
      expectOneLineError(result, cases[i]?.[1] ?? /never/);
    });
  }, 60_000);

  it('keys generate prints three .env lines that KeyRing.parse accepts, without a database or operator', async () => {
    const result = await run(['keys', 'generate'], { MONGODB_URI: 'mongodb://127.0.0.1:1/x', DATA_KEYS: '', DATA_KEY_CURRENT: '', LOOKUP_KEY: '' });

    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const vars = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(Object.keys(vars)).toEqual(['DATA_KEYS', 'DATA_KEY_CURRENT', 'LOOKUP_KEY']);
    const ring = KeyRing.parse(vars.DATA_KEYS ?? '', vars.DATA_KEY_CURRENT ?? '', vars.LOOKUP_KEY ?? '');
    expect(ring.currentKeyId).toBe(vars.DATA_KEY_CURRENT);
    expect(ring.decryptText(ring.encryptText('تجربة'))).toBe('تجربة');
  });

  it('keys generate --data-key-only prints one DATA_KEYS entry for a rotation, leaving the lookup key alone', async () => {
    const result = await run(['keys', 'generate', '--data-key-only', '--key-id', 'k2027'], { MONGODB_URI: 'mongodb://127.0.0.1:1/x' });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^k2027:[A-Za-z0-9+/]{43}=\n$/);
    const ring = KeyRing.parse(`${result.stdout.trim()},${env.DATA_KEYS}`, 'k2027', env.LOOKUP_KEY ?? '');
    expect(ring.keyIds).toEqual(['k2027', 't1']);
  });

  it('keys rotate needs --operator, and exits 2 when Redis (the service’s locks) cannot be reached', async () => {
    const [refused, offline] = await Promise.all([
      run(['keys', 'rotate']),
      run(['keys', 'rotate', '--operator', 'Operator Huda'], { REDIS_URL: 'redis://127.0.0.1:1' }),
    ]);
    expect(refused.code).toBe(1);
    expectOneLineError(refused, /^error: "keys rotate" needs --operator <name>/);
    expect(offline.code).toBe(2);
    expectOneLineError(offline, /^error: cannot reach Redis \(REDIS_URL\): /);
    expect(offline.ms).toBeLessThan(10_000);
  });

  it('erasures: lists pending requests, approves one (the case anonymised, audited under the operator), refuses an unknown reference', async () => {
    const keys = KeyRing.parse(String(env.DATA_KEYS), 't1', String(env.LOOKUP_KEY));
    const cases = new CaseRepository(connection, keys);
    const erasures = new ErasureRepository(connection);
    await erasures.init();
    const now = new Date('2026-11-20T08:00:00Z');
    await cases.insertSubmitted({
      id: 'case_eeeeeeeeeeeeeeeeeeeeeeee',
      reference: 'SR-ERAS-0001',
      channel: 'telegram',
      chatKey: 'telegram_erasecli',
      lang: 'ar',
      nationalIdHash: 'hash-erase',
      supportType: 'food',
      city: 'نمران',
      answers: { full_name: 'نورة سعد العتيبي', national_id: '1000000008' },
      documentIds: [],
      declaration: { version: 'declaration-2026-1', acceptedAt: now, channel: 'telegram', messageId: '1', answersHash: '0'.repeat(64) },
      flow: { id: 'support_request', version: 1 },
      submittedAt: now,
      expectedBy: new Date(now.getTime() + 14 * 86_400_000),
      by: { kind: 'system', id: 'test' },
    });
    await erasures.insert({
      id: 'del_eeeeeeeeeeeeeeeeeeeeeeee',
      reference: 'DEL-ERAS-0001',
      chatKey: 'telegram_erasecli',
      channel: 'telegram',
      requestedAt: now,
    });
    const queue = { QUEUE_PREFIX: `cli${Date.now()}` };

    const listed = await run(['erasures', 'list', '--operator', 'Operator Huda'], queue);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/DEL-ERAS-0001\s+pending\s+telegram/);
    expect(listed.stdout).not.toContain('telegram_erasecli');

    const approved = await run(['erasures', 'approve', 'del eras 0001', '--operator', 'Operator Huda'], queue);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('DEL-ERAS-0001: erased (1 requests anonymised');
    expect(await cases.get('case_eeeeeeeeeeeeeeeeeeeeeeee')).toMatchObject({ status: 'withdrawn', chatKey: 'erased', answers: {} });
    const decided = (await new AuditLog(connection).list({ targetKind: 'erasure', targetId: 'del_eeeeeeeeeeeeeeeeeeeeeeee', limit: 10 })).find(
      (e) => e.action === 'privacy.erasure_approved',
    );
    expect(decided?.actor).toMatchObject({ kind: 'operator', id: 'Operator Huda' });

    const again = await run(['erasures', 'refuse', 'DEL-ERAS-0001', '--operator', 'Operator Huda'], queue);
    expect(again.stdout).toContain('decided already (done); nothing changed');
    const unknown = await run(['erasures', 'approve', 'DEL-ZZZZ-ZZZZ', '--operator', 'Operator Huda'], queue);
    expect(unknown.code).toBe(1);
    expectOneLineError(unknown, /^error: No erasure request DEL-ZZZZ-ZZZZ\.$/);
    // The notice queued for the person's chat: this test's queue keys go with it.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const left = await redis.keys(`${queue.QUEUE_PREFIX}:*`);
    expect(left.length).toBeGreaterThan(0);
    await redis.del(...left);
    await redis.quit();
  });

  it('reads the variables from the file named with --env (the restore drill), variables set still winning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'admin-env-'));
    try {
      const file = join(dir, 'drill.env');
      writeFileSync(file, `MONGODB_URI=${env.MONGODB_URI}\nDATA_KEYS=${env.DATA_KEYS}\nDATA_KEY_CURRENT=t1\nLOOKUP_KEY=${env.LOOKUP_KEY}\n`, { mode: 0o600 });
      // Unset (spawn leaves out undefined), so that only the file can give them.
      const bare = { MONGODB_URI: undefined, DATA_KEYS: undefined, DATA_KEY_CURRENT: undefined, LOOKUP_KEY: undefined };
      // Without the file: no keys.
      expect((await run(['staff', 'list', '--operator', 'Operator Huda'], bare)).stderr).toContain('DATA_KEYS is required');
      // With it, wherever it stands on the line.
      const listed = await run(['staff', 'list', '--env', file, '--operator', 'Operator Huda'], bare);
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
      // A variable set wins over the file's.
      const overridden = await run(['--env', file, 'staff', 'list', '--operator', 'Operator Huda'], { ...bare, MONGODB_URI: 'mongodb://127.0.0.1:1/x' });
      expect(overridden.code).toBe(2);
      // A file named that cannot be read is an error, not a silent fall-back to ./.env.
      const missing = await run(['staff', 'list', '--env', join(dir, 'nowhere.env'), '--operator', 'Operator Huda']);
      expect(missing.code).toBe(1);
      expectOneLineError(missing, /^error: cannot read .*nowhere\.env: /);
      expectOneLineError(await run(['staff', 'list', '--operator', 'Operator Huda', '--env']), /^error: --env needs a file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with a one-line message within a few seconds when the database cannot be reached', async () => {
    const result = await run(['staff', 'list', '--operator', 'Operator Huda'], { MONGODB_URI: 'mongodb://127.0.0.1:1/x' });

    expect(result.code).toBe(2);
    expectOneLineError(result, /^error: cannot reach the database \(MONGODB_URI\): /);
    expect(result.stdout).toBe('');
    // openDatabase waits up to its 5 s server-selection timeout; the process must not hang after it.
    expect(result.ms).toBeLessThan(10_000);
  });
});
