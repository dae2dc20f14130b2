import type { FlowCatalog, Translate } from '../engine/contract.js';
import type { Logger } from 'pino';
import { step, expectsDocument, type StepResult } from '../engine/step.js';
import { newSession, type Session } from '../engine/session.js';
import type { EngineEnv, EngineInput, InputMeta } from '../engine/input.js';
import type { EngineEvent } from '../engine/events.js';
import type { OutboundMessage } from '../core/channel.js';
import type { ConversationRepository, Conversation } from '../models/conversation-repository.js';
import type { InboxRepository, InboxEntry } from '../models/inbox-repository.js';
import type { DocumentStore } from '../models/document-store.js';
import type { AuditLog } from '../models/audit-log.js';
import { ChannelSendError, FileTooLargeError, type ChannelAdapter, type InboundMessage } from '../core/channel.js';
import { inspectDocument } from './documents/inspect-document.js';
import { resolveRequest, type RequestDeps } from './conversation-requests.js';
import { documentIdOf, seededIds } from './identifiers.js';
import type { FaultInjector } from './submission.js';
import { errorFields } from '../logger.js';
import type { LockLease } from './chat-lock.js';
import { downloadMayPass, failureKind } from './retry-policy.js';

/** Settings of the processor, from the configuration. */
export interface ProcessorSettings {
  draftIdleMs: number;
  privacyNoticeVersion: string;
  helpAfterInvalid: number;
  maxAttempts: number;
  maxDocumentBytes: number;
  maxImagePixels: number;
}

/** Everything the processor works with. */
export interface ProcessorDeps extends RequestDeps {
  catalog: FlowCatalog;
  translate: Translate;
  conversations: ConversationRepository;
  inbox: InboxRepository;
  documents: DocumentStore;
  audit: AuditLog;
  channels: ReadonlyMap<string, Pick<ChannelAdapter, 'download'>>;
  /** Asks for the chat's outbox to be sent (a job); called after every commit that added replies. */
  requestSend: (chatKey: string, outboxSeq: number) => Promise<void>;
  /** Asks for the chat's inbox to be handled again (what one hold of the lock left). */
  requestInbound: (chatKey: string, reason: string) => Promise<void>;
  settings: ProcessorSettings;
  logger: Logger;
  clock?: () => Date;
  faults?: FaultInjector;
  onHandled?: (outcome: 'handled' | 'duplicate' | 'set_aside', channel: string) => void;
}

/** Messages handled per hold of the chat's lock; the rest are queued again. */
const DRAIN_BATCH = 10;

/** Work a step leaves to do after its write; each is safe to repeat. */
type ConversationEffect =
  | { type: 'delete_documents'; documentIds: string[] }
  | {
      type: 'audit';
      /** Makes the entry once-only. */
      key: string;
      entry: { at: string; actor: { kind: 'beneficiary'; id: string }; action: string; target: { kind: string; id: string }; details: Record<string, string> };
    };

/** The side effects of a step's events: files to delete, consent to audit. */
function effectsOf(events: EngineEvent[], chatKey: string, mark: string, now: Date): ConversationEffect[] {
  const effects: ConversationEffect[] = [];
  for (const event of events) {
    if (event.type === 'flow_cancelled' || event.type === 'draft_expired' || event.type === 'documents_discarded') {
      const documentIds = event.documentIds.filter(Boolean);
      if (documentIds.length > 0) effects.push({ type: 'delete_documents', documentIds });
    }
    if (event.type === 'consent_given' || event.type === 'consent_refused') {
      effects.push({
        type: 'audit',
        key: `${chatKey}:${mark}:${event.type}`,
        entry: {
          at: now.toISOString(),
          actor: { kind: 'beneficiary', id: chatKey },
          action: event.type === 'consent_given' ? 'privacy.consent_given' : 'privacy.consent_refused',
          target: { kind: 'conversation', id: chatKey },
          details: { noticeVersion: event.version },
        },
      });
    }
  }
  return effects;
}

/** Which chat a conversation is and where its replies go. */
type ChatIdentity = Pick<Conversation, 'chatKey' | 'channel' | 'address'>;

function identityOf(chatKey: string, message: InboundMessage): ChatIdentity {
  return { chatKey, channel: message.channel, address: message.chatId };
}

/** Thrown when another writer changed the conversation between our read and our write. */
export class ConversationConflictError extends Error {
  readonly code = 'CONVERSATION_CONFLICT';
  constructor(chatKey: string) {
    super(`conversation ${chatKey} changed while a message was handled`);
    this.name = 'ConversationConflictError';
  }
}

