/**
 * The service with WhatsApp enabled, end to end: the association's phone is played by fake
 * whatsapp-web.js clients sharing one chat history (tests/helpers/fake-whatsapp.ts, real
 * message shapes), the researchers and the committee by a fake Telegram Bot API over HTTP.
 * Everything between them is real: the adapter, the link manager, the inbox, the queues,
 * MongoDB, Redis, the staff desk.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunningApp, Role } from '../../src/app.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { build, GROUP_WID, PDF_BYTES } from '../helpers/fake-whatsapp.js';
import { Phone, WaUser } from '../helpers/whatsapp-people.js';
import { answerTo, callsTo, groupAlertFor, groupButtonData, messageIdOf, Staffer, textOf, TgUser } from '../helpers/telegram-people.js';
import { startTestApp, TestChat, testEnvironment, waitFor, type TestEnvironment } from '../helpers/test-app.js';
import { WhatsAppSessionStore } from '../../src/models/whatsapp-session-store.js';

const GROUP = -100777;
const REFERENCE = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/;
const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 7101, roles: ['researcher' as const] };
const COMMITTEE = { name: 'خالد عضو اللجنة', telegramUserId: 7102, roles: ['committee' as const] };
const ADMIN = { name: 'مدير النظام', telegramUserId: 7103, roles: ['admin' as const] };
const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Set-up and clean-up

interface Rig {
  phone: Phone;
  fake: FakeTelegram;
  env: TestEnvironment;
  app: RunningApp;
  start(roles?: Role[]): Promise<RunningApp>;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function rig(options: { roles?: Role[] } = {}): Promise<Rig & { dataDir: string }> {
  const fake = await FakeTelegram.start();
  cleanups.push(() => fake.stop());
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-e2e-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const env = testEnvironment({
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_STAFF_GROUP_ID: String(GROUP),
    WHATSAPP_ENABLED: 'on',
    WHATSAPP_DATA_DIR: dataDir,
    WHATSAPP_SEND_GAP_MS: '50',
    ADMIN_HTTP_TOKEN: ADMIN_TOKEN,
    HTTP_PORT: '0',
    SWEEP_INTERVAL_SECONDS: '1',
  });
  cleanups.push(() => env.cleanup());
  const phone = new Phone();
  const start = async (roles: Role[] = options.roles ?? ['bot', 'worker']) => {
    const app = await startTestApp(env, {
      roles,
      whatsapp: {
        createClient: phone.createClient,
        backoff: { initialMs: 100, maxMs: 400 },
        liveness: { checkIntervalMs: 200, checkTimeoutMs: 300 },
        print: (text) => phone.printed.push(text),
      },
    });
    cleanups.push(() => app.stop());
    return app;
  };
  const app = await start();
  return { phone, fake, env, app, start, dataDir };
}

async function jpeg(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 90, g: 140 + seed, b: 60 } } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** An Arabic request typed on WhatsApp: numbers for options, a photo of the ID and the lease as a PDF. */
async function arabicRequest(user: WaUser): Promise<string> {
  await user.say('السلام عليكم', 'السلام عليكم ورحمة الله وبركاته', 'القائمة الرئيسية', '1. تقديم طلب دعم');
  await user.say('1', 'هل توافق على جمع بياناتك', '1. أوافق');
  await user.say('أوافق', 'هل تقدّم الطلب لنفسك', '1. لنفسي');
  await user.say('1', 'ما الاسم الكامل لصاحب الطلب');
  await user.say('محمد عبدالله القحطاني', 'ما رقم الهوية الوطنية');
  await user.say('١٠٠٠٠٠٠٠٠٨', 'ما رقم الجوال للتواصل؟');
  await user.say('٠٥٠١٢٣٤٥٦٧', 'في أي مدينة تسكن الأسرة؟');
  await user.say('الرياض', 'ما اسم الحي؟');
  await user.say('النسيم', 'ما الحالة الاجتماعية');
  await user.say('1', 'كم عدد أفراد الأسرة');
  await user.say('1', 'كم إجمالي دخل الأسرة الشهري');
  await user.say('0', 'ما نوع السكن؟', '2. إيجار');
  await user.say('2', 'كم الإيجار الشهري بالريال؟');
  await user.say('1500', 'ما نوع الدعم الذي تحتاجه؟');
  await user.say('2', 'صف حاجتك باختصار');
  await user.say('تأخرت في سداد إيجار الشقة ثلاثة أشهر', 'لهوية صاحب الطلب');
  await user.send(build.image({ chat: user.wid, t: user.nextTime(), bytes: await jpeg(1), caption: 'الهوية' }), 'وصلنا الملف');
  await user.say('تم', 'عقد الإيجار');
  await user.send(build.document({ chat: user.wid, t: user.nextTime(), bytes: PDF_BYTES, filename: 'عقد.pdf' }), 'وصلنا الملف');
  await user.say('تم', 'راجع بياناتك قبل الإرسال', '1. تأكيد البيانات');
  await user.say('1', 'الإقرار:', '1. أقرّ وأوقّع');
  const submitted = await user.say('1', 'تم استلام طلبك بنجاح', 'يمكنك توقّع الرد ابتداءً من:', 'القائمة الرئيسية');
  const reference = REFERENCE.exec(submitted)?.[0];
  expect(reference, submitted).toBeDefined();
  return reference!;
}

