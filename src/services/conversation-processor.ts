import type { Logger } from 'pino';
import { step, expectsDocument, type FlowCatalog, type StepResult } from '../engine/step.js';
import { newSession, type Session } from '../engine/session.js';
import type { EngineEnv, EngineInput, InputMeta, Translate } from '../engine/input.js';
import type { EngineEvent, OutboundMessage } from '../engine/events.js';
import type { ConversationRepository, Conversation } from '../models/conversation-repository.js';
import type { InboxRepository, InboxEntry } from '../models/inbox-repository.js';
import type { DocumentStore } from '../models/document-store.js';
import type { AuditLog } from '../models/audit-log.js';
import type { ChannelAdapter, InboundMessage } from '../bots/inbound-message.js';
import { inspectDocument } from './documents/inspect-document.js';
import { resolveRequest, type RequestDeps } from './conversation-requests.js';
import { documentIdOf, seededIds } from './identifiers.js';
import type { FaultInjector } from './submission.js';
import { errorFields } from '../logger.js';

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
  settings: ProcessorSettings;
  logger: Logger;
  clock?: () => Date;
  faults?: FaultInjector;
  onHandled?: (outcome: 'handled' | 'duplicate' | 'set_aside', channel: string) => void;
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
 * Handles a chat's waiting messages one at a time, in order: each becomes one engine
 * step whose new session, "handled" mark and replies are written in one document
 * update. The caller holds the chat's lock.
 */
export class ConversationProcessor {
  constructor(private readonly deps: ProcessorDeps) {}

  /** Handles every message waiting for `chatKey`; throws (for a retry with backoff) when one fails and may yet succeed. */
  async drain(chatKey: string): Promise<number> {
    let handled = 0;
    for (let round = 0; round < 100; round++) {
      const waiting = await this.deps.inbox.pending(chatKey, 20);
      if (waiting.length === 0) break;
      for (const entry of waiting) {
        await this.handleWithRetry(entry);
        handled += 1;
      }
    }
    return handled;
  }

  /** Expires a chat's idle draft (from the sweeper); the person is told when they come back. */
  async expireDraft(chatKey: string): Promise<void> {
    const conversation = await this.deps.conversations.load(chatKey);
    const now = this.now();
    const lastActive = conversation?.session.lastActiveAt ? Date.parse(conversation.session.lastActiveAt) : null;
    // The person may have written since the sweeper picked this chat: only a draft still idle expires.
    if (!conversation || lastActive === null || now.getTime() - lastActive < this.deps.settings.draftIdleMs) return;
    const mark = `expire-${now.getTime()}`;
    const result = this.run(conversation.session, { kind: 'expire' }, { channel: conversation.channel, messageId: mark, at: now.toISOString() }, chatKey, mark, now);
    if (await this.commit(conversation, conversation, result.session, mark, [], now)) await this.afterStep(result.events, chatKey);
  }

  private async handleWithRetry(entry: InboxEntry): Promise<void> {
    try {
      await this.handle(entry);
    } catch (error) {
      const attempts = await this.deps.inbox.recordFailure(entry.id, error instanceof Error ? error.name : 'Error');
      this.deps.logger.warn({ chatKey: entry.chatKey, inboxId: entry.id, attempts, ...errorFields(error) }, 'inbound message failed');
      if (attempts < this.deps.settings.maxAttempts) throw error;
      await this.setAside(entry);
    }
  }

