import type { AuditLog } from '../models/audit-log.js';
import type { CaseRecord, CaseRepository } from '../models/case-repository.js';
import type { OpenRequestLocks } from '../models/open-request-locks.js';
import type { OwedItem, OwedList } from '../models/owed.js';
import type { RecordRepository } from '../models/record-repository.js';
import type { Channel } from '../core/channel.js';
import type { ChatLocks } from './chat-lock.js';

/** Tells a person something on their channel, in their language, once per `noticeId`. */
export type Notify = (
  target: { chatKey: string; channel: Channel },
  notice: { key: string; params: Record<string, string | number> },
  noticeId: string,
) => Promise<void>;

/** What performing owed work needs. */
export interface OwedWorkDeps {
  cases: CaseRepository;
  records: RecordRepository;
  audit: AuditLog;
  locks: OpenRequestLocks;
  chatLocks: ChatLocks;
  notify: Notify;
  /** Schedules the invitation to rate the service (once per case and occasion). */
  scheduleSurvey?: (record: CaseRecord, occasion: 'decision' | 'service', at: Date) => Promise<void>;
  /**
   * The fault suite's hook: `staff-act-written` is reached right after a staff act's write and
   * before what it owes is performed (the test throws there, or the process is killed there).
   */
  faults?: { at(point: 'staff-act-written'): void | Promise<void> };
}

type Where = 'case' | 'record';

/**
 * Performs what a case or record owes that is due by `now`, each item once: marked
 * `releasing` under the document's lock (from then on it cannot be taken back), performed
 * outside it (every kind is idempotent), then removed under the lock. A crash anywhere
 * leaves the items for the next call (the sweeper's, or a retry of the act), which
 * performs them again harmlessly. Returns how many items were performed.
 */
export async function finishOwed(deps: OwedWorkDeps, where: Where, id: string, now: Date): Promise<number> {
  const store: OwedList = where === 'case' ? deps.cases.owedList : deps.records.owedList;
  const lock = `${where}:${id}`;
  const due = await deps.chatLocks.exclusive(lock, async () => {
    const items = await store.owed(id);
    const ready = items.filter((item) => item.dueAt.getTime() <= now.getTime());
    if (ready.some((item) => item.state === 'due'))
      await store.setOwed(
        id,
        items.map((item) => (ready.includes(item) ? { ...item, state: 'releasing' as const } : item)),
      );
    return ready;
  });
  if (due.length === 0) return 0;
  const target = await targetOf(deps, where, id);
  for (const item of due) await perform(deps, item, where, id, target);
  await deps.chatLocks.exclusive(lock, async () => {
    const done = new Set(due.map((item) => item.id));
    const items = await store.owed(id);
    await store.setOwed(
      id,
      items.filter((item) => !done.has(item.id)),
    );
  });
  return due.length;
}

/** Finishes everything due on every case and record: the sweeper's part. One that keeps failing does not hold back the others. */
export async function finishAllOwed(deps: OwedWorkDeps, now: Date, onError: (id: string, error: unknown) => void): Promise<number> {
  let performed = 0;
  for (const [where, store] of [
    ['case', deps.cases.owedList],
    ['record', deps.records.owedList],
  ] as const) {
    for (const id of await store.owedDue(now)) {
      performed += await finishOwed(deps, where, id, now).catch((error: unknown) => {
        onError(id, error);
        return 0;
      });
    }
  }
  return performed;
}

interface Target {
  chatKey: string;
  channel: Channel;
  record: CaseRecord | null;
}

async function targetOf(deps: OwedWorkDeps, where: Where, id: string): Promise<Target | null> {
  if (where === 'case') {
    const record = await deps.cases.get(id);
    return record ? { chatKey: record.chatKey, channel: record.channel as Channel, record } : null;
  }
  const record = await deps.records.get(id);
  return record ? { chatKey: record.chatKey, channel: record.channel as Channel, record: null } : null;
}

async function perform(deps: OwedWorkDeps, item: OwedItem, where: Where, id: string, target: Target | null): Promise<void> {
  const work = item.work;
  switch (work.kind) {
    case 'notice':
      // A document gone (erased meanwhile) has nobody to tell; queueNotice also skips an anonymised chat.
      if (target) await deps.notify({ chatKey: target.chatKey, channel: target.channel }, { key: work.key, params: work.params }, work.noticeId);
      return;
    case 'audit':
      await deps.audit.recordOnce(work.key, {
        at: work.at,
        actor: work.actor,
        action: work.action,
        target: { kind: where, id },
        ...(work.details ? { details: work.details } : {}),
      });
      return;
    case 'release_id':
      if (target?.record) await deps.locks.release(target.record.nationalIdHash, id);
      return;
    case 'survey':
      if (target?.record) await deps.scheduleSurvey?.(target.record, work.occasion, item.dueAt);
      return;
  }
}
