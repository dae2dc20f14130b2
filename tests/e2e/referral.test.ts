/**
 * Referral to a social researcher end to end, on both channels: a Telegram applicant and a
 * WhatsApp beneficiary (fake whatsapp-web.js client) each ask for a researcher in the middle
 * of a support request; the researcher, on the fake Telegram Bot API, takes it and the two
 * exchange several messages through the bot; the referral ends (by the researcher, then by
 * the person) and each is back at the question they left, with their answers kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { answerTo, callsTo, groupAlertFor, groupButtonData, messageIdOf, Staffer, textOf, TgUser } from '../helpers/telegram-people.js';
import { startTestApp, testEnvironment, waitFor } from '../helpers/test-app.js';
import { Phone, WaUser } from '../helpers/whatsapp-people.js';
import { build } from '../helpers/fake-whatsapp.js';

const GROUP = -100888;
const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 7301, roles: ['researcher' as const] };
const REFERENCE = /RF-[0-9A-Z]{4}-[0-9A-Z]{4}/;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function rig(extraEnv: Record<string, string> = {}): Promise<{ fake: FakeTelegram; app: RunningApp; phone: Phone }> {
  const fake = await FakeTelegram.start();
  cleanups.push(() => fake.stop());
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-referral-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const env = testEnvironment({
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_STAFF_GROUP_ID: String(GROUP),
    WHATSAPP_ENABLED: 'on',
    WHATSAPP_DATA_DIR: dataDir,
    WHATSAPP_SEND_GAP_MS: '20',
    // Always within working hours, so no "outside hours" line varies with the day the tests run.
    WORKING_HOURS: 'sun-sat 00:00-24:00',
    SWEEP_INTERVAL_SECONDS: '1',
    ...extraEnv,
  });
  cleanups.push(() => env.cleanup());
  const phone = new Phone();
  const app = await startTestApp(env, { whatsapp: { createClient: phone.createClient, print: () => undefined } });
  cleanups.push(() => app.stop());
  (await phone.client()).emitReady();
  await app.repositories.staff.add(RESEARCHER);
  return { fake, app, phone };
}

/** The researcher's private chat with the bot. */
function researcherTexts(fake: FakeTelegram): string[] {
  return fake.sentTexts(RESEARCHER.telegramUserId);
}

/** Takes the referral announced under `reference` and waits for the briefing. */
async function take(fake: FakeTelegram, reference: string): Promise<string> {
  const alert = await groupAlertFor(fake, GROUP, reference);
  const alertId = messageIdOf(alert);
  await answerTo(fake, new Staffer(fake, GROUP, RESEARCHER.telegramUserId).pressInGroup(alertId, groupButtonData(fake, GROUP, alertId, 'أتولاها')));
  return waitFor(() => researcherTexts(fake).find((t) => t.includes(`تولّيت الإحالة ${reference}`)), 'the briefing in the researcher’s private chat');
}

/** The researcher writes privately to the bot. */
function researcherSays(fake: FakeTelegram, text: string): void {
  fake.pushUpdate(fake.textMessage({ chatId: RESEARCHER.telegramUserId, userId: RESEARCHER.telegramUserId, text }));
}

