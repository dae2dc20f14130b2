import { Schema, type Model } from 'mongoose';
import type { KeyRing } from '../privacy/key-ring.js';
import type { Actor } from './case-states.js';

/**
 * What a staff action owes once its state change is written: the person told, the audit
 * entry written, the national ID freed, the survey scheduled. FerretDB v1 has no
 * transactions, so the action's one write to its case (or record) carries these items,
 * each under a deterministic id; the action then performs them, each idempotent, and the
 * sweeper performs any a crash or a blip left behind. A retry or a redelivery therefore
 * ends with each done once (see docs/telegram.md, "What a staff action owes").
 */
export type OwedWork =
  /** A message to the person, in their language, through their chat's ordered inbox; `noticeId` makes it once. */
  | { kind: 'notice'; key: string; params: Record<string, string | number>; noticeId: string }
  /** An audit entry, written once under `key`. */
  | { kind: 'audit'; key: string; action: string; actor: Actor; at: Date; details?: Record<string, string | number | boolean | null> }
  /** The national ID freed for a new request (a rejection, a close). */
  | { kind: 'release_id' }
  /** The invitation to rate the service, after a decision or after the service. */
  | { kind: 'survey'; occasion: 'decision' | 'service' };

/**
 * One owed item. `due`: not started (a decision's notice waits out the undo window here);
 * `releasing`: begun, so it can no longer be taken back, and is finished by whoever comes next.
 */
export interface OwedItem {
  id: string;
  /** The act that owes it (a question's id, a press): taking a decision back drops that act's items. */
  act: string;
  dueAt: Date;
  state: 'due' | 'releasing';
  work: OwedWork;
}

/** How an owed item is stored: the work sealed, since a notice carries what the committee wrote. */
export interface StoredOwedItem {
  id: string;
  act: string;
  dueAt: Date;
  state: 'due' | 'releasing';
  sealed: string;
}

export const owedItemSchema = new Schema<StoredOwedItem>({ id: String, act: String, dueAt: Date, state: String, sealed: String }, { _id: false });

export function sealOwed(keys: KeyRing, item: OwedItem): StoredOwedItem {
  return { id: item.id, act: item.act, dueAt: item.dueAt, state: item.state, sealed: keys.encryptJson(item.work) };
}

export function openOwed(keys: KeyRing, stored: StoredOwedItem): OwedItem {
  const work = keys.decryptJson<OwedWork>(stored.sealed);
  // JSON carries the audit entry's date as a string.
  if (work.kind === 'audit') work.at = new Date(work.at);
  return { id: stored.id, act: stored.act, dueAt: new Date(stored.dueAt), state: stored.state, work };
}

/** The earliest due time of what is still owed (what the sweeper's indexed query looks for), or null when nothing is. */
export function earliestDue(items: readonly { dueAt: Date }[]): Date | null {
  return items.reduce<Date | null>((min, item) => (min === null || new Date(item.dueAt) < min ? new Date(item.dueAt) : min), null);
}

/**
 * The items an act owes, each under an id derived from the act's (an audit entry keyed by it
 * too), due at `dueAt` and not yet begun.
 */
export function owedItems(act: string, items: { work: OwedWork; dueAt: Date }[]): OwedItem[] {
  return items.map((item, index) => {
    const id = `${act}:${item.work.kind}:${index}`;
    return { id, act, dueAt: item.dueAt, state: 'due', work: item.work.kind === 'audit' ? { ...item.work, key: id } : item.work };
  });
}

/** What an act writes into a document's owed list: the items it owes, and which of those already owed to keep (all, by default). */
export interface OwedChange {
  owe?: OwedItem[];
  keep?: (item: OwedItem) => boolean;
}

/** The owed fields of a case or record document. */
interface OwedDoc {
  _id: string;
  owed?: StoredOwedItem[];
  owedDueAt?: Date | null;
}

/**
 * The owed list of one collection's documents (cases, records), read and rewritten whole
 * under the document's lock: FerretDB cannot `$pull` by condition.
 */
export class OwedList {
  constructor(
    private readonly model: Model<OwedDoc>,
    private readonly keys: KeyRing,
  ) {}

  /** The owed fields to `$set` after an act: what is kept of `current`, and what the act owes that is not there already. */
  after(current: readonly StoredOwedItem[], change: OwedChange): { owed: StoredOwedItem[]; owedDueAt: Date | null } {
    const kept = current.filter((stored) => !change.keep || change.keep(openOwed(this.keys, stored)));
    const fresh = (change.owe ?? []).filter((item) => !kept.some((k) => k.id === item.id)).map((item) => sealOwed(this.keys, item));
    const owed = [...kept, ...fresh];
    return { owed, owedDueAt: earliestDue(owed) };
  }

  async owed(id: string): Promise<OwedItem[]> {
    const doc = await this.model.findById(id, { owed: 1 }).lean<OwedDoc>();
    return (doc?.owed ?? []).map((stored) => openOwed(this.keys, stored));
  }

  /** Replaces the owed list (and its earliest due time). The caller holds the document's lock. */
  async setOwed(id: string, items: OwedItem[]): Promise<void> {
    const owed = items.map((item) => sealOwed(this.keys, item));
    await this.model.updateOne({ _id: id }, { $set: { owed, owedDueAt: earliestDue(owed) } });
  }

  /** Documents with something owed by `now`. */
  async owedDue(now: Date, limit = 100): Promise<string[]> {
    const docs = await this.model
      .find({ owedDueAt: { $lte: now } }, { _id: 1 })
      .sort({ owedDueAt: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }
}
