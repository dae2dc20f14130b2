import path from 'node:path';
import type { AuditLog } from '../models/audit-log.js';
import type { DatabaseDump } from '../models/database-dump.js';
import { openBackup, writeBackup, type BackupHeader } from './backup-file.js';
import type { CommandOutput } from './output.js';

/** Documents restored per write, or fewer when their lines add up to this many characters. */
const RESTORE_BATCH = 200;
const RESTORE_BATCH_CHARS = 8 * 1024 * 1024;

/** What the backup and restore commands need. */
export interface BackupCommandDeps {
  dump: DatabaseDump;
  audit: AuditLog;
  out: CommandOutput;
  /** Progress and warnings (stderr in the CLI). */
  note: (text: string) => void;
  operator: string;
  now?: () => Date;
}

/** A restore refused before anything was written: the target database is not empty. */
export class RestoreRefusedError extends Error {
  /** Stable code for callers that branch on the kind of error. */
  readonly code = 'RESTORE_REFUSED' as const;

  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefusedError';
  }
}

/**
 * `backup`: writes every collection of the database to `file` (see `writeBackup`), then
 * records `data.backed_up`. Encrypted values stay encrypted: the file is useless without
 * the keys, which it does not contain.
 */
export async function backupDatabase(deps: BackupCommandDeps, file: string): Promise<BackupHeader> {
  const now = deps.now ?? (() => new Date());
  const sources = [];
  for (const name of await deps.dump.collections()) {
    sources.push({ name, indexes: await deps.dump.indexes(name), documents: () => deps.dump.documents(name) });
  }
  const header = await writeBackup(file, sources, now());
  const documents = header.collections.reduce((n, c) => n + c.count, 0);
  await deps.audit.record({
    at: now(),
    actor: { kind: 'operator', id: deps.operator, name: deps.operator },
    action: 'data.backed_up',
    target: { kind: 'backup', id: header.createdAt },
    details: { collections: header.collections.length, documents, file: path.basename(file).slice(0, 200) },
  });
  deps.out.message(
    `Backed up ${documents} documents of ${header.collections.length} collections to ${file} (owner-only; encrypted values stay encrypted, and the keys are not in it).`,
    header,
  );
  return header;
}

/**
 * `restore`: checks the whole file first, refuses a database that holds any document,
 * then inserts every collection, recreates the backup's indexes, lets the service's
 * repositories add theirs (`ensureIndexes`), and records `data.restored` in the
 * restored audit log.
 *
 * @throws {@link RestoreRefusedError} when the database is not empty; BackupFileError for a bad file
 */
export async function restoreDatabase(deps: BackupCommandDeps & { ensureIndexes: () => Promise<void> }, file: string): Promise<BackupHeader> {
  const now = deps.now ?? (() => new Date());
  const backup = await openBackup(file);
  const occupied = await deps.dump.occupied();
  if (occupied.length > 0) {
    const list = occupied.map((c) => `${c.name} (${c.count})`).join(', ');
    throw new RestoreRefusedError(
      `restore writes only into an empty database; this one holds documents: ${list}. Point MONGODB_URI at a new database name, or empty this one first`,
    );
  }
  let batch: { collection: string; documents: unknown[]; chars: number } | null = null;
  const flush = async () => {
    if (batch && batch.documents.length > 0) await deps.dump.insert(batch.collection, batch.documents);
    batch = null;
  };
  for await (const { collection, document, size } of backup.documents()) {
    if (batch && (batch.collection !== collection || batch.documents.length >= RESTORE_BATCH || batch.chars + size > RESTORE_BATCH_CHARS)) await flush();
    batch ??= { collection, documents: [], chars: 0 };
    batch.documents.push(document);
    batch.chars += size;
  }
  await flush();
  for (const { name, indexes } of backup.header.collections) await deps.dump.recreate(name, indexes);
  await deps.ensureIndexes();
  const documents = backup.header.collections.reduce((n, c) => n + c.count, 0);
  await deps.audit.record({
    at: now(),
    actor: { kind: 'operator', id: deps.operator, name: deps.operator },
    action: 'data.restored',
    target: { kind: 'backup', id: backup.header.createdAt },
    details: { collections: backup.header.collections.length, documents, file: path.basename(file).slice(0, 200) },
  });
  deps.out.message(
    `Restored ${documents} documents of ${backup.header.collections.length} collections from the backup of ${backup.header.createdAt}.`,
    backup.header,
  );
  return backup.header;
}
