import { Schema, type Connection, type Model } from 'mongoose';
import type { Collection } from 'mongodb';
import type { KeyRing } from '../privacy/key-ring.js';
import { newSession, SessionSchema, type Session } from '../engine/session.js';
import type { OutboundMessage } from '../core/channel.js';
import { isDuplicateKey } from './mongo-errors.js';

/** How many handled message marks a conversation remembers, for recognising redeliveries. */
const HANDLED_MEMORY = 200;

/** One message waiting in a conversation's outbox, in order. */
export interface OutboxItem {
  seq: number;
  message: OutboundMessage;
  /** The message as stored (encrypted), kept so a later step need not encrypt it again. */
  sealed: string;
}

/** A chat's address and unsent replies: what the sender reads. */
export interface ChatOutbox {
  chatKey: string;
  channel: string;
  /** The platform chat id, for sending. */
  address: string;
  outbox: OutboxItem[];
  outboxSeq: number;
  sentSeq: number;
}

/** A conversation as the services see it, decrypted. */
export interface Conversation extends ChatOutbox {
  version: number;
  session: Session;
  handled: string[];
  /** Side effects of the last step still to carry out (files to delete, audit entries); JSON, see the processor. */
  effects: unknown[];
  /** True when the stored session could not be read and a fresh one stands in for it. */
  recovered: boolean;
}

interface ConversationDoc {
  _id: string;
  channel: string;
  address: string;
  version: number;
  session: string;
  lang: string;
  handled: string[];
  outbox: { seq: number; body: string }[];
  outboxSeq: number;
  sentSeq: number;
  /** True while the outbox has messages not yet sent; indexed for the sweeper. */
  outboxPending: boolean;
  /** Encrypted JSON list of side effects written with the step, cleared once carried out. */
  effects?: string;
  /** True while a kept draft exists; with `activeAt`, lets the sweeper expire idle drafts. */
  draftOpen: boolean;
  optionalOff?: boolean;
  activeAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

const conversationSchema = new Schema<ConversationDoc>(
  {
    _id: String,
    channel: String,
    address: String,
    version: Number,
    session: String,
    lang: String,
    handled: [String],
    outbox: [{ _id: false, seq: Number, body: String }],
    outboxSeq: Number,
    sentSeq: Number,
    outboxPending: Boolean,
    effects: String,
    draftOpen: Boolean,
    optionalOff: Boolean,
    activeAt: Date,
    createdAt: Date,
    updatedAt: Date,
  },
  { versionKey: false, collection: 'conversations' },
);
conversationSchema.index({ outboxPending: 1, updatedAt: 1 });
conversationSchema.index({ draftOpen: 1, activeAt: 1 });

/** The fields the sender reads (a projection). */
const OUTBOX_FIELDS = { _id: 1, channel: 1, address: 1, outbox: 1, outboxSeq: 1, sentSeq: 1 } as const;

/** What one handled inbound message changes in its conversation, written as one document update. */
export interface StepCommit {
  chatKey: string;
  channel: string;
  address: string;
  /** The version read; the write lands only if nobody wrote since (0: the conversation is new). */
  expectedVersion: number;
  session: Session;
  /** The mark of the inbound message handled, so a redelivery is recognised. */
  handledMark: string;
  replies: OutboundMessage[];
  /** Side effects to carry out after the write; kept in it so a crash between the two loses none. */
  effects: unknown[];
  draftOpen: boolean;
  now: Date;
}

/**
 * The conversations: the engine's session, the marks of handled messages and the
 * outbox of replies, all in one document so that a step, its "handled" mark and its
 * replies land in one atomic write. Session, address and replies are encrypted.
 */
export class ConversationRepository {
  private readonly model: Model<ConversationDoc>;
  private readonly collection: Collection<ConversationDoc>;

