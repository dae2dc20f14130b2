/**
 * The naive way, for comparison: the same support request written as a typical telegraf
 * bot — telegraf's own polling, `Scenes.WizardScene`, the session in MongoDB through
 * `@telegraf/session`, `ctx.reply` straight from the handler, no queue. It asks the same
 * questions with the same texts, buttons and validators as the service (read from the
 * same flow definition and content), stores the case with one insert and posts the
 * group alert itself.
 *
 * What it lacks, by design of the way it is written: a message is acknowledged to Telegram
 * before it is handled (telegraf moves the offset past a batch first), so a crash loses it;
 * a batch is handled concurrently, so one chat's messages may be handled out of order; a
 * failed reply is lost, and nothing keeps Telegram's limits (a 429 is an error); the file
 * is not downloaded, checked or kept (only Telegram's file_id); nothing is encrypted; one
 * open request per national ID is not enforced; the declaration is not recorded.
 */
import { MongoClient } from 'mongodb';
import { Markup, Scenes, Telegraf, session } from 'telegraf';
import { Mongo } from '@telegraf/session/mongodb';
import { supportRequestFlow } from '../../src/flows/support-request.js';
import { validatorRegistry } from '../../src/flows/catalog.js';
import { matchChoice, matchYesNo } from '../../src/flows/validators/index.js';
import { createTranslator, loadCatalogues } from '../../src/i18n/translator.js';
import { MAX_OPERATIONS_IN_FLIGHT } from '../../src/models/database.js';
import { serveBench } from '../child.js';
import { monitoredUri, watchMongo } from '../mongo-monitor.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const t = createTranslator(loadCatalogues());
const say = (key: string, params?: Record<string, string | number>) => t('ar', key, params);
const GROUP = Number(env('BENCH_GROUP'));

type Answer = string | number | string[] | number[];
interface Question {
  id: string;
  prompt: string;
  label: string;
  options?: { id: string; label: string }[];
  validator?: { name: string; options?: Record<string, number> };
  document?: boolean;
}

// The questions of the service's own flow, in order.
const QUESTIONS: Question[] = Object.entries(supportRequestFlow.steps).flatMap(([id, step]): Question[] => {
  if (step.kind !== 'question') return [];
  const answer: { type: string; options?: unknown; validator?: string } = step.answer;
  const question: Question = { id, prompt: step.prompt, label: step.label };
  if (answer.type === 'choice' || answer.type === 'multi_choice') question.options = answer.options as { id: string; label: string }[];
  if (answer.type === 'validated')
    question.validator = { name: String(answer.validator), ...(answer.options ? { options: answer.options as Record<string, number> } : {}) };
  if (answer.type === 'document') question.document = true;
  return [question];
});

// Which questions apply, written out as a bot author would.
const SKIP: Record<string, (a: Record<string, Answer>) => boolean> = {
  relationship: (a) => a.for_whom !== 'family_member',
  dependants_ages: (a) => !(Number(a.family_count) > 1),
  income_sources: (a) => !(Number(a.monthly_income) > 0),
  monthly_rent: (a) => a.housing !== 'rented',
  doc_family_card: (a) => !(Number(a.family_count) > 1),
  doc_income_proof: (a) => !(Number(a.monthly_income) > 0),
  doc_lease: (a) => !(a.housing === 'rented' || a.support_type === 'rent'),
  doc_medical: (a) => a.support_type !== 'medical',
};

interface RequestState {
  answers: Record<string, Answer>;
  index: number;
  files: string[];
}

type Ctx = Scenes.WizardContext;

const buttons = (options: { id: string; label: string }[]) => Markup.inlineKeyboard(options.map((o) => [Markup.button.callback(say(o.label), o.id)]));
const yesNo = (yes: string, no: string) =>
  buttons([
    { id: 'yes', label: yes },
    { id: 'no', label: no },
  ]);
const stateOf = (ctx: Ctx) => ctx.wizard.state as RequestState;
const textOf = (ctx: Ctx) => (ctx.message && 'text' in ctx.message ? ctx.message.text : undefined);
const dataOf = (ctx: Ctx) => (ctx.callbackQuery && 'data' in ctx.callbackQuery ? ctx.callbackQuery.data : undefined);

function nextQuestion(from: number, answers: Record<string, Answer>): number {
  let i = from;
  while (i < QUESTIONS.length && SKIP[QUESTIONS[i]!.id]?.(answers)) i++;
  return i;
}

async function ask(ctx: Ctx, question: Question): Promise<void> {
  await ctx.reply(say(question.prompt), question.options ? buttons(question.options) : undefined);
}

async function showMenu(ctx: Ctx): Promise<void> {
  await ctx.reply(
    say('menu.prompt'),
    buttons([
      { id: 'request', label: 'menu.request' },
      { id: 'status', label: 'menu.status' },
      { id: 'help', label: 'menu.help' },
    ]),
  );
}

/** Reads the answer to a question; a message key when it does not do. */
function read(question: Question, ctx: Ctx): { ok: true; value: Answer } | { ok: false; error: string } {
  const data = dataOf(ctx);
  const text = textOf(ctx);
  if (question.options) {
    if (data && question.options.some((o) => o.id === data)) return { ok: true, value: data };
    const match = matchChoice(
      text ?? '',
      question.options.map((o) => ({ id: o.id, labels: [say(o.label)] })),
    );
    return match.ok ? { ok: true, value: match.value } : { ok: false, error: match.error };
  }
  if (!question.validator || text === undefined) return { ok: false, error: 'validation.expectedText' };
  const result = validatorRegistry[question.validator.name]!(text, question.validator.options);
  return result.ok ? { ok: true, value: result.value as Answer } : { ok: false, error: result.error };
}

