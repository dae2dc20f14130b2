/**
 * Hostile and malformed input through the WhatsApp adapter (issue 7): the real service with a
 * fake whatsapp-web.js client that builds real message shapes (tests/helpers/fake-whatsapp.ts),
 * Redis and FerretDB. The Telegram side, and the access rules of the staff desk, are in
 * tests/e2e/hostile-channels.test.ts; groups, statuses and the number's own messages being
 * ignored is in tests/e2e/whatsapp.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import type { Session } from '../../src/engine/session.js';
import { createTranslator, loadCatalogues } from '../../src/i18n/translator.js';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { build, GROUP_WID, PDF_BYTES, type FakeMessage } from '../helpers/fake-whatsapp.js';
import { startTestApp, testEnvironment, waitFor } from '../helpers/test-app.js';
import { PDFDocument } from '@cantoo/pdf-lib';
import { Phone, WaUser } from '../helpers/whatsapp-people.js';

const FULL_NAME = 'محمد عبدالله القحطاني';
const VALID_ID = '1000000008';
const EN_NAME = 'Fatimah Ali Alzahrani';
const EN_ID = '2100000005';
const REFERENCE = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/;
const ARABIC = /[\u0600-\u06FF]/u;

const translate = createTranslator(loadCatalogues());
/** The fixed start of a message (up to its first placeholder or line break), as the person reads it. */
function said(lang: 'ar' | 'en', key: string): string {
  const text = translate(lang, key).split('{{')[0]!.split('\n')[0]!.trim();
  expect(text.length, key).toBeGreaterThan(3);
  return text;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function rig(): Promise<{ phone: Phone; app: RunningApp }> {
  const fake = await FakeTelegram.start();
  cleanups.push(() => fake.stop());
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-hostile-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const env = testEnvironment({
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_STAFF_GROUP_ID: '-100565656',
    TELEGRAM_RATE_LIMITS: 'off',
    WHATSAPP_ENABLED: 'on',
    WHATSAPP_DATA_DIR: dataDir,
    WHATSAPP_SEND_GAP_MS: '5',
    WORKING_HOURS: 'sun-sat 00:00-24:00',
  });
  cleanups.push(() => env.cleanup());
  const phone = new Phone();
  const app = await startTestApp(env, { whatsapp: { createClient: phone.createClient, print: () => undefined } });
  cleanups.push(() => app.stop());
  (await phone.client()).emitReady();
  return { phone, app };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function sessionOf(app: RunningApp, user: WaUser): Promise<Session> {
  const conversation = await app.repositories.conversations.load(chatKeyOf(app.keys, 'whatsapp', user.wid));
  expect(conversation, `a conversation for ${user.wid}`).not.toBeNull();
  return conversation!.session;
}

const answersOf = (session: Session) => session.drafts.support_request?.answers ?? {};

async function documentsOf(app: RunningApp, user: WaUser): Promise<{ _id: unknown; metadata: { kind: string; mime: string } }[]> {
  const files = app.connection.db!.collection<{ _id: unknown; metadata: { kind: string; mime: string; chatKey: string } }>('documents.files');
  return files.find({ 'metadata.chatKey': chatKeyOf(app.keys, 'whatsapp', user.wid) }).toArray();
}

/** Sends something where an answer is expected: told in the person's language, asked again, nothing stored from it. */
async function refusedAt(app: RunningApp, user: WaUser, lang: 'ar' | 'en', message: FakeMessage, error: string, question: string): Promise<void> {
  const before = await sessionOf(app, user);
  const reply = await user.send(message, said(lang, question));
  expect(reply).toContain(said(lang, error));
  if (lang === 'en') expect(reply).not.toMatch(ARABIC);
  const after = await sessionOf(app, user);
  expect(after.position?.step).toBe(before.position?.step);
  expect(answersOf(after)).toEqual(answersOf(before));
}

async function arabicToCity(user: WaUser, name = FULL_NAME, id = VALID_ID): Promise<void> {
  await user.say('السلام عليكم', 'القائمة الرئيسية');
  await user.say('1', 'هل توافق على جمع بياناتك');
  await user.say('أوافق', 'هل تقدّم الطلب لنفسك');
  await user.say('1', 'ما الاسم الكامل');
  await user.say(name, 'ما رقم الهوية الوطنية');
  await user.say(id, 'ما رقم الجوال');
  await user.say('0501234567', 'في أي مدينة');
}

async function arabicCityToDocuments(user: WaUser): Promise<void> {
  await user.say('الرياض', 'ما اسم الحي؟');
  await user.say('النسيم', 'ما الحالة الاجتماعية');
  await user.say('1', 'كم عدد أفراد الأسرة');
  await user.say('1', 'كم إجمالي دخل الأسرة');
  await user.say('0', 'ما نوع السكن؟');
  await user.say('1', 'ما نوع الدعم');
  await user.say('1', 'صف حاجتك');
  await user.say('نحتاج سلة غذائية شهرية', 'لهوية صاحب الطلب');
}

async function englishToCity(user: WaUser): Promise<void> {
  await user.say('Hello', 'For English, send: English');
  await user.say('English', 'Main menu');
  await user.say('1', 'Do you agree');
  await user.say('1', 'yourself');
  await user.say('1', 'full name');
  await user.say(EN_NAME, 'national ID');
  await user.say(EN_ID, 'mobile number');
  await user.say('0559876543', 'Which city');
}

// ---------------------------------------------------------------------------------------------

describe('hostile input through WhatsApp', () => {
  it('answers stickers, voice notes, locations, contacts, videos, polls and unknown kinds where text is expected, in the person’s language, downloading nothing', async () => {
    const { phone, app } = await rig();
    const user = new WaUser(phone, '966512340001@c.us');
    await arabicToCity(user);
    const kept = { full_name: FULL_NAME, national_id: VALID_ID, mobile: '+966501234567' };
    const at = () => ({ chat: user.wid, t: user.nextTime() });
    const sticker = build.sticker(at());
    await refusedAt(app, user, 'ar', sticker, 'unsupported.sticker', 'q.city');
    await refusedAt(app, user, 'ar', build.location(at()), 'unsupported.location', 'q.city');
    await refusedAt(app, user, 'ar', build.vcard(at()), 'unsupported.contact', 'q.city');
    await refusedAt(
      app,
      user,
      'ar',
      build.ofType('poll_creation', { ...at(), body: '', pollName: 'أي مدينة؟', pollOptions: [{ name: 'الرياض' }, { name: 'جدة' }] }),
      'unsupported.other',
      'q.city',
    );
    await user.say('الرياض', 'ما اسم الحي؟');
    await refusedAt(
      app,
      user,
      'ar',
      build.ofType('video', { ...at(), body: '', directPath: '/v/t62.7161-24/1_2_n.enc', mimetype: 'video/mp4', size: 900_000 }),
      'unsupported.video',
      'q.district',
    );
    await refusedAt(app, user, 'ar', build.ofType('multi_vcard', { ...at(), body: '' }), 'unsupported.contact', 'q.district');
    await refusedAt(app, user, 'ar', build.ofType('event_creation', { ...at(), body: 'اجتماع' }), 'unsupported.other', 'q.district');
    await user.say('النسيم', 'ما الحالة الاجتماعية');
    expect(answersOf(await sessionOf(app, user))).toEqual({ for_whom: 'self', ...kept, city: 'الرياض', district: 'النسيم' });
    expect(sticker.downloadCalls).toBe(0);
    expect(await documentsOf(app, user)).toHaveLength(0);

    const english = new WaUser(phone, '966512340002@c.us');
    await englishToCity(english);
    const at2 = () => ({ chat: english.wid, t: english.nextTime() });
    await refusedAt(app, english, 'en', build.sticker(at2()), 'unsupported.sticker', 'q.city');
    await refusedAt(app, english, 'en', build.location(at2()), 'unsupported.location', 'q.city');
    const voice = build.voice(at2());
    const told = await english.send(voice, said('en', 'unsupported.voice'));
    expect(told.split('\n---\n')[0]).not.toMatch(ARABIC);
    expect(voice.downloadCalls).toBe(0);
    await waitFor(async () => (await sessionOf(app, english)).referral, 'a researcher called for the voice note');
    expect(answersOf(await sessionOf(app, english))).toMatchObject({ full_name: EN_NAME, national_id: EN_ID });
  }, 120_000);

  it('checks files by content and size: a PDF named .jpg is a PDF; a text named .pdf, a program sent as a photo, an oversized file (before downloading) and a decompression bomb are refused', async () => {
    const { phone, app } = await rig();
    const user = new WaUser(phone, '966512340011@c.us');
    await arabicToCity(user);
    await arabicCityToDocuments(user);
    const at = () => ({ chat: user.wid, t: user.nextTime() });

    await refusedAt(
      app,
      user,
      'ar',
      build.document({ ...at(), bytes: Buffer.from('Salary: 4000 SAR\n'), filename: 'salary.pdf' }),
      'document.unsupportedType',
      'q.docId',
    );
    const program = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(2048, 1)]);
    await refusedAt(app, user, 'ar', build.image({ ...at(), bytes: program }), 'document.unsupportedType', 'q.docId');
    // WhatsApp says the file is 50 MB (the limit is 10): refused from the message itself, never downloaded.
    const big = build.document({ ...at(), filename: 'scan.pdf' });
    big._data.size = 50_000_000;
    await refusedAt(app, user, 'ar', big, 'document.tooLarge', 'q.docId');
    expect(big.downloadCalls).toBe(0);
    // 48 million pixels of one colour, 60 kB as a PNG.
    const bomb = await sharp({ create: { width: 8000, height: 6000, channels: 3, background: { r: 255, g: 255, b: 255 } } })
      .toColourspace('b-w')
      .png({ compressionLevel: 9 })
      .toBuffer();
    await refusedAt(app, user, 'ar', build.image({ ...at(), bytes: bomb }), 'document.tooManyPixels', 'q.docId');
    expect(await documentsOf(app, user)).toHaveLength(0);

    await user.send(build.document({ ...at(), bytes: PDF_BYTES, filename: 'هوية.jpg', mimetype: 'image/jpeg' }), 'وصلنا الملف');
    await user.say('تم', 'راجع بياناتك');
    const stored = await documentsOf(app, user);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.metadata).toMatchObject({ kind: 'pdf', mime: 'application/pdf' });
    expect(answersOf(await sessionOf(app, user)).doc_id).toEqual([stored[0]!._id]);
    // Stored rewritten as its pages (clean-pdf.ts), never as uploaded.
    const kept = await app.repositories.documents.get(String(stored[0]!._id));
    expect(kept.equals(PDF_BYTES)).toBe(false);
    expect((await PDFDocument.load(kept)).getPageCount()).toBe(1);

    // In English: a file too large, and a text far beyond what the service reads (WhatsApp allows 65,536 characters).
    const english = new WaUser(phone, '966512340012@c.us');
    await englishToCity(english);
    await english.say('Jeddah', 'Which district');
    await english.say('Alsafa', 'marital status');
    await english.say('4', 'How many family members');
    await english.say('1', 'monthly income');
    await english.say('0', 'What kind of housing');
    await english.say('1', 'What kind of support');
    await english.say('1', 'Briefly describe');
    await refusedAt(
      app,
      english,
      'en',
      build.text('We need help. '.repeat(2_000), { chat: english.wid, t: english.nextTime() }),
      'validation.text.tooLong',
      'q.description',
    );
    await english.say('We need a monthly food basket', 'Send a clear photo');
    const huge = build.image({ chat: english.wid, t: english.nextTime() });
    huge._data.size = 16_000_000;
    await refusedAt(app, english, 'en', huge, 'document.tooLarge', 'q.docId');
    expect(huge.downloadCalls).toBe(0);
  }, 120_000);

  it('refuses or cleans 5,000 characters, NUL, broken surrogates, direction overrides, MongoDB operators and __proto__, storing only clean answers', async () => {
    const { phone, app } = await rig();
    const user = new WaUser(phone, '966512340021@c.us');
    await user.say('{"$gt": ""}', 'القائمة الرئيسية');
    await user.say('__proto__', 'القائمة الرئيسية');
    await user.say('1', 'هل توافق على جمع بياناتك');
    await user.say('أوافق', 'هل تقدّم الطلب لنفسك');
    await user.say('1', 'ما الاسم الكامل');
    const text = (body: string) => build.text(body, { chat: user.wid, t: user.nextTime() });
    await refusedAt(app, user, 'ar', text(`محمد ${'ع'.repeat(5000)}`), 'validation.name.tooLong', 'q.fullName');
    await refusedAt(app, user, 'ar', text('محمد القحطاني\udc00'), 'validation.malformed', 'q.fullName');
    await refusedAt(app, user, 'ar', text('{"$ne": null}'), 'validation.name.characters', 'q.fullName');
    await refusedAt(app, user, 'ar', text('__proto__'), 'validation.name.characters', 'q.fullName');
    await user.say('محمد\u0000 عبدالله\u202e القحطاني', 'ما رقم الهوية الوطنية');
    await refusedAt(app, user, 'ar', text('{"$where": "1"}'), 'validation.nationalId.notDigits', 'q.nationalId');
    await user.say(VALID_ID, 'ما رقم الجوال');
    expect(answersOf(await sessionOf(app, user))).toMatchObject({ full_name: FULL_NAME, national_id: VALID_ID });
    const raw = await app.connection.db!.collection('conversations').findOne({ _id: chatKeyOf(app.keys, 'whatsapp', user.wid) as never });
    expect(Object.keys(raw!).filter((key) => key.startsWith('$') || key === '__proto__')).toEqual([]);
    expect(JSON.stringify(raw)).not.toContain('القحطاني');
  }, 90_000);

  it('changes nothing for an edited message: the answer first given stands, nothing is asked again, a later catch-up does not take the edit', async () => {
    const { phone, app } = await rig();
    const user = new WaUser(phone, '966512340031@c.us');
    await user.say('السلام عليكم', 'القائمة الرئيسية');
    await user.say('1', 'هل توافق على جمع بياناتك');
    await user.say('أوافق', 'هل تقدّم الطلب لنفسك');
    await user.say('1', 'ما الاسم الكامل');
    const name = build.text(FULL_NAME, { chat: user.wid, t: user.nextTime() });
    await user.send(name, 'ما رقم الهوية الوطنية');
    const before = user.texts().length;

    // Edited on the phone twice; WhatsApp Web changes the message in place, so a catch-up reads it edited.
    phone.clients.at(-1)!.emitEdit(name, 'سارة علي الزهراني');
    phone.clients.at(-1)!.emitEdit(name, 'نورة علي الزهراني');
    await sleep(1_000);
    expect((await app.whatsapp!.catchUp())?.chatsFailed).toBe(0);
    await sleep(1_000);
    // One notice that the edit changes nothing (two edits in a minute); never the question again, never another answer.
    expect(user.texts().slice(before)).toEqual([translate('ar', 'edited.notApplied')]);
    let session = await sessionOf(app, user);
    expect(answersOf(session).full_name).toBe(FULL_NAME);
    expect(session.position?.step).toBe('national_id');
    await user.say(VALID_ID, 'ما رقم الجوال');
    expect(
      user
        .texts()
        .slice(before)
        .filter((t) => t.includes(said('ar', 'q.nationalId'))),
    ).toHaveLength(0);
    session = await sessionOf(app, user);
    expect(answersOf(session)).toMatchObject({ full_name: FULL_NAME, national_id: VALID_ID });
  }, 60_000);
});

