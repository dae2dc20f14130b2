import { KeyRing } from '../../src/privacy/key-ring.js';

/** A key ring of one fresh data key and a fresh lookup key, for a test's repositories. */
export function freshKeys(): KeyRing {
  return KeyRing.parse(`k1:${KeyRing.generateKeyBase64()}`, 'k1', KeyRing.generateKeyBase64());
}
