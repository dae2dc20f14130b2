import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DecryptError, KeyConfigError, KeyRing, sealedKeyIdOf } from '../../../src/privacy/key-ring.js';

const k1 = Buffer.alloc(32, 1);
const k2 = Buffer.alloc(32, 2);
const lookupKey = Buffer.alloc(32, 9);

function ring(keys: Record<string, Buffer> = { k1 }, currentKeyId = 'k1'): KeyRing {
  return new KeyRing({ keys, currentKeyId, lookupKey });
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('KeyRing text', () => {
  it('round-trips text, including empty and non-Latin strings', () => {
    const keys = ring();
    for (const plain of ['', 'hello', 'محمد بن عبدالله ١٢٣', '🙂\n\0']) {
      const token = keys.encryptText(plain);
      expect(keys.decryptText(token)).toBe(plain);
    }
  });

  it('writes enc1.<keyId>.<iv>.<ciphertext+tag> with a fresh IV each time', () => {
    const keys = ring();
    const a = keys.encryptText('1000000008');
    const b = keys.encryptText('1000000008');
    expect(a).toMatch(/^enc1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('1000000008');
    expect(keys.isEncrypted(a)).toBe(true);
    expect(keys.isEncrypted('1000000008')).toBe(false);
    expect(keys.isEncrypted(42)).toBe(false);
    expect(keys.keyIdOf(a)).toBe('k1');
  });

  it('detects tampering with the ciphertext, the IV or the key id', () => {
    const keys = new KeyRing({ keys: { k1, k2 }, currentKeyId: 'k1', lookupKey });
    const token = keys.encryptText('secret');
    const [version, keyId, iv, body] = token.split('.') as [string, string, string, string];
    const flip = (s: string): string => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);

    for (const altered of [[version, keyId, iv, flip(body)].join('.'), [version, keyId, flip(iv), body].join('.'), [version, 'k2', iv, body].join('.')]) {
      const error = catchError(() => keys.decryptText(altered));
      expect(error).toBeInstanceOf(DecryptError);
      expect(error).toMatchObject({ code: 'DECRYPT', name: 'DecryptError', reason: 'authentication' });
    }
  });

  it('refuses malformed tokens and unknown keys with DecryptError', () => {
    const token = ring({ k2 }, 'k2').encryptText('secret');
    expect(catchError(() => ring().decryptText(token))).toMatchObject({ code: 'DECRYPT', reason: 'unknown-key' });
    for (const bad of ['', 'secret', 'enc1.k1.abc', 'enc2.k1.aaaa.bbbb', 'enc1.k1.aa.bb']) {
      expect(catchError(() => ring().decryptText(bad))).toBeInstanceOf(DecryptError);
    }
  });
});

describe('KeyRing rotation', () => {
  it('still decrypts old values after a new current key is added, and flags them', () => {
    const before = ring({ k1 }, 'k1');
    const oldToken = before.encryptText('old value');
    const oldBlob = before.encryptBytes(Buffer.from('old document'));

    const after = ring({ k1, k2 }, 'k2');
    expect(after.decryptText(oldToken)).toBe('old value');
    expect(after.decryptBytes(oldBlob).toString()).toBe('old document');
    expect(after.needsReencryption(oldToken)).toBe(true);
    expect(after.needsReencryption(oldBlob)).toBe(true);

    const newToken = after.encryptText(after.decryptText(oldToken));
    expect(after.keyIdOf(newToken)).toBe('k2');
    expect(after.needsReencryption(newToken)).toBe(false);
    expect(after.needsReencryption(after.encryptBytes(Buffer.from('x')))).toBe(false);
  });

  it('reads the key id of a sealed value without keys, and says null for anything else', () => {
    const keys = ring({ k1, k2 }, 'k2');
    const blob = keys.encryptBytes(Buffer.alloc(1000, 7));
    expect(sealedKeyIdOf(keys.encryptText('x'))).toBe('k2');
    expect(sealedKeyIdOf(keys.encryptJson({ a: 1 }))).toBe('k2');
    expect(sealedKeyIdOf(blob)).toBe('k2');
    // The first bytes of a blob (a GridFS file's first chunk) are enough.
    expect(sealedKeyIdOf(blob.subarray(0, 8))).toBe('k2');
    expect(sealedKeyIdOf(new Uint8Array(blob.subarray(0, 8)))).toBe('k2');
    for (const other of ['enc1', 'enc1.k1.abc', 'plain text', '', Buffer.from('EB1'), Buffer.from('%PDF-1.4'), 42, null, undefined, { keyId: 'k1' }]) {
      expect(sealedKeyIdOf(other)).toBeNull();
    }
  });
});

describe('KeyRing bytes', () => {
  it('writes EB1, the key id and an authenticated body', () => {
    const keys = ring();
    const plain = Buffer.from('%PDF-1.4 personal document');
    const blob = keys.encryptBytes(plain);
    expect(blob.subarray(0, 3).toString('ascii')).toBe('EB1');
    expect(blob[3]).toBe(2);
    expect(blob.subarray(4, 6).toString('ascii')).toBe('k1');
    expect(blob.length).toBe(3 + 1 + 2 + 12 + 16 + plain.length);
    expect(blob.includes(plain)).toBe(false);
    expect(keys.keyIdOf(blob)).toBe('k1');
    expect(keys.decryptBytes(blob).equals(plain)).toBe(true);
  });

  it('detects a flipped bit anywhere and refuses foreign or truncated blobs', () => {
    const keys = ring();
    const blob = keys.encryptBytes(randomBytes(1000));
    for (const position of [3 + 1 + 2, 3 + 1 + 2 + 12, blob.length - 1]) {
      const altered = Buffer.from(blob);
      altered[position] = (altered[position] ?? 0) ^ 1;
      expect(catchError(() => keys.decryptBytes(altered))).toMatchObject({ reason: 'authentication' });
    }
    expect(catchError(() => keys.decryptBytes(Buffer.from('not encrypted')))).toMatchObject({ reason: 'malformed' });
    expect(catchError(() => keys.decryptBytes(blob.subarray(0, 20)))).toMatchObject({ reason: 'malformed' });
  });

  it('round-trips 20 MB quickly', () => {
    const keys = ring();
    const plain = randomBytes(20 * 1024 * 1024);
    const started = performance.now();
    const blob = keys.encryptBytes(plain);
    const back = keys.decryptBytes(blob);
    const elapsed = performance.now() - started;
    expect(back.equals(plain)).toBe(true);
    // A fraction of a second on a small shared two-core machine; the bound catches only gross mistakes.
    expect(elapsed).toBeLessThan(5_000);
  });
});

describe('KeyRing JSON', () => {
  it('round-trips JSON values', () => {
    const keys = ring();
    const value = { name: 'نورة', children: 3, income: [1200.5, null], ok: true };
    expect(keys.decryptJson<typeof value>(keys.encryptJson(value))).toEqual(value);
    expect(keys.decryptJson<null>(keys.encryptJson(null))).toBeNull();
    expect(() => keys.encryptJson(undefined)).toThrow(TypeError);
  });
});

describe('KeyRing lookupHash', () => {
  it('is stable, keyed and separated by purpose', () => {
    const keys = ring();
    const hash = keys.lookupHash('national-id', '1000000008');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(ring({ k1: k2 }, 'k1').lookupHash('national-id', '1000000008')).toBe(hash);
    expect(keys.lookupHash('phone', '1000000008')).not.toBe(hash);
    // Without the NUL separator these two would hash the same input.
    expect(keys.lookupHash('a', 'bc')).not.toBe(keys.lookupHash('ab', 'c'));
    const otherLookupKey = new KeyRing({ keys: { k1 }, currentKeyId: 'k1', lookupKey: Buffer.alloc(32, 8) });
    expect(otherLookupKey.lookupHash('national-id', '1000000008')).not.toBe(hash);
    expect(() => keys.lookupHash('', 'x')).toThrow(TypeError);
  });
});

describe('KeyRing configuration', () => {
  it('parses a spec of id:base64 entries', () => {
    const a = KeyRing.generateKeyBase64();
    const b = KeyRing.generateKeyBase64();
    expect(Buffer.from(a, 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
    const keys = KeyRing.parse(` old:${a} , new_2:${b} `, 'new_2', KeyRing.generateKeyBase64());
    expect(keys.keyIds).toEqual(['old', 'new_2']);
    expect(keys.currentKeyId).toBe('new_2');
    const sameOld = KeyRing.parse(`old:${a}`, 'old', KeyRing.generateKeyBase64());
    expect(keys.decryptText(sameOld.encryptText('x'))).toBe('x');
  });

  it('explains what is wrong without printing key material', () => {
    const key = KeyRing.generateKeyBase64();
    const short = Buffer.alloc(31, 7).toString('base64');
    const lookup = KeyRing.generateKeyBase64();
    const cases: Array<[string, string, string, RegExp]> = [
      ['', 'k1', lookup, /empty/],
      [key, 'k1', lookup, /no ":"/],
      [`bad.id:${key}`, 'k1', lookup, /key ids must match/],
      [`k1:${key},k1:${key}`, 'k1', lookup, /appears twice/],
      [`k1:${short}`, 'k1', lookup, /"k1" must be 32 bytes, got 31/],
      [`k1:not*base64`, 'k1', lookup, /"k1" is not valid base64/],
      [`k1:${key}`, 'k2', lookup, /current key id "k2"/],
      [`k1:${key}`, 'k1', short, /lookup key must be at least 32 bytes/],
      [`k1:${key}`, 'k1', key, /lookup key must differ/],
      [`k1:${key}`, key, lookup, /current key id "<44 characters>"/],
    ];
    for (const [spec, current, lookupBase64, message] of cases) {
      const error = catchError(() => KeyRing.parse(spec, current, lookupBase64));
      expect(error).toBeInstanceOf(KeyConfigError);
      expect(error).toMatchObject({ code: 'KEY_CONFIG', name: 'KeyConfigError' });
      const text = (error as Error).message;
      expect(text).toMatch(message);
      expect(text).not.toContain(key);
      expect(text).not.toContain(short);
      expect(text).not.toContain(lookup);
    }
  });

  it('validates the constructor options too', () => {
    expect(() => new KeyRing({ keys: {}, currentKeyId: 'k1', lookupKey })).toThrow(KeyConfigError);
    expect(() => new KeyRing({ keys: { k1: Buffer.alloc(16) }, currentKeyId: 'k1', lookupKey })).toThrow(/32 bytes/);
    expect(() => new KeyRing({ keys: { ['x'.repeat(17)]: k1 }, currentKeyId: 'k1', lookupKey })).toThrow(KeyConfigError);
  });

  it('never shows key material when logged', () => {
    const keys = ring({ k1, k2 }, 'k2');
    const shown = `${inspect(keys)} ${JSON.stringify(keys)}`;
    expect(shown).toContain('k2');
    expect(shown).not.toContain(k1.toString('hex'));
    expect(shown).not.toContain(k1.toString('base64'));
    expect(shown).not.toMatch(/AQEBAQ|0101010101/);
  });
});
