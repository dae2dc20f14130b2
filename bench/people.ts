/**
 * Simulated people on the fake Bot API: applicants who go through the whole support
 * request one message at a time, waiting for each question before answering it after a
 * moment's thought, arriving at random (a Poisson process: open-loop, as people do not
 * wait for each other), and researchers who take the new cases from the staff group
 * and decide them.
 */
import { performance } from 'node:perf_hooks';
import type { BenchBotApi, BotMessage } from './fake-bot-api.js';
import { LEAK_TURN, REQUEST_TURNS, arabic, markerOf, nationalIdOf, textFor, type Turn } from './script.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Applicants' Telegram user ids (their private chat ids) start here; researchers have small ids. */
export const APPLICANT_IDS_FROM = 5_000_000_000;

/** Routes what the bot sends to the person or researcher whose chat it is. */
export class Switchboard {
  private readonly listeners = new Map<number, (message: BotMessage) => void>();
  /** Messages to a chat nobody listens to any more, and among them decisions reaching applicants who finished. */
  unclaimed = 0;
  decisionsDelivered = 0;
  /** When each request was confirmed submitted (performance.now() ms). */
  readonly submitted: number[] = [];

  constructor(readonly api: BenchBotApi) {
    const decision = markerOf('decision.approved');
    const submitted = markerOf('request.submitted');
    api.onMessage = (message) => {
      if (message.text.includes(submitted)) this.submitted.push(performance.now());
      const listener = this.listeners.get(message.chatId);
      if (listener) return listener(message);
      this.unclaimed += 1;
      if (message.text.includes(decision)) this.decisionsDelivered += 1;
    };
    api.timesChat = (chatId) => chatId >= APPLICANT_IDS_FROM;
  }

  listen(chatId: number, listener: (message: BotMessage) => void): void {
    this.listeners.set(chatId, listener);
  }

  forget(chatId: number): void {
    this.listeners.delete(chatId);
    this.api.forgetChat(chatId);
  }
}

function user(id: number) {
  return { id, is_bot: false, first_name: 'Bench', language_code: 'ar' };
}

function privateChat(id: number) {
  return { id, type: 'private', first_name: 'Bench' };
}

/** The message a person sends, as Telegram's update carries it. */
function messageUpdate(
  chatId: number,
  fromId: number,
  messageId: number,
  fields: Record<string, unknown>,
  chat: Record<string, unknown> = privateChat(chatId),
) {
  return { message: { message_id: messageId, from: user(fromId), chat, date: Math.floor(Date.now() / 1000), ...fields } };
}

