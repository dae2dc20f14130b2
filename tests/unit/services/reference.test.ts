import { describe, expect, it } from 'vitest';
import { isReference, newReference, normalizeReference, ReferencePrefixError, referenceFromSeed } from '../../../src/core/reference.js';

const fixed =
  (...bytes: number[]) =>
  (size: number): Buffer =>
    Buffer.from(bytes.slice(0, size));

describe('newReference', () => {
  it('encodes 40 random bits as 8 Crockford base32 characters in two groups', () => {
    expect(newReference('SR', fixed(0, 0, 0, 0, 0))).toBe('SR-0000-0000');
    expect(newReference('SR', fixed(0xff, 0xff, 0xff, 0xff, 0xff))).toBe('SR-ZZZZ-ZZZZ');
    // 0x0842108421 is 00001 repeated eight times.
    expect(newReference('SR', fixed(0x08, 0x42, 0x10, 0x84, 0x21))).toBe('SR-1111-1111');
    // Values 17 to 22, 26 and 27 straddle the skipped I, L, O and U.
    expect(newReference('CP', fixed(0x8c, 0xa7, 0x4a, 0xdb, 0x5b))).toBe('CP-HJKM-NPTV');
  });

  it('uses crypto randomness by default and never the confusable letters', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i += 1) {
      const reference = newReference('SR');
      expect(reference).toMatch(/^SR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
      expect(isReference(reference)).toBe(true);
      seen.add(reference);
    }
    expect(seen.size).toBe(2000);
  });

  it('refuses a bad prefix or a short random source', () => {
    for (const prefix of ['', 'sr', 'S1', 'TOOLONG', 'س']) {
      expect(() => newReference(prefix)).toThrow(ReferencePrefixError);
    }
    expect(() => newReference('SR', () => Buffer.alloc(4))).toThrow(RangeError);
  });
});

describe('referenceFromSeed', () => {
  it('gives the same reference for the same seed, and different ones otherwise', () => {
    const seed = Buffer.from('0b6f1c1e-5a4e-4f0e-9a52-3c7d2e1f9a10');
    const reference = referenceFromSeed('SR', seed);
    expect(isReference(reference, 'SR')).toBe(true);
    expect(referenceFromSeed('SR', Buffer.from(seed))).toBe(reference);
    expect(referenceFromSeed('SR', Buffer.from('another seed'))).not.toBe(reference);
    expect(referenceFromSeed('SG', seed).slice(3)).not.toBe(reference.slice(3));
  });

  it('is pinned, so stored references keep matching after a refactor', () => {
    // Cross-checked by hand: base32 of the first 40 bits of sha256("reference\0SR\0seed-1").
    expect(referenceFromSeed('SR', Buffer.from('seed-1'))).toBe('SR-QHXW-71VJ');
  });
});

describe('isReference', () => {
  it('accepts only the canonical form', () => {
    expect(isReference('SR-7KQ4-M9XD')).toBe(true);
    expect(isReference('SR-7KQ4-M9XD', 'SR')).toBe(true);
    expect(isReference('SR-7KQ4-M9XD', 'CP')).toBe(false);
    for (const s of ['sr-7kq4-m9xd', 'SR7KQ4M9XD', 'SR-7KQ4-M9X', 'SR-7KQ4-M9XU', 'SR-OKQ4-M9XD', ' SR-7KQ4-M9XD']) {
      expect(isReference(s)).toBe(false);
    }
  });
});

describe('normalizeReference', () => {
  it('restores the canonical form from what people type', () => {
    const cases: Array<[string, string]> = [
      ['SR-7KQ4-M9XD', 'SR-7KQ4-M9XD'],
      ['sr-7kq4-m9xd', 'SR-7KQ4-M9XD'],
      ['sr7kq4m9xd', 'SR-7KQ4-M9XD'],
      ['SR 7KQ4M9XD', 'SR-7KQ4-M9XD'],
      ['SR7KQ4-M9XD', 'SR-7KQ4-M9XD'],
      [' SR 7KQ4 M9XD ', 'SR-7KQ4-M9XD'],
      ['SR–7KQ4—M9XD', 'SR-7KQ4-M9XD'],
      ['SR-٧KQ٤-M٩XD', 'SR-7KQ4-M9XD'],
      ['SR-۷KQ۴-M۹XD', 'SR-7KQ4-M9XD'],
      ['SR-OIL0-oil0', 'SR-0110-0110'],
      // O in the prefix is a letter, not a zero.
      ['co-1234-5678', 'CO-1234-5678'],
    ];
    for (const [typed, canonical] of cases) {
      expect(normalizeReference(typed)).toBe(canonical);
      expect(isReference(canonical)).toBe(true);
    }
  });

  it('returns null for what cannot be a reference', () => {
    for (const s of ['', '7KQ4-M9XD', 'SR-7KQ4-M9X', 'SR-7KQ-4M9XD', 'SR-7KQ4-M9XU', '12-7KQ4-M9XD', 'SR-7KQ4-M9X!', 'S-R-7KQ4-M9XD', 'مرحبا']) {
      expect(normalizeReference(s)).toBeNull();
    }
  });

  it('checks the prefix when one is expected', () => {
    expect(normalizeReference('sr-7kq4-m9xd', 'SR')).toBe('SR-7KQ4-M9XD');
    expect(normalizeReference('cp-7kq4-m9xd', 'SR')).toBeNull();
    // Without separators a missing character would shift the prefix; the expected prefix catches it.
    expect(normalizeReference('SR7KQ4M9X', 'SR')).toBeNull();
  });
});
