/**
 * The upgrade, as docs/deploy.md tells an administrator to do it: the previous release stopped
 * and backed up, this release's `admin restore` of that backup, and this release started on it.
 * The backup in tests/upgrade/previous-release/ was taken by the previous release's own code
 * (scripts/upgrade-fixture.sh), after people and staff had worked on it: a decided case, one
 * waiting for information, one waiting for a document promised later, a request half-way.
 * Everyone carries on where they were, against the real FerretDB and Redis and a fake Bot API.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { runAdmin } from '../../src/cli/admin.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { pdfText } from '../helpers/pdf.js';
import { callsTo, keyboardOf, TgUser } from '../helpers/telegram-people.js';
import { adminVariables, startTestApp, testEnvironment, waitFor, type TestEnvironment } from '../helpers/test-app.js';

const FIXTURE = join(import.meta.dirname, '../upgrade/previous-release');

interface Manifest {
  release: string;
  keys: { DATA_KEYS: string; DATA_KEY_CURRENT: string; LOOKUP_KEY: string };
  seed: {
    group: number;
    researcher: { name: string; telegramUserId: number };
    committee: { name: string; telegramUserId: number };
    decided: { userId: number };
    informationRequested: { userId: number };
    halfWay: { userId: number; nationalId: string; fullName: string };
    documentsOwed: { userId: number; nationalId: string };
  };
  references: { decided: string; informationRequested: string; documentsOwed: string };
}

const manifest = JSON.parse(readFileSync(join(FIXTURE, 'manifest.json'), 'utf8')) as Manifest;
const { seed, references } = manifest;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
});

const jpeg = (shade: number) =>
  sharp({ create: { width: 320, height: 200, channels: 3, background: { r: shade, g: 90, b: 140 } } })
    .jpeg()
    .toBuffer();

/** This release's admin command line against the environment's database (sealed with the fixture's keys). */
async function admin(env: TestEnvironment, args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runAdmin(args, { stdout: (text) => (out += text), stderr: (text) => (out += text), env: adminVariables(env) });
  return { code, out };
}

