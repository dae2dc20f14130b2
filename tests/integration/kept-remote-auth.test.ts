/**
 * The session kept by the real whatsapp-web.js RemoteAuth (1.34.7, run offline: it zips and
 * unzips Chromium's profile directory, no browser needed), subclassed as KeptRemoteAuth, with
 * the encrypted disk store. Also the contract with the library: the version pinned, and the
 * arguments RemoteAuth hands the store, so that an upgrade that changes them fails here.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pkg from 'whatsapp-web.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DiskSessionStore } from '../../src/bots/whatsapp/disk-session-store.js';
import { KeptRemoteAuth, type BackupReport } from '../../src/bots/whatsapp/kept-remote-auth.js';
import type { RemoteAuthStore } from '../../src/models/whatsapp-session-store.js';
import { KeyRing } from '../../src/privacy/key-ring.js';

const keys = new KeyRing({ keys: { k1: randomBytes(32) }, currentKeyId: 'k1', lookupKey: randomBytes(32) });
const SESSION = 'RemoteAuth-association';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kept-auth-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** A store that records what RemoteAuth hands it, around the real disk store. */
function recording(store: RemoteAuthStore) {
  const calls: { method: string; args: unknown }[] = [];
  const wrap = <K extends keyof RemoteAuthStore>(method: K) =>
    (async (args: never) => {
      calls.push({ method, args: structuredClone(args) });
      return (store[method] as (a: never) => Promise<unknown>)(args);
    }) as RemoteAuthStore[K];
  const recorded: RemoteAuthStore = { sessionExists: wrap('sessionExists'), save: wrap('save'), extract: wrap('extract'), delete: wrap('delete') };
  return { recorded, calls };
}

/** The strategy set up as the library's Client does (`setup` in its constructor). */
function kept(store: RemoteAuthStore, onBackup?: (report: BackupReport) => void) {
  const emitted: unknown[][] = [];
  const auth = new KeptRemoteAuth({
    store,
    clientId: 'association',
    dataPath: path.join(dir, 'profile'),
    backupSyncIntervalMs: 60_000,
    ...(onBackup ? { onBackup } : {}),
  });
  auth.setup({ options: { puppeteer: {} }, emit: (...args: unknown[]) => (emitted.push(args), true) });
  return { auth, emitted };
}

/**
 * The profile's marker once it is there: the library's unzip (unzipper's `Extract`, RemoteAuth.js
 * `unCompressSession`) resolves on the stream's `finish`, before the last files are on disk.
 */
async function markerOf(auth: KeptRemoteAuth): Promise<string> {
  const file = path.join(auth.profileDirectory, 'Default', 'Local Storage', 'marker');
  for (let i = 0; i < 100 && !existsSync(file); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  return readFile(file, 'utf8');
}

async function makeProfile(auth: KeptRemoteAuth, marker: string): Promise<void> {
  await mkdir(path.join(auth.profileDirectory, 'Default', 'Local Storage'), { recursive: true });
  await writeFile(path.join(auth.profileDirectory, 'Default', 'Local Storage', 'marker'), marker);
}

describe('whatsapp-web.js, pinned', () => {
  it('is installed at exactly the version package.json names, which is the one this code was read beside', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    const installed = createRequire(import.meta.url)('whatsapp-web.js/package.json') as { version: string };
    expect(manifest.dependencies['whatsapp-web.js']).toBe('1.34.7');
    expect(installed.version).toBe('1.34.7');
  });

  it("RemoteAuth's contract with the store: the name to save with the zip at <dataPath>/<name>.zip, the path to extract to", async () => {
    const disk = new DiskSessionStore(keys, { dataPath: path.join(dir, 'profile'), directory: path.join(dir, 'sessions') });
    const { recorded, calls } = recording(disk);
    const { auth } = kept(recorded);
    await auth.beforeBrowserInitialized();
    await makeProfile(auth, 'first');
    expect(await auth.backupNow()).toBe(true);
    expect(calls.find((c) => c.method === 'save')?.args).toEqual({ session: SESSION });
    // The zip RemoteAuth made was read and removed.
    expect(existsSync(path.join(dir, 'profile', `${SESSION}.zip`))).toBe(false);

    // Restored on a disk with no profile: extract is handed the zip's path, which the library unzips.
    await rm(auth.profileDirectory, { recursive: true, force: true });
    const { auth: next } = kept(recorded);
    await next.beforeBrowserInitialized();
    expect(calls.find((c) => c.method === 'extract')?.args).toEqual({ session: SESSION, path: path.join(dir, 'profile', `${SESSION}.zip`) });
    expect(await markerOf(next)).toBe('first');
  });
});

