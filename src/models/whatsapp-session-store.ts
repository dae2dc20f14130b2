import { readFile, mkdir, writeFile, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { mongo, type Connection } from 'mongoose';
import type { RemoteAuth, Store } from 'whatsapp-web.js';
import type { KeyRing } from '../privacy/key-ring.js';

/**
 * The store interface whatsapp-web.js's `RemoteAuth` calls (1.34.7,
 * src/authStrategies/RemoteAuth.js). `session` is RemoteAuth's session name,
 * `RemoteAuth-<clientId>` (or `RemoteAuth`).
 *
 * - `sessionExists` before restoring (start), after `ready`, and before every `delete`.
 * - `save` after RemoteAuth zipped the profile to `<dataPath>/<session>.zip`: the
 *   store reads that file (RemoteAuth removes it afterwards). Called 60 s after the
 *   first `ready` without a stored session, then every `backupSyncIntervalMs` from
 *   a `setInterval` that does not catch, so a rejected save is an unhandled rejection.
 * - `extract` at start when `sessionExists`: the store writes the zip to `path`
 *   (`<dataPath>/<session>.zip`), which RemoteAuth unzips then removes.
 * - `delete` from `RemoteAuth.disconnect()`, which the client calls on logout
 *   (`disconnected` 'LOGOUT', `client.logout()`) AND on every connection state
 *   outside CONNECTED/OPENING/PAIRING/TIMEOUT (CONFLICT, TOS_BLOCK, UNPAIRED, ...).
 *   That is why the stores below refuse `delete` unless {@link WhatsAppAuthStore.allowDeletion}
 *   was called.
 */
export interface RemoteAuthStore {
  sessionExists(options: { session: string }): Promise<boolean>;
  save(options: { session: string }): Promise<void>;
  extract(options: { session: string; path: string }): Promise<void>;
  delete(options: { session: string }): Promise<void>;
}

/** What is known about a stored session besides its bytes; no secrets. */
export interface WhatsAppSessionInfo {
  session: string;
  /** When this copy was saved. */
  savedAt: Date;
  /** Size of the zip before encryption, in bytes. */
  size: number;
  /** The KeyRing key id it is encrypted under. */
  keyId: string;
}

/** The RemoteAuth store plus the controls the service uses; both the GridFS and the disk store implement it. */
export interface WhatsAppAuthStore extends RemoteAuthStore {
  /**
   * Lets the next `delete` of `session` through (one shot, expires). Call it only
   * when the account was really logged out: `change_state` UNPAIRED / UNPAIRED_IDLE
   * or `disconnected` with reason 'LOGOUT' (see {@link isLoggedOutReason}).
   */
  allowDeletion(session: string): void;
  /** Withdraws a pending {@link WhatsAppAuthStore.allowDeletion}. */
  revokeDeletion(session: string): void;
  /** Deletes the stored session unconditionally (explicit admin unlink); true when something was deleted. */
  forget(session: string): Promise<boolean>;
  /** Metadata of the stored session, or null. */
  info(session: string): Promise<WhatsAppSessionInfo | null>;
}

/** Options shared by both stores. */
export interface WhatsAppStoreOptions {
  /**
   * RemoteAuth's `dataPath` (default `./.wwebjs_auth/`): where RemoteAuth writes
   * `<session>.zip` before calling `save`. Must be the same value as given to RemoteAuth.
   */
  dataPath?: string;
  /** Told when a `delete` was refused because no {@link WhatsAppAuthStore.allowDeletion} was pending. */
  onRefusedDelete?: (session: string) => void;
  /** How long an {@link WhatsAppAuthStore.allowDeletion} stays valid; default 5 minutes. */
  deletionWindowMs?: number;
}

/** Connection states / disconnect reasons that mean the account was really logged out. */
const LOGGED_OUT = new Set(['LOGOUT', 'UNPAIRED', 'UNPAIRED_IDLE']);

/**
 * Whether a `change_state` state or `disconnected` reason means the device was
 * unlinked, so the stored session is dead and may be deleted. CONFLICT (another
 * WhatsApp Web open), TIMEOUT, TOS_BLOCK, PROXYBLOCK and the like are not.
 */
export function isLoggedOutReason(reason: unknown): boolean {
  return typeof reason === 'string' && LOGGED_OUT.has(reason);
}

const SESSION_NAME = /^[-\w]{1,100}$/;

/** Checks a session name (RemoteAuth's `RemoteAuth-<clientId>`); it becomes a file name. */
export function assertSessionName(session: unknown): asserts session is string {
  if (typeof session !== 'string' || !SESSION_NAME.test(session)) {
    throw new TypeError('WhatsApp session names must match /^[-\\w]{1,100}$/.');
  }
}

/** The one-shot, expiring permission to delete; shared by both stores. */
export class DeletionGuard {
  readonly #allowed = new Map<string, number>();

  constructor(private readonly windowMs = 5 * 60_000) {}

  allow(session: string): void {
    assertSessionName(session);
    this.#allowed.set(session, Date.now() + this.windowMs);
  }

  revoke(session: string): void {
    this.#allowed.delete(session);
  }

  /** Whether a deletion is allowed now; consumes the permission. */
  take(session: string): boolean {
    const until = this.#allowed.get(session);
    this.#allowed.delete(session);
    return until !== undefined && until >= Date.now();
  }
}

/**
 * What RemoteAuth's `save` was handed, in every form the library has used: the session name
 * (1.34.7: `save({ session: this.sessionName })`, the zip at `<dataPath>/<name>.zip`, or at
 * `<cwd>/<name>.zip` in older releases), or the session's full path (other releases:
 * `save({ session: path.join(dataPath, sessionName) })`, the zip at `<path>.zip`), with or
 * without `.zip`. Returns the session's name and where its zip may be, first choice first.
 */
export function sessionToSave(session: unknown, dataPath: string): { name: string; zips: string[] } {
  if (typeof session !== 'string') return assertSessionName(session) as never;
  const bare = session.replace(/\.zip$/i, '');
  if (!/[\\/]/.test(bare)) {
    assertSessionName(bare);
    return { name: bare, zips: [path.join(dataPath, `${bare}.zip`), path.resolve(`${bare}.zip`)] };
  }
  const name = path.basename(bare);
  assertSessionName(name);
  return { name, zips: [path.resolve(`${bare}.zip`), path.join(dataPath, `${name}.zip`)] };
}

/** Reads the first of `zips` that exists. */
export async function readSessionZip(zips: readonly string[]): Promise<Buffer> {
  let missing: unknown = new Error('no zip to read');
  for (const zip of new Set(zips)) {
    try {
      return await readFile(zip);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing = error;
    }
  }
  throw missing;
}

/** Writes the restored zip where RemoteAuth expects it, atomically, creating the directory (a new machine has none). */
export async function writeFileAtomic(target: string, bytes: Buffer): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, bytes, { mode: 0o600, flush: true });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Defaults for {@link WhatsAppStoreOptions.dataPath}, as RemoteAuth resolves it. */
export const DEFAULT_REMOTE_AUTH_DATA_PATH = './.wwebjs_auth/';

