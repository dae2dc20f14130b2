/**
 * People on a fake Bot API (tests/helpers/fake-telegram.ts): someone writing to the bot
 * privately, staff members pressing the buttons of the staff group, and reading what the
 * bot did. Shared by the end-to-end tests, since researchers and the committee work on
 * Telegram whatever channel the beneficiary uses.
 */
import { FakeTelegram, type NewUpdate, type RecordedCall } from './fake-telegram.js';
import { expect } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { startTestApp, testEnvironment, waitFor, type TestEnvironment } from './test-app.js';

export interface Button {
  text: string;
  callback_data: string;
}

export function keyboardOf(value: unknown): Button[] {
  const markup = value as { inline_keyboard?: Button[][] } | undefined;
  return markup?.inline_keyboard?.flat() ?? [];
}

export function textOf(call: RecordedCall): string {
  const text = call.params.text ?? call.params.caption;
  return typeof text === 'string' ? text : '';
}

export function messageIdOf(call: RecordedCall): number {
  return (call.result as { message_id: number }).message_id;
}

/** Successful calls of `method` to `chatId`. */
export function callsTo(fake: FakeTelegram, method: string, chatId: number): RecordedCall[] {
  return fake.calls.filter((c) => c.method === method && c.result !== undefined && String(c.params.chat_id) === String(chatId));
}

/** The staff group's messages (sent and edited) that Telegram accepted. */
export function groupMessagesOf(fake: FakeTelegram, group: number): RecordedCall[] {
  return fake.calls.filter(
    (c) => (c.method === 'sendMessage' || c.method === 'editMessageText') && c.result !== undefined && String(c.params.chat_id) === String(group),
  );
}

/** The group alert that names `reference` (waits for it). */
export async function groupAlertFor(fake: FakeTelegram, group: number, reference: string): Promise<RecordedCall> {
  return waitFor(() => callsTo(fake, 'sendMessage', group).find((c) => textOf(c).includes(reference)), `the group alert for ${reference}`);
}

/** The button data of an action on the latest version of a group message (sent or edited). */
export function groupButtonData(fake: FakeTelegram, group: number, messageId: number, label: string): string {
  const versions = groupMessagesOf(fake, group).filter((c) => (c.method === 'sendMessage' ? messageIdOf(c) : Number(c.params.message_id)) === messageId);
  const latest = versions.at(-1);
  const button = keyboardOf(latest?.params.reply_markup).find((b) => b.text.includes(label));
  if (!button) throw new Error(`no "${label}" button on message ${messageId}: ${JSON.stringify(latest?.params.reply_markup)}`);
  return button.callback_data;
}

