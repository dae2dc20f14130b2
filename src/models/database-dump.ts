import { mongo, type Connection } from 'mongoose';

const { EJSON } = mongo.BSON;

/** Documents read per query, and at most this many inserted per write. */
const BATCH = 200;
/** Bytes of documents per insert, well under the server's 48 MB message limit. */
const INSERT_BYTES = 8 * 1024 * 1024;

/** An index as a backup keeps it: its name, its keys and the options that change its meaning. */
export interface IndexSpec {
  name: string;
  key: Record<string, number | string>;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
  partialFilterExpression?: Record<string, unknown>;
}

/**
 * Every collection of a database, document by document, in MongoDB Extended JSON
 * (canonical mode), and back: the backup's and the restore's access to the database.
 *
 * Canonical Extended JSON keeps every BSON type as it was (binary data, dates, object
 * ids, 32- and 64-bit integers and doubles), so a restored document is the stored one,
 * byte for byte. Encrypted values stay encrypted: nothing here holds a key.
 */
export class DatabaseDump {
  readonly #db: mongo.Db;

  constructor(connection: Connection) {
    if (!connection.db) throw new Error('DatabaseDump needs an open connection');
    this.#db = connection.db;
  }

  /** The database's collections (the server's own `system.*` ones aside), sorted by name. */
  async collections(): Promise<string[]> {
    const listed = await this.#db.listCollections({}, { nameOnly: true }).toArray();
    return listed
      .map((c) => c.name)
      .filter((name) => !name.startsWith('system.'))
      .sort();
  }

  /** The collections that hold at least one document, with their counts. */
  async occupied(): Promise<{ name: string; count: number }[]> {
    const found: { name: string; count: number }[] = [];
    for (const name of await this.collections()) {
      const count = await this.#db.collection(name).countDocuments();
      if (count > 0) found.push({ name, count });
    }
    return found;
  }

  /** A collection's indexes besides the one on `_id`. */
  async indexes(name: string): Promise<IndexSpec[]> {
    const listed = await this.#db.collection(name).listIndexes().toArray();
    return listed
      .filter((index) => index.name !== '_id_')
      .map((index) => ({
        name: String(index.name),
        key: index.key as IndexSpec['key'],
        ...(index.unique === true ? { unique: true } : {}),
        ...(index.sparse === true ? { sparse: true } : {}),
        ...(typeof index.expireAfterSeconds === 'number' ? { expireAfterSeconds: index.expireAfterSeconds } : {}),
        ...(index.partialFilterExpression ? { partialFilterExpression: index.partialFilterExpression as Record<string, unknown> } : {}),
      }));
  }

  /**
   * A collection's documents in `_id` order as canonical Extended JSON strings, a
   * batch at a time (bounded memory: a document's file chunks are up to 255 KB each).
   */
  async *documents(name: string): AsyncGenerator<string> {
    const collection = this.#db.collection(name);
    let last: unknown;
    for (;;) {
      const filter = last === undefined ? {} : { _id: { $gt: last } };
      // promoteValues off: numbers stay Int32, Long or Double, so their type survives the round trip.
      const docs = await collection
        .find(filter as mongo.Filter<mongo.Document>, { promoteValues: false })
        .sort({ _id: 1 })
        .limit(BATCH)
        .toArray();
      for (const doc of docs) yield EJSON.stringify(doc, { relaxed: false });
      if (docs.length < BATCH) return;
      last = docs.at(-1)?._id;
    }
  }

  /**
   * Inserts documents given as parsed canonical Extended JSON (objects with `$oid`,
   * `$date`, `$binary`…), in order, in writes of bounded size.
   */
  async insert(name: string, documents: readonly unknown[]): Promise<void> {
    const collection = this.#db.collection(name);
    let batch: mongo.Document[] = [];
    let bytes = 0;
    const flush = async () => {
      if (batch.length > 0) await collection.insertMany(batch, { ordered: true });
      batch = [];
      bytes = 0;
    };
    for (const document of documents) {
      const doc = EJSON.deserialize(document as mongo.Document, { relaxed: false }) as mongo.Document;
      const size = mongo.BSON.calculateObjectSize(doc);
      if (batch.length >= BATCH || (batch.length > 0 && bytes + size > INSERT_BYTES)) await flush();
      batch.push(doc);
      bytes += size;
    }
    await flush();
  }

  /** Creates a collection (so an empty one exists after a restore too) and its indexes; existing equal indexes are kept. */
  async recreate(name: string, indexes: readonly IndexSpec[]): Promise<void> {
    const exists = (await this.#db.listCollections({ name }, { nameOnly: true }).toArray()).length > 0;
    if (!exists) await this.#db.createCollection(name);
    for (const { key, ...options } of indexes) {
      await this.#db.collection(name).createIndex(key as mongo.IndexSpecification, options);
    }
  }
}
