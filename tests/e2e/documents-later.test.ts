/**
 * Documents sent later, against a fake Bot API and the real MongoDB and Redis, on a controlled
 * clock: a person who has no lease at hand answers «سأرسله لاحقًا», submits with it listed as
 * missing, is reminded once after DOCUMENTS_REMINDER_DAYS (the due time kept in MongoDB, through
 * a wiped Redis and a restart), sends it with «استكمال», and the researcher holding the case
 * receives it; the committee's clock does not move.
 */
import sharp from 'sharp';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL } from '../helpers/db.js';
import {
  arabicRequestUpToDocuments,
  answerTo,
  callsTo,
  groupAlertFor,
  groupButtonData,
  messageIdOf,
  Staffer,
  startClockedTelegramRig,
  textOf,
  TgUser,
} from '../helpers/telegram-people.js';
import { waitFor } from '../helpers/test-app.js';

const GROUP = -100_971;
const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 8601, roles: ['researcher' as const] };
const DAY = 86_400_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const jpeg = (seed: number) =>
  sharp({ create: { width: 320, height: 200, channels: 3, background: { r: 60 + seed, g: 120, b: 90 } } })
    .jpeg()
    .toBuffer();

describe('documents sent later', () => {
  it('submits with the lease promised, reminds once through a wiped Redis and a restart, and passes it to the researcher when sent', async () => {
    const rig = await startClockedTelegramRig(cleanups, GROUP, { DOCUMENTS_REMINDER_DAYS: '3' });
    const { fake, env } = rig;
    let { app } = rig;
    await app.repositories.staff.add(RESEARCHER);

    // The request: the ID sent, the lease promised for later (a slip first: a word that is neither).
    const person = new TgUser(fake, 5601101);
    await arabicRequestUpToDocuments(person);
    // The ID cannot be promised: "later" there is not an answer.
    expect(await person.say('لاحقًا', 'ننتظر هنا صورة')).not.toContain('راجع بياناتك');
    await person.photo('AgACAgID-later-1', await jpeg(1), 'وصلنا الملف');
    await person.say('تم', 'عقد الإيجار');
    expect(await person.say('غدًا', 'لاحقًا')).toContain('«استكمال»');
    const review = await person.press('later', 'راجع بياناتك');
    expect(review).toContain('عقد الإيجار: سيُرسل لاحقًا');
    await person.press('confirm', 'الإقرار');
    const submitted = await person.press('yes', 'المستندات التي ستُرسلها لاحقًا');
    expect(submitted).toContain('• عقد الإيجار');
    const reference = /SR-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(submitted)![0];
    const record = (await app.repositories.cases.findByReference(reference))!;
    expect(record.documentsLater).toEqual(['doc_lease']);
    expect(record.expectedBy.getTime() - record.submittedAt.getTime()).toBe(14 * DAY);

    // A researcher claims it; the case view lists what is promised.
    const alert = await groupAlertFor(fake, GROUP, reference);
    await answerTo(
      fake,
      new Staffer(fake, GROUP, RESEARCHER.telegramUserId).pressInGroup(messageIdOf(alert), groupButtonData(fake, GROUP, messageIdOf(alert), 'استلام')),
    );
    await waitFor(async () => (await app.repositories.cases.get(record.id))?.assignee?.name === RESEARCHER.name, 'the claim');
    const researcher = new TgUser(fake, RESEARCHER.telegramUserId);
    expect(await researcher.say(`/case ${reference}`, 'وعد مقدم الطلب بإرسالها لاحقًا')).toContain('عقد الإيجار');

    const reminders = () => person.texts().filter((t) => t.includes(`تذكير بطلبك ${reference}`));
    rig.advance(1 * DAY);
    await app.sweepNow();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reminders()).toHaveLength(0);

    // Day 3 passes while the service is down and Redis is wiped: the due time is in MongoDB.
    rig.advance(2 * DAY + 60_000);
    await app.stop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${env.config.QUEUE_PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    app = await rig.restart();
    // And the sweep dies between queueing the reminder and marking it sent: the next sweep queues it again, under the same id.
    const cases = app.repositories.cases;
    const markSent = cases.documentsReminded.bind(cases);
    let crashes = 1;
    cases.documentsReminded = async (id: string) => {
      if (crashes-- > 0) throw new Error('the worker died here');
      return markSent(id);
    };
    await app.sweepNow().catch(() => undefined);
    await app.sweepNow();
    expect(crashes).toBe(-1);
    await waitFor(() => reminders().length === 1 || undefined, 'the reminder');
    expect(reminders()[0]).toContain('عقد الإيجار');
    await app.sweepNow();
    await app.sweepNow();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(reminders()).toHaveLength(1);

    // First only words (the lease is not at hand yet): kept with the case, the lease still owed, «استكمال» still open.
    await person.say('استكمال', 'أرسل المستندات المطلوبة');
    await person.say('تم', 'تخطي');
    await person.say('سأرسل العقد غدًا إن شاء الله', 'أُضيف إلى طلبك');
    expect((await app.repositories.cases.get(record.id))?.documentsLater).toEqual(['doc_lease']);

    // He sends it with «استكمال»; the researcher holding the case receives it, the state and the promised date unchanged.
    await person.say('استكمال', 'أرسل المستندات المطلوبة');
    await person.photo('AgACAgID-later-2', await jpeg(2), 'وصلنا الملف');
    await person.say('تم', 'تخطي');
    await person.say('تخطي', 'أُضيف إلى طلبك');
    await waitFor(() => researcher.texts().some((t) => t.includes(`أرسل صاحب الطلب ${reference}`)), 'the researcher told');
    await waitFor(() => callsTo(fake, 'sendPhoto', RESEARCHER.telegramUserId).length >= 2 || undefined, 'the lease passed to the researcher');
    const after = (await app.repositories.cases.get(record.id))!;
    expect(after.documentsLater).toEqual([]);
    expect(after.status).toBe('in_review');
    expect(after.expectedBy).toEqual(record.expectedBy);
    expect(after.documentIds).toHaveLength(2);
    expect(after.additions.map((a) => a.documentIds.length)).toEqual([0, 1]);
    // Nothing owed any more: no second reminder, ever.
    rig.advance(5 * DAY);
    await app.sweepNow();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reminders()).toHaveLength(1);
    expect(textOf(callsTo(fake, 'sendMessage', person.userId).at(-1)!)).not.toContain('تذكير');
  }, 120_000);
});
