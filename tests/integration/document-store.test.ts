/**
 * A document stored again after a process died half-way through storing it, on the real
 * server: found by fault case 1 (worker SIGKILLed), where the chunks GridFS writes before the
 * file's entry made every retry fail on the chunks' unique index and the photo was set aside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mongoose';
import { DocumentStore } from '../../src/models/document-store.js';
import { freshDatabase } from '../helpers/db.js';
import { freshKeys } from '../helpers/keys.js';

const keys = freshKeys();
let db: { connection: Connection; drop: () => Promise<void> };
let documents: DocumentStore;

beforeAll(async () => {
  db = await freshDatabase();
  documents = new DocumentStore(db.connection, keys);
});
afterAll(async () => db.drop());

const meta = () => ({ chatKey: 'telegram_0123456789abcdef01234567', kind: 'image' as const, mime: 'image/jpeg', size: 3, createdAt: new Date() });

describe('DocumentStore.put', () => {
  it('stores a document whose earlier attempt left chunks and no file entry', async () => {
    await documents.put('doc-first', Buffer.from('abc'), meta());
    // What a kill between the chunks and the file entry leaves: the chunks, under the unique index GridFS made.
    const chunks = db.connection.collection('documents.chunks');
    await chunks.insertOne({ files_id: 'doc-killed' as never, n: 0, data: Buffer.from('half') });
    await expect(chunks.insertOne({ files_id: 'doc-killed' as never, n: 0, data: Buffer.from('again') })).rejects.toMatchObject({ code: 11000 });

    await documents.put('doc-killed', Buffer.from('xyz'), meta());
    expect((await documents.get('doc-killed')).toString()).toBe('xyz');
    expect(await chunks.countDocuments({ files_id: 'doc-killed' as never })).toBe(1);
  });

  it('leaves a stored document as it is when it is stored again', async () => {
    await documents.put('doc-twice', Buffer.from('one'), meta());
    await documents.put('doc-twice', Buffer.from('two'), meta());
    expect((await documents.get('doc-twice')).toString()).toBe('one');
  });
});
