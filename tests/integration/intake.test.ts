import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { casesSharingId } from '../../src/services/shared-ids.js';
import { ID_CHECKS_PER_CHAT } from '../../src/services/requests/national-id.js';
import { ScriptedFaults, startTestApp, testEnvironment, TestChat, waitFor, type TestEnvironment } from '../helpers/test-app.js';
import { answerUpToReview as answerConsoleRequest, submit } from '../helpers/console-request.js';

const VALID_ID = '1000000008';
const OTHER_ID = '2100000005';

let env: TestEnvironment | null = null;
const apps: RunningApp[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
  await env?.cleanup();
  env = null;
});

async function boot(options: Parameters<typeof startTestApp>[1] = {}): Promise<RunningApp> {
  if (!env) env = testEnvironment();
  const app = await startTestApp(env, options);
  apps.push(app);
  return app;
}

const answerUpToReview = (chat: TestChat, nationalId: string) => answerConsoleRequest(chat, env!.channel, nationalId);

describe('intake through the real queues and storage', () => {
  it('takes a whole request: case stored encrypted, lock active, reference and expected date told', async () => {
    const app = await boot();
    const chat = new TestChat(() => app, env!.channel, 'amal');
    await answerUpToReview(chat, VALID_ID);
    await chat.say('1', 'الإقرار');
    const reply = await chat.say('1', 'الرقم المرجعي');
    expect(reply).toContain('خلال مدة لا تقل عن أسبوعين');
    expect(reply).toMatch(/هـ/); // the Hijri date beside the Gregorian one

    const chatKey = chatKeyOf(app.keys, 'console', 'amal');
    const open = await app.repositories.cases.findOpenByChat(chatKey);
    expect(open?.status).toBe('submitted');
    const record = await app.repositories.cases.get(open!.id);
    expect(record?.answers).toMatchObject({ national_id: VALID_ID, mobile: '+966501234567', housing: 'rented', monthly_rent: 1500 });
    expect(record?.answers).not.toHaveProperty('income_sources');
    expect(record?.documentIds).toHaveLength(2);
    expect(record?.declaration).toMatchObject({ version: 'declaration-2026-1', channel: 'console', messageId: 'amal-m22' });
    expect(record?.declaration.answersHash).toMatch(/^[0-9a-f]{64}$/);
    expect(record!.expectedBy.getTime() - record!.submittedAt.getTime()).toBe(14 * 86_400_000);
    const lock = await app.repositories.locks.get(app.keys.lookupHash('national-id', VALID_ID));
    expect(lock).toMatchObject({ caseId: open!.id, state: 'active' });
    const audit = await app.repositories.audit.list({ targetKind: 'case', targetId: open!.id, limit: 10 });
    expect(audit.map((a) => a.action)).toContain('case.submitted');
  });

  it('keeps personal data encrypted at rest and readable through the repositories', async () => {
    const app = await boot();
    const chat = new TestChat(() => app, env!.channel, 'secret');
    await answerUpToReview(chat, VALID_ID);
    await submit(chat);
    const chatKey = chatKeyOf(app.keys, 'console', 'secret');
    const open = await app.repositories.cases.findOpenByChat(chatKey);
    const db = app.connection.db!;
    const rawCase = JSON.stringify(await db.collection('cases').findOne({ _id: open!.id as never }));
    const rawConversation = JSON.stringify(await db.collection('conversations').findOne({ _id: chatKey as never }));
    for (const raw of [rawCase, rawConversation]) {
      expect(raw).not.toContain(VALID_ID);
      expect(raw).not.toContain('القحطاني');
      expect(raw).not.toContain('501234567');
      expect(raw).not.toContain('secret'); // the chat id
    }
    expect(rawCase).toContain('enc1.k1.');
    const chunks = await db.collection('documents.chunks').find().toArray();
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect((chunk.data as { buffer: Buffer }).buffer.subarray(0, 3).toString('hex')).not.toBe('ffd8ff'); // no JPEG in clear
    const record = await app.repositories.cases.get(open!.id);
    expect(record?.answers.full_name).toBe('محمد عبدالله القحطاني');
    const document = await app.repositories.documents.get(record!.documentIds[0]!);
    expect(document.subarray(0, 3).toString('hex')).toBe('ffd8ff');
  });

  it('resumes a conversation where it stopped after the service restarts', async () => {
    let app = await boot();
    const chat = new TestChat(() => app, env!.channel, 'restart');
    await chat.say('مرحبا', 'القائمة الرئيسية');
    await chat.say('1', 'هل توافق');
    await chat.say('نعم', 'لنفسك');
    await chat.say('2', 'صلة القرابة');
    await chat.say('3', 'الاسم الكامل');
    await app.stop();
    apps.splice(apps.indexOf(app), 1);

    app = await boot();
    await chat.say('سارة محمد العتيبي', 'رقم الهوية');
    const back = await chat.say('رجوع', 'الاسم الكامل');
    expect(back).toContain('سارة محمد العتيبي');
    const conversation = await app.repositories.conversations.load(chatKeyOf(app.keys, 'console', 'restart'));
    expect(conversation?.session.drafts.support_request?.answers).toMatchObject({ for_whom: 'family_member', relationship: 'child' });
  });

  it('handles a message delivered twice only once', async () => {
    const app = await boot();
    const chat = new TestChat(() => app, env!.channel, 'twice');
    await chat.say('مرحبا', 'القائمة الرئيسية');
    const message = chat.message({ text: '1' });
    await chat.send(message, 'هل توافق');
    const before = env!.channel.transcript('twice').length;
    expect(await app.ingest(message)).toBe(true); // handled messages leave the inbox; the conversation's mark recognises it
    await app.ingest(message);
    await chat.say('نعم', 'لنفسك');
    const after = env!.channel.transcript('twice');
    expect(after.length).toBe(before + 1); // only the reply to "نعم"
    expect(after.filter((t) => t.includes('هل توافق'))).toHaveLength(1);
  });

  it('finds nothing to do for a job whose message an earlier drain handled', async () => {
    const bot = await boot({ roles: ['bot'] });
    const chat = new TestChat(() => bot, env!.channel, 'batched');
    const messages = [chat.message({ text: 'مرحبا' }), chat.message({ text: '1' })];
    for (const message of messages) await bot.ingest(message);
    const chatKey = chatKeyOf(bot.keys, 'console', 'batched');
    // The first message's job handles both; the second's then finds nothing waiting.
    expect(await bot.processor.drain(chatKey)).toBe(2);
    const replies = env!.channel.transcript('batched').length;
    expect(await bot.processor.drain(chatKey)).toBe(0);
    expect(env!.channel.transcript('batched').length).toBe(replies);
    expect(await bot.repositories.inbox.pending(chatKey)).toEqual([]);
  });

  it('handles two messages of one chat that arrive together in their order', async () => {
    const bot = await boot({ roles: ['bot'] });
    const chat = new TestChat(() => bot, env!.channel, 'together');
    const greet = chat.message({ text: 'مرحبا' });
    const choose = chat.message({ text: '1' });
    const consent = chat.message({ text: 'نعم' });
    // Delivered out of order, all before any worker runs.
    await Promise.all([bot.ingest(consent), bot.ingest(choose), bot.ingest(greet)]);
    await boot({ roles: ['worker'] });
    await boot({ roles: ['worker'] }); // two consumers competing for the same chat
    const transcript = await waitFor(() => {
      const t = env!.channel.transcript('together');
      return t.some((m) => m.includes('لنفسك')) ? t : null;
    }, 'three replies in order');
    const at = (text: string) => transcript.findIndex((m) => m.includes(text));
    expect(at('السلام عليكم')).toBeLessThan(at('هل توافق'));
    expect(at('هل توافق')).toBeLessThan(at('لنفسك'));
    expect(transcript.filter((m) => m.includes('هل توافق'))).toHaveLength(1);
  });

  it('answers a chat using an ID that already has an open request exactly as a free ID, takes its request, and shows staff both', async () => {
    const app = await boot();
    const owner = new TestChat(() => app, env!.channel, 'owner');
    await answerUpToReview(owner, VALID_ID);
    const first = await submit(owner);

    // The same answers from two new chats: one with the owner's ID, one with an ID nobody used.
    const stranger = new TestChat(() => app, env!.channel, 'stranger');
    const free = new TestChat(() => app, env!.channel, 'free');
    await answerUpToReview(stranger, VALID_ID);
    await answerUpToReview(free, OTHER_ID);
    const second = await submit(stranger);
    await submit(free);
    const alike = (chatId: string) =>
      env!.channel.transcript(chatId).map((m) =>
        m
          .replaceAll(VALID_ID, '<ID>')
          .replaceAll(OTHER_ID, '<ID>')
          .replace(/SR-[0-9A-Z]{4}-[0-9A-Z]{4}/g, '<REF>'),
      );
    // The last replies of a turn (the menu after the reference) may still be on their way: wait for both chats to settle.
    await waitFor(() => alike('stranger').length === alike('free').length || null, 'both chats to receive their last replies').catch(() => undefined);
    expect(alike('stranger')).toEqual(alike('free'));
    expect(alike('stranger').length).toBeGreaterThan(20);
    expect(env!.channel.transcript('stranger').join('\n')).not.toContain(first);

    // Both requests stand; staff find each from the other, by reference.
    const byReference = async (reference: string) => (await app.repositories.cases.findByReference(reference))!;
    const [a, b] = await Promise.all([byReference(first), byReference(second)]);
    expect(await casesSharingId(app.repositories.cases, b)).toEqual([{ id: a.id, reference: first }]);
    expect(await casesSharingId(app.repositories.cases, a)).toEqual([{ id: b.id, reference: second }]);
    const submitted = await app.repositories.audit.list({ targetKind: 'case', targetId: b.id, limit: 10 });
    expect(submitted.find((e) => e.action === 'case.submitted')?.details).toMatchObject({ sharesId: true });
    const checks = await app.repositories.audit.list({ targetKind: 'chat', targetId: chatKeyOf(app.keys, 'console', 'stranger'), limit: 10 });
    expect(checks.map((e) => [e.action, e.details])).toEqual([['national_id.checked', { channel: 'console', ownRequest: false, heldElsewhere: true }]]);
    expect(JSON.stringify(checks)).not.toContain(VALID_ID);

    // The same chat asking again still sees its own open request.
    const again = await owner.say('1', 'لديك طلب مفتوح');
    expect(again).toContain(first);
  });

  it('takes both of two chats racing with the same ID', async () => {
    const app = await boot();
    const a = new TestChat(() => app, env!.channel, 'race-a');
    const b = new TestChat(() => app, env!.channel, 'race-b');
    await answerUpToReview(a, OTHER_ID);
    await answerUpToReview(b, OTHER_ID);
    await a.say('1', 'الإقرار');
    await b.say('1', 'الإقرار');
    const replies = await Promise.all([a.say('1', 'الرقم المرجعي'), b.say('1', 'الرقم المرجعي')]);
    expect(replies.every((r) => r.includes('تم استلام طلبك'))).toBe(true);
    const cases = await app.repositories.cases.openWithId(app.keys.lookupHash('national-id', OTHER_ID));
    expect(cases).toHaveLength(2);
    expect(await app.repositories.locks.get(app.keys.lookupHash('national-id', OTHER_ID))).toMatchObject({ state: 'active' });
  });

  it('limits and audits the national IDs one chat checks, losing nothing already answered', async () => {
    const app = await boot();
    const chat = new TestChat(() => app, env!.channel, 'many-ids');
    await chat.say('السلام عليكم', 'القائمة الرئيسية');
    await chat.say('1', 'هل توافق');
    await chat.say('نعم', 'لنفسك');
    await chat.say('1', 'الاسم الكامل');
    await chat.say('محمد عبدالله القحطاني', 'رقم الهوية');
    for (let i = 0; i < ID_CHECKS_PER_CHAT; i++) {
      await chat.say(i % 2 ? VALID_ID : OTHER_ID, 'رقم الجوال');
      await chat.say('رجوع', 'رقم الهوية');
    }
    const refused = await chat.say(OTHER_ID, 'أرقام الهوية');
    expect(refused).toContain('قبل الغد');
    const chatKey = chatKeyOf(app.keys, 'console', 'many-ids');
    const audit = await app.repositories.audit.list({ targetKind: 'chat', targetId: chatKey, limit: 20 });
    expect(audit.filter((e) => e.action === 'national_id.checked')).toHaveLength(ID_CHECKS_PER_CHAT);
    expect(audit.filter((e) => e.action === 'national_id.check_refused')).toHaveLength(1);
    // Nothing given is lost: the name, and the last ID taken.
    const conversation = await app.repositories.conversations.load(chatKey);
    expect(conversation?.session.drafts.support_request?.answers).toMatchObject({ full_name: 'محمد عبدالله القحطاني', national_id: VALID_ID });
  });

  it.each(['after-lock', 'after-case', 'after-activate', 'before-commit'])('survives a crash %s: one case, one confirmation', async (point) => {
    const faults = new ScriptedFaults();
    const app = await boot({ faults });
    const chat = new TestChat(() => app, env!.channel, `crash-${point}`);
    await answerUpToReview(chat, VALID_ID);
    await chat.say('1', 'الإقرار');
    faults.failAt(point);
    await chat.say('1', 'الرقم المرجعي');
    expect(faults.hits).toEqual([point]);
    const chatKey = chatKeyOf(app.keys, 'console', `crash-${point}`);
    expect(await app.connection.db!.collection('cases').countDocuments()).toBe(1);
    const open = await app.repositories.cases.findOpenByChat(chatKey);
    expect(await app.repositories.locks.get(app.keys.lookupHash('national-id', VALID_ID))).toMatchObject({ caseId: open!.id, state: 'active' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(env!.channel.transcript(`crash-${point}`).filter((t) => t.includes('الرقم المرجعي'))).toHaveLength(1);
  });

  it('finishes or rolls back a submission a crash left half done and nobody retried', async () => {
    const app = await boot({ staleLockMs: 0 });
    const { locks, cases } = app.repositories;
    const now = new Date();
    // A lock whose case was written: finished. A lock without its case: rolled back.
    await locks.acquire('hash-with-case', 'case_x', now);
    await cases.insertSubmitted({
      id: 'case_x',
      reference: 'SR-TEST-0001',
      channel: 'console',
      chatKey: 'console_000000000000000000000000',
      lang: 'ar',
      nationalIdHash: 'hash-with-case',
      supportType: 'food',
      city: 'الرياض',
      answers: {},
      documentIds: [],
      declaration: { version: 'v', acceptedAt: now, channel: 'console', messageId: 'm', answersHash: 'h' },
      flow: { id: 'support_request', version: 1 },
      submittedAt: now,
      expectedBy: now,
      by: { kind: 'system', id: 'test' },
    });
    await locks.acquire('hash-without-case', 'case_y', now);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await app.sweepNow();
    expect(await locks.get('hash-with-case')).toMatchObject({ state: 'active' });
    expect(await locks.get('hash-without-case')).toBeNull();
  });

  it('delivers every reply after Redis lost its jobs', async () => {
    const app = await boot();
    const chat = new TestChat(() => app, env!.channel, 'lost');
    await chat.say('مرحبا', 'القائمة');
    env!.channel.failSends = true;
    await app.ingest(chat.message({ text: '1' }));
    const chatKey = chatKeyOf(app.keys, 'console', 'lost');
    await waitFor(async () => (await app.repositories.conversations.load(chatKey))?.outbox.length, 'the reply to wait in the outbox');
    // Redis loses every job and key of this service.
    await app.queues.outbound.obliterate({ force: true });
    await app.queues.inbound.obliterate({ force: true });
    env!.channel.failSends = false;
    await app.sweepNow();
    await waitFor(() => env!.channel.transcript('lost').some((t) => t.includes('هل توافق')), 'the reply after the sweep');
    await waitFor(async () => (await app.repositories.conversations.load(chatKey))?.outbox.length === 0, 'the outbox to empty');
  });

  it('sets aside a message that keeps failing, tells the person, and goes on', async () => {
    const faults = new ScriptedFaults();
    const app = await boot({ faults });
    const chat = new TestChat(() => app, env!.channel, 'poison');
    await chat.say('مرحبا', 'القائمة');
    faults.failAt('before-commit', 3);
    const told = await chat.say('1', 'القائمة الرئيسية');
    expect(told).toContain('تعذّرت معالجة رسالتك');
    expect(told).not.toContain('هل توافق');
    expect(await app.connection.db!.collection('inbox').countDocuments({ status: 'set_aside' })).toBe(1);
    await chat.say('1', 'هل توافق');
  });

  it('withdraws an open request, after which a new one can be made', async () => {
    const app = await boot();
    const chat = new TestChat(() => app, env!.channel, 'withdraw');
    await answerUpToReview(chat, VALID_ID);
    const reference = await submit(chat);
    await chat.say('/withdraw', reference);
    await chat.say('نعم', 'تم سحب طلبك');
    const chatKey = chatKeyOf(app.keys, 'console', 'withdraw');
    expect(await app.repositories.cases.findOpenByChat(chatKey)).toBeNull();
    expect(await app.repositories.locks.get(app.keys.lookupHash('national-id', VALID_ID))).toBeNull();
    const moved = await app.connection.db!.collection('cases').findOne({});
    expect(moved?.status).toBe('withdrawn');
    expect((moved?.history as { to: string; by: { kind: string } }[]).at(-1)).toMatchObject({ to: 'withdrawn', by: { kind: 'beneficiary' } });
    await chat.say('1', 'لنفسك'); // consent is remembered; a new request starts
  });

  it('expires a draft left idle, deleting its answers, and tells the person when they return', async () => {
    let now = Date.now();
    const app = await boot({ clock: () => new Date(now) });
    const chat = new TestChat(() => app, env!.channel, 'idle');
    await chat.say('مرحبا', 'القائمة');
    await chat.say('1', 'هل توافق');
    await chat.say('نعم', 'لنفسك');
    await chat.say('1', 'الاسم الكامل');
    await chat.say('نورة سعد الحربي', 'رقم الهوية');
    const chatKey = chatKeyOf(app.keys, 'console', 'idle');
    now += 71 * 3_600_000;
    await app.sweepNow();
    expect((await app.repositories.conversations.load(chatKey))?.session.drafts.support_request?.answers.full_name).toBe('نورة سعد الحربي');
    now += 2 * 3_600_000;
    await app.sweepNow();
    const session = (await app.repositories.conversations.load(chatKey))?.session;
    expect(session?.drafts.support_request).toBeUndefined();
    expect(JSON.stringify(session)).not.toContain('نورة');
    const reply = await chat.say('1000000008', 'القائمة الرئيسية');
    expect(reply).toContain('انتهت مهلة طلبك');
  });

  it('does not block a chat whose saved conversation can no longer be stepped', async () => {
    const app = await boot();
    const chat = new TestChat(() => app, env!.channel, 'broken');
    await chat.say('مرحبا', 'القائمة');
    const chatKey = chatKeyOf(app.keys, 'console', 'broken');
    const conversation = await app.repositories.conversations.load(chatKey);
    // A position in a flow that no longer exists makes every step throw.
    const broken = { ...conversation!.session, position: { flow: 'retired_flow', version: 1, step: 'gone' } };
    await app.connection.db!.collection('conversations').updateOne({ _id: chatKey as never }, { $set: { session: app.keys.encryptJson(broken) } });
    const told = await chat.say('1', 'القائمة الرئيسية');
    expect(told).toContain('تعذّرت معالجة رسالتك');
    await chat.say('1', 'هل توافق');
  });

  it("carries out a step's side effects even when the process dies right after the step is written", async () => {
    const faults = new ScriptedFaults();
    const app = await boot({ faults });
    const chat = new TestChat(() => app, env!.channel, 'effects');
    await chat.say('مرحبا', 'القائمة');
    await chat.say('1', 'هل توافق');
    faults.failAt('after-commit');
    await chat.say('نعم', 'لنفسك');
    expect(faults.hits).toEqual(['after-commit']);
    const chatKey = chatKeyOf(app.keys, 'console', 'effects');
    const audit = await waitFor(async () => {
      const entries = await app.repositories.audit.list({ targetKind: 'conversation', targetId: chatKey, limit: 10 });
      return entries.length > 0 ? entries : null;
    }, 'the consent audit entry');
    expect(audit.map((a) => a.action)).toEqual(['privacy.consent_given']);
    expect((await app.repositories.conversations.load(chatKey))?.effects).toEqual([]);
  });

  it.each([
    ['after-lock', null],
    ['after-case', 'active'],
  ] as const)('a submission that crashed %s and was not retried is resolved by the sweeper', async (point, lockAfterSweep) => {
    const faults = new ScriptedFaults();
    // Two apps on one environment: one takes the conversation up to the declaration, the
    // other (no workers, no retries) is where the submission crashes and is left alone.
    const worker = await boot({ faults, staleLockMs: 0 });
    const chat = new TestChat(() => worker, env!.channel, `left-${point}`);
    await answerUpToReview(chat, VALID_ID);
    await chat.say('1', 'الإقرار');
    await worker.stop();
    apps.splice(apps.indexOf(worker), 1);
    const bot = await boot({ roles: ['bot'], faults, staleLockMs: 0 });
    faults.failAt(point);
    await bot.ingest(chat.message({ text: '1' }));
    const chatKey = chatKeyOf(bot.keys, 'console', `left-${point}`);
    await expect(bot.processor.drain(chatKey)).rejects.toThrow(`injected crash at ${point}`);
    const hash = bot.keys.lookupHash('national-id', VALID_ID);
    expect(await bot.repositories.locks.get(hash)).toMatchObject({ state: 'pending' });

    await new Promise((resolve) => setTimeout(resolve, 5));
    await bot.sweepNow();
    const lock = await bot.repositories.locks.get(hash);
    if (lockAfterSweep === null)
      expect(lock).toBeNull(); // rolled back: the ID is free again
    else expect(lock).toMatchObject({ state: lockAfterSweep }); // finished: the case stands
    expect(await bot.connection.db!.collection('cases').countDocuments()).toBe(point === 'after-lock' ? 0 : 1);

    // When the message is handled at last, the person gets exactly one case and one confirmation.
    await bot.processor.drain(chatKey);
    expect(await bot.connection.db!.collection('cases').countDocuments()).toBe(1);
    expect(await bot.repositories.locks.get(hash)).toMatchObject({ state: 'active' });
  });

  it('waits as the platform asks before sending to the chat again, losing and reordering nothing', async () => {
    const app = await boot();
    const chat = new TestChat(() => app, env!.channel, 'slow-down');
    await chat.say('مرحبا', 'القائمة');
    env!.channel.retryAfterNext = { chatId: 'slow-down', ms: 1200 };
    const started = Date.now();
    await app.ingest(chat.message({ text: '1' }));
    await app.ingest(chat.message({ text: 'نعم' }));
    const transcript = await waitFor(() => {
      const t = env!.channel.transcript('slow-down');
      return t.some((m) => m.includes('لنفسك')) ? t : null;
    }, 'both replies after the wait');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1100);
    const at = (text: string) => transcript.findIndex((m) => m.includes(text));
    expect(at('هل توافق')).toBeLessThan(at('لنفسك'));
    expect(transcript.filter((m) => m.includes('هل توافق'))).toHaveLength(1);
  });
});
