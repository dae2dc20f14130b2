import { createHash, randomBytes } from 'node:crypto';

/** Marks a staff member's admin token, so a leaked one is recognisable in a log or a secret scanner. */
const PREFIX = 'iat_';
const TOKEN_BYTES = 32;

/**
 * A fresh admin HTTP token and the hash to store: 32 random bytes, base64url, with a
 * prefix. Only the hash is kept; the token is shown once to the member it is for.
 */
export function newAdminToken(): { token: string; hash: string } {
  const token = `${PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
  return { token, hash: hashAdminToken(token) };
}

/**
 * The stored form of an admin token: SHA-256, hex. A plain hash is enough (no salt, no
 * slow hash): the token is 256 random bits, so the hash cannot be reversed by guessing,
 * and a fast hash lets every request be checked with one indexed look-up.
 */
export function hashAdminToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
