import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MIN_LOOKUP_KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,16}$/;

const TEXT_VERSION = 'enc1';
const TEXT_PATTERN = /^enc1\.([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

const BYTES_MAGIC = Buffer.from('EB1', 'ascii');

/**
 * An error in the key configuration (ids, lengths, encodings), raised at start-up.
 *
 * Messages name the offending key id or setting, never key material, so they are
 * safe to log.
 */
export class KeyConfigError extends Error {
  /** Stable code for callers that branch on the kind of error. */
  readonly code = 'KEY_CONFIG' as const;

  constructor(message: string) {
    super(message);
    this.name = 'KeyConfigError';
  }
}

/** Why a value could not be decrypted. */
export type DecryptFailure = 'malformed' | 'unknown-key' | 'authentication';

/**
 * An error for a value that cannot be decrypted: malformed, under an unknown key,
 * or tampered with (the GCM tag does not verify).
 */
export class DecryptError extends Error {
  /** Stable code for callers that branch on the kind of error. */
  readonly code = 'DECRYPT' as const;
  /** Which check failed; safe to log. */
  readonly reason: DecryptFailure;

  constructor(reason: DecryptFailure, message: string) {
    super(message);
    this.name = 'DecryptError';
    this.reason = reason;
  }
}

/** Options for {@link KeyRing}. */
export interface KeyRingOptions {
  /** Data keys by id; each exactly 32 bytes. Old keys stay here so old values still decrypt. */
  keys: Record<string, Buffer>;
  /** The id of the key new values are encrypted under. */
  currentKeyId: string;
  /** HMAC key for {@link KeyRing.lookupHash}; at least 32 bytes, distinct from every data key. */
  lookupKey: Buffer;
}

/**
 * A set of AES-256-GCM keys for encryption at rest, plus an HMAC key for lookups.
 *
 * Every value carries the id of the key it was encrypted under, so a new current
 * key can be added while values under older keys still decrypt, and a rotation
 * command can find them with {@link KeyRing.needsReencryption}. The lookup key
 * does not rotate: changing it means recomputing every stored hash from plaintext.
 */
export class KeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #currentKeyId: string;
  readonly #lookupKey: Buffer;

  constructor(options: KeyRingOptions) {
    const keys = new Map<string, Buffer>();
    for (const [id, key] of Object.entries(options.keys)) {
      assertKeyId(id);
      if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
        throw new KeyConfigError(`Key "${id}" must be ${KEY_BYTES} bytes, got ${Buffer.isBuffer(key) ? key.length : typeof key}.`);
      }
      // A copy, so the caller can wipe or reuse its buffer without changing ours.
      keys.set(id, Buffer.from(key));
    }
    if (keys.size === 0) throw new KeyConfigError('At least one encryption key is required.');
    if (!keys.has(options.currentKeyId)) {
      throw new KeyConfigError(`The current key id "${safeId(options.currentKeyId)}" is not among the keys.`);
    }
    const lookupKey = options.lookupKey;
    if (!Buffer.isBuffer(lookupKey) || lookupKey.length < MIN_LOOKUP_KEY_BYTES) {
      throw new KeyConfigError(`The lookup key must be at least ${MIN_LOOKUP_KEY_BYTES} bytes.`);
    }
    for (const [id, key] of keys) {
      // Reusing a data key as the HMAC key would tie two unrelated uses to one secret.
      if (key.length === lookupKey.length && timingSafeEqual(key, lookupKey)) {
        throw new KeyConfigError(`The lookup key must differ from encryption key "${id}".`);
      }
    }
    this.#keys = keys;
    this.#currentKeyId = options.currentKeyId;
    this.#lookupKey = Buffer.from(lookupKey);
  }

  /**
   * Builds a key ring from configuration strings.
   *
   * @param spec - comma-separated `id:base64key` entries, e.g. `k2:...,k1:...`
   * @param currentKeyId - the id new values are encrypted under
   * @param lookupKeyBase64 - the HMAC lookup key, base64
   * @throws {@link KeyConfigError} naming the faulty entry, never its key material
   */
  static parse(spec: string, currentKeyId: string, lookupKeyBase64: string): KeyRing {
    // No prototype: an id such as "__proto__" passes the id pattern and must stay a plain key.
    const keys = Object.create(null) as Record<string, Buffer>;
    const entries = spec
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    if (entries.length === 0) throw new KeyConfigError('The key list is empty; expected "id:base64key,...".');
    entries.forEach((entry, index) => {
      const colon = entry.indexOf(':');
      if (colon < 0) {
        throw new KeyConfigError(`Key entry ${index + 1} has no ":"; expected "id:base64key".`);
      }
      const id = entry.slice(0, colon).trim();
      assertKeyId(id, `Key entry ${index + 1}`);
      if (Object.hasOwn(keys, id)) throw new KeyConfigError(`Key id "${id}" appears twice.`);
      keys[id] = decodeBase64(entry.slice(colon + 1).trim(), `Key "${id}"`);
    });
    const lookupKey = decodeBase64(lookupKeyBase64.trim(), 'The lookup key');
    return new KeyRing({ keys, currentKeyId, lookupKey });
  }

  /** Generates a fresh random 32-byte key, base64-encoded, for the setup script. */
  static generateKeyBase64(): string {
    return randomBytes(KEY_BYTES).toString('base64');
  }

  /** The id of the key new values are encrypted under. */
  get currentKeyId(): string {
    return this.#currentKeyId;
  }

  /** The ids of every key this ring can decrypt with. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /**
   * Encrypts a string into a token `enc1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts).
   *
   * The token is plain ASCII without `$` or NUL, so it can be stored in any MongoDB
   * string field.
   */
  encryptText(plain: string): string {
    const keyId = this.#currentKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key(keyId), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(textHeader(keyId));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${TEXT_VERSION}.${keyId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /**
   * Decrypts a token made by {@link KeyRing.encryptText}.
   *
   * @throws {@link DecryptError} when the token is malformed, its key is unknown, or it was altered
   */
  decryptText(token: string): string {
    const { keyId, iv, body } = parseTextToken(token);
    const key = this.#knownKey(keyId);
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
      throw new DecryptError('malformed', 'The encrypted value has a wrong IV or tag length.');
    }
    const ciphertext = body.subarray(0, body.length - TAG_BYTES);
    const tag = body.subarray(body.length - TAG_BYTES);
    return decrypt(key, iv, tag, textHeader(keyId), ciphertext).toString('utf8');
  }

  /** Whether a value looks like a token from {@link KeyRing.encryptText}; checks the shape only. */
  isEncrypted(token: unknown): token is string {
    return typeof token === 'string' && TEXT_PATTERN.test(token);
  }

  /**
   * The key id a value was encrypted under: a text token or an `EB1` binary blob.
   *
   * @throws {@link DecryptError} when the value is not in either format
   */
  keyIdOf(value: string | Buffer): string {
    return typeof value === 'string' ? parseTextToken(value).keyId : parseBytesHeader(value).keyId;
  }

  /** Whether a value was encrypted under a key other than the current one, so a rotation should rewrite it. */
  needsReencryption(value: string | Buffer): boolean {
    return this.keyIdOf(value) !== this.#currentKeyId;
  }

  /**
   * Encrypts binary data (a document) into `EB1 | idLength | keyId | iv | tag | ciphertext`.
   *
   * One cipher call over the whole buffer: a 20 MB document takes tens of milliseconds.
   */
  encryptBytes(plain: Buffer): Buffer {
    const keyId = this.#currentKeyId;
    const header = bytesHeader(keyId);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key(keyId), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(header);
    const ciphertext = cipher.update(plain);
    const rest = cipher.final();
    // One concat, so a large document is copied once after encryption, not twice.
    return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext, rest]);
  }

  /**
   * Decrypts a blob made by {@link KeyRing.encryptBytes}.
   *
   * @throws {@link DecryptError} when the blob is malformed, its key is unknown, or it was altered
   */
  decryptBytes(blob: Buffer): Buffer {
    const { keyId, headerLength } = parseBytesHeader(blob);
    const key = this.#knownKey(keyId);
    if (blob.length < headerLength + IV_BYTES + TAG_BYTES) {
      throw new DecryptError('malformed', 'The encrypted blob is truncated.');
    }
    const iv = blob.subarray(headerLength, headerLength + IV_BYTES);
    const tag = blob.subarray(headerLength + IV_BYTES, headerLength + IV_BYTES + TAG_BYTES);
    const ciphertext = blob.subarray(headerLength + IV_BYTES + TAG_BYTES);
    return decrypt(key, iv, tag, blob.subarray(0, headerLength), ciphertext);
  }

  /**
   * Encrypts any JSON-serialisable value as a text token.
   *
   * @throws TypeError when the value has no JSON form (`undefined`, a function)
   */
  encryptJson(value: unknown): string {
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) throw new TypeError('encryptJson: the value has no JSON representation.');
    return this.encryptText(json);
  }

  /**
   * Decrypts a token made by {@link KeyRing.encryptJson}; the type parameter is trusted, not checked.
   *
   * @throws {@link DecryptError} as {@link KeyRing.decryptText} does
   */
  decryptJson<T>(token: string): T {
    const json = this.decryptText(token);
    try {
      return JSON.parse(json) as T;
    } catch {
      throw new DecryptError('malformed', 'The decrypted value is not JSON.');
    }
  }

  /**
   * A keyed hash (HMAC-SHA256, hex) of a value, for finding records by a personal
   * field without storing it in clear.
   *
   * `purpose` separates domains (`national-id`, `phone`), so equal values of
   * different kinds never share a hash. Normalise the value first (digits,
   * spacing): the hash is of the exact string.
   */
  lookupHash(purpose: string, value: string): string {
    if (purpose === '' || purpose.includes('\0')) {
      throw new TypeError('lookupHash: purpose must be non-empty and contain no NUL.');
    }
    return createHmac('sha256', this.#lookupKey).update(`${purpose}\0${value}`, 'utf8').digest('hex');
  }

  /** A redacted description, so that logging the ring never prints key material. */
  toJSON(): { keyIds: string[]; currentKeyId: string } {
    return { keyIds: this.keyIds, currentKeyId: this.#currentKeyId };
  }

  /** A redacted description for `console.log` and `util.inspect`. */
  [inspect.custom](): string {
    return `KeyRing { keyIds: [${this.keyIds.join(', ')}], currentKeyId: ${this.#currentKeyId} }`;
  }

  #key(keyId: string): Buffer {
    const key = this.#keys.get(keyId);
    if (key === undefined) throw new KeyConfigError(`No key with id "${keyId}".`);
    return key;
  }

  #knownKey(keyId: string): Buffer {
    const key = this.#keys.get(keyId);
    if (key === undefined) throw new DecryptError('unknown-key', `No key with id "${keyId}" in the key ring.`);
    return key;
  }
}

