/**
 * Hostile and malformed input, and the access rules, proved through the Telegram adapter
 * (issue 7): the real service against the fake Bot API, with Redis and FerretDB. Each input
 * goes in as Telegram sends it; what comes back is read from the calls the fake recorded, and
 * what was stored from MongoDB. The same kinds of input at the engine alone are the corpus of
 * tests/flows/hostile-input.test.ts; forged buttons in the staff group (another case, an
 * altered signature, another action letter, a stranger, the wrong role) are in
 * tests/e2e/telegram.test.ts. WhatsApp: tests/e2e/hostile-channels-whatsapp.test.ts.
 */
import sharp from 'sharp';
import { PDFDocument } from '@cantoo/pdf-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { signAction } from '../../src/bots/telegram/callback-data.js';
import type { Session } from '../../src/engine/session.js';
import { createTranslator, loadCatalogues } from '../../src/i18n/translator.js';
import { createLogger } from '../../src/logger.js';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { FakeTelegram, type NewUpdate } from '../helpers/fake-telegram.js';
import { answerTo, callsTo, groupAlertFor, messageIdOf, Staffer, TgUser } from '../helpers/telegram-people.js';
import { testEnvironment, waitFor } from '../helpers/test-app.js';
import { onePagePdf } from '../helpers/pdf.js';
import { newCase } from '../helpers/new-case.js';

const GROUP = -100_424_242;
const STRANGER_GROUP = -1_001_999_888_777;
const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 7_601, roles: ['researcher' as const] };
const COMMITTEE = { name: 'خالد عضو اللجنة', telegramUserId: 7_602, roles: ['committee' as const] };
const ADMIN = { name: 'مدير النظام', telegramUserId: 7_603, roles: ['admin' as const] };
const COORDINATOR = { name: 'منسقة التطوع', telegramUserId: 7_604, roles: ['volunteer_coordinator' as const] };

const FULL_NAME = 'محمد عبدالله القحطاني';
const VALID_ID = '1000000008';
const MOBILE = '0501234567';
const EN_NAME = 'Fatimah Ali Alzahrani';
const EN_ID = '2100000005';
const EN_MOBILE = '0559876543';
const REFERENCE = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/;
const ARABIC = /[\u0600-\u06FF]/u;

const translate = createTranslator(loadCatalogues());
/** The fixed start of a message (up to its first placeholder or line break), as the person reads it. */
function said(lang: 'ar' | 'en', key: string): string {
  const text = translate(lang, key).split('{{')[0]!.split('\n')[0]!.trim();
  expect(text.length, key).toBeGreaterThan(3);
  return text;
}

// ---------------------------------------------------------------------------------------------
// Set-up: the service with its real logger writing into memory, so that logs can be checked too.