const request = new Scenes.WizardScene<Ctx>(
  'support_request',
  async (ctx) => {
    Object.assign(ctx.wizard.state, { answers: {}, index: 0, files: [] } satisfies RequestState);
    await ctx.reply(say('privacy.notice', { draftHours: 72 }), yesNo('privacy.accept', 'privacy.decline'));
    return ctx.wizard.next();
  },
  async (ctx) => {
    if (ctx.callbackQuery) await ctx.answerCbQuery();
    const data = dataOf(ctx);
    const typed = matchYesNo(textOf(ctx) ?? '');
    const yes = data ? data === 'yes' : typed.ok && typed.value;
    if (!yes) {
      await ctx.reply(say('privacy.refused'));
      return ctx.scene.leave();
    }
    await ask(ctx, QUESTIONS[0]!);
    return ctx.wizard.next();
  },
  async (ctx) => {
    if (ctx.callbackQuery) await ctx.answerCbQuery();
    const state = stateOf(ctx);
    const question = QUESTIONS[state.index]!;
    if (question.document) {
      const photo = ctx.message && 'photo' in ctx.message ? ctx.message.photo.at(-1) : undefined;
      if (photo) {
        state.files.push(photo.file_id);
        return ctx.reply(say('document.received', { count: state.files.length, max: 4 }), buttons([{ id: 'done', label: 'document.done' }]));
      }
      const done = dataOf(ctx) === 'done' || /^(تم|done)$/i.test((textOf(ctx) ?? '').trim());
      if (!done || state.files.length === 0) return ctx.reply(say('document.needOne'));
      state.answers[question.id] = state.files;
      state.files = [];
    } else {
      const answer = read(question, ctx);
      if (!answer.ok) return ctx.reply(say(answer.error));
      state.answers[question.id] = answer.value;
    }
    state.index = nextQuestion(state.index + 1, state.answers);
    if (state.index < QUESTIONS.length) return ask(ctx, QUESTIONS[state.index]!);
    const lines = QUESTIONS.filter((q) => q.id in state.answers).map((q) => `• ${say(q.label)}: ${String(state.answers[q.id])}`);
    await ctx.reply(say('review.prompt', { answers: lines.join('\n') }), buttons([{ id: 'confirm', label: 'review.confirm' }]));
    return ctx.wizard.next();
  },
  async (ctx) => {
    if (ctx.callbackQuery) await ctx.answerCbQuery();
    if (dataOf(ctx) !== 'confirm') return ctx.reply(say('validation.choice.unknown', { count: 1 }));
    await ctx.reply(say('declaration.text'), yesNo('declaration.accept', 'declaration.decline'));
    return ctx.wizard.next();
  },
  async (ctx) => {
    if (ctx.callbackQuery) await ctx.answerCbQuery();
    if (dataOf(ctx) !== 'yes') return ctx.reply(say('declaration.declined'));
    const state = stateOf(ctx);
    const reference = `SR-${Math.random().toString(36).slice(2, 6).toUpperCase()}-${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
    await cases.insertOne({ reference, chatId: ctx.chat?.id, answers: state.answers, status: 'submitted', submittedAt: new Date() });
    await ctx.reply(say('request.submitted', { reference, expectedBy: '15 Nov 2026' }));
    await ctx.telegram.sendMessage(
      GROUP,
      say('staff.alert.new', {
        reference,
        channel: say('channel.telegram'),
        supportType: String(state.answers.support_type),
        city: String(state.answers.city),
        family: String(state.answers.family_count),
        housing: String(state.answers.housing),
        documents: 1,
        expectedBy: '15 Nov 2026',
      }),
    );
    await ctx.scene.leave();
    return showMenu(ctx);
  },
);

// The service's cap on operations in flight: with the driver's default (100) this bot once hung
// FerretDB v1 on PostgreSQL (about 50 updates at once deadlock it; src/models/database.ts).
const client = new MongoClient(monitoredUri(env('MONGODB_URI')), { maxPoolSize: MAX_OPERATIONS_IN_FLIGHT });
await client.connect();
const database = client.db(env('BENCH_DB'));
const cases = database.collection('cases');
// The store looks sessions up by key; without this index every message would scan them all,
// which would make the baseline look worse than a careful naive bot.
await database.collection('telegraf-sessions').createIndex({ key: 1 }, { unique: true });
const mongo = watchMongo(client);

const bot = new Telegraf<Ctx>(env('TELEGRAM_BOT_TOKEN'), { telegram: { apiRoot: env('TELEGRAM_API_ROOT') } });
bot.use(session({ store: Mongo<Scenes.WizardSession>({ client, database: env('BENCH_DB') }) }));
bot.use(new Scenes.Stage<Ctx>([request]).middleware());
bot.start(async (ctx) => {
  await ctx.reply(say('welcome.first'));
  await showMenu(ctx);
});
bot.action('request', async (ctx) => {
  await ctx.answerCbQuery();
  await ctx.scene.enter('support_request');
});
// telegraf prints the whole update on an error by default; a count is all the bench needs.
let errors = 0;
bot.catch(() => {
  errors += 1;
});
void bot.launch();
serveBench({
  mongo: () => mongo,
  stop: async () => {
    bot.stop('bench');
    await client.close();
  },
  extra: () => ({ errors }),
});
process.send?.({ ready: true });