describe('KeptRemoteAuth', () => {
  it('a backup whose zip step fails is reported, never rejected (the library rejected, from a timer nobody catches)', async () => {
    const disk = new DiskSessionStore(keys, { dataPath: path.join(dir, 'profile'), directory: path.join(dir, 'sessions') });
    const reports: BackupReport[] = [];
    const { auth } = kept(disk, (report) => reports.push(report));
    await auth.beforeBrowserInitialized();
    await makeProfile(auth, 'x');
    // The staging directory RemoteAuth copies the profile into cannot be made: a file stands in its way.
    await writeFile(path.join(dir, 'profile', 'wwebjs_temp_session_association'), 'in the way');

    await expect(auth.backupNow()).resolves.toBe(false);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ ok: false });
    expect(await disk.info(SESSION)).toBeNull();

    // The library's own step, in the same place, rejects (and its `finally` clears the way).
    await writeFile(path.join(dir, 'profile', 'wwebjs_temp_session_association'), 'in the way');
    const library = new pkg.RemoteAuth({ store: disk, clientId: 'association', dataPath: path.join(dir, 'profile'), backupSyncIntervalMs: 60_000 });
    Object.assign(library, { userDataDir: auth.profileDirectory, sessionName: SESSION });
    await expect((library as unknown as { storeRemoteSession(): Promise<void> }).storeRemoteSession()).rejects.toThrow();
  });

  it('after ready, a store that cannot answer does not reject (the library rejected, unawaited); one timer however many readys', async () => {
    const failing: RemoteAuthStore = {
      sessionExists: async () => {
        throw new Error('MongoNetworkError: connection refused');
      },
      save: async () => undefined,
      extract: async () => undefined,
      delete: async () => undefined,
    };
    const library = new pkg.RemoteAuth({ store: failing, clientId: 'association', dataPath: path.join(dir, 'profile'), backupSyncIntervalMs: 60_000 });
    await expect(library.afterAuthReady()).rejects.toThrow('connection refused');

    const intervals = vi.spyOn(globalThis, 'setInterval');
    const cleared = vi.spyOn(globalThis, 'clearInterval');
    const { auth } = kept(failing);
    await expect(auth.afterAuthReady()).resolves.toBeUndefined();
    await auth.afterAuthReady();
    await auth.afterAuthReady();
    const made = intervals.mock.results.map((r) => r.value as NodeJS.Timeout);
    expect(made).toHaveLength(3);
    // Each ready cleared the timer of the one before; destroy clears the last.
    expect(cleared.mock.calls.map(([timer]) => timer)).toEqual(expect.arrayContaining(made.slice(0, 2)));
    await auth.destroy();
    expect(cleared.mock.calls.map(([timer]) => timer)).toContain(made[2]);
  });

  it('keeps the local profile over an older stored copy; restores the stored copy only where there is none', async () => {
    const disk = new DiskSessionStore(keys, { dataPath: path.join(dir, 'profile'), directory: path.join(dir, 'sessions') });
    const { auth } = kept(disk);
    await auth.beforeBrowserInitialized();
    await makeProfile(auth, 'backed up at 10:00');
    expect(await auth.backupNow()).toBe(true);
    await makeProfile(auth, 'written by Chromium until 10:04');

    const { auth: restarted } = kept(disk);
    await restarted.beforeBrowserInitialized();
    expect(await markerOf(restarted)).toBe('written by Chromium until 10:04');

    await rm(restarted.profileDirectory, { recursive: true, force: true });
    const { auth: moved } = kept(disk);
    await moved.beforeBrowserInitialized();
    expect(await markerOf(moved)).toBe('backed up at 10:00');
  });

  it('a failure in the logout path is reported to the client, not thrown into the listener nobody awaits', async () => {
    const disk = new DiskSessionStore(keys, { dataPath: path.join(dir, 'profile'), directory: path.join(dir, 'sessions') });
    const broken: RemoteAuthStore = {
      ...disk,
      sessionExists: disk.sessionExists.bind(disk),
      save: disk.save.bind(disk),
      extract: disk.extract.bind(disk),
      delete: async () => {
        throw new Error('store unreachable');
      },
    };
    const { auth, emitted } = kept({ ...broken, sessionExists: async () => true });
    await expect(auth.logout()).resolves.toBeUndefined();
    expect(emitted).toHaveLength(1);
    expect(emitted[0]![0]).toBe('client_fault');
    expect(emitted[0]![1]).toBe('logout');
  });
});

describe("the session store reads every form of save's argument the library has used", () => {
  it('the name (1.34.7), the full path (other releases), with or without .zip; a path outside names nothing else', async () => {
    const dataPath = path.join(dir, 'profile');
    const disk = new DiskSessionStore(keys, { dataPath, directory: path.join(dir, 'sessions') });
    await mkdir(dataPath, { recursive: true });
    for (const [form, bytes] of [
      [SESSION, 'by name'],
      [path.join(dataPath, SESSION), 'by path'],
      [path.join(dataPath, `${SESSION}.zip`), 'by zip path'],
    ] as const) {
      await writeFile(path.join(dataPath, `${SESSION}.zip`), bytes);
      await disk.save({ session: form });
      expect((await disk.get(SESSION)).toString()).toBe(bytes);
    }
    await expect(disk.save({ session: path.join(dataPath, 'bad name!') })).rejects.toThrow(TypeError);
  });
});
