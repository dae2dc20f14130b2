/**
 * The data format a database remembers (src/models/data-format.ts): recorded at the service's
 * start, raised by a newer format, and a database a newer release has written refused by this
 * one (the service, and every admin command), so that a rollback by code alone cannot misread it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAdmin } from '../../src/cli/admin.js';
import { DATA_FORMAT, DataFormatError } from '../../src/models/data-format.js';
import { openDatabase } from '../../src/models/database.js';
import { MONGODB_URI } from '../helpers/db.js';
import { adminVariables, startTestApp, testEnvironment, type TestEnvironment } from '../helpers/test-app.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function environment(): TestEnvironment {
  const env = testEnvironment();
  cleanups.push(() => env.cleanup());
  return env;
}

/** The database's own record, read directly. */
async function recorded(env: TestEnvironment): Promise<{ format: number; since: Date } | null> {
  const connection = await openDatabase({ uri: MONGODB_URI, dbName: env.dbName });
  try {
    return await connection.collection<{ _id: string; format: number; since: Date }>('service_meta').findOne({ _id: 'data-format' });
  } finally {
    await connection.close();
  }
}

async function write(env: TestEnvironment, format: number): Promise<void> {
  const connection = await openDatabase({ uri: MONGODB_URI, dbName: env.dbName });
  await connection
    .collection<{ _id: string; format: number; since: Date }>('service_meta')
    .insertOne({ _id: 'data-format', format, since: new Date('2026-01-01T00:00:00Z') });
  await connection.close();
}

describe('the data format a database remembers', () => {
  it('is recorded at the first start, and raised when an older one is found', async () => {
    const fresh = environment();
    const app = await startTestApp(fresh);
    await app.stop();
    expect(await recorded(fresh)).toMatchObject({ format: DATA_FORMAT });

    const older = environment();
    await write(older, DATA_FORMAT - 1);
    const again = await startTestApp(older);
    await again.stop();
    expect((await recorded(older))!.format).toBe(DATA_FORMAT);
  });

  it('refuses a database a newer release has written: the service, its command line, and every admin command', async () => {
    const env = environment();
    await write(env, DATA_FORMAT + 1);

    const refused = await startTestApp(env).then(
      async (app) => {
        await app.stop();
        return null;
      },
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DataFormatError);
    expect((refused as Error).message).toContain(`holds data format ${DATA_FORMAT + 1}`);
    expect((refused as Error).message).toContain('Rolling back');
    // Refused before anything was built: no index, no collection of the service's.
    const connection = await openDatabase({ uri: MONGODB_URI, dbName: env.dbName });
    const collections = (await connection.db!.listCollections().toArray()).map((c) => c.name);
    await connection.close();
    expect(collections).toEqual(['service_meta']);
    expect((await recorded(env))!.format).toBe(DATA_FORMAT + 1);

    // The process: one line naming what to do, exit 1.
    const started = spawnSync('npx', ['tsx', 'src/main.ts', '--role', 'worker', '--env', '/nonexistent'], {
      cwd: join(import.meta.dirname, '../..'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...adminVariables(env), LOG_LEVEL: 'silent', CONSOLE_CHAT: 'off' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(started.status).toBe(1);
    expect(started.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^the database holds data format \d+, written by a newer release/)]);

    // An admin command: refused, exit 1, nothing changed.
    let out = '';
    const code = await runAdmin(['staff', 'add', '--name', 'نورة', '--telegram-id', '5501', '--role', 'researcher', '--operator', 'test'], {
      stdout: (text) => (out += text),
      stderr: (text) => (out += text),
      env: adminVariables(env),
    });
    expect(code).toBe(1);
    expect(out).toContain('written by a newer release');
  }, 90_000);
});