const BUCKET = 'whatsapp_sessions';

interface StoredMeta {
  session: string;
  savedAt: Date;
  size: number;
  keyId: string;
}

/**
 * What every session store does the same way, whatever holds the bytes: RemoteAuth's
 * backup (read the zip it wrote, store it), its restore (write the zip back), and the
 * guarded delete (refused unless a real logout allowed it). Subclasses say where the
 * encrypted bytes live.
 */
export abstract class GuardedSessionStore implements WhatsAppAuthStore {
  protected readonly dataPath: string;
  private readonly guard: DeletionGuard;

  constructor(protected readonly options: WhatsAppStoreOptions) {
    this.dataPath = path.resolve(options.dataPath ?? DEFAULT_REMOTE_AUTH_DATA_PATH);
    this.guard = new DeletionGuard(options.deletionWindowMs);
  }

  abstract sessionExists(options: { session: string }): Promise<boolean>;
  /** Stores `zip` for `session` encrypted, replacing the previous copy only once the new one is complete. */
  abstract put(session: string, zip: Buffer): Promise<void>;
  /** The stored zip for `session`, decrypted. */
  abstract get(session: string): Promise<Buffer>;
  abstract forget(session: string): Promise<boolean>;
  abstract info(session: string): Promise<WhatsAppSessionInfo | null>;

  /** RemoteAuth's backup: stores the zip it made (see {@link sessionToSave}) encrypted, replacing the previous copy. */
  async save({ session }: { session: string }): Promise<void> {
    // A failure rejects, the previous copy staying: KeptRemoteAuth reports it and goes on.
    const { name, zips } = sessionToSave(session, this.dataPath);
    await this.put(name, await readSessionZip(zips));
  }

  /** RemoteAuth's restore: writes the decrypted zip to `path`. */
  async extract({ session, path: target }: { session: string; path: string }): Promise<void> {
    await writeFileAtomic(target, await this.get(session));
  }

