/**
 * The checks of the fault suite, read from where the truth is: the service's MongoDB (the
 * inbox, each conversation's handled marks and outbox counters, the cases) and the fake
 * Bot API's record of what Telegram accepted. Nothing here asks the service.
 */
import type { Connection } from 'mongoose';
import type { KeyRing } from '../../../src/privacy/key-ring.js';
import { chatKeyOf, messageMarkOf } from '../../../src/services/identifiers.js';
import { align, type Expected, type Person, type Transcripts } from './traffic.js';
import { STAFF_GROUP } from './rig.js';

/** The figures of one case; every count is over all the case's chats. */
export interface Tally {
  /** Distinct messages people sent. */
  inbound: number;
  /** Of those, handled (their mark is in the conversation). */
  handled: number;
  /** Neither handled nor waiting: lost. Must be 0. */
  lost: number;
  /** Still in the inbox (waiting or set aside) when the case ended. Must be 0. */
  stuck: number;
  /** Set aside after repeated failures. Must be 0 under these faults. */
  setAside: number;
  /** Handled more than once (a mark written twice). Must be 0. */
  handledTwice: number;
  /** Replies the conversations created (outbox messages). */
  replies: number;
  /** Replies marked sent. */
  marked: number;
  /** Distinct replies Telegram accepted, in the expected order where the chat's script is known. */
  delivered: number;
  /** Sends Telegram accepted more than once. */
  duplicateSends: number;
  /** Replies received out of place or not expected (known scripts only). Must be 0. */
  unexpected: number;
  /** Requests that should have become cases, and the cases stored for them. */
  casesExpected: number;
  casesCreated: number;
  /** Cases beyond one per request chat. Must be 0. */
  duplicateCases: number;
  /** Case alerts posted to the staff group, and how many of them repeated a case already posted. */
  alertsPosted: number;
  duplicateAlerts: number;
}

/** Where one chat stands in MongoDB. */
interface ChatState {
  handled: string[];
  outboxSeq: number;
  sentSeq: number;
}

export function chatKeyFor(keys: KeyRing, chatId: number): string {
  return chatKeyOf(keys, 'telegram', String(chatId));
}

/** Reads every conversation's sent mark, by chat key (cheap: one query, no decryption). */
export async function sentMarks(connection: Connection): Promise<Map<string, number>> {
  const docs = await connection
    .collection('conversations')
    .find({}, { projection: { sentSeq: 1 } })
    .toArray();
  return new Map(docs.map((d) => [String(d._id), Number(d.sentSeq ?? 0)]));
}

/** Whether the service has nothing left to do: no message waiting, no reply unsent. */
export async function quiet(connection: Connection): Promise<boolean> {
  const inbox = await connection.collection('inbox').countDocuments({});
  const outbox = await connection.collection('conversations').countDocuments({ outboxPending: true });
  return inbox === 0 && outbox === 0;
}

/** One chat as the tally reads it: who it is in MongoDB, what its person sent, what reached them. */
export interface TalliedChat {
  kind: 'chatter' | 'request';
  chatKey: string;
  /** The ids of the messages the person sent, as the service keys them (its handled marks are made from them). */
  messageIds: string[];
  /** What the chat received, normalized. */
  received: string[];
  /** The replies it should receive, in order, when its script is known. */
  expected: Expected | null;
}

/**
 * Counts a case's outcome. `expected` gives the replies a chat should receive when its
 * script is known (in order); without it delivery is counted from the outbox counters.
 */
export async function tally(
  connection: Connection,
  keys: KeyRing,
  people: readonly Person[],
  transcripts: Transcripts,
  expected: (person: Person) => Expected | null,
): Promise<Tally> {
  const chats = people.map((person): TalliedChat => ({
    kind: person.kind,
    chatKey: chatKeyFor(keys, person.chatId),
    messageIds: person.updates.map((u) => String(u.update_id)),
    received: transcripts.of(person.chatId).map((text) => person.normalize(text)),
    expected: expected(person),
  }));
  return tallyChats(connection, keys, chats, transcripts.all().get(STAFF_GROUP) ?? []);
}

