/**
 * The outcome of validating one answer: the cleaned value, or a message key
 * (never text) with the parameters its message needs.
 *
 * Keys are dot-separated (`validation.nationalId.checksum`); the catalogues
 * turn them into words, so validators stay language-free.
 */
export type Validation<T> = { ok: true; value: T } | { ok: false; error: string; params?: Record<string, string | number> };

/**
 * A successful {@link Validation} carrying `value`.
 */
export function ok<T>(value: T): Validation<T> {
  return { ok: true, value };
}

/**
 * A failed {@link Validation} with message key `error` and, when the message
 * needs them, `params`.
 */
export function fail<T = never>(error: string, params?: Record<string, string | number>): Validation<T> {
  return params === undefined ? { ok: false, error } : { ok: false, error, params };
}
