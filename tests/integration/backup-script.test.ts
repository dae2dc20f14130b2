/**
 * deploy/backup.sh, as the backup timer runs it: a backup written owner-only into BACKUP_DIR,
 * then only this script's own files older than BACKUP_KEEP_DAYS removed, and nothing removed
 * when the backup fails. Against the real FerretDB and Redis; the backup is restored to show
 * it is whole.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAdmin } from '../../src/cli/admin.js';
import { openStorage } from '../../src/models/storage.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { MONGODB_URI } from '../helpers/db.js';
import { adminVariables, testEnvironment, type TestEnvironment } from '../helpers/test-app.js';

const SCRIPT = join(import.meta.dirname, '../../deploy/backup.sh');
const DAY = 86_400_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs the script as the timer would, with the environment's database and keys (set variables win over a .env). */
function backup(env: TestEnvironment, extra: Record<string, string>): { code: number; output: string } {
  const result = spawnSync('bash', [SCRIPT], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...adminVariables(env), ...extra },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

/** A file in the backup directory, last modified `daysAgo` days ago. */
function fileAged(dir: string, name: string, daysAgo: number): void {
  writeFileSync(join(dir, name), 'old');
  const when = new Date(Date.now() - daysAgo * DAY);
  utimesSync(join(dir, name), when, when);
}

describe('deploy/backup.sh', () => {
  it('writes a whole owner-only backup, then prunes only its own files older than the days kept; a failed backup prunes nothing', async () => {
    const env = testEnvironment();
    cleanups.push(() => env.cleanup());
    const keys = KeyRing.parse(env.config.DATA_KEYS, env.config.DATA_KEY_CURRENT, env.config.LOOKUP_KEY);
    const storage = await openStorage({ uri: MONGODB_URI, dbName: env.dbName, keys, init: true });
    await storage.repositories.staff.add({ name: 'نورة الباحثة', telegramUserId: 4_401, roles: ['researcher'] });
    await storage.close();

    const dir = join(mkdtempSync(join(tmpdir(), 'backup-script-')), 'backups');
    cleanups.push(() => rmSync(join(dir, '..'), { recursive: true, force: true }));
    const seed = () => {
      fileAged(dir, 'intake-20250101T023000Z.gz', 40);
      fileAged(dir, 'intake-20260101T023000Z.gz', 29);
      fileAged(dir, 'notes.txt', 400);
      fileAged(dir, '.intake-20260101T023000Z.gz.body-0a1b2c.tmp', 2);
    };

    // Failing (the database unreachable): no backup, and nothing pruned.
    spawnSync('mkdir', ['-p', dir]);
    seed();
    const failed = backup(env, { BACKUP_DIR: dir, BACKUP_KEEP_DAYS: '30', MONGODB_URI: 'mongodb://127.0.0.1:1/nowhere?serverSelectionTimeoutMS=1500' });
    expect(failed.code).not.toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      '.intake-20260101T023000Z.gz.body-0a1b2c.tmp',
      'intake-20250101T023000Z.gz',
      'intake-20260101T023000Z.gz',
      'notes.txt',
    ]);

    // A bad number of days is refused before anything is done.
    expect(backup(env, { BACKUP_DIR: dir, BACKUP_KEEP_DAYS: '0' })).toMatchObject({ code: 1, output: expect.stringContaining('BACKUP_KEEP_DAYS') });

    // Working: a new backup, the 40-day-old one and the stale temporary file gone, the rest kept.
    const done = backup(env, { BACKUP_DIR: dir, BACKUP_KEEP_DAYS: '30' });
    expect(done.code, done.output).toBe(0);
    expect(done.output).toContain('backup: pruned');
    const left = readdirSync(dir).sort();
    const fresh = left.filter((name) => /^intake-\d{8}T\d{6}Z\.gz$/.test(name) && name !== 'intake-20260101T023000Z.gz');
    expect(fresh).toHaveLength(1);
    expect(left).toEqual(['intake-20260101T023000Z.gz', fresh[0], 'notes.txt'].sort());
    expect(statSync(join(dir, fresh[0]!)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    // Whole: it restores into an empty database, the staff member with it.
    const restoredEnv = testEnvironment({ DATA_KEYS: env.config.DATA_KEYS, DATA_KEY_CURRENT: env.config.DATA_KEY_CURRENT, LOOKUP_KEY: env.config.LOOKUP_KEY });
    cleanups.push(() => restoredEnv.cleanup());
    let out = '';
    const code = await runAdmin(['restore', '--from', join(dir, fresh[0]!), '--operator', 'backup test'], {
      stdout: (text) => (out += text),
      stderr: (text) => (out += text),
      env: adminVariables(restoredEnv),
    });
    expect(code, out).toBe(0);
    const restored = await openStorage({ uri: MONGODB_URI, dbName: restoredEnv.dbName, keys });
    cleanups.push(() => restored.close());
    expect((await restored.repositories.staff.list()).map((s) => s.name)).toEqual(['نورة الباحثة']);
  }, 120_000);
});