  constructor(
    connection: Connection,
    private readonly keys: KeyRing,
  ) {
    this.model = connection.models.Conversation ?? connection.model<ConversationDoc>('Conversation', conversationSchema);
    this.collection = this.model.collection as unknown as Collection<ConversationDoc>;
  }

  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  /**
   * The conversation, decrypted, or null for a chat that never wrote. The hot paths (this, the
   * step's write, the sent mark) go to the driver's collection: the documents are plain strings,
   * numbers and dates, so mongoose's query building and casting (of every outbox item, on every
   * write) bought nothing and cost the worker CPU on each message.
   */
  async load(chatKey: string): Promise<Conversation | null> {
    const doc = await this.collection.findOne({ _id: chatKey });
    if (!doc) return null;
    // A session that no longer reads (a bug, a removed schema field) must not block the chat for good.
    const session = SessionSchema.safeParse(this.keys.decryptJson(doc.session));
    return {
      ...this.outboxOf(doc),
      version: doc.version,
      session: session.success ? session.data : newSession(),
      recovered: !session.success,
      effects: doc.effects ? this.keys.decryptJson<unknown[]>(doc.effects) : [],
      handled: doc.handled ?? [],
    };
  }

  /**
   * What the sender needs: where the chat is and its unsent replies, decrypted. The session,
   * the largest field, is neither fetched nor decrypted.
   */
  async loadOutbox(chatKey: string): Promise<ChatOutbox | null> {
    const doc = await this.collection.findOne({ _id: chatKey }, { projection: OUTBOX_FIELDS });
    return doc ? this.outboxOf(doc) : null;
  }

  private outboxOf(doc: Pick<ConversationDoc, keyof typeof OUTBOX_FIELDS>): ChatOutbox {
    return {
      chatKey: doc._id,
      channel: doc.channel,
      address: this.keys.decryptText(doc.address),
      outbox: (doc.outbox ?? [])
        .filter((o) => o.seq > doc.sentSeq)
        .map((o) => ({ seq: o.seq, message: this.keys.decryptJson<OutboundMessage>(o.body), sealed: o.body })),
      outboxSeq: doc.outboxSeq,
      sentSeq: doc.sentSeq,
    };
  }

