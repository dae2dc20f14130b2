import { createHash } from 'node:crypto';
import { storedValues, type RawDocument, type SealedStorage, type StagedFile, type StoredFile, type StoredValue } from '../models/sealed-storage.js';
import { DecryptError, sealedKeyIdOf, type KeyRing } from '../privacy/key-ring.js';

/** The service's Redis locks, as the rotation takes them (the service's `ChatLocks`). */
export interface RotationLocks {
  exclusive<T>(name: string, work: () => Promise<T>, waitMs?: number): Promise<T>;
}

/**
 * The lock the service takes before writing a document of each collection that holds
 * sealed values. The rotation takes the same one: FerretDB v1 writes a whole document
 * back on every update (docs/storage-compatibility.md), so a rewrite of one field made
 * beside the service's write of another would lose one of them. A collection missing
 * here is rewritten with the conditional update alone; add its lock when the service
 * starts writing to it.
 */
const DOCUMENT_LOCKS: ReadonlyMap<string, (doc: RawDocument) => string> = new Map([
  ['conversations', (doc) => `chat:${String(doc._id)}`],
  ['inbox', (doc) => `chat:${String(doc.chatKey)}`],
  ['cases', (doc) => `case:${String(doc._id)}`],
  ['self_service_records', (doc) => `record:${String(doc._id)}`],
  ['referrals', (doc) => `referral:${String(doc._id)}`],
  ['surveys', (doc) => `survey:${String(doc._id)}`],
  ['erasure_requests', (doc) => `erasure:${String(doc._id)}`],
]);

/**
 * A file of the documents bucket is deleted by its chat's conversation (a cancelled or
 * expired draft) under the chat's lock, which the rewrite takes too. An erasure deletes
 * files without it; the rewrite then finds the file gone and removes what it wrote.
 */
function fileLock(bucket: string, file: StoredFile): string | null {
  const chatKey = file.metadata?.chatKey;
  return bucket === 'documents' && typeof chatKey === 'string' ? `chat:${chatKey}` : null;
}

/** How long a rewrite waits for a busy document before leaving it to the next run. */
const LOCK_WAIT_MS = 15_000;

/** How many sealed values one place (a collection, or a bucket's files) holds under one key. */
export interface KeyCount {
  /** A collection name, or `<bucket> (files)` for a GridFS bucket (each file counts once). */
  where: string;
  keyId: string;
  values: number;
}

/** Where the stored data stands against the key ring. */
export interface KeyStatus {
  currentKeyId: string;
  /** The key ids the ring holds (DATA_KEYS). */
  keyIds: string[];
  counts: KeyCount[];
  /** Values per key id over everything. */
  totals: Record<string, number>;
  /** Values under another key than the current one: what a rotation still has to rewrite. */
  stale: number;
  /** Values under a key the ring does not hold: unreadable until that key is added back. */
  unknownKey: number;
  /** Files a stopped rotation left half rewritten (finished by the next one). */
  staged: number;
}

/** What one rotation did. */
export interface RotationReport {
  /** Values rewritten under the current key (text tokens, and blobs inside documents). */
  values: number;
  /** GridFS files rewritten (documents, the WhatsApp session), including ones a stopped run left. */
  files: number;
  /** Values that did not decrypt (unknown key or altered): left as they are. */
  unreadable: number;
  /** Documents left for the next run: busy past the wait, or changed between the read and the write. */
  deferred: number;
  /** The status after the run. */
  after: KeyStatus;
}

/** What {@link rotateKeys} and {@link keyStatus} work with. */
export interface RotationDeps {
  storage: SealedStorage;
  keys: KeyRing;
  locks: RotationLocks;
  /** Told after each collection or bucket; ids and counts only. */
  progress?: (where: string, rewritten: number) => void;
}

/**
 * Counts the sealed values under each key id, in every collection and GridFS bucket.
 * Reads labels only: nothing is decrypted, and no key material is involved.
 */
