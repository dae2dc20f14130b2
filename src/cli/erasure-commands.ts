import type { Redis } from 'ioredis';
import type { ErasureRepository, ErasureStatus } from '../models/erasure-repository.js';
import type { Repositories } from '../models/storage.js';
import type { AuditLog } from '../models/audit-log.js';
import type { KeyRing } from '../privacy/key-ring.js';
import { ChatLocks } from '../services/chat-lock.js';
import { decideErasure, type ErasureDeps } from '../services/erasure.js';
import { queueNotice } from '../services/notices.js';
import { normalizeReference } from '../core/reference.js';
import { WorkQueues } from '../workers/queues.js';
import type { CommandOutput } from './output.js';

/**
 * What an erasure decided from the command line works with: the service's stores, its
 * locks (so nothing races the running service) and its queue (so the person is told by the
 * running worker; if the queue is unreachable the sweeper finds the notice in the inbox).
 * `close` releases the queue.
 */
export function erasureDepsFor(
  repositories: Repositories,
  keys: KeyRing,
  redis: Redis,
  prefix: string,
  audit: AuditLog,
): ErasureDeps & { close: () => Promise<void> } {
  const queues = new WorkQueues(redis, prefix);
  const { erasures, cases, records, surveys, referrals, inbox, conversations, documents, locks, whatsappIds } = repositories;
  return {
    erasures,
    cases,
    records,
    surveys,
    referrals,
    inbox,
    conversations,
    documents,
    locks,
    whatsappIds,
    chatLocks: new ChatLocks(redis, prefix),
    audit,
    notify: (target, notice, noticeId) =>
      queueNotice({ inbox, keys, requestInbound: (chatKey, reason) => queues.requestInbound(chatKey, reason) }, target, notice, noticeId),
    close: () => queues.close(),
  };
}

/** What the erasure commands need: where requests live, the audit log, where to write, and who is at the keyboard. */
export interface ErasureCommandDeps {
  erasures: Pick<ErasureRepository, 'list' | 'findByReference'>;
  audit: AuditLog;
  out: CommandOutput;
  /** The operator's name (`--operator`), recorded as the actor. */
  operator: string;
  now?: () => Date;
}

/** Thrown for a reference that names no erasure request; the CLI maps it to a usage error. */
export class ErasureNotFoundError extends Error {
  readonly code = 'ERASURE_NOT_FOUND' as const;
  constructor(reference: string) {
    super(`No erasure request ${reference}.`);
    this.name = 'ErasureNotFoundError';
  }
}

/** `erasures list`: requests in a status (pending by default), oldest first; nothing personal (there is nothing personal in them). */
export async function listErasures(deps: ErasureCommandDeps, status: ErasureStatus): Promise<void> {
  const requests = await deps.erasures.list(status);
  await deps.audit.record({
    at: (deps.now ?? (() => new Date()))(),
    actor: { kind: 'operator', id: deps.operator, name: deps.operator },
    action: 'erasures.listed',
    target: { kind: 'erasure', id: status },
    details: { count: requests.length },
  });
  deps.out.table(
    ['REFERENCE', 'STATUS', 'CHANNEL', 'REQUESTED', 'DECIDED', 'DECIDED BY'],
    requests.map((r) => [r.reference, r.status, r.channel, r.requestedAt, r.decidedAt, r.decidedBy?.name ?? r.decidedBy?.id ?? null]),
    requests.map((r) => ({
      reference: r.reference,
      status: r.status,
      channel: r.channel,
      requestedAt: r.requestedAt,
      decidedAt: r.decidedAt,
      decidedBy: r.decidedBy,
      erased: r.erased,
    })),
    `No ${status} erasure requests.`,
  );
}

/**
 * `erasures approve|refuse <reference>`: the administrator's decision from the command line,
 * the same as the Telegram buttons (for a service run without Telegram). The person is told
 * in their chat once the service's worker handles the notice.
 */
export async function decideErasureByReference(deps: ErasureCommandDeps & { erasure: ErasureDeps }, reference: string, approve: boolean): Promise<void> {
  const normalized = normalizeReference(reference, 'DEL') ?? reference.trim();
  const request = await deps.erasures.findByReference(normalized);
  if (!request) throw new ErasureNotFoundError(normalized);
  const decision = await decideErasure(
    deps.erasure,
    request.id,
    approve,
    { kind: 'operator', id: deps.operator, name: deps.operator },
    (deps.now ?? (() => new Date()))(),
  );
  switch (decision.outcome) {
    case 'erased':
      return deps.out.message(
        `${normalized}: erased (${decision.erased.cases} requests anonymised, ${decision.erased.records} suggestions/volunteering emptied, ${decision.erased.documents} documents deleted); the person is told in their chat.`,
        { reference: normalized, outcome: 'erased', erased: decision.erased },
      );
    case 'refused':
      return deps.out.message(`${normalized}: refused; the person is told in their chat.`, { reference: normalized, outcome: 'refused' });
    case 'already':
      return deps.out.message(`${normalized}: decided already (${decision.request.status}); nothing changed.`, {
        reference: normalized,
        outcome: 'already',
        status: decision.request.status,
      });
    case 'not_found':
      throw new ErasureNotFoundError(normalized);
  }
}
