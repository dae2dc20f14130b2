/**
 * The right to erasure and the retention schedule, through the real service on Redis and
 * FerretDB: a person asks from their chat, an administrator decides, the person's data goes
 * (their open request withdrawn and anonymised, documents deleted, suggestions emptied,
 * the conversation started afresh) while statistics, decisions and the audit stay; another
 * person's data is untouched; finished cases are anonymised when their retention ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { decideErasure } from '../../src/services/erasure.js';
import { startTestApp, TestChat, testEnvironment, waitFor, type TestEnvironment } from '../helpers/test-app.js';
import { answerUpToReview, submit } from '../helpers/console-request.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function start(overrides: Record<string, string> = {}, clock?: () => Date): Promise<{ env: TestEnvironment; app: RunningApp }> {
  const env = testEnvironment(overrides);
  cleanups.push(() => env.cleanup());
  const app = await startTestApp(env, clock ? { clock } : {});
  cleanups.push(() => app.stop());
  return { env, app };
}

const ADMIN = { kind: 'staff' as const, id: 'stf_admin', name: 'Admin' };

/** Asks for erasure from the chat and returns the request's id. */
async function askForErasure(app: RunningApp, chat: TestChat): Promise<{ id: string; reference: string }> {
  await chat.say('حذف بياناتي', 'لا يمكن استرجاع البيانات');
  const reply = await chat.say('نعم', 'سجّلنا طلب حذف بياناتك');
  const reference = /DEL-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(reply)?.[0];
  expect(reference, reply).toBeDefined();
  const request = await app.repositories.erasures.findByReference(reference!);
  expect(request?.status).toBe('pending');
  return { id: request!.id, reference: reference! };
}

