import { DelayedError, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { ChatJobSchema, type ChatJob } from './queues.js';
import type { ChatLocks, LockLease } from '../services/chat-lock.js';
import { ChannelSendError } from '../core/channel.js';
import { BUSY_DELAY_MS, failureKind } from '../services/retry-policy.js';
import { errorFields } from '../logger.js';

/** What a chat worker needs: which queue, which lock, and the use case to run for a chat. */
export interface ChatWorkerOptions {
  queue: string;
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  locks: ChatLocks;
  /** The lock name for a chat; one consumer per chat holds it. */
  lockName: (chatKey: string) => string;
  /** Confirms the lease before anything that must not be done twice (see `LockLease`). */
  work: (chatKey: string, lease: LockLease) => Promise<number>;
  logger: Logger;
}

/**
 * A thin BullMQ worker: parses the job (a malformed one is unrecoverable), takes the
 * chat's lock (busy: the job steps aside for a moment, which does not count as an
 * attempt) and calls the use case. A failure is treated as the retry policy says
 * (services/retry-policy.ts): a platform asking to wait (`retry_after`) delays the job by
 * that much, keeping the chat's order; a refusal for good is not retried.
 */
export function startChatWorker(options: ChatWorkerOptions): Worker<ChatJob> {
  const processor = async (job: Job<ChatJob>, token?: string): Promise<number> => {
    const parsed = ChatJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('malformed job');
    const { chatKey } = parsed.data;
    const lockName = options.lockName(chatKey);
    // A platform asked this chat to wait: every job for it waits, not only the one that was refused.
    const paused = await options.locks.pausedFor(lockName);
    if (paused > 0) {
      await job.moveToDelayed(Date.now() + paused, token);
      throw new DelayedError();
    }
    try {
      const outcome = await options.locks.withLock(lockName, (lease) => options.work(chatKey, lease));
      if (outcome.ran) return outcome.value;
      await job.moveToDelayed(Date.now() + BUSY_DELAY_MS, token);
      throw new DelayedError();
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      const kind = failureKind(error);
      if (kind === 'wait' && error instanceof ChannelSendError && error.retryAfterMs !== undefined) {
        await options.locks.pause(lockName, error.retryAfterMs);
        await job.moveToDelayed(Date.now() + error.retryAfterMs, token);
        throw new DelayedError();
      }
      if (kind === 'permanent') throw new UnrecoverableError(error instanceof Error ? error.message : 'refused for good');
      // The lock went with Redis's keys: whoever holds it now carries on; this job steps aside like a busy one.
      if (kind === 'step_aside') {
        await job.moveToDelayed(Date.now() + BUSY_DELAY_MS, token);
        throw new DelayedError();
      }
      // BullMQ keeps a failed job's message and stack in Redis, in clear: only the error's name goes there.
      options.logger.warn({ queue: options.queue, chatKey, ...errorFields(error) }, 'job attempt failed');
      throw new Error(error instanceof Error ? error.name : 'Error');
    }
  };
  const worker = new Worker<ChatJob>(options.queue, processor, { connection: options.connection, prefix: options.prefix, concurrency: options.concurrency });
  worker.on('failed', (job, error) => {
    if (error instanceof DelayedError) return;
    options.logger.warn({ queue: options.queue, jobId: job?.id, attempts: job?.attemptsMade, ...errorFields(error) }, 'job failed');
  });
  worker.on('error', (error) => options.logger.error({ queue: options.queue, ...errorFields(error) }, 'worker error'));
  return worker;
}
