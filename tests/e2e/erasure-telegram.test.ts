/**
 * A request to erase one's data, end to end on Telegram against the fake Bot API: an
 * English-speaking applicant asks, every administrator is told privately (counts only,
 * never the group), a researcher's press and a forged press change nothing, an
 * administrator's press erases, and the applicant is told in English, once.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { answerTo, callsTo, englishRequest, keyboardOf, textOf, TgUser, startTelegramRig } from '../helpers/telegram-people.js';
import { waitFor } from '../helpers/test-app.js';

const GROUP = -100777;
const ADMIN = { name: 'منى المشرفة', telegramUserId: 7301, roles: ['admin' as const] };
const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 7302, roles: ['researcher' as const] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const rig = () => startTelegramRig(cleanups, GROUP);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('erasure on request, on Telegram', () => {
  it('the administrator approves from a private message; others cannot; the applicant is told in English once', async () => {
    const { fake, app } = await rig();
    await app.repositories.staff.add(ADMIN);
    await app.repositories.staff.add(RESEARCHER);
    const user = new TgUser(fake, 5553001);
    const photo = await sharp({ create: { width: 200, height: 120, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    const caseReference = await englishRequest(user, photo);

    await user.say('/delete', 'Deleted data cannot be recovered');
    const recorded = await user.press('yes', 'An administrator reviews it');
    const reference = /DEL-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(recorded)?.[0];
    expect(reference, recorded).toBeDefined();

    // Privately to the administrator, counts only; nothing to the group or the researcher.
    const alert = await waitFor(
      () => callsTo(fake, 'sendMessage', ADMIN.telegramUserId).find((c) => textOf(c).includes(reference!)),
      'the erasure alert to the administrator',
    );
    expect(textOf(alert)).toContain('الطلبات: 1 (مفتوح منها: 1)');
    expect(textOf(alert)).not.toContain('Fatimah');
    expect(textOf(alert)).not.toContain('2100000005');
    expect(callsTo(fake, 'sendMessage', GROUP).filter((c) => textOf(c).includes(reference!))).toHaveLength(0);
    expect(callsTo(fake, 'sendMessage', RESEARCHER.telegramUserId).filter((c) => textOf(c).includes(reference!))).toHaveLength(0);
    const buttons = keyboardOf(alert.params.reply_markup);
    const approve = buttons.find((b) => b.text.includes('موافقة'))!;
    const refuse = buttons.find((b) => b.text.includes('رفض'))!;
    expect(approve && refuse).toBeTruthy();
    const messageId = (alert.result as { message_id: number }).message_id;
    const press = (userId: number, data: string) => {
      const update = fake.callbackQuery({ chatId: userId, userId, messageId, data });
      fake.pushUpdate(update);
      return answerTo(fake, update.callback_query.id);
    };

    // A researcher's press, a forged signature and a changed action letter: refused, nothing changes.
    expect(String((await press(RESEARCHER.telegramUserId, approve.callback_data)).params.text)).toBe('صلاحيتك لا تسمح بهذا الإجراء.');
    const forged = `${approve.callback_data.slice(0, -4)}AAAA`;
    expect(String((await press(ADMIN.telegramUserId, forged)).params.text)).toBe('هذا الزر غير صالح.');
    const relabelled = approve.callback_data.replace(/^s1:e:/, 's1:c:');
    expect(relabelled).not.toBe(approve.callback_data);
    expect(String((await press(ADMIN.telegramUserId, relabelled)).params.text)).toBe('هذا الزر غير صالح.');
    const request = await app.repositories.erasures.findByReference(reference!);
    expect(request?.status).toBe('pending');
    expect((await app.repositories.cases.findByReference(caseReference))!.answers.national_id).toBe('2100000005');

    // The administrator approves: answered at once, erased by the worker, then told what went.
    const answered = await press(ADMIN.telegramUserId, approve.callback_data);
    expect(String(answered.params.text)).toContain(`تمت الموافقة (${reference})`);
    const done = await waitFor(
      () => callsTo(fake, 'sendMessage', ADMIN.telegramUserId).find((c) => textOf(c).includes(`تم حذف بيانات ${reference}`)),
      'the administrator told the erasure is done',
    );
    expect(textOf(done)).toContain('1 طلبات');
    await waitFor(() => user.texts().some((t) => t.includes('Your data has been deleted')), 'the erasure notice in English');
    const erased = await app.repositories.cases.findByReference(caseReference);
    expect(erased).toMatchObject({ status: 'withdrawn', chatKey: 'erased', answers: {} });
    expect(await app.repositories.documents.idsOfChat(chatKeyOf(app.keys, 'telegram', String(5553001)))).toEqual([]);

    // Pressed again (or Refuse afterwards): the first decision stands; the applicant is told once.
    expect(String((await press(ADMIN.telegramUserId, refuse.callback_data)).params.text)).toContain(reference);
    await sleep(1_000);
    expect(user.texts().filter((t) => t.includes('Your data has been deleted'))).toHaveLength(1);
    expect((await app.repositories.erasures.findByReference(reference!))?.status).toBe('done');
  }, 120_000);
});