export async function keyStatus(storage: SealedStorage, keys: KeyRing): Promise<KeyStatus> {
  const counts = new Map<string, KeyCount>();
  const count = (where: string, keyId: string) => {
    const id = `${where}\0${keyId}`;
    const entry = counts.get(id) ?? { where, keyId, values: 0 };
    entry.values += 1;
    counts.set(id, entry);
  };
  const { collections, buckets } = await storage.layout();
  for (const collection of collections) {
    for await (const doc of storage.documents(collection)) {
      for (const keyId of sealedKeyIds(doc)) count(collection, keyId);
    }
  }
  for (const bucket of buckets) {
    for await (const file of storage.files(bucket)) {
      const keyId = sealedKeyIdOf(await storage.head(bucket, file.id));
      if (keyId) count(`${bucket} (files)`, keyId);
    }
  }
  let staged = 0;
  for await (const _ of storage.staged()) staged += 1;
  const list = [...counts.values()].sort((a, b) => a.where.localeCompare(b.where) || a.keyId.localeCompare(b.keyId));
  const totals: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const { keyId, values } of list) totals[keyId] = (totals[keyId] ?? 0) + values;
  const known = new Set(keys.keyIds);
  const sum = (pick: (keyId: string) => boolean) => list.filter((c) => pick(c.keyId)).reduce((n, c) => n + c.values, 0);
  return {
    currentKeyId: keys.currentKeyId,
    keyIds: keys.keyIds,
    counts: list,
    totals,
    stale: sum((keyId) => keyId !== keys.currentKeyId),
    unknownKey: sum((keyId) => !known.has(keyId)),
    staged,
  };
}

/** Whether the key ring opens the stored values of each key id: `wrong` is a key with the right id and other bytes. */
export type KeyProbe = Record<string, 'opens' | 'wrong' | 'missing'>;

/**
 * Tries the ring on one stored text value of each key id found (files aside): after a
 * restore, a key with the right id but the wrong bytes shows here, not when a
 * researcher first opens a case.
 */
export async function probeKeys(storage: SealedStorage, keys: KeyRing): Promise<KeyProbe> {
  const probe: KeyProbe = Object.create(null) as KeyProbe;
  const { collections } = await storage.layout();
  for (const collection of collections) {
    for await (const doc of storage.documents(collection)) {
      for (const value of storedValues(doc)) {
        const keyId = sealedKeyIdOf(value);
        if (keyId === null || typeof value !== 'string' || probe[keyId] !== undefined) continue;
        if (!keys.keyIds.includes(keyId)) probe[keyId] = 'missing';
        else {
          try {
            keys.decryptText(value);
            probe[keyId] = 'opens';
          } catch (error) {
            if (!(error instanceof DecryptError)) throw error;
            probe[keyId] = 'wrong';
          }
        }
      }
    }
  }
  return probe;
}

/**
 * Re-encrypts every sealed value that is not under the current key: text tokens and
 * blobs in every collection, and the files of every GridFS bucket.
 *
 * Safe beside the running service: each document is re-read and rewritten under the
 * lock the service takes for it, with an update conditional on the values read. A
 * file is staged (a full copy of its new bytes) before its chunks are rewritten, so a
 * run that stops midway leaves nothing unreadable, and the next run finishes it.
 * Running it again resumes: only values still under an old key are touched.
 */
export async function rotateKeys(deps: RotationDeps): Promise<RotationReport> {
  // One rotation at a time: two would stage and write the same file at once.
  const outcome = await locked(
    deps.locks,
    RUN_LOCK,
    async () => {
      const report = await rotateAll(deps);
      await deps.storage.clearStrayStaging();
      return { ...report, after: await keyStatus(deps.storage, deps.keys) };
    },
    1_000,
  );
  if (outcome === 'busy') throw new RotationBusyError();
  return outcome;
}

/**
 * Another rotation is running (it holds the rotation's lock).
 */
export class RotationBusyError extends Error {
  /** Stable code for callers that branch on the kind of error. */
  readonly code = 'ROTATION_BUSY' as const;

  constructor() {
    super('another key rotation is running; wait for it to finish');
    this.name = 'RotationBusyError';
  }
}

const RUN_LOCK = 'key-rotation';

async function rotateAll(deps: RotationDeps): Promise<Omit<RotationReport, 'after'>> {
  const report = { values: 0, files: 0, unreadable: 0, deferred: 0 };
  const { storage } = deps;
  for await (const staged of storage.staged()) {
    if (await finishStaged(deps, staged)) report.files += 1;
  }
  const { collections, buckets } = await storage.layout();
  for (const collection of collections) {
    let rewritten = 0;
    for await (const doc of storage.documents(collection)) {
      if (!sealedKeyIds(doc).some((keyId) => keyId !== deps.keys.currentKeyId)) continue;
      const outcome = await locked(deps.locks, DOCUMENT_LOCKS.get(collection)?.(doc) ?? null, () => resealDocument(deps, collection, doc._id));
      if (outcome === 'busy' || outcome.replaced === null) report.deferred += 1;
      else rewritten += outcome.replaced;
      if (outcome !== 'busy') report.unreadable += outcome.unreadable;
    }
    report.values += rewritten;
    if (rewritten > 0) deps.progress?.(collection, rewritten);
  }
  for (const bucket of buckets) {
    let rewritten = 0;
    for await (const file of storage.files(bucket)) {
      const keyId = sealedKeyIdOf(await storage.head(bucket, file.id));
      if (keyId === null || keyId === deps.keys.currentKeyId) continue;
      const outcome = await locked(deps.locks, fileLock(bucket, file), () => resealFile(deps, bucket, file.id));
      if (outcome === 'busy') report.deferred += 1;
      else if (outcome === 'unreadable') report.unreadable += 1;
      else if (outcome === 'rewritten') rewritten += 1;
    }
    report.files += rewritten;
    if (rewritten > 0) deps.progress?.(`${bucket} (files)`, rewritten);
  }
  return report;
}

