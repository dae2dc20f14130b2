/**
 * The whole service driven through its console chat, as a person tries it on a
 * laptop: a real process (`node --import tsx src/main.ts`) against a fresh
 * database and its own queue prefix, typed into line by line.
 *
 * One conversation goes from the greeting to a submitted request (with mistakes
 * on purpose and real files); a second one is cut off by SIGKILL and resumed by a
 * new process; an English visitor then follows the first request.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/models/database.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { formatDualDate } from '../../src/core/calendar.js';
import { ConsoleProcess } from '../helpers/console-process.js';
import { onePagePdf } from '../helpers/pdf.js';
import { MONGODB_URI, REDIS_URL } from '../helpers/db.js';

const REFERENCE = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/;
const DAY_MS = 86_400_000;
const ANSWER_DAYS = 14;

/** The server URI with the database name swapped in. */
function uriFor(dbName: string): string {
  const url = new URL(MONGODB_URI);
  url.pathname = `/${dbName}`;
  return url.toString();
}

/** The expected-answer dates a request submitted between `from` and `to` may show. */
function expectedDates(from: number, to: number, lang: 'ar' | 'en'): string[] {
  return [from, to].map((t) => formatDualDate(new Date(t + ANSWER_DAYS * DAY_MS), lang).gregorian);
}

