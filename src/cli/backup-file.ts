import { createReadStream, createWriteStream } from 'node:fs';
import { link, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, gzipSync } from 'node:zlib';
import { z } from 'zod';
import type { IndexSpec } from '../models/database-dump.js';

/** What the first line of a backup says it is. */
export const BACKUP_FORMAT = 'intake-backup';
/** The version of the layout below; a restore refuses any other. */
export const BACKUP_VERSION = 1;

const IndexSpecSchema = z.object({
  name: z.string().min(1),
  key: z.record(z.string(), z.union([z.number(), z.string()])),
  unique: z.boolean().optional(),
  sparse: z.boolean().optional(),
  expireAfterSeconds: z.number().optional(),
  partialFilterExpression: z.record(z.string(), z.unknown()).optional(),
});

/** The first line of a backup: what it holds, so a restore can check the file before writing anything. */
export const BackupHeaderSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  createdAt: z.iso.datetime(),
  collections: z.array(z.object({ name: z.string().min(1), count: z.number().int().nonnegative(), indexes: z.array(IndexSpecSchema) })),
});
export type BackupHeader = z.infer<typeof BackupHeaderSchema>;

/** One collection as the backup writer takes it: its name, indexes and documents (canonical Extended JSON strings). */
export interface CollectionSource {
  name: string;
  indexes: IndexSpec[];
  documents: () => AsyncIterable<string>;
}

/** A backup file that cannot be read back as one: not a backup, another version, damaged or cut short. */
export class BackupFileError extends Error {
  /** Stable code for callers that branch on the kind of error. */
  readonly code = 'BACKUP_FILE' as const;

  constructor(message: string) {
    super(message);
    this.name = 'BackupFileError';
  }
}

/**
 * Writes a backup: gzip, one line per document (`{"c":<collection>,"d":<document>}`),
 * after a header line naming every collection with its document count and indexes.
 *
 * The documents are written first to a private temporary file, counting as they go,
 * so the header states the counts actually written even while the service runs; the
 * header then goes in front as its own gzip member (gzip readers join members). The
 * file is created owner-only and never replaces an existing one.
 *
 * @throws Error with code EEXIST when `file` exists
 */
export async function writeBackup(file: string, sources: readonly CollectionSource[], createdAt: Date): Promise<BackupHeader> {
  const body = temporaryPath(file, 'body');
  const whole = temporaryPath(file, 'whole');
  try {
    const counts = new Map<string, number>();
    async function* lines(): AsyncGenerator<string> {
      for (const source of sources) {
        let count = 0;
        const prefix = `{"c":${JSON.stringify(source.name)},"d":`;
        for await (const document of source.documents()) {
          count += 1;
          yield `${prefix}${document}}\n`;
        }
        counts.set(source.name, count);
      }
    }
    await pipeline(Readable.from(lines()), createGzip(), createWriteStream(body, { flags: 'wx', mode: 0o600 }));
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: createdAt.toISOString(),
      collections: sources.map((s) => ({ name: s.name, count: counts.get(s.name) ?? 0, indexes: s.indexes })),
    };
    // flush: the data is on disk before the file takes its name.
    const out = createWriteStream(whole, { flags: 'wx', mode: 0o600, flush: true });
    out.write(gzipSync(`${JSON.stringify(header)}\n`));
    await pipeline(createReadStream(body), out);
    // A hard link is created only where nothing exists: an older backup of the same name is never overwritten.
    await link(whole, file);
    return header;
  } finally {
    await rm(body, { force: true });
    await rm(whole, { force: true });
  }
}

/** A backup opened for reading: its header, and its documents as often as they are asked for. */
export interface OpenedBackup {
  header: BackupHeader;
  /** The documents in file order, each parsed (Extended JSON objects, not yet BSON). */
  documents(): AsyncGenerator<{ collection: string; document: unknown; size: number }>;
}

/**
 * Opens a backup and checks it whole before anything is restored from it: the header,
 * every line, and that each collection holds as many documents as the header says
 * (a file cut short or altered fails here, not halfway through a restore).
 *
 * @throws {@link BackupFileError} when the file is not a complete backup of this version
 */
export async function openBackup(file: string): Promise<OpenedBackup> {
  const header = await readHeader(file);
  const expected = new Map(header.collections.map((c) => [c.name, c.count]));
  const seen = new Map<string, number>();
  for await (const { collection } of readDocuments(file)) {
    if (!expected.has(collection)) throw new BackupFileError(`the backup holds documents of "${collection}", which its header does not list`);
    seen.set(collection, (seen.get(collection) ?? 0) + 1);
  }
  for (const [name, count] of expected) {
    if ((seen.get(name) ?? 0) !== count)
      throw new BackupFileError(`the backup is incomplete: "${name}" has ${seen.get(name) ?? 0} documents, its header says ${count}`);
  }
  return { header, documents: () => readDocuments(file) };
}

async function readHeader(file: string): Promise<BackupHeader> {
  for await (const line of readLines(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new BackupFileError('this is not a backup made by "npm run admin -- backup" (its first line is not JSON)');
    }
    const header = BackupHeaderSchema.safeParse(parsed);
    if (header.success) return header.data;
    const { format, version } = (parsed ?? {}) as { format?: unknown; version?: unknown };
    if (format === BACKUP_FORMAT && version !== BACKUP_VERSION)
      throw new BackupFileError(`the backup is format version ${String(version)}; this release reads version ${BACKUP_VERSION}`);
    throw new BackupFileError('this is not a backup made by "npm run admin -- backup" (no valid header)');
  }
  throw new BackupFileError('the backup file is empty');
}

async function* readDocuments(file: string): AsyncGenerator<{ collection: string; document: unknown; size: number }> {
  let first = true;
  for await (const line of readLines(file)) {
    if (first) {
      first = false;
      continue;
    }
    let entry: { c?: unknown; d?: unknown };
    try {
      entry = JSON.parse(line) as { c?: unknown; d?: unknown };
    } catch {
      throw new BackupFileError('the backup is damaged: a line is not JSON');
    }
    if (typeof entry.c !== 'string' || entry.d === null || typeof entry.d !== 'object')
      throw new BackupFileError('the backup is damaged: a line is not a document');
    yield { collection: entry.c, document: entry.d, size: line.length };
  }
}

async function* readLines(file: string): AsyncGenerator<string> {
  const gunzip = createGunzip();
  const input = createReadStream(file).on('error', (error) => gunzip.destroy(error));
  const lines = createInterface({ input: input.pipe(gunzip), crlfDelay: Infinity });
  try {
    for await (const line of lines) if (line !== '') yield line;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) throw new BackupFileError(`the backup is damaged or cut short (${(error as Error).message})`);
    throw error;
  } finally {
    lines.close();
    input.destroy();
  }
}

function temporaryPath(file: string, what: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${what}-${randomBytes(6).toString('hex')}.tmp`);
}