  private async handle(entry: InboxEntry): Promise<void> {
    const { chatKey, message } = entry;
    const mark = entry.id.slice(chatKey.length + 1);
    for (let attempt = 0; attempt < 3; attempt++) {
      const conversation = await this.deps.conversations.load(chatKey);
      if (conversation?.handled.includes(mark)) {
        await this.deps.inbox.remove(entry.id);
        this.deps.onHandled?.('duplicate', message.channel);
        return;
      }
      const now = this.now();
      const session = conversation?.session ?? newSession();
      const input = await this.toEngineInput(message, chatKey, mark, session);
      const meta: InputMeta = { channel: message.channel, messageId: message.messageId, at: message.receivedAt };
      let result = this.run(session, input, meta, chatKey, mark, now);
      const events = [...result.events];
      for (let i = 0; result.request && i < 5; i++) {
        const outcome = await resolveRequest(this.deps, result.request, { chatKey, channel: message.channel, lang: result.session.lang, now });
        result = this.run(result.session, { kind: 'result', result: outcome }, meta, chatKey, mark, now);
        events.push(...result.events);
      }
      this.deps.faults?.at('before-commit');
      const replies = events.flatMap((e) => (e.type === 'message_created' ? [e.message] : []));
      if (await this.commit(conversation, conversation ?? identityOf(chatKey, message), result.session, mark, replies, now)) {
        await this.deps.inbox.remove(entry.id);
        await this.afterStep(events, chatKey);
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

  /** Writes a step over `current` (null for a new conversation) and asks for its replies to be sent. */
  private async commit(current: Conversation | null, target: ChatIdentity, session: Session, mark: string, replies: OutboundMessage[], now: Date): Promise<boolean> {
    const committed = await this.deps.conversations.commit(
      {
        chatKey: target.chatKey,
        channel: target.channel,
        address: target.address,
        expectedVersion: current?.version ?? 0,
        session,
        handledMark: mark,
        replies,
        draftOpen: Object.keys(session.drafts).some((flow) => this.deps.catalog.get(flow)?.keepsDraft),
        now,
      },
      current,
    );
    if (committed && replies.length > 0) await this.deps.requestSend(target.chatKey, (current?.outboxSeq ?? 0) + replies.length);
    return committed;
  }

  /** A message that failed too often: set aside, the person told, the chat goes on. */
  private async setAside(entry: InboxEntry): Promise<void> {
    await this.deps.inbox.setAside(entry.id);
    const mark = entry.id.slice(entry.chatKey.length + 1);
    const conversation = await this.deps.conversations.load(entry.chatKey);
    const session = conversation?.session ?? newSession();
    const reply = { text: this.deps.translate(session.lang, 'system.messageFailed') };
    await this.commit(conversation, conversation ?? identityOf(entry.chatKey, entry.message), session, mark, [reply], this.now());
    this.deps.onHandled?.('set_aside', entry.message.channel);
    this.deps.logger.error({ chatKey: entry.chatKey, inboxId: entry.id }, 'inbound message set aside after repeated failures');
  }

  /** Turns a channel message into the engine's input: files are fetched, inspected and stored first. */
  private async toEngineInput(message: InboundMessage, chatKey: string, mark: string, session: Session): Promise<EngineInput> {
    if (message.notice) return { kind: 'notice', key: message.notice.key, params: message.notice.params };
    if (message.choice !== undefined) return { kind: 'choice', optionId: message.choice };
    if (message.unsupported) return { kind: 'unsupported', what: message.unsupported };
    if (!message.media) return { kind: 'text', text: message.text ?? '' };
    // A file where none is asked for is answered without downloading it.
    if (!expectsDocument(this.deps.catalog, session)) return { kind: 'document', documentId: '' };
    const { maxDocumentBytes, maxImagePixels } = this.deps.settings;
    const maxMb = Math.round(maxDocumentBytes / 1_000_000);
    if (message.media.size !== undefined && message.media.size > maxDocumentBytes) return { kind: 'document_rejected', error: 'document.tooLarge', params: { maxMb } };
    const channel = this.deps.channels.get(message.channel);
    let bytes: Buffer;
    try {
      if (!channel) throw new Error(`no channel ${message.channel}`);
      bytes = await channel.download(message.media.ref, maxDocumentBytes);
    } catch (error) {
      this.deps.logger.warn({ chatKey, ...errorFields(error) }, 'document download failed');
      return { kind: 'document_rejected', error: 'document.downloadFailed' };
    }
    const inspected = await inspectDocument(bytes, { maxBytes: maxDocumentBytes, maxPixels: maxImagePixels });
    if (!inspected.ok) return { kind: 'document_rejected', error: inspected.error, params: { maxMb } };
    const documentId = documentIdOf(chatKey, mark);
    await this.deps.documents.put(documentId, inspected.bytes, { chatKey, kind: inspected.kind, mime: inspected.mime, size: inspected.bytes.length, createdAt: this.now() });
    return { kind: 'document', documentId };
  }

  /** Side effects of a committed step: files of abandoned drafts deleted, consent audited. */
  private async afterStep(events: EngineEvent[], chatKey: string): Promise<void> {
    for (const event of events) {
      if (event.type === 'flow_cancelled' || event.type === 'draft_expired' || event.type === 'documents_discarded') {
        await this.deps.documents.delete(event.documentIds.filter(Boolean));
      }
      if (event.type === 'consent_given' || event.type === 'consent_refused') {
        await this.deps.audit.record({
          at: this.now(),
          actor: { kind: 'beneficiary', id: chatKey },
          action: event.type === 'consent_given' ? 'privacy.consent_given' : 'privacy.consent_refused',
          target: { kind: 'conversation', id: chatKey },
          details: { noticeVersion: event.version },
        });
      }
    }
  }

  private now(): Date {
    return this.deps.clock?.() ?? new Date();
  }
}
