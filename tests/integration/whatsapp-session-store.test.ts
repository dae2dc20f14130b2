/**
 * Contract test of the WhatsApp session stores (MongoDB/GridFS and disk): what
 * whatsapp-web.js's RemoteAuth relies on (save, exists, extract) plus what the
 * service relies on (a routine disconnect never deletes, a logout does, values are
 * encrypted at rest, key rotation keeps old sessions readable). The last test of
 * each store drives the real RemoteAuth strategy (zip, backup, disconnect, restore)
 * without a browser.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import type { RemoteAuth as RemoteAuthType } from 'whatsapp-web.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiskSessionStore } from '../../src/bots/whatsapp/disk-session-store.js';
import { isLoggedOutReason, WhatsAppSessionStore, type WhatsAppAuthStore, type WhatsAppStoreOptions } from '../../src/models/whatsapp-session-store.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { freshDatabase } from '../helpers/db.js';

const MiB = 1024 * 1024;
const SESSION = 'RemoteAuth-intake';

const K1 = randomBytes(32);
const K2 = randomBytes(32);
const LOOKUP = randomBytes(32);
const ringK1 = new KeyRing({ keys: { k1: K1 }, currentKeyId: 'k1', lookupKey: LOOKUP });
const ringK1K2 = new KeyRing({ keys: { k1: K1, k2: K2 }, currentKeyId: 'k2', lookupKey: LOOKUP });

/** What a test needs from one kind of store. */
interface Harness {
  make(keys: KeyRing, options?: WhatsAppStoreOptions): WhatsAppAuthStore;
  /** The bytes of `session` exactly as stored (encrypted). */
  raw(session: string): Promise<Buffer>;
  /** How many stored copies of `session` there are. */
  copies(session: string): Promise<number>;
}

interface HarnessFactory {
  name: string;
  setup(): Promise<Harness & { teardown(): Promise<void> }>;
}

const gridFs: HarnessFactory = {
  name: 'WhatsAppSessionStore (GridFS)',
  async setup() {
    const db = await freshDatabase();
    const connection: Connection = db.connection;
    const database = connection.db!;
    return {
      make: (keys, options) => new WhatsAppSessionStore(connection, keys, options),
      async raw(session) {
        const file = await database.collection('whatsapp_sessions.files').findOne({ filename: session });
        if (!file) throw new Error('no file');
        const chunks = await database.collection('whatsapp_sessions.chunks').find({ files_id: file._id }).sort({ n: 1 }).toArray();
        return Buffer.concat(chunks.map((c) => Buffer.from((c.data as { buffer: Uint8Array }).buffer)));
      },
      copies: (session) => database.collection('whatsapp_sessions.files').countDocuments({ filename: session }),
      teardown: db.drop,
    };
  },
};

const disk: HarnessFactory = {
  name: 'DiskSessionStore',
  async setup() {
    const directory = await mkdtemp(path.join(tmpdir(), 'wa-store-'));
    const probe = new DiskSessionStore(ringK1, { directory });
    return {
      make: (keys, options) => new DiskSessionStore(keys, { ...options, directory }),
      raw: (session) => readFile(probe.filePath(session)),
      async copies(session) {
        return (await probe.sessionExists({ session })) ? 1 : 0;
      },
      teardown: () => rm(directory, { recursive: true, force: true }),
    };
  },
};

/** RemoteAuth's internals the last test drives (not in the published typings). */
interface RemoteAuthInternals {
  setup(client: unknown): void;
  beforeBrowserInitialized(): Promise<void>;
  storeRemoteSession(options?: { emit?: boolean }): Promise<void>;
  disconnect(): Promise<void>;
  logout(): Promise<void>;
  destroy(): Promise<void>;
  userDataDir: string;
}

// The strategy alone, without loading the client and Puppeteer.
const RemoteAuth = createRequire(import.meta.url)('whatsapp-web.js/src/authStrategies/RemoteAuth.js') as typeof RemoteAuthType;

