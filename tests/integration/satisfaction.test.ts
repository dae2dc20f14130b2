/**
 * Satisfaction invitations through the real service: scheduled after a decision, sent by
 * the sweeper when due (an optional message: skipped for a person who stopped optional
 * messages, capped per WhatsApp number per day), answered once in the chat and stored with
 * the comment encrypted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { SurveyRepository } from '../../src/models/survey-repository.js';
import { chatKeyOf } from '../../src/services/identifiers.js';
import { queueNotice } from '../../src/services/notices.js';
import { startTestApp, TestChat, testEnvironment, waitFor, type TestEnvironment } from '../helpers/test-app.js';

const HOUR = 3_600_000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function rig(): Promise<{ env: TestEnvironment; app: RunningApp; advance: (ms: number) => void; now: () => Date }> {
  const env = testEnvironment({ SURVEY_DELAY_HOURS: '24', OPTIONAL_MESSAGES_PER_DAY: '1' });
  cleanups.push(() => env.cleanup());
  let now = Date.now();
  const app = await startTestApp(env, { clock: () => new Date(now) });
  cleanups.push(() => app.stop());
  return { env, app, advance: (ms) => (now += ms), now: () => new Date(now) };
}

async function schedule(app: RunningApp, chatId: string, caseNumber: number, now: Date, channel = 'console'): Promise<string> {
  const caseId = `case_${String(caseNumber).padStart(24, '0')}`;
  await app.repositories.surveys.schedule({
    caseId,
    reference: `SR-SAT${caseNumber}-0000`,
    occasion: 'decision',
    chatKey: chatKeyOf(app.keys, channel as 'console', chatId),
    channel,
    dueAt: new Date(now.getTime() + 24 * HOUR),
    now,
  });
  return SurveyRepository.idFor(caseId, 'decision');
}

describe('satisfaction invitations', () => {
  it('are sent when due, answered once in the chat, and stored with the comment encrypted', async () => {
    const { env, app, advance, now } = await rig();
    const chat = new TestChat(() => app, env.channel, 'rater');
    await chat.say('مرحبا', 'القائمة الرئيسية');
    const surveyId = await schedule(app, 'rater', 1, now());

    await app.sweepNow();
    expect((await app.repositories.surveys.get(surveyId))?.state).toBe('scheduled');

    advance(25 * HOUR);
    const before = env.channel.transcript('rater').length;
    await app.sweepNow();
    await waitFor(() => env.channel.transcript('rater').slice(before).join('\n').includes('كيف تقيّم خدمة الجمعية'), 'the invitation and the question');
    expect((await app.repositories.surveys.get(surveyId))?.state).toBe('sent');
    await chat.say('2', 'هل تودّ أن تخبرنا بالسبب');
    await chat.say('كان الموظف متعاونًا جدًا', 'شكرًا لك! وصلنا تقييمك');
    const answered = await app.repositories.surveys.get(surveyId);
    expect(answered).toMatchObject({ state: 'answered', rating: 4, comment: 'كان الموظف متعاونًا جدًا' });
    const raw = await app.connection.db!.collection('surveys').findOne({ _id: surveyId as never });
    expect(JSON.stringify(raw)).not.toContain('متعاون');

    // A late second answer to the same invitation is not counted twice.
    expect(await app.repositories.surveys.answer(surveyId, answered!.chatKey, 1, null, now())).toBe('already');
    expect((await app.repositories.surveys.get(surveyId))?.rating).toBe(4);
    // Another sweep sends nothing again.
    const after = env.channel.transcript('rater').length;
    await app.sweepNow();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(env.channel.transcript('rater').slice(after).join('\n')).not.toContain('نودّ أن نعرف رأيك');
  });

  it('are not sent to a person who stopped optional messages, who still gets service messages', async () => {
    const { env, app, advance, now } = await rig();
    const chat = new TestChat(() => app, env.channel, 'quiet');
    await chat.say('مرحبا', 'القائمة الرئيسية');
    await chat.say('إيقاف الرسائل', 'أوقفنا الرسائل الاختيارية');
    const surveyId = await schedule(app, 'quiet', 2, now());
    advance(25 * HOUR);
    await app.sweepNow();
    expect((await app.repositories.surveys.get(surveyId))?.state).toBe('skipped');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(env.channel.transcript('quiet').join('\n')).not.toContain('نودّ أن نعرف رأيك');
    // A decision is a service message: it comes.
    const before = env.channel.transcript('quiet').length;
    const notify = {
      inbox: app.repositories.inbox,
      keys: app.keys,
      requestInbound: (chatKey: string, reason: string) => app.queues.requestInbound(chatKey, reason),
    };
    await queueNotice(
      notify,
      { chatKey: chatKeyOf(app.keys, 'console', 'quiet'), channel: 'console' },
      { key: 'decision.approved', params: { reference: 'SR-SAT2-0000', support: 'سلة غذائية' } },
      'decision-sat-2',
    );
    await waitFor(() => env.channel.transcript('quiet').slice(before).join('\n').includes('SR-SAT2-0000'), 'the decision');
    // Resumed: a later invitation comes.
    await chat.say('استئناف الرسائل', 'أعدنا الرسائل الاختيارية');
    const next = await schedule(app, 'quiet', 3, now());
    advance(25 * HOUR);
    await app.sweepNow();
    expect((await app.repositories.surveys.get(next))?.state).toBe('sent');
  });

  it('on WhatsApp, at most the configured number of optional messages per number per day', async () => {
    const { app, advance, now } = await rig();
    const first = await schedule(app, '966500000009@c.us', 4, now(), 'whatsapp');
    const second = await schedule(app, '966500000009@c.us', 5, now(), 'whatsapp');
    advance(25 * HOUR);
    await app.sweepNow();
    const states = [(await app.repositories.surveys.get(first))?.state, (await app.repositories.surveys.get(second))?.state].sort();
    expect(states).toEqual(['scheduled', 'sent']);
  });
});
