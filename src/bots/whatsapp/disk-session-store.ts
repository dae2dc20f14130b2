import { readFile, rm, access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RemoteAuth, Store } from 'whatsapp-web.js';
import type { KeyRing } from '../../privacy/key-ring.js';
import {
  assertSessionName,
  GuardedSessionStore,
  writeFileAtomic,
  type WhatsAppSessionInfo,
  type WhatsAppStoreOptions,
} from '../../models/whatsapp-session-store.js';

/** Options for {@link DiskSessionStore}. */
export interface DiskSessionStoreOptions extends WhatsAppStoreOptions {
  /** Where the encrypted sessions are kept; default `.data/whatsapp`. */
  directory?: string;
}

/** The default directory of {@link DiskSessionStore}. */
export const DEFAULT_SESSION_DIRECTORY = '.data/whatsapp';

interface SidecarMeta {
  session: string;
  savedAt: string;
  size: number;
  keyId: string;
}

/**
 * The simple option: the WhatsApp Web session kept on local disk, encrypted with
 * the KeyRing, as `<directory>/<session>.zip.enc` plus `<session>.json` (savedAt,
 * size, keyId; no secrets). Files are written to a temporary name, flushed, then
 * renamed over the old one, so a crash leaves either the old or the new copy.
 *
 * Same deletion rule as the MongoDB store: `delete` (which RemoteAuth calls on
 * routine disconnects too) is refused unless {@link DiskSessionStore.allowDeletion}
 * was called.
 */
export class DiskSessionStore extends GuardedSessionStore {
  private readonly directory: string;

  constructor(
    private readonly keys: KeyRing,
    options: DiskSessionStoreOptions = {},
  ) {
    super(options);
    this.directory = path.resolve(options.directory ?? DEFAULT_SESSION_DIRECTORY);
  }

  /** The path of the encrypted zip of `session` (for tests and operators). */
  filePath(session: string): string {
    assertSessionName(session);
    return path.join(this.directory, `${session}.zip.enc`);
  }

  private metaPath(session: string): string {
    return path.join(this.directory, `${session}.json`);
  }

  async sessionExists({ session }: { session: string }): Promise<boolean> {
    try {
      await access(this.filePath(session));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** Stores `zip` for `session` encrypted; atomic replace. */
  async put(session: string, zip: Buffer): Promise<void> {
    const file = this.filePath(session);
    const sealed = this.keys.encryptBytes(zip);
    await writeFileAtomic(file, sealed);
    const meta: SidecarMeta = {
      session,
      savedAt: new Date().toISOString(),
      size: zip.length,
      keyId: this.keys.keyIdOf(sealed),
    };
    await writeFileAtomic(this.metaPath(session), Buffer.from(JSON.stringify(meta)));
  }

  /** The stored zip for `session`, decrypted. */
  async get(session: string): Promise<Buffer> {
    return this.keys.decryptBytes(await readFile(this.filePath(session)));
  }

  async forget(session: string): Promise<boolean> {
    const existed = await this.sessionExists({ session });
    await rm(this.filePath(session), { force: true });
    await rm(this.metaPath(session), { force: true });
    return existed;
  }

  async info(session: string): Promise<WhatsAppSessionInfo | null> {
    if (!(await this.sessionExists({ session }))) return null;
    try {
      const meta = JSON.parse(await readFile(this.metaPath(session), 'utf8')) as SidecarMeta;
      return { session, savedAt: new Date(meta.savedAt), size: meta.size, keyId: meta.keyId };
    } catch {
      // The sidecar is written after the data file: after a crash in between, read what the file itself says.
      const file = this.filePath(session);
      const sealed = await readFile(file);
      const { mtime } = await stat(file);
      return { session, savedAt: mtime, size: this.keys.decryptBytes(sealed).length, keyId: this.keys.keyIdOf(sealed) };
    }
  }
}

/** Compile-time check, never called: RemoteAuth accepts this store. */
function _remoteAuthAcceptsDiskStore(RemoteAuthClass: typeof RemoteAuth, store: DiskSessionStore): [RemoteAuth, Store] {
  return [new RemoteAuthClass({ store, backupSyncIntervalMs: 60_000, clientId: 'x' }), store];
}