interface Rig {
  fake: FakeTelegram;
  app: RunningApp;
  /** Every log line the service wrote. */
  logs: string[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function rig(options: { staffGroup?: number | null; env?: Record<string, string> } = {}): Promise<Rig> {
  const fake = await FakeTelegram.start();
  cleanups.push(() => fake.stop());
  const staffGroup = options.staffGroup === undefined ? GROUP : options.staffGroup;
  const env = testEnvironment({
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    ...(staffGroup === null ? {} : { TELEGRAM_STAFF_GROUP_ID: String(staffGroup) }),
    WORKING_HOURS: 'sun-sat 00:00-24:00',
    // Telegram's pacing is proved in telegram.test.ts; here it would only make the tests slow.
    TELEGRAM_RATE_LIMITS: 'off',
    ...options.env,
  });
  cleanups.push(() => env.cleanup());
  const logs: string[] = [];
  const app = await startApp({
    config: env.config,
    roles: new Set(['bot', 'worker']),
    channels: new Map([['console', env.channel]]),
    logger: createLogger({ level: 'debug', pretty: false, destination: { write: (line: string) => void logs.push(line) } }),
    dbName: env.dbName,
  });
  cleanups.push(() => app.stop());
  return { fake, app, logs };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The conversation's session as stored (decrypted). */
async function sessionOf(app: RunningApp, user: TgUser): Promise<Session> {
  const conversation = await app.repositories.conversations.load(chatKeyOf(app.keys, 'telegram', String(user.userId)));
  expect(conversation, `a conversation for ${user.userId}`).not.toBeNull();
  return conversation!.session;
}

const answersOf = (session: Session) => session.drafts.support_request?.answers ?? {};

/** Documents stored for a chat (GridFS, encrypted). */
async function documentsOf(app: RunningApp, user: TgUser): Promise<{ _id: unknown; metadata: { kind: string; mime: string } }[]> {
  const files = app.connection.db!.collection<{ _id: unknown; metadata: { kind: string; mime: string; chatKey: string } }>('documents.files');
  return files.find({ 'metadata.chatKey': chatKeyOf(app.keys, 'telegram', String(user.userId)) }).toArray();
}

/** Who sends: the user in their private chat, in their language. */
function from(user: TgUser): { chatId: number; userId: number; languageCode: string } {
  return { chatId: user.userId, userId: user.userId, languageCode: user.languageCode };
}

/** A private message of a kind the fake has no builder for (a poll, a dice, a story…): a text message with the text swapped. */
function kindOf(fake: FakeTelegram, user: TgUser, fields: Record<string, unknown>): NewUpdate {
  const update = fake.textMessage({ ...from(user), text: 'x' });
  const message = update.message as unknown as Record<string, unknown>;
  delete message.text;
  delete message.entities;
  Object.assign(message, fields);
  return update;
}

/**
 * Sends something where an answer is expected and checks the person is told, in their
 * language, and asked the same question again, with nothing stored from it.
 */
async function refusedAt(app: RunningApp, user: TgUser, update: NewUpdate, error: string, question: string): Promise<string> {
  const lang = user.languageCode === 'en' ? 'en' : 'ar';
  const before = await sessionOf(app, user);
  const reply = await user.send(update, said(lang, question));
  expect(reply).toContain(said(lang, error));
  if (lang === 'en') expect(reply).not.toMatch(ARABIC);
  const after = await sessionOf(app, user);
  expect(after.position?.step).toBe(before.position?.step);
  expect(answersOf(after)).toEqual(answersOf(before));
  return reply;
}

// ---------------------------------------------------------------------------------------------
// Walks

async function arabicToCity(user: TgUser, name = FULL_NAME, id = VALID_ID): Promise<void> {
  await user.say('/start', 'القائمة الرئيسية');
  await user.press('request', 'هل توافق');
  await user.say('نعم', 'لنفسك');
  await user.press('self', 'الاسم الكامل');
  await user.say(name, 'رقم الهوية');
  await user.say(id, 'رقم الجوال');
  await user.say(MOBILE, 'مدينة');
}

async function arabicCityToDescription(user: TgUser): Promise<void> {
  await user.say('الرياض', 'الحي');
  await user.say('النسيم', 'الحالة الاجتماعية');
  await user.press('single', 'عدد أفراد');
  await user.say('1', 'دخل');
  await user.say('0', 'نوع السكن');
  await user.press('owned', 'نوع الدعم');
  await user.press('food', 'صف حاجتك');
}

async function englishToCity(user: TgUser): Promise<void> {
  await user.say('/start', 'For English, send: English');
  await user.say('English', 'Main menu');
  await user.press('request', 'Do you agree');
  await user.press('yes', 'yourself');
  await user.press('self', 'full name');
  await user.say(EN_NAME, 'national ID');
  await user.say(EN_ID, 'mobile number');
  await user.say(EN_MOBILE, 'Which city');
}

async function englishCityToDescription(user: TgUser): Promise<void> {
  await user.say('Jeddah', 'Which district');
  await user.say('Alsafa', 'marital status');
  await user.press('widowed', 'How many family members');
  await user.say('1', 'monthly income');
  await user.say('0', 'What kind of housing');
  await user.press('owned', 'What kind of support');
  await user.press('food', 'Briefly describe');
}

/** A whole Arabic request through Telegram: a single person in her own home asking for food, one photo of the ID. */
async function arabicRequest(user: TgUser, name: string, id: string): Promise<string> {
  await arabicToCity(user, name, id);
  await arabicCityToDescription(user);
  await user.say('نحتاج سلة غذائية شهرية حتى يصرف الضمان', 'لهوية');
  await user.photo(`AgACAgID-${user.userId}`, await jpeg(), 'وصلنا الملف');
  await user.say('تم', 'راجع بياناتك');
  await user.press('confirm', 'الإقرار');
  const submitted = await user.press('yes', 'الرقم المرجعي');
  return REFERENCE.exec(submitted)![0];
}

async function jpeg(): Promise<Buffer> {
  return sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 30, g: 120, b: 200 } } })
    .jpeg()
    .toBuffer();
}

const PDF = onePagePdf();

/** A case stored as the intake would, with its group alert pending. */
async function insertCase(app: RunningApp, n: number): Promise<{ id: string; reference: string }> {
  const input = newCase(n, {
    at: new Date(),
    id: `case_${n.toString(16).padStart(24, '0')}`,
    channel: 'telegram',
    chatKey: chatKeyOf(app.keys, 'telegram', String(5_690_000 + n)),
    city: 'الدمام',
    answers: { full_name: 'مستفيدة من الدمام', national_id: VALID_ID, mobile: '+966501234567', support_type: 'food', family_count: 3, housing: 'rented' },
  });
  await app.repositories.cases.insertSubmitted(input);
  return { id: input.id, reference: input.reference };
}

/** No log line carries any of these (names, IDs, phones, what people typed). */
function expectLogsFreeOf(logs: string[], secrets: string[]): void {
  const all = logs.join('');
  for (const secret of secrets) expect(all, `a log line carries ${JSON.stringify(secret.slice(0, 30))}`).not.toContain(secret);
}

// ---------------------------------------------------------------------------------------------

