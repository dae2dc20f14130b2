/**
 * The floor of the current design (issue 24): with the raw driver against the real server, the
 * document operations one message needs under today's guarantees and nothing else (no engine,
 * no encryption, no queue, no Telegram):
 *
 *   1. the message stored in the inbox before it is acknowledged      insert
 *   2. the chat's conversation read                                   find
 *   3. the conversation written with its handled mark and its outbox  update (replace)
 *   4. the reply marked sent                                          update
 *   5. the message removed from the inbox                             delete
 *
 * first one message at a time per chat, as the service works (one chain of five commands per
 * message; `inFlight` chains side by side, as the service's pool allows), then in batches of
 * B chats' messages: `insertMany`, one `find` with `$in`, one `bulkWrite` of B replaces, one of
 * B sent marks, one `deleteMany`: five commands for B messages up to 32 (above that FerretDB v1
 * needs the updates split, FERRETDB_UPDATE_STATEMENTS, and the read a `getMore`: twelve for
 * 128). Batches run one at a time: with several in flight their statements would near the
 * roughly 50 that hang FerretDB v1. Documents are shaped as the
 * service's are, at their usual sizes (sealed values are base64 of random bytes here).
 * Each mode runs for a fixed time after a short warm-up; CPU per message is read for this
 * process, FerretDB, its PostgreSQL and Redis (which the floor does not use: its share is what
 * others on the machine cost).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { MongoClient, type AnyBulkWriteOperation, type Collection } from 'mongodb';
import { MAX_OPERATIONS_IN_FLIGHT } from '../src/models/database.js';
import { monitoredUri, watchMongo } from './mongo-monitor.js';
import { postgresCpuMs, procCpuMs } from './processes.js';

export interface FloorMode {
  mode: string;
  /** Messages in one batch (1: one message at a time). */
  batch: number;
  /** Chains (or batches) in flight at once. */
  inFlight: number;
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  documentsPerMessage: number;
  commandsPerMessage: number;
  kbPerMessage: number;
  /** CPU ms per message, by process. */
  cpuMsPerMessage: { ours: number; ferretdb: number | null; postgres: number | null; redis: number | null };
  /** Server time (as the driver saw it) per message, by command and collection ("update conversations"). */
  commandMsPerMessage: Record<string, number>;
}

export interface FloorResult {
  chats: number;
  conversationBytes: number;
  modes: FloorMode[];
}

interface ConversationDoc {
  _id: string;
  channel: string;
  session: string;
  lang: string;
  handled: string[];
  outbox: { seq: number; body: string }[];
  outboxSeq: number;
  sentSeq: number;
  version: number;
  updatedAt: Date;
}

interface InboxDoc {
  _id: string;
  chatKey: string;
  body: string;
  seq: number;
  receivedAt: Date;
}

const sealed = (bytes: number) => randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64url');
const mark = () => randomBytes(12).toString('hex');

/** A conversation as the service keeps one mid-request: its sealed session, its last marks and replies. */
function conversation(chatKey: string, version: number): ConversationDoc {
  return {
    _id: chatKey,
    channel: 'telegram',
    session: sealed(3_000),
    lang: 'ar',
    handled: Array.from({ length: 20 }, mark),
    outbox: [
      { seq: version * 2 - 1, body: sealed(600) },
      { seq: version * 2, body: sealed(600) },
    ],
    outboxSeq: version * 2,
    sentSeq: version * 2 - 2,
    version,
    updatedAt: new Date(),
  };
}

function message(chatKey: string, seq: number): InboxDoc {
  return { _id: `${chatKey}:${seq}`, chatKey, body: sealed(400), seq, receivedAt: new Date() };
}

/** The next state of a conversation after one message: the new session, one more mark, the reply in the outbox. */
function stepped(doc: ConversationDoc | null, chatKey: string): ConversationDoc {
  const version = (doc?.version ?? 0) + 1;
  const next = conversation(chatKey, version);
  if (doc) next.handled = [...doc.handled.slice(-19), mark()];
  return next;
}

async function oneMessage(conversations: Collection<ConversationDoc>, inbox: Collection<InboxDoc>, chatKey: string, seq: number): Promise<void> {
  const inbound = message(chatKey, seq);
  await inbox.insertOne(inbound);
  const doc = await conversations.findOne({ _id: chatKey });
  const next = stepped(doc, chatKey);
  await conversations.replaceOne({ _id: chatKey }, next, { upsert: true });
  await conversations.updateOne({ _id: chatKey }, { $set: { sentSeq: next.outboxSeq } });
  await inbox.deleteOne({ _id: inbound._id });
}

/**
 * The most statements one update command may carry here: FerretDB v1 on PostgreSQL hangs for good
 * on an update command of 64 statements (48 pass), ordered or not, as on about 50 updates at once
 * (src/models/database.ts): each statement holds one of its 50 PostgreSQL connections. Larger
 * batches go as several commands of this size, one after another.
 */
export const FERRETDB_UPDATE_STATEMENTS = 32;

async function bulkInChunks(conversations: Collection<ConversationDoc>, operations: AnyBulkWriteOperation<ConversationDoc>[]): Promise<void> {
  for (let i = 0; i < operations.length; i += FERRETDB_UPDATE_STATEMENTS) {
    await conversations.bulkWrite(operations.slice(i, i + FERRETDB_UPDATE_STATEMENTS), { ordered: false });
  }
}

