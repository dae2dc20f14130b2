import { createHash, randomBytes } from 'node:crypto';

/** Crockford's base32 alphabet: digits and letters without I, L, O and U, so no two characters look alike. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 8;
const RANDOM_BYTES = 5; // 8 characters x 5 bits = 40 bits
const PREFIX_PATTERN = /^[A-Z]{1,5}$/;
const CODE_CLASS = '[0-9A-HJKMNP-TV-Z]';
const CODE_PATTERN = new RegExp(`^${CODE_CLASS}{${CODE_LENGTH}}$`);
const REFERENCE_PATTERN = new RegExp(`^([A-Z]{1,5})-(${CODE_CLASS}{4})-(${CODE_CLASS}{4})$`);

/**
 * An error for a reference prefix that is not 1 to 5 ASCII capital letters.
 */
export class ReferencePrefixError extends Error {
  /** Stable code for callers that branch on the kind of error. */
  readonly code = 'REFERENCE_PREFIX' as const;

  constructor(prefix: string) {
    super(`A reference prefix must be 1 to 5 capital letters A-Z, got "${prefix}".`);
    this.name = 'ReferencePrefixError';
  }
}

/**
 * A new random reference such as `SR-7KQ4-M9XD`: the prefix, then 8 Crockford
 * base32 characters (40 random bits) in two groups.
 *
 * Random rather than a counter, so a reference reveals neither how many cases
 * exist nor anyone else's reference. 40 bits make collisions rare, not impossible:
 * store references under a unique index and draw again on a duplicate.
 *
 * @param prefix - 1 to 5 capital letters naming the kind of record (`SR` support request)
 * @param random - source of random bytes; tests inject a fixed one
 */
export function newReference(prefix: string, random: (size: number) => Buffer = randomBytes): string {
  assertPrefix(prefix);
  const bytes = random(RANDOM_BYTES);
  if (bytes.length < RANDOM_BYTES) {
    throw new RangeError(`newReference: the random source returned ${bytes.length} bytes, need ${RANDOM_BYTES}.`);
  }
  return format(prefix, encode40(bytes));
}

/**
 * A reference derived from a seed: the same prefix and seed always give the same reference.
 *
 * For retries: a submission that is replayed after a crash gets the reference it
 * was first given. The reference is only as unguessable as the seed, so seed it
 * with a random id stored before the first attempt (not a chat id or a counter);
 * on a unique-index collision, derive again from the seed plus an attempt number.
 */
export function referenceFromSeed(prefix: string, seed: Buffer): string {
  assertPrefix(prefix);
  // The prefix is hashed in so one seed used for two kinds of record gives unrelated codes.
  const digest = createHash('sha256').update(`reference\0${prefix}\0`, 'utf8').update(seed).digest();
  return format(prefix, encode40(digest));
}

/**
 * Whether a string is a reference in its canonical form (`SR-7KQ4-M9XD`).
 *
 * @param prefix - when given, the reference must also carry this prefix
 */
export function isReference(s: string, prefix?: string): boolean {
  const match = REFERENCE_PATTERN.exec(s);
  return match !== null && (prefix === undefined || match[1] === prefix);
}

/**
 * The canonical form of a reference as a person typed it, or `null` when it cannot be one.
 *
 * Forgives what people do when copying a reference by hand: lower case, spaces,
 * missing or odd dashes, Arabic-Indic digits, and the letters O, I and L typed
 * for 0, 1 and 1 in the code part (never in the prefix, which is letters only).
 * Where the person did type separators, the groups must have the right lengths,
 * so a reference missing a character is refused rather than shifted.
 *
 * @param expectedPrefix - when given, a reference with another prefix gives `null`
 */
export function normalizeReference(s: string, expectedPrefix?: string): string | null {
  const parts = toAsciiDigits(s)
    .toUpperCase()
    // Spaces, tatweel and the dash family: people type whichever their keyboard offers.
    .split(/[\s\u0640\u002D\u2010-\u2015\u2212\uFE58\uFE63\uFF0D_.]+/)
    .filter((part) => part !== '');
  const last = parts.at(-1)?.length ?? 0;
  const groupsFit =
    parts.length === 1 || (parts.length === 2 && (last === 4 || last === CODE_LENGTH)) || (parts.length === 3 && parts[1]?.length === 4 && last === 4);
  if (!groupsFit) return null;
  const compact = parts.join('');
  if (compact.length <= CODE_LENGTH) return null;
  const prefix = compact.slice(0, compact.length - CODE_LENGTH);
  if (!PREFIX_PATTERN.test(prefix)) return null;
  if (expectedPrefix !== undefined && prefix !== expectedPrefix) return null;
  const code = compact
    .slice(compact.length - CODE_LENGTH)
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (!CODE_PATTERN.test(code)) return null;
  return format(prefix, code);
}

function assertPrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix)) throw new ReferencePrefixError(prefix);
}

/** The first 40 bits of `bytes` as 8 base32 characters. */
function encode40(bytes: Buffer): string {
  let value = 0n;
  for (let i = 0; i < RANDOM_BYTES; i += 1) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  let code = '';
  for (let i = CODE_LENGTH - 1; i >= 0; i -= 1) {
    code += ALPHABET[Number((value >> BigInt(i * 5)) & 31n)];
  }
  return code;
}

function format(prefix: string, code: string): string {
  return `${prefix}-${code.slice(0, 4)}-${code.slice(4)}`;
}

function toAsciiDigits(s: string): string {
  // Arabic-Indic (U+0660..) and Eastern Arabic-Indic (U+06F0..) digits; NFKC leaves both alone.
  return s.replace(/[\u0660-\u0669\u06F0-\u06F9]/g, (d) => String((d.codePointAt(0) ?? 0) & 0xf));
}
