/**
 * WhatsApp, as a fault-suite service process sees it, run in the test process: the association's
 * phone and WhatsApp's servers (one chat history and one contact book), and a page for each
 * client the service starts. The service's whatsapp-web.js `Client` is replaced by one that sends
 * every page call here over the IPC channel (whatsapp-wire/library.ts); each page is the fake of
 * tests/helpers/fake-whatsapp.ts, which behaves as the library does, failures included.
 *
 * The faults are the world's: Chromium killed, the page crashed, the phone unlinking the device
 * in the middle of a send (and linking it again), sends failing for a while.
 */
import type { ChildProcess } from 'node:child_process';
import type { WhatsAppChat, WhatsAppEventName, WhatsAppMessage } from '../../../src/bots/whatsapp/whatsapp-client.js';
import { FakeWhatsAppClient } from '../../helpers/fake-whatsapp.js';
import { Phone } from '../../helpers/whatsapp-people.js';
import { toWire, type WireCall, type WireChat, type WireEvent, type WireResult } from './whatsapp-wire/protocol.js';

/** The events a page reports to its client, as the library emits them. */
const FORWARDED: WhatsAppEventName[] = [
  'qr',
  'authenticated',
  'ready',
  'message',
  'message_edit',
  'disconnected',
  'change_state',
  'auth_failure',
  'browser_gone',
];

/** What Puppeteer throws for a call on a page that was closed (cdp/CdpSession.js line 69). */
function closedPage(): Error {
  const error = new Error('Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.');
  error.name = 'TargetCloseError';
  return error;
}

function describeChat(chat: WhatsAppChat): WireChat {
  return {
    id: chat.id._serialized,
    isGroup: chat.isGroup,
    ...(chat.timestamp === undefined ? {} : { timestamp: chat.timestamp }),
    ...(chat.unreadCount === undefined ? {} : { unreadCount: chat.unreadCount }),
  };
}

export class WhatsAppNetwork {
  readonly phone = new Phone();
  /** Client number (as the service process counts them) → its page. */
  private readonly pages = new Map<number, FakeWhatsAppClient>();
  private readonly closed = new Set<number>();
  /** The pages that reached `ready` and were not logged out or lost since: live messages reach them. */
  private readonly live = new Set<FakeWhatsAppClient>();
  private current: number | null = null;
  private child: ChildProcess | null = null;
  /** Whether the phone has the service's device linked (a logout unlinks it until the QR code is scanned again). */
  private phoneLinked = true;
  private sendsFail = false;
  /** Clients the service started (the first one and each rebuild). */
  launches = 0;

  /** Serves the page calls of `child`, a service process started with an IPC channel. */
  attach(child: ChildProcess): void {
    this.child = child;
    child.on('message', (message: WireCall) => void this.take(message));
  }

  /** Whether a client of the service is linked and up (its page reached `ready` and was not lost since). */
  get linked(): boolean {
    const page = this.currentPage();
    return page !== null && this.live.has(page) && page.pageAlive;
  }

  /** A message from someone's phone: delivered live when a linked page is up, else kept for the service's catch-up. */
  deliver(message: WhatsAppMessage): void {
    if (this.linked) this.currentPage()?.emitMessage(message);
    else this.keep(message);
  }

  /** Texts the service sent to any of `chatIds`, through every page, in order. */
  sentTo(chatIds: readonly string[]): string[] {
    return this.phone.clients
      .flatMap((client) => client.sent.filter((m) => chatIds.includes(m.chatId)))
      .sort((a, b) => a.at - b.at)
      .map((m) => m.content);
  }

  /** Sends a page handed to WhatsApp whose call then failed (a logout navigated the page): the only sends a reply may repeat. */
  get answersLost(): number {
    return this.phone.clients.reduce((sum, page) => sum + page.answersLost, 0);
  }

  /** WhatsApp knows the person with number `pn` also as `lid`. */
  linkIds(pn: string, lid: string): void {
    this.phone.contacts.set(pn, lid);
  }

  killChromium(): void {
    this.lose((page) => page.killChromium());
  }

  crashPage(): void {
    this.lose((page) => page.crashPage());
  }

  /** Sends fail (as a page call that errors: "Evaluation failed: …") until `failSends(false)`. */
  failSends(on: boolean): void {
    this.sendsFail = on;
    this.currentPage()?.failSends(on ? Number.POSITIVE_INFINITY : 0);
  }