describe(`upgrading from ${manifest.release}`, () => {
  it('restores the previous release’s backup and carries on every conversation and case where it was', async () => {
    // The same Telegram as before the upgrade: updates and each chat's messages numbered on from the older ones.
    const fake = await FakeTelegram.start({ firstMessageId: 10_000, firstUpdateId: 200_000_001 });
    cleanups.push(() => fake.stop());
    const env = testEnvironment({
      ...manifest.keys,
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_STAFF_GROUP_ID: String(seed.group),
      SWEEP_INTERVAL_SECONDS: '1',
    });
    cleanups.push(() => env.cleanup());

    // The restore step of the upgrade: this release reads the older file and adds its own indexes.
    const restored = await admin(env, ['restore', '--from', join(FIXTURE, 'backup.gz'), '--operator', 'upgrade test']);
    expect(restored.out).toMatch(/Restored 37 documents/);
    expect(restored.code).toBe(0);

    const app = await startTestApp(env);
    cleanups.push(() => app.stop());
    await app.sweepNow();

    // The person half-way is asked the next question, not the first, and submits.
    const halfWay = new TgUser(fake, seed.halfWay.userId);
    expect(await halfWay.say('0551234567', 'مدينة')).not.toContain('الاسم الكامل');
    await halfWay.say('الرياض', 'الحي');
    await halfWay.say('العزيزية', 'الحالة الاجتماعية');
    await halfWay.press('widowed', 'عدد أفراد');
    await halfWay.say('1', 'دخل');
    await halfWay.say('0', 'نوع السكن');
    await halfWay.press('owned', 'نوع الدعم');
    await halfWay.press('food', 'صف حاجتك');
    await halfWay.say('أحتاج سلة غذائية شهرية', 'لهوية');
    await halfWay.photo('AgACAgID-upgrade-1', await jpeg(10), 'وصلنا الملف');
    await halfWay.say('تم', 'راجع بياناتك');
    await halfWay.press('confirm', 'الإقرار');
    const submitted = await halfWay.press('yes', 'الرقم المرجعي');
    const halfWayCase = (await app.repositories.cases.findByReference(/SR-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(submitted)![0]))!;
    expect(halfWayCase.status).toBe('submitted');

    // `/track` from another phone still matches the national IDs hashed by the older release.
    const otherPhone = new TgUser(fake, 7_599);
    await otherPhone.say('/track', 'الرقم المرجعي');
    await otherPhone.say(references.documentsOwed, 'آخر أربعة أرقام');
    expect(await otherPhone.say(seed.documentsOwed.nationalId.slice(-4), references.documentsOwed)).toContain('حالة الطلب');

    // The decided person reads their decision.
    const decided = new TgUser(fake, seed.decided.userId, 'en');
    const status = await decided.say('/status', references.decided);
    expect(status).toContain('approved');

    // The person asked for the lease answers; the researcher holding the case receives it.
    const researcherChat = new TgUser(fake, seed.researcher.telegramUserId);
    const asked = new TgUser(fake, seed.informationRequested.userId, 'en');
    await asked.photo('AgACAgID-upgrade-2', await jpeg(20), 'File received');
    await asked.say('done', 'Write the information asked for');
    await asked.say('The lease, as asked', 'was added to your request');
    await waitFor(() => researcherChat.texts().some((t) => t.includes(`أرسل صاحب الطلب ${references.informationRequested}`)), 'the researcher told');
    expect((await app.repositories.cases.findByReference(references.informationRequested))!.status).toBe('in_review');

    // The person who promised the lease sends it with «استكمال».
    const owing = new TgUser(fake, seed.documentsOwed.userId);
    await owing.say('استكمال', 'أرسل المستندات المطلوبة');
    await owing.photo('AgACAgID-upgrade-3', await jpeg(30), 'وصلنا الملف');
    await owing.say('تم', 'تخطي');
    await owing.say('تخطي', 'أُضيف إلى طلبك');
    expect((await app.repositories.cases.findByReference(references.documentsOwed))!.documentsLater).toEqual([]);

    // The researcher's queue and case view read the older cases (answers sealed by the older release).
    await researcherChat.say('/cases', 'الطلبات: اختر قائمة');
    const lists = keyboardOf(callsTo(fake, 'sendMessage', seed.researcher.telegramUserId).at(-1)!.params.reply_markup).map((b) => b.text);
    expect(lists).toEqual(expect.arrayContaining(['طلباتي (2)', 'جديدة بلا باحث (2)', 'مقررة، للتسجيل أو الخدمة (1)']));
    const view = await researcherChat.say(`/case ${references.informationRequested}`, references.informationRequested);
    expect(view).toContain('Fatimah Ali Alzahrani');

    // The committee decides it from the case view (the group alert was the older service's message):
    // a staff act on a case the older release made, told to the person.
    const member = new TgUser(fake, seed.committee.telegramUserId);
    await member.say(`/case ${references.informationRequested}`, references.informationRequested);
    await member.pressLabel('قبول');
    await member.answerQuestion('Three months of rent', 'هذا بالضبط');
    await member.pressLabel('إرسال');
    await waitFor(async () => (await app.repositories.cases.findByReference(references.informationRequested))?.status === 'approved', 'the decision');
    await waitFor(() => asked.texts().some((t) => t.includes('approved your request')), 'the person told');

    // The administrator's commands: every case listed, every value still under the one key, the older case's form printed.
    const listed = await admin(env, ['cases', 'list', '--operator', 'upgrade test']);
    expect(listed.code).toBe(0);
    for (const reference of [...Object.values(references), halfWayCase.reference]) expect(listed.out).toContain(reference);
    const keys = await admin(env, ['keys', 'status']);
    expect(keys.code).toBe(0);
    expect(keys.out).toContain('Nothing is under another key.');
    expect(keys.out).toContain('No case holds words in clear.');
    const dir = mkdtempSync(join(tmpdir(), 'upgrade-form-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const form = await admin(env, ['case', 'form', references.decided, '--out', join(dir, 'form.pdf'), '--language', 'en', '--operator', 'upgrade test']);
    expect(form.code).toBe(0);
    expect(pdfText(readFileSync(join(dir, 'form.pdf')))).toContain('Alzahrani');
  }, 240_000);
});