describe('access through WhatsApp', () => {
  it('never shows one beneficiary another’s data, and answers nothing from a group', async () => {
    const { phone, app } = await rig();
    const owner = new WaUser(phone, '966512340041@c.us');
    await arabicToCity(owner);
    await arabicCityToDocuments(owner);
    await owner.send(
      build.image({
        chat: owner.wid,
        t: owner.nextTime(),
        bytes: await sharp({ create: { width: 200, height: 120, channels: 3, background: '#3366aa' } })
          .jpeg()
          .toBuffer(),
      }),
      'وصلنا الملف',
    );
    await owner.say('تم', 'راجع بياناتك');
    await owner.say('1', 'الإقرار:');
    const reference = REFERENCE.exec(await owner.say('1', 'تم استلام طلبك بنجاح'))![0];
    const secrets = [reference, FULL_NAME, 'القحطاني', VALID_ID, '501234567', 'سلة غذائية'];

    const other = new WaUser(phone, '966512340042@c.us');
    await other.say('Hello', 'For English');
    await other.say('English', 'Main menu');
    const fromEnglish = other.texts().length;
    await other.say('/status', said('en', 'status.none'));
    await other.say('my data', said('en', 'mydata.nothing'));
    await other.say('1', 'Do you agree');
    await other.say('1', 'yourself');
    await other.say('1', 'full name');
    await other.say(EN_NAME, 'national ID');
    // Applying with the owner's national ID reads exactly as with a free one: nothing tells that it is known.
    await other.say(VALID_ID, said('en', 'q.mobile'));
    await other.say('track', said('en', 'track.reference'));
    await other.say(reference, said('en', 'track.lastFour'));
    await other.say('9999', said('en', 'track.notFound'));
    for (const secret of secrets) expect(other.texts().join('\n'), secret).not.toContain(secret);
    // English throughout, but for the menu's way back to Arabic, which is written in Arabic.
    expect(other.texts().slice(fromEnglish).join('\n').replaceAll(translate('en', 'menu.language'), '')).not.toMatch(ARABIC);

    // The owner's number writing in a group: nothing is answered there, nothing is shown.
    const client = await phone.client();
    client.emitMessage(build.group('بياناتي', { author: owner.wid, t: owner.nextTime() }));
    client.emitMessage(build.group('/status', { author: owner.wid, t: owner.nextTime() }));
    await sleep(1_500);
    expect(phone.sentTo(GROUP_WID)).toEqual([]);

    // Its parts may come as several messages: all of them are waited for.
    await owner.say('بياناتي', said('ar', 'mydata.header'), FULL_NAME, VALID_ID);
    expect((await app.repositories.cases.findByReference(reference))?.chatKey).toBe(chatKeyOf(app.keys, 'whatsapp', owner.wid));
  }, 120_000);
});
