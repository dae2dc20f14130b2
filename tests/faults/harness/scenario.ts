/**
 * What every fault case does around its fault: learn the expected replies from control
 * chats, make the people, wait for the service to finish, count, check, and report.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Connection } from 'mongoose';
import { chatKeyFor, quiet, sentMarks, tally, violations, type Tally } from './ledger.js';
import { recordCase, SCRIPT_CACHE } from './report.js';
import type { JobCounts } from './jobs.js';
import { STAFF_GROUP, type Rig } from './rig.js';

const REFERENCE = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/;
import { align, learn, Person, samplePhoto, Transcripts, until, type Deliver, type Expected } from './traffic.js';

/** The expected replies of both kinds of chat, learnt from two control chats. */
export interface Script {
  chatter: Expected;
  request: Expected;
  controls: Person[];
  photo: Buffer;
  expected: (person: Person) => Expected;
}

/**
 * Runs a control chat of each kind through the service with no fault (they stay part of
 * the case's tally), once per suite run: later cases read what the first one learnt.
 */
export async function learnScript(rig: Rig, deliver: Deliver): Promise<Script> {
  const photo = await samplePhoto();
  let learnt: { chatter: Expected; request: Expected } | null = null;
  if (existsSync(SCRIPT_CACHE)) learnt = JSON.parse(readFileSync(SCRIPT_CACHE, 'utf8')) as { chatter: Expected; request: Expected };
  const controls: Person[] = [];
  if (!learnt) {
    const chatterControl = Person.chatter(900_001);
    const requestControl = Person.request(900_002, 0);
    const [chatter, request] = await Promise.all([learn(chatterControl, rig.fake, deliver, photo), learn(requestControl, rig.fake, deliver, photo)]);
    // A sanity check on the control run itself: a request ends with its reference.
    expect(request.replies.some((r) => r.includes('SR-REF'))).toBe(true);
    learnt = { chatter, request };
    controls.push(chatterControl, requestControl);
    writeFileSync(SCRIPT_CACHE, JSON.stringify(learnt));
  }
  const { chatter, request } = learnt;
  return { chatter, request, controls, photo, expected: (person) => (person.kind === 'chatter' ? chatter : request) };
}

/** A case's crowd size scaled by FAULTS_SCALE (default 1): smaller for a quick look, larger for a soak. */
export function scaled(n: number): number {
  return Math.max(1, Math.round(n * Number(process.env.FAULTS_SCALE ?? 1)));
}

/** `chatters` short conversations and `requests` support requests, chat ids unique to the case. */
export function crowd(chatters: number, requests: number, base = 1000): Person[] {
  const people: Person[] = [];
  for (let i = 0; i < Math.max(chatters, requests); i++) {
    if (i < chatters) people.push(Person.chatter(base + 2 * i));
    if (i < requests) people.push(Person.request(base + 2 * i + 1, base + i + 1));
  }
  return people;
}

/** Runs the traffic with the fault beside it; a failing fault fails at once instead of leaving the traffic to time out. */
export async function alongside(fault: Promise<unknown>, traffic: Promise<unknown>): Promise<void> {
  const failed = fault.then(
    () => new Promise<never>(() => undefined),
    (error: unknown) => Promise.reject(error instanceof Error ? error : new Error(String(error))),
  );
  await Promise.race([traffic, failed]);
  await fault;
}

/** Waits until every chat received all it should and nothing is left to do in MongoDB. */
export async function settle(rig: Rig, people: readonly Person[], expected: (person: Person) => Expected | null, timeoutMs: number): Promise<void> {
  const transcripts = Transcripts.of(rig.fake);
  const db = await rig.database();
  const behind = () =>
    people.filter((p) => {
      const known = expected(p);
      return (
        known !== null &&
        align(
          transcripts.of(p.chatId).map((t) => p.normalize(t)),
          known.replies,
        ).matched < known.replies.length
      );
    });
  const describe = () =>
    behind()
      .slice(0, 6)
      .map(
        (p) =>
          `chat ${p.chatId} (${p.kind}) received ${
            align(
              transcripts.of(p.chatId).map((t) => p.normalize(t)),
              expected(p)?.replies ?? [],
            ).matched
          }/${expected(p)?.replies.length}`,
      )
      .join('; ');
  try {
    await until(
      async () => behind().length === 0 && (await quiet(db).catch(() => false)),
      () => `every reply delivered and the inbox and outboxes empty (${behind().length} chats behind: ${describe()})`,
      timeoutMs,
      200,
    );
  } catch (error) {
    const inbox = await db
      .collection('inbox')
      .find({})
      .limit(5)
      .toArray()
      .catch(() => []);
    const pending = await db
      .collection('conversations')
      .find({ outboxPending: true }, { projection: { sentSeq: 1, outboxSeq: 1 } })
      .limit(5)
      .toArray()
      .catch(() => []);
    const logs = rig.processes.map((p) => `--- ${p.role} (pid ${p.pid}, ${JSON.stringify(p.exit)}) ---\n${p.tail(15)}`).join('\n');
    // What a chat behind received against what it should have: shows a reply missing from one out of place.
    const clip = (text: string) => text.replace(/\s+/g, ' ').slice(0, 50);
    const chats = behind()
      .slice(0, 2)
      .map(
        (p) =>
          `chat ${p.chatId} received:\n  ${transcripts
            .of(p.chatId)
            .map((t) => clip(p.normalize(t)))
            .join('\n  ')}\nexpected:\n  ${(expected(p)?.replies ?? []).map(clip).join('\n  ')}`,
      )
      .join('\n');
    throw new Error(
      `${(error as Error).message}\n${chats}\ninbox: ${JSON.stringify(inbox.map((d) => ({ id: d._id, status: d.status, attempts: d.attempts, receivedAt: d.receivedAt })))}\noutboxes: ${JSON.stringify(pending)}\n${logs}`,
    );
  }
}

