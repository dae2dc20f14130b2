/**
 * Simulated people on the fake Bot API: short conversations (menu, language, help) and
 * full support requests with a photo, each typed the way a person does — the next message
 * once the bot has answered the last (or after a short wait when it has not, as an
 * impatient person would). What each chat should receive is learnt from a control run
 * without faults; a chat's transcript under faults is then aligned against it, which tells
 * delivered, duplicated and unexpected messages apart.
 */
import sharp from 'sharp';
import type { Update } from 'telegraf/types';
import type { FakeTelegram, NewUpdate } from '../../helpers/fake-telegram.js';

/** One thing a person sends: a text, or the photo of their ID. */
export type Step = { text: string } | { photo: true };

/** Menu, language and help: every answer is a reply, no draft is kept. */
export const CHATTER: readonly Step[] = ['/start', 'English', '/help', 'عربي', '/status', 'English', 'menu', 'عربي', '/help', 'English'].map((text) => ({
  text,
}));

/** A whole support request, options typed, one photo: ends with a case and its reference. */
export function requestSteps(nationalId: string): Step[] {
  const typed = [
    'English',
    '1',
    'yes',
    '1',
    'Fatimah Ali',
    nationalId,
    '0559876543',
    'Jeddah',
    'Alsafa',
    'widowed',
    '1',
    '0',
    'owned',
    'food',
    'We need a monthly food basket please',
  ];
  return [...typed.map((text) => ({ text })), { photo: true }, { text: 'done' }, { text: 'confirm' }, { text: 'yes' }];
}