function textFields(text: string): Record<string, unknown> {
  const command = /^\/\w+/.exec(text);
  return command ? { text, entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : { text };
}

/** A button press on the bot's message, as Telegram's update carries it. */
function pressUpdate(api: BenchBotApi, fromId: number, on: BotMessage, data: string) {
  const chat = on.chatId > 0 ? privateChat(on.chatId) : { id: on.chatId, type: 'group', title: 'Bench staff' };
  return {
    callback_query: {
      id: api.newCallbackId(),
      from: user(fromId),
      message: {
        message_id: on.messageId,
        from: { id: 123456789, is_bot: true, first_name: 'Bench Bot' },
        chat,
        date: Math.floor(Date.now() / 1000),
        text: on.text,
      },
      chat_instance: String(on.chatId),
      data,
    },
  };
}

/** How one applicant's conversation went. */
export interface ApplicantOutcome {
  completed: boolean;
  /** Messages sent (turns reached). */
  sent: number;
  /** Why it stopped early, when it did. */
  failure?: string;
}

/** Options for simulated applicants. */
export interface ApplicantOptions {
  /** Milliseconds between reading a question and answering it. */
  think: () => number;
  /** How long to wait for the next question before giving up. */
  replyTimeoutMs: number;
  /** The JPEG an applicant photographs their ID as. */
  photo: Buffer;
  /** Set when the run is over: applicants send nothing more. */
  halt?: { stopped: boolean };
}

/** One person applying: sends each turn once the previous question arrived. */
export class Applicant {
  /** The bot's last few messages, for the buttons to press. */
  private readonly recent: BotMessage[] = [];
  /** What arrived since the last message sent. */
  private fresh: BotMessage[] = [];
  private wake: (() => void) | null = null;
  private messageId = 0;

  constructor(
    private readonly board: Switchboard,
    readonly userId: number,
    private readonly nationalId: string,
  ) {}

  async run(turns: readonly Turn[], options: ApplicantOptions): Promise<ApplicantOutcome> {
    const { api } = this.board;
    this.board.listen(this.userId, (message) => {
      this.recent.push(message);
      if (this.recent.length > 4) this.recent.shift();
      this.fresh.push(message);
      this.wake?.();
    });
    const photoId = `photo-${this.userId}`;
    let sent = 0;
    try {
      for (const [i, turn] of turns.entries()) {
        if (i > 0) await sleep(options.think());
        if (options.halt?.stopped) return { completed: false, sent, failure: 'run over' };
        const update = this.updateFor(turn, photoId, options.photo);
        if (!update) return { completed: false, sent, failure: `no button for ${JSON.stringify(turn.send)}` };
        this.fresh = [];
        api.pushUpdate(update);
        sent += 1;
        const marker = markerOf(turn.next);
        if (!(await this.waitFor((m) => m.text.includes(marker), options.replyTimeoutMs, options.halt))) {
          return { completed: false, sent, failure: options.halt?.stopped ? 'run over' : `no ${turn.next} within ${options.replyTimeoutMs} ms` };
        }
      }
      return { completed: true, sent };
    } finally {
      api.removeFile(photoId);
      this.board.forget(this.userId);
    }
  }

  private updateFor(turn: Turn, photoId: string, photo: Buffer): Record<string, unknown> | null {
    const send = turn.send;
    if ('choice' in send) {
      const on = [...this.recent].reverse().find((m) => m.buttons.some((b) => b.data === send.choice));
      return on ? pressUpdate(this.board.api, this.userId, on, send.choice) : null;
    }
    const messageId = ++this.messageId;
    if ('text' in send) return messageUpdate(this.userId, this.userId, messageId, textFields(textFor(send, this.nationalId)));
    this.board.api.addFile(photoId, photo);
    const size = photo.length;
    return messageUpdate(this.userId, this.userId, messageId, {
      photo: [
        { file_id: `${photoId}-s`, file_unique_id: `${photoId}-s`, width: 90, height: 56, file_size: Math.max(1, Math.round(size / 20)) },
        { file_id: photoId, file_unique_id: photoId, width: 320, height: 200, file_size: size },
      ],
    });
  }

  /** Waits for a message since the last one sent that satisfies `match`. */
  private async waitFor(match: (m: BotMessage) => boolean, timeoutMs: number, halt?: { stopped: boolean }): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.fresh.some(match)) return true;
      const left = deadline - performance.now();
      if (left <= 0 || halt?.stopped) return false;
      await new Promise<void>((resolve) => {
        // Looks up now and then, so a halted run does not wait out every timeout.
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }
  }
}

/** What an arrival run produced. */
export interface ArrivalsResult {
  started: number;
  completed: number;
  failed: number;
  messagesSent: number;
  failures: Map<string, number>;
  /** Whether every conversation ended (completed or given up) before the drain deadline. */
  drained: boolean;
}

/**
 * Starts applicants at random (Poisson) at `perSecond` for `seconds` (or until `count` have
 * started), each with its own national ID, then waits up to `drainMs` for the conversations
 * still going.
 */
