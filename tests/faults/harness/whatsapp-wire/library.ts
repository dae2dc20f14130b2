/**
 * whatsapp-web.js for a fault-suite service process (see register.mjs): the real package, its
 * `Client` replaced by {@link WireClient}, which keeps the library's lifecycle (the steps of
 * `Client.js` 1.34.7 that the auth strategy and `SupervisedClient` rely on, each cited) and sends
 * every call into "the page" to the test process over the IPC channel (whatsapp-network.ts).
 * The real `RemoteAuth` (under the service's `KeptRemoteAuth`) and everything else is untouched.
 */
import { EventEmitter } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import real from 'whatsapp-web.js';
import type { WhatsAppChat, WhatsAppMessage } from '../../../../src/bots/whatsapp/whatsapp-client.js';
import { messageFromData } from '../../../helpers/fake-whatsapp.js';
import type { WireCall, WireChat, WireEvent, WireMessage, WireResult } from './protocol.js';

/** The strategy's hooks the library calls (`BaseAuthStrategy.js`). */
interface Strategy {
  setup(client: unknown): void;
  beforeBrowserInitialized(): Promise<void>;
  afterBrowserInitialized(): Promise<void>;
  afterAuthReady(): Promise<void>;
  logout(): Promise<void>;
  destroy(): Promise<void>;
}

/** The IPC channel to the test process: calls out, their results and the pages' events in. */
class Wire {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly clients = new Map<number, WireClient>();

  constructor() {
    if (process.send === undefined) throw new Error('the wired whatsapp-web.js needs an IPC channel to the test process');
    process.on('message', (message: WireResult | WireEvent) => this.take(message));
    // The channel must not keep a stopping service alive.
    process.channel?.unref();
  }

  call(client: number, method: string, args: unknown[] = []): Promise<unknown> {
    const id = this.nextId++;
    const call: WireCall = { kind: 'call', id, client, method, args };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      process.send?.(call);
    });
  }

  private take(message: WireResult | WireEvent): void {
    if (message.kind === 'event') {
      this.clients.get(message.client)?.receive(message.event, message.args);
      return;
    }
    const waiting = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (message.kind === 'result') waiting?.resolve(message.value);
    else waiting?.reject(Object.assign(new Error(message.message), { name: message.name }));
  }
}

const wire = new Wire();
let clients = 0;

/** Puppeteer's Browser as far as `SupervisedClient` uses it: `disconnected`, and the process (none here). */
class WireBrowser extends EventEmitter {
  process(): null {
    return null;
  }
  async close(): Promise<void> {}
}

export class WireClient extends EventEmitter {
  readonly options: { authStrategy: Strategy; puppeteer?: { userDataDir?: string } };
  readonly authStrategy: Strategy;
  pupBrowser: WireBrowser | null = null;
  pupPage: EventEmitter | null = null;
  private readonly number = ++clients;
  /** The page's events, handled one after another as the library's listeners would. */
  private events: Promise<void> = Promise.resolve();

  constructor(options: { authStrategy: Strategy; puppeteer?: { userDataDir?: string } }) {
    super();
    this.options = options;
    this.authStrategy = options.authStrategy;
    // Client.js line 94.
    this.authStrategy.setup(this);
    wire.clients.set(this.number, this);
  }

  async initialize(): Promise<void> {
    // Client.js line 442: the strategy restores the session (RemoteAuth sets `puppeteer.userDataDir`).
    await this.authStrategy.beforeBrowserInitialized();
    await this.call('launch');
    // Chromium writes its profile where RemoteAuth pointed it; RemoteAuth backs that directory up.
    const profile = this.options.puppeteer?.userDataDir;
    if (profile !== undefined) {
      await mkdir(path.join(profile, 'Default'), { recursive: true });
      await writeFile(path.join(profile, 'Default', 'Preferences'), '{}');
    }
    this.pupBrowser = new WireBrowser();
    this.pupPage = new EventEmitter();
    // Client.js line 480, then the page loads and is injected (line 493).
    await this.authStrategy.afterBrowserInitialized();
    await this.inject();
  }

