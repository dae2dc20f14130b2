/**
 * Following requests through the real service: a chat's own requests, and a request looked
 * up from another phone by its reference and the last four digits of the ID — with the
 * limit per reference that holds across chats, so the digits cannot be guessed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { Redis } from 'ioredis';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { AttemptCounter } from '../../src/services/attempt-counter.js';
import { lookupCase } from '../../src/services/requests/lookup-case.js';
import { REDIS_URL } from '../helpers/db.js';
import { startTestApp, TestChat, testEnvironment, type TestEnvironment } from '../helpers/test-app.js';
import { newCase } from '../helpers/new-case.js';
import { answerUpToReview, submit } from '../helpers/console-request.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function start(): Promise<{ env: TestEnvironment; app: RunningApp }> {
  const env = testEnvironment();
  cleanups.push(() => env.cleanup());
  const app = await startTestApp(env);
  cleanups.push(() => app.stop());
  return { env, app };
}

async function insertCase(app: RunningApp, chatId: string, n: number, nationalId: string): Promise<string> {
  const input = newCase(n, {
    reference: `SR-TRK${n}-000${n}`,
    chatKey: chatKeyOf(app.keys, 'console', chatId),
    answers: { full_name: 'نورة سعد العتيبي', national_id: nationalId, support_type: 'food' },
  });
  await app.repositories.cases.insertSubmitted(input);
  return input.reference;
}

describe('following requests', () => {
  it('lists the chat’s own requests, newest first, and nobody else’s', async () => {
    const { env, app } = await start();
    const older = await insertCase(app, 'owner', 1, '1000000008');
    const newer = await insertCase(app, 'owner', 2, '1000000008');
    const other = await insertCase(app, 'someone-else', 3, '2100000005');
    const owner = new TestChat(() => app, env.channel, 'owner');
    await owner.say('مرحبا', 'القائمة الرئيسية');
    const list = await owner.say('/status', 'طلباتك');
    expect(list.indexOf(newer)).toBeGreaterThan(-1);
    expect(list.indexOf(newer)).toBeLessThan(list.indexOf(older));
    expect(list).not.toContain(other);
    expect(list).not.toContain('نورة');
  });

  it('shows only the status to another phone with the right reference and digits, and the same "not found" for a wrong reference or wrong digits', async () => {
    const { env, app } = await start();
    const reference = await insertCase(app, 'owner', 4, '1000000008');
    const relative = new TestChat(() => app, env.channel, 'relative-phone');
    await relative.say('مرحبا', 'القائمة الرئيسية');
    await relative.say('تتبع', 'الرقم المرجعي');
    await relative.say(reference.toLowerCase().replaceAll('-', ' '), 'آخر أربعة أرقام');
    const wrong = await relative.say('٠٠٠٠', 'لم نجد طلبًا');
    await relative.say('تتبع', 'الرقم المرجعي');
    await relative.say('SR-ZZZZ-ZZZZ', 'آخر أربعة أرقام');
    const unknown = await relative.say('0008', 'لم نجد طلبًا');
    expect(unknown.split('\n')[0]).toBe(wrong.split('\n')[0]);
    await relative.say('تتبع', 'الرقم المرجعي');
    await relative.say(reference, 'آخر أربعة أرقام');
    const found = await relative.say('٠٠٠٨', `حالة الطلب ${reference}`);
    expect(found).toContain('مستلم، بانتظار الدراسة');
    expect(found).not.toContain('نورة');
    expect(found).not.toContain('1000000008');
    const audit = await app.repositories.audit.list({ targetKind: 'case', targetId: 'case_000000000000000000000004', limit: 5 });
    expect(audit.some((entry) => entry.action === 'case.looked_up')).toBe(true);
  });

  it('limits failed look-ups per reference across chats: after five wrong tries from different phones even the right digits are refused', async () => {
    const { env, app } = await start();
    const reference = await insertCase(app, 'owner', 5, '1000000008');
    for (let i = 0; i < 5; i++) {
      const guesser = new TestChat(() => app, env.channel, `guesser-${i}`);
      await guesser.say('/track', 'الرقم المرجعي');
      await guesser.say(reference, 'آخر أربعة أرقام');
      await guesser.say(`111${i}`, 'لم نجد طلبًا');
    }
    const late = new TestChat(() => app, env.channel, 'late-guesser');
    await late.say('/track', 'الرقم المرجعي');
    await late.say(reference, 'آخر أربعة أرقام');
    expect(await late.say('0008', 'تجاوزت عدد المحاولات')).not.toContain(reference.slice(3));
    // Another request is not affected.
    const another = await insertCase(app, 'owner', 6, '1000000008');
    await late.say('/track', 'الرقم المرجعي');
    await late.say(another, 'آخر أربعة أرقام');
    await late.say('0008', `حالة الطلب ${another}`);
  });

  it('never locks the owner out: after five wrong tries from strangers, the chat that made the request still follows it', async () => {
    const { env, app } = await start();
    const reference = await insertCase(app, 'true-owner', 7, '1000000008');
    for (let i = 0; i < 5; i++) {
      const stranger = new TestChat(() => app, env.channel, `stranger-${i}`);
      await stranger.say('/track', 'الرقم المرجعي');
      await stranger.say(reference, 'آخر أربعة أرقام');
      await stranger.say(`222${i}`, 'لم نجد طلبًا');
    }
    const owner = new TestChat(() => app, env.channel, 'true-owner');
    await owner.say('/track', 'الرقم المرجعي');
    await owner.say(reference, 'آخر أربعة أرقام');
    expect(await owner.say('0008', 'حالة الطلب')).toContain(reference);
  });

  it('counts look-ups made at the same moment one by one: of eight wrong guesses at once, five are looked at and three refused', async () => {
    const { env, app } = await start();
    const reference = await insertCase(app, 'owner-8', 8, '1000000008');
    const redis = new Redis(REDIS_URL);
    cleanups.push(async () => redis.disconnect());
    const deps = { keys: app.keys, cases: app.repositories.cases, audit: app.repositories.audit, attempts: new AttemptCounter(redis, env.config.QUEUE_PREFIX) };
    const guesses = Array.from({ length: 8 }, (_, i) =>
      lookupCase(
        deps,
        { type: 'lookup_case', reference, lastFour: `333${i}` },
        { chatKey: `console_guesser${i}`, channel: 'console', lang: 'ar', now: new Date(), messageMark: `m${i}` },
      ),
    );
    const outcomes = (await Promise.all(guesses)).map((result) => (result.request === 'lookup_case' ? result.outcome : 'other'));
    expect(outcomes.filter((o) => o === 'not_found')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'limited')).toHaveLength(3);
  });
});

describe('/mydata', () => {
  it('shows a person their own request in full and the audit records it; another chat sees none of it', async () => {
    const env = testEnvironment();
    cleanups.push(() => env.cleanup());
    const app = await startTestApp(env);
    cleanups.push(() => app.stop());
    const owner = new TestChat(() => app, env.channel, 'data-owner');
    await answerUpToReview(owner, env.channel, '1000000008');
    const reference = await submit(owner);
    const copy = await owner.say('/mydata', 'ولطلب حذفها أرسل «حذف بياناتي»');
    expect(copy).toContain(reference);
    expect(copy).toContain('محمد عبدالله القحطاني');
    expect(copy).toContain('1000000008');
    const audit = await app.repositories.audit.list({ targetKind: 'conversation', targetId: chatKeyOf(app.keys, 'console', 'data-owner'), limit: 10 });
    expect(audit.some((entry) => entry.action === 'privacy.data_viewed')).toBe(true);

    const stranger = new TestChat(() => app, env.channel, 'someone-else');
    const theirs = await stranger.say('/mydata', 'ولطلب حذفها أرسل «حذف بياناتي»');
    expect(theirs).toContain('لا نحفظ عنك بيانات');
    expect(theirs).not.toContain(reference);
    expect(theirs).not.toContain('القحطاني');
  }, 60_000);
});