  /**
   * The phone unlinks the device while a send is on its way (each send made to take `sendMs`),
   * and links it again by scanning the new QR code `relinkAfterMs` later. Resolves once linked.
   */
  async logoutMidSend(sendMs: number, relinkAfterMs: number, timeoutMs = 20_000): Promise<void> {
    const page = this.currentPage();
    if (page === null) throw new Error('no page to log out of');
    page.delaySends(sendMs);
    const deadline = Date.now() + timeoutMs;
    const before = page.sendAttempts.length;
    while (page.sendAttempts.length === before) {
      if (Date.now() > deadline) throw new Error('no send started to log out in the middle of');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, sendMs / 2));
    this.phoneLinked = false;
    this.live.delete(page);
    await page.emitLogout();
    page.delaySends(0);
    await new Promise((resolve) => setTimeout(resolve, relinkAfterMs));
    this.phoneLinked = true;
    // The QR code shows on the same page; scanning it links this client (or the next one, if it was replaced meanwhile).
    const now = this.currentPage();
    if (now !== null && now.pageAlive) this.ready(now);
  }

  private currentPage(): FakeWhatsAppClient | null {
    return this.current === null || this.closed.has(this.current) ? null : (this.pages.get(this.current) ?? null);
  }

  private lose(how: (page: FakeWhatsAppClient) => void): void {
    const page = this.currentPage();
    if (page === null) throw new Error('no page to lose');
    this.live.delete(page);
    how(page);
  }

  /** Into the shared history, where any page's catch-up finds it (as FakeWhatsAppClient#addToHistory). */
  private keep(message: WhatsAppMessage): void {
    const messages = this.phone.history.get(message.id.remote) ?? [];
    messages.push(message);
    this.phone.history.set(message.id.remote, messages);
  }

  /** A linked session restored (or a QR code scanned): Client.js line 305 `authenticated`, then `ready` (line 375). */
  private ready(page: FakeWhatsAppClient): void {
    page.emit('authenticated');
    this.live.add(page);
    page.emitReady();
  }

  private async take(call: WireCall): Promise<void> {
    let reply: WireResult;
    try {
      reply = { kind: 'result', id: call.id, value: await this.handle(call) };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      reply = { kind: 'error', id: call.id, name: e.name, message: e.message };
    }
    if (this.child?.connected) this.child.send(reply);
  }

  private launch(client: number): void {
    const page = this.phone.createClient();
    if (this.sendsFail) page.failSends();
    for (const event of FORWARDED)
      page.on(event, (...args: unknown[]) => {
        const wired = args.map((arg) => (typeof arg === 'object' && arg !== null && 'id' in arg ? toWire(arg as WhatsAppMessage) : arg));
        const message: WireEvent = { kind: 'event', client, event, args: wired };
        if (this.child?.connected) this.child.send(message);
      });
    this.pages.set(client, page);
    this.current = client;
    this.launches += 1;
  }

  private async handle({ client, method, args }: WireCall): Promise<unknown> {
    if (method === 'launch') return this.launch(client);
    const page = this.pages.get(client);
    if (page === undefined || this.closed.has(client)) throw closedPage();
    switch (method) {
      case 'inject':
        // The page loaded: a linked session goes on to `ready`; otherwise the QR code shows.
        if (this.phoneLinked) setImmediate(() => this.ready(page));
        else page.emitQr();
        return null;
      case 'close':
        this.closed.add(client);
        this.live.delete(page);
        return null;
      case 'getState':
        return page.getState();
      case 'sendMessage': {
        const sent = await page.sendMessage(String(args[0]), String(args[1]), args[2] as { sendSeen?: boolean });
        return sent === undefined ? undefined : toWire(sent as WhatsAppMessage);
      }
      case 'sendSeen':
        return page.sendSeen(String(args[0]));
      case 'getContactLidAndPhone':
        return page.getContactLidAndPhone(args[0] as string[]);
      case 'getChats':
        return (await page.getChats()).map(describeChat);
      case 'getChatById': {
        const chat = await page.getChatById(String(args[0]));
        return chat === undefined ? undefined : describeChat(chat);
      }
      case 'fetchMessages': {
        const chat = await page.getChatById(String(args[0]));
        const limit = args[1] as number | undefined;
        return chat === undefined ? [] : (await chat.fetchMessages(limit === undefined ? {} : { limit })).map(toWire);
      }
      case 'getMessageById': {
        const message = await page.getMessageById(String(args[0]));
        return message === null ? null : toWire(message);
      }
      case 'downloadMedia': {
        const message = await page.getMessageById(String(args[0]));
        return message === null ? undefined : message.downloadMedia();
      }
      default:
        throw new Error(`the fake page has no ${method}`);
    }
  }
}
