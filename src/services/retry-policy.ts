import { ChannelDownloadError, ChannelSendError } from '../core/channel.js';
import { LockLostError } from './chat-lock.js';
import { isUnavailable } from './unavailable.js';

/**
 * The one retry policy: for each queue, how often and how far apart a job is tried; for each
 * kind of failure, whether it is tried again, and whether that counts against the message.
 * Everything that retries (the chat workers, the message handling, a file's download, the
 * staff's updates) asks here, by the error's type, never by its message.
 */

/** BullMQ's options for every job of a queue: its tries, the wait between them, what is kept after. */
export const QUEUE_RETRY = {
  /** A chat's waiting messages. A message is set aside after INBOUND_MAX_ATTEMPTS of its own failures (below these). */
  inbound: { attempts: 10, backoff: { type: 'exponential', delay: 500 } },
  /** A chat's replies. A platform's "wait" (429) delays the chat without spending a try. */
  outbound: { attempts: 10, backoff: { type: 'exponential', delay: 500 } },
  /** The staff's alerts. Whatever a run leaves undone waits in MongoDB for the next run or sweep. */
  alerts: { attempts: 10, backoff: { type: 'exponential', delay: 500 } },
} as const satisfies Record<string, { attempts: number; backoff: { type: 'exponential' | 'fixed'; delay: number } }>;

export type QueueName = keyof typeof QUEUE_RETRY;

/** Jobs are not kept once done; the last thousand failed ones are, for an administrator to look at (names only, no content). */
export const JOB_RETENTION = { removeOnComplete: true, removeOnFail: { count: 1000 } } as const;

/** How long a job steps aside when another consumer holds its chat, or its lock was lost: not a try. */
export const BUSY_DELAY_MS = 150;

/** How long an alerts job steps aside when another process's poster is at work (it may have read what waits already): not a try. */
export const ALERTS_BUSY_DELAY_MS = 500;

/**
 * How a failure is treated:
 * - `wait`: the platform asked to wait (Telegram's 429 `retry_after`): the chat pauses that long, no try spent;
 * - `step_aside`: the chat's lock went with Redis's keys: whoever holds it now carries on, no try spent;
 * - `unavailable`: the database (or a server the work needs) is out of reach: retried with the job's
 *   backoff and never counted against the message, so an outage costs nobody their message;
 * - `permanent`: the platform refused for good (blocked, gone, a 4xx on a file): not retried;
 * - `counted`: anything else: retried with backoff, and counted against the message, which is set
 *   aside after INBOUND_MAX_ATTEMPTS.
 */
export type FailureKind = 'wait' | 'step_aside' | 'unavailable' | 'permanent' | 'counted';

export function failureKind(error: unknown): FailureKind {
  if (error instanceof ChannelSendError) {
    if (error.retryAfterMs !== undefined) return 'wait';
    return error.permanent ? 'permanent' : 'counted';
  }
  if (error instanceof ChannelDownloadError) return error.permanent ? 'permanent' : 'counted';
  if (error instanceof LockLostError) return 'step_aside';
  if (isUnavailable(error)) return 'unavailable';
  return 'counted';
}

/** Whether a failed download may succeed if tried again (a dropped connection, a 429, a 5xx; not a refusal for good). */
export function downloadMayPass(error: unknown): boolean {
  return failureKind(error) !== 'permanent';
}

/**
 * Why INBOUND_MAX_ATTEMPTS does not fit the inbound queue's tries (null when it does). A
 * message's failures are counted in MongoDB, across jobs; above the queue's tries, a message
 * that keeps failing outlives its job and then waits a sweep for each further try before it
 * is set aside, holding its chat's later messages back all that time.
 */
export function inboundAttemptsProblem(maxAttempts: number): string | null {
  const { attempts } = QUEUE_RETRY.inbound;
  return maxAttempts <= attempts
    ? null
    : `must be at most ${attempts}, the inbound queue's tries (src/services/retry-policy.ts): above that, a failing message waits a sweep for each further try, holding its chat back`;
}
