/**
 * Reports and exports on Telegram, for administrators only: /report answers with the
 * figures and the weekly chart, /export with a CSV file, recorded in the audit log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram, type UploadedFile } from '../helpers/fake-telegram.js';
import { answerUpToReview, submit } from '../helpers/console-request.js';
import { callsTo, TgUser } from '../helpers/telegram-people.js';
import { startTestApp, TestChat, testEnvironment, waitFor } from '../helpers/test-app.js';

const ADMIN = { name: 'مدير النظام', telegramUserId: 7501, roles: ['admin' as const] };
const RESEARCHER = { name: 'سارة', telegramUserId: 7502, roles: ['researcher' as const] };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('reports and exports on Telegram', () => {
  it('gives administrators the report with its chart and a CSV export, audited; refuses others', async () => {
    const fake = await FakeTelegram.start();
    cleanups.push(() => fake.stop());
    const env = testEnvironment({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot });
    cleanups.push(() => env.cleanup());
    const app = await startTestApp(env);
    cleanups.push(() => app.stop());
    await app.repositories.staff.add(ADMIN);
    await app.repositories.staff.add(RESEARCHER);
    const chat = new TestChat(() => app, env.channel, 'reported');
    await answerUpToReview(chat, env.channel, '1000000008');
    const reference = await submit(chat);

    const admin = new TgUser(fake, ADMIN.telegramUserId);
    const report = await admin.say('/report', 'الطلبات: 1');
    expect(report).toContain('مستلم، بانتظار الدراسة: 1');
    const chart = await waitFor(() => callsTo(fake, 'sendPhoto', ADMIN.telegramUserId)[0], 'the chart');
    expect((chart.params.photo as UploadedFile).size).toBeGreaterThan(1000);

    const today = new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 10);
    await admin.say(`/export cases ${today} ${today}`);
    const file = await waitFor(() => callsTo(fake, 'sendDocument', ADMIN.telegramUserId)[0], 'the CSV');
    expect((file.params.document as UploadedFile).filename).toBe(`cases-${today}-${today}.csv`);
    expect(String(file.params.caption)).toContain('1 صفًا');
    const audit = await app.repositories.audit.list({ targetKind: 'export', targetId: 'cases', limit: 5 });
    expect(audit[0]).toMatchObject({ action: 'data.exported', details: { rows: 1, via: 'telegram' } });
    expect(reference).toMatch(/^SR-/);

    const researcher = new TgUser(fake, RESEARCHER.telegramUserId);
    expect(await researcher.say(`/export cases ${today} ${today}`, 'صلاحيتك')).not.toContain('1000000008');
    expect(callsTo(fake, 'sendDocument', RESEARCHER.telegramUserId)).toHaveLength(0);
  }, 90_000);

  it('sends the weekly report to administrators on Sunday morning, once, from a due time kept in MongoDB', async () => {
    const fake = await FakeTelegram.start();
    cleanups.push(() => fake.stop());
    const env = testEnvironment({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot });
    cleanups.push(() => env.cleanup());
    // Thursday 3 December 2026, noon Saudi time.
    let now = Date.parse('2026-12-03T12:00:00+03:00');
    const app = await startTestApp(env, { clock: () => new Date(now) });
    cleanups.push(() => app.stop());
    await app.repositories.staff.add(ADMIN);
    const reports = () => fake.sentTexts(ADMIN.telegramUserId).filter((t) => t.startsWith('📊'));

    await app.sweepNow();
    now = Date.parse('2026-12-06T07:59:00+03:00');
    await app.sweepNow();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(reports()).toHaveLength(0);

    now = Date.parse('2026-12-06T08:01:00+03:00');
    await app.sweepNow();
    await waitFor(() => reports()[0], 'the weekly report');
    await waitFor(() => callsTo(fake, 'sendPhoto', ADMIN.telegramUserId)[0], 'its chart');
    await app.sweepNow();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(reports()).toHaveLength(1);
  }, 60_000);
});