/**
 * A download to try again. Its own error, so that a dropped connection to the platform counts
 * towards the message's attempts (a bare ECONNRESET would read as the database being away).
 */
class DownloadRetryError extends Error {
  readonly code = 'DOWNLOAD_RETRY';
  constructor(cause: unknown) {
    // The cause's name or code only: its message may carry the file's URL.
    const reason = cause instanceof Error ? String((cause as { code?: unknown }).code ?? cause.name) : 'unknown';
    super(`document download failed (${reason}); trying again`, { cause });
    this.name = 'DownloadRetryError';
  }
}

/**
 * Handles a chat's waiting messages one at a time, in order: each becomes one engine
 * step whose new session, "handled" mark and replies are written in one document
 * update. The caller holds the chat's lock.
 */
export class ConversationProcessor {
  constructor(private readonly deps: ProcessorDeps) {}

  /**
   * Handles the messages waiting for `chatKey`, a few at a time: the chat's lock is
   * not held for long, so the sender's marks are never kept waiting; what is left is
   * queued again. Throws (for a retry with backoff) when a message fails and may yet succeed.
   * `lease` is the caller's chat lock, confirmed before each message's write (none in tests).
   * A job whose message an earlier drain handled (a chat's messages go a batch at a time) finds
   * nothing waiting: one read. (A check of the job's own inbox entry first cost a read on every
   * other job, and FerretDB v1 reads an entry by id no faster than it finds the chat's.)
   */
  async drain(chatKey: string, lease?: LockLease): Promise<number> {
    const waiting = await this.deps.inbox.pending(chatKey, DRAIN_BATCH + 1);
    const batch = waiting.slice(0, DRAIN_BATCH);
    // One load serves the effects a crash left undone and the first message.
    let loaded: Conversation | null | undefined = await this.deps.conversations.load(chatKey);
    const leftOver = (loaded?.effects as ConversationEffect[] | undefined) ?? [];
    if (leftOver.length > 0) {
      await this.finishEffects(chatKey, leftOver);
      loaded = undefined;
    }
    for (const entry of batch) {
      await this.handleWithRetry(entry, lease, loaded);
      loaded = undefined;
    }
    if (waiting.length > batch.length) await this.deps.requestInbound(chatKey, `more-${chatKey}-${Date.now()}`);
    return batch.length;
  }

  /** Expires a chat's idle draft (from the sweeper); the person is told when they come back. */
  async expireDraft(chatKey: string): Promise<void> {
    const conversation = await this.deps.conversations.load(chatKey);
    const now = this.now();
    const lastActive = conversation?.session.lastActiveAt ? Date.parse(conversation.session.lastActiveAt) : null;
    // The person may have written since the sweeper picked this chat: only a draft still idle expires.
    if (!conversation || lastActive === null || now.getTime() - lastActive < this.deps.settings.draftIdleMs) return;
    const mark = `expire-${now.getTime()}`;
    const result = this.run(
      conversation.session,
      { kind: 'expire' },
      { channel: conversation.channel, messageId: mark, at: now.toISOString() },
      chatKey,
      mark,
      now,
    );
    await this.commit(conversation, conversation, result.session, mark, [], effectsOf(result.events, chatKey, mark, now), now);
  }

  private async handleWithRetry(entry: InboxEntry, lease: LockLease | undefined, loaded: Conversation | null | undefined): Promise<void> {
    try {
      await this.handle(entry, lease, loaded);
    } catch (error) {
      // A database out of reach, or a lock Redis lost, says nothing about this message: retried
      // with the job, never counted towards setting it aside (an outage must not cost people their messages).
      const kind = failureKind(error);
      if (kind === 'unavailable' || kind === 'step_aside') throw error;
      const attempts = await this.deps.inbox.recordFailure(entry.id, error instanceof Error ? error.name : 'Error');
      this.deps.logger.warn({ chatKey: entry.chatKey, inboxId: entry.id, attempts, ...errorFields(error) }, 'inbound message failed');
      if (attempts < this.deps.settings.maxAttempts) throw error;
      await this.setAside(entry);
    }
  }