  /** RemoteAuth's delete: a no-op (reported to `onRefusedDelete`) unless {@link allowDeletion} is pending. */
  async delete({ session }: { session: string }): Promise<void> {
    assertSessionName(session);
    if (!this.guard.take(session)) {
      this.options.onRefusedDelete?.(session);
      return;
    }
    await this.forget(session);
  }

  allowDeletion(session: string): void {
    this.guard.allow(session);
  }

  revokeDeletion(session: string): void {
    this.guard.revoke(session);
  }
}

/**
 * The WhatsApp Web session (it gives full access to the account), kept in MongoDB
 * so a restarted or moved process does not need a new QR scan: each session's zip,
 * encrypted with the KeyRing, is one GridFS file in bucket `whatsapp_sessions`
 * named after the session. A new copy is written in full before the old one is
 * removed, so a crash never leaves none (GridFS writes the file document after the
 * last chunk; an interrupted upload is invisible).
 *
 * `delete` is refused unless {@link WhatsAppSessionStore.allowDeletion} was called,
 * because RemoteAuth calls it on routine disconnects too.
 */
export class WhatsAppSessionStore extends GuardedSessionStore {
  private readonly bucket: mongo.GridFSBucket;
  private readonly files: mongo.Collection;

  constructor(
    connection: Connection,
    private readonly keys: KeyRing,
    options: WhatsAppStoreOptions = {},
  ) {
    super(options);
    if (!connection.db) throw new Error('WhatsAppSessionStore needs an open connection');
    this.bucket = new mongo.GridFSBucket(connection.db, { bucketName: BUCKET });
    this.files = connection.db.collection(`${BUCKET}.files`);
  }

  async sessionExists({ session }: { session: string }): Promise<boolean> {
    assertSessionName(session);
    return (await this.files.countDocuments({ filename: session }, { limit: 1 })) > 0;
  }

  /** Stores `zip` for `session` encrypted; the new file is complete before older ones are removed. */
  async put(session: string, zip: Buffer): Promise<void> {
    assertSessionName(session);
    const sealed = this.keys.encryptBytes(zip);
    const metadata: StoredMeta = { session, savedAt: new Date(), size: zip.length, keyId: this.keys.keyIdOf(sealed) };
    const id = new mongo.ObjectId();
    await new Promise<void>((resolve, reject) => {
      const upload = this.bucket.openUploadStreamWithId(id, session, { metadata });
      upload.once('error', reject);
      upload.once('finish', () => resolve());
      upload.end(sealed);
    });
    const older = await this.files.find({ filename: session, _id: { $ne: id } }, { projection: { _id: 1 } }).toArray();
    for (const file of older) await this.removeFile(file._id);
  }

  /** The newest stored zip for `session`, decrypted. */
  async get(session: string): Promise<Buffer> {
    const file = await this.newest(session);
    if (!file) throw new Error(`No stored WhatsApp session "${session}".`);
    const chunks: Buffer[] = [];
    for await (const chunk of this.bucket.openDownloadStream(file._id)) chunks.push(chunk as Buffer);
    return this.keys.decryptBytes(Buffer.concat(chunks));
  }

  async forget(session: string): Promise<boolean> {
    assertSessionName(session);
    const all = await this.files.find({ filename: session }, { projection: { _id: 1 } }).toArray();
    for (const file of all) await this.removeFile(file._id);
    return all.length > 0;
  }

  async info(session: string): Promise<WhatsAppSessionInfo | null> {
    const file = await this.newest(session);
    const meta = file?.metadata as StoredMeta | undefined;
    if (!meta) return null;
    return { session, savedAt: new Date(meta.savedAt), size: meta.size, keyId: meta.keyId };
  }

  private async newest(session: string): Promise<mongo.WithId<mongo.Document> | null> {
    assertSessionName(session);
    const [file] = await this.files.find({ filename: session }).sort({ uploadDate: -1, _id: -1 }).limit(1).toArray();
    return file ?? null;
  }

  private async removeFile(id: unknown): Promise<void> {
    try {
      await this.bucket.delete(id as mongo.ObjectId);
    } catch (error) {
      if (!(error instanceof mongo.MongoRuntimeError) || !/File not found/i.test(error.message)) throw error;
    }
  }
}

/**
 * Compile-time check, never called: `new RemoteAuth({ store, backupSyncIntervalMs: 60000, clientId })`
 * type-checks with this store, and the shared interface is assignable to whatsapp-web.js's `Store`.
 */
function _remoteAuthAcceptsStore(RemoteAuthClass: typeof RemoteAuth, store: WhatsAppSessionStore, anyStore: WhatsAppAuthStore): [RemoteAuth, Store] {
  return [new RemoteAuthClass({ store, backupSyncIntervalMs: 60_000, clientId: 'x' }), anyStore];
}
