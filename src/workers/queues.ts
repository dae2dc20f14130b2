import { Queue, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { JOB_RETENTION, QUEUE_RETRY, type QueueName } from '../services/retry-policy.js';
import { z } from 'zod';

/** The queues, by role: inbound messages to handle, outboxes to send. */
export const QUEUE_NAMES = { inbound: 'inbound', outbound: 'outbound', alerts: 'alerts' } as const;

/**
 * A job's whole payload: which chat. Ids only (keyed hashes), never personal data: it sits in
 * Redis in clear. `inboxId` is written by nothing now: jobs an earlier version queued carry it,
 * and are still taken after an upgrade.
 */
export const ChatJobSchema = z.strictObject({
  chatKey: z.string().regex(/^[a-z]+_[0-9a-f]{24}$/),
  inboxId: z
    .string()
    .regex(/^[a-z]+_[0-9a-f]{24}_[0-9a-f]{24}$/)
    .optional(),
});
export type ChatJob = z.infer<typeof ChatJobSchema>;

/**
 * Opens a Redis connection. BullMQ's workers block on Redis and must never give up a command
 * (`maxRetriesPerRequest: null`); producers fail fast instead of queueing commands while Redis
 * is away, since MongoDB already holds the work and the sweeper re-queues it. The service's
 * own short commands (chat locks, rate limits, counters) wait like the workers' and go on a
 * connection of their own with auto-pipelining: the commands many jobs issue in one turn of the
 * event loop leave in one write. (BullMQ's connections are left without it: reports of lost job
 * state with it on.)
 */
export function connectRedis(url: string, purpose: 'worker' | 'producer' | 'commands'): Redis {
  switch (purpose) {
    case 'worker':
      return new Redis(url, { maxRetriesPerRequest: null });
    case 'commands':
      return new Redis(url, { maxRetriesPerRequest: null, enableAutoPipelining: true });
    case 'producer':
      return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  }
}

/** Each queue's tries and backoff, from the one retry policy. */
const jobDefaults = (queue: QueueName) => ({ ...QUEUE_RETRY[queue], ...JOB_RETENTION });

/** The producers' side of the queues. */
export class WorkQueues {
  readonly inbound: Queue<ChatJob>;
  readonly outbound: Queue<ChatJob>;
  /** Posting researchers' alerts; the job carries nothing, the waiting alerts are in MongoDB. */
  readonly alerts: Queue<Record<string, never>>;

  constructor(connection: ConnectionOptions, prefix: string) {
    this.inbound = new Queue<ChatJob>(QUEUE_NAMES.inbound, { connection, prefix, defaultJobOptions: jobDefaults('inbound') });
    this.outbound = new Queue<ChatJob>(QUEUE_NAMES.outbound, { connection, prefix, defaultJobOptions: jobDefaults('outbound') });
    this.alerts = new Queue(QUEUE_NAMES.alerts, { connection, prefix, defaultJobOptions: jobDefaults('alerts') });
  }

  /** Asks for the waiting researchers' alerts to be posted. */
  async requestAlerts(reason: string): Promise<void> {
    await this.alerts.add('post', {}, { jobId: `alerts-${reason}` });
  }

  /** Asks for a chat's waiting messages to be handled; `reason` makes the job id (one job per message, per sweep, or per batch left over). */
  async requestInbound(chatKey: string, reason: string): Promise<void> {
    await this.inbound.add('drain', { chatKey }, { jobId: `in-${reason}` });
  }

  /** Asks for a chat's outbox to be sent. */
  async requestSend(chatKey: string, reason: string): Promise<void> {
    await this.outbound.add('send', { chatKey }, { jobId: `out-${chatKey}-${reason}` });
  }

  async close(): Promise<void> {
    await Promise.all([this.inbound.close(), this.outbound.close(), this.alerts.close()]);
  }
}
