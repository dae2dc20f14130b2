/**
 * What goes over the IPC channel between a fault-suite service process (library.ts, its
 * whatsapp-web.js `Client` replaced) and the test process (whatsapp-network.ts, where the phone,
 * WhatsApp's servers and each client's page live, as fake-whatsapp.ts models them).
 */
import type { WhatsAppMedia, WhatsAppMessage } from '../../../../src/bots/whatsapp/whatsapp-client.js';
import type { RawMessageData } from '../../../helpers/fake-whatsapp.js';

/** A message as it crosses the wire: the page's raw model (the Message is rebuilt from it by the Message#_patch rules) and the edit's key. */
export interface WireMessage {
  data: RawMessageData;
  body: string;
  latestEditMsgKey?: unknown;
}

/** A chat as `getChats` / `getChatById` describe it; its messages are fetched by a call of their own. */
export interface WireChat {
  id: string;
  isGroup: boolean;
  timestamp?: number;
  unreadCount?: number;
}

/** Service → test: a call on client `client`'s page. */
export interface WireCall {
  kind: 'call';
  id: number;
  client: number;
  method: string;
  args: unknown[];
}

/** Test → service: a call's outcome (an error keeps the name and message Puppeteer gives it). */
export type WireResult = { kind: 'result'; id: number; value: unknown } | { kind: 'error'; id: number; name: string; message: string };

/** Test → service: something happened on client `client`'s page or browser. */
export interface WireEvent {
  kind: 'event';
  client: number;
  event: string;
  args: unknown[];
}

export function toWire(message: WhatsAppMessage): WireMessage {
  const data = (message as { _data?: RawMessageData })._data;
  if (data === undefined) throw new Error('a fake message carries its raw model');
  return { data, body: message.body, ...(message.latestEditMsgKey === undefined ? {} : { latestEditMsgKey: message.latestEditMsgKey }) };
}

/** The media a message's download returns, for the wire (plain data). */
export type WireMedia = WhatsAppMedia | undefined;