/** The answer given to a callback query. */
export async function answerTo(fake: FakeTelegram, queryId: string): Promise<RecordedCall> {
  return fake.waitFor((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === queryId && c.status === 200, 10_000);
}

/** A staff member pressing buttons in the staff group. */
export class Staffer {
  constructor(
    readonly fake: FakeTelegram,
    readonly group: number,
    readonly userId: number,
  ) {}

  /** Presses a button in the staff group; returns the callback query id. */
  pressInGroup(messageId: number, data: string): string {
    const update = this.fake.callbackQuery({ chatId: this.group, userId: this.userId, messageId, data });
    this.fake.pushUpdate(update);
    return update.callback_query.id;
  }
}

/** Someone writing to the bot in a private chat. */
export class TgUser {
  /** The callback queries of the buttons this user pressed. */
  readonly pressed: string[] = [];

  constructor(
    readonly fake: FakeTelegram,
    readonly userId: number,
    readonly languageCode = 'ar',
    readonly firstName = 'Test',
  ) {}

  texts(): string[] {
    return this.fake.sentTexts(this.userId);
  }

  /** Sends a text and waits for the new replies to contain `expected`. */
  async say(text: string, expected?: string | RegExp): Promise<string> {
    return this.send(
      this.fake.textMessage({ chatId: this.userId, userId: this.userId, languageCode: this.languageCode, firstName: this.firstName, text }),
      expected,
    );
  }

  /** Replies (Telegram's reply_to_message) to message `messageId` of this chat with a text, and waits for the replies. */
  async replyTo(messageId: number, text: string, expected?: string | RegExp): Promise<string> {
    return this.send(
      this.fake.textMessage({ chatId: this.userId, userId: this.userId, languageCode: this.languageCode, firstName: this.firstName, text, replyTo: messageId }),
      expected,
    );
  }

  /** The latest question the bot asked in this chat (a message with ForceReply); waits for one newer than `after`. */
  async latestQuestion(after = 0): Promise<number> {
    return waitFor(
      () =>
        this.fake
          .forcedReplies(this.userId)
          .filter((q) => q.messageId > after)
          .at(-1)?.messageId,
      `a question in chat ${this.userId}`,
    );
  }

  /** Answers the latest question by replying to it. */
  async answerQuestion(text: string, expected?: string | RegExp): Promise<string> {
    return this.replyTo(await this.latestQuestion(), text, expected);
  }

  /**
   * Presses the button whose label contains `label` on the latest message in this chat that has
   * one (a staff button sent privately); returns the text the press was answered with.
   */
  async pressLabel(label: string): Promise<string> {
    // Each message as it stands now: an edit (a decision's preview once sent) replaces its buttons.
    const latest = new Map<number, unknown>();
    for (const call of this.fake.calls) {
      if (call.result === undefined || String(call.params.chat_id) !== String(this.userId)) continue;
      if (call.method === 'sendMessage') latest.set(messageIdOf(call), call.params.reply_markup);
      if (call.method === 'editMessageText' || call.method === 'editMessageReplyMarkup') latest.set(Number(call.params.message_id), call.params.reply_markup);
    }
    const found = [...latest].filter(([, markup]) => keyboardOf(markup).some((b) => b.text.includes(label))).at(-1);
    const button = found && keyboardOf(found[1]).find((b) => b.text.includes(label));
    if (!found || !button) throw new Error(`no "${label}" button in chat ${this.userId}; last texts: ${JSON.stringify(this.texts().slice(-3))}`);
    return this.pressData(found[0], button.callback_data);
  }

  /** Presses a button with this data on message `messageId` of this chat (an old one, say); returns the press's answer. */
  async pressData(messageId: number, data: string): Promise<string> {
    const update = this.fake.callbackQuery({ chatId: this.userId, userId: this.userId, languageCode: this.languageCode, messageId, data });
    this.pressed.push(update.callback_query.id);
    this.fake.pushUpdate(update);
    const answer = await answerTo(this.fake, update.callback_query.id);
    return String(answer.params.text ?? '');
  }

  /** Sends a photo (its bytes registered with the fake) and waits for the replies. */
  async photo(fileId: string, bytes: Buffer, expected?: string | RegExp): Promise<string> {
    this.fake.addFile(fileId, bytes, { path: `photos/${fileId}.jpg` });
    return this.send(this.fake.photoMessage({ chatId: this.userId, userId: this.userId, languageCode: this.languageCode, fileId }), expected);
  }

  /** Presses the button with this option id (callback data) on the latest bot message that has it. */
  async press(optionId: string, expected?: string | RegExp): Promise<string> {
    const message = this.fake
      .sent(this.userId)
      .filter((c) => keyboardOf(c.params.reply_markup).some((b) => b.callback_data === optionId))
      .at(-1);
    if (!message) throw new Error(`no button "${optionId}" in chat ${this.userId}; last texts: ${JSON.stringify(this.texts().slice(-3))}`);
    const update = this.fake.callbackQuery({
      chatId: this.userId,
      userId: this.userId,
      languageCode: this.languageCode,
      messageId: messageIdOf(message),
      data: optionId,
    });
    this.pressed.push(update.callback_query.id);
    return this.send(update, expected);
  }

  /** Pushes an update and waits for new replies containing `expected` (or any). */
  async send(update: NewUpdate, expected?: string | RegExp, timeoutMs = 20_000): Promise<string> {
    const before = this.texts().length;
    this.fake.pushUpdate(update);
    return this.replies(before, expected, timeoutMs);
  }

  async replies(before: number, expected?: string | RegExp, timeoutMs = 20_000): Promise<string> {
    return waitFor(
      () => {
        const fresh = this.texts().slice(before).join('\n---\n');
        const matches = expected === undefined || (typeof expected === 'string' ? fresh.includes(expected) : expected.test(fresh));
        return fresh && matches ? fresh : '';
      },
      `a reply${expected ? ` containing ${String(expected)}` : ''} in chat ${this.userId} (last: ${JSON.stringify(this.texts().slice(before).slice(-2))})`,
      timeoutMs,
    );
  }
}

/** An English request: switched to English at the start; a widow living alone in her own home, one photo. */
export async function englishRequest(user: TgUser, photo: Buffer, nationalId = '2100000005'): Promise<string> {
  await user.say('/start', 'For English, send: English');
  await user.say('English', 'Main menu');
  await user.press('request', 'Do you agree');
  await user.press('yes', 'yourself');
  await user.press('self', 'full name');
  await user.say('Fatimah Ali Alzahrani', 'national ID');
  await user.say(nationalId, 'mobile number');
  await user.say('0559876543', 'Which city');
  await user.say('Jeddah', 'Which district');
  await user.say('Alsafa', 'marital status');
  await user.press('widowed', 'How many family members');
  await user.say('1', 'monthly income');
  await user.say('0', 'What kind of housing');
  await user.press('owned', 'What kind of support');
  await user.press('food', 'Briefly describe');
  await user.say('We need a monthly food basket until my pension is paid', 'Send a clear photo');
  await user.photo('AgACAgID-photo-en', photo, 'File received');
  await user.say('done', 'review your details');
  await user.press('confirm', 'Do you sign this declaration');
  const submitted = await user.press('yes', 'Reference');
  const reference = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(submitted)?.[0];
  expect(reference, submitted).toBeDefined();
  return reference!;
}

/** Who files {@link arabicRequest}: what staff may see privately and the group never. */
export const ARABIC_APPLICANT = { fullName: 'محمد عبدالله القحطاني', nationalId: '1000000008', mobileTyped: '0501234567' } as const;

/** An Arabic request: a single person with no income who rents, two photos (ID and lease); options pressed and typed. */
export async function arabicRequest(user: TgUser, photos: [Buffer, Buffer]): Promise<string> {
  await arabicRequestUpToDocuments(user);
  await user.photo('AgACAgID-photo-1', photos[0], 'وصلنا الملف');
  await user.say('تم', 'عقد الإيجار');
  await user.photo('AgACAgID-photo-2', photos[1], 'وصلنا الملف');
  await user.say('تم', 'راجع بياناتك');
  await user.press('confirm', 'الإقرار');
  const submitted = await user.press('yes', 'الرقم المرجعي');
  const reference = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(submitted)?.[0];
  expect(reference, submitted).toBeDefined();
  return reference!;
}

/** {@link arabicRequest} up to its first document question (the ID's photo). */
export async function arabicRequestUpToDocuments(user: TgUser): Promise<void> {
  await user.say('/start', 'القائمة الرئيسية');
  await user.press('request', 'هل توافق');
  await user.say('نعم', 'لنفسك');
  await user.press('self', 'الاسم الكامل');
  await user.say(ARABIC_APPLICANT.fullName, 'رقم الهوية');
  await user.say(ARABIC_APPLICANT.nationalId, 'رقم الجوال');
  await user.say(ARABIC_APPLICANT.mobileTyped, 'مدينة');
  await user.say('الرياض', 'الحي');
  await user.say('النسيم', 'الحالة الاجتماعية');
  await user.press('single', 'عدد أفراد');
  await user.say('1', 'دخل');
  await user.say('0', 'نوع السكن');
  await user.press('rented', 'الإيجار الشهري');
  await user.say('1500', 'نوع الدعم');
  await user.say('2', 'صف حاجتك');
  await user.say('تأخرت في سداد إيجار الشقة ثلاثة أشهر', 'لهوية');
}

/** The service on a clock the test moves, with the means to stop it and start it again on the same data. */
export interface ClockedTelegramRig {
  fake: FakeTelegram;
  env: TestEnvironment;
  app: RunningApp;
  /** Moves the service's clock on. */
  advance(ms: number): void;
  /** Starts the service again (the previous one stopped by the test), on the same clock. */
  restart(): Promise<RunningApp>;
}

/**
 * The whole service against a fresh fake Bot API with a staff group, on a clock that moves only
 * when the test says, and sweeping only when the test calls `sweepNow`: every due time that
 * comes due is caused by a step of the test. `overrides` add to the environment.
 */
export async function startClockedTelegramRig(
  cleanups: (() => Promise<void>)[],
  group: number,
  overrides: Record<string, string> = {},
): Promise<ClockedTelegramRig> {
  const fake = await FakeTelegram.start();
  cleanups.push(() => fake.stop());
  const env = testEnvironment({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_STAFF_GROUP_ID: String(group), ...overrides });
  cleanups.push(() => env.cleanup());
  let now = Date.now();
  const start = async () => {
    const app = await startTestApp(env, { clock: () => new Date(now) });
    cleanups.push(() => app.stop());
    return app;
  };
  return { fake, env, app: await start(), advance: (ms) => (now += ms), restart: start };
}

/**
 * The whole service against a fresh fake Bot API with a staff group, sweeping every second;
 * everything it starts is pushed onto `cleanups` for the test file's afterEach.
 */
export async function startTelegramRig(cleanups: (() => Promise<void>)[], group: number): Promise<{ fake: FakeTelegram; app: RunningApp }> {
  const fake = await FakeTelegram.start();
  cleanups.push(() => fake.stop());
  const env = testEnvironment({
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_STAFF_GROUP_ID: String(group),
    SWEEP_INTERVAL_SECONDS: '1',
  });
  cleanups.push(() => env.cleanup());
  const app = await startTestApp(env);
  cleanups.push(() => app.stop());
  return { fake, app };
}