describe('erasure on request', () => {
  it('erases the person’s data once approved, keeps statistics and decisions, and leaves another person’s data alone', async () => {
    const { env, app } = await start();
    const person = new TestChat(() => app, env.channel, 'erase-me');
    const other = new TestChat(() => app, env.channel, 'keep-me');
    const personKey = chatKeyOf(app.keys, 'console', 'erase-me');
    const otherKey = chatKeyOf(app.keys, 'console', 'keep-me');

    await answerUpToReview(person, env.channel, '1000000008');
    const reference = await submit(person);
    await answerUpToReview(other, env.channel, '2100000005');
    const otherReference = await submit(other);
    await person.say('/feedback', 'اقتراح أم شكوى');
    await person.say('1', 'اكتب اقتراحك');
    await person.say('افتحوا مكتب الجمعية يوم السبت من فضلكم', 'إرفاق');
    await person.say('لا', 'FB-');
    const caseId = (await app.repositories.cases.findByReference(reference))!.id;
    const documentIds = (await app.repositories.cases.get(caseId))!.documentIds;
    expect(documentIds).toHaveLength(2);

    // Asking twice while it waits gives the same reference.
    const { id, reference: erasureReference } = await askForErasure(app, person);
    await person.say('/delete', 'لا يمكن استرجاع البيانات');
    expect(await person.say('نعم', 'ما زال قيد المراجعة')).toContain(erasureReference);

    const decision = await decideErasure(app.erasure, id, true, ADMIN, new Date());
    expect(decision.outcome).toBe('erased');
    expect(decision.outcome === 'erased' && decision.erased).toMatchObject({ cases: 1, records: 1, documents: 2 });
    await waitFor(() => env.channel.transcript('erase-me').some((m) => m.includes('تم حذف بياناتك') && m.includes(erasureReference)), 'the erasure notice');

    // The case: withdrawn, nothing personal left, the decision trail without the person.
    const erased = await app.repositories.cases.get(caseId);
    expect(erased).toMatchObject({ status: 'withdrawn', chatKey: 'erased', nationalIdHash: 'erased', answers: {}, documentIds: [], additions: [], notes: [] });
    expect(JSON.stringify(erased!.history)).not.toContain(personKey);
    expect(await app.repositories.cases.raw(caseId)).toMatchObject({ anonymisedFor: 'erasure', supportType: 'rent', city: 'الرياض' });
    for (const documentId of documentIds) expect(await app.repositories.documents.exists(documentId)).toBe(false);
    expect(await app.repositories.documents.idsOfChat(personKey)).toEqual([]);
    expect(await app.repositories.records.ofChat(personKey)).toEqual([]);
    expect(await app.repositories.erasures.get(id)).toMatchObject({ status: 'done', decidedBy: ADMIN, erased: { cases: 1, records: 1 } });

    // The other person's request is whole.
    const kept = await app.repositories.cases.findByReference(otherReference);
    expect(kept).toMatchObject({ chatKey: otherKey, status: 'submitted' });
    expect(kept!.answers.national_id).toBe('2100000005');
    expect(await app.repositories.documents.idsOfChat(otherKey)).toHaveLength(2);

    // The conversation starts afresh: nothing to show, and the ID is free for a new request (consent asked again).
    await person.say('بياناتي', 'لا نحفظ عنك بيانات غير هذه المحادثة');
    await answerUpToReview(person, env.channel, '1000000008');
    expect(await submit(person)).not.toBe(reference);

    // The audit keeps the trail of the right honoured, with counts only.
    const actions = (await app.repositories.audit.list({ limit: 200 })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['privacy.erasure_requested', 'privacy.erasure_approved', 'privacy.erased']));
    expect(JSON.stringify(await app.repositories.audit.list({ limit: 200 }))).not.toContain('محمد');

    // Approving again changes nothing and tells nobody twice.
    expect((await decideErasure(app.erasure, id, true, ADMIN, new Date())).outcome).toBe('already');
    expect(env.channel.transcript('erase-me').filter((m) => m.includes('تم حذف بياناتك'))).toHaveLength(1);
  });

  it('a refusal tells the person, changes nothing, and stands against a later approval', async () => {
    const { env, app } = await start();
    const person = new TestChat(() => app, env.channel, 'refused');
    await answerUpToReview(person, env.channel, '1000000008');
    const reference = await submit(person);
    const { id, reference: erasureReference } = await askForErasure(app, person);

    expect((await decideErasure(app.erasure, id, false, ADMIN, new Date())).outcome).toBe('refused');
    await waitFor(() => env.channel.transcript('refused').some((m) => m.includes('لم يُنفَّذ طلب الحذف') && m.includes(erasureReference)), 'the refusal notice');
    expect((await decideErasure(app.erasure, id, true, ADMIN, new Date())).outcome).toBe('already');
    const record = await app.repositories.cases.findByReference(reference);
    expect(record).toMatchObject({ status: 'submitted', chatKey: chatKeyOf(app.keys, 'console', 'refused') });
    expect(record!.answers.national_id).toBe('1000000008');
  });

  it('an approved case is closed (there is no withdrawing after a decision) and its rating comment goes; nothing more is told to the erased chat', async () => {
    const { env, app } = await start();
    const person = new TestChat(() => app, env.channel, 'approved-erased');
    await answerUpToReview(person, env.channel, '1000000008');
    const reference = await submit(person);
    const caseId = (await app.repositories.cases.findByReference(reference))!.id;
    const staff = { kind: 'staff' as const, id: 'stf_committee', name: 'Committee' };
    await app.repositories.cases.move(caseId, 'in_review', staff, new Date());
    await app.repositories.cases.move(caseId, 'approved', staff, new Date(), undefined, {
      decision: { outcome: 'approved', by: staff, at: new Date(), supportGranted: 'سلة غذائية لنورة' },
    });
    const chatKey = chatKeyOf(app.keys, 'console', 'approved-erased');
    await app.repositories.surveys.schedule({
      caseId,
      reference,
      occasion: 'decision',
      chatKey,
      channel: 'console',
      dueAt: new Date(Date.now() + 3_600_000),
      now: new Date(),
    });
    const [surveyId] = await app.repositories.surveys.idsOfCase(caseId);
    const { id } = await askForErasure(app, person);

    expect((await decideErasure(app.erasure, id, true, ADMIN, new Date())).outcome).toBe('erased');
    const erased = await app.repositories.cases.get(caseId);
    expect(erased).toMatchObject({ status: 'closed', chatKey: 'erased', answers: {} });
    expect(erased!.decision).toMatchObject({ outcome: 'approved', by: staff });
    expect(erased!.decision?.supportGranted).toBeUndefined();
    expect(await app.repositories.surveys.get(surveyId!)).toMatchObject({ state: 'skipped', chatKey: 'erased', comment: null });
    // Registering it is no longer a legal move, and nothing can be queued for the erased chat.
    await expect(app.repositories.cases.move(caseId, 'registered', staff, new Date())).rejects.toThrow();
    expect(await app.repositories.conversations.exists('erased')).toBe(false);
  });

  it('a refusal a crash left untold is told by the sweeper, once', async () => {
    const { env, app } = await start();
    const person = new TestChat(() => app, env.channel, 'untold');
    await person.say('مرحبا', 'القائمة الرئيسية');
    const { id } = await askForErasure(app, person);
    // The decision landed, then the process died before telling.
    await app.repositories.erasures.decide(id, 'refused', ADMIN, new Date());
    await app.sweepNow();
    await waitFor(() => env.channel.transcript('untold').some((m) => m.includes('لم يُنفَّذ طلب الحذف')), 'the refusal notice');
    await app.sweepNow();
    expect(env.channel.transcript('untold').filter((m) => m.includes('لم يُنفَّذ طلب الحذف'))).toHaveLength(1);
    expect((await app.repositories.erasures.get(id))?.notifiedAt).toBeInstanceOf(Date);
  });

  it('an approval a crash cut short is finished by the sweeper, and the person told once', async () => {
    const { env, app } = await start();
    const person = new TestChat(() => app, env.channel, 'crashed');
    await answerUpToReview(person, env.channel, '1000000008');
    const reference = await submit(person);
    const { id } = await askForErasure(app, person);
    // The decision landed, then the process died before erasing.
    await app.repositories.erasures.decide(id, 'approved', ADMIN, new Date());

    await app.sweepNow();
    await waitFor(() => env.channel.transcript('crashed').some((m) => m.includes('تم حذف بياناتك')), 'the erasure notice');
    expect(await app.repositories.cases.findByReference(reference)).toMatchObject({ chatKey: 'erased', answers: {} });
    await app.sweepNow();
    expect(env.channel.transcript('crashed').filter((m) => m.includes('تم حذف بياناتك'))).toHaveLength(1);
  });
});

