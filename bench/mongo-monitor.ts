/**
 * Counts a process's MongoDB commands and their size on the wire, from the driver's
 * command monitoring (the client needs `monitorCommands=true`): FerretDB's serverStatus
 * has no opcounters, and its counters would include everyone else's tests anyway.
 */
import { BSON, type MongoClient } from 'mongodb';

export interface MongoCounts {
  reads: number;
  writes: number;
  other: number;
  /** BSON bytes of commands sent and of replies received. */
  bytesOut: number;
  bytesIn: number;
  /** Commands by name (find, update, insert…). */
  commands: Record<string, number>;
  /** Commands by name and collection ("find conversations"), with the time they took (ms), for the profile. */
  byCollection: Record<string, { count: number; ms: number }>;
}

const READS = new Set(['find', 'getMore', 'aggregate', 'count', 'distinct', 'listIndexes', 'listCollections']);
const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify', 'createIndexes', 'create', 'drop', 'dropDatabase', 'dropIndexes']);

export function watchMongo(client: MongoClient): MongoCounts {
  const counts: MongoCounts = { reads: 0, writes: 0, other: 0, bytesOut: 0, bytesIn: 0, commands: {}, byCollection: {} };
  const started = new Map<number, string>();
  client.on('commandStarted', (event) => {
    const name = event.commandName;
    counts.commands[name] = (counts.commands[name] ?? 0) + 1;
    const target = event.command[name];
    started.set(event.requestId, typeof target === 'string' ? `${name} ${target}` : name);
    if (READS.has(name)) counts.reads += 1;
    else if (WRITES.has(name)) counts.writes += 1;
    else counts.other += 1;
    counts.bytesOut += BSON.calculateObjectSize(event.command);
  });
  const finished = (event: { requestId: number; duration: number }) => {
    const key = started.get(event.requestId);
    if (key === undefined) return;
    started.delete(event.requestId);
    const entry = (counts.byCollection[key] ??= { count: 0, ms: 0 });
    entry.count += 1;
    entry.ms += event.duration;
  };
  client.on('commandSucceeded', (event) => {
    if (event.reply && typeof event.reply === 'object') counts.bytesIn += BSON.calculateObjectSize(event.reply as BSON.Document);
    finished(event);
  });
  client.on('commandFailed', finished);
  return counts;
}

/** `uri` with command monitoring switched on (the driver reads it from the connection string). */
export function monitoredUri(uri: string): string {
  return `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true`;
}
