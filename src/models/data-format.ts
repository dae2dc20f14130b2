import type { Connection } from 'mongoose';
import { isDuplicateKey } from './mongo-errors.js';

/**
 * The format of the data this release writes. Raised by a release whose data the release before
 * it would misread (a field renamed or given a new meaning, a collection moved), never for what
 * older code simply ignores (a new optional field, a new collection); CHANGELOG.md says when.
 *
 * The database keeps the highest format that has run on it, so an older release started on it
 * after an upgrade (a rollback done by checking out the older code) refuses to start instead of
 * misreading it: going back past a format change means restoring the backup taken before the
 * upgrade (docs/deploy.md, "Rolling back").
 */
export const DATA_FORMAT = 1;

const COLLECTION = 'service_meta';
const ID = 'data-format';

interface FormatRecord {
  _id: string;
  format: number;
  since: Date;
}

/** The database was written by a newer release, in a format this one does not know. */
export class DataFormatError extends Error {
  constructor(
    readonly found: number,
    readonly ours: number,
  ) {
    super(
      `the database holds data format ${found}, written by a newer release; this release reads format ${ours} and older. ` +
        'Start the newer release again, or go back by restoring the backup taken before the upgrade (docs/deploy.md, "Rolling back").',
    );
    this.name = 'DataFormatError';
  }
}

function records(connection: Connection) {
  return connection.collection<FormatRecord>(COLLECTION);
}

/** Refuses a database a newer release has written (every process and admin command checks, before anything else). */
export async function refuseNewerData(connection: Connection, ours = DATA_FORMAT): Promise<void> {
  const record = await records(connection).findOne({ _id: ID });
  if (record && record.format > ours) throw new DataFormatError(record.format, ours);
}

/**
 * Records this release's format as in use (at the service's start, after the check). One
 * document; written only when the format rises. A database from before this record counts as
 * format 1. Two releases starting on one database in the same instant (FerretDB v1 has no
 * compare-and-set) could leave the lower format recorded; the upgrade steps stop every process
 * before starting the new release, which rules that out.
 */
export async function recordDataFormat(connection: Connection, ours = DATA_FORMAT, now = new Date()): Promise<void> {
  const record = await records(connection).findOne({ _id: ID });
  if (!record) {
    await records(connection)
      .insertOne({ _id: ID, format: ours, since: now })
      .catch((error: unknown) => {
        // Another process of this release recorded it first.
        if (!isDuplicateKey(error)) throw error;
      });
    return;
  }
  if (record.format < ours) await records(connection).updateOne({ _id: ID, format: record.format }, { $set: { format: ours, since: now } });
}