describe('hostile input through Telegram', () => {
  it('answers stickers, locations, contacts, polls, dice, video notes, GIFs, stories and voice notes where text is expected, in the person’s language, losing nothing', async () => {
    const { fake, app, logs } = await rig();
    const user = new TgUser(fake, 5_560_001);
    await arabicToCity(user);
    const kept = { full_name: FULL_NAME, national_id: VALID_ID, mobile: '+966501234567' };
    expect(answersOf(await sessionOf(app, user))).toMatchObject(kept);

    await refusedAt(app, user, fake.stickerMessage(from(user)), 'unsupported.sticker', 'q.city');
    await refusedAt(app, user, fake.locationMessage(from(user)), 'unsupported.location', 'q.city');
    await refusedAt(app, user, fake.contactMessage({ ...from(user), phoneNumber: '966501234567' }), 'unsupported.contact', 'q.city');
    const poll = {
      id: '5012345678901234567',
      question: 'أي مدينة؟',
      options: [
        { text: 'الرياض', voter_count: 0 },
        { text: 'جدة', voter_count: 0 },
      ],
      total_voter_count: 0,
      is_closed: false,
      is_anonymous: true,
      type: 'regular',
      allows_multiple_answers: false,
    };
    await refusedAt(app, user, kindOf(fake, user, { poll }), 'unsupported.other', 'q.city');
    // A right answer after four wrong ones is taken as usual (and the count of wrong ones starts again).
    await user.say('الرياض', 'الحي');
    await refusedAt(app, user, kindOf(fake, user, { dice: { emoji: '🎲', value: 6 } }), 'unsupported.other', 'q.district');
    await refusedAt(
      app,
      user,
      kindOf(fake, user, { video_note: { file_id: 'DQACAgQ-note', file_unique_id: 'AgADnote', length: 240, duration: 4 } }),
      'unsupported.video',
      'q.district',
    );
    const gif = { file_id: 'CgACAgQ-gif', file_unique_id: 'AgADgif', width: 320, height: 240, duration: 2, mime_type: 'video/mp4', file_name: 'x.mp4' };
    await refusedAt(app, user, kindOf(fake, user, { animation: gif, document: gif }), 'unsupported.video', 'q.district');
    await refusedAt(app, user, kindOf(fake, user, { story: { chat: { id: 1, type: 'private', first_name: 'x' }, id: 7 } }), 'unsupported.other', 'q.district');
    await user.say('النسيم', 'الحالة الاجتماعية');
    const session = await sessionOf(app, user);
    expect(answersOf(session)).toEqual({ for_whom: 'self', ...kept, city: 'الرياض', district: 'النسيم' });
    // Nothing of what was sent was downloaded or stored.
    expect(fake.calls.filter((c) => c.method === 'getFile' || c.method === 'download')).toHaveLength(0);
    expect(await documentsOf(app, user)).toHaveLength(0);

    // The same in English for someone who chose English; a voice note calls a researcher and keeps the answers.
    const english = new TgUser(fake, 5_560_002, 'en', 'Fatimah');
    await englishToCity(english);
    await refusedAt(app, english, fake.stickerMessage(from(english)), 'unsupported.sticker', 'q.city');
    await refusedAt(app, english, kindOf(fake, english, { poll }), 'unsupported.other', 'q.city');
    await refusedAt(app, english, fake.contactMessage({ ...from(english), phoneNumber: '966559876543' }), 'unsupported.contact', 'q.city');
    const voice = await english.send(fake.voiceMessage(from(english)), said('en', 'unsupported.voice'));
    expect(voice.split('\n---\n')[0]).not.toMatch(ARABIC);
    await waitFor(async () => (await sessionOf(app, english)).referral, 'a researcher called for the voice note');
    expect(answersOf(await sessionOf(app, english))).toMatchObject({ full_name: EN_NAME, national_id: EN_ID, mobile: '+966559876543' });
    expectLogsFreeOf(logs, [FULL_NAME, VALID_ID, '501234567', EN_NAME, EN_ID, '559876543', 'أي مدينة؟']);
  }, 120_000);

  it('checks files by content and size: a PDF renamed .jpg is a PDF, a text named .pdf, an oversized file (before any download) and a decompression bomb are refused', async () => {
    const { fake, app } = await rig();
    const user = new TgUser(fake, 5_560_011);
    await arabicToCity(user);
    await arabicCityToDescription(user);
    await user.say('نحتاج سلة غذائية شهرية', 'لهوية');
    const document = (fileId: string, fileName: string, mimeType: string) => fake.documentMessage({ ...from(user), fileId, fileName, mimeType });

    fake.addFile('BQAC-text', Buffer.from('Salary: 4000 SAR\n'), { path: 'documents/salary.pdf' });
    await refusedAt(app, user, document('BQAC-text', 'salary.pdf', 'application/pdf'), 'document.unsupportedType', 'q.docId');

    // Declared 15 MB (the limit is 10): refused from the message itself, never fetched.
    fake.addFile('BQAC-big', PDF, { path: 'documents/big.pdf', size: 15_000_000 });
    const big = await refusedAt(app, user, document('BQAC-big', 'big.pdf', 'application/pdf'), 'document.tooLarge', 'q.docId');
    expect(big).toContain('10');
    // A photo of 25 MB, beyond what a bot may even download from Telegram.
    fake.addFile('AgAC-huge', await jpeg(), { path: 'photos/huge.jpg', size: 25_000_000 });
    await refusedAt(app, user, fake.photoMessage({ ...from(user), fileId: 'AgAC-huge' }), 'document.tooLarge', 'q.docId');
    expect(fake.calls.filter((c) => c.method === 'getFile' && ['BQAC-big', 'AgAC-huge'].includes(String(c.params.file_id)))).toHaveLength(0);
    expect(fake.calls.filter((c) => c.method === 'download' && /big|huge/.test(String(c.params.file_path)))).toHaveLength(0);

    // A decompression bomb: 48 million pixels of one colour, 60 kB as a PNG file.
    const bomb = await sharp({ create: { width: 8000, height: 6000, channels: 3, background: { r: 255, g: 255, b: 255 } } })
      .toColourspace('b-w')
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(200_000);
    fake.addFile('BQAC-bomb', bomb, { path: 'documents/scan.png' });
    await refusedAt(app, user, document('BQAC-bomb', 'scan.png', 'image/png'), 'document.tooManyPixels', 'q.docId');
    expect(await documentsOf(app, user)).toHaveLength(0);

    // A PDF renamed .jpg and declared a JPEG: taken by its content, as a PDF, and stored rewritten (clean-pdf.ts).
    fake.addFile('BQAC-renamed', PDF, { path: 'documents/id.jpg' });
    await user.send(document('BQAC-renamed', 'هوية.jpg', 'image/jpeg'), 'وصلنا الملف');
    await user.say('تم', 'راجع بياناتك');
    const stored = await documentsOf(app, user);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.metadata).toMatchObject({ kind: 'pdf', mime: 'application/pdf' });
    expect(answersOf(await sessionOf(app, user)).doc_id).toEqual([stored[0]!._id]);
    const kept = await app.repositories.documents.get(String(stored[0]!._id));
    expect(kept.equals(PDF)).toBe(false);
    expect((await PDFDocument.load(kept)).getPageCount()).toBe(1);

    // In English: a "photo" that is no image at all, a file too large, and a 5,000-character description.
    const english = new TgUser(fake, 5_560_012, 'en', 'Fatimah');
    await englishToCity(english);
    await englishCityToDescription(english);
    await refusedAt(app, english, fake.textMessage({ ...from(english), text: 'I need help. '.repeat(385) }), 'validation.text.tooLong', 'q.description');
    await english.say('We need a monthly food basket', 'Send a clear photo');
    fake.addFile('AgAC-exe', Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(2048, 1)]), { path: 'photos/exe.jpg' });
    await refusedAt(app, english, fake.photoMessage({ ...from(english), fileId: 'AgAC-exe' }), 'document.unsupportedType', 'q.docId');
    fake.addFile('BQAC-big-en', PDF, { path: 'documents/big-en.pdf', size: 12_000_000 });
    await refusedAt(
      app,
      english,
      fake.documentMessage({ ...from(english), fileId: 'BQAC-big-en', fileName: 'scan.pdf', mimeType: 'application/pdf' }),
      'document.tooLarge',
      'q.docId',
    );
    // No size in the message (it is optional in the Bot API): getFile tells, and the person hears "too large", not "send it again".
    fake.addFile('BQAC-unsized-en', PDF, { path: 'documents/unsized.pdf', size: 11_000_000 });
    const unsized = fake.documentMessage({ ...from(english), fileId: 'BQAC-unsized-en', fileName: 'unsized.pdf', mimeType: 'application/pdf' });
    delete (unsized as unknown as { message: { document: { file_size?: number } } }).message.document.file_size;
    await refusedAt(app, english, unsized, 'document.tooLarge', 'q.docId');
    expect(fake.calls.filter((c) => c.method === 'download' && /unsized/.test(String(c.params.file_path)))).toHaveLength(0);
    expect(await documentsOf(app, english)).toHaveLength(0);
  }, 120_000);

  it('refuses or cleans 5,000 characters, NUL, broken surrogates, direction overrides, MongoDB operators and __proto__ sent as text, storing only clean answers', async () => {
    const { fake, app, logs } = await rig();
    const user = new TgUser(fake, 5_560_021);
    // At the menu: answered, and the menu shown again.
    for (const text of ['__proto__', '{"$gt": ""}', '$where']) await user.say(text, said('ar', 'menu.prompt'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await user.press('request', 'هل توافق');
    await user.say('نعم', 'لنفسك');
    await user.press('self', 'الاسم الكامل');
    const text = (t: string) => fake.textMessage({ ...from(user), text: t });
    await refusedAt(app, user, text(`محمد ${'ع'.repeat(5000)}`), 'validation.name.tooLong', 'q.fullName');
    await refusedAt(app, user, text('\ud800محمد القحطاني'), 'validation.malformed', 'q.fullName');
    await refusedAt(app, user, text('{"$ne": null}'), 'validation.name.characters', 'q.fullName');
    await refusedAt(app, user, text('__proto__'), 'validation.name.characters', 'q.fullName');
    // A right-to-left override and a NUL are dropped: the name is stored clean.
    await user.say('\u202eمحمد\u0000 عبدالله القحطاني', 'رقم الهوية');
    expect(answersOf(await sessionOf(app, user)).full_name).toBe(FULL_NAME);
    await refusedAt(app, user, text('{"$gt": ""}'), 'validation.nationalId.notDigits', 'q.nationalId');
    await user.say(VALID_ID, 'رقم الجوال');
    await user.say(MOBILE, 'مدينة');
    await refusedAt(app, user, text('{"$where": "sleep(5000)"}'), 'validation.place.invalid', 'q.city');
    await arabicCityToDescription(user);
    await refusedAt(app, user, text('ا'.repeat(5000)), 'validation.text.tooLong', 'q.description');
    // Free text shaped like a query or a prototype key is just text, stored as typed.
    const description = '{"$where": "sleep(5000)"} __proto__ constructor.prototype';
    await user.say(description, 'لهوية');

    const session = await sessionOf(app, user);
    expect(answersOf(session)).toMatchObject({ full_name: FULL_NAME, national_id: VALID_ID, city: 'الرياض', description });
    for (const recent of session.recent ?? []) expect(recent.length).toBeLessThanOrEqual(300);
    // At rest: the session is sealed, no field of the document is named by what the person typed, nothing waits in the inbox.
    const raw = await app.connection.db!.collection('conversations').findOne({ _id: chatKeyOf(app.keys, 'telegram', String(user.userId)) as never });
    expect(raw).not.toBeNull();
    expect(Object.keys(raw!).filter((key) => key.startsWith('$') || key === '__proto__' || key === 'constructor')).toEqual([]);
    expect(JSON.stringify(raw)).not.toContain('القحطاني');
    expect(JSON.stringify(raw)).not.toContain('sleep(5000)');
    expect(await app.connection.db!.collection('inbox').countDocuments()).toBe(0);
    expectLogsFreeOf(logs, [FULL_NAME, 'القحطاني', VALID_ID, '501234567', 'sleep(5000)']);
  }, 120_000);

  it('answers an edited message with a notice, once a minute, in the person’s language; the answer first given stands and nothing is asked again', async () => {
    const { fake, app } = await rig();
    await app.repositories.staff.add(RESEARCHER);
    const user = new TgUser(fake, 5_560_031);
    await user.say('/start', 'القائمة الرئيسية');
    await user.press('request', 'هل توافق');
    await user.say('نعم', 'لنفسك');
    await user.press('self', 'الاسم الكامل');
    const name = fake.textMessage({ ...from(user), text: FULL_NAME });
    await user.send(name, 'رقم الهوية');
    const nameId = name.message.message_id;

    // The name is edited three times within one minute: one notice, the name as first sent.
    const minute = Math.floor(Date.now() / 60_000) * 60;
    const edit = (text: string, at: number) => {
      const update = fake.editedMessage({ ...from(user), messageId: nameId, text });
      (update.edited_message as { edit_date: number }).edit_date = at;
      return update;
    };
    const notice = said('ar', 'edited.notApplied');
    const before = user.texts().length;
    await user.send(edit('سارة علي الزهراني', minute + 1), notice);
    fake.pushUpdate(edit('نورة علي الزهراني', minute + 20));
    fake.pushUpdate(edit('هند علي الزهراني', minute + 40));
    await sleep(1_500);
    const fresh = () => user.texts().slice(before);
    expect(fresh()).toEqual([translate('ar', 'edited.notApplied')]);
    let session = await sessionOf(app, user);
    expect(answersOf(session).full_name).toBe(FULL_NAME);
    expect(session.position?.step).toBe('national_id');
    // A later edit is told again; the conversation goes on where it stood, the question not asked twice.
    await user.send(edit('ريم علي الزهراني', minute + 61), notice);
    await user.say(VALID_ID, 'رقم الجوال');
    expect(fresh().filter((t) => t.includes(said('ar', 'q.nationalId')))).toHaveLength(0);
    expect(fresh().filter((t) => t.includes(notice))).toHaveLength(2);
    session = await sessionOf(app, user);
    expect(answersOf(session)).toMatchObject({ full_name: FULL_NAME, national_id: VALID_ID });

    // In English for someone who chose English.
    const english = new TgUser(fake, 5_560_032, 'en', 'Fatimah');
    await english.say('/start', 'For English');
    const hello = fake.textMessage({ ...from(english), text: 'English' });
    await english.send(hello, 'Main menu');
    const told = await english.send(
      fake.editedMessage({ ...from(english), messageId: hello.message.message_id, text: 'عربي' }),
      said('en', 'edited.notApplied'),
    );
    expect(told).not.toMatch(ARABIC);
    expect((await sessionOf(app, english)).lang).toBe('en');

    // Edits in the staff group and in any other group lead to nothing.
    const calls = fake.calls.length;
    fake.pushUpdate(fake.editedMessage({ chatId: GROUP, userId: RESEARCHER.telegramUserId, messageId: 3, text: '/case SR-AAAA-BBBB' }));
    fake.pushUpdate(fake.editedMessage({ chatId: STRANGER_GROUP, userId: user.userId, messageId: 3, text: '/start' }));
    await sleep(1_500);
    expect(fake.calls.slice(calls).filter((c) => c.method !== 'getUpdates')).toEqual([]);
    expect(await app.repositories.conversations.load(chatKeyOf(app.keys, 'telegram', String(GROUP)))).toBeNull();
    expect(await app.repositories.conversations.load(chatKeyOf(app.keys, 'telegram', String(STRANGER_GROUP)))).toBeNull();
  }, 90_000);
  it('takes the first of 30 messages sent at once, tells the sender once and serves another chat meanwhile; 30 edits at once are one notice', async () => {
    const { fake, app } = await rig({ env: { FLOOD_MAX_MESSAGES: '5', FLOOD_WINDOW_SECONDS: '30' } });
    const flooder = new TgUser(fake, 5_560_081);
    const first = fake.textMessage({ ...from(flooder), text: '/start' });
    await flooder.send(first, 'القائمة الرئيسية');
    for (let i = 0; i < 30; i++) fake.pushUpdate(fake.textMessage({ ...from(flooder), text: `رسالة ${i}` }));
    const neighbour = new TgUser(fake, 5_560_082);
    await neighbour.say('/start', 'القائمة الرئيسية');
    const slowDown = said('ar', 'flood.slowDown');
    await waitFor(() => flooder.texts().some((t) => t.includes(slowDown)), 'the notice to slow down');
    // 31 messages in the window: five taken, the rest refused before they were stored.
    await waitFor(
      async () => /intake_inbound_messages_total\{channel="telegram",outcome="flooded"\} 26\b/.test(await app.metrics.render()),
      'the flood counted',
    );
    expect(await app.connection.db!.collection('inbox').countDocuments()).toBe(0);

    // Edits are not counted as messages, so they are limited by their own rule: one notice a minute.
    const minute = Math.floor(Date.now() / 60_000) * 60;
    for (let i = 0; i < 30; i++) {
      const edit = fake.editedMessage({ ...from(flooder), messageId: first.message.message_id, text: `/start ${i}` });
      (edit.edited_message as { edit_date: number }).edit_date = minute + (i % 60);
      fake.pushUpdate(edit);
    }
    const notice = said('ar', 'edited.notApplied');
    await waitFor(() => flooder.texts().some((t) => t.includes(notice)), 'the notice for the edits');
    await sleep(1_500);
    expect(flooder.texts().filter((t) => t.includes(slowDown))).toHaveLength(1);
    expect(flooder.texts().filter((t) => t.includes(notice))).toHaveLength(1);
  }, 60_000);
});