  async inject(): Promise<void> {
    await this.call('inject');
  }

  /** Client.js line 1277: the browser closed, then the strategy's destroy. */
  async destroy(): Promise<void> {
    wire.clients.delete(this.number);
    await this.call('close').catch(() => undefined);
    await this.authStrategy.destroy();
  }

  getState(): Promise<unknown> {
    return this.call('getState');
  }

  async sendMessage(chatId: string, content: string, options?: { sendSeen?: boolean }): Promise<WhatsAppMessage | undefined> {
    const sent = (await this.call('sendMessage', [chatId, content, options ?? {}])) as WireMessage | undefined;
    return sent === undefined || sent === null ? undefined : this.message(sent);
  }

  sendSeen(chatId: string): Promise<unknown> {
    return this.call('sendSeen', [chatId]);
  }

  getContactLidAndPhone(userIds: string[]): Promise<unknown> {
    return this.call('getContactLidAndPhone', [userIds]);
  }

  async getChats(): Promise<WhatsAppChat[]> {
    return ((await this.call('getChats')) as WireChat[]).map((chat) => this.chat(chat));
  }

  async getChatById(chatId: string): Promise<WhatsAppChat | undefined> {
    const chat = (await this.call('getChatById', [chatId])) as WireChat | undefined;
    return chat === undefined || chat === null ? undefined : this.chat(chat);
  }

  async getMessageById(messageId: string): Promise<WhatsAppMessage | null> {
    const message = (await this.call('getMessageById', [messageId])) as WireMessage | null;
    return message === null ? null : this.message(message);
  }

  /** An event of this client's page or browser, from the test process. */
  receive(event: string, args: unknown[]): void {
    this.events = this.events.then(() => this.handle(event, args)).catch((error: unknown) => void this.emit('client_fault', 'wire', error));
  }

  private async handle(event: string, args: unknown[]): Promise<void> {
    switch (event) {
      case 'browser_gone':
        // What Puppeteer reports: a crashed tab is the page's `error` (cdp/Page.js line 419), a dead browser its `disconnected`.
        if (args[0] === 'page crashed') this.pupPage?.emit('error', new Error('Page crashed!'));
        else this.pupBrowser?.emit('disconnected');
        return;
      case 'message':
      case 'message_edit':
        this.emit(event, this.message(args[0] as WireMessage), ...args.slice(1));
        return;
      case 'ready':
        this.emit('ready');
        // Client.js line 376: not awaited.
        void this.authStrategy.afterAuthReady();
        return;
      case 'disconnected':
        this.emit('disconnected', ...args);
        if (args[0] === 'LOGOUT') {
          // Client.js lines 495–503: after a logout the strategy logs out and restores, and the page shows a new QR code.
          await this.authStrategy.logout();
          await this.authStrategy.beforeBrowserInitialized();
          await this.authStrategy.afterBrowserInitialized();
        }
        return;
      default:
        this.emit(event, ...args);
    }
  }

  private call(method: string, args: unknown[] = []): Promise<unknown> {
    return wire.call(this.number, method, args);
  }

  /** The Message rebuilt from the page's model (Message#_patch rules); its media is downloaded through the page. */
  private message(wired: WireMessage): WhatsAppMessage {
    const message = messageFromData(wired.data);
    message.body = wired.body;
    if (wired.latestEditMsgKey !== undefined) message.latestEditMsgKey = wired.latestEditMsgKey;
    message.downloadMedia = async () => (await this.call('downloadMedia', [message.id._serialized])) as Awaited<ReturnType<WhatsAppMessage['downloadMedia']>>;
    return message;
  }

  private chat(described: WireChat): WhatsAppChat {
    return {
      id: { _serialized: described.id },
      isGroup: described.isGroup,
      ...(described.timestamp === undefined ? {} : { timestamp: described.timestamp }),
      ...(described.unreadCount === undefined ? {} : { unreadCount: described.unreadCount }),
      fetchMessages: async ({ limit }) => ((await this.call('fetchMessages', [described.id, limit])) as WireMessage[]).map((message) => this.message(message)),
    };
  }
}

export default { ...real, Client: WireClient };
