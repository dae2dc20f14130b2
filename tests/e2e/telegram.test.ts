/**
 * The service against a local fake of the Telegram Bot API, over HTTP: the real
 * telegraf client, long polling (or the webhook), the queues, MongoDB and Redis.
 * Applicants, researchers and committee members are played by updates pushed into
 * the fake; what the bot did is read back from the calls the fake recorded.
 */
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp, Role } from '../../src/app.js';
import { signAction } from '../../src/bots/telegram/callback-data.js';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { REDIS_URL } from '../helpers/db.js';
import { FakeTelegram, type FakeTelegramOptions } from '../helpers/fake-telegram.js';
import { startTestApp, testEnvironment, waitFor, type TestEnvironment } from '../helpers/test-app.js';
import {
  answerTo,
  callsTo,
  groupAlertFor,
  groupButtonData,
  groupMessagesOf,
  keyboardOf,
  messageIdOf,
  Staffer,
  textOf,
  TgUser,
  englishRequest,
  ARABIC_APPLICANT,
  arabicRequest as arabicRequestOf,
} from '../helpers/telegram-people.js';
import { newCase } from '../helpers/new-case.js';

const GROUP = -100123;
const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 7001, roles: ['researcher' as const] };
const COMMITTEE = { name: 'خالد عضو اللجنة', telegramUserId: 7002, roles: ['committee' as const] };

// ---------------------------------------------------------------------------------------------
// Set-up and clean-up