/** The key ids of the sealed values in a document, one entry per value. */
function sealedKeyIds(doc: RawDocument): string[] {
  return storedValues(doc)
    .map(sealedKeyIdOf)
    .filter((keyId): keyId is string => keyId !== null);
}

/** Re-reads the document (the caller holds its lock) and rewrites its stale values. */
async function resealDocument(deps: RotationDeps, collection: string, id: unknown): Promise<{ replaced: number | null; unreadable: number }> {
  const fresh = await deps.storage.document(collection, id);
  if (!fresh) return { replaced: 0, unreadable: 0 };
  let unreadable = 0;
  const replaced = await deps.storage.reseal(collection, fresh, (value) => {
    const keyId = sealedKeyIdOf(value);
    if (keyId === null || keyId === deps.keys.currentKeyId) return undefined;
    try {
      return reencrypt(deps.keys, value);
    } catch (error) {
      if (!(error instanceof DecryptError)) throw error;
      unreadable += 1;
      return undefined;
    }
  });
  return { replaced, unreadable };
}

function reencrypt(keys: KeyRing, value: StoredValue): StoredValue {
  // A JSON token is a text token of the JSON string, so text covers both.
  return typeof value === 'string' ? keys.encryptText(keys.decryptText(value)) : keys.encryptBytes(keys.decryptBytes(value));
}

/** Rewrites one GridFS file under the current key: staged first, then written over its chunks, checked, unstaged. */
async function resealFile(deps: RotationDeps, bucket: string, id: unknown): Promise<'rewritten' | 'unreadable' | 'skipped'> {
  const { storage, keys } = deps;
  const sealed = await storage.read(bucket, id);
  const keyId = sealed ? sealedKeyIdOf(sealed) : null;
  if (!sealed || keyId === null || keyId === keys.currentKeyId) return 'skipped';
  let fresh: Buffer;
  try {
    fresh = keys.encryptBytes(keys.decryptBytes(sealed));
  } catch (error) {
    if (!(error instanceof DecryptError)) throw error;
    return 'unreadable';
  }
  const stagingId = await storage.stage(bucket, id, fresh);
  const written = await writeOver(deps, bucket, id, fresh);
  await storage.unstage(stagingId);
  return written ? 'rewritten' : 'skipped';
}

/** Finishes a file a stopped run left staged: writes the staged bytes over it again (or drops the copy if the file is gone). */
async function finishStaged(deps: RotationDeps, staged: StagedFile): Promise<boolean> {
  const { storage } = deps;
  const file = await storage.file(staged.bucket, staged.fileId);
  const outcome = await locked(deps.locks, file ? fileLock(staged.bucket, file) : null, async () => {
    const bytes = await storage.readStaged(staged.stagingId);
    return writeOver(deps, staged.bucket, staged.fileId, bytes);
  });
  if (outcome === 'busy') return false;
  await storage.unstage(staged.stagingId);
  return outcome;
}

/**
 * Writes `bytes` over the file and reads it back: a file that does not read back
 * exactly keeps its staged copy (the error stops the run; the next run repairs it).
 */
async function writeOver(deps: RotationDeps, bucket: string, id: unknown, bytes: Buffer): Promise<boolean> {
  const keyId = sealedKeyIdOf(bytes) ?? deps.keys.currentKeyId;
  if (!(await deps.storage.overwrite(bucket, id, bytes, keyId))) return false;
  const back = await deps.storage.read(bucket, id);
  if (back !== null && digest(back) !== digest(bytes)) {
    throw new Error(`a rewritten file in ${bucket} did not read back as written; its staged copy is kept for the next run`);
  }
  return back !== null;
}

function digest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Runs `work` under `lock` (none: at once); 'busy' when the lock stayed taken past the wait. */
async function locked<T>(locks: RotationLocks, lock: string | null, work: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T | 'busy'> {
  if (lock === null) return work();
  try {
    return await locks.exclusive(lock, work, waitMs);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'CHAT_LOCK_TIMEOUT') return 'busy';
    throw error;
  }
}