describe('referral to a social researcher, end to end', () => {
  it('Telegram: from the middle of a request, a two-way relay, ended by the researcher, back at the same question with the answers kept', async () => {
    const { fake, app } = await rig();
    const user = new TgUser(fake, 5553001);
    await user.say('/start', 'القائمة الرئيسية');
    await user.press('request', 'هل توافق');
    await user.say('نعم', 'لنفسك');
    await user.press('self', 'الاسم الكامل');
    await user.say('محمد عبدالله القحطاني', 'رقم الهوية');
    await user.say('1000000008', 'رقم الجوال');
    const opened = await user.say('باحث', 'أبلغنا الباحثين');
    const reference = REFERENCE.exec(opened)![0];

    // The group hears no word of what the person wrote.
    const alert = textOf(await groupAlertFor(fake, GROUP, reference));
    expect(alert).toContain('تيليجرام');
    expect(alert).toContain('رقم الجوال');
    for (const secret of ['القحطاني', '1000000008']) expect(alert).not.toContain(secret);

    const before = user.texts().length;
    const briefing = await take(fake, reference);
    expect(briefing).toContain('1000000008');
    await user.replies(before, 'سارة الباحثة معك الآن');

    // Several messages each way, in order; the bot itself says nothing meanwhile.
    const quiet = user.texts().length;
    fake.pushUpdate(fake.textMessage({ chatId: user.userId, userId: user.userId, text: 'لا أعرف هل أكتب جوالي أم جوال أخي' }));
    fake.pushUpdate(fake.textMessage({ chatId: user.userId, userId: user.userId, text: 'أخي هو من يتابع معكم عادةً' }));
    await waitFor(() => researcherTexts(fake).some((t) => t.includes('أخي هو من يتابع معكم عادةً')), 'both messages at the researcher');
    const relayed = researcherTexts(fake).filter((t) => t.includes(reference) && t.startsWith('💬'));
    expect(relayed.map((t) => t.replace(`💬 ${reference}: `, ''))).toEqual(['لا أعرف هل أكتب جوالي أم جوال أخي', 'أخي هو من يتابع معكم عادةً']);
    researcherSays(fake, 'اكتب رقم جوالك أنت، فهو للتواصل معك');
    researcherSays(fake, 'ويمكنك إضافة رقم أخيك في وصف الحاجة');
    await waitFor(() => user.texts().some((t) => t.includes('ويمكنك إضافة رقم أخيك')), 'both replies at the applicant');
    const fromResearcher = user
      .texts()
      .slice(quiet)
      .filter((t) => t.startsWith('👤'));
    expect(fromResearcher).toHaveLength(2);
    expect(fromResearcher[0]).toContain('اكتب رقم جوالك أنت');
    expect(fromResearcher[1]).toContain('ويمكنك إضافة رقم أخيك');
    expect(
      user
        .texts()
        .slice(quiet)
        .some((t) => t.includes('رقم الجوال للتواصل')),
    ).toBe(false);

    // The researcher ends it: back at the mobile question, the name and ID kept.
    const beforeEnd = user.texts().length;
    researcherSays(fake, '/end');
    await user.replies(beforeEnd, /أنهى الباحث[\s\S]*رقم الجوال/);
    await user.say('0501234567', 'مدينة');
    const session = (await app.repositories.conversations.load(chatKeyOf(app.keys, 'telegram', String(user.userId))))!.session;
    expect(session.drafts.support_request?.answers).toMatchObject({ full_name: 'محمد عبدالله القحطاني', national_id: '1000000008', mobile: '+966501234567' });
    expect(session.referral).toBeNull();
  }, 90_000);

  it('WhatsApp: the same, ended by the beneficiary with «إنهاء»; the researcher is told', async () => {
    const { fake, app, phone } = await rig();
    const user = new WaUser(phone, '966533334444@c.us');
    await user.say('السلام عليكم', 'القائمة الرئيسية');
    await user.say('1', 'هل توافق');
    await user.say('أوافق', 'لنفسك');
    await user.say('1', 'الاسم الكامل');
    await user.say('نورة سعد العتيبي', 'رقم الهوية');
    await user.say('١٠٠٠٠٠٠٠٠٨', 'رقم الجوال');
    await user.say('٠٥٥١٢٣٤٥٦٧', 'مدينة');
    const opened = await user.say('ابي باحث', 'أبلغنا الباحثين');
    const reference = REFERENCE.exec(opened)![0];
    expect(textOf(await groupAlertFor(fake, GROUP, reference))).toContain('واتساب');

    const before = user.texts().length;
    await take(fake, reference);
    await user.replies(before, 'معك الآن');
    (await phone.client()).emitMessage(build.text('قريتنا ليست في القائمة، ماذا أكتب؟', { chat: user.wid, t: user.nextTime() }));
    await waitFor(() => researcherTexts(fake).some((t) => t.includes('قريتنا ليست في القائمة')), 'the question at the researcher');
    // A long paste reaches the researcher whole, in parts within Telegram's limit.
    const long = `${'تفاصيل '.repeat(580)}نهاية الرسالة`;
    (await phone.client()).emitMessage(build.text(long, { chat: user.wid, t: user.nextTime() }));
    await waitFor(() => researcherTexts(fake).some((t) => t.includes('نهاية الرسالة')), 'the long message at the researcher');
    expect(researcherTexts(fake).every((t) => t.length <= 4096)).toBe(true);
    researcherSays(fake, 'اكتبي اسم أقرب مدينة، ثم اسم القرية في الحي');
    await waitFor(() => user.texts().some((t) => t.includes('اكتبي اسم أقرب مدينة')), 'the answer on WhatsApp');

    const beforeEnd = user.texts().length;
    (await phone.client()).emitMessage(build.text('إنهاء', { chat: user.wid, t: user.nextTime() }));
    await user.replies(beforeEnd, 'أنهيت المحادثة', 'مدينة');
    await waitFor(() => researcherTexts(fake).some((t) => t.includes(`أنهى المستفيد المحادثة ${reference}`)), 'the researcher told of the end');
    await user.say('نمران', 'الحي');
    const session = (await app.repositories.conversations.load(chatKeyOf(app.keys, 'whatsapp', user.wid)))!.session;
    expect(session.drafts.support_request?.answers).toMatchObject({
      full_name: 'نورة سعد العتيبي',
      national_id: '1000000008',
      mobile: '+966551234567',
      city: 'نمران',
    });
    // What the researcher writes after the end reaches nobody.
    const after = user.texts().length;
    researcherSays(fake, 'هل من شيء آخر؟');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(
      user
        .texts()
        .slice(after)
        .some((t) => t.includes('هل من شيء آخر')),
    ).toBe(false);
    expect(callsTo(fake, 'sendMessage', GROUP).filter((c) => textOf(c).includes('نورة'))).toHaveLength(0);
  }, 90_000);

  it('announces again a referral nobody took, and tells a person writing outside working hours when to expect an answer', async () => {
    // Re-announced after about a second; working hours that never include now.
    const { fake } = await rig({ REFERRAL_REANNOUNCE_MINUTES: '0.02', WORKING_HOURS: 'sun 00:00-00:01' });
    const user = new TgUser(fake, 5553003, 'en', 'Huda');
    await user.say('/start', 'For English, send: English');
    await user.say('English', 'Main menu');
    const opened = await user.say('/researcher', 'outside working hours');
    expect(opened).toMatch(/answer from .+ \d{2}:\d{2} Saudi time/);
    const reference = REFERENCE.exec(opened)![0];
    await groupAlertFor(fake, GROUP, reference);
    const again = await waitFor(
      () => callsTo(fake, 'sendMessage', GROUP).find((c) => textOf(c).includes(reference) && textOf(c).includes('ما زال مستفيد ينتظر')),
      'the referral announced again',
      20_000,
    );
    // Taken from the second announcement (a researcher already talking to someone else is asked to end that first).
    const before = user.texts().length;
    await answerTo(
      fake,
      new Staffer(fake, GROUP, RESEARCHER.telegramUserId).pressInGroup(messageIdOf(again), groupButtonData(fake, GROUP, messageIdOf(again), 'أتولاها')),
    );
    await user.replies(before, 'is with you now');

    // While talking to Huda, the same researcher cannot take someone else's referral: their private texts go to one person.
    const other = new TgUser(fake, 5553004, 'ar', 'Muna');
    await other.say('/start', 'القائمة الرئيسية');
    const second = REFERENCE.exec(await other.say('باحث', 'أبلغنا الباحثين'))![0];
    const secondAlert = await groupAlertFor(fake, GROUP, second);
    const refused = await answerTo(
      fake,
      new Staffer(fake, GROUP, RESEARCHER.telegramUserId).pressInGroup(
        messageIdOf(secondAlert),
        groupButtonData(fake, GROUP, messageIdOf(secondAlert), 'أتولاها'),
      ),
    );
    expect(String(refused.params.text)).toContain(reference);
    expect(String(refused.params.text)).toContain('/end');
  }, 60_000);
});
