/**
 * Staff slips, tried as researchers and committee members make them, against a fake Bot API
 * (tests/helpers/fake-telegram.ts) and the real MongoDB and Redis. On ea8f709 a committee member
 * who pressed Reject and then typed `/end` sent the beneficiary «السبب: /end»; a researcher's
 * words for a person in a referral could become another case's information request; a removed
 * researcher kept relaying; a researcher who blocked the bot left the person talking to nobody.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { answerTo, callsTo, englishRequest, groupAlertFor, groupButtonData, messageIdOf, Staffer, textOf, TgUser } from '../helpers/telegram-people.js';
import { startTestApp, testEnvironment, waitFor } from '../helpers/test-app.js';
import type { RunningApp } from '../../src/app.js';
import { changeStaffRoles } from '../../src/cli/staff-commands.js';
import { signAction } from '../../src/bots/telegram/callback-data.js';

const GROUP = -100_919;
const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 8101, roles: ['researcher' as const] };
const COMMITTEE = { name: 'خالد العضو', telegramUserId: 8102, roles: ['committee' as const] };
const ADMIN = { name: 'نورة المديرة', telegramUserId: 8103, roles: ['admin' as const] };
const OTHER_RESEARCHER = { name: 'فهد الباحث', telegramUserId: 8104, roles: ['researcher' as const] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const jpeg = (g: number) =>
  sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 20, g, b: 90 } } })
    .jpeg()
    .toBuffer();

async function rig(extra: Record<string, string> = {}): Promise<{ fake: FakeTelegram; app: RunningApp }> {
  const fake = await FakeTelegram.start();
  cleanups.push(() => fake.stop());
  const env = testEnvironment({
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_STAFF_GROUP_ID: String(GROUP),
    SWEEP_INTERVAL_SECONDS: '1',
    WORKING_HOURS: 'sun-sat 00:00-24:00',
    ...extra,
  });
  cleanups.push(() => env.cleanup());
  const app = await startTestApp(env);
  cleanups.push(() => app.stop());
  for (const member of [RESEARCHER, COMMITTEE, ADMIN, OTHER_RESEARCHER]) await app.repositories.staff.add(member);
  return { fake, app };
}

/** Submits an English request and has the researcher claim it; returns its reference, id and group alert. */
async function claimedCase(fake: FakeTelegram, app: RunningApp, userId: number, nationalId: string) {
  const applicant = new TgUser(fake, userId, 'en', 'Fatimah');
  const reference = await englishRequest(applicant, await jpeg(userId % 200), nationalId);
  const alertId = messageIdOf(await groupAlertFor(fake, GROUP, reference));
  await answerTo(fake, new Staffer(fake, GROUP, RESEARCHER.telegramUserId).pressInGroup(alertId, groupButtonData(fake, GROUP, alertId, 'استلام')));
  const id = (await app.repositories.cases.findByReference(reference))!.id;
  await waitFor(
    () => callsTo(fake, 'editMessageText', GROUP).some((c) => Number(c.params.message_id) === alertId && textOf(c).includes(RESEARCHER.name)),
    'the claim on the alert',
  );
  return { applicant, reference, alertId, id };
}

