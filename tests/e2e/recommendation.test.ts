/**
 * The researcher's recommendation before the committee's decision (REQUIRE_RECOMMENDATION=on, the
 * default), against a fake Bot API and the real MongoDB and Redis: Approve refused with none, the
 * recommendation recorded in one reply (a reply missing the visit note changes nothing), the case
 * on the committee's agenda with it, decided from there through the same confirmation.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram, type UploadedFile } from '../helpers/fake-telegram.js';
import { pdfText } from '../helpers/pdf.js';
import { answerTo, callsTo, englishRequest, groupAlertFor, groupButtonData, messageIdOf, Staffer, textOf, TgUser } from '../helpers/telegram-people.js';
import { startTestApp, testEnvironment, waitFor } from '../helpers/test-app.js';

const GROUP = -100_953;
const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 8401, roles: ['researcher' as const] };
const COMMITTEE = { name: 'خالد العضو', telegramUserId: 8402, roles: ['committee' as const] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('the researcher’s recommendation', () => {
  it('keeps Approve waiting until a researcher recommends, then puts the case on the agenda, decided from there', async () => {
    const fake = await FakeTelegram.start();
    cleanups.push(() => fake.stop());
    const env = testEnvironment({
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_STAFF_GROUP_ID: String(GROUP),
      WORKING_HOURS: 'sun-sat 00:00-24:00',
      REQUIRE_RECOMMENDATION: 'on',
    });
    cleanups.push(() => env.cleanup());
    const app = await startTestApp(env);
    cleanups.push(() => app.stop());
    for (const member of [RESEARCHER, COMMITTEE]) await app.repositories.staff.add(member);

    const photo = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 90, g: 20, b: 90 } } })
      .jpeg()
      .toBuffer();
    const applicant = new TgUser(fake, 5579101, 'en', 'Fatimah');
    const reference = await englishRequest(applicant, photo);
    const id = (await app.repositories.cases.findByReference(reference))!.id;
    const alertId = messageIdOf(await groupAlertFor(fake, GROUP, reference));
    const researcher = new Staffer(fake, GROUP, RESEARCHER.telegramUserId);
    const committee = new Staffer(fake, GROUP, COMMITTEE.telegramUserId);
    await answerTo(fake, researcher.pressInGroup(alertId, groupButtonData(fake, GROUP, alertId, 'استلام')));
    await waitFor(async () => (await app.repositories.cases.get(id))?.status === 'in_review', 'the claim');

    // Approve with no recommendation: refused, nothing asked.
    const approve = () => groupButtonData(fake, GROUP, alertId, '✅ قبول');
    await waitFor(() => {
      try {
        return approve();
      } catch {
        return undefined;
      }
    }, 'the alert showing the study buttons');
    expect(textOf(await answerTo(fake, committee.pressInGroup(alertId, approve())))).toBe('يلزم أولًا توصية من الباحث (👍 أو 👎 على الطلب).');

    // The researcher recommends approval: one line is not enough; the support and the visit note are.
    const researcherChat = new TgUser(fake, RESEARCHER.telegramUserId);
    await answerTo(fake, researcher.pressInGroup(alertId, groupButtonData(fake, GROUP, alertId, 'توصية بالموافقة')));
    await researcherChat.replies(0, 'توصيتك: الموافقة');
    await researcherChat.answerQuestion('A monthly food basket for three months', 'لم يتغير شيء');
    await researcherChat.answerQuestion('A monthly food basket for three months\nVisited on Sunday: a widow living alone, no income.', 'حُفظت توصيتك');

    // The committee member opens the agenda: the case is there with the recommendation's line; a researcher has no agenda.
    expect(await researcherChat.say('/agenda', 'جدول الأعمال للجنة')).toContain('أدوارك لا تتيحه');
    const member = new TgUser(fake, COMMITTEE.telegramUserId);
    const agenda = await member.say('/agenda', 'جاهزة للقرار');
    expect(agenda).toContain(`1. ${reference}`);
    expect(agenda).toContain('👍 الموافقة — A monthly food basket for three months (سارة الباحثة)');
    expect(agenda).not.toContain('⚠️');
    // The same agenda on paper for the meeting: the researcher may not print it; the member gets the PDF, audited.
    expect(await researcherChat.say('/agenda pdf', 'جدول الأعمال للجنة')).toContain('أدوارك لا تتيحه');
    await member.say('/agenda pdf', 'جارٍ إعداد جدول الأعمال');
    const sent = await waitFor(() => callsTo(fake, 'sendDocument', COMMITTEE.telegramUserId).at(-1), 'the agenda as a PDF');
    const paper = pdfText(fake.uploadedBytes((sent.params.document as UploadedFile).fileId!)!);
    for (const words of ['جدول أعمال لجنة البحث', reference, 'A monthly food basket', 'قرار اللجنة']) expect(paper).toContain(words);
    const printed = await app.repositories.audit.list({ targetKind: 'agenda', limit: 5 });
    expect(printed).toEqual([expect.objectContaining({ action: 'agenda.printed', details: { lang: 'ar', cases: 1 } })]);
    // ✅ 1 there asks, as Approve on the alert does, with the recommendation above the question; the decision goes through.
    expect(await member.pressLabel('✅ 1')).toBe('أكمل في المحادثة الخاصة مع البوت.');
    const asked = await member.replies(0, 'الدعم');
    expect(asked).toContain('🧭 توصية سارة الباحثة');
    expect(asked).toContain('الموافقة — A monthly food basket for three months');
    expect(asked).toContain('ملاحظة الزيارة الميدانية: Visited on Sunday');
    await member.answerQuestion('A monthly food basket for three months', 'A monthly food basket');
    expect(await member.pressLabel('إرسال')).toBeTruthy();
    await waitFor(async () => (await app.repositories.cases.get(id))?.status === 'approved', 'the approval');
    const record = (await app.repositories.cases.get(id))!;
    expect(record.history.at(-1)!.reason).not.toContain('without a recommendation');
    await waitFor(() => applicant.texts().some((t) => t.includes('approved')), 'the applicant told');
  }, 90_000);
});
