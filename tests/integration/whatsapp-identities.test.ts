/**
 * One WhatsApp person, one conversation: the record of which id each of a person's ids maps to
 * (models/whatsapp-identities.ts) and the resolver above it (bots/whatsapp/identities.ts), on the
 * real MongoDB-compatible server, which has no transactions: two processes meeting a person at
 * the same moment must still agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatsAppIdentities } from '../../src/models/whatsapp-identities.js';
import { CanonicalIds, type LidAndPhone } from '../../src/bots/whatsapp/identities.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { freshDatabase } from '../helpers/db.js';

const keys = new KeyRing({ keys: { k1: Buffer.alloc(32, 3) }, currentKeyId: 'k1', lookupKey: Buffer.alloc(32, 4) });
const NUMBER = '966566666666@c.us';
const LID = '507090101234567@lid';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let store: WhatsAppIdentities;

beforeAll(async () => {
  db = await freshDatabase();
  store = new WhatsAppIdentities(db.connection, keys);
  await store.init();
});
afterAll(async () => db.drop());

/** A process's resolver: WhatsApp knows NUMBER and LID as one person. */
function resolver(lookups: string[] = [], withData: string[] = []): CanonicalIds {
  return new CanonicalIds({
    store,
    pairOf: async (id): Promise<LidAndPhone> => {
      lookups.push(id);
      return id === NUMBER || id === LID ? { lid: LID, pn: NUMBER } : id.endsWith('@lid') ? { lid: id } : { pn: id };
    },
    hasData: async (id) => withData.includes(id),
    chatKeyOf: (id) => `key:${keys.lookupHash('chat', id)}`,
  });
}

describe('one WhatsApp person, one canonical id', () => {
  it('gives the number for either id, once asked of WhatsApp; two processes at once agree; nothing in clear', async () => {
    const lookups: string[] = [];
    const [a, b] = [resolver(lookups), resolver(lookups)];
    const answers = await Promise.all([a.canonical(LID), b.canonical(NUMBER), a.canonical(NUMBER), b.canonical(LID)]);
    expect(new Set(answers)).toEqual(new Set([NUMBER]));
    // A third process reads the record; WhatsApp is not asked again.
    const before = lookups.length;
    expect(await resolver(lookups).canonical(LID)).toBe(NUMBER);
    expect(lookups).toHaveLength(before);
    const stored = JSON.stringify(await db.connection.db!.collection('whatsapp_identities').find().toArray());
    expect(stored).not.toContain('966566666666');
    expect(stored).not.toContain('507090101234567');
  });

  it('first writer wins: a claim with another canonical id returns the one recorded', async () => {
    const id = '966577777777@c.us';
    const claims = await Promise.all([store.claim(id, id, 'k-a'), store.claim(id, '608000201234567@lid', 'k-b')]);
    expect(claims[0]).toBe(claims[1]);
    expect((await store.known([id])).get(id)).toBe(claims[0]);
  });

  it('keeps the id a conversation is already stored under, and erasure forgets every id of the person', async () => {
    const number = '966588888888@c.us';
    const lid = '709000301234567@lid';
    const canonical = await new CanonicalIds({
      store,
      pairOf: async () => ({ lid, pn: number }),
      hasData: async (id) => id === lid,
      chatKeyOf: (id) => `chat-of-${id.length}`,
    }).canonical(number);
    expect(canonical).toBe(lid);
    expect(await store.eraseChat(`chat-of-${lid.length}`)).toBe(2);
    expect(await store.known([number, lid])).toEqual(new Map());
  });
});