// ---------------------------------------------------------------------------------------------

describe('WhatsApp, end to end with a fake whatsapp-web.js client and a fake Bot API', () => {
  it('takes a request with documents from WhatsApp, alerts the researchers on Telegram marked WhatsApp, and delivers the decision to the WhatsApp chat once', async () => {
    const { phone, fake, app } = await rig();
    await app.repositories.staff.add(RESEARCHER);
    await app.repositories.staff.add(COMMITTEE);
    (await phone.client()).emitReady();
    const user = new WaUser(phone, '966512345678@c.us');
    const reference = await arabicRequest(user);
    // Options came as numbered lines: no buttons on WhatsApp.
    expect(user.texts().join('\n')).toContain('1. أقرّ وأوقّع');

    // Group chats, statuses and the phone's own messages lead to nothing.
    const client = await phone.client();
    const sendsBefore = client.sent.length;
    client.emitMessage(build.group('السلام عليكم', { t: user.nextTime() }));
    client.emitMessage(build.status('صباح الخير', { t: user.nextTime() }));
    client.emitMessage(build.own('رسالة من موظف على الهاتف', { chat: user.wid, t: user.nextTime() }));
    await sleep(1_500);
    expect(client.sent.slice(sendsBefore)).toEqual([]);
    expect(phone.sentTo(GROUP_WID)).toEqual([]);

    // --- The researchers' alert on Telegram, marked as a WhatsApp case, without personal data. ---
    const alert = await groupAlertFor(fake, GROUP, reference);
    expect(textOf(alert)).toContain('القناة: واتساب');
    for (const secret of ['1000000008', 'القحطاني', '501234567', '966512345678']) expect(textOf(alert)).not.toContain(secret);
    const record = await app.repositories.cases.findByReference(reference);
    expect(record?.channel).toBe('whatsapp');
    expect(record?.documentIds).toHaveLength(2);

    // --- Claimed, then approved by the committee. ---
    const alertId = messageIdOf(alert);
    await answerTo(fake, new Staffer(fake, GROUP, RESEARCHER.telegramUserId).pressInGroup(alertId, groupButtonData(fake, GROUP, alertId, 'استلام')));
    await waitFor(() => callsTo(fake, 'editMessageText', GROUP).some((c) => textOf(c).includes(RESEARCHER.name)), 'the claim on the alert');
    new Staffer(fake, GROUP, COMMITTEE.telegramUserId).pressInGroup(alertId, groupButtonData(fake, GROUP, alertId, 'قبول'));
    await waitFor(() => fake.sentTexts(COMMITTEE.telegramUserId).some((t) => t.includes('اكتب الدعم المعتمد')), 'the question for the support granted');
    const member = new TgUser(fake, COMMITTEE.telegramUserId);
    await member.answerQuestion('سداد إيجار ثلاثة أشهر', 'هذا بالضبط ما سيصل المستفيد');
    await member.pressLabel('إرسال');

    const decision = 'قررت لجنة البحث قبول طلبك';
    await waitFor(() => user.texts().some((t) => t.includes(decision)), 'the decision in the WhatsApp chat');
    await sleep(1_500);
    const decisions = user.texts().filter((t) => t.includes(decision));
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toContain(reference);
    expect(decisions[0]).toContain('سداد إيجار ثلاثة أشهر');
    expect((await app.repositories.cases.get(record!.id))?.status).toBe('approved');
  }, 120_000);

  it('keeps a reply through a disconnect: it is sent by the rebuilt client once it is ready, once', async () => {
    const { phone } = await rig();
    const first = await phone.client();
    first.emitReady();
    const user = new WaUser(phone, '966598765432@c.us');
    await user.say('مرحبا', 'القائمة الرئيسية');

    // A message arrives and the connection drops before the reply can go out.
    const before = user.texts().length;
    first.emitMessage(build.text('English', { chat: user.wid, t: user.nextTime() }));
    first.emitDisconnected('NAVIGATION');
    const second = await phone.client(2);
    expect(first.destroyCalls).toBe(1);
    await sleep(1_000);
    expect(user.texts().slice(before)).toEqual([]);

    second.emitReady();
    const reply = await user.replies(before, 'Main menu');
    expect(reply).toContain('English');
    await sleep(1_500);
    expect(second.sent.filter((m) => m.chatId === user.wid && m.content.includes('Main menu'))).toHaveLength(1);
    expect(first.sent.filter((m) => m.content.includes('Main menu'))).toHaveLength(0);
  }, 60_000);

  it('after a restart, handles in order every private message sent while it was down, read on the phone or not, and nothing twice', async () => {
    const { phone, start, app } = await rig();
    (await phone.client()).emitReady();
    const known = new WaUser(phone, '966511111111@c.us');
    await known.say('السلام عليكم', 'القائمة الرئيسية');
    await app.stop();

    // While the service is down: the known person goes on, a new person writes, and the rest of the phone's life goes on.
    const stranger = new WaUser(phone, '966522222222@c.us');
    const offline = phone.clients[0]!;
    offline.addToHistory(build.text('1', { chat: known.wid, t: known.nextTime() }));
    offline.addToHistory(build.text('1', { chat: known.wid, t: known.nextTime() }));
    offline.addToHistory(build.text('السلام عليكم', { chat: stranger.wid, t: stranger.nextTime() }));
    offline.addToHistory(build.group('اجتماع الغد', { t: stranger.nextTime() }));
    offline.addToHistory(build.own('سنرد عليك قريبًا', { chat: stranger.wid, t: stranger.nextTime() }));
    const knownBefore = known.texts().length;

    const restarted = await start();
    const client = await phone.client(2);
    // The known person's messages were read on the phone meanwhile; the stranger's were not.
    client.markRead(known.wid);
    expect((await client.getChatById(known.wid))?.unreadCount).toBe(0);
    expect((await client.getChatById(stranger.wid))?.unreadCount).toBe(1);
    client.emitReady();
    // '1' chose "request support", the second '1' consented: the answers come in the order they were sent.
    const caughtUp = await known.replies(knownBefore, 'هل توافق على جمع بياناتك', 'هل تقدّم الطلب لنفسك');
    expect(caughtUp.indexOf('هل توافق على جمع بياناتك')).toBeLessThan(caughtUp.indexOf('هل تقدّم الطلب لنفسك'));
    await stranger.replies(0, 'القائمة الرئيسية');
    await sleep(1_500);
    // The greeting handled before the restart is not answered again; the group and own message are not answered at all.
    expect(known.texts().filter((t) => t.includes('السلام عليكم ورحمة الله'))).toHaveLength(1);
    expect(stranger.texts().filter((t) => t.includes('السلام عليكم ورحمة الله'))).toHaveLength(1);
    expect(phone.sentTo(GROUP_WID)).toEqual([]);

    // Another catch-up (the periodic check) finds nothing to answer.
    const sendsBefore = client.sent.length;
    const report = await restarted.whatsapp!.catchUp();
    expect(report).not.toBeNull();
    expect(report!.chatsFailed).toBe(0);
    await sleep(1_500);
    expect(client.sent.length).toBe(sendsBefore);
  }, 60_000);

  it('keeps one conversation for a person who writes by number and then by linked id: nothing replayed, nothing answered twice', async () => {
    const { phone, start, app } = await rig();
    const first = await phone.client();
    first.emitReady();
    const byNumber = new WaUser(phone, '966533333333@c.us');
    await byNumber.say('السلام عليكم', 'القائمة الرئيسية');
    await byNumber.say('1', 'هل توافق على جمع بياناتك');

    // WhatsApp now addresses the same person by their linked id.
    const lid = '204060801234567@lid';
    first.linkIds(byNumber.wid, lid);
    const before = byNumber.texts().length;
    first.emitMessage(build.text('أوافق', { chat: lid, t: byNumber.nextTime() }));
    // The consent answers the question the number was asked: the same conversation, replied to under the number.
    await byNumber.replies(before, 'هل تقدّم الطلب لنفسك');
    expect(phone.sentTo(lid)).toEqual([]);
    const conversations = await app.connection.db!.collection('conversations').countDocuments();
    expect(conversations).toBe(1);

    // A restart with the person's next message waiting under the linked id: read back from where the conversation stands.
    await app.stop();
    phone.clients[0]!.addToHistory(build.text('1', { chat: lid, t: byNumber.nextTime() }));
    const waiting = byNumber.texts().length;
    const restarted = await start();
    (await phone.client(2)).emitReady();
    await byNumber.replies(waiting, 'ما الاسم الكامل لصاحب الطلب');
    await sleep(1_500);
    const all = byNumber.texts().join('\n');
    for (const question of ['القائمة الرئيسية', 'هل توافق على جمع بياناتك', 'هل تقدّم الطلب لنفسك', 'ما الاسم الكامل لصاحب الطلب']) {
      expect(all.split(question).length - 1, question).toBe(1);
    }
    expect(await restarted.connection.db!.collection('conversations').countDocuments()).toBe(1);
    // Each id is recorded, sealed: neither the number nor the linked id is stored in clear.
    const identities = await restarted.connection.db!.collection('whatsapp_identities').find().toArray();
    expect(identities).toHaveLength(2);
    expect(JSON.stringify(identities)).not.toMatch(/966533333333|204060801234567/);
  }, 60_000);

  it('keeps the conversation of a person first known only by linked id when WhatsApp later gives their number', async () => {
    const { phone, app } = await rig();
    const client = await phone.client();
    client.emitReady();
    // Known only by linked id at first (WhatsApp does not give the number): the conversation is kept under it.
    const lid = '305070901234567@lid';
    const byLid = new WaUser(phone, lid);
    await byLid.say('السلام عليكم', 'القائمة الرئيسية');
    await byLid.say('1', 'هل توافق على جمع بياناتك');
    // The number becomes known; the person writes from it: the same conversation, answered under the linked id.
    const number = '966544444444@c.us';
    client.linkIds(number, lid);
    const before = byLid.texts().length;
    client.emitMessage(build.text('أوافق', { chat: number, t: byLid.nextTime() }));
    await byLid.replies(before, 'هل تقدّم الطلب لنفسك');
    expect(phone.sentTo(number)).toEqual([]);
    expect(await app.connection.db!.collection('conversations').countDocuments()).toBe(1);
  }, 60_000);

  it('keeps a conversation stored under a linked id before ids were made one, and waits for WhatsApp rather than guess whose chat it is', async () => {
    const { phone, app } = await rig();
    const client = await phone.client();
    client.emitReady();
    const lid = '406080001234567@lid';
    const number = '966555555555@c.us';
    const byLid = new WaUser(phone, lid);
    await byLid.say('السلام عليكم', 'القائمة الرئيسية');
    // As an older version left it: the conversation under the linked id, and no record of whose ids are whose.
    await app.connection.db!.collection('whatsapp_identities').deleteMany({});
    client.linkIds(number, lid);
    // WhatsApp cannot say whose id this is for now: the message waits (the next catch-up reads it), no new conversation is made.
    client.failPairLookups();
    client.emitMessage(build.text('1', { chat: number, t: byLid.nextTime() }));
    await sleep(1_000);
    expect(await app.connection.db!.collection('conversations').countDocuments()).toBe(1);
    expect(phone.sentTo(number)).toEqual([]);
    client.failPairLookups(null);
    const before = byLid.texts().length;
    await app.whatsapp!.catchUp();
    await byLid.replies(before, 'هل توافق على جمع بياناتك');
    expect(phone.sentTo(number)).toEqual([]);
    expect(await app.connection.db!.collection('conversations').countDocuments()).toBe(1);
  }, 60_000);

  it('answers a message decrypted late once and tells no one it was edited; a real edit is told once', async () => {
    const { phone } = await rig();
    const client = await phone.client();
    client.emitReady();
    const user = new WaUser(phone, '966577700001@c.us');
    await user.say('السلام عليكم', 'القائمة الرئيسية');
    const before = user.texts().length;
    await client.emitLateDecryption(build.text('1', { chat: user.wid, t: user.nextTime() }));
    await user.replies(before, 'هل توافق على جمع بياناتك');
    await sleep(1_000);
    const after = user.texts().slice(before).join('\n');
    expect(after.split('هل توافق على جمع بياناتك').length - 1).toBe(1);
    expect(after).not.toContain('لا يغيّر ما وصلنا منها');
    // A real edit of that answer: the person is told, once, that it changes nothing.
    const answer = build.text('أوافق', { chat: user.wid, t: user.nextTime() });
    await user.send(answer, 'هل تقدّم الطلب لنفسك');
    const beforeEdit = user.texts().length;
    client.emitEdit(answer, 'لا أوافق');
    await user.replies(beforeEdit, 'لا يغيّر ما وصلنا منها');
  }, 60_000);

  it('shows the QR code to scan on the admin endpoint and as a file, reports the link in readiness and metrics, and alerts administrators on Telegram when the number is logged out', async () => {
    const { phone, fake, app, dataDir } = await rig({ roles: ['bot', 'worker', 'http'] });
    await app.repositories.staff.add(ADMIN);
    const url = app.http!.url;
    const get = (path: string, token: string | null = ADMIN_TOKEN) =>
      fetch(`${url}${path}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
    const readiness = async () => ((await (await get('/readyz', null)).json()) as { checks: Record<string, { ok: boolean; detail?: string }> }).checks.whatsapp;
    const linkMetric = async (status: string) =>
      new RegExp(`intake_whatsapp_link_status\\{status="${status}"\\} 1`).test(await (await get('/metrics', null)).text());

    const first = await phone.client();
    first.emitQr();
    await waitFor(async () => (await readiness())?.detail === 'waiting_for_qr', 'readiness to show the QR wait');
    expect(await readiness()).toEqual({ ok: true, detail: 'waiting_for_qr' });
    expect(await linkMetric('waiting_for_qr')).toBe(true);
    // The QR code: only with the token, never cached, a real PNG, also on disk.
    expect((await get('/admin/whatsapp/qr.png', null)).status).toBe(401);
    expect((await get('/admin/whatsapp/qr.png', 'wrong-token-wrong-token-wrong-token')).status).toBe(401);
    const qr = await get('/admin/whatsapp/qr.png');
    expect(qr.status).toBe(200);
    expect(qr.headers.get('content-type')).toBe('image/png');
    expect(qr.headers.get('cache-control')).toBe('no-store');
    expect(
      Buffer.from(await qr.arrayBuffer())
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');
    await waitFor(() => existsSync(join(dataDir, 'link-qr.png')), 'the QR code as a PNG file');
    expect(phone.printed.join('')).toContain('Linked devices');
    expect(phone.printed.join('')).toContain('▄');

    // Linked: the code is withdrawn everywhere.
    first.emitReady();
    await waitFor(async () => (await readiness())?.detail === 'linked', 'readiness to show the link');
    expect(await linkMetric('linked')).toBe(true);
    expect(await (await get('/admin/whatsapp/status')).json()).toMatchObject({
      status: 'linked',
      qrWaiting: false,
      sessionBackup: { lastAttemptFailed: false },
    });
    expect((await get('/admin/whatsapp/qr.png')).status).toBe(404);
    await waitFor(() => !existsSync(join(dataDir, 'link-qr.png')), 'the PNG file to be removed');

    // Logged out from the phone: administrators are told at once, privately, and told again when it is back.
    void first.emitState('UNPAIRED');
    const told = await waitFor(() => fake.sentTexts(ADMIN.telegramUserId).find((t) => t.includes('خرج رقم الجمعية')), 'the logout alert to the administrator');
    expect(told).toContain('/admin/whatsapp/qr.png');
    const second = await phone.client(2);
    expect(await readiness()).toMatchObject({ ok: true });
    second.emitReady();
    await waitFor(() => fake.sentTexts(ADMIN.telegramUserId).some((t) => t.includes('واتساب متصل من جديد')), 'the all-clear to the administrator');
    expect(fake.sentTexts(ADMIN.telegramUserId).filter((t) => t.includes('خرج رقم الجمعية'))).toHaveLength(1);
    expect(callsTo(fake, 'sendMessage', GROUP)).toHaveLength(0);
  }, 60_000);

  it('unlinked from the phone while running: the process stays up, the stored session is deleted, administrators are told, a new QR code shows in the same client', async () => {
    const { phone, fake, app, env } = await rig({ roles: ['bot', 'worker', 'http'] });
    await app.repositories.staff.add(ADMIN);
    const store = new WhatsAppSessionStore(app.connection, app.keys);
    const session = 'RemoteAuth-association';
    const client = await phone.client();
    await waitFor(() => client.browserStarted, 'the session restored');
    client.emitReady();
    await waitFor(() => app.whatsapp!.status() === 'linked', 'the link');
    // A copy of the session is kept (the library zips the profile; here a stand-in zip).
    expect(await app.whatsapp!.backupNow()).toBe(true);
    expect(app.whatsapp!.backup().savedAt).toBeInstanceOf(Date);
    expect(await store.info(session)).toMatchObject({ session });

    await client.emitLogout();
    await waitFor(() => fake.sentTexts(ADMIN.telegramUserId).find((t) => t.includes('خرج رقم الجمعية')), 'the logout alert');
    expect(app.whatsapp!.status()).toBe('waiting_for_qr');
    expect(phone.clients).toHaveLength(1);
    await waitFor(() => app.whatsapp!.qr(), 'the new QR code');
    // RemoteAuth's logout deleted the stored session (allowed: a real logout) and wiped the profile.
    expect(await store.info(session)).toBeNull();
    // The rest of the service goes on.
    const chat = new TestChat(() => app, env.channel, 'during-the-logout');
    expect(await chat.say('السلام عليكم', 'القائمة الرئيسية')).toContain('1. تقديم طلب دعم');
  }, 60_000);

  it('Chromium gone while linked: the status leaves linked, the client is rebuilt and comes back; a frozen page is noticed by the state check', async () => {
    const { phone, app } = await rig();
    const first = await phone.client();
    first.emitReady();
    await waitFor(() => app.whatsapp!.status() === 'linked', 'the link');
    first.emitBrowserGone('browser disconnected');
    expect(app.whatsapp!.status()).not.toBe('linked');
    const second = await phone.client(2);
    expect(first.destroyCalls).toBeGreaterThanOrEqual(1);
    second.emitReady();
    await waitFor(() => app.whatsapp!.status() === 'linked', 'the link again');
    second.hangState();
    const third = await phone.client(3);
    expect(second.destroyCalls).toBeGreaterThanOrEqual(1);
    expect(third.initializeCalls).toBe(1);
  }, 60_000);

  it('Chromium killed while replies are going out: nothing is lost, each reply reaches the person once, after the rebuilt client is ready', async () => {
    const { phone, app } = await rig();
    const first = await phone.client();
    first.emitReady();
    const user = new WaUser(phone, '966577700002@c.us');
    await user.say('السلام عليكم', 'القائمة الرئيسية');
    // The page is slow; Chromium dies while the next replies wait in it.
    const before = user.texts().length;
    first.delaySends(400);
    first.emitMessage(build.text('1', { chat: user.wid, t: user.nextTime() }));
    await waitFor(() => first.sendAttempts.length > first.sent.length, 'a reply on its way');
    first.killChromium();
    expect(app.whatsapp!.status()).not.toBe('linked');
    const second = await phone.client(2);
    second.emitReady();
    const replies = await user.replies(before, 'هل توافق على جمع بياناتك');
    await sleep(1_000);
    expect(replies.split('هل توافق على جمع بياناتك').length - 1).toBe(1);
    expect(second.sent.filter((m) => m.chatId === user.wid).length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('without a terminal the QR code goes only to the owner-only PNG and the endpoint: never to stderr or the logs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wa-qr-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const env = testEnvironment({ WHATSAPP_ENABLED: 'on', WHATSAPP_DATA_DIR: dataDir });
    cleanups.push(() => env.cleanup());
    let logs = '';
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => void ((logs += chunk.toString()), done()) }));
    const stderr: string[] = [];
    const wasTTY = process.stderr.isTTY;
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (stderr.push(String(chunk)), true));
    process.stderr.isTTY = false;
    try {
      const phone = new Phone();
      const app = await startTestApp(env, { logger, whatsapp: { createClient: phone.createClient, backoff: { initialMs: 100, maxMs: 400 } } });
      cleanups.push(() => app.stop());
      const code = '2@SecretLinkCode0123456789,ABCDEFGHIJ=,abcdefghij=,0123456789=';
      (await phone.client()).emitQr(code);
      await waitFor(() => existsSync(join(dataDir, 'link-qr.png')), 'the PNG');
      await waitFor(() => (logs.includes('a QR code waits to be scanned') ? true : undefined), 'the log line that says where the code is');
      expect(logs).not.toContain('SecretLinkCode');
      expect(stderr.join('')).not.toContain('▄');
      expect(stderr.join('')).not.toContain('SecretLinkCode');
    } finally {
      write.mockRestore();
      process.stderr.isTTY = wasTTY;
    }
  }, 60_000);
});
