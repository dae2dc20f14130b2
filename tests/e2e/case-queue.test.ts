/**
 * The staff's case queue (`/cases`) worked as staff work it, against a fake Bot API and the real
 * MongoDB and Redis: a researcher lists the new cases, pages, opens one (audited); a committee
 * member sees only the lists of their role; slips: a list the role does not allow, an old list's
 * button after the role was removed, a forged button.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { keyboardOf, messageIdOf, TgUser } from '../helpers/telegram-people.js';
import { startTestApp, testEnvironment, waitFor } from '../helpers/test-app.js';
import { newCase } from '../helpers/new-case.js';
import type { RunningApp } from '../../src/app.js';
import { changeStaffRoles } from '../../src/cli/staff-commands.js';

const GROUP = -100_931;
const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 8201, roles: ['researcher' as const] };
const COMMITTEE = { name: 'خالد العضو', telegramUserId: 8202, roles: ['committee' as const] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function rig(): Promise<{ fake: FakeTelegram; app: RunningApp }> {
  const fake = await FakeTelegram.start();
  cleanups.push(() => fake.stop());
  const env = testEnvironment({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_STAFF_GROUP_ID: String(GROUP) });
  cleanups.push(() => env.cleanup());
  const app = await startTestApp(env);
  cleanups.push(() => app.stop());
  for (const member of [RESEARCHER, COMMITTEE]) await app.repositories.staff.add(member);
  return { fake, app };
}

/** The latest version (sent or edited) of the bot's message in `chatId` that has buttons. */
function latestList(fake: FakeTelegram, chatId: number): { messageId: number; text: string; buttons: { text: string; callback_data: string }[] } {
  let found: { messageId: number; text: string; markup: unknown } | null = null;
  for (const call of fake.calls) {
    if (call.result === undefined || String(call.params.chat_id) !== String(chatId)) continue;
    if (call.method === 'sendMessage' && call.params.reply_markup)
      found = { messageId: messageIdOf(call), text: String(call.params.text), markup: call.params.reply_markup };
    if (call.method === 'editMessageText')
      found = { messageId: Number(call.params.message_id), text: String(call.params.text), markup: call.params.reply_markup };
  }
  if (!found) throw new Error(`no list in chat ${chatId}`);
  return { messageId: found.messageId, text: found.text, buttons: keyboardOf(found.markup) };
}

describe('the case queue', () => {
  it('lets a researcher list new cases ten a page, page on and open one; each role sees its own lists', async () => {
    const { fake, app } = await rig();
    const now = Date.now();
    // Twelve new cases, submitted one to twelve days ago, and one claimed by the researcher.
    for (let n = 1; n <= 12; n++) await app.repositories.cases.insertSubmitted(newCase(n, { at: new Date(now - n * 86_400_000) }));
    const researcher = new TgUser(fake, RESEARCHER.telegramUserId);

    await researcher.say('/cases', 'الطلبات: اختر قائمة');
    const filters = latestList(fake, RESEARCHER.telegramUserId);
    expect(filters.buttons.map((b) => b.text)).toEqual(expect.arrayContaining(['طلباتي (0)', 'جديدة بلا باحث (12)', 'تجاوزت الموعد (0)']));
    expect(filters.buttons.some((b) => b.text.startsWith('بانتظار اللجنة'))).toBe(false);

    expect(await researcher.pressLabel('جديدة بلا باحث')).toBe('تم العرض.');
    let page = await waitFor(() => {
      const list = latestList(fake, RESEARCHER.telegramUserId);
      return list.text.includes('صفحة 1 من 2') ? list : undefined;
    }, 'the first page');
    // The oldest promise first; every line its reference, support type, city and clocks; nothing personal.
    expect(page.text).toContain('1. SR-TEST-0012');
    expect(page.text).toContain('10. SR-TEST-0003');
    expect(page.text).toContain('نمران');
    expect(page.text).toContain('قُدّم قبل 12 يومًا');
    expect(page.text).toContain('الرد خلال يومين');
    expect(page.text).not.toContain('1000000008');
    expect(page.messageId).toBe(filters.messageId);

    await researcher.pressLabel('التالي');
    page = await waitFor(() => {
      const list = latestList(fake, RESEARCHER.telegramUserId);
      return list.text.includes('صفحة 2 من 2') ? list : undefined;
    }, 'the second page');
    expect(page.text).toContain('11. SR-TEST-0002');
    expect(page.buttons.map((b) => b.text)).toEqual(['11. SR-TEST-0002', '12. SR-TEST-0001', '▶️ السابق', '📋 القوائم']);

    // A line opens the case privately, audited as the alert's *Open* is.
    expect(await researcher.pressLabel('12. SR-TEST-0001')).toBe('أرسلت لك تفاصيل الطلب في المحادثة الخاصة.');
    await waitFor(() => researcher.texts().some((t) => t.includes('📂') && t.includes('SR-TEST-0001')), 'the case view');
    const audit = await app.repositories.audit.list({ targetKind: 'case', targetId: newCase(1).id, limit: 10 });
    expect(audit.map((e) => e.action)).toContain('case.viewed');

    // The committee sees its lists (the cases 11 and 12 days old are due within 3 days), not the researchers'; a researcher's list button pressed by a member is refused.
    const member = new TgUser(fake, COMMITTEE.telegramUserId);
    await member.say('/cases', 'الطلبات: اختر قائمة');
    const committeeFilters = latestList(fake, COMMITTEE.telegramUserId).buttons.map((b) => b.text);
    expect(committeeFilters).toEqual(['بانتظار اللجنة (0)', 'تستحق خلال 3 أيام (2)', 'تجاوزت الموعد (0)', 'مقررة، للتسجيل أو الخدمة (0)']);
    const newList = filters.buttons.find((b) => b.text.startsWith('جديدة'))!.callback_data;
    expect(await member.pressData(latestList(fake, COMMITTEE.telegramUserId).messageId, newList)).toBe('صلاحيتك لا تسمح بهذا الإجراء.');

    // A forged list button is refused.
    expect(await member.pressData(1, `${newList.slice(0, -4)}AAAA`)).toBe('هذا الزر غير صالح.');

    // The researcher's role is removed: the old list's buttons no longer show anything.
    const out = { message: () => undefined, table: () => undefined };
    await changeStaffRoles(
      { staff: app.repositories.staff, audit: app.repositories.audit, operator: 'test', out },
      (await app.repositories.staff.findByTelegramUserId(RESEARCHER.telegramUserId))!.id,
      ['volunteer_coordinator'],
    );
    const edits = fake.calls.filter((c) => c.method === 'editMessageText').length;
    expect(await researcher.pressLabel('السابق')).toBe('صلاحيتك لا تسمح بهذا الإجراء.');
    expect(fake.calls.filter((c) => c.method === 'editMessageText').length).toBe(edits);
  });
});