/**
 * Counts, at a still moment (no process sending), the sends Telegram accepted that their
 * sender had not yet marked: each is a send a crash interrupted, and the only kind of send
 * the design allows to be repeated. Counted once per copy sent: a message resent by the
 * next worker and interrupted again counts again (and is repeated again).
 */
export class InterruptedSends {
  private readonly seen = new Set<string>();
  /** Chats where more was delivered than marked by more than one, or marked but not delivered. */
  readonly anomalies: string[] = [];

  constructor(
    private readonly rig: Rig,
    private readonly people: () => readonly Person[],
    private readonly expected: (person: Person) => Expected,
  ) {}

  get count(): number {
    return this.seen.size;
  }

  /** The interrupted sends of one chat (for diagnosis). */
  of(chatKey: string): string[] {
    return [...this.seen].filter((key) => key.startsWith(`${chatKey}:`));
  }

  /** Looks now; returns how many new interrupted sends it found (replies to people, and case alerts to the staff group). */
  async look(db: Connection): Promise<number> {
    const transcripts = Transcripts.of(this.rig.fake);
    const marks = await sentMarks(db);
    let found = 0;
    const note = (key: string) => {
      if (this.seen.has(key)) return;
      this.seen.add(key);
      found += 1;
    };
    for (const person of this.people()) {
      const chatKey = chatKeyFor(this.rig.keys, person.chatId);
      const marked = marks.get(chatKey) ?? 0;
      const replies = this.expected(person).replies;
      const { matched: delivered, copies } = align(
        transcripts.of(person.chatId).map((t) => person.normalize(t)),
        replies,
      );
      // A resent reply whose next reply has the same text (two menus in a row) aligns as that next
      // reply: the run of identical texts after the mark is one interrupted send, its copies summed.
      const sameRun = delivered > marked + 1 && replies.slice(marked, delivered).every((text) => text === replies[marked]);
      if (delivered === marked + 1 || sameRun) note(`${chatKey}:${marked + 1}:${copies.slice(marked, delivered).reduce((sum, n) => sum + n, 0)}`);
      else if (delivered !== marked) this.anomalies.push(`chat ${person.chatId}: ${delivered} delivered, ${marked} marked`);
    }
    // A case alert the group received whose case still says "pending" was posted by a poster that died before its mark.
    const posted = new Map<string, number>();
    for (const text of transcripts.of(STAFF_GROUP)) {
      const reference = REFERENCE.exec(text)?.[0];
      if (reference) posted.set(reference, (posted.get(reference) ?? 0) + 1);
    }
    for (const doc of await db
      .collection('cases')
      .find({}, { projection: { reference: 1, alert: 1 } })
      .toArray()) {
      const copies = posted.get(String(doc.reference)) ?? 0;
      if (copies > 0 && (doc.alert as { state?: string } | null)?.state !== 'posted') note(`alert:${String(doc.reference)}:${copies}`);
    }
    return found;
  }
}

/** What a case reports besides its tally. */
export interface Outcome {
  case: string;
  title: string;
  startedAt: number;
  faults: Record<string, number>;
  duplicateBound: number;
  boundName: string;
  notes?: string[];
  extraViolations?: string[];
}

/** Counts, checks and reports a case; fails the test on a broken invariant. */
export async function finish(
  rig: Rig,
  people: readonly Person[],
  expected: (person: Person) => Expected | null,
  outcome: Outcome,
  jobs: JobCounts,
): Promise<Tally> {
  const db = await rig.database();
  return judge(rig, await tally(db, rig.keys, people, Transcripts.of(rig.fake), expected), outcome, jobs);
}

/** Checks and reports a tally made by the case; fails the test on a broken invariant. */
export function judge(rig: Rig, t: Tally, outcome: Outcome, jobs: JobCounts): Tally {
  const broken = [...violations(t, { duplicateBound: outcome.duplicateBound, boundName: outcome.boundName }), ...(outcome.extraViolations ?? [])];
  recordCase({
    case: outcome.case,
    title: outcome.title,
    passed: broken.length === 0,
    durationMs: Date.now() - outcome.startedAt,
    faults: outcome.faults,
    tally: t,
    duplicateBound: outcome.duplicateBound,
    jobs,
    logged: rig.problems(),
    violations: broken,
    notes: outcome.notes ?? [],
  });
  expect(broken, JSON.stringify(t)).toEqual([]);
  return t;
}

/** Writes, for diagnosis, each chat whose duplicates exceed its interrupted sends: when the copies were sent. */
export function dumpDuplicates(
  rig: Rig,
  people: readonly Person[],
  expected: (person: Person) => Expected,
  interrupted: InterruptedSends,
  events: { at: number; what: string }[],
): void {
  const out: unknown[] = [];
  for (const person of people) {
    const chatKey = chatKeyFor(rig.keys, person.chatId);
    const calls = rig.fake.calls.filter((c) => c.method === 'sendMessage' && c.result !== undefined && Number(c.params.chat_id) === person.chatId);
    const received = calls.map((c) => person.normalize(String(c.params.text)));
    const a = align(received, expected(person).replies);
    if (a.duplicates <= interrupted.of(chatKey).length) continue;
    out.push({
      chatId: person.chatId,
      chatKey,
      interrupted: interrupted.of(chatKey),
      sends: calls.map((c, i) => ({ at: c.at, i, text: received[i]?.slice(0, 30) })),
    });
  }
  if (out.length > 0)
    writeFileSync(fileURLToPath(new URL('../../../.data/faults-duplicates.json', import.meta.url)), JSON.stringify({ events, chats: out }, null, 1));
}