describe('retention', () => {
  it('anonymises a finished case when its retention ends, on a date kept in MongoDB, and leaves open cases alone', async () => {
    let now = new Date('2026-01-10T09:00:00Z');
    const { env, app } = await start({ RETENTION_DAYS: '30' }, () => now);
    const finished = new TestChat(() => app, env.channel, 'finished');
    const open = new TestChat(() => app, env.channel, 'still-open');
    await answerUpToReview(finished, env.channel, '1000000008');
    const finishedReference = await submit(finished);
    await answerUpToReview(open, env.channel, '2100000005');
    const openReference = await submit(open);
    const finishedId = (await app.repositories.cases.findByReference(finishedReference))!.id;
    const openId = (await app.repositories.cases.findByReference(openReference))!.id;
    const documents = (await app.repositories.cases.get(finishedId))!.documentIds;

    await finished.say('/withdraw', 'هل تريد سحب طلبك');
    await finished.say('نعم', 'تم سحب');
    await app.sweepNow();
    const dated = await app.repositories.cases.raw(finishedId);
    expect(dated?.retainUntil).toEqual(new Date(now.getTime() + 30 * 86_400_000));
    expect((await app.repositories.cases.raw(openId))?.retainUntil).toBeUndefined();

    // A day before the date nothing happens; a day after, the case is anonymised.
    now = new Date(now.getTime() + 29 * 86_400_000);
    await app.sweepNow();
    expect((await app.repositories.cases.get(finishedId))!.answers.national_id).toBe('1000000008');
    now = new Date(now.getTime() + 2 * 86_400_000);
    await app.sweepNow();
    const anonymised = await app.repositories.cases.get(finishedId);
    expect(anonymised).toMatchObject({ status: 'withdrawn', answers: {}, documentIds: [], chatKey: 'erased' });
    expect(await app.repositories.cases.raw(finishedId)).toMatchObject({ anonymisedFor: 'retention' });
    for (const documentId of documents) expect(await app.repositories.documents.exists(documentId)).toBe(false);
    expect((await app.repositories.cases.get(openId))!.answers.national_id).toBe('2100000005');
    const audit = await app.repositories.audit.list({ limit: 200 });
    expect(audit.filter((e) => e.action === 'case.anonymised').map((e) => e.target.id)).toEqual([finishedId]);
  });
});