/** A national ID with a valid check digit (Luhn), first digit 1, different for each `n`. */
export function nationalIdFor(n: number): string {
  const body = `1${String(40_000_000 + n).padStart(8, '0')}`;
  let sum = 0;
  for (const [i, ch] of [...body].reverse().entries()) {
    let d = Number(ch);
    if (i % 2 === 0) d *= 2;
    sum += d > 9 ? d - 9 : d;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** What the references and IDs look like in replies; replaced so every chat of a kind reads the same. */
const REFERENCE = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/g;

/** One simulated person, with a private chat of their own. */
export class Person {
  /** What this person sent, as delivered (with update ids), in order of first delivery. */
  readonly updates: Update[] = [];

  constructor(
    readonly chatId: number,
    readonly kind: 'chatter' | 'request',
    readonly steps: readonly Step[],
    readonly nationalId?: string,
  ) {}

  static chatter(chatId: number): Person {
    return new Person(chatId, 'chatter', CHATTER);
  }

  static request(chatId: number, n: number): Person {
    const nationalId = nationalIdFor(n);
    return new Person(chatId, 'request', requestSteps(nationalId), nationalId);
  }

  /** A reply as every chat of this kind reads it: its reference and national ID replaced. */
  normalize(text: string): string {
    const plain = text.replace(REFERENCE, 'SR-REF');
    return this.nationalId ? plain.replaceAll(this.nationalId, 'NID') : plain;
  }

  /** Builds the update for step `i` (dated `lateSeconds` in the past when given); registers the photo with the fake. */
  update(fake: FakeTelegram, i: number, photo: Buffer, lateSeconds = 0): NewUpdate {
    const step = this.steps[i];
    if (!step) throw new Error(`no step ${i}`);
    const base = {
      chatId: this.chatId,
      userId: this.chatId,
      languageCode: 'ar',
      ...(lateSeconds > 0 ? { date: Math.floor(Date.now() / 1000) - lateSeconds } : {}),
    };
    if ('text' in step) return fake.textMessage({ ...base, text: step.text });
    const fileId = `photo-${this.chatId}-${i}`;
    fake.addFile(fileId, photo, { path: `photos/${fileId}.jpg` });
    return fake.photoMessage({ ...base, fileId });
  }
}

/** A small real JPEG, as a phone sends (smaller). */
export async function samplePhoto(): Promise<Buffer> {
  return sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 200, g: 120, b: 60 } } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** What one chat received compared with what it should: see {@link align}. */
export interface Alignment {
  /** Expected messages received, in order. */
  matched: number;
  /** Messages received again right after themselves: a send repeated. */
  duplicates: number;
  /** Messages that fit neither: out of order, or not expected at all. */
  unexpected: number;
  /** How many times each expected message was received, by its position (0 for those not yet). */
  copies: number[];
}

/**
 * Walks the received messages against the expected ones: each is the next expected
 * message, or the previous one again (a duplicate send: the sender resends the message it
 * was not sure of, right before the next), or unexpected.
 */
export function align(received: readonly string[], expected: readonly string[]): Alignment {
  const copies = expected.map(() => 0);
  let matched = 0;
  let duplicates = 0;
  let unexpected = 0;
  for (const text of received) {
    if (matched < expected.length && text === expected[matched]) {
      copies[matched] = 1;
      matched += 1;
    } else if (matched > 0 && text === expected[matched - 1]) {
      duplicates += 1;
      copies[matched - 1] = (copies[matched - 1] ?? 0) + 1;
    } else unexpected += 1;
  }
  return { matched, duplicates, unexpected, copies };
}

/**
 * The texts the fake Bot API accepted for each chat, in order. Read incrementally from the
 * fake's call log (append-only; an answer lands on a call already logged), so looking is
 * cheap even with thousands of calls: the test process must not eat the CPU the service needs.
 */
export class Transcripts {
  private readonly byChat = new Map<number, string[]>();
  private scanned = 0;
  /** Indexes of sendMessage calls logged but not answered yet. */
  private pending: number[] = [];

  private static readonly shared = new WeakMap<FakeTelegram, Transcripts>();

  private constructor(private readonly fake: FakeTelegram) {}

  /** The one reader of a fake's log (one scan serves every caller). */
  static of(fake: FakeTelegram): Transcripts {
    let transcripts = Transcripts.shared.get(fake);
    if (!transcripts) {
      transcripts = new Transcripts(fake);
      Transcripts.shared.set(fake, transcripts);
    }
    return transcripts;
  }

  /** What `chatId` received so far (accepted sendMessage calls, including those whose answer was dropped). */
  of(chatId: number): string[] {
    this.refresh();
    return this.byChat.get(chatId) ?? [];
  }

  /** Every accepted send, by chat id. */
  all(): Map<number, string[]> {
    this.refresh();
    return this.byChat;
  }

  private refresh(): void {
    const calls = this.fake.calls;
    const waiting = this.pending;
    this.pending = [];
    for (const index of waiting) this.take(index);
    for (; this.scanned < calls.length; this.scanned++) if (calls[this.scanned]?.method === 'sendMessage') this.take(this.scanned);
  }

  private take(index: number): void {
    const call = this.fake.calls[index];
    if (!call) return;
    if (call.status === undefined) {
      this.pending.push(index);
      return;
    }
    if (call.result === undefined) return;
    const chatId = Number(call.params.chat_id);
    const list = this.byChat.get(chatId) ?? [];
    list.push(typeof call.params.text === 'string' ? call.params.text : '');
    this.byChat.set(chatId, list);
  }
}

/** The replies a kind of chat should get: the whole list and how many each step adds. */
export interface Expected {
  replies: string[];
  perStep: number[];
}

/** How updates reach the service (queued for polling, or posted to its webhook); resolves with the update as delivered, its id set. */
export type Deliver = (update: NewUpdate) => Promise<Update>;

/** Delivery by long polling: the fake queues the update and gives it the next id. */
export function byPolling(fake: FakeTelegram): Deliver {
  return async (update) => {
    const id = fake.pushUpdate(update);
    return { ...update, update_id: id } as Update;
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `check` is true, polling; throws with `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(everyMs);
  }
}

/**
 * Learns what a kind of chat receives by running one person through it with no fault:
 * each step waits until the replies stop coming for a moment.
 */
export async function learn(person: Person, fake: FakeTelegram, deliver: Deliver, photo: Buffer): Promise<Expected> {
  const transcripts = Transcripts.of(fake);
  const perStep: number[] = [];
  for (let i = 0; i < person.steps.length; i++) {
    const before = transcripts.of(person.chatId).length;
    const delivered = await deliver(person.update(fake, i, photo));
    person.updates.push(delivered);
    await until(() => transcripts.of(person.chatId).length > before, `the control chat's reply to step ${i}`, 20_000);
    // Replies of one step are written together and sent in a burst: a short quiet spell ends the step.
    let count = transcripts.of(person.chatId).length;
    for (;;) {
      await sleep(150);
      const now = transcripts.of(person.chatId).length;
      if (now === count) break;
      count = now;
    }
    perStep.push(count - before);
  }
  return { replies: transcripts.of(person.chatId).map((t) => person.normalize(t)), perStep };
}

/** How {@link converse} paces people. */
export interface PaceOptions {
  /** The longest a person waits for the answer before typing the next message anyway. */
  patienceMs: number;
  /** How long a person takes to type the next message once answered (default 0): spreads the traffic over time. */
  thinkMs?: number;
  /** Delivers step `i` instead of `deliver` (to duplicate, delay or reorder it); resolves with the first delivery. */
  deliverStep?: (person: Person, i: number, update: NewUpdate) => Promise<Update>;
  /** Dates every update this many seconds in the past for these people (a minute-late delivery). */
  lateSeconds?: (person: Person) => number;
  /** The whole conversation phase must end within this (a stalled service fails the case, it does not hang it). */
  deadlineMs: number;
}

/**
 * Runs every person through their steps at once: each sends the next message once the
 * expected replies to the last have arrived, or after `patienceMs`.
 */
export async function converse(
  people: readonly Person[],
  expected: (person: Person) => Expected,
  fake: FakeTelegram,
  deliver: Deliver,
  photo: Buffer,
  options: PaceOptions,
): Promise<void> {
  const transcripts = Transcripts.of(fake);
  const deadline = Date.now() + options.deadlineMs;
  const progress = () =>
    people
      .map((p) => ({
        p,
        a: align(
          transcripts.of(p.chatId).map((t) => p.normalize(t)),
          expected(p).replies,
        ),
      }))
      .filter(({ p, a }) => p.updates.length < p.steps.length || a.matched < expected(p).replies.length)
      .slice(0, 8)
      .map(({ p, a }) => `chat ${p.chatId}: sent ${p.updates.length}/${p.steps.length}, received ${a.matched}/${expected(p).replies.length}`)
      .join('; ');
  await Promise.all(
    people.map(async (person, index) => {
      // Spread the first messages a little, as people do not all write in the same millisecond.
      await sleep((index * 37) % 400);
      const { replies, perStep } = expected(person);
      let due = 0;
      for (let i = 0; i < person.steps.length; i++) {
        if (Date.now() > deadline) throw new Error(`the conversations did not end within ${options.deadlineMs} ms: ${progress()}`);
        const built = person.update(fake, i, photo, options.lateSeconds?.(person) ?? 0);
        person.updates.push(await (options.deliverStep ? options.deliverStep(person, i, built) : deliver(built)));
        due += perStep[i] ?? 0;
        const patience = Date.now() + options.patienceMs;
        while (Date.now() < patience) {
          const received = transcripts.of(person.chatId).map((t) => person.normalize(t));
          if (align(received, replies).matched >= due) break;
          await sleep(60);
        }
        if (options.thinkMs) await sleep(options.thinkMs);
      }
    }),
  );
}
