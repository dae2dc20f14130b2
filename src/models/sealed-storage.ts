import { mongo, type Connection } from 'mongoose';

/** A stored value as the key ring sees it: a string, or the bytes of a binary value. */
export type StoredValue = string | Buffer;

/**
 * Decides the fate of one stored value: a replacement, or undefined to keep it.
 * Called for every string and binary value of a document, sealed or not.
 */
export type Reseal = (value: StoredValue) => StoredValue | undefined;

/** A raw stored document; `_id` of whatever type the collection uses. */
export type RawDocument = Record<string, unknown> & { _id: unknown };

/** A GridFS file: its id, size and metadata (bytes are read separately). */
export interface StoredFile {
  id: unknown;
  length: number;
  metadata: Record<string, unknown> | null;
}

/** A copy of a file's new bytes kept while they are written over the file's chunks. */
export interface StagedFile {
  stagingId: mongo.ObjectId;
  bucket: string;
  fileId: unknown;
}

/** Where a rotation keeps the new bytes of a file until its chunks are all rewritten. */
export const STAGING_BUCKET = 'key_rotation_staging';

/** Documents read per query: bounded memory, and a short query on FerretDB. */
const BATCH = 200;

/**
 * Raw access to every stored value, for key rotation: which collections and GridFS
 * buckets exist, their documents in order, and conditional rewrites.
 *
 * It knows nothing of keys; the caller says what to replace. It is the only place
 * that reads documents without a repository, because rotation must reach every
 * sealed value, also in collections added after it was written.
 */
export class SealedStorage {
  readonly #db: mongo.Db;

  constructor(connection: Connection) {
    if (!connection.db) throw new Error('SealedStorage needs an open connection');
    this.#db = connection.db;
  }

