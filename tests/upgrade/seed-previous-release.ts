/**
 * Makes the upgrade test's data with the PREVIOUS release's own code. scripts/upgrade-fixture.sh
 * copies this file into a checkout of that release (same path, so the imports below reach that
 * release's service and test helpers) and runs it there against the local FerretDB and Redis.
 *
 * The service is worked as people and staff would, on a fake Bot API, and left as an upgrade
 * finds it: cases in several states, a request half-way, a question waiting for its answer.
 * It is then stopped, as the upgrade steps say, and backed up with that release's
 * `admin backup`. Out: backup.gz and manifest.json (the made-up people and the test keys the
 * data is sealed with; nothing here is anyone's real data).
 *
 * Written against the helpers as they stand in both releases; when a later release changes
 * them, this file changes with it (docs/deploy.md, "Releasing").
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { runAdmin } from '../../src/cli/admin.js';
import { KeyRing } from '../../src/privacy/key-ring.js';
import { MONGODB_URI, REDIS_URL } from '../helpers/db.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import {
  answerTo,
  arabicRequestUpToDocuments,
  englishRequest,
  groupAlertFor,
  groupButtonData,
  messageIdOf,
  Staffer,
  TgUser,
} from '../helpers/telegram-people.js';
import { startTestApp, testEnvironment, waitFor } from '../helpers/test-app.js';

/** The people of the fixture; the upgrade test reads them from manifest.json. */
export const SEED = {
  group: -100_523,
  researcher: { name: 'سارة الباحثة', telegramUserId: 8_501, roles: ['researcher'] as ['researcher'] },
  committee: { name: 'Khalid Committee', telegramUserId: 8_502, roles: ['committee'] as ['committee'] },
  /** Approved by the committee, told: a finished case. */
  decided: { userId: 7_501, nationalId: '2100000005' },
  /** Claimed; the researcher asked for the lease; the person has not answered yet. */
  informationRequested: { userId: 7_502, nationalId: '1000000107' },
  /** Half-way through a request: the mobile number is the next question. */
  halfWay: { userId: 7_503, nationalId: '1000000115', fullName: 'نورة سعد الدوسري' },
  /** Submitted with the lease promised for later; not claimed yet. */
  documentsOwed: { userId: 7_504, nationalId: '1000000008' },
} as const;

function argument(name: string): string {
  const at = process.argv.indexOf(name);
  const value = at >= 0 ? process.argv[at + 1] : undefined;
  if (!value) throw new Error(`usage: tsx tests/upgrade/seed-previous-release.ts --out DIR --release TAG (missing ${name})`);
  return value;
}

const jpeg = (seed: number) =>
  sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 40 + seed, g: 110, b: 90 } } })
    .jpeg()
    .toBuffer();

async function seed(out: string, release: string): Promise<void> {
  const keys = { DATA_KEYS: `seed1:${KeyRing.generateKeyBase64()}`, DATA_KEY_CURRENT: 'seed1', LOOKUP_KEY: KeyRing.generateKeyBase64() };
  const fake = await FakeTelegram.start();
  const env = testEnvironment({
    ...keys,
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_API_ROOT: fake.apiRoot,
    TELEGRAM_STAFF_GROUP_ID: String(SEED.group),
    SWEEP_INTERVAL_SECONDS: '1',
  });
  const app = await startTestApp(env);
  const references: Record<string, string> = {};
  try {
    await app.repositories.staff.add(SEED.researcher);
    await app.repositories.staff.add(SEED.committee);
    const researcher = new Staffer(fake, SEED.group, SEED.researcher.telegramUserId);
    const researcherChat = new TgUser(fake, SEED.researcher.telegramUserId);
    const committee = new Staffer(fake, SEED.group, SEED.committee.telegramUserId);
    const member = new TgUser(fake, SEED.committee.telegramUserId);
    const claim = async (reference: string) => {
      const alert = messageIdOf(await groupAlertFor(fake, SEED.group, reference));
      await answerTo(fake, researcher.pressInGroup(alert, groupButtonData(fake, SEED.group, alert, 'استلام')));
      await waitFor(async () => (await app.repositories.cases.findByReference(reference))?.assignee?.name === SEED.researcher.name, 'the claim');
      return alert;
    };

    // Decided: claimed, approved by the committee, the person told.
    const decidedPerson = new TgUser(fake, SEED.decided.userId, 'en', 'Fatimah');
    const decided = (references.decided = await englishRequest(decidedPerson, await jpeg(1), SEED.decided.nationalId));
    const decidedAlert = await claim(decided);
    await answerTo(fake, committee.pressInGroup(decidedAlert, groupButtonData(fake, SEED.group, decidedAlert, 'قبول')));
    await member.answerQuestion('A monthly food basket for three months', 'هذا بالضبط');
    await member.pressLabel('إرسال');
    await waitFor(() => decidedPerson.texts().some((t) => t.includes('approved your request')), 'the decision told');

    // Information requested: the researcher asks for the lease (item 4) and waits.
    const askedPerson = new TgUser(fake, SEED.informationRequested.userId, 'en', 'Huda');
    const asked = (references.informationRequested = await englishRequest(askedPerson, await jpeg(2), SEED.informationRequested.nationalId));
    const askedAlert = await claim(asked);
    await answerTo(fake, researcher.pressInGroup(askedAlert, groupButtonData(fake, SEED.group, askedAlert, 'طلب معلومات')));
    await researcherChat.answerQuestion('4 the lease please', 'أُرسل طلب المعلومات');
    await waitFor(() => askedPerson.texts().some((t) => t.includes('needs the following')), 'the person asked');

    // Half-way: name and ID given; the mobile number is asked next.
    const halfWay = new TgUser(fake, SEED.halfWay.userId);
    await halfWay.say('/start', 'القائمة الرئيسية');
    await halfWay.press('request', 'هل توافق');
    await halfWay.say('نعم', 'لنفسك');
    await halfWay.press('self', 'الاسم الكامل');
    await halfWay.say(SEED.halfWay.fullName, 'رقم الهوية');
    await halfWay.say(SEED.halfWay.nationalId, 'رقم الجوال');

    // Documents owed: the ID sent, the lease promised for later.
    const owing = new TgUser(fake, SEED.documentsOwed.userId);
    await arabicRequestUpToDocuments(owing);
    await owing.photo('AgACAgID-seed-id', await jpeg(4), 'وصلنا الملف');
    await owing.say('تم', 'عقد الإيجار');
    await owing.press('later', 'راجع بياناتك');
    await owing.press('confirm', 'الإقرار');
    references.documentsOwed = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(await owing.press('yes', 'الرقم المرجعي'))![0];
  } finally {
    // Stopped before the backup, as the upgrade steps say.
    await app.stop();
    await fake.stop();
  }

  const url = new URL(MONGODB_URI);
  url.pathname = `/${env.dbName}`;
  mkdirSync(out, { recursive: true });
  const backup = join(out, 'backup.gz');
  let printed = '';
  const code = await runAdmin(['backup', '--out', backup, '--operator', `release ${release}`], {
    stdout: (text) => (printed += text),
    stderr: (text) => process.stderr.write(text),
    env: { MONGODB_URI: url.toString(), REDIS_URL, QUEUE_PREFIX: env.config.QUEUE_PREFIX, ...keys },
  });
  if (code !== 0) throw new Error(`the backup failed (exit ${code})`);
  process.stdout.write(printed);
  const manifest = { release, madeAt: new Date().toISOString(), keys, seed: SEED, references };
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await env.cleanup();
}

await seed(resolve(argument('--out')), argument('--release'));