  /** Handles one message; `loaded` is the conversation as the caller just read it under the lock, if it did. */
  private async handle(entry: InboxEntry, lease: LockLease | undefined, loaded: Conversation | null | undefined): Promise<void> {
    const { chatKey, message } = entry;
    const mark = entry.id.slice(chatKey.length + 1);
    for (let attempt = 0; attempt < 3; attempt++) {
      const conversation = attempt === 0 && loaded !== undefined ? loaded : await this.deps.conversations.load(chatKey);
      if (conversation?.handled.includes(mark)) {
        // Handled before a crash: its replies may not have been queued yet.
        if (conversation.outbox.length > 0) await this.deps.requestSend(chatKey, conversation.outboxSeq).catch(() => undefined);
        await this.deps.inbox.remove(entry.id);
        this.deps.onHandled?.('duplicate', message.channel);
        return;
      }
      if (conversation?.recovered) this.deps.logger.error({ chatKey }, 'stored session unreadable: the chat starts afresh');
      const now = this.now();
      const session = conversation?.session ?? newSession();
      const input = await this.toEngineInput(message, chatKey, mark, session, entry.attempts);
      const meta: InputMeta = { channel: message.channel, messageId: message.messageId, at: message.receivedAt };
      let result = this.run(session, input, meta, chatKey, mark, now);
      const events = [...result.events];
      for (let i = 0; result.request && i < 5; i++) {
        const outcome = await resolveRequest(this.deps, result.request, {
          chatKey,
          channel: message.channel,
          lang: result.session.lang,
          now,
          messageMark: mark,
        });
        result = this.run(result.session, { kind: 'result', result: outcome }, meta, chatKey, mark, now);
        events.push(...result.events);
      }
      this.deps.faults?.at('before-commit');
      // FerretDB lets two writers both pass the version check: only the lock's holder may write.
      await lease?.confirm();
      const replies = events.flatMap((e) => (e.type === 'message_created' ? [e.message] : []));
      if (
        await this.commit(conversation, conversation ?? identityOf(chatKey, message), result.session, mark, replies, effectsOf(events, chatKey, mark, now), now)
      ) {
        await this.deps.inbox.remove(entry.id);
        this.deps.onHandled?.('handled', message.channel);
        return;
      }
    }
    throw new ConversationConflictError(chatKey);
  }

  /** Steps the engine; a fresh id source per call, seeded by the message, so a retry makes the same ids. */
  private run(session: Session, input: EngineInput, meta: InputMeta, chatKey: string, mark: string, now: Date): StepResult {
    const { settings } = this.deps;
    const env: EngineEnv = {
      now,
      newId: seededIds(chatKey, `${mark}:${input.kind}`),
      t: this.deps.translate,
      draftIdleMs: settings.draftIdleMs,
      privacyNoticeVersion: settings.privacyNoticeVersion,
      helpAfterInvalid: settings.helpAfterInvalid,
    };
    return step(this.deps.catalog, session, input, meta, env);
  }

  /**
   * Writes a step over `current` (null for a new conversation) with its replies and
   * side effects, carries the effects out, and asks for the replies to be sent. The
   * effects ride in the write, so a crash after it only postpones them.
   */
  private async commit(
    current: Conversation | null,
    target: ChatIdentity,
    session: Session,
    mark: string,
    replies: OutboundMessage[],
    effects: ConversationEffect[],
    now: Date,
  ): Promise<boolean> {
    const committed = await this.deps.conversations.commit(
      {
        chatKey: target.chatKey,
        channel: target.channel,
        address: target.address,
        expectedVersion: current?.version ?? 0,
        session,
        handledMark: mark,
        replies,
        effects,
        draftOpen: Object.keys(session.drafts).some((flow) => this.deps.catalog.get(flow)?.keepsDraft),
        now,
      },
      current,
    );
    if (!committed) return false;
    this.deps.faults?.at('after-commit');
    if (effects.length > 0) await this.finishEffects(target.chatKey, effects);
    if (replies.length > 0) {
      // The outbox is already safe in MongoDB; if Redis cannot take the job now, the sweeper queues it.
      await this.deps.requestSend(target.chatKey, (current?.outboxSeq ?? 0) + replies.length).catch((error: unknown) => {
        this.deps.logger.warn({ chatKey: target.chatKey, ...errorFields(error) }, 'could not queue the send; the sweeper will');
      });
    }
    return true;
  }

