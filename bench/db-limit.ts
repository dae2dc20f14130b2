/**
 * The database's limit, for comparison: the least any durable design must do per message,
 * with the raw MongoDB driver — read the chat's conversation, write it back — and nothing
 * else: no validation, no encryption, no queue, no lock, no files. It answers each message
 * with the next question's text and buttons (so the same simulated applicants can go
 * through it) and moves the polling offset past a batch only once every write of the batch
 * is done; chats of a batch are handled side by side, each chat's messages in order.
 */
import { MongoClient } from 'mongodb';
import { Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import { MAX_OPERATIONS_IN_FLIGHT } from '../src/models/database.js';
import { serveBench } from './child.js';
import { monitoredUri, watchMongo } from './mongo-monitor.js';
import { REQUEST_TURNS, arabic } from './script.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

interface ConversationDoc {
  _id: number;
  turn: number;
  answers: string[];
  updatedAt: Date;
}

// The service's cap on operations in flight: with the driver's default (100) this bot once hung
// FerretDB v1 on PostgreSQL (about 50 updates at once deadlock it; src/models/database.ts).
const client = new MongoClient(monitoredUri(env('MONGODB_URI')), { maxPoolSize: MAX_OPERATIONS_IN_FLIGHT });
await client.connect();
const conversations = client.db(env('BENCH_DB')).collection<ConversationDoc>('conversations');
const mongo = watchMongo(client);
const telegram = new Telegram(env('TELEGRAM_BOT_TOKEN'), { apiRoot: env('TELEGRAM_API_ROOT'), webhookReply: false });

/** The reply to the n-th message of a chat: the question its answer leads to, with the buttons the next answer presses. */
function replyTo(turn: number): { text: string; buttons: string[] } {
  const current = REQUEST_TURNS[Math.min(turn, REQUEST_TURNS.length - 1)]!;
  const following = REQUEST_TURNS[turn + 1]?.send;
  return { text: arabic(current.next), buttons: following && 'choice' in following ? [following.choice] : [] };
}

async function handle(chatId: number, update: Update): Promise<void> {
  const doc = await conversations.findOne({ _id: chatId });
  const turn = doc?.turn ?? 0;
  const message = 'message' in update ? update.message : undefined;
  const answer =
    message && 'text' in message ? message.text : 'callback_query' in update && 'data' in update.callback_query ? update.callback_query.data : 'file';
  await conversations.replaceOne({ _id: chatId }, { turn: turn + 1, answers: [...(doc?.answers ?? []), answer], updatedAt: new Date() }, { upsert: true });
  if ('callback_query' in update) await telegram.answerCbQuery(update.callback_query.id);
  const reply = replyTo(turn);
  await telegram.sendMessage(
    chatId,
    reply.text,
    reply.buttons.length > 0 ? { reply_markup: { inline_keyboard: reply.buttons.map((b) => [{ text: b, callback_data: b }]) } } : {},
  );
}

let running = true;
let offset = 0;
let errors = 0;
const poll = async () => {
  while (running) {
    const updates = await telegram.callApi('getUpdates', { offset, timeout: 5, allowed_updates: ['message', 'callback_query'] }).catch(() => [] as Update[]);
    const byChat = new Map<number, Update[]>();
    for (const update of updates) {
      const chatId = 'message' in update ? update.message.chat.id : 'callback_query' in update ? (update.callback_query.message?.chat.id ?? 0) : 0;
      byChat.set(chatId, [...(byChat.get(chatId) ?? []), update]);
    }
    await Promise.all(
      [...byChat].map(async ([chatId, chatUpdates]) => {
        for (const update of chatUpdates) await handle(chatId, update).catch(() => (errors += 1));
      }),
    );
    if (updates.length > 0) offset = updates.at(-1)!.update_id + 1;
  }
};
const polling = poll();
serveBench({
  mongo: () => mongo,
  stop: async () => {
    running = false;
    await polling;
    await client.close();
  },
  extra: () => ({ errors }),
});
process.send?.({ ready: true });
