/**
 * Simulated people on WhatsApp, for the fault suite: the same two scripts as on Telegram (short
 * conversations, and whole support requests with a photo of the ID), typed from a phone, some of
 * them through a second id part-way (WhatsApp showing a person as `@lid` after `@c.us`, or the
 * reverse). What a kind of chat should receive is learnt from a control run without faults, and
 * a chat's transcript under faults is aligned against it (traffic.ts `align`).
 */
import type { KeyRing } from '../../../src/privacy/key-ring.js';
import { chatKeyOf } from '../../../src/services/identifiers.js';
import { build, type FakeMessage } from '../../helpers/fake-whatsapp.js';
import type { TalliedChat } from './ledger.js';
import { align, CHATTER, nationalIdFor, requestSteps, sleep, until, type Expected, type Step } from './traffic.js';
import type { WhatsAppNetwork } from './whatsapp-network.js';

const REFERENCE = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/g;

/** Someone writing to the association's number: their number, and the linked id WhatsApp may show instead. */
export class WaPerson {
  /** The messages sent, in order. */
  readonly sent: FakeMessage[] = [];
  private lastSecond = 0;

  constructor(
    readonly n: number,
    readonly kind: 'chatter' | 'request',
    readonly steps: readonly Step[],
    /** From this step on, the person's messages come through their other id (never when undefined). */
    readonly switchAt?: number,
    /** The person first writes as `@lid`, then as their number. */
    readonly lidFirst = false,
  ) {}

  static chatter(n: number, switchAt?: number, lidFirst = false): WaPerson {
    return new WaPerson(n, 'chatter', CHATTER, switchAt, lidFirst);
  }

  static request(n: number, switchAt?: number, lidFirst = false): WaPerson {
    return new WaPerson(n, 'request', requestSteps(nationalIdFor(n)), switchAt, lidFirst);
  }

  get number(): string {
    return `9665${String(10_000_000 + this.n).slice(-8)}@c.us`;
  }

  get lid(): string {
    return `${String(200_000_000_000_000 + this.n)}@lid`;
  }

  get nationalId(): string | undefined {
    return this.kind === 'request' ? nationalIdFor(this.n) : undefined;
  }

  /** The id step `i` is written from. */
  idFor(i: number): string {
    const switched = this.switchAt !== undefined && i >= this.switchAt;
    return switched !== this.lidFirst ? this.lid : this.number;
  }

  /** Every id the person reads replies under. */
  get ids(): string[] {
    return this.switchAt === undefined && !this.lidFirst ? [this.number] : [this.number, this.lid];
  }

  /** The id the service keeps the person under: their number (CanonicalIds takes the number; the case links both ids of whoever uses two). */
  get canonical(): string {
    return this.number;
  }

  normalize(text: string): string {
    const plain = text.replace(REFERENCE, 'SR-REF');
    return this.nationalId ? plain.replaceAll(this.nationalId, 'NID') : plain;
  }

  /** Step `i` as the phone sends it, dated now (whole seconds, always after the previous message). */
  message(i: number, photo: Buffer): FakeMessage {
    const step = this.steps[i];
    if (!step) throw new Error(`no step ${i}`);
    this.lastSecond = Math.max(this.lastSecond + 1, Math.floor(Date.now() / 1000));
    const options = { chat: this.idFor(i), t: this.lastSecond };
    const message = 'text' in step ? build.text(step.text, options) : build.image({ ...options, bytes: photo });
    this.sent.push(message);
    return message;
  }

  received(network: WhatsAppNetwork): string[] {
    return network.sentTo(this.ids).map((text) => this.normalize(text));
  }

  /** The chat as the ledger counts it: the service's keys for it and its messages are made from the canonical id. */
  tallied(keys: KeyRing, network: WhatsAppNetwork, expected: Expected | null): TalliedChat {
    const canonical = this.canonical;
    return {
      kind: this.kind,
      chatKey: chatKeyOf(keys, 'whatsapp', canonical),
      // normalize-message.ts asCanonical: the message's id names the canonical chat.
      messageIds: this.sent.map((m) => m.id._serialized.replace(`_${m.id.remote}_`, `_${canonical}_`)),
      received: this.received(network),
      expected,
    };
  }
}

/** Learns what a kind of chat receives, one person, no fault: each step waits until the replies stop for a moment. */
export async function learnWhatsApp(person: WaPerson, network: WhatsAppNetwork, photo: Buffer): Promise<Expected> {
  const perStep: number[] = [];
  for (let i = 0; i < person.steps.length; i++) {
    const before = network.sentTo(person.ids).length;
    network.deliver(person.message(i, photo));
    await until(() => network.sentTo(person.ids).length > before, `the control chat's reply to step ${i}`, 20_000);
    let count = network.sentTo(person.ids).length;
    for (;;) {
      await sleep(300);
      const now = network.sentTo(person.ids).length;
      if (now === count) break;
      count = now;
    }
    perStep.push(count - before);
  }
  return { replies: person.received(network), perStep };
}

/**
 * Runs every person through their steps at once: each sends the next message once the replies
 * to the last arrived, or after `patienceMs`, and never two in the same second (WhatsApp dates
 * messages in whole seconds; a person does not type faster).
 */
export async function converseWhatsApp(
  people: readonly WaPerson[],
  expected: (person: WaPerson) => Expected,
  network: WhatsAppNetwork,
  photo: Buffer,
  options: { patienceMs: number; deadlineMs: number },
): Promise<void> {
  const deadline = Date.now() + options.deadlineMs;
  await Promise.all(
    people.map(async (person, index) => {
      await sleep((index * 137) % 1_000);
      const { replies, perStep } = expected(person);
      let due = 0;
      for (let i = 0; i < person.steps.length; i++) {
        if (Date.now() > deadline) throw new Error(`the WhatsApp conversations did not end within ${options.deadlineMs} ms`);
        const started = Date.now();
        network.deliver(person.message(i, photo));
        due += perStep[i] ?? 0;
        const patience = started + options.patienceMs;
        while (Date.now() < patience && align(person.received(network), replies).matched < due) await sleep(100);
        await sleep(Math.max(0, started + 1_000 - Date.now()));
      }
    }),
  );
}