interface Rig {
  fake: FakeTelegram;
  env: TestEnvironment;
  app: RunningApp;
  /** Starts another app on the same environment (a restart, or another role). */
  start(roles?: Role[]): Promise<RunningApp>;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function rig(options: { fake?: FakeTelegramOptions; env?: Record<string, string>; roles?: Role[] } = {}): Promise<Rig> {
  const fake = await FakeTelegram.start(options.fake);
  cleanups.push(() => fake.stop());
  const env = testEnvironment({
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_STAFF_GROUP_ID: String(GROUP),
    SWEEP_INTERVAL_SECONDS: '1',
    ...options.env,
  });
  cleanups.push(() => env.cleanup());
  const start = async (roles: Role[] = options.roles ?? ['bot', 'worker']) => {
    const app = await startTestApp(env, { roles });
    cleanups.push(() => app.stop());
    return app;
  };
  const app = await start();
  return { fake, env, app, start };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small real JPEG, as a phone would send (only smaller). */
async function jpeg(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 200, g: 120 + seed, b: 60 } } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

// ---------------------------------------------------------------------------------------------
// Reading what the bot did

const groupMessages = (fake: FakeTelegram) => groupMessagesOf(fake, GROUP);
const alertFor = (fake: FakeTelegram, reference: string) => groupAlertFor(fake, GROUP, reference);
const buttonData = (fake: FakeTelegram, messageId: number, label: string) => groupButtonData(fake, GROUP, messageId, label);

// ---------------------------------------------------------------------------------------------
// People

// ---------------------------------------------------------------------------------------------
// Conversations

const { nationalId: VALID_ID, fullName: FULL_NAME } = ARABIC_APPLICANT;
const arabicRequest = async (user: TgUser) => arabicRequestOf(user, [await jpeg(1), await jpeg(2)]);

/** A case id as the service makes them (`case_` and 24 hex digits). */
function caseIdOf(n: number): string {
  return `case_${n.toString(16).padStart(24, '0')}`;
}

/** Stores a submitted case directly, as the intake would, with its alert pending. */
async function insertCase(app: RunningApp, n: number): Promise<{ id: string; reference: string }> {
  const input = newCase(n, {
    at: new Date(),
    id: caseIdOf(n),
    reference: `SR-LOAD-${String(n).padStart(4, '0')}`,
    channel: 'telegram',
    chatKey: chatKeyOf(app.keys, 'telegram', String(5_600_000 + n)),
    city: 'الدمام',
    answers: { full_name: `مستفيد رقم ${n}`, national_id: '1000000008', support_type: 'food', family_count: 3, housing: 'rented' },
  });
  await app.repositories.cases.insertSubmitted(input);
  return { id: input.id, reference: input.reference };
}

/** The most group messages Telegram accepted within any 60 s window. */
function busiestMinute(fake: FakeTelegram): number {
  const times = groupMessages(fake)
    .map((c) => c.at)
    .sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 60_000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

const WEBHOOK_SECRET = 'test-webhook-secret_0123456789';
const webhookEnv = { TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/telegram/webhook', TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, HTTP_PORT: '0' };

describe('Telegram, end to end against a fake Bot API', () => {
  it('takes a request with two documents, alerts the group without personal data, and carries it to a decision the applicant receives once', async () => {
    const { fake, app } = await rig();
    await app.repositories.staff.add(RESEARCHER);
    await app.repositories.staff.add(COMMITTEE);
    const applicant = new TgUser(fake, 5551001);
    const reference = await arabicRequest(applicant);
    // Every button the applicant pressed was answered (the client stops its spinner).
    expect(applicant.pressed.length).toBeGreaterThanOrEqual(5);
    for (const id of applicant.pressed) await answerTo(fake, id);

    // --- One redacted alert in the group. ---
    const alert = await alertFor(fake, reference);
    await sleep(1_000);
    expect(callsTo(fake, 'sendMessage', GROUP)).toHaveLength(1);
    const alertText = textOf(alert);
    expect(alertText).toContain('تيليجرام');
    expect(alertText).toContain('سداد إيجار');
    expect(alertText).toContain('الرياض');
    for (const secret of [VALID_ID, FULL_NAME, 'القحطاني', '501234567', 'النسيم']) expect(alertText).not.toContain(secret);
    const alertId = messageIdOf(alert);
    const record = await app.repositories.cases.findByReference(reference);
    expect(record?.status).toBe('submitted');
    expect(record?.documentIds).toHaveLength(2);

    // --- The researcher opens it: the whole case and both documents, privately. ---
    const researcher = new Staffer(fake, GROUP, RESEARCHER.telegramUserId);
    const openQuery = researcher.pressInGroup(alertId, buttonData(fake, alertId, 'فتح'));
    const caseView = await waitFor(
      () => callsTo(fake, 'sendMessage', RESEARCHER.telegramUserId).find((c) => textOf(c).includes(reference)),
      'the case in the researcher’s private chat',
    );
    expect(textOf(caseView)).toContain(VALID_ID);
    expect(textOf(caseView)).toContain(FULL_NAME);
    await waitFor(() => callsTo(fake, 'sendPhoto', RESEARCHER.telegramUserId).length === 2, 'both documents sent to the researcher');
    expect((await answerTo(fake, openQuery)).params.text).toContain('أرسلت لك');
    expect(callsTo(fake, 'sendPhoto', GROUP)).toHaveLength(0);
    const researcherId = (await app.repositories.staff.findByTelegramUserId(RESEARCHER.telegramUserId))!.id;
    const views = await app.repositories.audit.list({ targetKind: 'case', targetId: record!.id, limit: 20 });
    expect(views.some((entry) => entry.action === 'case.viewed' && entry.actor.id === researcherId)).toBe(true);

    // --- The researcher claims it: the alert shows who holds it. ---
    const claimQuery = researcher.pressInGroup(alertId, buttonData(fake, alertId, 'استلام'));
    await answerTo(fake, claimQuery);
    await waitFor(
      () => callsTo(fake, 'editMessageText', GROUP).find((c) => Number(c.params.message_id) === alertId && textOf(c).includes(RESEARCHER.name)),
      'the alert to show the researcher',
    );
    expect((await app.repositories.cases.get(record!.id))?.status).toBe('in_review');

    // --- A committee member approves: asked privately for the support granted. ---
    const member = new Staffer(fake, GROUP, COMMITTEE.telegramUserId);
    const memberChat = new TgUser(fake, COMMITTEE.telegramUserId);
    const before = memberChat.texts().length;
    member.pressInGroup(alertId, buttonData(fake, alertId, 'قبول'));
    await memberChat.replies(before, 'اكتب الدعم المعتمد');
    const support = 'سداد إيجار ثلاثة أشهر';
    // The member sees exactly what the applicant will read, then sends it.
    const preview = await memberChat.answerQuestion(support, 'هذا بالضبط ما سيصل المستفيد');
    expect(preview).toContain(support);
    expect(preview).toContain('قررت لجنة البحث قبول طلبك');
    await memberChat.pressLabel('إرسال');

    const decisionText = 'قررت لجنة البحث قبول طلبك';
    await waitFor(() => applicant.texts().some((t) => t.includes(decisionText)), 'the decision to reach the applicant');
    await sleep(1_500);
    const decisions = applicant.texts().filter((t) => t.includes(decisionText));
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toContain(reference);
    expect(decisions[0]).toContain(support);
    await waitFor(
      () => callsTo(fake, 'editMessageText', GROUP).find((c) => Number(c.params.message_id) === alertId && textOf(c).includes('قبلته اللجنة')),
      'the alert to show the decision',
    );
    const decided = await app.repositories.cases.get(record!.id);
    expect(decided?.status).toBe('approved');
    expect(decided?.decision).toMatchObject({ outcome: 'approved', supportGranted: support });

    // --- Registration, the service, the close: each from the alert's button; the applicant told of the first two. ---
    for (const [label, status, told] of [
      ['تم التسجيل', 'registered', 'سُجّلت مستفيدًا'],
      ['قُدّمت الخدمة', 'service_delivered', 'قُدّمت الخدمة لطلبك'],
      ['إغلاق', 'closed', null],
    ] as const) {
      await answerTo(fake, researcher.pressInGroup(alertId, buttonData(fake, alertId, label)));
      await waitFor(async () => (await app.repositories.cases.get(record!.id))?.status === status, `the case ${status}`);
      if (told) await waitFor(() => applicant.texts().some((t) => t.includes(told) && t.includes(reference)), `the applicant told: ${told}`);
    }

    // --- /case REF: the whole case and its history, privately. ---
    const researcherChat = new TgUser(fake, RESEARCHER.telegramUserId);
    const view = await researcherChat.say(`/case ${reference.toLowerCase()}`, 'السجل:');
    for (const step of ['مستلم، بانتظار الدراسة', 'قيد الدراسة', 'مقبول', 'مسجّل', 'قُدّمت الخدمة', 'مغلق']) expect(view).toContain(step);
    expect(view).toContain(RESEARCHER.name);
  }, 120_000);
  it('tells an applicant who switched to English of a rejection, in English, with the reason', async () => {
    const { fake, app } = await rig();
    await app.repositories.staff.add(RESEARCHER);
    await app.repositories.staff.add(COMMITTEE);
    const applicant = new TgUser(fake, 5551002, 'en', 'Fatimah');
    const reference = await englishRequest(applicant, await jpeg(3));
    const alertId = messageIdOf(await alertFor(fake, reference));

    const researcher = new Staffer(fake, GROUP, RESEARCHER.telegramUserId);
    await answerTo(fake, researcher.pressInGroup(alertId, buttonData(fake, alertId, 'استلام')));
    await waitFor(() => callsTo(fake, 'editMessageText', GROUP).some((c) => textOf(c).includes(RESEARCHER.name)), 'the claim on the alert');

    const memberChat = new TgUser(fake, COMMITTEE.telegramUserId);
    const before = memberChat.texts().length;
    new Staffer(fake, GROUP, COMMITTEE.telegramUserId).pressInGroup(alertId, buttonData(fake, alertId, '❌ رفض'));
    await memberChat.replies(before, 'اكتب سبب رفض');
    const reason = 'The household already receives monthly food support from another association';
    // The preview is in the applicant's language: English.
    const preview = await memberChat.answerQuestion(reason, 'بالإنجليزية');
    expect(preview).toContain(`Reason: ${reason}`);
    await memberChat.pressLabel('إرسال');

    const told = await waitFor(() => applicant.texts().find((t) => t.includes('could not approve it')), 'the rejection to reach the applicant');
    expect(told).toContain(reference);
    expect(told).toContain(`Reason: ${reason}`);
    expect(told).not.toMatch(/[\u0600-\u06FF]/u);
    await sleep(1_000);
    expect(applicant.texts().filter((t) => t.includes('could not approve it'))).toHaveLength(1);
    await waitFor(() => callsTo(fake, 'editMessageText', GROUP).some((c) => textOf(c).includes('رفضته اللجنة')), 'the alert to show the rejection');
    const record = await app.repositories.cases.findByReference(reference);
    expect(record?.status).toBe('rejected');
    expect(record?.decision).toMatchObject({ outcome: 'rejected', reason });
  }, 90_000);

  it('refuses buttons pressed by non-staff, by the wrong role, and forged button data; pressing twice changes nothing twice', async () => {
    const { fake, app } = await rig();
    await app.repositories.staff.add(RESEARCHER);
    await app.repositories.staff.add(COMMITTEE);
    const a = await insertCase(app, 1);
    const b = await insertCase(app, 2);
    await app.queues.requestAlerts('t');
    const alertA = messageIdOf(await alertFor(fake, a.reference));
    const alertB = messageIdOf(await alertFor(fake, b.reference));
    const claimA = buttonData(fake, alertA, 'استلام');
    const claimB = buttonData(fake, alertB, 'استلام');
    const stranger = new Staffer(fake, GROUP, 9_990_001);
    const researcher = new Staffer(fake, GROUP, RESEARCHER.telegramUserId);
    const member = new Staffer(fake, GROUP, COMMITTEE.telegramUserId);
    const edits = () => callsTo(fake, 'editMessageText', GROUP).length;

    // Someone in the group who is not staff presses Claim.
    expect((await answerTo(fake, stranger.pressInGroup(alertA, claimA))).params.text).toBe('هذا الزر لفريق الجمعية فقط.');
    expect((await app.repositories.cases.get(a.id))?.status).toBe('submitted');
    // A committee member may not claim.
    expect((await answerTo(fake, member.pressInGroup(alertA, claimA))).params.text).toBe('صلاحيتك لا تسمح بهذا الإجراء.');
    expect((await app.repositories.cases.get(a.id))?.status).toBe('submitted');
    expect(edits()).toBe(0);

    // Forged data: case B's id under case A's signature; A's signature altered; the action letter changed.
    const [, code, hexA, signatureA] = claimA.split(':');
    const hexB = claimB.split(':')[2]!;
    const forgeries = [
      `s1:${code}:${hexB}:${signatureA}`,
      `s1:${code}:${hexA}:${signatureA!.slice(0, -1)}${signatureA!.endsWith('A') ? 'B' : 'A'}`,
      `s1:a:${hexA}:${signatureA}`,
      `s2:${code}:${hexA}:${signatureA}`,
    ];
    for (const forged of forgeries) {
      expect((await answerTo(fake, researcher.pressInGroup(alertA, forged))).params.text).toBe('هذا الزر غير صالح.');
    }
    // Forged data in a private chat with the bot goes the staff way too, and is refused there.
    const privateForged = fake.callbackQuery({ chatId: RESEARCHER.telegramUserId, userId: RESEARCHER.telegramUserId, messageId: 1, data: forgeries[0]! });
    fake.pushUpdate(privateForged);
    expect((await answerTo(fake, privateForged.callback_query.id)).params.text).toBe('هذا الزر غير صالح.');
    expect((await app.repositories.cases.get(a.id))?.status).toBe('submitted');
    expect((await app.repositories.cases.get(b.id))?.status).toBe('submitted');
    expect(edits()).toBe(0);

    // The researcher claims A, twice: one change, one edit of the alert.
    expect((await answerTo(fake, researcher.pressInGroup(alertA, claimA))).params.text).toBe('استلمت الطلب للدراسة.');
    expect((await answerTo(fake, researcher.pressInGroup(alertA, claimA))).params.text).toBe('تم هذا من قبل، لم يتغير شيء.');
    await waitFor(() => edits() === 1, 'the alert edited once');
    const afterClaim = await app.repositories.cases.get(a.id);
    expect(afterClaim?.status).toBe('in_review');
    expect(afterClaim?.history.filter((h) => h.to === 'in_review')).toHaveLength(1);

    // Approve on the claimed case: a stranger and a researcher are refused; nobody is asked anything.
    const approveA = buttonData(fake, alertA, 'قبول');
    expect(approveA).toBe(signAction(app.keys, 'approve', a.id));
    expect((await answerTo(fake, stranger.pressInGroup(alertA, approveA))).params.text).toBe('هذا الزر لفريق الجمعية فقط.');
    expect((await answerTo(fake, researcher.pressInGroup(alertA, approveA))).params.text).toBe('صلاحيتك لا تسمح بهذا الإجراء.');
    // A genuine Approve button replayed onto case B (not in review) by the committee: refused by the state.
    expect((await answerTo(fake, member.pressInGroup(alertB, signAction(app.keys, 'approve', b.id)))).params.text).toContain('لا يمكن هذا الإجراء');
    await sleep(500);
    expect(fake.sentTexts(9_990_001)).toHaveLength(0);
    expect(fake.sentTexts(RESEARCHER.telegramUserId)).toHaveLength(0);
    expect(fake.sentTexts(COMMITTEE.telegramUserId)).toHaveLength(0);
    expect((await app.repositories.cases.get(a.id))?.status).toBe('in_review');
    expect((await app.repositories.cases.get(a.id))?.decision).toBeNull();
    expect((await app.repositories.cases.get(b.id))?.status).toBe('submitted');
    expect(edits()).toBe(1);
    const audit = await app.repositories.audit.list({ targetKind: 'case', targetId: a.id, limit: 20 });
    expect(audit.map((entry) => entry.action).filter((action) => action !== 'case.submitted')).toEqual(['case.claimed']);
  }, 60_000);

  describe('delivery faults', () => {
    it('handles an update delivered twice once, and updates delivered out of order in update order', async () => {
      // The webhook process alone first: updates are stored, nobody handles them yet.
      const { fake, app, start } = await rig({ env: webhookEnv, roles: ['bot', 'http'] });
      const url = `${app.http!.url}/telegram/webhook`;
      const user = new TgUser(fake, 5551004);
      const make = (text: string, updateId: number) => ({ ...fake.textMessage({ chatId: user.userId, userId: user.userId, text }), update_id: updateId });
      const hello = make('/start', 500);
      const choose = make('1', 501);
      const consent = make('نعم', 502);
      expect(await fake.deliverToWebhook(url, hello, WEBHOOK_SECRET)).toBe(200);
      expect(await fake.deliverToWebhook(url, hello, WEBHOOK_SECRET)).toBe(200);
      expect(await fake.deliverToWebhook(url, consent, WEBHOOK_SECRET)).toBe(200);
      expect(await fake.deliverToWebhook(url, choose, WEBHOOK_SECRET)).toBe(200);
      expect(await app.connection.db!.collection('inbox').countDocuments()).toBe(3);

      // Then a worker: the three are handled once each, in update order.
      await start(['worker']);
      await user.replies(0, 'لنفسك');
      await sleep(1_500);
      const texts = user.texts();
      const at = (needle: string) => texts.findIndex((t) => t.includes(needle));
      expect(texts.filter((t) => t.includes('القائمة الرئيسية'))).toHaveLength(1);
      expect(texts.filter((t) => t.includes('هل توافق'))).toHaveLength(1);
      expect(texts.filter((t) => t.includes('لنفسك'))).toHaveLength(1);
      expect(at('القائمة الرئيسية')).toBeLessThan(at('هل توافق'));
      expect(at('هل توافق')).toBeLessThan(at('لنفسك'));

      // A late redelivery of a handled update is dropped.
      const count = texts.length;
      expect(await fake.deliverToWebhook(url, choose, WEBHOOK_SECRET)).toBe(200);
      await sleep(1_500);
      expect(user.texts()).toHaveLength(count);
      expect(await app.connection.db!.collection('inbox').countDocuments()).toBe(0);
    }, 60_000);

    it('waits retry_after on a 429 from sendMessage, losing and reordering nothing', async () => {
      const { fake } = await rig();
      const user = new TgUser(fake, 5551005);
      await user.say('/start', 'القائمة الرئيسية');
      fake.failNext('sendMessage', { kind: '429', retryAfter: 2 });
      const before = user.texts().length;
      fake.pushUpdate(fake.textMessage({ chatId: user.userId, userId: user.userId, text: '1' }));
      const refused = await fake.waitFor((c) => c.method === 'sendMessage' && c.status === 429, 10_000);
      // The next answer comes while the chat is told to wait: its reply must wait too, behind the refused one.
      fake.pushUpdate(fake.textMessage({ chatId: user.userId, userId: user.userId, text: 'نعم' }));
      await user.replies(before, 'لنفسك');
      const firstAfter = fake.sent(user.userId).find((c) => c.at >= refused!.at);
      expect(firstAfter!.at - refused!.at).toBeGreaterThanOrEqual(1_900);
      expect(firstAfter!.at - refused!.at).toBeLessThan(6_000);
      // The refused message is the one sent after the wait: same text.
      expect(textOf(firstAfter!)).toBe(textOf(refused!));
      await sleep(1_500);
      const fresh = user.texts().slice(before);
      expect(fresh.filter((t) => t.includes('هل توافق'))).toHaveLength(1);
      expect(fresh.filter((t) => t.includes('لنفسك'))).toHaveLength(1);
      expect(fresh.findIndex((t) => t.includes('هل توافق'))).toBeLessThan(fresh.findIndex((t) => t.includes('لنفسك')));
    }, 60_000);

    it('waits retry_after on a 429 for the staff group too: the alert is posted once, after the wait', async () => {
      const { fake, app } = await rig();
      fake.failNext('sendMessage', { kind: '429', retryAfter: 3 });
      const { reference } = await insertCase(app, 7);
      await app.queues.requestAlerts('t');
      const alert = await alertFor(fake, reference);
      const refused = fake.calls.find((c) => c.method === 'sendMessage' && c.status === 429)!;
      expect(String(refused.params.chat_id)).toBe(String(GROUP));
      expect(alert.at - refused.at).toBeGreaterThanOrEqual(2_900);
      await sleep(500);
      expect(callsTo(fake, 'sendMessage', GROUP)).toHaveLength(1);
      expect(fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 429)).toHaveLength(1);
    }, 30_000);

    it('gets replies through a slow Bot API and one failing twice with 500, once each', async () => {
      const { fake } = await rig();
      const user = new TgUser(fake, 5551006);
      await user.say('/start', 'القائمة الرئيسية');

      fake.failNext('sendMessage', { kind: 'slow', delayMs: 2_500 });
      const started = Date.now();
      await user.press('request', 'هل توافق');
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_400);

      fake.failNext('sendMessage', { kind: '500', times: 2 });
      await user.say('نعم', 'لنفسك');
      expect(fake.calls.filter((c) => c.method === 'sendMessage' && c.status === 500)).toHaveLength(2);
      await sleep(1_500);
      const texts = user.texts();
      expect(texts.filter((t) => t.includes('القائمة الرئيسية'))).toHaveLength(1);
      expect(texts.filter((t) => t.includes('هل توافق'))).toHaveLength(1);
      expect(texts.filter((t) => t.includes('لنفسك'))).toHaveLength(1);
    }, 60_000);

    it('resumes the conversation when the bot is stopped in the middle of a request and started again, handling a repeated update once', async () => {
      const { fake, app, start } = await rig();
      const user = new TgUser(fake, 5551007);
      await user.say('/start', 'القائمة الرئيسية');
      await user.press('request', 'هل توافق');
      await user.say('نعم', 'لنفسك');
      const before = user.texts().length;
      // An answer arrives and the bot stops at once; the next arrives while it is down, twice (same update_id).
      fake.pushUpdate(fake.callbackQuery({ chatId: user.userId, userId: user.userId, messageId: messageIdOf(fake.sent(user.userId).at(-1)!), data: 'self' }));
      await app.stop();
      const name = fake.textMessage({ chatId: user.userId, userId: user.userId, text: FULL_NAME });
      const nameId = fake.pushUpdate(name);
      fake.pushUpdate({ ...name, update_id: nameId });
      expect(fake.pendingUpdateCount).toBeGreaterThanOrEqual(2);
      await sleep(300);

      await start();
      await user.replies(before, 'رقم الهوية');
      const deliveries = fake.calls.filter((c) => c.method === 'getUpdates' && Array.isArray(c.result)).flatMap((c) => c.result as { update_id: number }[]);
      expect(deliveries.filter((u) => u.update_id === nameId)).toHaveLength(2);
      await user.say(VALID_ID, 'رقم الجوال');
      await sleep(1_000);
      const fresh = user.texts().slice(before);
      expect(fresh.filter((t) => t.includes('الاسم الكامل'))).toHaveLength(1);
      expect(fresh.filter((t) => t.includes('رقم الهوية'))).toHaveLength(1);
      expect(fresh.join('\n')).not.toContain('القائمة الرئيسية');
      expect(fresh.join('\n')).not.toContain('السلام عليكم');
    }, 60_000);
  });

  it('keeps 30 new cases within the group limit: at most 20 group messages a minute, every case announced', async () => {
    const { fake, app } = await rig({ fake: { enforceLimits: true } });
    const cases: { id: string; reference: string }[] = [];
    for (let n = 1; n <= 30; n++) {
      cases.push(await insertCase(app, 100 + n));
      await app.queues.requestAlerts(`t${n}`);
      await sleep(150);
    }
    await waitFor(async () => (await app.repositories.cases.pendingAlerts(50)).length === 0, 'every alert posted', 40_000);
    const texts = groupMessages(fake).map(textOf);
    // Each case announced exactly once, in its own alert or in a digest.
    for (const { reference } of cases)
      expect(
        texts.filter((t) => t.includes(reference)),
        reference,
      ).toHaveLength(1);
    expect(busiestMinute(fake)).toBeLessThanOrEqual(20);
    expect(fake.tooManyRequests).toBe(0);
    expect(texts.some((t) => t.includes('جُمعت في رسالة واحدة'))).toBe(true);
    // A digest's Open buttons are signed for their cases.
    const digest = callsTo(fake, 'sendMessage', GROUP).find((c) => textOf(c).includes('جُمعت'))!;
    for (const button of keyboardOf(digest.params.reply_markup)) {
      const reference = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(button.text)?.[0];
      const listed = cases.find((c) => c.reference === reference);
      expect(button.callback_data).toBe(signAction(app.keys, 'open', listed!.id));
    }
  }, 60_000);

  it('takes webhook updates only with the right secret token', async () => {
    const { fake, app } = await rig({ env: webhookEnv, roles: ['bot', 'worker', 'http'] });
    expect(fake.webhookInfo).toMatchObject({ url: webhookEnv.TELEGRAM_WEBHOOK_URL, secretToken: WEBHOOK_SECRET });
    const url = `${app.http!.url}/telegram/webhook`;
    const user = new TgUser(fake, 5551008);
    const update = () => fake.textMessage({ chatId: user.userId, userId: user.userId, text: '/start' });

    expect(await fake.deliverToWebhook(url, update(), 'wrong-secret-token-0123456789')).toBe(403);
    expect(await fake.deliverToWebhook(url, update())).toBe(403);
    await sleep(1_000);
    expect(await app.connection.db!.collection('inbox').countDocuments()).toBe(0);
    expect(await app.connection.db!.collection('conversations').countDocuments()).toBe(0);
    expect(user.texts()).toHaveLength(0);

    expect(await fake.deliverToWebhook(url, update(), WEBHOOK_SECRET)).toBe(200);
    await user.replies(0, 'القائمة الرئيسية');
    // Nothing rode on the webhook answer: every call was a request of the bot's own.
    expect(fake.calls.some((c) => c.viaWebhookReply)).toBe(false);
  }, 60_000);
});

describe('Telegram: staff actions and people’s messages share one update loop', () => {
  it('takes in a person’s message while a claim’s alert edit waits for the group’s minute to free', async () => {
    const { fake, env, app } = await rig();
    await app.repositories.staff.add(RESEARCHER);
    const a = await insertCase(app, 1);
    await app.queues.requestAlerts('t');
    const alertA = messageIdOf(await alertFor(fake, a.reference));
    // The group's 20 messages of this minute are spent, as in a busy hour of alerts.
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => redis.disconnect());
    // Redis keys name a chat by its keyed hash, never its Telegram id.
    const key = `${env.config.QUEUE_PREFIX}:rate:tg:chat:${chatKeyOf(app.keys, 'telegram', String(GROUP))}:min`;
    const now = Date.now();
    await redis.zadd(key, ...Array.from({ length: 20 }, (_, i) => [now, `spent-${i}`]).flat());
    await redis.pexpire(key, 61_000);

    const researcher = new Staffer(fake, GROUP, RESEARCHER.telegramUserId);
    await answerTo(fake, researcher.pressInGroup(alertA, buttonData(fake, alertA, 'استلام')));
    // The alert's edit waits up to a minute; the person's greeting comes at once.
    const person = new TgUser(fake, 5551003);
    const startedAt = Date.now();
    await person.say('/start', 'القائمة الرئيسية');
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect((await app.repositories.cases.get(a.id))?.assignee?.name).toBe(RESEARCHER.name);
    expect(callsTo(fake, 'editMessageText', GROUP)).toHaveLength(0);
  }, 60_000);
});

describe('Telegram: what Redis holds of a chat', () => {
  it('names every chat in its keys by a keyed hash, never by its Telegram id', async () => {
    const { fake, env, app } = await rig();
    const person = new TgUser(fake, 5551009);
    await person.say('/start', 'القائمة الرئيسية');
    // Read at once: the per-second limit keys live about a second.
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => redis.disconnect());
    const keys = await redis.keys(`${env.config.QUEUE_PREFIX}:*`);
    const hashed = chatKeyOf(app.keys, 'telegram', '5551009');
    expect(keys.some((key) => key.includes(`tg:chat:${hashed}:`))).toBe(true);
    expect(keys.filter((key) => key.includes('5551009') || key.includes('100123'))).toEqual([]);
  }, 30_000);
});
