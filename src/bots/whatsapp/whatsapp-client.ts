/**
 * The part of whatsapp-web.js's `Client` the WhatsApp adapter uses, and nothing more, so that
 * tests drive a fake of the same surface (`tests/helpers/fake-whatsapp.ts`) instead of a browser.
 * The compile-time check at the end keeps this honest: if a whatsapp-web.js upgrade changes a
 * method or a field the adapter relies on, `tsc` fails here.
 */
import type { Client } from 'whatsapp-web.js';

/** A file attached to a message, as `Message.downloadMedia()` returns it (`MessageMedia`). */
export interface WhatsAppMedia {
  mimetype: string;
  /** The file's bytes, base64-encoded. */
  data: string;
  filename?: string | null;
  /** Bytes, when WhatsApp said; absent or null otherwise. */
  filesize?: number | null;
}

/** The message's id: `_serialized` is `${fromMe}_${remote}_${id}` and unique for the account. */
export interface WhatsAppMessageId {
  _serialized: string;
  fromMe: boolean;
  /** The chat: `…@c.us` / `…@lid` (private), `…@g.us` (group), `status@broadcast`, `…@broadcast`, `…@newsletter`. */
  remote: string;
  id?: string;
}

/**
 * The fields of whatsapp-web.js's `Message` the adapter reads. Field names and meanings are
 * those of `structures/Message.js` (1.34): `body` is the caption when `hasMedia`, `timestamp` is
 * in seconds, `from` is the chat for others' messages, `author` the sender in a group.
 */
export interface WhatsAppMessage {
  id: WhatsAppMessageId;
  from: string;
  to: string;
  author?: string;
  body: string;
  /** One of whatsapp-web.js's `MessageTypes` ('chat', 'image', 'document', 'ptt', …). */
  type: string;
  /** Unix time, seconds. */
  timestamp: number;
  hasMedia: boolean;
  fromMe: boolean;
  isStatus: boolean;
  broadcast: boolean;
  /**
   * Set only on a message its sender edited (Message.js line 291, from the page's model): a body
   * that changed without it (a message decrypted late) was not edited.
   */
  latestEditMsgKey?: unknown;
  /**
   * The raw model the page handed over (not in the library's typings, present at runtime):
   * `mimetype`, `filename` and `size` of a media message, `caption`.
   */
  _data?: { mimetype?: string; filename?: string; size?: number; caption?: string; [key: string]: unknown };
  downloadMedia(): Promise<WhatsAppMedia | undefined>;
}

/** A chat as `getChatById` / `getChats` return it (`PrivateChat`, `GroupChat`, `Channel`). */
export interface WhatsAppChat {
  id: { _serialized: string };
  isGroup: boolean;
  /** Unix time of the last activity, seconds. */
  timestamp?: number;
  unreadCount?: number;
  /** The chat's last `limit` messages, oldest first. */
  fetchMessages(options: { limit?: number }): Promise<WhatsAppMessage[]>;
}

/** The events the adapter listens to, with their arguments. */
export interface WhatsAppClientEvents {
  /** A QR code to scan (the string to encode). */
  qr: [qr: string];
  ready: [];
  /** A new incoming message (never the account's own; not replayed after a restart). */
  message: [message: WhatsAppMessage];
  /** A message edited after it was sent (whatsapp-web.js passes the new and the previous body). */
  message_edit: [message: WhatsAppMessage, newBody: string, prevBody: string];
  /** `reason` is a `WAState` or 'LOGOUT'. */
  disconnected: [reason: string];
  /** A `WAState`: 'CONNECTED', 'OPENING', 'PAIRING', 'TIMEOUT', 'CONFLICT', 'UNPAIRED', … */
  change_state: [state: string];
  auth_failure: [message: string];
  /** The session was accepted; `ready` should follow (it is known to hang). */
  authenticated: [];
  /** Chromium or its page is gone: emitted by `SupervisedClient` (create-client.ts), not by the library. */
  browser_gone: [reason: string];
  /** A step the library ran in the background failed: emitted by `SupervisedClient`, not by the library. */
  client_fault: [step: string, error: unknown];
}
export type WhatsAppEventName = keyof WhatsAppClientEvents;

/** The narrow client. */
export interface WhatsAppClient {
  on<E extends WhatsAppEventName>(event: E, listener: (...args: WhatsAppClientEvents[E]) => void): unknown;
  off<E extends WhatsAppEventName>(event: E, listener: (...args: WhatsAppClientEvents[E]) => void): unknown;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  /** A `WAState`, or null when the page cannot tell (not injected yet). */
  getState(): Promise<string | null>;
  /**
   * Resolves to the sent message, or to `undefined` when the page could not resolve the chat
   * (nothing was sent; `Client.js` `sendMessage`, `if (!chat) return null`). Always called with
   * `sendSeen: false`: the library's default marks the chat read inside the same page call, so a
   * failure of that step failed a send that had gone out.
   */
  sendMessage(chatId: string, content: string, options: { sendSeen: false }): Promise<unknown>;
  /** Marks the chat read on the association's phone (`Client.js` `sendSeen`). */
  sendSeen(chatId: string): Promise<boolean>;
  /** Undefined at runtime when the chat is unknown (the typings say otherwise). */
  getChatById(chatId: string): Promise<WhatsAppChat | undefined>;
  getChats(): Promise<WhatsAppChat[]>;
  /**
   * Each id's pair: the person's linked id and number (`Client.js` `getContactLidAndPhone`, through
   * `Utils.js` `enforceLidAndPnRetrieval`); a field is undefined when WhatsApp does not know it.
   */
  getContactLidAndPhone(userIds: string[]): Promise<{ lid?: string | undefined; pn?: string | undefined }[]>;
  /** Null at runtime when the message is not in the page's store. */
  getMessageById?(messageId: string): Promise<WhatsAppMessage | null | undefined>;
}

/** Fails to compile when the real `Client` stops satisfying the narrow interface. */
export const _realClientSatisfiesWhatsAppClient = (client: Client): WhatsAppClient => client;