  /** A message that failed too often: set aside, the person told, the chat goes on. */
  private async setAside(entry: InboxEntry): Promise<void> {
    await this.deps.inbox.setAside(entry.id);
    const mark = entry.id.slice(entry.chatKey.length + 1);
    const conversation = await this.deps.conversations.load(entry.chatKey);
    const now = this.now();
    let session = this.recover(conversation?.session ?? newSession());
    const replies: OutboundMessage[] = [{ text: this.deps.translate(session.lang, 'system.messageFailed') }];
    try {
      // Show the menu from the recovered session, so the person can go on at once (a kept draft resumes from it).
      const menu = this.run(
        session,
        { kind: 'text', text: '/menu' },
        { channel: entry.message.channel, messageId: mark, at: now.toISOString() },
        entry.chatKey,
        mark,
        now,
      );
      session = menu.session;
      replies.push(...menu.events.flatMap((e) => (e.type === 'message_created' ? [e.message] : [])));
    } catch (error) {
      this.deps.logger.error({ chatKey: entry.chatKey, ...errorFields(error) }, 'the menu failed too');
    }
    await this.commit(conversation, conversation ?? identityOf(entry.chatKey, entry.message), session, mark, replies, [], now);
    this.deps.onHandled?.('set_aside', entry.message.channel);
    this.deps.logger.error({ chatKey: entry.chatKey, inboxId: entry.id }, 'inbound message set aside after repeated failures');
  }

  /** Turns a channel message into the engine's input: files are fetched, inspected and stored first. */
  private async toEngineInput(message: InboundMessage, chatKey: string, mark: string, session: Session, attempts = 0): Promise<EngineInput> {
    if (message.notice) return { kind: 'notice', key: message.notice.key, params: message.notice.params };
    if (message.choice !== undefined) return { kind: 'choice', optionId: message.choice };
    if (message.unsupported) return { kind: 'unsupported', what: message.unsupported };
    if (!message.media) return { kind: 'text', text: message.text ?? '' };
    // A file where none is asked for is answered without downloading it.
    if (!expectsDocument(this.deps.catalog, session)) return { kind: 'document', documentId: '' };
    const { maxDocumentBytes, maxImagePixels } = this.deps.settings;
    const maxMb = Math.round(maxDocumentBytes / 1_000_000);
    if (message.media.size !== undefined && message.media.size > maxDocumentBytes)
      return { kind: 'document_rejected', error: 'document.tooLarge', params: { maxMb } };
    const channel = this.deps.channels.get(message.channel);
    let bytes: Buffer;
    try {
      if (!channel) throw new Error(`no channel ${message.channel}`);
      bytes = await channel.download(message.media.ref, maxDocumentBytes);
    } catch (error) {
      // A size the platform did not announce shows only at download: the person is told why, not "send it again".
      if (error instanceof FileTooLargeError) return { kind: 'document_rejected', error: 'document.tooLarge', params: { maxMb } };
      // A platform hiccup (a 5xx, a 429, a dropped connection) must not cost the person their file:
      // the message is tried again with the job's backoff, and only its last try asks them to resend.
      if (downloadMayPass(error) && attempts + 1 < this.deps.settings.maxAttempts)
        throw error instanceof ChannelSendError ? error : new DownloadRetryError(error);
      this.deps.logger.warn({ chatKey, ...errorFields(error) }, 'document download failed');
      return { kind: 'document_rejected', error: 'document.downloadFailed' };
    }
    const inspected = await inspectDocument(bytes, { maxBytes: maxDocumentBytes, maxPixels: maxImagePixels });
    if (!inspected.ok) return { kind: 'document_rejected', error: inspected.error, params: { maxMb } };
    const documentId = documentIdOf(chatKey, mark);
    await this.deps.documents.put(documentId, inspected.bytes, {
      chatKey,
      kind: inspected.kind,
      mime: inspected.mime,
      size: inspected.bytes.length,
      createdAt: this.now(),
    });
    return { kind: 'document', documentId };
  }

  /**
   * A session that let a message fail again and again: back to the menu (no position,
   * nothing awaited), keeping the language, the consent and the drafts of flows that
   * still exist, so whatever made every step fail is not met again.
   */
  private recover(session: Session): Session {
    const drafts = Object.fromEntries(Object.entries(session.drafts).filter(([flow]) => this.deps.catalog.get(flow)?.keepsDraft));
    return { ...session, position: null, waiting: null, invalidCount: 0, drafts };
  }

  /** Carries out a step's side effects (given, or left in the conversation by a crash) and clears them. */
  private async finishEffects(chatKey: string, effects: ConversationEffect[]): Promise<void> {
    if (effects.length === 0) return;
    for (const effect of effects) {
      if (effect.type === 'delete_documents') await this.deps.documents.delete(effect.documentIds);
      else await this.deps.audit.recordOnce(effect.key, { ...effect.entry, at: new Date(effect.entry.at) });
    }
    await this.deps.conversations.clearEffects(chatKey);
  }

  private now(): Date {
    return this.deps.clock?.() ?? new Date();
  }
}