describe.each([gridFs, disk])('$name', (factory) => {
  let harness: Awaited<ReturnType<HarnessFactory['setup']>>;
  let work: string;
  let refused: string[];
  let store: WhatsAppAuthStore;

  beforeAll(async () => {
    harness = await factory.setup();
  });

  afterAll(async () => {
    await harness.teardown();
  });

  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'wa-work-'));
    refused = [];
    store = harness.make(ringK1, { dataPath: work, onRefusedDelete: (s) => refused.push(s) });
  });

  afterEach(async () => {
    await store.forget(SESSION);
    await rm(work, { recursive: true, force: true });
  });

  /** Puts a zip-like file where RemoteAuth leaves it before calling `save`. */
  async function stageZip(bytes: Buffer = randomBytes(3 * MiB)): Promise<Buffer> {
    // A zip's local-file-header signature first, so the plaintext has a recognisable start.
    Buffer.from('PK\x03\x04', 'latin1').copy(bytes, 0);
    await writeFile(path.join(work, `${SESSION}.zip`), bytes);
    return bytes;
  }

  async function extracted(): Promise<Buffer> {
    const target = path.join(work, 'restore', 'nested', `${SESSION}.zip`);
    await store.extract({ session: SESSION, path: target });
    return readFile(target);
  }

  it('saves, reports the session, and extracts the same bytes', async () => {
    expect(await store.sessionExists({ session: SESSION })).toBe(false);
    const zip = await stageZip();
    await store.save({ session: SESSION });
    expect(await store.sessionExists({ session: SESSION })).toBe(true);
    expect((await extracted()).equals(zip)).toBe(true);

    const info = await store.info(SESSION);
    expect(info).toMatchObject({ session: SESSION, size: zip.length, keyId: 'k1' });
    expect(info!.savedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps the session on a routine delete (disconnect) and removes it after allowDeletion (logout)', async () => {
    const zip = await stageZip();
    await store.save({ session: SESSION });

    await store.delete({ session: SESSION });
    expect(refused).toEqual([SESSION]);
    expect(await store.sessionExists({ session: SESSION })).toBe(true);
    expect((await extracted()).equals(zip)).toBe(true);

    store.allowDeletion(SESSION);
    await store.delete({ session: SESSION });
    expect(await store.sessionExists({ session: SESSION })).toBe(false);
    expect(await store.info(SESSION)).toBeNull();
    expect(refused).toEqual([SESSION]);
  });

  it('consumes a permission once, lets it be revoked, and expires it', async () => {
    await stageZip();
    await store.save({ session: SESSION });
    store.allowDeletion(SESSION);
    store.revokeDeletion(SESSION);
    await store.delete({ session: SESSION });
    expect(await store.sessionExists({ session: SESSION })).toBe(true);

    const quick = harness.make(ringK1, { dataPath: work, deletionWindowMs: -1 });
    quick.allowDeletion(SESSION);
    await quick.delete({ session: SESSION });
    expect(await store.sessionExists({ session: SESSION })).toBe(true);

    store.allowDeletion(SESSION);
    await store.delete({ session: SESSION });
    await stageZip();
    await store.save({ session: SESSION });
    await store.delete({ session: SESSION });
    expect(await store.sessionExists({ session: SESSION })).toBe(true);
    expect(refused).toEqual([SESSION, SESSION]);
  });

  it('forgets a session on an explicit unlink', async () => {
    await stageZip();
    await store.save({ session: SESSION });
    expect(await store.forget(SESSION)).toBe(true);
    expect(await store.sessionExists({ session: SESSION })).toBe(false);
    expect(await store.forget(SESSION)).toBe(false);
  });

  it('keeps the session encrypted at rest', async () => {
    const zip = await stageZip();
    await store.save({ session: SESSION });
    const raw = await harness.raw(SESSION);
    expect(raw.includes(zip.subarray(0, 64))).toBe(false);
    expect(raw.subarray(0, 3).toString('latin1')).toBe('EB1');
    expect(ringK1.decryptBytes(raw).equals(zip)).toBe(true);
  });

  it('replaces the previous copy on a second save', async () => {
    await stageZip();
    await store.save({ session: SESSION });
    const second = await stageZip(randomBytes(1 * MiB));
    await store.save({ session: SESSION });
    expect(await harness.copies(SESSION)).toBe(1);
    expect((await extracted()).equals(second)).toBe(true);
    expect((await store.info(SESSION))?.size).toBe(second.length);
  });

  it('reads a session saved under an old key after a new current key is added', async () => {
    const zip = await stageZip();
    await store.save({ session: SESSION });
    const rotated = harness.make(ringK1K2, { dataPath: work });
    const target = path.join(work, 'rotated.zip');
    await rotated.extract({ session: SESSION, path: target });
    expect((await readFile(target)).equals(zip)).toBe(true);
    expect((await rotated.info(SESSION))?.keyId).toBe('k1');

    await stageZip(zip);
    await rotated.save({ session: SESSION });
    expect((await rotated.info(SESSION))?.keyId).toBe('k2');
    expect(ringK1K2.keyIdOf(await harness.raw(SESSION))).toBe('k2');
  });

  it('rejects a failed save (KeptRemoteAuth reports it), keeping the old copy', async () => {
    const zip = await stageZip();
    await store.save({ session: SESSION });
    await rm(path.join(work, `${SESSION}.zip`));

    await expect(store.save({ session: SESSION })).rejects.toThrow(/ENOENT/);
    expect((await extracted()).equals(zip)).toBe(true);
  });

  it('rejects session names that are not RemoteAuth names', async () => {
    await expect(store.sessionExists({ session: '../etc/passwd' })).rejects.toThrow(TypeError);
    expect(() => store.allowDeletion('a/b')).toThrow(TypeError);
  });

  it('works under the real RemoteAuth: backup, disconnect keeps it, restore, logout deletes', async () => {
    const client = { options: { puppeteer: {} }, emit: () => true };
    const start = async (): Promise<RemoteAuthInternals> => {
      const auth = new RemoteAuth({
        store,
        clientId: 'intake',
        dataPath: work,
        backupSyncIntervalMs: 60_000,
      }) as unknown as RemoteAuthInternals;
      auth.setup(client);
      await auth.beforeBrowserInitialized();
      return auth;
    };

    const first = await start();
    const leveldb = path.join(first.userDataDir, 'Default', 'Local Storage', 'leveldb');
    await mkdir(leveldb, { recursive: true });
    const profile = randomBytes(256 * 1024);
    await writeFile(path.join(leveldb, '000003.log'), profile);
    await first.storeRemoteSession({ emit: true });
    expect(await store.sessionExists({ session: SESSION })).toBe(true);
    expect(await harness.copies(SESSION)).toBe(1);

    // A CONFLICT / TOS_BLOCK / other state outside the accepted ones: RemoteAuth.disconnect().
    await first.disconnect();
    expect(refused).toEqual([SESSION]);
    expect(await store.sessionExists({ session: SESSION })).toBe(true);

    // A restarted process restores the profile from the store.
    const second = await start();
    expect((await readFile(path.join(leveldb, '000003.log'))).equals(profile)).toBe(true);

    // The phone unlinked the device: change_state UNPAIRED, then RemoteAuth.logout().
    expect(isLoggedOutReason('UNPAIRED')).toBe(true);
    expect(isLoggedOutReason('CONFLICT')).toBe(false);
    store.allowDeletion(SESSION);
    await second.logout();
    expect(await store.sessionExists({ session: SESSION })).toBe(false);
    await second.destroy();
  });
});