describe('staff actions that cannot misfire', () => {
  it('takes only a reply as a question’s answer, shows a decision before it leaves, and sends it once', async () => {
    const { fake, app } = await rig();
    const a = await claimedCase(fake, app, 5559101, '2100000005');
    const b = await claimedCase(fake, app, 5559102, '1000000008');
    const researcher = new Staffer(fake, GROUP, RESEARCHER.telegramUserId);
    const researcherChat = new TgUser(fake, RESEARCHER.telegramUserId);
    const committee = new Staffer(fake, GROUP, COMMITTEE.telegramUserId);
    const member = new TgUser(fake, COMMITTEE.telegramUserId);

    // --- Two questions side by side, on two cases: each reply answers its own. ---
    await answerTo(fake, researcher.pressInGroup(a.alertId, groupButtonData(fake, GROUP, a.alertId, 'توصية بالموافقة')));
    const noteQuestion = await researcherChat.latestQuestion();
    await answerTo(fake, researcher.pressInGroup(b.alertId, groupButtonData(fake, GROUP, b.alertId, 'طلب معلومات')));
    const infoQuestion = await researcherChat.latestQuestion(noteQuestion);
    // A plain text is no answer: the researcher is told how to answer, and what waits.
    const plain = await researcherChat.say('4 the lease please', 'لم يتغير شيء');
    expect(plain).toContain(a.reference);
    expect(plain).toContain(b.reference);
    await researcherChat.replyTo(infoQuestion, '4 the lease please', 'أُرسل طلب المعلومات');
    // A recommendation without its visit note changes nothing; with it, it is saved.
    await researcherChat.replyTo(noteQuestion, 'A roof repair', 'لم يتغير شيء');
    expect((await app.repositories.cases.get(a.id))!.recommendation).toBeNull();
    await researcherChat.replyTo(noteQuestion, 'A roof repair\nVisited: the roof leaks.', 'حُفظت توصيتك');
    expect((await app.repositories.cases.get(b.id))!).toMatchObject({
      status: 'information_requested',
      infoRequest: { items: ['lease'], note: 'the lease please' },
    });
    expect((await app.repositories.cases.get(a.id))!.recommendation).toMatchObject({
      outcome: 'approve',
      detail: 'A roof repair',
      visitNote: 'Visited: the roof leaks.',
    });
    expect((await app.repositories.cases.get(a.id))!.status).toBe('in_review');
    // The same reply again: answered already, nothing twice.
    await researcherChat.replyTo(noteQuestion, 'Another repair\nVisited again', 'أُجيب عن هذا السؤال من قبل');
    expect((await app.repositories.cases.get(a.id))!.recommendation).toMatchObject({ detail: 'A roof repair' });
    await waitFor(() => b.applicant.texts().some((t) => t.includes('needs the following')), 'B asked for the lease');

    // --- Reject, then `/end` typed: no decision, and nothing reaches the applicant. ---
    await answerTo(fake, committee.pressInGroup(a.alertId, groupButtonData(fake, GROUP, a.alertId, '❌ رفض')));
    const rejectQuestion = await member.latestQuestion();
    expect(await member.say('/end', 'لم يتغير شيء')).toContain(a.reference);
    await member.say('The income is above the limit', 'لم يتغير شيء');
    expect(await member.replyTo(rejectQuestion, '/end', 'الأوامر لا تُعد إجابة')).not.toContain('سُجّل القرار');
    await member.replyTo(rejectQuestion, 'x'.repeat(501), 'الحد الأقصى 500');
    await member.replyTo(rejectQuestion, '   ', 'الرد فارغ');
    // A reply to a message that is no question (the group alert is not in this chat; the first message here is).
    const questions = new Set(fake.forcedReplies(COMMITTEE.telegramUserId).map((q) => q.messageId));
    const notAQuestion = callsTo(fake, 'sendMessage', COMMITTEE.telegramUserId)
      .map(messageIdOf)
      .find((id) => !questions.has(id))!;
    await member.replyTo(notAQuestion, 'The income is above the limit', 'ليست سؤالًا مني');
    expect((await app.repositories.cases.get(a.id))!).toMatchObject({ status: 'in_review', decision: null });

    // --- The preview: exactly the applicant's text, in English. Cancel decides nothing; its Send is then an old button. ---
    const preview = await member.replyTo(rejectQuestion, 'The income is above the limit', 'هذا بالضبط ما سيصل المستفيد');
    expect(preview).toContain('بالإنجليزية');
    expect(preview).toContain('Reason: The income is above the limit');
    const previewCall = callsTo(fake, 'sendMessage', COMMITTEE.telegramUserId).at(-1)!;
    const sendData = (previewCall.params.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard
      .flat()
      .find((b) => b.text.includes('إرسال'))!.callback_data;
    await member.pressLabel('إلغاء');
    expect(await member.pressData(messageIdOf(previewCall), sendData)).toContain('رسالة قديمة');
    expect((await app.repositories.cases.get(a.id))!.decision).toBeNull();

    // --- Asked again, edited once, sent: the applicant hears the final words, once. ---
    await answerTo(fake, committee.pressInGroup(a.alertId, groupButtonData(fake, GROUP, a.alertId, '❌ رفض')));
    const draftQuestion = await member.latestQuestion();
    await member.replyTo(draftQuestion, 'First draft of the reason', 'هذا بالضبط');
    const firstPreview = callsTo(fake, 'sendMessage', COMMITTEE.telegramUserId).at(-1)!;
    // A second reply to the same question makes a new preview; the first one's Send no longer sends anything.
    await member.replyTo(draftQuestion, 'Second draft of the reason', 'هذا بالضبط');
    const firstSend = (firstPreview.params.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard
      .flat()
      .find((b) => b.text.includes('إرسال'))!.callback_data;
    expect(await member.pressData(messageIdOf(firstPreview), firstSend)).toContain('رسالة قديمة');
    expect((await app.repositories.cases.get(a.id))!.decision).toBeNull();
    await member.pressLabel('تعديل');
    await member.answerQuestion('The household already receives support from another association', 'هذا بالضبط');
    expect(await member.pressLabel('إرسال')).toContain('سُجّل القرار');
    // A press redelivered (the same update twice, as a webhook retry after a 500) decides nothing twice.
    const told = await waitFor(() => a.applicant.texts().find((t) => t.includes('could not approve it')), 'the rejection');
    expect(told).toContain('Reason: The household already receives support from another association');
    await sleep(1_500);
    expect(a.applicant.texts().filter((t) => t.includes('could not approve it'))).toHaveLength(1);
    expect(a.applicant.texts().join('\n')).not.toContain('/end');
    expect(a.applicant.texts().join('\n')).not.toContain('First draft');
    expect(a.applicant.texts().join('\n')).not.toContain('Second draft');
    const audit = await app.repositories.audit.list({ targetKind: 'case', targetId: a.id, limit: 50 });
    expect(audit.filter((e) => e.action === 'case.rejected')).toHaveLength(1);
    // An old Approve button on the decided case: refused, nothing changes.
    expect(String((await answerTo(fake, committee.pressInGroup(a.alertId, signAction(app.keys, 'approve', a.id)))).params.text)).toContain('مرفوض');
    expect((await app.repositories.cases.get(a.id))!.status).toBe('rejected');
  }, 180_000);

  it('holds a decision for its undo window, takes it back, and reopens a decided case with a reason', async () => {
    // Three seconds of window, so the test waits it out.
    const { fake, app } = await rig({ DECISION_UNDO_MINUTES: '0.05' });
    const a = await claimedCase(fake, app, 5559201, '2100000005');
    const committee = new Staffer(fake, GROUP, COMMITTEE.telegramUserId);
    const member = new TgUser(fake, COMMITTEE.telegramUserId);

    await answerTo(fake, committee.pressInGroup(a.alertId, groupButtonData(fake, GROUP, a.alertId, 'قبول')));
    await member.answerQuestion('A monthly food basket for three months', 'هذا بالضبط');
    await member.pressLabel('إرسال');
    expect((await app.repositories.cases.get(a.id))!.status).toBe('approved');
    // Taken back inside the window: in review again; nothing reaches the applicant, even after the window.
    expect(await member.pressLabel('تراجع')).toContain('تم التراجع');
    expect((await app.repositories.cases.get(a.id))!).toMatchObject({ status: 'in_review', decision: null });
    await sleep(5_000);
    expect(a.applicant.texts().some((t) => t.includes('approved your request'))).toBe(false);

    // Decided again and left: told once, after the window; then too late to take back.
    await answerTo(fake, committee.pressInGroup(a.alertId, groupButtonData(fake, GROUP, a.alertId, 'قبول')));
    await member.answerQuestion('A monthly food basket for six months', 'هذا بالضبط');
    await member.pressLabel('إرسال');
    await sleep(1_000);
    expect(a.applicant.texts().some((t) => t.includes('approved your request'))).toBe(false);
    await waitFor(() => a.applicant.texts().some((t) => t.includes('approved your request')), 'the approval after the window', 15_000);
    expect(await member.pressLabel('تراجع')).toContain('فات وقت التراجع');
    await sleep(1_500);
    expect(a.applicant.texts().filter((t) => t.includes('approved your request'))).toHaveLength(1);
    expect(a.applicant.texts().join('\n')).not.toContain('three months');

    // Reopened with a reason: in the history and the audit; the applicant told it is reconsidered.
    await waitFor(
      () => callsTo(fake, 'editMessageText', GROUP).some((c) => Number(c.params.message_id) === a.alertId && textOf(c).includes('قبلته اللجنة')),
      'the alert to show the approval',
    );
    await answerTo(fake, committee.pressInGroup(a.alertId, groupButtonData(fake, GROUP, a.alertId, 'إعادة فتح')));
    await member.answerQuestion('New information about the household income arrived', 'قيد الدراسة من جديد');
    const reopened = (await app.repositories.cases.get(a.id))!;
    expect(reopened).toMatchObject({ status: 'in_review', decision: null });
    expect(reopened.history.at(-1)).toMatchObject({ from: 'approved', to: 'in_review', reason: 'New information about the household income arrived' });
    await waitFor(() => a.applicant.texts().some((t) => t.includes('reconsidering your request')), 'the applicant told of the reconsideration');
    const audit = await app.repositories.audit.list({ targetKind: 'case', targetId: a.id, limit: 50 });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['case.approved', 'case.decision_taken_back', 'case.reopened']));
  }, 180_000);

  it('takes from a researcher who loses the role, within seconds, their questions, referral and cases; and hands back a referral whose researcher blocked the bot', async () => {
    const { fake, app } = await rig({ LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' });
    const a = await claimedCase(fake, app, 5559301, '2100000005');
    const researcher = new Staffer(fake, GROUP, RESEARCHER.telegramUserId);
    const researcherChat = new TgUser(fake, RESEARCHER.telegramUserId);

    // The applicant asks for a researcher; the researcher takes it.
    const before = a.applicant.texts().length;
    await a.applicant.say('/researcher', 'told our social researchers');
    const referralRef = /RF-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(a.applicant.texts().slice(before).join('\n'))![0];
    const referralAlert = messageIdOf(await groupAlertFor(fake, GROUP, referralRef));
    await answerTo(fake, researcher.pressInGroup(referralAlert, groupButtonData(fake, GROUP, referralAlert, 'أتولاها')));
    await a.applicant.replies(before, 'is with you now');

    // A question pending and a conversation open: the relay takes plain text, the question only its reply.
    await answerTo(fake, researcher.pressInGroup(a.alertId, groupButtonData(fake, GROUP, a.alertId, 'توصية بالموافقة')));
    const noteQuestion = await researcherChat.latestQuestion();
    fake.pushUpdate(fake.textMessage({ chatId: RESEARCHER.telegramUserId, userId: RESEARCHER.telegramUserId, text: 'Hello, how can I help?' }));
    await waitFor(() => a.applicant.texts().some((t) => t.includes('Hello, how can I help?')), 'the relay to the applicant');
    expect((await app.repositories.cases.get(a.id))!.recommendation).toBeNull();
    await researcherChat.say('/start', 'الأوامر لا تُنقل');
    expect(a.applicant.texts().join('\n')).not.toContain('/start');

    // The researcher's role is taken away at the command line.
    const startedAt = Date.now();
    const out = { message: () => undefined, table: () => undefined };
    await changeStaffRoles(
      { staff: app.repositories.staff, audit: app.repositories.audit, operator: 'test', out },
      (await app.repositories.staff.findByTelegramUserId(RESEARCHER.telegramUserId))!.id,
      ['volunteer_coordinator'],
    );
    await app.queues.requestAlerts(`staff-change-${startedAt}`);
    await waitFor(() => a.applicant.texts().some((t) => t.includes('no longer available')), 'the applicant told the researcher is gone', 5_000);
    await waitFor(async () => (await app.repositories.cases.get(a.id))?.assignee === null, 'the case back in the queue', 5_000);
    await waitFor(() => callsTo(fake, 'sendMessage', GROUP).some((c) => textOf(c).includes(`عاد الطلب ${a.reference}`)), 'the group told', 5_000);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect((await app.repositories.cases.get(a.id))!.status).toBe('submitted');
    // Their question is gone, and what they write reaches nobody.
    await researcherChat.replyTo(noteQuestion, 'Food\nVisited: all fine', 'صلاحيتك لا تسمح');
    expect((await app.repositories.cases.get(a.id))!.recommendation).toBeNull();
    const relayed = a.applicant.texts().length;
    fake.pushUpdate(fake.textMessage({ chatId: RESEARCHER.telegramUserId, userId: RESEARCHER.telegramUserId, text: 'Are you still there?' }));
    await sleep(1_500);
    expect(a.applicant.texts().slice(relayed).join('\n')).not.toContain('Are you still there?');

    // Another researcher takes the referral again, then blocks the bot: handed back, the applicant and administrators told.
    const again = messageIdOf(
      await waitFor(
        () =>
          callsTo(fake, 'sendMessage', GROUP)
            .filter((c) => textOf(c).includes(referralRef))
            .at(-1),
        'the referral announced again',
      ),
    );
    const other = new Staffer(fake, GROUP, OTHER_RESEARCHER.telegramUserId);
    await waitFor(() => callsTo(fake, 'sendMessage', GROUP).filter((c) => textOf(c).includes(referralRef)).length >= 2, 'announced again');
    await answerTo(fake, other.pressInGroup(again, groupButtonData(fake, GROUP, again, 'أتولاها')));
    await waitFor(() => fake.sentTexts(OTHER_RESEARCHER.telegramUserId).some((t) => t.includes(referralRef)), 'the briefing');
    fake.block(OTHER_RESEARCHER.telegramUserId);
    const told = a.applicant.texts().filter((t) => t.includes('no longer available')).length;
    // In a referral the bot itself says nothing: the message goes to the researcher, who cannot be written to.
    fake.pushUpdate(fake.textMessage({ chatId: a.applicant.userId, userId: a.applicant.userId, text: 'Is anyone there?' }));
    await waitFor(() => a.applicant.texts().filter((t) => t.includes('no longer available')).length > told, 'the applicant told again');
    await waitFor(
      () => fake.sentTexts(ADMIN.telegramUserId).some((t) => t.includes(OTHER_RESEARCHER.name) && t.includes(referralRef)),
      'the administrator told',
    );
    const referral = await app.repositories.referrals.activeFor((await app.repositories.staff.findByTelegramUserId(OTHER_RESEARCHER.telegramUserId))!.id);
    expect(referral).toBeNull();
  }, 180_000);
});

describe('two requests under one national ID', () => {
  it('names each case on the other’s alert and case view, by reference only, and approves neither until staff settle whose ID it is', async () => {
    const { fake, app } = await rig();
    const nationalId = '1000000008';
    const first = await claimedCase(fake, app, 5559201, nationalId);
    // Someone else, from another chat, applies with the same ID: taken like any request.
    const second = await englishRequest(new TgUser(fake, 5559202, 'en', 'Noura'), await jpeg(40), nationalId);

    const secondAlert = await groupAlertFor(fake, GROUP, second);
    expect(textOf(secondAlert)).toContain('رقم الهوية نفسه مستخدم في طلب مفتوح آخر');
    expect(textOf(secondAlert)).toContain(first.reference);
    // The first alert is edited to name the second.
    await waitFor(
      () => callsTo(fake, 'editMessageText', GROUP).some((c) => Number(c.params.message_id) === first.alertId && textOf(c).includes(second)),
      'the first alert naming the second case',
    );
    // The case opened in a researcher's private chat names the other too.
    const researcherChat = new TgUser(fake, RESEARCHER.telegramUserId);
    const before = researcherChat.texts().length;
    const secondAlertId = messageIdOf(secondAlert);
    await answerTo(fake, new Staffer(fake, GROUP, RESEARCHER.telegramUserId).pressInGroup(secondAlertId, groupButtonData(fake, GROUP, secondAlertId, 'فتح')));
    const view = await researcherChat.replies(before, `الطلب ${second}`);
    expect(view).toContain(`مستخدم في طلب مفتوح آخر: ${first.reference}`);
    // The committee cannot approve either while both are open: told why when pressing Approve.
    await answerTo(
      fake,
      new Staffer(fake, GROUP, RESEARCHER.telegramUserId).pressInGroup(secondAlertId, groupButtonData(fake, GROUP, secondAlertId, 'استلام')),
    );
    await waitFor(async () => (await app.repositories.cases.findByReference(second))?.status === 'in_review', 'the second case claimed');
    const committee = new Staffer(fake, GROUP, COMMITTEE.telegramUserId);
    for (const alertId of [first.alertId, secondAlertId]) {
      const refused = await answerTo(fake, committee.pressInGroup(alertId, groupButtonData(fake, GROUP, alertId, 'قبول')));
      expect(textOf(refused) || String(refused.params.text)).toContain('طلب مفتوح آخر برقم الهوية نفسه');
    }
    expect(new TgUser(fake, COMMITTEE.telegramUserId).texts()).toEqual([]);
    // The group never sees the ID.
    const group = [...callsTo(fake, 'sendMessage', GROUP), ...callsTo(fake, 'editMessageText', GROUP)].map(textOf).join('\n');
    expect(group).not.toContain(nationalId);
  }, 120_000);
});
