/**
 * The MongoDB driver's (and mongoose's) errors for a server that cannot be reached: no
 * server to select, a connection refused, reset or timed out, a pool cleared by a network
 * error. They say nothing about the message or action at hand, only that the database is
 * away for now. Matched by name, so code outside `src/models` need not import the driver.
 */
const UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClosedError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
]);

/**
 * Socket errors that can also come through unwrapped: fault case 3 met a bare EPIPE ("This
 * socket has been ended by the other party") from a write while FerretDB was shutting down.
 */
const NETWORK_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * Whether `error` means the database (or another server the work needs) could not be reached,
 * so the work is worth retrying as it is, rather than that this particular work failed.
 */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}