describe('access through Telegram', () => {
  it('leaves a stranger’s group at once, logging only its id, and takes nothing from it; the staff group never receives personal data', async () => {
    const { fake, app, logs } = await rig();
    for (const member of [RESEARCHER, ADMIN]) await app.repositories.staff.add(member);
    const { id: caseId, reference } = await insertCase(app, 1);
    await app.queues.requestAlerts('t');
    const alert = await groupAlertFor(fake, GROUP, reference);

    // Someone adds the bot to their own group, then writes there and presses a genuine staff button copied into it.
    fake.pushUpdate(fake.myChatMember({ chatId: STRANGER_GROUP, userId: 5_560_041, newStatus: 'member' }));
    const left = await fake.waitFor((c) => c.method === 'leaveChat', 10_000);
    expect(String(left.params.chat_id)).toBe(String(STRANGER_GROUP));
    expect(left.status).toBe(200);
    const line = await waitFor(() => logs.find((l) => l.includes('not the staff group')), 'the log line naming the group');
    expect(JSON.parse(line)).toMatchObject({ chatId: STRANGER_GROUP, msg: 'added to a group that is not the staff group: leaving' });
    for (const text of ['/start', '/mydata', `/case ${reference}`, 'السلام عليكم']) {
      fake.pushUpdate(fake.textMessage({ chatId: STRANGER_GROUP, userId: 5_560_041, text }));
    }
    const press = new Staffer(fake, STRANGER_GROUP, RESEARCHER.telegramUserId).pressInGroup(messageIdOf(alert), signAction(app.keys, 'open', caseId));
    expect((await answerTo(fake, press)).params.text).toBeUndefined();
    // The bot being added to the staff group is no reason to leave it.
    fake.pushUpdate(fake.myChatMember({ chatId: GROUP, userId: ADMIN.telegramUserId, newStatus: 'administrator' }));
    // In the staff group, commands that show personal data are not answered there.
    for (const text of [`/case ${reference}`, '/export cases 2020-01-01 2030-12-31', '/report', '/mydata']) {
      fake.pushUpdate(fake.textMessage({ chatId: GROUP, userId: ADMIN.telegramUserId, text }));
    }
    await sleep(2_000);

    expect(fake.calls.filter((c) => c.method === 'leaveChat')).toHaveLength(1);
    expect(fake.sent(STRANGER_GROUP)).toHaveLength(0);
    expect(callsTo(fake, 'sendMessage', GROUP)).toHaveLength(1);
    expect(fake.calls.filter((c) => ['sendDocument', 'sendPhoto'].includes(c.method))).toHaveLength(0);
    expect(fake.sent(RESEARCHER.telegramUserId)).toHaveLength(0);
    expect(fake.sent(ADMIN.telegramUserId)).toHaveLength(0);
    expect(await app.connection.db!.collection('conversations').countDocuments()).toBe(0);
    expect(await app.connection.db!.collection('inbox').countDocuments()).toBe(0);
    const audit = await app.repositories.audit.list({ targetKind: 'case', targetId: caseId, limit: 10 });
    expect(audit).toEqual([]);
    expect(logs.join('')).not.toContain(reference);

    // Without a staff group configured, every group is a stranger's.
    const unconfigured = await rig({ staffGroup: null });
    unconfigured.fake.pushUpdate(unconfigured.fake.myChatMember({ chatId: GROUP, userId: ADMIN.telegramUserId, newStatus: 'member' }));
    const leftToo = await unconfigured.fake.waitFor((c) => c.method === 'leaveChat', 10_000);
    expect(String(leftToo.params.chat_id)).toBe(String(GROUP));
  }, 90_000);

  it('changes nothing for button data a beneficiary forges or replays, a removed member, or a press that Telegram would never send', async () => {
    const { fake, app } = await rig();
    await app.repositories.staff.add(RESEARCHER);
    const { id: caseId, reference } = await insertCase(app, 2);
    await app.queues.requestAlerts('t');
    const alertId = messageIdOf(await groupAlertFor(fake, GROUP, reference));
    const user = new TgUser(fake, 5_560_051);
    await user.say('/start', 'القائمة الرئيسية');
    const menuId = messageIdOf(fake.sent(user.userId).at(-1)!);
    const press = (data: string) => {
      const update = fake.callbackQuery({ ...from(user), messageId: menuId, data });
      fake.pushUpdate(update);
      return update.callback_query.id;
    };

    // Genuine staff data (copied from somewhere) and staff-shaped data, pressed by a beneficiary in their own chat.
    expect((await answerTo(fake, press(signAction(app.keys, 'open', caseId)))).params.text).toBe(translate('ar', 'staff.answer.notStaff'));
    expect((await answerTo(fake, press(signAction(app.keys, 'claim', caseId)))).params.text).toBe(translate('ar', 'staff.answer.notStaff'));
    expect((await answerTo(fake, press(`s1:c:${caseId.slice(5)}:AAAAAAAAAAAAAAAA`))).params.text).toBe(translate('ar', 'staff.answer.invalid'));
    // Option ids of no option here: shaped like a staff action, an operator, prototype keys (four: a fifth wrong answer calls a researcher).
    for (const data of ['approve', '{"$gt": ""}', '__proto__', 'constructor']) {
      const before = user.texts().length;
      await answerTo(fake, press(data));
      expect(await user.replies(before, said('ar', 'menu.prompt'))).toContain(said('ar', 'validation.choice.unknown'));
    }
    // Longer than Telegram allows: the press is answered (the spinner stops) and nothing else happens.
    const before = user.texts().length;
    await answerTo(fake, press('x'.repeat(65)));
    await sleep(1_000);
    expect(user.texts()).toHaveLength(before);

    // A researcher removed from the staff presses a genuine Claim in the group.
    const removed = (await app.repositories.staff.findByTelegramUserId(RESEARCHER.telegramUserId))!;
    await app.repositories.staff.remove(removed.id);
    const claim = new Staffer(fake, GROUP, RESEARCHER.telegramUserId).pressInGroup(alertId, signAction(app.keys, 'claim', caseId));
    expect((await answerTo(fake, claim)).params.text).toBe(translate('ar', 'staff.answer.notStaff'));

    // The case is as submitted, viewed by nobody; the beneficiary is still at the menu, with nothing started; nobody was sent the case.
    const record = await app.repositories.cases.get(caseId);
    expect(record?.status).toBe('submitted');
    expect(record?.history).toHaveLength(1);
    expect(record?.assignee).toBeNull();
    const audit = await app.repositories.audit.list({ targetKind: 'case', targetId: caseId, limit: 10 });
    expect(audit).toEqual([]);
    const session = await sessionOf(app, user);
    expect(session.position?.flow).toBe('menu');
    expect(session.drafts.support_request).toBeUndefined();
    expect(user.texts().join('\n')).not.toContain('مستفيدة من الدمام');
    expect(fake.sent(RESEARCHER.telegramUserId)).toHaveLength(0);
    expect(callsTo(fake, 'editMessageText', GROUP)).toHaveLength(0);

    // An English beneficiary's forged option, as long as Telegram allows (64 bytes), is answered in English.
    const english = new TgUser(fake, 5_560_052, 'en');
    await english.say('/start', 'For English');
    await english.say('English', 'Main menu');
    const englishMenu = messageIdOf(fake.sent(english.userId).at(-1)!);
    const count = english.texts().length;
    fake.pushUpdate(fake.callbackQuery({ ...from(english), messageId: englishMenu, data: 'ز'.repeat(32) }));
    expect(await english.replies(count, said('en', 'validation.choice.unknown'))).not.toMatch(ARABIC);
  }, 90_000);

  it('refuses /report, /export and /case to people who are not staff, to the wrong role and to a removed member, showing them nothing', async () => {
    const { fake, app } = await rig();
    for (const member of [RESEARCHER, COMMITTEE, ADMIN, COORDINATOR]) await app.repositories.staff.add(member);
    const { id: caseId, reference } = await insertCase(app, 3);
    const today = new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 10);
    const exportCommand = `/export cases 2020-01-01 ${today}`;
    const secrets = ['مستفيدة من الدمام', VALID_ID, '501234567'];
    const noneOf = (texts: string[]) => {
      for (const secret of [...secrets, said('ar', 'staff.case.history')]) expect(texts.join('\n')).not.toContain(secret);
    };

    // A beneficiary typing staff commands gets an ordinary answer from the conversation, never staff output.
    const user = new TgUser(fake, 5_560_061);
    await user.say('/start', 'القائمة الرئيسية');
    for (const command of ['/report', exportCommand, `/case ${reference}`, `/case ${reference.toLowerCase()}`]) await user.say(command);
    await sleep(1_000);
    noneOf(user.texts());
    expect(user.texts().join('\n')).not.toContain(reference);
    const english = new TgUser(fake, 5_560_062, 'en');
    await english.say('/start', 'For English');
    await english.say('English', 'Main menu');
    const count = english.texts().length;
    await english.say('/report');
    await english.say(`/case ${reference}`);
    await sleep(1_000);
    expect(english.texts().slice(count).join('\n')).not.toMatch(ARABIC);
    noneOf(english.texts());

    // Staff without the role: a researcher's /report, a committee member's /export, a volunteer coordinator's /case.
    const notAllowed = said('ar', 'staff.answer.notAllowed');
    await new TgUser(fake, RESEARCHER.telegramUserId).say('/report', notAllowed);
    await new TgUser(fake, COMMITTEE.telegramUserId).say(exportCommand, notAllowed);
    await new TgUser(fake, COORDINATOR.telegramUserId).say(`/case ${reference}`, notAllowed);
    for (const member of [RESEARCHER, COMMITTEE, COORDINATOR]) noneOf(fake.sentTexts(member.telegramUserId));

    // An administrator removed from the staff is a stranger to the staff desk.
    const admin = (await app.repositories.staff.findByTelegramUserId(ADMIN.telegramUserId))!;
    await app.repositories.staff.remove(admin.id);
    const former = new TgUser(fake, ADMIN.telegramUserId);
    await former.say(exportCommand);
    await former.say('/report');
    await former.say(`/case ${reference}`);
    await sleep(1_000);
    noneOf(former.texts());
    expect(former.texts().join('\n')).not.toContain(said('ar', 'staff.export.done'));

    expect(fake.calls.filter((c) => ['sendDocument', 'sendPhoto'].includes(c.method))).toHaveLength(0);
    const exports = await app.repositories.audit.list({ targetKind: 'export', targetId: 'cases', limit: 10 });
    expect(exports).toHaveLength(0);
    expect(await app.repositories.audit.list({ targetKind: 'case', targetId: caseId, limit: 10 })).toEqual([]);
  }, 90_000);

  it('never shows one beneficiary another’s data: status, /mydata, the same national ID, following a request', async () => {
    const { fake, app } = await rig();
    const owner = new TgUser(fake, 5_560_071);
    const reference = await arabicRequest(owner, FULL_NAME, VALID_ID);
    const secrets = [reference, FULL_NAME, 'القحطاني', VALID_ID, '501234567', 'سلة غذائية'];

    const other = new TgUser(fake, 5_560_072, 'en', 'Fatimah');
    await other.say('/start', 'For English');
    await other.say('English', 'Main menu');
    const fromEnglish = other.texts().length;
    await other.say('/status', said('en', 'status.none'));
    await other.say('/mydata', said('en', 'mydata.nothing'));
    await other.press('request', 'Do you agree');
    await other.press('yes', 'yourself');
    await other.press('self', 'full name');
    await other.say(EN_NAME, 'national ID');
    // Applying with the owner's national ID reads exactly as with a free one: nothing tells that it is known.
    await other.say(VALID_ID, said('en', 'q.mobile'));
    // Following the owner's request from this phone with wrong digits: the same answer as a wrong reference.
    await other.say('/track', said('en', 'track.reference'));
    await other.say(reference, said('en', 'track.lastFour'));
    await other.say('1234', said('en', 'track.notFound'));
    for (const secret of secrets) expect(other.texts().join('\n'), secret).not.toContain(secret);
    expect(other.texts().slice(fromEnglish).join('\n')).not.toMatch(ARABIC);

    // The owner sees their own, in their own chat.
    const before = owner.texts().length;
    await owner.say('/mydata', FULL_NAME);
    const mine = await owner.replies(before, VALID_ID);
    expect(mine).toContain(said('ar', 'mydata.header'));
    await owner.say('/status', reference);
    const record = await app.repositories.cases.findByReference(reference);
    expect(record?.chatKey).toBe(chatKeyOf(app.keys, 'telegram', String(owner.userId)));
  }, 120_000);
});