  /**
   * Writes a step: the new session, the handled mark and the replies appended to the
   * outbox. Returns false when another writer got there first (the caller reloads and
   * sees whether its message was handled meanwhile).
   */
  async commit(commit: StepCommit, current: Conversation | null): Promise<boolean> {
    const firstSeq = (current?.outboxSeq ?? 0) + 1;
    const newItems = commit.replies.map((message, i) => ({ seq: firstSeq + i, body: this.keys.encryptJson(message) }));
    const outboxSeq = firstSeq - 1 + newItems.length;
    // Keep only what is still unsent; items a sender marked meanwhile are skipped by seq anyway.
    const kept = (current?.outbox ?? []).map((o) => ({ seq: o.seq, body: o.sealed }));
    const fields = {
      channel: commit.channel,
      session: this.keys.encryptJson(commit.session),
      lang: commit.session.lang,
      outbox: [...kept, ...newItems],
      outboxSeq,
      outboxPending: outboxSeq > (current?.sentSeq ?? 0),
      effects: commit.effects.length > 0 ? this.keys.encryptJson(commit.effects) : '',
      draftOpen: commit.draftOpen,
      // In clear (the session is sealed) so the sweeper can respect it before queueing an optional message.
      optionalOff: commit.session.optOut === true,
      activeAt: commit.now,
      updatedAt: commit.now,
      handled: [...(current?.handled ?? []), commit.handledMark].slice(-HANDLED_MEMORY),
    };
    if (!current) {
      try {
        await this.collection.insertOne({
          _id: commit.chatKey,
          ...fields,
          address: this.keys.encryptText(commit.address),
          version: 1,
          sentSeq: 0,
          createdAt: commit.now,
        });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    }
    const result = await this.collection.updateOne(
      { _id: commit.chatKey, version: commit.expectedVersion },
      { $set: { ...fields, version: commit.expectedVersion + 1 } },
    );
    return result.modifiedCount === 1;
  }

  /** Clears the side effects once carried out (under the chat's lock). */
  async clearEffects(chatKey: string): Promise<void> {
    await this.model.updateOne({ _id: chatKey }, { $set: { effects: '' } });
  }

  /**
   * Records that every outbox message up to `seq` was sent; clears the pending flag when nothing
   * is left. The caller holds the chat's lock, so what is read here stays true until the write.
   * `outboxSeqSeen`, the outbox's last seq when the sender loaded the conversation, saves the
   * read in the common case: one write, conditional on no reply having been written since (else
   * it matches nothing and the read and write follow).
   */
  async markSent(chatKey: string, seq: number, outboxSeqSeen?: number): Promise<void> {
    if (outboxSeqSeen !== undefined) {
      const result = await this.collection.updateOne(
        { _id: chatKey, outboxSeq: outboxSeqSeen, sentSeq: { $lt: seq } },
        { $set: { sentSeq: seq, outboxPending: outboxSeqSeen > seq } },
      );
      if (result.matchedCount === 1) return;
    }
    const doc = await this.model.findById(chatKey, { sentSeq: 1, outboxSeq: 1 }).lean<{ sentSeq: number; outboxSeq: number }>();
    if (!doc || doc.sentSeq >= seq) return;
    await this.model.updateOne({ _id: chatKey }, { $set: { sentSeq: seq, outboxPending: doc.outboxSeq > seq } });
  }

  /** Whether this chat has a conversation (it wrote to the association at least once). */
  async exists(chatKey: string): Promise<boolean> {
    return (await this.model.countDocuments({ _id: chatKey }, { limit: 1 })) > 0;
  }

  /** Whether the person accepts optional messages (surveys, reminders): true unless they stopped them. */
  async acceptsOptional(chatKey: string): Promise<boolean> {
    const doc = await this.model.findById(chatKey, { optionalOff: 1 }).lean<{ optionalOff?: boolean }>();
    return doc?.optionalOff !== true;
  }

  /** Conversations with unsent replies, oldest first: what the sweeper re-queues after Redis lost its jobs. */
  async withPendingOutbox(limit = 500): Promise<string[]> {
    const docs = await this.model.find({ outboxPending: true }, { _id: 1 }).sort({ updatedAt: 1 }).limit(limit).lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  /** Conversations holding a draft untouched since `before`. */
  async withIdleDraft(before: Date, limit = 500): Promise<string[]> {
    const docs = await this.model
      .find({ draftOpen: true, activeAt: { $lt: before } }, { _id: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>();
    return docs.map((d) => d._id);
  }

  /**
   * Erases a conversation's content: a fresh session in the person's language, and unsent
   * replies dropped (they may quote answers). The address stays, so the association can
   * still answer the chat, and so do the marks of handled messages (hashes), so a
   * redelivery is not taken for new. The caller holds the chat's lock.
   */
  async erase(chatKey: string, now: Date): Promise<boolean> {
    const doc = await this.model.findById(chatKey, { version: 1, lang: 1, outboxSeq: 1 }).lean<Pick<ConversationDoc, 'version' | 'lang' | 'outboxSeq'>>();
    if (!doc) return false;
    const session: Session = { ...newSession(), lang: doc.lang === 'en' ? 'en' : 'ar' };
    const result = await this.model.updateOne(
      { _id: chatKey, version: doc.version },
      {
        $set: {
          session: this.keys.encryptJson(session),
          outbox: [],
          sentSeq: doc.outboxSeq,
          outboxPending: false,
          effects: '',
          draftOpen: false,
          version: doc.version + 1,
          updatedAt: now,
        },
      },
    );
    return result.modifiedCount === 1;
  }

  /** The raw stored document, for tests that prove what is on disk. */
  async raw(chatKey: string): Promise<Record<string, unknown> | null> {
    return this.model.collection.findOne({ _id: chatKey as never });
  }
}