describe('console chat (the service process, typed into)', () => {
  const tag = randomUUID().replaceAll('-', '').slice(0, 12);
  const prefix = `test-console-${tag}`;
  const dbNames = { first: `test_console_${tag}_a`, crash: `test_console_${tag}_b` };
  const processes: ConsoleProcess[] = [];
  let dir: string;
  let envFile: string;
  let photo: string;
  let pdf: string;
  let keys: { DATA_KEYS: string; DATA_KEY_CURRENT: string; LOOKUP_KEY: string };
  /** Each started process's log folder, in order. */
  const logDirs: string[] = [];

  /** Starts the service on one database and chat, and waits for the console to be ready. */
  async function start(dbName: string, chat: string): Promise<ConsoleProcess> {
    logDirs.push(join(dir, `logs-${logDirs.length}`));
    const service = new ConsoleProcess({
      // Only what the service needs: a developer's own TELEGRAM_BOT_TOKEN or MONGODB_URI must not leak in.
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'test',
        MONGODB_URI: uriFor(dbName),
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        HTTP_PORT: '0',
        ...keys,
        // Info, so the log file surely receives lines (the service logs its start at info).
        LOG_LEVEL: 'info',
        CONSOLE_LOG_DIR: logDirs.at(-1)!,
        SWEEP_INTERVAL_SECONDS: '1',
        // The test types far faster than a person; flood control has its own test.
        FLOOD_MAX_MESSAGES: '10000',
      },
      // An empty env file of our own, so the repository's .env is not read.
      args: ['--env', envFile, '--chat', chat],
    });
    processes.push(service);
    await service.ready();
    return service;
  }

  /** Waits until no chat holds a lock in Redis: every received message handled and every reply sent. */
  async function untilNoChatLocks(timeoutMs = 5_000): Promise<void> {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const deadline = Date.now() + timeoutMs;
      while ((await redis.keys(`${prefix}:lock:*`)).length > 0) {
        if (Date.now() > deadline) throw new Error(`chat locks still held after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      redis.disconnect();
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'console-chat-'));
    envFile = join(dir, 'empty.env');
    await writeFile(envFile, '');
    photo = join(dir, 'id-card.jpg');
    // A small real photo: a gradient card with a darker band, as a phone camera would give (only smaller).
    const { data, info } = await sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 226, g: 232, b: 240 } } })
      .composite([{ input: { create: { width: 320, height: 40, channels: 3, background: { r: 22, g: 101, b: 52 } } }, top: 0, left: 0 }])
      .raw()
      .toBuffer({ resolveWithObject: true });
    await sharp(data, { raw: info }).jpeg({ quality: 85 }).toFile(photo);
    pdf = join(dir, 'family-card.pdf');
    await writeFile(pdf, onePagePdf());
    keys = { DATA_KEYS: `k1:${KeyRing.generateKeyBase64()}`, DATA_KEY_CURRENT: 'k1', LOOKUP_KEY: KeyRing.generateKeyBase64() };
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.dispose()));
    for (const dbName of Object.values(dbNames)) {
      const connection = await openDatabase({ uri: MONGODB_URI, dbName });
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    }
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const leftover = await redis.keys(`${prefix}:*`);
      if (leftover.length > 0) await redis.del(...leftover);
    } finally {
      redis.disconnect();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('takes a whole request in Arabic, survives a SIGKILL mid-conversation, and answers in English', async () => {
    // --- 1. A whole support request, in Arabic, with mistakes on the way. ---
    const first = await start(dbNames.first, 'local');
    await first.say('السلام عليكم', 'السلام عليكم ورحمة الله وبركاته', 'For English, send: English', 'القائمة الرئيسية', '1. تقديم طلب دعم', '10. مساعدة');
    await first.say('1', 'قبل أن نبدأ، نود إعلامك بكيفية تعاملنا مع بياناتك', 'هل توافق على جمع بياناتك', '1. أوافق', '2. لا أوافق');
    await first.say('1', 'هل تقدّم الطلب لنفسك أم نيابةً عن أحد أفراد أسرتك؟', '1. لنفسي');
    await first.say('1', 'ما الاسم الكامل لصاحب الطلب كما في الهوية؟');

    // Mistake 1: a one-word name gets its own message, then the question again.
    const oneWord = await first.say('محمد', 'اكتب الاسم الأول واسم العائلة على الأقل.', 'ما الاسم الكامل لصاحب الطلب');
    expect(oneWord).not.toContain('ما رقم الهوية');
    await first.say('محمد عبدالله القحطاني', 'ما رقم الهوية الوطنية أو الإقامة لصاحب الطلب؟ (10 أرقام)');

    // Mistake 2: a wrong check digit (Arabic-Indic digits, as typed on an Arabic keyboard).
    const wrongDigit = await first.say('١٠٠٠٠٠٠٠٠٩', 'يبدو أن في الرقم خطأ في أحد الأرقام', 'راجعه على بطاقة الهوية', 'ما رقم الهوية الوطنية');
    expect(wrongDigit).not.toContain('ما رقم الجوال');
    await first.say('١٠٠٠٠٠٠٠٠٨', 'ما رقم الجوال للتواصل؟');
    await first.say('٠٥٠١٢٣٤٥٦٧', 'في أي مدينة تسكن الأسرة؟');
    await first.say('الرياض', 'ما اسم الحي؟');
    await first.say('حي النسيم', 'ما الحالة الاجتماعية لصاحب الطلب؟', '2. متزوج / متزوجة');
    await first.say('2', 'كم عدد أفراد الأسرة الذين يسكنون معًا');
    await first.say('٥', 'اكتب أعمار أفراد الأسرة المعالين');
    await first.say('٣٨، ١٢، ٩، ٤', 'كم إجمالي دخل الأسرة الشهري بالريال؟');
    await first.say('٣٥٠٠', 'ما مصادر هذا الدخل؟', '3. حساب المواطن');
    await first.say('1، 3', 'ما نوع السكن؟', '2. إيجار');
    await first.say('2', 'كم الإيجار الشهري بالريال؟');
    await first.say('١٨٠٠', 'ما نوع الدعم الذي تحتاجه؟', '1. سلة غذائية');
    await first.say('1', 'صف حاجتك باختصار');
    await first.say('انقطع راتب الزوج منذ ثلاثة أشهر ونحتاج سلة غذائية شهرية للأسرة حتى يجد عملًا', 'أرسل صورة واضحة أو ملف PDF لهوية صاحب الطلب');

    // Mistake 3: "done" before sending anything.
    await first.say('تم', 'نحتاج ملفًا واحدًا على الأقل لهذا المستند قبل المتابعة.');
    await first.say(`/file ${photo}`, 'وصلنا الملف (1 من 4 كحد أقصى)');
    await first.say(`/file ${pdf}`, 'وصلنا الملف (2 من 4 كحد أقصى)');
    await first.say('تم', 'أرسل صورة أو ملف PDF لسجل الأسرة');
    await first.say(`/file ${pdf}`, 'وصلنا الملف (1 من 4 كحد أقصى)');
    await first.say('تم', 'أرسل ما يثبت الدخل');
    await first.say(`/file ${photo}`, 'وصلنا الملف (1 من 6 كحد أقصى)');
    await first.say('تم', 'أرسل عقد الإيجار');
    await first.say(`/file ${pdf}`, 'وصلنا الملف (1 من 6 كحد أقصى)');
    const review = await first.say('تم', 'راجع بياناتك قبل الإرسال', '1. تأكيد البيانات');
    for (const line of [
      '• لمن الطلب: لنفسي',
      '• الاسم الكامل: محمد عبدالله القحطاني',
      '• رقم الهوية أو الإقامة: 1000000008',
      '• المدينة: الرياض',
      '• الحالة الاجتماعية: متزوج / متزوجة',
      '• عدد أفراد الأسرة: 5',
      '• مصادر الدخل: راتب، حساب المواطن',
      '• السكن: إيجار',
      '• نوع الدعم: سلة غذائية',
      '• صورة الهوية: ملفان',
      '• عقد الإيجار: ملف واحد',
    ]) {
      expect(review).toContain(line);
    }
    expect(review).toMatch(/• رقم الجوال: 0501234567/);
    await first.say('1', 'الإقرار:', 'هل توقّع على هذا الإقرار؟', '1. أقرّ وأوقّع');
    const before = Date.now();
    const submitted = await first.say('1', 'تم استلام طلبك بنجاح', REFERENCE, 'يمكنك توقّع الرد ابتداءً من:', 'القائمة الرئيسية');
    const after = Date.now();
    const reference = REFERENCE.exec(submitted)?.[0] ?? '';
    const expectedLine = /يمكنك توقّع الرد ابتداءً من: ([^\n]+)/.exec(submitted)?.[1] ?? '';
    // At least two weeks ahead, in both calendars; the Hijri part ends in هـ.
    expect(expectedDates(before, after, 'ar').some((g) => expectedLine.startsWith(g))).toBe(true);
    expect(expectedLine).toMatch(/\([^)]*[٠-٩]{4} هـ\)$/);
    const stopped = await first.stop('SIGTERM');
    expect(stopped.code).toBe(0);

    // --- 2. The same person, in English, follows the request from a new process. ---
    const english = await start(dbNames.first, 'local');
    await english.say('English', 'English selected.', 'Main menu', '2. Follow my request');
    const status = await english.say('2', 'Your requests:', `${reference}: `, 'Answer expected from:', 'Main menu');
    expect(status).toContain(`${reference}: received, awaiting study`);
    expect(status).toMatch(/Answer expected from: [^\n]+ AH\)/);
    expect(expectedDates(before, after, 'en').some((g) => status.includes(`Answer expected from: ${g}`))).toBe(true);
    // The status block is all English (the menu after it rightly offers العربية).
    expect(status.slice(0, status.indexOf('Main menu'))).not.toMatch(/[\u0600-\u06FF]/u);
    const terminated = await english.stop('SIGTERM', 10_000);
    expect(terminated).toMatchObject({ code: 0, signal: null });
    expect(terminated.ms).toBeLessThan(10_000);

    // --- 3. A second conversation, cut off by SIGKILL after a few answers. ---
    const doomed = await start(dbNames.crash, 'other');
    await doomed.say('مرحبا', 'السلام عليكم ورحمة الله وبركاته', '1. تقديم طلب دعم');
    await doomed.say('1', 'هل توافق على جمع بياناتك');
    await doomed.say('1', 'هل تقدّم الطلب لنفسك');
    await doomed.say('2', 'ما صلة القرابة بينك وبين صاحب الطلب؟', '3. ابني أو ابنتي');
    await doomed.say('3', 'ما الاسم الكامل لصاحب الطلب');
    await doomed.say('فاطمة علي الزهراني', 'ما رقم الهوية الوطنية');
    await doomed.say('١٠٠٠٠٠٠٠٠٨', 'ما رقم الجوال للتواصل؟');
    // Killed while idle, as when a server dies between two messages. (Killed while still
    // sending, the chat's send lock would block its replies for its 30 s time limit.)
    await untilNoChatLocks();
    const killed = await doomed.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');

    // A new process on the same database: the next answer lands on the next question.
    const resumed = await start(dbNames.crash, 'other');
    const afterRestart = await resumed.say('٠٥٥٩٨٧٦٥٤٣', 'في أي مدينة تسكن الأسرة؟');
    expect(afterRestart).not.toContain('ما رقم الجوال');
    expect(afterRestart).not.toContain('السلام عليكم');
    // "Back" shows each earlier answer as the current one, including those given before the kill.
    const backToMobile = await resumed.say('رجوع', 'ما رقم الجوال للتواصل؟', 'إجابتك الحالية:');
    expect(backToMobile).toMatch(/إجابتك الحالية: (\+966559876543|0559876543|٠٥٥٩٨٧٦٥٤٣)/);
    const backToId = await resumed.say('رجوع', 'ما رقم الهوية الوطنية', 'إجابتك الحالية:');
    expect(backToId).toMatch(/إجابتك الحالية: (1000000008|١٠٠٠٠٠٠٠٠٨)/);
    await resumed.say('رجوع', 'ما الاسم الكامل لصاحب الطلب', 'إجابتك الحالية: فاطمة علي الزهراني');
    await resumed.say('رجوع', 'ما صلة القرابة', 'إجابتك الحالية: ابني أو ابنتي');
    // Answering again goes straight back to the first question not answered yet: nothing was lost.
    const onwards = await resumed.say('3', 'في أي مدينة تسكن الأسرة؟');
    expect(onwards).not.toContain('ما الاسم الكامل');
    const ended = await resumed.stop('SIGTERM', 10_000);
    expect(ended).toMatchObject({ code: 0, signal: null });

    // The terminal reads like a chat: the log lines went to the files, which say where once.
    for (const service of [first, english, resumed]) {
      expect(service.output).toContain('Logs: ');
      expect(service.output).not.toMatch(/"level":\d+/);
    }
    const logs = (await Promise.all(logDirs.map((folder) => readFile(join(folder, 'current.log'), 'utf8')))).join('');
    expect(logs).toMatch(/"msg":"service started"/);
    expect(logs).not.toMatch(/"level":(50|60)/);
  }, 120_000);
});
