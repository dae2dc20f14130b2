/**
 * The committee's clock with a controlled time source, against the real MongoDB, Redis and
 * a fake Bot API: a case submitted today is reminded to its researcher on day 10 and
 * alerted to administrators once the promised date (day 14) passes without a decision; a
 * decided case is never reminded; and a wiped Redis with a restarted worker loses nothing
 * and repeats nothing, since the clock lives in MongoDB.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { REDIS_URL } from '../helpers/db.js';
import { answerUpToReview, submit } from '../helpers/console-request.js';
import {
  answerTo,
  callsTo,
  groupAlertFor,
  groupButtonData,
  messageIdOf,
  Staffer,
  startClockedTelegramRig,
  textOf,
  type ClockedTelegramRig,
} from '../helpers/telegram-people.js';
import { TestChat, waitFor } from '../helpers/test-app.js';

const GROUP = -100999;
const RESEARCHER = { name: 'سارة الباحثة', telegramUserId: 7401, roles: ['researcher' as const] };
const ADMIN = { name: 'مدير النظام', telegramUserId: 7402, roles: ['admin' as const] };
const DAY = 86_400_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** The service on a clock the test moves, sweeping only when the test says, with a researcher and an administrator. */
async function rig(): Promise<ClockedTelegramRig> {
  const started = await startClockedTelegramRig(cleanups, GROUP, { COMMITTEE_REMINDER_DAY: '10' });
  await started.app.repositories.staff.add(RESEARCHER);
  await started.app.repositories.staff.add(ADMIN);
  return started;
}

const reminders = (fake: FakeTelegram, reference: string, chatId: number) =>
  callsTo(fake, 'sendMessage', chatId).filter((c) => textOf(c).includes(reference) && textOf(c).includes('⏰ تذكير'));
const overdue = (fake: FakeTelegram, reference: string) =>
  callsTo(fake, 'sendMessage', ADMIN.telegramUserId).filter((c) => textOf(c).includes(reference) && textOf(c).includes('تجاوز الطلب'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the committee’s clock', () => {
  it('reminds the researcher holding the case on day 10, alerts administrators after day 14, once each, through a wiped Redis and a restart', async () => {
    const { fake, env, app, advance, restart } = await rig();
    const chat = new TestChat(() => current, env.channel, 'clock-1');
    let current = app;
    await answerUpToReview(chat, env.channel, '1000000008');
    const reference = await submit(chat);
    const record = (await app.repositories.cases.findByReference(reference))!;
    expect(record.remindAt!.getTime() - record.submittedAt.getTime()).toBe(10 * DAY);

    // A researcher claims it, so the reminder goes to them privately.
    const alert = await groupAlertFor(fake, GROUP, reference);
    await answerTo(
      fake,
      new Staffer(fake, GROUP, RESEARCHER.telegramUserId).pressInGroup(messageIdOf(alert), groupButtonData(fake, GROUP, messageIdOf(alert), 'استلام')),
    );
    await waitFor(async () => (await app.repositories.cases.get(record.id))?.status === 'in_review', 'the claim');

    // Day 9: nothing yet.
    advance(9 * DAY);
    await app.sweepNow();
    await sleep(800);
    expect(reminders(fake, reference, RESEARCHER.telegramUserId)).toHaveLength(0);

    // Day 10: the reminder comes due in MongoDB (as the sweep marks it), and Redis is wiped
    // before any worker could send it; the service restarts.
    advance(1 * DAY + 60_000);
    const due = await current.repositories.cases.clockDue(new Date(Date.now() + 10 * DAY + 60_000));
    expect(due).toEqual([{ id: record.id, alarm: 'reminder' }]);
    await current.repositories.cases.markClock(record.id, 'reminder', null, 'due');
    await current.stop();
    expect(reminders(fake, reference, RESEARCHER.telegramUserId)).toHaveLength(0);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${env.config.QUEUE_PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    current = await restart();
    await current.sweepNow();
    const told = await waitFor(() => reminders(fake, reference, RESEARCHER.telegramUserId)[0], 'the reminder to the researcher');
    expect(textOf(told)).toContain('قيد الدراسة');

    // Later sweeps repeat nothing; day 14 passes: administrators alerted, once.
    await current.sweepNow();
    advance(4 * DAY);
    await current.sweepNow();
    await waitFor(() => overdue(fake, reference)[0], 'the overdue alert to the administrator');
    await current.sweepNow();
    await sleep(1_000);
    expect(reminders(fake, reference, RESEARCHER.telegramUserId)).toHaveLength(1);
    expect(overdue(fake, reference)).toHaveLength(1);
    expect(reminders(fake, reference, GROUP)).toHaveLength(0);
  }, 120_000);

  it('never reminds a decided case, and reminds an unclaimed one in the group', async () => {
    const { fake, env, app, advance } = await rig();
    const decidedChat = new TestChat(() => app, env.channel, 'clock-decided');
    await answerUpToReview(decidedChat, env.channel, '1000000008');
    const decided = await submit(decidedChat);
    const waitingChat = new TestChat(() => app, env.channel, 'clock-waiting');
    await answerUpToReview(waitingChat, env.channel, '2100000005');
    const waiting = await submit(waitingChat);

    // The first is claimed and rejected by the committee before day 10.
    const record = (await app.repositories.cases.findByReference(decided))!;
    const committee = { kind: 'staff' as const, id: 'stf_committee', name: 'خالد' };
    await app.repositories.cases.move(record.id, 'in_review', committee, new Date());
    await app.repositories.cases.move(record.id, 'rejected', committee, new Date(), 'outside the association’s area');

    advance(15 * DAY);
    await app.sweepNow();
    await waitFor(() => reminders(fake, waiting, GROUP)[0], 'the reminder for the unclaimed case in the group');
    await waitFor(() => overdue(fake, waiting)[0], 'the overdue alert for the unclaimed case');
    await sleep(1_000);
    expect(callsTo(fake, 'sendMessage', GROUP).filter((c) => textOf(c).includes(decided) && textOf(c).includes('⏰'))).toHaveLength(0);
    expect(overdue(fake, decided)).toHaveLength(0);
  }, 120_000);
});
