import { isPrivateChatId } from './normalize-message.js';

/** The library's pair for one id (`Client.getContactLidAndPhone`); a field is absent when WhatsApp does not know it. */
export interface LidAndPhone {
  lid?: string | undefined;
  pn?: string | undefined;
}

/** What {@link CanonicalIds} works with. */
export interface CanonicalIdDeps {
  /** The recorded canonical ids (models/whatsapp-identities.ts). */
  store: {
    known(ids: readonly string[]): Promise<Map<string, string>>;
    claim(id: string, canonical: string, chatKey: string): Promise<string>;
  };
  /** Asks WhatsApp for the id's pair; throws when the page cannot answer (the message is read again by the next catch-up). */
  pairOf: (id: string) => Promise<LidAndPhone>;
  /** Whether the service holds a conversation or a cursor under this id already (kept under it before ids were made one). */
  hasData: (id: string) => Promise<boolean>;
  chatKeyOf: (id: string) => string;
  /** Ids kept in memory (default 10,000): a lookup per message only for people not seen lately. */
  cacheSize?: number;
}

/**
 * One person, one conversation: the id a WhatsApp person's conversation, inbox, cursor, flood
 * control and one-request rule are keyed on, whichever of their ids a message came through.
 *
 * The first time an id is seen, WhatsApp is asked for the person's pair (their number as
 * `…@c.us`, their linked id as `…@lid`). The canonical id is the one already recorded for either;
 * else the one the service already holds a conversation under (a person who wrote before this
 * rule, under whichever id, keeps their conversation and their cases: the migration is this
 * lookup, made once per person, beside the live service); else the number, else the linked id.
 * Every id of the pair is then recorded with it, first writer wins, so processes that meet the
 * person at the same moment agree.
 */
export class CanonicalIds {
  private readonly cache = new Map<string, string>();

  constructor(private readonly deps: CanonicalIdDeps) {}

  /** Fills the memory with what is recorded for these ids, in one query (a catch-up's chats). */
  async preload(ids: readonly string[]): Promise<void> {
    const missing = ids.filter((id) => !this.cache.has(id));
    if (missing.length === 0) return;
    for (const [id, canonical] of await this.deps.store.known(missing)) this.remember([id], canonical);
  }

  async canonical(id: string): Promise<string> {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    const recorded = (await this.deps.store.known([id])).get(id);
    if (recorded !== undefined) return this.remember([id], recorded);

    const pair = await this.deps.pairOf(id);
    const ids = [...new Set([pair.pn, pair.lid, id].filter((each): each is string => typeof each === 'string' && isPrivateChatId(each)))];
    const known = await this.deps.store.known(ids);
    let canonical = ids.map((each) => known.get(each)).find((each) => each !== undefined) ?? (await this.withData(ids)) ?? ids[0]!;
    // In a fixed order, taking what stands: two processes claiming at once end with the same answer.
    for (const each of [...ids].sort()) canonical = await this.deps.store.claim(each, canonical, this.deps.chatKeyOf(canonical));
    return this.remember(ids, canonical);
  }

  /** The first id (number first) under which the service already holds the person's conversation. */
  private async withData(ids: readonly string[]): Promise<string | undefined> {
    for (const each of ids) if (await this.deps.hasData(each)) return each;
    return undefined;
  }

  private remember(ids: readonly string[], canonical: string): string {
    const size = this.deps.cacheSize ?? 10_000;
    for (const each of ids) {
      if (this.cache.size >= size) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(each, canonical);
    }
    return canonical;
  }
}
