import { mongo, type Connection } from 'mongoose';
import type { KeyRing } from '../privacy/key-ring.js';

/** What is known about a stored document besides its bytes; nothing personal. */
export interface DocumentMeta {
  chatKey: string;
  kind: 'image' | 'pdf';
  mime: string;
  size: number;
  createdAt: Date;
}

/**
 * Documents people send (IDs, family cards, leases, medical reports), encrypted
 * before they leave the process and stored in GridFS, which FerretDB and MongoDB
 * both serve (see docs/storage-compatibility.md). Ids are chosen by the caller,
 * derived from the inbound message, so a redelivered photo is stored once.
 */
export class DocumentStore {
  private readonly bucket: mongo.GridFSBucket;
  private readonly files: mongo.Collection;
  private readonly chunks: mongo.Collection;

  constructor(
    connection: Connection,
    private readonly keys: KeyRing,
  ) {
    if (!connection.db) throw new Error('DocumentStore needs an open connection');
    this.bucket = new mongo.GridFSBucket(connection.db, { bucketName: 'documents' });
    this.files = connection.db.collection('documents.files');
    this.chunks = connection.db.collection('documents.chunks');
  }

  /**
   * Stores `bytes` encrypted under `id`; storing the same id again is a no-op. GridFS writes
   * the chunks before the file's entry: a process killed in between leaves chunks without a
   * file, which would make every later attempt fail on the chunks' unique index. They are
   * removed first (the id is the message's own, and its chat's lock is held).
   */
  async put(id: string, bytes: Buffer, meta: DocumentMeta): Promise<void> {
    if (await this.exists(id)) return;
    await this.chunks.deleteMany({ files_id: id as never });
    const sealed = this.keys.encryptBytes(bytes);
    await new Promise<void>((resolve, reject) => {
      const upload = this.bucket.openUploadStreamWithId(id as never, id, { metadata: meta });
      upload.once('error', reject);
      upload.once('finish', () => resolve());
      upload.end(sealed);
    });
  }

  /** Whether a document with this id is stored. */
  async exists(id: string): Promise<boolean> {
    return (await this.files.countDocuments({ _id: id as never }, { limit: 1 })) > 0;
  }

  /** The document's bytes, decrypted. */
  async get(id: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.bucket.openDownloadStream(id as never)) chunks.push(chunk as Buffer);
    return this.keys.decryptBytes(Buffer.concat(chunks));
  }

  /** The document's metadata, or null. */
  async meta(id: string): Promise<DocumentMeta | null> {
    const file = await this.files.findOne({ _id: id as never });
    return (file?.metadata as DocumentMeta | undefined) ?? null;
  }

  /** The ids of every document the chat sent, wherever it is used: what an erasure deletes. */
  async idsOfChat(chatKey: string): Promise<string[]> {
    const files = await this.files.find({ 'metadata.chatKey': chatKey }, { projection: { _id: 1 } }).toArray();
    return files.map((f) => String(f._id));
  }

  /** Deletes documents (a cancelled or expired draft's); missing ones are ignored. */
  async delete(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      try {
        await this.bucket.delete(id as never);
      } catch (error) {
        if (!(error instanceof mongo.MongoRuntimeError) || !/File not found/i.test(error.message)) throw error;
      }
    }
  }
}