  /**
   * The plain collections and the GridFS buckets (by bucket name). A bucket's
   * `.files` and `.chunks` are left out of the plain collections: a chunk holds a
   * slice of a sealed blob, which must be rewritten whole. The rotation's own
   * staging bucket is left out of both.
   */
  async layout(): Promise<{ collections: string[]; buckets: string[] }> {
    const names = (await this.#db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((name) => !name.startsWith('system.'));
    const buckets = [...new Set(names.filter((name) => /\.(files|chunks)$/.test(name)).map((name) => name.replace(/\.(files|chunks)$/, '')))].sort();
    const inBucket = (name: string) => buckets.some((bucket) => name === `${bucket}.files` || name === `${bucket}.chunks`);
    return {
      collections: names.filter((name) => !inBucket(name)).sort(),
      buckets: buckets.filter((bucket) => bucket !== STAGING_BUCKET),
    };
  }

  /** Every document of a collection in `_id` order, fetched a batch at a time, so a rewrite never makes the scan see a document twice. */
  async *documents(collection: string): AsyncGenerator<RawDocument> {
    yield* this.#inOrder(this.#db.collection(collection), {});
  }

  /** One document as stored now, or null. */
  async document(collection: string, id: unknown): Promise<RawDocument | null> {
    return (await this.#db.collection(collection).findOne({ _id: id as never })) as RawDocument | null;
  }

  /**
   * Rewrites the document's values that `reseal` replaces, only if every top-level
   * field it touches still holds what `doc` says (a conditional update: a writer
   * who changed the field meanwhile wins, and the value is found again next run).
   *
   * @returns how many values were replaced (0: nothing to do), or null when the
   *   document had changed or was gone
   */
  async reseal(collection: string, doc: RawDocument, reseal: Reseal): Promise<number | null> {
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    let replaced = 0;
    for (const [field, value] of Object.entries(doc)) {
      if (field === '_id') continue;
      const mapped = mapValues(value, (stored) => {
        const next = reseal(stored);
        if (next !== undefined) replaced += 1;
        return next;
      });
      if (mapped === value) continue;
      before[field] = value;
      after[field] = mapped;
    }
    if (replaced === 0) return 0;
    const result = await this.#db.collection(collection).updateOne({ _id: doc._id as never, ...before }, { $set: after });
    return result.modifiedCount === 1 ? replaced : null;
  }

  /** Every file of a GridFS bucket, in `_id` order. */
  async *files(bucket: string): AsyncGenerator<StoredFile> {
    for await (const doc of this.#inOrder(this.#db.collection(`${bucket}.files`), {})) yield toFile(doc);
  }

  /** One file's description, or null when it is gone. */
  async file(bucket: string, id: unknown): Promise<StoredFile | null> {
    const doc = (await this.#db.collection(`${bucket}.files`).findOne({ _id: id as never })) as RawDocument | null;
    return doc ? toFile(doc) : null;
  }

  /** The first chunk of a file (where a sealed blob carries its key id), or null. */
  async head(bucket: string, id: unknown): Promise<Buffer | null> {
    const chunk = await this.#db.collection(`${bucket}.chunks`).findOne({ files_id: id, n: 0 });
    return chunk ? bytesOf(chunk.data) : null;
  }

  /**
   * A file's stored bytes, or null when it is gone.
   *
   * @throws Error when its chunks do not add up to its length (a file being written or damaged)
   */
  async read(bucket: string, id: unknown): Promise<Buffer | null> {
    const file = await this.file(bucket, id);
    if (!file) return null;
    const chunks = await this.#db.collection(`${bucket}.chunks`).find({ files_id: id }).sort({ n: 1 }).toArray();
    const bytes = Buffer.concat(
      chunks.map((chunk, i) => {
        if (chunk.n !== i) throw new Error(`GridFS file in ${bucket} has a missing chunk ${i}`);
        return bytesOf(chunk.data);
      }),
    );
    if (bytes.length !== file.length) throw new Error(`GridFS file in ${bucket} has ${bytes.length} bytes, its record says ${file.length}`);
    return bytes;
  }

  /**
   * Writes `bytes` over a file's chunks in place, keeping its id, name, date and
   * metadata (a `metadata.keyId`, kept by the WhatsApp session store, is set to
   * `keyId`). Not atomic across chunks: stage the bytes first, so a crash midway is
   * finished from the staged copy.
   *
   * @returns false when the file is gone (deleted meanwhile; stray chunks are removed)
   */
  async overwrite(bucket: string, id: unknown, bytes: Buffer, keyId: string): Promise<boolean> {
    const files = this.#db.collection(`${bucket}.files`);
    const chunks = this.#db.collection(`${bucket}.chunks`);
    const file = await files.findOne({ _id: id as never });
    if (!file) return false;
    const size = typeof file.chunkSize === 'number' && file.chunkSize > 0 ? file.chunkSize : 255 * 1024;
    const count = Math.max(1, Math.ceil(bytes.length / size));
    for (let n = 0; n < count; n++) {
      const data = new mongo.Binary(bytes.subarray(n * size, (n + 1) * size));
      await chunks.updateOne({ files_id: id, n }, { $set: { data } }, { upsert: true });
    }
    await chunks.deleteMany({ files_id: id, n: { $gte: count } });
    const keyIdKept = typeof (file.metadata as Record<string, unknown> | undefined)?.keyId === 'string';
    await files.updateOne({ _id: id as never }, { $set: { length: bytes.length, ...(keyIdKept ? { 'metadata.keyId': keyId } : {}) } });
    // A delete that ran meanwhile removed the record first: the chunks written since must not outlive it.
    if ((await files.countDocuments({ _id: id as never }, { limit: 1 })) === 0) {
      await chunks.deleteMany({ files_id: id });
      return false;
    }
    return true;
  }

  /** Keeps a complete copy of a file's new bytes before they are written over it. */
  async stage(bucket: string, fileId: unknown, bytes: Buffer): Promise<mongo.ObjectId> {
    const stagingId = new mongo.ObjectId();
    await new Promise<void>((resolve, reject) => {
      const upload = this.#staging().openUploadStreamWithId(stagingId, bucket, { metadata: { bucket, fileId } });
      upload.once('error', reject);
      upload.once('finish', () => resolve());
      upload.end(bytes);
    });
    return stagingId;
  }

  /** Staged copies a run left behind (it stopped while writing them over their files). */
  async *staged(): AsyncGenerator<StagedFile> {
    for await (const doc of this.#inOrder(this.#db.collection(`${STAGING_BUCKET}.files`), {})) {
      const metadata = (doc.metadata ?? {}) as { bucket?: unknown; fileId?: unknown };
      if (typeof metadata.bucket !== 'string') continue;
      yield { stagingId: doc._id as mongo.ObjectId, bucket: metadata.bucket, fileId: metadata.fileId };
    }
  }

  /** The bytes of a staged copy. */
  async readStaged(stagingId: mongo.ObjectId): Promise<Buffer> {
    const bytes = await this.read(STAGING_BUCKET, stagingId);
    if (!bytes) throw new Error('the staged copy is gone');
    return bytes;
  }

  /** Removes a staged copy once its file is rewritten (or gone). */
  async unstage(stagingId: mongo.ObjectId): Promise<void> {
    try {
      await this.#staging().delete(stagingId);
    } catch (error) {
      if (!(error instanceof mongo.MongoRuntimeError) || !/File not found/i.test(error.message)) throw error;
    }
  }

  /** Removes chunks of staged copies whose upload never finished (a run stopped while staging). */
  async clearStrayStaging(): Promise<void> {
    const ids = await this.#db.collection(`${STAGING_BUCKET}.files`).distinct('_id');
    await this.#db.collection(`${STAGING_BUCKET}.chunks`).deleteMany({ files_id: { $nin: ids } });
  }

  #staging(): mongo.GridFSBucket {
    return new mongo.GridFSBucket(this.#db, { bucketName: STAGING_BUCKET });
  }

  async *#inOrder(collection: mongo.Collection, filter: mongo.Filter<mongo.Document>): AsyncGenerator<RawDocument> {
    let last: unknown;
    let more = true;
    while (more) {
      const page = last === undefined ? filter : { ...filter, _id: { $gt: last } };
      const docs = (await collection
        .find(page as mongo.Filter<mongo.Document>)
        .sort({ _id: 1 })
        .limit(BATCH)
        .toArray()) as RawDocument[];
      for (const doc of docs) yield doc;
      more = docs.length === BATCH;
      last = docs.at(-1)?._id;
    }
  }
}

/** Every string and binary value of a document (its `_id` aside), in document order. */
export function storedValues(doc: RawDocument): StoredValue[] {
  const found: StoredValue[] = [];
  for (const [field, value] of Object.entries(doc)) {
    if (field !== '_id') mapValues(value, (stored) => void found.push(stored));
  }
  return found;
}

/**
 * Every string and binary value under `value`, passed to `visit`; returns `value`
 * itself when nothing was replaced (so the caller can tell), or a copy with the
 * replacements. Other BSON values (dates, ids, numbers) are kept as they are.
 */
export function mapValues(value: unknown, visit: Reseal): unknown {
  if (typeof value === 'string') return visit(value) ?? value;
  if (value instanceof mongo.Binary) {
    const next = visit(bytesOf(value));
    return next === undefined ? value : new mongo.Binary(typeof next === 'string' ? Buffer.from(next) : next, value.sub_type);
  }
  if (Array.isArray(value)) {
    const mapped = value.map((item) => mapValues(item, visit));
    return mapped.some((item, i) => item !== value[i]) ? mapped : value;
  }
  if (isPlainObject(value)) {
    let changed = false;
    const mapped: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      mapped[key] = mapValues(item, visit);
      if (mapped[key] !== item) changed = true;
    }
    return changed ? mapped : value;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function bytesOf(data: unknown): Buffer {
  if (data instanceof mongo.Binary) return Buffer.from(data.buffer.subarray(0, data.position));
  if (Buffer.isBuffer(data)) return data;
  throw new Error('expected binary data');
}

function toFile(doc: RawDocument): StoredFile {
  return {
    id: doc._id,
    length: typeof doc.length === 'number' ? doc.length : 0,
    metadata: isPlainObject(doc.metadata) ? doc.metadata : null,
  };
}