/**
 * The key id of a stored value if it is sealed by a {@link KeyRing} (an `enc1` text
 * token or the start of an `EB1` blob), otherwise null.
 *
 * Needs no keys: it reads the label only, so a rotation or a status report can find
 * and count sealed values without decrypting them. A blob's first bytes are enough.
 */
export function sealedKeyIdOf(value: unknown): string | null {
  if (typeof value === 'string') return TEXT_PATTERN.exec(value)?.[1] ?? null;
  if (!(value instanceof Uint8Array)) return null;
  try {
    return parseBytesHeader(Buffer.from(value.buffer, value.byteOffset, value.byteLength)).keyId;
  } catch {
    return null;
  }
}

function assertKeyId(id: string, where = 'A key id'): void {
  if (!KEY_ID_PATTERN.test(id)) {
    throw new KeyConfigError(`${where}: key ids must match ${KEY_ID_PATTERN.source}, got "${safeId(id)}".`);
  }
}

/** Shows an id in an error only when it is short and harmless; a pasted key in the id slot stays hidden. */
function safeId(id: string): string {
  return KEY_ID_PATTERN.test(id) ? id : `<${id.length} characters>`;
}

function decodeBase64(text: string, what: string): Buffer {
  // Buffer.from skips invalid characters silently; a typo must fail loudly instead.
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw new KeyConfigError(`${what} is not valid base64.`);
  }
  return Buffer.from(text, 'base64');
}