/** Counts the outcome of any channel's chats; `staffGroup` is what the researchers' group received. */
export async function tallyChats(connection: Connection, keys: KeyRing, chats: readonly TalliedChat[], staffGroup: readonly string[]): Promise<Tally> {
  const t: Tally = {
    inbound: 0,
    handled: 0,
    lost: 0,
    stuck: 0,
    setAside: 0,
    handledTwice: 0,
    replies: 0,
    marked: 0,
    delivered: 0,
    duplicateSends: 0,
    unexpected: 0,
    casesExpected: 0,
    casesCreated: 0,
    duplicateCases: 0,
    alertsPosted: 0,
    duplicateAlerts: 0,
  };
  const conversations = connection.collection('conversations');
  const inbox = connection.collection('inbox');
  const cases = connection.collection('cases');
  for (const chat of chats) {
    const { chatKey } = chat;
    const doc = await conversations.findOne({ _id: chatKey as never });
    const state: ChatState = {
      handled: (doc?.handled as string[] | undefined) ?? [],
      outboxSeq: Number(doc?.outboxSeq ?? 0),
      sentSeq: Number(doc?.sentSeq ?? 0),
    };
    const waiting = await inbox.find({ chatKey }).toArray();
    t.stuck += waiting.length;
    t.setAside += waiting.filter((w) => w.status === 'set_aside').length;
    const waitingIds = new Set(waiting.map((w) => String(w._id)));
    for (const id of new Set(chat.messageIds)) {
      const mark = messageMarkOf(keys, chatKey, id);
      const times = state.handled.filter((m) => m === mark).length;
      t.inbound += 1;
      if (times > 0) t.handled += 1;
      if (times > 1) t.handledTwice += 1;
      if (times === 0 && !waitingIds.has(`${chatKey}_${mark}`)) t.lost += 1;
    }
    t.replies += state.outboxSeq;
    t.marked += state.sentSeq;
    if (chat.expected) {
      const a = align(chat.received, chat.expected.replies);
      t.delivered += a.matched;
      t.duplicateSends += a.duplicates;
      t.unexpected += a.unexpected;
    } else {
      // Unknown script (reordered input): one send per reply, so anything beyond the outbox is a repeat.
      t.delivered += Math.min(chat.received.length, state.outboxSeq);
      t.duplicateSends += Math.max(0, chat.received.length - state.outboxSeq);
    }
    if (chat.kind === 'request') {
      t.casesExpected += 1;
      const count = await cases.countDocuments({ chatKey });
      t.casesCreated += count;
      t.duplicateCases += Math.max(0, count - 1);
    }
  }
  const alerts = staffGroup.map((text) => /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(text)?.[0]).filter((ref): ref is string => ref !== undefined);
  t.alertsPosted = alerts.length;
  t.duplicateAlerts = t.alertsPosted - new Set(alerts).size;
  return t;
}

/** The invariants every case must keep, as readable failures (empty when all hold). */
export function violations(t: Tally, options: { duplicateBound: number; boundName: string }): string[] {
  const broken: string[] = [];
  if (t.lost > 0) broken.push(`${t.lost} inbound message(s) lost`);
  if (t.stuck > 0) broken.push(`${t.stuck} inbound message(s) still in the inbox (${t.setAside} set aside)`);
  if (t.handledTwice > 0) broken.push(`${t.handledTwice} inbound message(s) handled twice`);
  if (t.handled !== t.inbound) broken.push(`${t.inbound - t.handled} inbound message(s) not handled`);
  if (t.marked !== t.replies) broken.push(`${t.replies - t.marked} repl(ies) never marked sent`);
  if (t.delivered !== t.replies) broken.push(`${t.replies} replies created but ${t.delivered} delivered`);
  if (t.unexpected > 0) broken.push(`${t.unexpected} repl(ies) out of order or unexpected`);
  if (t.duplicateCases > 0) broken.push(`${t.duplicateCases} case(s) created twice`);
  if (t.casesCreated - t.duplicateCases !== t.casesExpected) broken.push(`${t.casesExpected} requests but ${t.casesCreated - t.duplicateCases} distinct cases`);
  const repeats = t.duplicateSends + t.duplicateAlerts;
  if (repeats > options.duplicateBound)
    broken.push(`${repeats} repeated send(s) (${t.duplicateAlerts} of them case alerts), more than the ${options.duplicateBound} ${options.boundName}`);
  return broken;
}
