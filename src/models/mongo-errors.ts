/** Whether an error is MongoDB's duplicate-key error (11000): for idempotent inserts it means "already done". */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 11000;
}