async function oneBatch(conversations: Collection<ConversationDoc>, inbox: Collection<InboxDoc>, chatKeys: string[], seq: number): Promise<void> {
  const inbound = chatKeys.map((chatKey) => message(chatKey, seq));
  await inbox.insertMany(inbound, { ordered: false });
  const docs = new Map((await conversations.find({ _id: { $in: chatKeys } }).toArray()).map((d) => [d._id, d]));
  const next = chatKeys.map((chatKey) => stepped(docs.get(chatKey) ?? null, chatKey));
  await bulkInChunks(
    conversations,
    next.map((doc) => ({ replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } })),
  );
  await bulkInChunks(
    conversations,
    next.map((doc) => ({ updateOne: { filter: { _id: doc._id }, update: { $set: { sentSeq: doc.outboxSeq } } } })),
  );
  await inbox.deleteMany({ _id: { $in: inbound.map((m) => m._id) } });
}

export async function floorBench(options: {
  mongoUri: string;
  dbName: string;
  ferretPid: number | null;
  redisPid: number | null;
  seconds: number;
  chats?: number;
  log?: (line: string) => void;
}): Promise<FloorResult> {
  const chats = options.chats ?? 2_048;
  const client = new MongoClient(monitoredUri(options.mongoUri), { maxPoolSize: MAX_OPERATIONS_IN_FLIGHT });
  await client.connect();
  const counts = watchMongo(client);
  const db = client.db(options.dbName);
  const conversations = db.collection<ConversationDoc>('conversations');
  const inbox = db.collection<InboxDoc>('inbox');
  const keys = Array.from({ length: chats }, (_, i) => `telegram_${i.toString(16).padStart(24, '0')}`);
  try {
    // A run cut short (FerretDB hung, the bench stopped) leaves its database behind.
    await db.dropDatabase();
    options.log?.(`floor: seeding ${chats} conversations`);
    for (let i = 0; i < keys.length; i += 256) await conversations.insertMany(keys.slice(i, i + 256).map((k) => conversation(k, 1)));
    const conversationBytes = JSON.stringify(conversation(keys[0]!, 1)).length;
    const modes: FloorMode[] = [];
    const plans: { mode: string; batch: number; inFlight: number }[] = [
      { mode: 'one at a time', batch: 1, inFlight: 1 },
      { mode: `one at a time, ${MAX_OPERATIONS_IN_FLIGHT} chats side by side`, batch: 1, inFlight: MAX_OPERATIONS_IN_FLIGHT },
      { mode: 'batches of 8', batch: 8, inFlight: 1 },
      { mode: 'batches of 32', batch: 32, inFlight: 1 },
      { mode: 'batches of 128', batch: 128, inFlight: 1 },
    ];
    let seq = 0;
    for (const plan of plans) {
      options.log?.(`floor: ${plan.mode}`);
      // Each lane takes its own chats, so no chat is worked by two lanes at once (as partitions would).
      const perLane = Math.floor(chats / plan.inFlight);
      const lane = async (index: number, until: number): Promise<number> => {
        const own = keys.slice(index * perLane, (index + 1) * perLane);
        let done = 0;
        let at = 0;
        while (performance.now() < until) {
          seq += 1;
          if (plan.batch === 1) {
            await oneMessage(conversations, inbox, own[at % own.length]!, seq);
            at += 1;
          } else {
            const batch = Array.from({ length: plan.batch }, (_, k) => own[(at + k) % own.length]!);
            await oneBatch(conversations, inbox, batch, seq);
            at += plan.batch;
          }
          done += plan.batch;
        }
        return done;
      };
      const run = (ms: number) => {
        const until = performance.now() + ms;
        return Promise.all(Array.from({ length: plan.inFlight }, (_, index) => lane(index, until))).then((n) => n.reduce((x, y) => x + y, 0));
      };
      await run(Math.min(2_000, options.seconds * 200));
      const before = {
        at: performance.now(),
        ours: process.cpuUsage(),
        ferretdb: options.ferretPid ? procCpuMs(options.ferretPid) : null,
        postgres: postgresCpuMs(),
        redis: options.redisPid ? procCpuMs(options.redisPid) : null,
        commands: counts.reads + counts.writes + counts.other,
        bytes: counts.bytesIn + counts.bytesOut,
        byCommand: Object.fromEntries(Object.entries(counts.byCollection).map(([key, entry]) => [key, entry.ms])),
      };
      const messages = await run(options.seconds * 1000);
      const seconds = (performance.now() - before.at) / 1000;
      const ours = process.cpuUsage(before.ours);
      const after = {
        ferretdb: options.ferretPid ? procCpuMs(options.ferretPid) : null,
        postgres: postgresCpuMs(),
        redis: options.redisPid ? procCpuMs(options.redisPid) : null,
      };
      const per = (a: number | null, b: number | null) => (a === null || b === null ? null : (b - a) / messages);
      modes.push({
        mode: plan.mode,
        batch: plan.batch,
        inFlight: plan.inFlight,
        messages,
        seconds,
        messagesPerSecond: messages / seconds,
        // Every message: its inbox document inserted and deleted, its conversation read, replaced and marked.
        documentsPerMessage: 5,
        commandsPerMessage: (counts.reads + counts.writes + counts.other - before.commands) / messages,
        kbPerMessage: (counts.bytesIn + counts.bytesOut - before.bytes) / 1024 / messages,
        commandMsPerMessage: Object.fromEntries(
          Object.entries(counts.byCollection)
            .map(([key, entry]) => [key, (entry.ms - (before.byCommand[key] ?? 0)) / messages] as const)
            .filter(([, ms]) => ms > 0),
        ),
        cpuMsPerMessage: {
          ours: (ours.user + ours.system) / 1000 / messages,
          ferretdb: per(before.ferretdb, after.ferretdb),
          postgres: per(before.postgres, after.postgres),
          redis: per(before.redis, after.redis),
        },
      });
    }
    return { chats, conversationBytes, modes };
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}