export async function arrivals(
  board: Switchboard,
  options: ApplicantOptions & {
    perSecond: number;
    seconds: number;
    drainMs: number;
    firstIndex: number;
    turns?: readonly Turn[];
    count?: number;
    maxRunning?: number;
  },
): Promise<ArrivalsResult> {
  const result: ArrivalsResult = { started: 0, completed: 0, failed: 0, messagesSent: 0, failures: new Map(), drained: true };
  const running = new Set<Promise<void>>();
  const start = performance.now();
  let next = start;
  while (performance.now() - start < options.seconds * 1000 && result.started < (options.count ?? Infinity) && !options.halt?.stopped) {
    next += (-Math.log(1 - Math.random()) / options.perSecond) * 1000;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    // A cap on conversations in progress paces the arrivals by the bot's answers (the leak run).
    while (running.size >= (options.maxRunning ?? Infinity)) await Promise.race(running);
    if (performance.now() - start >= options.seconds * 1000 || options.halt?.stopped) break;
    const index = options.firstIndex + result.started;
    result.started += 1;
    const applicant = new Applicant(board, APPLICANT_IDS_FROM + index, nationalIdOf(index));
    const run = applicant.run(options.turns ?? REQUEST_TURNS, options).then((outcome) => {
      result.messagesSent += outcome.sent;
      if (outcome.completed) result.completed += 1;
      else {
        result.failed += 1;
        const reason = outcome.failure ?? 'unknown';
        result.failures.set(reason, (result.failures.get(reason) ?? 0) + 1);
      }
    });
    running.add(run);
    void run.finally(() => running.delete(run));
  }
  const drained = Promise.all([...running]).then(() => true);
  result.drained = await Promise.race([drained, sleep(options.drainMs).then(() => false)]);
  return result;
}

/** Conversations left mid-flow (the leak run): each sends `/request`, gets the privacy notice, and says nothing more. */
export function leaveMidFlow(
  board: Switchboard,
  options: { count: number; perSecond: number; seconds: number; firstIndex: number; replyTimeoutMs: number; photo: Buffer },
): Promise<ArrivalsResult> {
  return arrivals(board, { ...options, drainMs: options.replyTimeoutMs, think: () => 0, turns: [LEAK_TURN], maxRunning: 200 });
}

// -----------------------------------------------------------------------------------------------
// Researchers

/** A case waiting for a researcher: its group alert's claim button, or its Open button in a digest. */
type CaseJob = { kind: 'alert'; alert: BotMessage; claim: string } | { kind: 'digest'; on: BotMessage; open: string; reference: string };

/** What the researchers did. */
export interface DeskResult {
  decided: number;
  /** Decisions given up on (a step that did not come in time). */
  abandoned: number;
  waiting: number;
  alerts: number;
  digests: number;
}

/**
 * Researchers (each with the researcher and committee roles) deciding new cases: from a
 * group alert they claim the case, then approve it from the updated alert and type the
 * support granted; from a digest they open the case privately, claim it there, ask for it
 * with /case and approve it from that view.
 */