function textHeader(keyId: string): Buffer {
  // Bound as AAD so a token cannot be relabelled to another version or key id.
  return Buffer.from(`${TEXT_VERSION}.${keyId}`, 'ascii');
}

function bytesHeader(keyId: string): Buffer {
  const id = Buffer.from(keyId, 'ascii');
  return Buffer.concat([BYTES_MAGIC, Buffer.from([id.length]), id]);
}

function parseTextToken(token: string): { keyId: string; iv: Buffer; body: Buffer } {
  const match = typeof token === 'string' ? TEXT_PATTERN.exec(token) : null;
  if (match === null) throw new DecryptError('malformed', 'The value is not an enc1 token.');
  const [, keyId = '', iv = '', body = ''] = match;
  return { keyId, iv: Buffer.from(iv, 'base64url'), body: Buffer.from(body, 'base64url') };
}

function parseBytesHeader(blob: Buffer): { keyId: string; headerLength: number } {
  if (!Buffer.isBuffer(blob) || blob.length < BYTES_MAGIC.length + 1 || !blob.subarray(0, 3).equals(BYTES_MAGIC)) {
    throw new DecryptError('malformed', 'The value is not an EB1 blob.');
  }
  const idLength = blob[BYTES_MAGIC.length] ?? 0;
  const headerLength = BYTES_MAGIC.length + 1 + idLength;
  const keyId = blob.subarray(BYTES_MAGIC.length + 1, headerLength).toString('latin1');
  if (blob.length < headerLength || !KEY_ID_PATTERN.test(keyId)) {
    throw new DecryptError('malformed', 'The EB1 blob has an invalid key id.');
  }
  return { keyId, headerLength };
}

function decrypt(key: Buffer, iv: Buffer, tag: Buffer, aad: Buffer, ciphertext: Buffer): Buffer {
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    const plain = decipher.update(ciphertext);
    // final() verifies the tag, so nothing is returned before authentication; GCM adds no bytes here.
    const rest = decipher.final();
    return rest.length === 0 ? plain : Buffer.concat([plain, rest]);
  } catch {
    throw new DecryptError('authentication', 'The encrypted value failed authentication (altered or wrong key).');
  }
}
