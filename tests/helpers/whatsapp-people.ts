/**
 * People on WhatsApp for end-to-end tests: the association's phone (fake whatsapp-web.js
 * clients sharing one chat history, a new client each time the link manager builds one)
 * and someone writing to it from their own phone.
 */
import type { WhatsAppMessage } from '../../src/bots/whatsapp/whatsapp-client.js';
import { build, FakeWhatsAppClient, type FakeAuthStrategy } from './fake-whatsapp.js';
import { waitFor } from './test-app.js';

export class Phone {
  readonly history = new Map<string, WhatsAppMessage[]>();
  /** Who WhatsApp knows under both ids, shared by every client like the history. */
  readonly contacts = new Map<string, string>();
  readonly clients: FakeWhatsAppClient[] = [];
  /** What the service printed for the terminal (the QR code). */
  readonly printed: string[] = [];

  /** Builds the next client around the auth strategy the service made (the real `KeptRemoteAuth`), as the library would. */
  readonly createClient = (auth?: FakeAuthStrategy): FakeWhatsAppClient => {
    const client = new FakeWhatsAppClient(this.history, auth ?? null, this.contacts);
    this.clients.push(client);
    return client;
  };

  /** The newest client, once the service built it. */
  async client(count = 1): Promise<FakeWhatsAppClient> {
    return waitFor(() => (this.clients.length >= count ? this.clients.at(-1) : undefined), `WhatsApp client number ${count}`);
  }

  /** Texts the service sent to `chatId`, through every client, in order. */
  sentTo(chatId: string): string[] {
    return this.clients
      .flatMap((client) => client.sent.filter((m) => m.chatId === chatId))
      .sort((a, b) => a.at - b.at)
      .map((m) => m.content);
  }
}

/** Someone writing to the association's number from their phone. */
export class WaUser {
  private lastSecond = 0;

  constructor(
    readonly phone: Phone,
    readonly wid: string,
  ) {}

  /** Seconds for the next message: now, and always after the previous one (WhatsApp times are whole seconds). */
  nextTime(): number {
    this.lastSecond = Math.max(this.lastSecond + 1, Math.floor(Date.now() / 1000));
    return this.lastSecond;
  }

  texts(): string[] {
    return this.phone.sentTo(this.wid);
  }

  /** Sends a text live and waits for new replies containing every expected piece. */
  async say(text: string, ...expected: string[]): Promise<string> {
    return this.send(build.text(text, { chat: this.wid, t: this.nextTime() }), ...expected);
  }

  async send(message: WhatsAppMessage, ...expected: string[]): Promise<string> {
    const before = this.texts().length;
    (await this.phone.client()).emitMessage(message);
    return this.replies(before, ...expected);
  }

  async replies(before: number, ...expected: string[]): Promise<string> {
    return waitFor(
      () => {
        const fresh = this.texts().slice(before).join('\n---\n');
        return fresh && expected.every((piece) => fresh.includes(piece)) ? fresh : '';
      },
      `a reply containing ${JSON.stringify(expected)} (last: ${JSON.stringify(this.texts().slice(-1))})`,
      20_000,
    );
  }
}
