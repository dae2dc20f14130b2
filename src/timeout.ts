/** A promise that did not settle in time. */
export class TimeoutError extends Error {
  readonly code = 'TIMEOUT' as const;

  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Resolves or rejects with `promise`, or rejects with a {@link TimeoutError} after `ms`
 * milliseconds. The timer does not keep the process alive: whatever `promise` waits for does.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
