/**
 * A researcher studies a case on Telegram: asks the beneficiary for missing information,
 * the beneficiary answers in their chat with a photo and words, the case returns to study
 * and the researcher receives both; a field-visit note and recommendation is recorded and
 * shown with the case to the committee.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { parseInfoRequest } from '../../src/bots/telegram/question-desk.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { answerTo, callsTo, englishRequest, groupAlertFor, groupButtonData, messageIdOf, Staffer, TgUser } from '../helpers/telegram-people.js';
import { startTestApp, testEnvironment, waitFor } from '../helpers/test-app.js';

const GROUP = -100444;
const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 7601, roles: ['researcher' as const] };
const COMMITTEE = { name: 'خالد', telegramUserId: 7602, roles: ['committee' as const] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('studying a case', () => {
  it('reads the researcher’s request as item numbers and a note', () => {
    expect(parseInfoRequest('1، 3 صورة أوضح للهوية')).toEqual({ items: ['id', 'income_proof'], note: 'صورة أوضح للهوية' });
    expect(parseInfoRequest('٢ ٤')).toEqual({ items: ['family_card', 'lease'], note: '' });
    expect(parseInfoRequest('نحتاج عنوانًا أدق')).toEqual({ items: [], note: 'نحتاج عنوانًا أدق' });
    expect(parseInfoRequest('9 x')).toEqual({ items: [], note: 'x' });
  });

  it('asks the beneficiary for information, gets it back with a photo, and records a visit note the committee sees', async () => {
    const fake = await FakeTelegram.start();
    cleanups.push(() => fake.stop());
    const env = testEnvironment({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_STAFF_GROUP_ID: String(GROUP) });
    cleanups.push(() => env.cleanup());
    const app = await startTestApp(env);
    cleanups.push(() => app.stop());
    await app.repositories.staff.add(RESEARCHER);
    await app.repositories.staff.add(COMMITTEE);

    // A short English request (own home, no income, one photo).
    const user = new TgUser(fake, 5554001, 'en', 'Fatimah');
    const jpeg = (g: number) =>
      sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 20, g, b: 90 } } })
        .jpeg()
        .toBuffer();
    const reference = await englishRequest(user, await jpeg(100));

    const alertId = messageIdOf(await groupAlertFor(fake, GROUP, reference));
    const researcher = new Staffer(fake, GROUP, RESEARCHER.telegramUserId);
    await answerTo(fake, researcher.pressInGroup(alertId, groupButtonData(fake, GROUP, alertId, 'استلام')));
    await waitFor(() => callsTo(fake, 'editMessageText', GROUP).some((c) => Number(c.params.message_id) === alertId), 'the alert updated with the claim');

    // --- The researcher asks for a clearer ID photo. ---
    const researcherChat = new TgUser(fake, RESEARCHER.telegramUserId);
    let before = researcherChat.texts().length;
    await answerTo(fake, researcher.pressInGroup(alertId, groupButtonData(fake, GROUP, alertId, 'طلب معلومات')));
    await researcherChat.replies(before, 'ما الذي ينقص الطلب');
    await researcherChat.answerQuestion('1 the photo of the ID is blurred, please send it again', 'أُرسل طلب المعلومات');
    const asked = await user.replies(0, /needs the following[\s\S]*Send the documents asked for/);
    expect(asked).toContain('A photo of the ID or iqama');
    expect(asked).toContain('the photo of the ID is blurred');
    expect((await app.repositories.cases.findByReference(reference))?.status).toBe('information_requested');

    // --- The beneficiary answers from the chat. ---
    before = researcherChat.texts().length;
    await user.photo('AgACAgID-study-2', await jpeg(180), 'File received');
    await user.say('done', 'Write the information asked for');
    await user.say('Here is a clearer photo', 'was added to your request');
    await researcherChat.replies(before, `أرسل صاحب الطلب ${reference} ما طُلب منه`);
    await waitFor(() => callsTo(fake, 'sendPhoto', RESEARCHER.telegramUserId).length >= 1, 'the new photo sent to the researcher');
    const record = (await app.repositories.cases.findByReference(reference))!;
    expect(record.status).toBe('in_review');
    expect(record.documentIds).toHaveLength(2);
    expect(record.additions.at(-1)).toMatchObject({ text: 'Here is a clearer photo' });

    // --- A field-visit note and recommendation, seen by the committee with the case. ---
    before = researcherChat.texts().length;
    await answerTo(fake, researcher.pressInGroup(alertId, groupButtonData(fake, GROUP, alertId, 'توصية بالموافقة')));
    await researcherChat.replies(before, 'توصيتك: الموافقة');
    await researcherChat.answerQuestion('A monthly food basket\nVisited on Tuesday: lives alone, no income.', 'حُفظت توصيتك');
    const committee = new TgUser(fake, COMMITTEE.telegramUserId);
    const view = await committee.say(`/case ${reference}`, 'السجل:');
    expect(view).toContain('الموافقة — A monthly food basket');
    expect(view).toContain('ملاحظة الزيارة الميدانية: Visited on Tuesday');
    expect(view).toContain('Here is a clearer photo');
    const audit = await app.repositories.audit.list({ targetKind: 'case', targetId: record.id, limit: 20 });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['case.information_requested', 'case.information_provided', 'case.recommended']));
  }, 120_000);
});
