/**
 * Suggestions, complaints and volunteers end to end, on Telegram against the fake Bot API:
 * the record is stored encrypted under a reference, the staff of the matching role are told
 * privately (never the group, which hears only that someone must hold the role), and the
 * answer to a complaint reaches the beneficiary once.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { answerTo, callsTo, keyboardOf, textOf, TgUser, startTelegramRig } from '../helpers/telegram-people.js';
import { waitFor } from '../helpers/test-app.js';

const GROUP = -100555;
const HANDLER = { name: 'ريم مسؤولة الشكاوى', telegramUserId: 7201, roles: ['complaints_handler' as const] };
const COORDINATOR = { name: 'فهد منسق المتطوعين', telegramUserId: 7202, roles: ['volunteer_coordinator' as const] };
const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 7203, roles: ['researcher' as const] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const rig = () => startTelegramRig(cleanups, GROUP);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('suggestions, complaints and volunteers, end to end', () => {
  it('a complaint with a photo reaches the complaints handler privately, and the answer reaches the beneficiary once', async () => {
    const { fake, app } = await rig();
    await app.repositories.staff.add(HANDLER);
    await app.repositories.staff.add(RESEARCHER);
    const user = new TgUser(fake, 5552001);
    await user.say('/start', 'القائمة الرئيسية');
    await user.press('feedback', 'اقتراح أم شكوى');
    await user.press('complaint', 'اكتب اقتراحك أو شكواك');
    const complaint = 'انتظرت عند مكتب الجمعية ساعتين ولم يستقبلني أحد';
    await user.say(complaint, 'هل تريد إرفاق');
    await user.press('yes', 'أرسل الصورة أو الملف');
    const photo = await sharp({ create: { width: 200, height: 120, channels: 3, background: { r: 10, g: 120, b: 200 } } })
      .jpeg()
      .toBuffer();
    await user.photo('AgACAgID-complaint-1', photo, 'وصلنا الملف');
    const done = await user.say('تم', 'الرقم المرجعي');
    const reference = /FB-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(done)?.[0];
    expect(reference, done).toBeDefined();

    // Privately to the handler, in full, with an Answer button; nothing of it in the group; not to the researcher.
    const alert = await waitFor(
      () => callsTo(fake, 'sendMessage', HANDLER.telegramUserId).find((c) => textOf(c).includes(reference!)),
      'the complaint alert to the handler',
    );
    expect(textOf(alert)).toContain(complaint);
    expect(textOf(alert)).toContain('تيليجرام');
    const button = keyboardOf(alert.params.reply_markup).find((b) => b.text.includes('الرد'));
    expect(button).toBeDefined();
    await sleep(500);
    expect(callsTo(fake, 'sendMessage', GROUP).filter((c) => textOf(c).includes(reference!))).toHaveLength(0);
    expect(callsTo(fake, 'sendMessage', RESEARCHER.telegramUserId)).toHaveLength(0);

    // The handler answers.
    const handlerChat = new TgUser(fake, HANDLER.telegramUserId);
    const before = handlerChat.texts().length;
    const press = fake.callbackQuery({
      chatId: HANDLER.telegramUserId,
      userId: HANDLER.telegramUserId,
      messageId: (alert.result as { message_id: number }).message_id,
      data: button!.callback_data,
    });
    fake.pushUpdate(press);
    await answerTo(fake, press.callback_query.id);
    await handlerChat.replies(before, 'اكتب ردك');
    const reply = 'نعتذر منك، وقد وجّهنا المكتب باستقبال المراجعين طوال ساعات الدوام.';
    await handlerChat.answerQuestion(reply, 'تم إرسال ردك');

    await waitFor(() => user.texts().some((t) => t.includes(reply)), 'the answer in the beneficiary’s chat');
    await sleep(1_000);
    const answers = user.texts().filter((t) => t.includes(reply));
    expect(answers).toHaveLength(1);
    expect(answers[0]).toContain(reference);

    // Stored encrypted; the answer recorded; pressing Answer again changes nothing.
    const raw = await app.connection.db!.collection('self_service_records').findOne({ reference });
    expect(JSON.stringify(raw)).not.toContain('ساعتين');
    expect(raw?.status).toBe('answered');
    const answeredBy = (await app.repositories.audit.list({ targetKind: 'record', targetId: String(raw?._id), limit: 10 })).filter(
      (e) => e.action === 'record.answered',
    );
    expect(answeredBy.map((e) => e.actor.name)).toEqual([HANDLER.name]);
    const again = fake.callbackQuery({ chatId: HANDLER.telegramUserId, userId: HANDLER.telegramUserId, messageId: 1, data: button!.callback_data });
    fake.pushUpdate(again);
    expect((await answerTo(fake, again.callback_query.id)).params.text).toBeTruthy();
    await sleep(500);
    expect(user.texts().filter((t) => t.includes(reply))).toHaveLength(1);
  }, 60_000);

  it('a volunteer reaches the coordinator; with no coordinator yet the group is told only that one is waiting, and the coordinator added later gets it', async () => {
    const { fake, app } = await rig();
    const user = new TgUser(fake, 5552002, 'en', 'Sara');
    await user.say('/start', 'For English, send: English');
    await user.say('English', 'Main menu');
    await user.say('/volunteer', 'Do you agree?');
    await user.press('yes', 'full name');
    await user.say('Sara Ahmed Alqahtani', 'mobile number');
    await user.say('0551234567', 'Which city');
    await user.say('Abha', 'What skills');
    await user.say('Teaching children and graphic design', 'Which times');
    const done = await user.press('weekends', 'Reference');
    const reference = /VL-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(done)?.[0];
    expect(reference, done).toBeDefined();

    const notice = await waitFor(() => callsTo(fake, 'sendMessage', GROUP).find((c) => textOf(c).includes(reference!)), 'the unassigned notice in the group');
    expect(textOf(notice)).toContain('منسق المتطوعين');
    for (const secret of ['Sara', 'Alqahtani', '551234567', 'Teaching']) expect(textOf(notice)).not.toContain(secret);

    await app.repositories.staff.add(COORDINATOR);
    // Still pending for the role: the sweeper re-arms it and the coordinator is told, in full.
    const alert = await waitFor(
      () => callsTo(fake, 'sendMessage', COORDINATOR.telegramUserId).find((c) => textOf(c).includes(reference!)),
      'the volunteer alert to the coordinator',
      20_000,
    );
    expect(textOf(alert)).toContain('Sara Ahmed Alqahtani');
    expect(textOf(alert)).toContain('0551234567');
    expect(textOf(alert)).toContain('نهاية الأسبوع');
  }, 60_000);
});