export class ResearchDesk {
  readonly result: DeskResult = { decided: 0, abandoned: 0, waiting: 0, alerts: 0, digests: 0 };
  private readonly jobs: CaseJob[] = [];
  private readonly wakeWorkers: (() => void)[] = [];
  /** The latest version of every group message, for the approve button after a claim. */
  private readonly groupMessages = new Map<number, BotMessage>();
  private readonly groupWaiters = new Set<() => void>();
  private running = true;
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly board: Switchboard,
    private readonly group: number,
    private readonly researcherIds: readonly number[],
    private readonly think: () => number,
    private readonly stepTimeoutMs = 60_000,
  ) {
    const claim = arabic('staff.button.claim');
    const open = arabic('staff.button.open');
    board.listen(group, (message) => {
      const known = this.groupMessages.has(message.messageId);
      this.groupMessages.set(message.messageId, message);
      for (const wake of this.groupWaiters) wake();
      if (known || message.method !== 'sendMessage') return;
      const claimButton = message.buttons.find((b) => b.text === claim);
      if (claimButton) {
        this.result.alerts += 1;
        this.add({ kind: 'alert', alert: message, claim: claimButton.data });
        return;
      }
      const opens = message.buttons.filter((b) => b.text.startsWith(open));
      if (opens.length > 0) this.result.digests += 1;
      for (const button of opens) this.add({ kind: 'digest', on: message, open: button.data, reference: button.text.slice(open.length).trim() });
    });
    for (const id of researcherIds) this.workers.push(this.work(new StaffChat(board, id)));
  }

  async stop(): Promise<DeskResult> {
    this.running = false;
    for (const wake of this.wakeWorkers.splice(0)) wake();
    await Promise.all(this.workers);
    this.result.waiting = this.jobs.length;
    return this.result;
  }

  private add(job: CaseJob): void {
    this.jobs.push(job);
    this.wakeWorkers.shift()?.();
  }

  private async work(chat: StaffChat): Promise<void> {
    while (this.running) {
      const job = this.jobs.shift();
      if (!job) {
        await new Promise<void>((resolve) => this.wakeWorkers.push(resolve));
        continue;
      }
      try {
        await (job.kind === 'alert' ? this.fromAlert(chat, job) : this.fromDigest(chat, job));
        this.result.decided += 1;
      } catch {
        this.result.abandoned += 1;
      }
    }
  }

  private async fromAlert(chat: StaffChat, job: Extract<CaseJob, { kind: 'alert' }>): Promise<void> {
    await sleep(this.think());
    chat.press(job.alert, job.claim);
    const approve = arabic('staff.button.approve');
    const updated = await this.groupMessage(job.alert.messageId, (m) => m.buttons.some((b) => b.text === approve));
    await sleep(this.think());
    await this.approve(chat, updated, approve);
  }

  private async fromDigest(chat: StaffChat, job: Extract<CaseJob, { kind: 'digest' }>): Promise<void> {
    await sleep(this.think());
    const claim = arabic('staff.button.claim');
    const view = await chat.pressAndWait(
      job.on,
      job.open,
      (m) => m.text.includes(job.reference) && m.buttons.some((b) => b.text === claim),
      this.stepTimeoutMs,
    );
    await sleep(this.think());
    chat.press(view, view.buttons.find((b) => b.text === claim)!.data);
    await sleep(this.think());
    const approve = arabic('staff.button.approve');
    const decidable = await chat.sayAndWait(
      `/case ${job.reference}`,
      (m) => m.text.includes(job.reference) && m.buttons.some((b) => b.text === approve),
      this.stepTimeoutMs,
    );
    await sleep(this.think());
    await this.approve(chat, decidable, approve);
  }

  /** Presses Approve, answers the question about the support granted, waits for the confirmation. */
  private async approve(chat: StaffChat, on: BotMessage, approve: string): Promise<void> {
    const asked = markerOf('staff.ask.support');
    await chat.pressAndWait(on, on.buttons.find((b) => b.text === approve)!.data, (m) => m.text.includes(asked), this.stepTimeoutMs);
    await sleep(this.think());
    const decided = markerOf('staff.decided.approved');
    await chat.sayAndWait('سلة غذائية شهرية لمدة ثلاثة أشهر', (m) => m.text.includes(decided), this.stepTimeoutMs);
  }

  private async groupMessage(messageId: number, match: (m: BotMessage) => boolean): Promise<BotMessage> {
    const deadline = performance.now() + this.stepTimeoutMs;
    for (;;) {
      const current = this.groupMessages.get(messageId);
      if (current && match(current)) return current;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error('the group alert was not updated');
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.groupWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.groupWaiters.add(wake);
      });
    }
  }
}

/** A researcher's private chat with the bot, and their presses in the group. */
class StaffChat {
  private readonly received: BotMessage[] = [];
  private wake: (() => void) | null = null;
  private messageId = 0;

  constructor(
    private readonly board: Switchboard,
    readonly userId: number,
  ) {
    board.listen(userId, (message) => {
      this.received.push(message);
      if (this.received.length > 20) this.received.shift();
      this.wake?.();
    });
  }

  press(on: BotMessage, data: string): void {
    this.board.api.pushUpdate(pressUpdate(this.board.api, this.userId, on, data));
  }

  async pressAndWait(on: BotMessage, data: string, match: (m: BotMessage) => boolean, timeoutMs: number): Promise<BotMessage> {
    this.received.length = 0;
    this.press(on, data);
    return this.waitFor(match, timeoutMs);
  }

  async sayAndWait(text: string, match: (m: BotMessage) => boolean, timeoutMs: number): Promise<BotMessage> {
    this.received.length = 0;
    this.board.api.pushUpdate(messageUpdate(this.userId, this.userId, ++this.messageId, textFields(text)));
    return this.waitFor(match, timeoutMs);
  }

  private async waitFor(match: (m: BotMessage) => boolean, timeoutMs: number): Promise<BotMessage> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error('no answer in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }
  }
}
