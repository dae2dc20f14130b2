/**
 * Handing a case to a colleague, as researchers and an administrator do it, against a fake Bot
 * API and the real MongoDB and Redis; slips included: a researcher who does not hold the case,
 * the list's button pressed after the colleague was removed, the same button pressed twice.
 */
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { answerTo, callsTo, englishRequest, groupAlertFor, groupButtonData, messageIdOf, Staffer, textOf, TgUser } from '../helpers/telegram-people.js';
import { startTestApp, testEnvironment, waitFor } from '../helpers/test-app.js';
import type { RunningApp } from '../../src/app.js';
import { removeStaff } from '../../src/cli/staff-commands.js';

const GROUP = -100_947;
const SARA = { name: 'سارة الباحثة', telegramUserId: 8301, roles: ['researcher' as const] };
const FAHD = { name: 'فهد الباحث', telegramUserId: 8302, roles: ['researcher' as const] };
const HIND = { name: 'هند الباحثة', telegramUserId: 8303, roles: ['researcher' as const] };
const ADMIN = { name: 'نورة المديرة', telegramUserId: 8304, roles: ['admin' as const] };
const ALREADY = 'تم هذا من قبل، لم يتغير شيء.';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function rig(): Promise<{ fake: FakeTelegram; app: RunningApp }> {
  const fake = await FakeTelegram.start();
  cleanups.push(() => fake.stop());
  const env = testEnvironment({
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_STAFF_GROUP_ID: String(GROUP),
    WORKING_HOURS: 'sun-sat 00:00-24:00',
  });
  cleanups.push(() => env.cleanup());
  const app = await startTestApp(env);
  cleanups.push(() => app.stop());
  for (const member of [SARA, FAHD, HIND, ADMIN]) await app.repositories.staff.add(member);
  return { fake, app };
}

describe('handing a case over', () => {
  it('lets the holder hand a case to a colleague chosen from a list; the colleague and the group are told; history and audit say so', async () => {
    const { fake, app } = await rig();
    const photo = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 20, g: 90, b: 90 } } })
      .jpeg()
      .toBuffer();
    const reference = await englishRequest(new TgUser(fake, 5569101, 'en', 'Fatimah'), photo);
    const id = (await app.repositories.cases.findByReference(reference))!.id;
    const alertId = messageIdOf(await groupAlertFor(fake, GROUP, reference));
    await answerTo(fake, new Staffer(fake, GROUP, SARA.telegramUserId).pressInGroup(alertId, groupButtonData(fake, GROUP, alertId, 'استلام')));
    await waitFor(async () => (await app.repositories.cases.get(id))?.assignee?.name === SARA.name, 'the claim');

    // Fahd does not hold it: his press on the group alert's *Hand over* is refused.
    const handOver = await waitFor(() => {
      try {
        return groupButtonData(fake, GROUP, alertId, 'تسليم لزميل');
      } catch {
        return undefined;
      }
    }, 'the hand-over button on the alert');
    expect(textOf(await answerTo(fake, new Staffer(fake, GROUP, FAHD.telegramUserId).pressInGroup(alertId, handOver)))).toBe('صلاحيتك لا تسمح بهذا الإجراء.');

    // Sara presses it: her private chat lists the colleagues who could take it (not herself, not the administrator).
    const sara = new TgUser(fake, SARA.telegramUserId);
    await answerTo(fake, new Staffer(fake, GROUP, SARA.telegramUserId).pressInGroup(alertId, handOver));
    await waitFor(() => sara.texts().some((t) => t.includes(`سلّم الطلب ${reference} إلى`)), 'the list of colleagues');
    const list = callsTo(fake, 'sendMessage', SARA.telegramUserId).at(-1)!;
    expect(JSON.stringify(list.params.reply_markup)).toContain(FAHD.name);
    expect(JSON.stringify(list.params.reply_markup)).toContain(HIND.name);
    expect(JSON.stringify(list.params.reply_markup)).not.toContain(SARA.name);
    expect(JSON.stringify(list.params.reply_markup)).not.toContain(ADMIN.name);

    // Hind is removed before Sara chooses her: the button is refused, nothing changes.
    const out = { message: () => undefined, table: () => undefined };
    await removeStaff(
      { staff: app.repositories.staff, audit: app.repositories.audit, operator: 'test', out },
      (await app.repositories.staff.findByTelegramUserId(HIND.telegramUserId))!.id,
    );
    expect(await sara.pressLabel(HIND.name)).toBe('لا يستطيع هذا الزميل استلامه: ليس باحثًا أو أُزيل.');
    expect((await app.repositories.cases.get(id))?.assignee?.name).toBe(SARA.name);

    // She chooses Fahd: he is told privately with the case's buttons, the group is told, the alert names him.
    const fahd = new TgUser(fake, FAHD.telegramUserId);
    expect(await sara.pressLabel(FAHD.name)).toBe(`سُلّم إلى ${FAHD.name}.`);
    await waitFor(() => fahd.texts().some((t) => t.includes(`سلّمك ${SARA.name} الطلب ${reference}`)), 'Fahd told');
    await waitFor(
      () => callsTo(fake, 'sendMessage', GROUP).some((c) => textOf(c).includes(`سُلّم الطلب ${reference} من ${SARA.name} إلى ${FAHD.name}`)),
      'the group told',
    );
    await waitFor(
      () => callsTo(fake, 'editMessageText', GROUP).some((c) => Number(c.params.message_id) === alertId && textOf(c).includes(FAHD.name)),
      'the alert naming Fahd',
    );
    const record = (await app.repositories.cases.get(id))!;
    expect(record.assignee?.name).toBe(FAHD.name);
    expect(record.status).toBe('in_review');
    expect(record.history.at(-1)).toMatchObject({ from: 'in_review', to: 'in_review', reason: `handed over to ${FAHD.name}` });
    const audit = await app.repositories.audit.list({ targetKind: 'case', targetId: id, limit: 20 });
    expect(audit.filter((e) => e.action === 'case.handed_over')).toHaveLength(1);

    // The same button pressed again: done already, nothing more happens.
    expect(await sara.pressLabel(FAHD.name)).toBe(ALREADY);
    expect((await app.repositories.audit.list({ targetKind: 'case', targetId: id, limit: 20 })).filter((e) => e.action === 'case.handed_over')).toHaveLength(1);

    // The administrator reassigns it back to Sara from the case view.
    const admin = new TgUser(fake, ADMIN.telegramUserId);
    await admin.say(`/case ${reference}`, reference);
    expect(await admin.pressLabel('تسليم لزميل')).toBe('أكمل في المحادثة الخاصة مع البوت.');
    await waitFor(() => admin.texts().some((t) => t.includes(`سلّم الطلب ${reference} إلى`)), 'the administrator’s list');
    expect(await admin.pressLabel(SARA.name)).toBe(`سُلّم إلى ${SARA.name}.`);
    expect((await app.repositories.cases.get(id))?.assignee?.name).toBe(SARA.name);
    // Fahd, who held it, hears it privately.
    await waitFor(() => fahd.texts().some((t) => t.includes(`سُلّم الطلب ${reference} منك إلى ${SARA.name} بواسطة ${ADMIN.name}`)), 'Fahd told');
  }, 90_000);
});
